//! Autograd semantics: seeds, accumulation, graph freeing, grad modes, detach, hooks,
//! retain_grad, anomaly mode, and `grad()`.

mod common;
use common::*;

use std::sync::{Arc, Mutex};

use myelin_tensor::{
    detect_anomaly, grad, no_grad, with_no_grad, BackwardCtx, BackwardOp, BackwardOptions,
    ClosureUnary, Result, Tensor, TensorError,
};

const RETAIN: BackwardOptions = BackwardOptions {
    retain_graph: true,
    create_graph: false,
};

#[test]
fn backward_on_non_scalar_is_an_error() {
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let y = &x * 2.0;
    let err = y.backward().unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, TensorError::Autograd(_)), "{err:?}");
    assert!(msg.contains("[3]") && msg.contains("scalar"), "{msg}");
    assert!(x.grad().is_none());
    // A one-element non-0-d tensor is fine.
    let z = (&x * 2.0).sum_dims(&[0], true);
    assert_eq!(z.shape(), &[1]);
    z.backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 2.0, 2.0]);
}

#[test]
fn backward_with_wrong_shape_seed_names_both_shapes() {
    let x = leaf(&[1.0; 6], &[2, 3]);
    let y = x.exp();
    let err = y.backward_with(&Tensor::ones(&[3, 2])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("backward") && msg.contains("[3, 2]") && msg.contains("[2, 3]"),
        "{msg}"
    );
    assert!(matches!(
        err,
        TensorError::ShapeMismatch { op: "backward", .. }
    ));
    // A correct seed weights the gradient.
    let seed = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
    (&x * 3.0).backward_with(&seed).unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![3.0, 6.0, 9.0, 12.0, 15.0, 18.0]
    );
}

#[test]
fn backward_on_tensor_without_grad_is_an_error() {
    let x = Tensor::<f64>::ones(&[2]);
    let err = x.sum().backward().unwrap_err();
    assert!(err.to_string().contains("does not require grad"), "{err}");
}

#[test]
fn fan_out_accumulates() {
    let x = leaf(&[1.0, -2.0, 3.0], &[3]);
    // y = x*x + 3x + x.exp(): dy/dx = 2x + 3 + e^x
    let y = &(&(&x * &x) + &(&x * 3.0)) + &x.exp();
    y.sum().backward().unwrap();
    let expect: Vec<f64> = [1.0f64, -2.0, 3.0]
        .iter()
        .map(|v| 2.0 * v + 3.0 + v.exp())
        .collect();
    assert_close(&x.grad().unwrap().to_vec(), &expect, 1e-12, 1e-12);
    // Shared intermediate used twice (diamond).
    let x = leaf(&[0.5], &[1]);
    let h = x.tanh();
    let y = &(&h * &h) + &h.mul_scalar(2.0);
    y.sum().backward().unwrap();
    let t = 0.5f64.tanh();
    assert_close(
        &x.grad().unwrap().to_vec(),
        &[(2.0 * t + 2.0) * (1.0 - t * t)],
        1e-12,
        1e-12,
    );
}

#[test]
fn repeated_backward_accumulates_with_retain_graph_and_zero_grad_clears() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = x.square().sum();
    let seed = Tensor::scalar(1.0);
    y.backward_opts(&seed, RETAIN).unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 4.0]);
    y.backward_opts(&seed, RETAIN).unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![4.0, 8.0]);
    y.backward().unwrap(); // last one frees the graph
    assert_eq!(x.grad().unwrap().to_vec(), vec![6.0, 12.0]);
    x.zero_grad();
    assert!(x.grad().is_none());
    // A fresh graph after zero_grad starts from zero.
    x.square().sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 4.0]);
    // set_grad replaces.
    x.set_grad(Some(Tensor::from_vec(vec![10.0, 10.0], &[2]).unwrap()));
    x.sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![11.0, 11.0]);
}

