//! gradcheck (f64, PyTorch default tolerances) for every differentiable op.

#![allow(
    clippy::cloned_ref_to_slice_refs,
    clippy::needless_question_mark,
    clippy::type_complexity
)]

mod common;
use common::*;

use std::sync::Arc;

use myelin_tensor::{
    BackwardCtx, BackwardOp, BinaryFn, ClosureBinary, ClosureUnary, Result, Tensor, UnaryFn,
};

// ----- broadcasting binary arithmetic ---------------------------------------------------

fn binary_ops() -> Vec<(
    &'static str,
    fn(&Tensor<f64>, &Tensor<f64>) -> Result<Tensor<f64>>,
)> {
    vec![
        ("add", |a, b| a.try_add(b)),
        ("sub", |a, b| a.try_sub(b)),
        ("mul", |a, b| a.try_mul(b)),
        ("div", |a, b| a.try_div(b)),
        ("maximum", |a, b| a.try_maximum(b)),
        ("minimum", |a, b| a.try_minimum(b)),
    ]
}

#[test]
fn binary_ops_with_broadcasting() {
    let shape_pairs: &[(&[usize], &[usize])] = &[
        (&[3, 4], &[3, 4]),
        (&[3, 1], &[4]),
        (&[2, 3, 4], &[4]),
        (&[4], &[2, 3, 4]),
        (&[], &[2, 3]),
        (&[2, 3], &[]),
        (&[2, 1, 4], &[3, 1]),
    ];
    for (name, op) in binary_ops() {
        for (k, (sa, sb)) in shape_pairs.iter().enumerate() {
            // Keep denominators away from 0 and avoid ties for maximum/minimum.
            let a = uleaf(sa, 0.5, 2.0, 10 + k as u64);
            let b = uleaf(sb, 2.5, 4.0, 20 + k as u64);
            // Mix signs for a so that max/min pick both sides.
            let a = {
                let v: Vec<f64> = a
                    .to_vec()
                    .iter()
                    .enumerate()
                    .map(|(i, x)| if i % 2 == 0 { x * 3.0 } else { -x })
                    .collect();
                leaf(&v, sa)
            };
            gc(
                &format!("{name} {sa:?}x{sb:?}"),
                |xs| op(&xs[0], &xs[1]),
                &[a, b],
            );
        }
    }
}

#[test]
fn binary_ops_one_side_not_requiring_grad() {
    let a = rleaf(&[3, 4], 1);
    let b = Tensor::<f64>::randn_seeded(&[4], 2).add_scalar(5.0);
    for (name, op) in binary_ops() {
        gc(name, |xs| op(&xs[0], &b), std::slice::from_ref(&a));
        gc(name, |xs| op(&b, &xs[0]), std::slice::from_ref(&a));
    }
}

#[test]
fn operators_and_scalar_ops() {
    let x = uleaf(&[2, 3], 0.5, 2.0, 3);
    let y = uleaf(&[3], 0.5, 2.0, 4);
    gc(
        "operators",
        |xs| Ok(&(&(&xs[0] + &xs[1]) * &xs[0]) / &(&xs[1] - &xs[0].add_scalar(5.0))),
        &[x.clone(), y.clone()],
    );
    gc(
        "scalar ops",
        |xs| {
            let v = &xs[0];
            Ok(&(&(&(&v
                .add_scalar(1.5)
                .sub_scalar(0.25)
                .mul_scalar(-3.0)
                .div_scalar(7.0)
                + 2.0)
                * 3.0)
                - 1.0)
                / 4.0)
        },
        std::slice::from_ref(&x),
    );
    gc(
        "rsub_scalar",
        |xs| Ok(xs[0].rsub_scalar(2.0)),
        std::slice::from_ref(&x),
    );
    gc("neg operator", |xs| Ok(-&xs[0]), std::slice::from_ref(&x));
    gc(
        "maximum_scalar",
        |xs| Ok(xs[0].maximum_scalar(1.0)),
        &[leaf(&[0.3, 1.7, -2.0, 5.0], &[4])],
    );
    gc(
        "minimum_scalar",
        |xs| Ok(xs[0].minimum_scalar(1.0)),
        &[leaf(&[0.3, 1.7, -2.0, 5.0], &[4])],
    );
}

