//! A million-op chain must build, backpropagate and drop on a thread with a 1 MiB stack:
//! nothing in the engine or in Drop may recurse per node.

use myelin_tensor::{live_nodes, Tensor};

const DEPTH: usize = 1_000_000;
const SMALL_STACK: usize = 1 << 20;

fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the deep-graph thread panicked (stack overflow aborts the process instead)")
}

#[test]
fn million_op_chain_backprops_and_drops_on_a_small_stack() {
    let (value, grad) = on_small_stack(|| {
        let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2])
            .unwrap()
            .requires_grad_(true);
        let mut y = x.clone();
        for i in 0..DEPTH {
            y = if i % 2 == 0 {
                y.mul_scalar(1.000_000_1)
            } else {
                y.add_scalar(1e-7)
            };
        }
        assert!(live_nodes() >= DEPTH);
        let loss = y.sum();
        let value = loss.item().unwrap();
        loss.backward().unwrap();
        drop(loss);
        drop(y);
        (value, x.grad().unwrap().to_vec())
    });
    // d/dx of ((x·a + b)·a + b)... = a^(DEPTH/2) per element.
    let expect = 1.000_000_1f64.powi((DEPTH / 2) as i32);
    for g in grad {
        assert!((g - expect).abs() < 1e-9 * expect, "{g} vs {expect}");
    }
    assert!(value.is_finite());
}

#[test]
fn million_op_chain_with_binary_ops_and_retained_graph() {
    on_small_stack(|| {
        let x = Tensor::<f64>::scalar(0.5).requires_grad_(true);
        let c = Tensor::<f64>::scalar(1.0);
        let mut y = x.clone();
        for _ in 0..DEPTH {
            y = &y * &c;
        }
        let seed = Tensor::scalar(1.0);
        let opts = myelin_tensor::BackwardOptions {
            retain_graph: true,
            create_graph: false,
        };
        y.backward_opts(&seed, opts).unwrap();
        y.backward_opts(&seed, opts).unwrap();
        assert_eq!(x.grad().unwrap().item().unwrap(), 2.0);
        // y (and the retained graph) dropped here, iteratively.
    });
}

#[test]
fn million_op_graph_dropped_without_backward() {
    on_small_stack(|| {
        let x = Tensor::<f32>::ones(&[1]).requires_grad_(true);
        let mut y = x.clone();
        for _ in 0..DEPTH {
            y = y.add_scalar(1.0);
        }
        assert_eq!(y.to_vec(), vec![1.0 + DEPTH as f32]);
        drop(y);
        // Also a chain with fan-out (each node feeds two), dropped without backward.
        let mut z = x.clone();
        for _ in 0..DEPTH / 4 {
            let w = z.mul_scalar(0.5);
            z = &w + &w;
        }
        drop(z);
    });
}

#[test]
fn deep_chain_grad_with_create_graph() {
    // Second order through a deep chain: d²/dx² of x·a^N... use x² scaled repeatedly.
    on_small_stack(|| {
        let x = Tensor::<f64>::scalar(3.0).requires_grad_(true);
        let mut y = x.square();
        for _ in 0..100_000 {
            y = y.mul_scalar(1.0);
        }
        let g = myelin_tensor::grad(
            std::slice::from_ref(&y),
            std::slice::from_ref(&x),
            None,
            true,
        )
        .unwrap();
        assert_eq!(g[0].item().unwrap(), 6.0);
        let h =
            myelin_tensor::grad(&[g[0].clone()], std::slice::from_ref(&x), None, false).unwrap();
        assert_eq!(h[0].item().unwrap(), 2.0);
    });
}