#[test]
fn second_backward_through_freed_graph_errors() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = x.exp().sum();
    y.backward().unwrap();
    let err = y.backward().unwrap_err();
    assert!(
        err.to_string()
            .contains("Trying to backward through the graph a second time"),
        "{err}"
    );
    // The first gradient is untouched by the failed second pass.
    assert_close(
        &x.grad().unwrap().to_vec(),
        &[1f64.exp(), 2f64.exp()],
        1e-12,
        1e-12,
    );
    // grad() without create_graph frees too.
    let z = x.tanh().sum();
    grad(
        std::slice::from_ref(&z),
        std::slice::from_ref(&x),
        None,
        false,
    )
    .unwrap();
    let err = grad(&[z], std::slice::from_ref(&x), None, false).unwrap_err();
    assert!(
        err.to_string()
            .contains("Trying to backward through the graph a second time"),
        "{err}"
    );
    // Backward from an intermediate of a freed graph also errors.
    let h = x.sigmoid();
    let out = h.square().sum();
    out.backward().unwrap();
    let err = h.sum().backward().unwrap_err();
    assert!(err.to_string().contains("second time"), "{err}");
}

#[test]
fn retain_graph_allows_second_backward_through_shared_part() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let h = x.exp();
    let a = h.sum();
    a.backward_opts(&Tensor::scalar(1.0), RETAIN).unwrap();
    let b = h.square().sum();
    b.backward().unwrap();
    let e: Vec<f64> = [1.0f64, 2.0]
        .iter()
        .map(|v| v.exp() + 2.0 * (2.0 * v).exp())
        .collect();
    assert_close(&x.grad().unwrap().to_vec(), &e, 1e-12, 1e-12);
}

#[test]
fn no_grad_scopes() {
    let x = leaf(&[1.0, 2.0], &[2]);
    {
        let _g = no_grad();
        let y = &x * &x;
        assert!(!y.requires_grad());
        assert!(y.grad_fn_name().is_none());
        assert!(!myelin_tensor::is_grad_enabled());
        {
            // Nested guards restore the outer state.
            let _g2 = myelin_tensor::set_grad_enabled(true);
            assert!((&x * 2.0).requires_grad());
        }
        assert!(!(&x * 2.0).requires_grad());
    }
    assert!(myelin_tensor::is_grad_enabled());
    let y = with_no_grad(|| x.exp());
    assert!(!y.requires_grad());
    let z = x.exp();
    assert!(z.requires_grad());
    assert_eq!(z.grad_fn_name(), Some("exp"));
    // Grad mode is per thread.
    let _g = no_grad();
    let x2 = x.clone();
    let other = std::thread::spawn(move || (&x2 * 2.0).requires_grad())
        .join()
        .unwrap();
    assert!(other);
}

#[test]
fn detach_cuts_the_graph_and_shares_data() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let d = x.detach();
    assert!(!d.requires_grad() && d.is_leaf());
    assert!(d.shares_storage_with(&x));
    // y = x * detach(x): gradient is detach(x) only.
    let y = (&x * &d).sum();
    y.backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 2.0]);
    // A detached intermediate stops the flow.
    let x = leaf(&[3.0], &[1]);
    let h = x.square();
    let y = &h.detach() * &x;
    y.sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![9.0]);
}

#[test]
fn requires_grad_toggles() {
    let x = Tensor::<f64>::ones(&[2]);
    assert!(!x.requires_grad() && x.is_leaf());
    assert!(!(&x * 2.0).requires_grad());
    x.set_requires_grad(true);
    let y = &x * 2.0;
    assert!(y.requires_grad() && !y.is_leaf());
    x.set_requires_grad(false);
    assert!(!(&x * 2.0).requires_grad());
    // Only the input that requires grad gets a gradient.
    let a = leaf(&[2.0], &[1]);
    let b = Tensor::from_vec(vec![5.0], &[1]).unwrap();
    (&a * &b).sum().backward().unwrap();
    assert_eq!(a.grad().unwrap().to_vec(), vec![5.0]);
    assert!(b.grad().is_none());
    // requires_grad_(false) on a non-leaf does not cut its graph.
    let y = a.square();
    y.set_requires_grad(false);
    assert!(y.requires_grad());
}