#[test]
fn fan_out_same_tensor_many_times() {
    let x = uleaf(&[2, 3], 0.5, 1.5, 5);
    // x*x + x/x.exp() - x*3 + x.t() @ x: x used six times.
    gc(
        "fan-out",
        |xs| {
            let x = &xs[0];
            let a = &(x * x) + &(x / &x.exp());
            let b = &a - &(x * 3.0);
            Ok(b.sum().try_add(&x.t().matmul(x).sum())?)
        },
        &[x],
    );
    let y = rleaf(&[4], 6);
    gc(
        "self mul",
        |xs| Ok(&xs[0] * &xs[0]),
        std::slice::from_ref(&y),
    );
    gc(
        "self sub",
        |xs| Ok(&xs[0] - &xs[0]),
        std::slice::from_ref(&y),
    );
    gc(
        "self maximum",
        |xs| xs[0].try_maximum(&xs[0].mul_scalar(0.5)),
        &[leaf(&[1.0, -2.0, 3.0], &[3])],
    );
}

// ----- unary ------------------------------------------------------------------------------

#[test]
fn unary_ops() {
    let any = leaf(&[-1.7, -0.6, -0.2, 0.3, 0.9, 1.8], &[2, 3]);
    let pos = leaf(&[0.2, 0.5, 0.9, 1.3, 2.0, 3.7], &[2, 3]);
    let above_m1 = leaf(&[-0.9, -0.6, -0.2, 0.3, 0.9, 1.8], &[2, 3]);
    let cases: Vec<(&str, fn(&Tensor<f64>) -> Tensor<f64>, &Tensor<f64>)> = vec![
        ("exp", |x| x.exp(), &any),
        ("log", |x| x.log(), &pos),
        ("log1p", |x| x.log1p(), &above_m1),
        ("expm1", |x| x.expm1(), &any),
        ("sqrt", |x| x.sqrt(), &pos),
        ("recip", |x| x.recip(), &any),
        ("abs", |x| x.abs(), &any),
        ("sign", |x| x.sign(), &any),
        ("tanh", |x| x.tanh(), &any),
        ("sigmoid", |x| x.sigmoid(), &any),
        ("erf", |x| x.erf(), &any),
        ("erfc", |x| x.erfc(), &any),
        ("relu", |x| x.relu(), &any),
        ("square", |x| x.square(), &any),
        ("neg", |x| x.neg(), &any),
        ("clamp", |x| x.clamp(-1.0, 1.0), &any),
        ("clamp one-sided", |x| x.clamp(f64::NEG_INFINITY, 0.5), &any),
        ("powf 2.5", |x| x.powf(2.5), &pos),
        ("powf -0.5", |x| x.powf(-0.5), &pos),
        ("powf 0", |x| x.powf(0.0), &any),
        ("powi 3 (negative base)", |x| x.powi(3), &any),
        ("powi 2 (negative base)", |x| x.powi(2), &any),
        ("powi -2 (negative base)", |x| x.powi(-2), &any),
        ("powi -1 (negative base)", |x| x.powi(-1), &any),
    ];
    for (name, f, x) in cases {
        gc(name, |xs| Ok(f(&xs[0])), std::slice::from_ref(x));
        // Also through a non-contiguous view of the input.
        gc(
            &format!("{name} (transposed input)"),
            |xs| Ok(f(&xs[0].t())),
            std::slice::from_ref(x),
        );
    }
}

#[test]
fn unary_values_sanity() {
    // Derivatives checked against closed forms a wrong implementation would miss.
    let x = leaf(&[-2.0, 0.5, 3.0], &[3]);
    x.powi(3).sum().backward().unwrap();
    assert_close(
        &x.grad().unwrap().to_vec(),
        &[12.0, 0.75, 27.0],
        1e-12,
        1e-12,
    );
    let x = leaf(&[-1.5, 0.0, 1.5, 0.7], &[4]);
    x.clamp(-1.0, 1.0).sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0, 0.0, 1.0]);
    let x = leaf(&[-1.0, 0.0, 2.0], &[3]);
    x.relu().sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 0.0, 1.0]);
    let x = leaf(&[-1.0, 0.0, 2.0], &[3]);
    x.abs().sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![-1.0, 0.0, 1.0]);
}

// ----- where ------------------------------------------------------------------------------

#[test]
fn where_gradcheck_with_broadcasting() {
    let mask = Tensor::<f64>::from_vec(vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0], &[2, 3]).unwrap();
    let a = rleaf(&[2, 3], 7);
    let b = rleaf(&[3], 8);
    gc(
        "where",
        |xs| Tensor::try_where_(&mask, &xs[0], &xs[1]),
        &[a.clone(), b.clone()],
    );
    let row_mask = Tensor::<f64>::from_vec(vec![1.0, 0.0], &[2, 1]).unwrap();
    gc(
        "where mask broadcast",
        |xs| Tensor::try_where_(&row_mask, &xs[0], &xs[1]),
        &[a, b],
    );
}

