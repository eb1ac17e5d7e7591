//! Issue #8: zero-size contractions, allocation size checks, in-place modification
//! detection (version counters), `grad` with unused inputs, anomaly blame and op names
//! in errors.

mod common;

use common::leaf;
use myelin_tensor::{
    detect_anomaly, grad, grad_with, no_grad, BackwardOptions, GradOptions, Tensor, TensorError,
};

fn msg<T: std::fmt::Debug>(r: myelin_tensor::Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

fn assert_mentions(m: &str, parts: &[&str]) {
    for p in parts {
        assert!(m.contains(p), "message {m:?} should mention {p:?}");
    }
}

/// Parks buffers of `len` elements full of 7.0 in the pool, so that an op that takes a
/// buffer of that length and does not write all of it shows sevens.
fn pollute_pool(len: usize) {
    let buffers: Vec<Tensor<f64>> = (0..8).map(|_| Tensor::full(&[len], 7.0)).collect();
    drop(buffers);
}

// ----- 1. zero-size contractions ------------------------------------------------------

#[test]
fn linear_with_zero_in_features_gives_the_bias_not_stale_values() {
    pollute_pool(64 * 64);
    let x = leaf(&[], &[64, 0]);
    let w = leaf(&[], &[64, 0]);
    let y = x.linear(&w, None);
    assert_eq!(y.shape(), &[64, 64]);
    assert!(y.to_vec().iter().all(|&v| v == 0.0), "stale pool values");

    pollute_pool(64 * 64);
    let b = leaf(&(0..64).map(f64::from).collect::<Vec<_>>(), &[64]);
    let y = x.linear(&w, Some(&b));
    let v = y.to_vec();
    for r in 0..64 {
        assert_eq!(&v[r * 64..(r + 1) * 64], &b.to_vec()[..], "row {r}");
    }
    // Backward: empty gradients for x and W, the row sums for b.
    y.sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().shape(), &[64, 0]);
    assert_eq!(w.grad().unwrap().shape(), &[64, 0]);
    assert_eq!(b.grad().unwrap().to_vec(), vec![64.0; 64]);

    // Batched input [2, 32, 0].
    pollute_pool(2 * 32 * 64);
    let x3 = Tensor::<f64>::zeros(&[2, 32, 0]);
    let y3 = x3.linear(&w, None);
    assert_eq!(y3.shape(), &[2, 32, 64]);
    assert!(y3.to_vec().iter().all(|&v| v == 0.0));
}

#[test]
fn matmul_and_reductions_over_an_empty_dimension_give_the_identity() {
    pollute_pool(64 * 64);
    let a = Tensor::<f64>::zeros(&[64, 0]);
    let b = Tensor::<f64>::zeros(&[0, 64]);
    assert!(a.matmul(&b).to_vec().iter().all(|&v| v == 0.0));
    pollute_pool(2 * 64 * 64);
    let a3 = Tensor::<f64>::zeros(&[2, 64, 0]);
    let b3 = Tensor::<f64>::zeros(&[2, 0, 64]);
    assert!(a3.matmul(&b3).to_vec().iter().all(|&v| v == 0.0));
    // Broadcast batch against a 2-D operand, transposed (strided) operand.
    let bt = Tensor::<f64>::zeros(&[64, 0]).t();
    assert!(a3.matmul(&bt).to_vec().iter().all(|&v| v == 0.0));

    pollute_pool(4096);
    let e = Tensor::<f64>::zeros(&[4096, 0]);
    assert_eq!(e.sum_dims(&[1], false).to_vec(), vec![0.0; 4096]);
    let lead = Tensor::<f64>::zeros(&[0, 4096]);
    assert_eq!(lead.sum_dims(&[0], false).to_vec(), vec![0.0; 4096]);
    assert_eq!(e.norm_dims(&[1], false).to_vec(), vec![0.0; 4096]);
    assert!(e.mean_dims(&[1], false).to_vec().iter().all(|v| v.is_nan()));
    // logsumexp of nothing is −∞ (PyTorch), not an error.
    let lse = e.logsumexp(&[1], false).to_vec();
    assert!(
        lse.iter().all(|&v| v == f64::NEG_INFINITY),
        "{:?}",
        &lse[..4]
    );
    // max over an empty dim is an error naming the op, as in PyTorch.
    assert_mentions(&msg(e.try_max_dims(&[1], false)), &["max", "empty"]);
}