#[test]
fn hooks_observe_and_replace_intermediate_gradients() {
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let h = x.square();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = Arc::clone(&seen);
    h.register_hook(move |g| {
        seen2.lock().unwrap().push(g.to_vec());
        None
    });
    // loss = sum(h * c) + sum(h): the hook sees the total gradient c + 1.
    let c = Tensor::from_vec(vec![1.0, 10.0, 100.0], &[3]).unwrap();
    let loss = &(&h * &c).sum() + &h.sum();
    loss.backward().unwrap();
    assert_eq!(seen.lock().unwrap().as_slice(), &[vec![2.0, 11.0, 101.0]]);
    assert_eq!(x.grad().unwrap().to_vec(), vec![4.0, 44.0, 606.0]);

    // A replacing hook changes what flows further down.
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let h = x.square();
    h.register_hook(|g| Some(g * 0.0 + 1.0));
    (&h * 7.0).sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 4.0, 6.0]);

    // Hooks compose in registration order; clear_hooks removes them.
    let x = leaf(&[1.0], &[1]);
    let h = x.mul_scalar(1.0);
    h.register_hook(|g| Some(g.add_scalar(1.0)));
    h.register_hook(|g| Some(g.mul_scalar(10.0)));
    h.sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![20.0]);
    h.clear_hooks();

    // Hooks on leaves see and replace the gradient before accumulation.
    let w = leaf(&[1.0, 1.0], &[2]);
    w.register_hook(|g| Some(g.clamp(-0.5, 0.5)));
    (&w * 3.0).sum().backward().unwrap();
    assert_eq!(w.grad().unwrap().to_vec(), vec![0.5, 0.5]);

    // A hook returning a wrong shape is an error.
    let x = leaf(&[1.0, 2.0], &[2]);
    let h = x.exp();
    h.register_hook(|_| Some(Tensor::zeros(&[3])));
    let err = h.sum().backward().unwrap_err();
    assert!(
        err.to_string().contains("hook") && err.to_string().contains("[3]"),
        "{err}"
    );
}

#[test]
fn retain_grad_keeps_intermediate_gradient() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let h = x.mul_scalar(3.0);
    let k = h.exp();
    h.retain_grad();
    k.sum().backward().unwrap();
    let expect: Vec<f64> = [3.0f64, 6.0].iter().map(|v| v.exp()).collect();
    assert_close(&h.grad().unwrap().to_vec(), &expect, 1e-12, 1e-12);
    assert!(
        k.grad().is_none(),
        "non-leaf without retain_grad keeps no grad"
    );
    assert_close(
        &x.grad().unwrap().to_vec(),
        &expect.iter().map(|v| v * 3.0).collect::<Vec<_>>(),
        1e-12,
        1e-12,
    );
}