#[test]
fn where_unselected_inf_nan_branch_does_not_poison_selected_gradient() {
    // Classic where-NaN bug: the unselected branch holds inf (exp(1000)) and NaN
    // (log(-1)); the selected branch's gradient must stay exactly what it should be.
    let x = leaf(&[1000.0, -1.0, 2.0], &[3]);
    let a = leaf(&[1.0, 2.0, 3.0], &[3]);
    let mask = Tensor::<f64>::from_vec(vec![0.0, 0.0, 1.0], &[3]).unwrap();
    let x_det = x.detach();
    let unselected = &x_det.exp() + &x_det.log(); // [inf, NaN, finite]
    let out = Tensor::where_(&mask.rsub_scalar(1.0), &a.square(), &unselected);
    assert_eq!(out.to_vec()[0], 1.0);
    assert_eq!(out.to_vec()[1], 4.0);
    out.sum().backward().unwrap();
    assert_eq!(a.grad().unwrap().to_vec(), vec![2.0, 4.0, 0.0]);

    // Both branches differentiable, unselected values non-finite.
    let b = leaf(&[1000.0, -1.0, 2.0], &[3]);
    let a = leaf(&[1.0, 2.0, 3.0], &[3]);
    let out = Tensor::where_(&mask, &(&b.exp() + &b.log()), &a.mul_scalar(3.0));
    out.sum().backward().unwrap();
    assert_eq!(a.grad().unwrap().to_vec(), vec![3.0, 3.0, 0.0]);
    let gb = b.grad().unwrap().to_vec();
    assert!((gb[2] - (2f64.exp() + 0.5)).abs() < 1e-12);

    // Same tensor in both branches: log(x) unselected for x < 0 must not leak.
    let x = leaf(&[-1.0, -3.0, 2.0], &[3]);
    let out = Tensor::where_(&x.detach().gt_scalar(0.0), &x.log(), &x.mul_scalar(5.0));
    out.sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![5.0, 5.0, 0.5]);
}

// ----- matmul ---------------------------------------------------------------------------

#[test]
fn matmul_2d_batched_broadcast_transposed() {
    gc(
        "matmul 2d",
        |xs| xs[0].try_matmul(&xs[1]),
        &[rleaf(&[3, 4], 1), rleaf(&[4, 2], 2)],
    );
    gc(
        "matmul 1x1",
        |xs| xs[0].try_matmul(&xs[1]),
        &[rleaf(&[1, 1], 1), rleaf(&[1, 1], 2)],
    );
    gc(
        "matmul batched",
        |xs| xs[0].try_matmul(&xs[1]),
        &[rleaf(&[2, 3, 4], 3), rleaf(&[2, 4, 5], 4)],
    );
    gc(
        "matmul batch broadcast 3d x 2d",
        |xs| xs[0].try_matmul(&xs[1]),
        &[rleaf(&[2, 3, 4], 5), rleaf(&[4, 5], 6)],
    );
    gc(
        "matmul batch broadcast 2d x 3d",
        |xs| xs[0].try_matmul(&xs[1]),
        &[rleaf(&[3, 4], 7), rleaf(&[2, 4, 5], 8)],
    );
    gc(
        "matmul batch broadcast [2,1]x[3]",
        |xs| xs[0].try_matmul(&xs[1]),
        &[rleaf(&[2, 1, 3, 4], 9), rleaf(&[3, 4, 2], 10)],
    );
    gc(
        "matmul transposed operands",
        |xs| xs[0].t().try_matmul(&xs[1].t()),
        &[rleaf(&[4, 3], 11), rleaf(&[2, 4], 12)],
    );
    gc(
        "matmul batched transposed",
        |xs| {
            xs[0]
                .try_transpose(1, 2)?
                .try_matmul(&xs[1].permute(&[0, 2, 1]))
        },
        &[rleaf(&[2, 4, 3], 13), rleaf(&[2, 5, 4], 14)],
    );
    gc(
        "matmul with permuted batch",
        |xs| xs[0].permute(&[1, 0, 2]).try_matmul(&xs[1]),
        &[rleaf(&[3, 2, 4], 15), rleaf(&[4, 2], 16)],
    );
    // Fan-out through matmul: x @ x.
    gc(
        "matmul x@x",
        |xs| xs[0].try_matmul(&xs[0]),
        &[rleaf(&[3, 3], 17)],
    );
    // Medium size to go through the GEMM (not just the tiny loop).
    gc(
        "matmul gemm size",
        |xs| Ok(xs[0].try_matmul(&xs[1])?.sum()),
        &[rleaf(&[20, 24], 18), rleaf(&[24, 12], 19)],
    );
}

// ----- reductions -------------------------------------------------------------------------