// ----- 2. allocation sizes ------------------------------------------------------------

#[test]
fn byte_size_overflow_is_an_error_naming_op_and_shape() {
    // 2^63 elements fit in usize, 2^66 bytes do not.
    let e = Tensor::<f64>::try_full(&[1 << 61, 4], 0.0).unwrap_err();
    assert!(
        matches!(&e, TensorError::SizeOverflow { op: "full", .. }),
        "{e:?}"
    );
    assert_mentions(
        &e.to_string(),
        &[
            "full",
            &format!("[{}, 4]", 1usize << 61),
            "bytes",
            "overflows",
        ],
    );
    // f32 is checked against its own element size: 2^62 f32 = 2^64 bytes.
    assert_mentions(
        &msg(Tensor::<f32>::try_full(&[1 << 62], 0.0)),
        &["full", "float32", "4 bytes each"],
    );
    // Element count overflow still says so.
    assert_mentions(
        &msg(Tensor::<f64>::try_full(&[usize::MAX, 2], 0.0)),
        &["full", "usize::MAX"],
    );
    // Views with a huge logical size: broadcasting a scalar.
    let s = Tensor::<f64>::scalar(1.0);
    assert_mentions(
        &msg(s.try_broadcast_to(&[1 << 31, 1 << 31])),
        &["broadcast_to", "bytes"],
    );
    // Ops whose output is larger than their inputs.
    let col = Tensor::<f64>::zeros(&[1, 1]).broadcast_to(&[1 << 31, 1]);
    let row = Tensor::<f64>::zeros(&[1, 1]).broadcast_to(&[1, 1 << 31]);
    assert_mentions(&msg(col.try_add(&row)), &["add", "bytes"]);
    assert_mentions(&msg(col.try_matmul(&row)), &["matmul", "bytes"]);
    let tall = Tensor::<f64>::zeros(&[1, 1]).broadcast_to(&[1 << 59, 1]);
    assert_mentions(
        &msg(Tensor::try_concat(&[&tall, &tall], 1)),
        &["concat", "bytes"],
    );
    let w = Tensor::<f64>::zeros(&[1, 1]).broadcast_to(&[1 << 31, 1]);
    assert_mentions(&msg(col.try_linear(&w, None)), &["linear", "bytes"]);
    assert_mentions(
        &msg(Tensor::<f64>::zeros(&[1]).try_reshape(&[1 << 61, 4])),
        &["reshape"],
    );
    assert_mentions(
        &msg(Tensor::<f64>::zeros(&[1]).try_broadcast_to(&[usize::MAX, 2])),
        &["broadcast_to", "usize::MAX"],
    );
    // Constructors: the seeded random ones and from_vec check too.
    let mut rng = myelin_tensor::seeded_rng(0);
    assert_mentions(
        &msg(Tensor::<f64>::uniform(&[1 << 61, 4], 0.0, 1.0, &mut rng)),
        &["uniform", "bytes"],
    );
    // A zero extent makes any shape empty (and fine), as in PyTorch.
    assert_eq!(
        Tensor::<f64>::from_vec(vec![], &[1 << 61, 4, 0])
            .unwrap()
            .numel(),
        0
    );
    let panicked = std::panic::catch_unwind(|| Tensor::<f64>::eye(1 << 31)).unwrap_err();
    let text = panicked
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert_mentions(&text, &["eye", "bytes"]);
}

// ----- version counters ----------------------------------------------------------------