#[test]
fn anomaly_mode_names_the_op_that_made_nan() {
    // sqrt at 0: forward fine, backward 0.5/0 = inf from a finite upstream gradient.
    let x = leaf(&[0.0, 4.0], &[2]);
    let y = {
        let _a = detect_anomaly(true);
        x.sqrt().mul_scalar(2.0).sum()
    };
    let _a = detect_anomaly(true);
    let err = y.backward().unwrap_err();
    match &err {
        TensorError::Anomaly { op, input, .. } => {
            assert_eq!(op, "sqrt");
            assert_eq!(*input, 0);
        }
        other => panic!("expected an anomaly error, got {other:?}"),
    }
    assert!(err.to_string().contains("`sqrt`"), "{err}");
    drop(_a);

    // Without anomaly mode the same backward succeeds and yields inf.
    let x = leaf(&[0.0, 4.0], &[2]);
    x.sqrt().sum().backward().unwrap();
    assert!(x.grad().unwrap().to_vec()[0].is_infinite());

    // A custom op whose backward returns NaN is named.
    struct Broken;
    impl BackwardOp<f64> for Broken {
        fn name(&self) -> &'static str {
            "broken_op"
        }
        fn backward(
            &self,
            _ctx: &BackwardCtx<'_, f64>,
            g: &Tensor<f64>,
        ) -> Result<Vec<Option<Tensor<f64>>>> {
            Ok(vec![Some(g * f64::NAN)])
        }
    }
    let _a = detect_anomaly(true);
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = Tensor::from_op(x.detach().mul_scalar(2.0), &[&x], Broken);
    let err = y.tanh().sum().backward().unwrap_err();
    assert!(
        matches!(&err, TensorError::Anomaly { op, .. } if op == "broken_op"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("created at"),
        "anomaly mode records the creation site: {err}"
    );

    // A custom unary op with a NaN derivative.
    let bad = ClosureUnary::new("nan_derivative", |x: f64| x, |_, _| f64::NAN);
    let err = x.map_unary(bad).sum().backward().unwrap_err();
    assert!(err.to_string().contains("nan_derivative"), "{err}");

    // NaN already in the upstream gradient does not blame the downstream op.
    let ok = leaf(&[1.0], &[1]);
    let y = ok.exp();
    let r = y.backward_with(&Tensor::from_vec(vec![f64::NAN], &[1]).unwrap());
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn grad_returns_without_accumulating() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let unused = leaf(&[5.0], &[1]);
    let y = x.powi(3).sum();
    // An unused input is an error by default (PyTorch's allow_unused=False); with
    // materialize_grads it gets zeros.
    let both = [x.clone(), unused.clone()];
    assert!(grad(std::slice::from_ref(&y), &both, None, false).is_err());
    let y = x.powi(3).sum();
    let options = myelin_tensor::GradOptions {
        materialize_grads: true,
        ..Default::default()
    };
    let g = myelin_tensor::grad_with(&[y], &both, None, options).unwrap();
    let g: Vec<Tensor<f64>> = g.into_iter().map(Option::unwrap).collect();
    assert_eq!(g[0].to_vec(), vec![3.0, 12.0]);
    assert_eq!(g[1].to_vec(), vec![0.0], "unused input gets zeros");
    assert!(x.grad().is_none() && unused.grad().is_none());
    // Non-scalar output needs seeds; wrong seed count is an error.
    let v = x.exp();
    assert!(grad(
        std::slice::from_ref(&v),
        std::slice::from_ref(&x),
        None,
        false
    )
    .is_err());
    assert!(grad(
        std::slice::from_ref(&v),
        std::slice::from_ref(&x),
        Some(&[]),
        false
    )
    .is_err());
    let g = grad(
        &[v],
        std::slice::from_ref(&x),
        Some(&[Tensor::from_vec(vec![1.0, 0.5], &[2]).unwrap()]),
        false,
    )
    .unwrap();
    assert_close(
        &g[0].to_vec(),
        &[1f64.exp(), 0.5 * 2f64.exp()],
        1e-12,
        1e-12,
    );
    // Input that does not require grad is an error.
    let c = Tensor::<f64>::ones(&[2]);
    let err = grad(&[(&x * &c).sum()], &[c], None, false).unwrap_err();
    assert!(err.to_string().contains("does not require grad"), "{err}");
    // Gradient with respect to an intermediate.
    let h = x.mul_scalar(2.0);
    let g = grad(&[h.square().sum()], std::slice::from_ref(&h), None, false).unwrap();
    assert_eq!(g[0].to_vec(), vec![4.0, 8.0]);
    // Multiple outputs sum their contributions.
    let g = grad(
        &[x.sum(), x.square().sum()],
        std::slice::from_ref(&x),
        None,
        false,
    )
    .unwrap();
    assert_eq!(g[0].to_vec(), vec![3.0, 5.0]);
}