#[test]
fn reductions_over_dims() {
    let x = rleaf(&[2, 3, 4], 21);
    let dims_list: &[&[isize]] = &[&[], &[0], &[1], &[2], &[-1], &[0, 2], &[1, 2], &[0, 1, 2]];
    for dims in dims_list {
        for keepdim in [false, true] {
            let tag = format!("dims {dims:?} keepdim {keepdim}");
            gc(
                &format!("sum {tag}"),
                |xs| xs[0].try_sum_dims(dims, keepdim),
                std::slice::from_ref(&x),
            );
            gc(
                &format!("mean {tag}"),
                |xs| xs[0].try_mean_dims(dims, keepdim),
                std::slice::from_ref(&x),
            );
            gc(
                &format!("max {tag}"),
                |xs| xs[0].try_max_dims(dims, keepdim),
                std::slice::from_ref(&x),
            );
            gc(
                &format!("min {tag}"),
                |xs| xs[0].try_min_dims(dims, keepdim),
                std::slice::from_ref(&x),
            );
            gc(
                &format!("var {tag}"),
                |xs| xs[0].try_var_dims(dims, 1, keepdim),
                std::slice::from_ref(&x),
            );
            gc(
                &format!("var pop {tag}"),
                |xs| xs[0].try_var_dims(dims, 0, keepdim),
                std::slice::from_ref(&x),
            );
            gc(
                &format!("norm {tag}"),
                |xs| xs[0].try_norm_dims(dims, keepdim),
                std::slice::from_ref(&x),
            );
            gc(
                &format!("logsumexp {tag}"),
                |xs| xs[0].try_logsumexp(dims, keepdim),
                std::slice::from_ref(&x),
            );
        }
    }
    gc("sum()", |xs| Ok(xs[0].sum()), std::slice::from_ref(&x));
    gc("mean()", |xs| Ok(xs[0].mean()), std::slice::from_ref(&x));
    gc("max()", |xs| Ok(xs[0].max()), std::slice::from_ref(&x));
    gc("min()", |xs| Ok(xs[0].min()), std::slice::from_ref(&x));
    gc("var()", |xs| Ok(xs[0].var(1)), std::slice::from_ref(&x));
    gc("norm()", |xs| Ok(xs[0].norm()), std::slice::from_ref(&x));
    gc(
        "dot",
        |xs| xs[0].try_dot(&xs[1]),
        &[rleaf(&[5], 1), rleaf(&[5], 2)],
    );
    gc(
        "sum_to",
        |xs| xs[0].try_sum_to(&[3, 1]),
        &[rleaf(&[2, 3, 4], 3)],
    );
}

#[test]
fn reductions_on_non_contiguous_inputs() {
    let x = rleaf(&[3, 4, 2], 22);
    for dims in [&[0isize][..], &[1], &[2], &[0, 1], &[]] {
        gc(
            "sum permuted",
            |xs| xs[0].permute(&[2, 0, 1]).try_sum_dims(dims, false),
            std::slice::from_ref(&x),
        );
        gc(
            "max permuted",
            |xs| xs[0].permute(&[2, 0, 1]).try_max_dims(dims, true),
            std::slice::from_ref(&x),
        );
        gc(
            "logsumexp permuted",
            |xs| xs[0].permute(&[1, 2, 0]).try_logsumexp(dims, false),
            std::slice::from_ref(&x),
        );
        gc(
            "var transposed",
            |xs| xs[0].try_transpose(0, 2)?.try_var_dims(dims, 1, false),
            std::slice::from_ref(&x),
        );
    }
}

#[test]
fn max_min_gradient_goes_to_the_extremum() {
    let x = leaf(&[1.0, 5.0, 3.0, 7.0, 2.0, 0.0], &[2, 3]);
    x.max_dims(&[1], false).sum().backward().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    );
    let x = leaf(&[1.0, 5.0, 3.0, 7.0, 2.0, 0.0], &[2, 3]);
    x.min_dims(&[0], true).sum().backward().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![1.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    );
    // Ties share the gradient evenly.
    let x = leaf(&[2.0, 2.0, 1.0], &[3]);
    x.max().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![0.5, 0.5, 0.0]);
}

// ----- shape ops --------------------------------------------------------------------------