#[test]
fn modifying_a_saved_output_in_place_fails_the_backward() {
    let x = leaf(&[0.5, -1.0, 2.0], &[3]);
    let y = x.sigmoid();
    assert_eq!(y.version(), 0);
    y.update_data(|d| d[0] = 0.9).unwrap();
    assert_eq!(y.version(), 1);
    let err = y.sum().backward().unwrap_err().to_string();
    assert_mentions(
        &err,
        &[
            "one of the variables needed for gradient computation has been modified by an inplace operation",
            "output 0 of `sigmoid`",
            "shape [3]",
            "is at version 1; expected version 0 instead",
        ],
    );
    // Without the modification the same graph works (and gives σ'(x)).
    let x = leaf(&[0.5], &[1]);
    let y = x.sigmoid();
    y.sum().backward().unwrap();
    let s = 1.0 / (1.0 + (-0.5f64).exp());
    assert!((x.grad().unwrap().to_vec()[0] - s * (1.0 - s)).abs() < 1e-15);
}

#[test]
fn modifying_a_saved_input_fails_and_names_the_op_and_versions() {
    let a = leaf(&[1.0, 2.0], &[2]);
    let b = leaf(&[3.0, 4.0], &[2]);
    let y = (&a * &b).sum();
    // An optimiser-style update under no_grad, before the pending backward.
    {
        let _g = no_grad();
        a.update_data(|d| d[0] -= 0.1).unwrap();
        a.assign(&Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap())
            .unwrap();
    }
    assert_eq!(a.version(), 2);
    let err = y.backward().unwrap_err().to_string();
    assert_mentions(
        &err,
        &[
            "inplace operation",
            "input 0 of `mul`",
            "version 2; expected version 0",
        ],
    );
    // Through a view: views share the version counter.
    let x = leaf(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let view = x.t();
    let y = view.exp().sum();
    x.update_data(|d| d[3] = 0.0).unwrap();
    assert_eq!(view.version(), 1);
    assert_mentions(
        &y.backward().unwrap_err().to_string(),
        &["`exp`", "version 1"],
    );
    // A detached handle shares it too (as in PyTorch).
    let x = leaf(&[1.0], &[1]);
    let y = x.log().sum();
    x.detach().update_data(|d| d[0] = 2.0).unwrap();
    assert_mentions(&y.backward().unwrap_err().to_string(), &["`log`"]);
}

#[test]
fn ops_that_do_not_save_a_tensor_allow_modifying_it() {
    // add, views and scalar multiplication need no input values (PyTorch agrees).
    let a = leaf(&[1.0, 2.0], &[2]);
    let b = leaf(&[3.0, 4.0], &[2]);
    let y = (&a + &b).mul_scalar(3.0).reshape(&[2, 1]).sum();
    a.update_data(|d| d[0] = 100.0).unwrap();
    y.backward().unwrap();
    assert_eq!(a.grad().unwrap().to_vec(), vec![3.0, 3.0]);
    // Optimiser steps after backward are the normal case and stay allowed, step after
    // step (each graph is freed by its backward).
    let w = leaf(&[1.0, -2.0], &[2]);
    for _ in 0..3 {
        w.zero_grad();
        let loss = (&w * &w).sum();
        loss.backward().unwrap();
        let g = w.grad().unwrap().to_vec();
        let _guard = no_grad();
        w.update_data(|d| d.iter_mut().zip(&g).for_each(|(v, g)| *v -= 0.1 * g))
            .unwrap();
    }
    assert_eq!(w.version(), 3);
    assert!((w.to_vec()[0] - 0.8f64.powi(3)).abs() < 1e-15);
    // But a leaf saved by a graph that is backpropagated again after the update is an
    // error (PyTorch raises too).
    let w = leaf(&[1.0], &[1]);
    let loss = (&w * &w).sum();
    let retain = BackwardOptions {
        retain_graph: true,
        ..Default::default()
    };
    loss.backward_opts(&Tensor::ones(&[]), retain).unwrap();
    w.update_data(|d| d[0] = 0.5).unwrap();
    assert_mentions(
        &msg(loss.backward()),
        &["`mul`", "version 1; expected version 0"],
    );
}

// ----- grad with unused inputs -----------------------------------------------------------

#[test]
fn grad_of_an_unused_input_is_an_error_unless_allowed() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let unused = leaf(&[5.0], &[1]);
    let y = x.powi(2).sum();
    let inputs = [x.clone(), unused.clone()];
    let err = msg(grad(std::slice::from_ref(&y), &inputs, None, false));
    assert_mentions(
        &err,
        &[
            "not have been used in the graph",
            "input 1",
            "[1]",
            "allow_unused",
        ],
    );
    let y = x.powi(2).sum();
    let allow = GradOptions {
        allow_unused: true,
        ..Default::default()
    };
    let g = grad_with(std::slice::from_ref(&y), &inputs, None, allow).unwrap();
    assert_eq!(g[0].as_ref().unwrap().to_vec(), vec![2.0, 4.0]);
    assert!(g[1].is_none());
    let y = x.powi(2).sum();
    let materialize = GradOptions {
        materialize_grads: true,
        ..Default::default()
    };
    let g = grad_with(&[y], &inputs, None, materialize).unwrap();
    assert_eq!(g[1].as_ref().unwrap().to_vec(), vec![0.0]);
    // create_graph + allow_unused: second derivative of a linear function is unused.
    let y = x.mul_scalar(3.0).sum();
    let d1 = grad(&[y], std::slice::from_ref(&x), None, true).unwrap();
    let d2 = grad_with(
        &[d1[0].sum()],
        std::slice::from_ref(&x),
        None,
        GradOptions {
            allow_unused: true,
            ..Default::default()
        },
    );
    // d1 = 3 is recorded as a function of x (a constant map), so its gradient is zeros
    // (PyTorch would report it unused; either way no non-zero value appears).
    let d2 = d2.unwrap();
    assert!(
        d2[0].as_ref().is_none_or(|g| g.to_vec() == vec![0.0, 0.0]),
        "{d2:?}"
    );
}

