//! Graph memory: a training loop keeps the number of live graph nodes flat, and a step's
//! nodes are all gone once its tensors are dropped. One test only: `live_nodes()` is
//! process-global and tests in one binary run in parallel threads.

#![allow(clippy::cloned_ref_to_slice_refs)]

use myelin_tensor::{live_nodes, Tensor};

struct Mlp {
    w1: Tensor<f32>,
    b1: Tensor<f32>,
    w2: Tensor<f32>,
    b2: Tensor<f32>,
}

impl Mlp {
    fn params(&self) -> [&Tensor<f32>; 4] {
        [&self.w1, &self.b1, &self.w2, &self.b2]
    }
    fn loss(&self, x: &Tensor<f32>, y: &Tensor<f32>) -> Tensor<f32> {
        let h = (&x.matmul(&self.w1) + &self.b1).tanh();
        let out = &h.matmul(&self.w2) + &self.b2;
        (&out - y).square().mean()
    }
}

fn sgd_step(model: &Mlp, lr: f32) {
    for p in model.params() {
        let g = p.grad().expect("every parameter gets a gradient").to_vec();
        p.update_data(|w| w.iter_mut().zip(&g).for_each(|(w, g)| *w -= lr * g))
            .unwrap();
        p.zero_grad();
    }
}

#[test]
fn training_loop_keeps_live_nodes_flat() {
    let baseline = live_nodes();
    let model = Mlp {
        w1: Tensor::<f32>::randn_seeded(&[3, 8], 1)
            .mul_scalar(0.5)
            .requires_grad_(true),
        b1: Tensor::<f32>::zeros(&[8]).requires_grad_(true),
        w2: Tensor::<f32>::randn_seeded(&[8, 1], 2)
            .mul_scalar(0.5)
            .requires_grad_(true),
        b2: Tensor::<f32>::zeros(&[1]).requires_grad_(true),
    };
    let x = Tensor::<f32>::randn_seeded(&[16, 3], 3);
    // Target: a fixed function of x, so the loss can go down.
    let y = x.sum_dims(&[1], true).tanh();
    assert_eq!(live_nodes(), baseline, "building leaves records nothing");

    let mut first_loss = f32::NAN;
    let mut last_loss = f32::NAN;
    let mut at_100 = None;
    for step in 1..=10_000 {
        let loss = model.loss(&x, &y);
        assert!(live_nodes() > baseline, "the forward records a graph");
        if step == 1 {
            first_loss = loss.item().unwrap();
        }
        last_loss = loss.item().unwrap();
        loss.backward().unwrap();
        // Freed by backward even while `loss` is alive: only the root's own node remains
        // (its op and inputs released).
        assert_eq!(
            live_nodes(),
            baseline + 1,
            "step {step}: backward did not free the graph"
        );
        sgd_step(&model, 0.05);
        drop(loss);
        assert_eq!(
            live_nodes(),
            baseline,
            "step {step}: graph nodes left after dropping the step's tensors"
        );
        if step == 100 {
            at_100 = Some(live_nodes());
        }
    }
    assert_eq!(Some(live_nodes()), at_100);
    assert!(
        last_loss < first_loss * 0.5,
        "training made progress: {first_loss} -> {last_loss}"
    );

    // Steps that skip backward (evaluation with grad on) also leave nothing behind.
    for _ in 0..100 {
        let l = model.loss(&x, &y);
        drop(l);
    }
    assert_eq!(live_nodes(), baseline);
    // A retained graph is released when its tensors go.
    let l = model.loss(&x, &y);
    l.backward_opts(
        &Tensor::scalar(1.0),
        myelin_tensor::BackwardOptions {
            retain_graph: true,
            create_graph: false,
        },
    )
    .unwrap();
    assert!(live_nodes() > baseline);
    drop(l);
    assert_eq!(live_nodes(), baseline);
    // Higher order: grad-of-grad graphs are released too.
    for p in model.params() {
        p.zero_grad();
    }
    {
        let l = model.loss(&x, &y);
        let g = myelin_tensor::grad(&[l], &[model.w1.clone()], None, true).unwrap();
        let gg =
            myelin_tensor::grad(&[g[0].square().sum()], &[model.w1.clone()], None, false).unwrap();
        assert_eq!(gg[0].shape(), &[3, 8]);
    }
    assert_eq!(live_nodes(), baseline);
}