#[test]
fn shape_ops() {
    let x = rleaf(&[2, 3, 4], 31);
    let sq = |t: Tensor<f64>| -> Result<Tensor<f64>> { Ok(&t * &t.exp()) };
    gc(
        "reshape",
        |xs| sq(xs[0].try_reshape(&[4, 6])?),
        std::slice::from_ref(&x),
    );
    gc(
        "reshape of transposed",
        |xs| sq(xs[0].try_transpose(0, 2)?.try_reshape(&[6, 4])?),
        std::slice::from_ref(&x),
    );
    gc(
        "flatten",
        |xs| sq(xs[0].try_flatten(1, 2)?),
        std::slice::from_ref(&x),
    );
    gc(
        "flatten_all",
        |xs| sq(xs[0].permute(&[1, 0, 2]).flatten_all()),
        std::slice::from_ref(&x),
    );
    gc(
        "permute",
        |xs| sq(xs[0].try_permute(&[2, 0, 1])?),
        std::slice::from_ref(&x),
    );
    gc(
        "transpose",
        |xs| sq(xs[0].try_transpose(-1, 0)?),
        std::slice::from_ref(&x),
    );
    gc("t", |xs| sq(xs[0].t()), &[rleaf(&[3, 5], 32)]);
    gc(
        "broadcast_to",
        |xs| sq(xs[0].try_broadcast_to(&[2, 3, 4])?),
        &[rleaf(&[3, 1], 33)],
    );
    gc(
        "broadcast_to new dims",
        |xs| sq(xs[0].try_broadcast_to(&[5, 2, 3])?),
        &[rleaf(&[3], 34)],
    );
    gc(
        "unsqueeze",
        |xs| sq(xs[0].try_unsqueeze(1)?.try_broadcast_to(&[2, 3, 3, 4])?),
        std::slice::from_ref(&x),
    );
    gc(
        "squeeze",
        |xs| sq(xs[0].try_squeeze(1)?),
        &[rleaf(&[3, 1, 2], 35)],
    );
    gc(
        "squeeze_all",
        |xs| sq(xs[0].squeeze_all()),
        &[rleaf(&[1, 3, 1, 2], 36)],
    );
    gc(
        "narrow",
        |xs| sq(xs[0].try_narrow(1, 1, 2)?),
        std::slice::from_ref(&x),
    );
    gc(
        "narrow of transposed",
        |xs| sq(xs[0].t().try_narrow(0, 1, 2)?),
        &[rleaf(&[3, 4], 37)],
    );
    gc(
        "slice",
        |xs| sq(xs[0].try_slice(2, 1, 3)?),
        std::slice::from_ref(&x),
    );
    gc(
        "slice twice (overlapping fan-out)",
        |xs| {
            let a = xs[0].try_slice(0, 0, 3)?;
            let b = xs[0].try_slice(0, 1, 4)?;
            Ok(&a * &b)
        },
        &[rleaf(&[4, 2], 38)],
    );
    gc(
        "concat",
        |xs| sq(Tensor::try_concat(&[&xs[0], &xs[1], &xs[0]], 1)?),
        &[rleaf(&[2, 3], 39), rleaf(&[2, 2], 40)],
    );
    gc(
        "concat dim 0 with transposed",
        |xs| sq(Tensor::try_concat(&[&xs[0].t(), &xs[1]], 0)?),
        &[rleaf(&[3, 2], 41), rleaf(&[1, 3], 42)],
    );
    gc(
        "stack",
        |xs| sq(Tensor::try_stack(&[&xs[0], &xs[1]], 1)?),
        &[rleaf(&[2, 3], 43), rleaf(&[2, 3], 44)],
    );
    gc(
        "stack last",
        |xs| sq(Tensor::try_stack(&[&xs[0], &xs[1].t()], -1)?),
        &[rleaf(&[2, 3], 45), rleaf(&[3, 2], 46)],
    );
    gc(
        "contiguous",
        |xs| sq(xs[0].t().contiguous()),
        &[rleaf(&[3, 4], 47)],
    );
}

// ----- indexing ---------------------------------------------------------------------------

#[test]
fn index_select_and_gather() {
    let x = rleaf(&[4, 3], 51);
    gc(
        "index_select dim0 repeated",
        |xs| Ok(xs[0].try_index_select(0, &[2, 0, 2, 2, 3])?.square()),
        std::slice::from_ref(&x),
    );
    gc(
        "index_select dim1",
        |xs| Ok(xs[0].try_index_select(-1, &[1, 1, 0])?.square()),
        std::slice::from_ref(&x),
    );
    gc(
        "index_select transposed",
        |xs| Ok(xs[0].t().try_index_select(1, &[3, 0, 3])?.square()),
        std::slice::from_ref(&x),
    );
    gc(
        "gather dim1",
        |xs| {
            Ok(xs[0]
                .try_gather(1, &[0, 2, 2, 1, 1, 1, 0, 0], &[4, 2])?
                .square())
        },
        std::slice::from_ref(&x),
    );
    gc(
        "gather dim0",
        |xs| Ok(xs[0].try_gather(0, &[3, 0, 1, 3, 3, 2], &[2, 3])?.square()),
        std::slice::from_ref(&x),
    );
    gc(
        "gather 3d",
        |xs| {
            Ok(xs[0]
                .try_gather(1, &[1, 0, 1, 0, 0, 0, 1, 1], &[2, 2, 2])?
                .square())
        },
        &[rleaf(&[2, 2, 2], 52)],
    );
    // Repeated indices accumulate.
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    x.index_select(0, &[2, 2, 0, 2]).sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 0.0, 3.0]);
}