// ----- 7. messages --------------------------------------------------------------------

#[test]
fn anomaly_mode_blames_the_input_that_already_held_nan() {
    let _a = detect_anomaly(true);
    // A NaN in a leaf: `log`'s backward is not to blame.
    let x = leaf(&[1.0, f64::NAN], &[2]);
    let err = x.log().sum().backward().unwrap_err();
    match &err {
        TensorError::NonFiniteInput {
            op, input, origin, ..
        } => {
            assert_eq!(op, "log");
            assert_eq!(*input, 0);
            assert_mentions(origin, &["leaf", "[2]"]);
        }
        other => panic!("expected NonFiniteInput, got {other:?}"),
    }
    assert_mentions(
        &err.to_string(),
        &[
            "input 0 of `log`",
            "leaf tensor of shape [2]",
            "already held NaN",
        ],
    );
    // A NaN made in the forward by another op: that op is named as the origin.
    let x = leaf(&[-1.0, 1.0], &[2]);
    let err = x.sqrt().exp().sum().backward().unwrap_err().to_string();
    assert_mentions(&err, &["input 0 of `exp`", "the output of `sqrt`"]);
    // A backward that turns finite values into inf is still the op's fault.
    let x = leaf(&[0.0, 4.0], &[2]);
    let err = x.sqrt().sum().backward().unwrap_err();
    assert!(
        matches!(&err, TensorError::Anomaly { op, .. } if op == "sqrt"),
        "{err:?}"
    );
}

#[test]
fn errors_name_the_op_the_user_called() {
    let x = Tensor::<f64>::zeros(&[2, 3]);
    let e = msg(x.try_slice(1, 1, 5));
    assert_mentions(&e, &["slice", "5", "size 3"]);
    assert!(!e.contains("narrow"), "{e}");
    let e = msg(x.try_slice(4, 0, 1));
    assert_mentions(&e, &["slice", "4"]);
    assert!(!e.contains("narrow"), "{e}");
    assert_mentions(&msg(x.try_narrow(1, 2, 2)), &["narrow"]);
    let e = msg(Tensor::try_stack(&[&x, &x], 5));
    assert_mentions(&e, &["stack", "5"]);
    assert!(!e.contains("unsqueeze"), "{e}");
    let e = msg(x.try_norm_dims(&[3], false));
    assert_mentions(&e, &["norm", "3"]);
    assert!(!e.contains("sum"), "{e}");
    let e = msg(x.try_logsumexp(&[7], false));
    assert_mentions(&e, &["logsumexp", "7"]);
}