#[test]
fn leaf_gradients_do_not_alias_each_other_or_the_seed() {
    // z = a + b: both gradients equal the seed; an in-place edit of one (gradient
    // clipping) must not change the other or the caller's seed.
    let a = leaf(&[1.0, 2.0], &[2]);
    let b = leaf(&[3.0, 4.0], &[2]);
    let seed = Tensor::from_vec(vec![1.0, 1.0], &[2]).unwrap();
    (&a + &b).backward_with(&seed).unwrap();
    let ga = a.grad().unwrap();
    ga.update_data(|d| d.iter_mut().for_each(|v| *v *= 0.5))
        .unwrap();
    assert_eq!(a.grad().unwrap().to_vec(), vec![0.5, 0.5]);
    assert_eq!(
        b.grad().unwrap().to_vec(),
        vec![1.0, 1.0],
        "b's gradient changed with a's"
    );
    assert_eq!(seed.to_vec(), vec![1.0, 1.0], "the seed changed");
    // Backward straight from a leaf.
    let x = leaf(&[1.0, 2.0], &[2]);
    x.backward_with(&seed).unwrap();
    x.grad().unwrap().update_data(|d| d[0] = 9.0).unwrap();
    assert_eq!(seed.to_vec(), vec![1.0, 1.0]);
}

#[test]
fn views_and_reshape_route_gradients_to_the_right_elements() {
    let x = leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let w = Tensor::from_vec(vec![1.0, 10.0, 100.0, 1000.0, 1e4, 1e5], &[3, 2]).unwrap();
    (&x.t() * &w).sum().backward().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![1.0, 100.0, 1e4, 10.0, 1000.0, 1e5]
    );
    let x = leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let n = x.try_narrow(1, 1, 2).unwrap();
    (&n * &Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap())
        .sum()
        .backward()
        .unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![0.0, 1.0, 2.0, 0.0, 3.0, 4.0]
    );
}

/// `y = x · s` for a leaf `x` broadcast against `s`, whose backward returns both
/// gradients at the output's shape (or, for `wrong`, a shape neither input has).
struct ScaleBroadcast {
    wrong: bool,
}
impl BackwardOp<f64> for ScaleBroadcast {
    fn name(&self) -> &'static str {
        "scale_broadcast"
    }
    fn backward(
        &self,
        ctx: &BackwardCtx<'_, f64>,
        g: &Tensor<f64>,
    ) -> Result<Vec<Option<Tensor<f64>>>> {
        let (x, s) = (ctx.input(0), ctx.input(1));
        if self.wrong {
            return Ok(vec![Some(Tensor::zeros(&[5])), None]);
        }
        Ok(vec![Some(g.try_mul(s)?), Some(g.try_mul(x)?)])
    }
}

#[test]
fn engine_sums_broadcast_gradients_to_each_input_shape() {
    let x = leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let s = leaf(&[0.5, -1.0, 2.0], &[3]);
    let value = myelin_tensor::with_no_grad(|| x.try_mul(&s).unwrap());
    let y = Tensor::from_op(value, &[&x, &s], ScaleBroadcast { wrong: false });
    y.sum().backward().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![0.5, -1.0, 2.0, 0.5, -1.0, 2.0]
    );
    // s's gradient, [2, 3] from the backward, summed over the broadcast batch dim.
    assert_eq!(s.grad().unwrap().shape(), &[3]);
    assert_eq!(s.grad().unwrap().to_vec(), vec![5.0, 7.0, 9.0]);

    // A gradient of a shape the input cannot broadcast to is an error naming the op.
    let value = myelin_tensor::with_no_grad(|| x.try_mul(&s).unwrap());
    let y = Tensor::from_op(value, &[&x, &s], ScaleBroadcast { wrong: true });
    let err = y.sum().backward().unwrap_err().to_string();
    assert!(
        err.contains("scale_broadcast")
            && err.contains("gradient of shape [5] for input 0 of shape [2, 3]"),
        "{err}"
    );
}