#[test]
fn indexing_second_order() {
    let x = rleaf(&[4, 3], 53);
    ggc(
        "index_select",
        |xs| Ok(xs[0].try_index_select(0, &[2, 0, 2])?.square()),
        std::slice::from_ref(&x),
    );
    ggc(
        "gather",
        |xs| Ok(xs[0].try_gather(1, &[0, 2, 2, 1], &[4, 1])?.exp()),
        &[x],
    );
    ggc(
        "narrow",
        |xs| Ok(xs[0].try_narrow(1, 1, 2)?.tanh()),
        &[rleaf(&[3, 4], 54)],
    );
}

// ----- custom ops -------------------------------------------------------------------------

#[derive(Clone)]
struct Softsign;
impl UnaryFn<f64> for Softsign {
    fn name(&self) -> &'static str {
        "softsign"
    }
    fn f(&self, x: f64) -> f64 {
        x / (1.0 + x.abs())
    }
    fn df(&self, x: f64, _y: f64) -> f64 {
        1.0 / ((1.0 + x.abs()) * (1.0 + x.abs()))
    }
}

/// a·b² + sin(a).
struct Poly;
impl BinaryFn<f64> for Poly {
    fn name(&self) -> &'static str {
        "poly"
    }
    fn f(&self, a: f64, b: f64) -> f64 {
        a * b * b + a.sin()
    }
    fn df_da(&self, a: f64, b: f64) -> f64 {
        b * b + a.cos()
    }
    fn df_db(&self, a: f64, b: f64) -> f64 {
        2.0 * a * b
    }
}

/// y = x² · w (elementwise), backward written with tensor ops.
struct SqScale;
impl BackwardOp<f64> for SqScale {
    fn name(&self) -> &'static str {
        "sq_scale"
    }
    fn backward(
        &self,
        ctx: &BackwardCtx<'_, f64>,
        g: &Tensor<f64>,
    ) -> Result<Vec<Option<Tensor<f64>>>> {
        let (x, w) = (ctx.input(0), ctx.input(1));
        let gx = if ctx.needs_grad(0) {
            Some(&(g * &(x * w)) * 2.0)
        } else {
            None
        };
        let gw = if ctx.needs_grad(1) {
            Some(g * &x.square())
        } else {
            None
        };
        Ok(vec![gx, gw])
    }
}

fn sq_scale(x: &Tensor<f64>, w: &Tensor<f64>) -> Tensor<f64> {
    let value = myelin_tensor::with_no_grad(|| &x.square() * w);
    Tensor::from_op(value, &[x, w], SqScale)
}

#[test]
fn custom_ops() {
    let x = rleaf(&[2, 3], 61);
    gc(
        "map_unary softsign",
        |xs| Ok(xs[0].map_unary(Softsign)),
        std::slice::from_ref(&x),
    );
    gc(
        "map_unary softsign transposed",
        |xs| Ok(xs[0].t().map_unary(Softsign)),
        std::slice::from_ref(&x),
    );
    let cube = ClosureUnary::new("cube", |x: f64| x * x * x, |x: f64, _| 3.0 * x * x);
    gc(
        "map_unary closure",
        |xs| Ok(xs[0].map_unary(cube.clone())),
        std::slice::from_ref(&x),
    );
    gc(
        "map_binary",
        |xs| xs[0].try_map_binary(&xs[1], Poly),
        &[rleaf(&[2, 3], 62), rleaf(&[3], 63)],
    );
    gc(
        "map_binary [3,1]x[4]",
        |xs| xs[0].try_map_binary(&xs[1], Poly),
        &[rleaf(&[3, 1], 64), rleaf(&[4], 65)],
    );
    gc(
        "map_binary scalar",
        |xs| xs[0].try_map_binary(&xs[1], Poly),
        &[rleaf(&[], 66), rleaf(&[2, 2], 67)],
    );
    gc(
        "from_op",
        |xs| Ok(sq_scale(&xs[0], &xs[1])),
        &[rleaf(&[2, 3], 68), rleaf(&[2, 3], 69)],
    );
    ggc(
        "from_op second order",
        |xs| Ok(sq_scale(&xs[0], &xs[1])),
        &[rleaf(&[2, 3], 70), rleaf(&[2, 3], 71)],
    );
    // A unary op with a derivative tower supports second order.
    let cube2 = ClosureUnary::new("cube", |x: f64| x * x * x, |x: f64, _| 3.0 * x * x)
        .with_derivative(
            ClosureUnary::new("cube'", |x: f64| 3.0 * x * x, |x: f64, _| 6.0 * x)
                .with_derivative(ClosureUnary::new("cube''", |x: f64| 6.0 * x, |_, _| 6.0)),
        );
    ggc(
        "map_unary with derivative",
        |xs| Ok(xs[0].map_unary(cube2.clone())),
        std::slice::from_ref(&x),
    );
    let _: Arc<dyn UnaryFn<f64>> = Arc::new(Softsign);
}

/// `a·b² + sin(a)` with its partials as a tower of `BinaryFn`s down to constants, so
/// gradients of any order work.
struct PolyTower;
impl BinaryFn<f64> for PolyTower {
    fn name(&self) -> &'static str {
        "poly_tower"
    }
    fn f(&self, a: f64, b: f64) -> f64 {
        Poly.f(a, b)
    }
    fn df_da(&self, a: f64, b: f64) -> f64 {
        Poly.df_da(a, b)
    }
    fn df_db(&self, a: f64, b: f64) -> f64 {
        Poly.df_db(a, b)
    }
    fn partials(&self) -> Option<[Arc<dyn BinaryFn<f64>>; 2]> {
        // ∂/∂a = b² + cos a: partials (−sin a, 2b); ∂/∂b = 2ab: partials (2b, 2a).
        let two_b = || {
            ClosureBinary::new(
                "2b",
                |_: f64, b: f64| 2.0 * b,
                |_: f64, _: f64| 0.0,
                |_: f64, _: f64| 2.0,
            )
        };
        let two_a = ClosureBinary::new(
            "2a",
            |a: f64, _: f64| 2.0 * a,
            |_: f64, _: f64| 2.0,
            |_: f64, _: f64| 0.0,
        );
        let neg_sin = ClosureBinary::new(
            "-sin",
            |a: f64, _: f64| -a.sin(),
            |a: f64, _: f64| -a.cos(),
            |_: f64, _: f64| 0.0,
        );
        let da = ClosureBinary::new(
            "b²+cos",
            |a: f64, b: f64| b * b + a.cos(),
            |a: f64, _: f64| -a.sin(),
            |_: f64, b: f64| 2.0 * b,
        )
        .with_partials(neg_sin, two_b());
        let db = ClosureBinary::new(
            "2ab",
            |a: f64, b: f64| 2.0 * a * b,
            |_: f64, b: f64| 2.0 * b,
            |a: f64, _: f64| 2.0 * a,
        )
        .with_partials(two_b(), two_a);
        Some([Arc::new(da), Arc::new(db)])
    }
}

#[test]
fn user_binary_fn_with_partials_has_second_order_gradients() {
    ggc(
        "map_binary with partials",
        |xs| xs[0].try_map_binary(&xs[1], PolyTower),
        &[rleaf(&[2, 3], 72), rleaf(&[2, 3], 73)],
    );
    // Broadcast: b's gradient (and its gradient's gradient) is summed over the batch.
    ggc(
        "map_binary with partials, broadcast [2,3]x[3]",
        |xs| xs[0].try_map_binary(&xs[1], PolyTower),
        &[rleaf(&[2, 3], 74), rleaf(&[3], 75)],
    );
    ggc(
        "map_binary with partials, [3,1]x[4] transposed",
        |xs| xs[0].t().try_map_binary(&xs[1], PolyTower),
        &[rleaf(&[1, 3], 76), rleaf(&[4], 77)],
    );
    // Closed form at one point: f = a·b² + sin a, ∂²f/∂a∂b = 2b, ∂²f/∂b² = 2a.
    let a = leaf(&[0.7], &[1]);
    let b = leaf(&[-1.3], &[1]);
    let f = a.map_binary(&b, PolyTower).sum();
    let db = myelin_tensor::grad(&[f], &[b.clone()], None, true).unwrap();
    let second = myelin_tensor::grad(&[db[0].sum()], &[a.clone(), b.clone()], None, false).unwrap();
    assert_close(&second[0].to_vec(), &[2.0 * -1.3], 1e-12, 0.0);
    assert_close(&second[1].to_vec(), &[2.0 * 0.7], 1e-12, 0.0);
}

#[test]
fn binary_fn_without_partials_refuses_create_graph_naming_the_op() {
    let (a, b) = (rleaf(&[2], 78), rleaf(&[2], 79));
    let y = a.map_binary(&b, Poly).sum();
    let err = myelin_tensor::grad(&[y], &[a], None, true)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`poly`") && err.contains("BinaryFn::partials"),
        "{err}"
    );
}

// ----- composite expression, non-contiguous everywhere -----------------------------------

#[test]
fn composite_mlp_like_expression() {
    let x = rleaf(&[5, 3], 81);
    let w = rleaf(&[4, 3], 82);
    let b = rleaf(&[4], 83);
    gc(
        "mlp layer",
        |xs| {
            let h = &xs[0].matmul(&xs[1].t()) + &xs[2];
            let h = h.tanh();
            let logits = &h * &h.sigmoid();
            let lse = logits.try_logsumexp(&[1], true)?;
            Ok((&logits - &lse)
                .try_gather(1, &[0, 3, 2, 1, 0], &[5, 1])?
                .mean())
        },
        &[x, w, b],
    );
}

// ----- f32 vs f64 agreement ---------------------------------------------------------------

fn expression<T: myelin_tensor::Element>(x: &Tensor<T>, w: &Tensor<T>) -> Tensor<T> {
    let h = x.matmul(&w.t()).tanh();
    let s = &h.sigmoid() * &h.exp();
    let z = &s.add_scalar(1.0).log() + &x.sum_dims(&[1], true).erf();
    z.logsumexp(&[1], false).square().mean()
}

#[test]
fn f32_agrees_with_f64() {
    let x64 = Tensor::<f64>::randn_seeded(&[6, 5], 91)
        .mul_scalar(0.5)
        .requires_grad_(false);
    let w64 = Tensor::<f64>::randn_seeded(&[4, 5], 92).mul_scalar(0.5);
    let x64 = x64.detach().requires_grad_(true);
    let w64 = w64.detach().requires_grad_(true);
    let x32 = x64.cast::<f32>().requires_grad_(true);
    let w32 = w64.cast::<f32>().requires_grad_(true);
    let y64 = expression(&x64, &w64);
    let y32 = expression(&x32, &w32);
    y64.backward().unwrap();
    y32.backward().unwrap();
    assert_close(&[y32.to_f64_vec()[0]], &[y64.item().unwrap()], 1e-6, 1e-5);
    assert_close(
        &x32.grad().unwrap().to_f64_vec(),
        &x64.grad().unwrap().to_vec(),
        1e-6,
        1e-5,
    );
    assert_close(
        &w32.grad().unwrap().to_f64_vec(),
        &w64.grad().unwrap().to_vec(),
        1e-6,
        1e-5,
    );
}

#[test]
fn gradcheck_rejects_wrong_gradients() {
    use myelin_tensor::{gradcheck, gradgradcheck, GradCheckOptions};
    let x = rleaf(&[3], 90);
    // Derivative off by a factor.
    let wrong = ClosureUnary::new("wrong_cube", |x: f64| x * x * x, |x: f64, _| 2.0 * x * x);
    let e = gradcheck(
        |xs| Ok(xs[0].map_unary(wrong.clone())),
        std::slice::from_ref(&x),
        GradCheckOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("Jacobian mismatch"), "{e}");
    // Right first derivative, wrong second derivative.
    let bad2 =
        ClosureUnary::new("cube", |x: f64| x * x * x, |x: f64, _| 3.0 * x * x).with_derivative(
            ClosureUnary::new("cube'", |x: f64| 3.0 * x * x, |x: f64, _| 5.0 * x),
        );
    gradcheck(
        |xs| Ok(xs[0].map_unary(bad2.clone())),
        std::slice::from_ref(&x),
        GradCheckOptions::default(),
    )
    .unwrap();
    assert!(gradgradcheck(
        |xs| Ok(xs[0].map_unary(bad2.clone())),
        std::slice::from_ref(&x),
        GradCheckOptions::default()
    )
    .is_err());
    // A backward that is not linear in the upstream gradient.
    struct Nonlinear;
    impl BackwardOp<f64> for Nonlinear {
        fn name(&self) -> &'static str {
            "nonlinear"
        }
        fn backward(
            &self,
            _ctx: &BackwardCtx<'_, f64>,
            g: &Tensor<f64>,
        ) -> Result<Vec<Option<Tensor<f64>>>> {
            Ok(vec![Some(g.square())])
        }
    }
    let e = gradcheck(
        |xs| Ok(Tensor::from_op(xs[0].detach(), &[&xs[0]], Nonlinear)),
        std::slice::from_ref(&x),
        GradCheckOptions::default(),
    );
    assert!(e.is_err());
    // maximum at a tie splits the gradient in half (PyTorch's rule).
    let a = leaf(&[1.0, 2.0], &[2]);
    let b = leaf(&[1.0, 3.0], &[2]);
    a.maximum(&b).sum().backward().unwrap();
    assert_eq!(a.grad().unwrap().to_vec(), vec![0.5, 0.0]);
    assert_eq!(b.grad().unwrap().to_vec(), vec![0.5, 1.0]);
}
