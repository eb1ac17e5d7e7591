//! Second-order gradients: gradgradcheck of smooth ops, closed forms, and a
//! Hessian-vector product of a small MLP checked against finite differences.

#![allow(clippy::needless_question_mark, clippy::unnecessary_cast)]

mod common;
use common::*;

use myelin_tensor::{grad, Result, Tensor};

#[test]
fn gradgradcheck_smooth_ops() {
    let any = rleaf(&[2, 3], 1);
    let pos = uleaf(&[2, 3], 0.5, 2.0, 2);
    ggc(
        "mul",
        |xs| xs[0].try_mul(&xs[1]),
        &[rleaf(&[2, 3], 3), rleaf(&[3], 4)],
    );
    ggc(
        "mul self",
        |xs| xs[0].try_mul(&xs[0]),
        std::slice::from_ref(&any),
    );
    ggc(
        "div",
        |xs| xs[0].try_div(&xs[1]),
        &[rleaf(&[2, 3], 5), uleaf(&[2, 1], 0.5, 2.0, 6)],
    );
    ggc(
        "add/sub",
        |xs| Ok(&(&xs[0] + &xs[1]) - &(&xs[0] * &xs[1])),
        &[rleaf(&[3], 7), rleaf(&[3], 8)],
    );
    ggc("exp", |xs| Ok(xs[0].exp()), std::slice::from_ref(&any));
    ggc("log", |xs| Ok(xs[0].log()), std::slice::from_ref(&pos));
    ggc("log1p", |xs| Ok(xs[0].log1p()), std::slice::from_ref(&pos));
    ggc("expm1", |xs| Ok(xs[0].expm1()), std::slice::from_ref(&any));
    ggc("sqrt", |xs| Ok(xs[0].sqrt()), std::slice::from_ref(&pos));
    ggc("recip", |xs| Ok(xs[0].recip()), std::slice::from_ref(&pos));
    ggc("tanh", |xs| Ok(xs[0].tanh()), std::slice::from_ref(&any));
    ggc(
        "sigmoid",
        |xs| Ok(xs[0].sigmoid()),
        std::slice::from_ref(&any),
    );
    ggc("erf", |xs| Ok(xs[0].erf()), std::slice::from_ref(&any));
    ggc("erfc", |xs| Ok(xs[0].erfc()), std::slice::from_ref(&any));
    ggc(
        "square",
        |xs| Ok(xs[0].square()),
        std::slice::from_ref(&any),
    );
    ggc(
        "powf 2.5",
        |xs| Ok(xs[0].powf(2.5)),
        std::slice::from_ref(&pos),
    );
    ggc(
        "powf -1.5",
        |xs| Ok(xs[0].powf(-1.5)),
        std::slice::from_ref(&pos),
    );
    ggc(
        "powi 3 negative base",
        |xs| Ok(xs[0].powi(3)),
        &[leaf(&[-1.5, -0.3, 0.7, 2.0], &[4])],
    );
    ggc(
        "scalar ops",
        |xs| {
            Ok(xs[0]
                .mul_scalar(3.0)
                .add_scalar(1.0)
                .square()
                .div_scalar(2.0)
                .rsub_scalar(1.0))
        },
        std::slice::from_ref(&any),
    );
    ggc(
        "matmul",
        |xs| xs[0].try_matmul(&xs[1]),
        &[rleaf(&[3, 4], 9), rleaf(&[4, 2], 10)],
    );
    ggc(
        "matmul batched broadcast transposed",
        |xs| xs[0].try_matmul(&xs[1].t()),
        &[rleaf(&[2, 3, 4], 11), rleaf(&[2, 4], 12)],
    );
    ggc(
        "sum",
        |xs| Ok(xs[0].square().try_sum_dims(&[1], false)?),
        std::slice::from_ref(&any),
    );
    ggc(
        "mean",
        |xs| Ok(xs[0].exp().try_mean_dims(&[0], true)?),
        std::slice::from_ref(&any),
    );
    ggc(
        "var",
        |xs| xs[0].try_var_dims(&[1], 1, false),
        std::slice::from_ref(&any),
    );
    ggc(
        "norm",
        |xs| xs[0].try_norm_dims(&[1], false),
        std::slice::from_ref(&any),
    );
    ggc(
        "logsumexp",
        |xs| xs[0].try_logsumexp(&[1], false),
        std::slice::from_ref(&any),
    );
    ggc(
        "logsumexp all",
        |xs| xs[0].try_logsumexp(&[], false),
        std::slice::from_ref(&any),
    );
    ggc("softmax", |xs| softmax(&xs[0]), std::slice::from_ref(&any));
    ggc(
        "log_softmax permuted",
        |xs| {
            let x = xs[0].t();
            x.try_sub(&x.try_logsumexp(&[1], true)?)
        },
        std::slice::from_ref(&any),
    );
    ggc(
        "maximum (no ties)",
        |xs| Ok(xs[0].try_maximum(&xs[1])?.square()),
        &[leaf(&[1.0, -2.0, 3.0], &[3]), leaf(&[0.0, 1.0, 2.5], &[3])],
    );
    ggc(
        "relu·x",
        |xs| Ok(&xs[0].relu() * &xs[0]),
        &[leaf(&[1.0, -2.0, 3.0], &[3])],
    );
    ggc(
        "abs·x",
        |xs| Ok(&xs[0].abs() * &xs[0]),
        &[leaf(&[1.0, -2.0, 3.0], &[3])],
    );
    ggc(
        "where",
        |xs| {
            let m = Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3])?;
            Ok(Tensor::try_where_(&m, &xs[0].exp(), &xs[0].square())?)
        },
        &[leaf(&[0.3, -1.0, 2.0], &[3])],
    );
    ggc(
        "max reduction",
        |xs| Ok(xs[0].square().try_max_dims(&[1], false)?),
        &[leaf(&[1.0, -2.0, 3.0, 0.5, 0.7, -0.1], &[2, 3])],
    );
    ggc(
        "concat/stack",
        |xs| {
            let c = Tensor::try_concat(&[&xs[0], &xs[1]], 0)?;
            Ok(Tensor::try_stack(&[&c.exp(), &c.tanh()], 0)?)
        },
        &[rleaf(&[2], 13), rleaf(&[3], 14)],
    );
}

#[test]
fn clamp_second_order_keeps_first_derivative() {
    // With create_graph, the first derivative of clamp must still be 1 inside the range.
    let x = leaf(&[-2.0, 0.3, 0.5, 2.0], &[4]);
    let y = &x.clamp(-1.0, 1.0) * &x; // y = clamp(x)·x
    let g = grad(&[y.sum()], std::slice::from_ref(&x), None, true).unwrap();
    // d/dx [clamp(x)·x] = clamp'(x)·x + clamp(x)
    assert_close(&g[0].to_vec(), &[-1.0, 0.6, 1.0, 1.0], 1e-12, 1e-12);
    ggc(
        "clamp",
        |xs| Ok(&xs[0].clamp(-1.0, 1.0) * &xs[0].exp()),
        &[x],
    );
    // Same for one-sided clamp.
    let x = leaf(&[-2.0, 0.25], &[2]);
    let g = grad(
        &[x.clamp(-1.0, f64::INFINITY).square().sum()],
        std::slice::from_ref(&x),
        None,
        true,
    )
    .unwrap();
    assert_close(&g[0].to_vec(), &[0.0, 0.5], 1e-12, 1e-12);
}

fn softmax(x: &Tensor<f64>) -> Result<Tensor<f64>> {
    let shifted = x.try_sub(&x.try_max_dims(&[-1], true)?.detach())?;
    let e = shifted.exp();
    e.try_div(&e.try_sum_dims(&[-1], true)?)
}

#[test]
fn second_derivative_of_cube_is_6x() {
    for &v in &[-2.0, -0.5, 0.0, 1.5, 3.0] {
        let x = Tensor::<f64>::scalar(v).requires_grad_(true);
        let y = &(&x * &x) * &x;
        let d1 = grad(&[y], std::slice::from_ref(&x), None, true).unwrap();
        assert!((d1[0].item().unwrap() - 3.0 * v * v).abs() < 1e-12);
        let d2 = grad(&[d1[0].clone()], std::slice::from_ref(&x), None, true).unwrap();
        assert!((d2[0].item().unwrap() - 6.0 * v).abs() < 1e-12, "x = {v}");
        let d3 = grad(&[d2[0].clone()], std::slice::from_ref(&x), None, false).unwrap();
        assert!((d3[0].item().unwrap() - 6.0).abs() < 1e-12);
        // Same through powi and powf.
        let d1 = grad(&[x.powi(3)], std::slice::from_ref(&x), None, true).unwrap();
        let d2 = grad(&[d1[0].clone()], std::slice::from_ref(&x), None, false).unwrap();
        assert!(
            (d2[0].item().unwrap() - 6.0 * v).abs() < 1e-12,
            "powi x = {v}"
        );
    }
    // Vector version with backward() after grad(create_graph).
    let x = leaf(&[1.0, -2.0, 0.5], &[3]);
    let d1 = grad(&[x.powi(3).sum()], std::slice::from_ref(&x), None, true).unwrap();
    d1[0].sum().backward().unwrap();
    assert_close(
        &x.grad().unwrap().to_vec(),
        &[6.0, -12.0, 3.0],
        1e-12,
        1e-12,
    );
}

#[test]
fn tanh_second_derivative_matches_closed_form_and_finite_differences() {
    let pts = [-2.0, -0.7, 0.0, 0.4, 1.3];
    let x = leaf(&pts, &[5]);
    let d1 = grad(&[x.tanh().sum()], std::slice::from_ref(&x), None, true).unwrap();
    let d2 = grad(&[d1[0].sum()], std::slice::from_ref(&x), None, false).unwrap()[0].to_vec();
    let eps = 1e-5;
    for (i, &v) in pts.iter().enumerate() {
        let t = v.tanh();
        let closed = -2.0 * t * (1.0 - t * t);
        assert!(
            (d2[i] - closed).abs() < 1e-12,
            "closed form at {v}: {} vs {closed}",
            d2[i]
        );
        let dt = |u: f64| 1.0 - u.tanh().powi(2);
        let fd = (dt(v + eps) - dt(v - eps)) / (2.0 * eps);
        assert!(
            (d2[i] - fd).abs() < 1e-8,
            "finite difference at {v}: {} vs {fd}",
            d2[i]
        );
    }
}

#[test]
fn sigmoid_and_erf_second_derivatives() {
    let pts = [-1.5, 0.2, 2.0];
    let x = leaf(&pts, &[3]);
    let d1 = grad(&[x.sigmoid().sum()], std::slice::from_ref(&x), None, true).unwrap();
    let d2 = grad(&[d1[0].sum()], std::slice::from_ref(&x), None, false).unwrap()[0].to_vec();
    for (i, &v) in pts.iter().enumerate() {
        let s = 1.0 / (1.0 + (-v as f64).exp());
        assert!((d2[i] - s * (1.0 - s) * (1.0 - 2.0 * s)).abs() < 1e-12);
    }
    let d1 = grad(&[x.erf().sum()], std::slice::from_ref(&x), None, true).unwrap();
    let d2 = grad(&[d1[0].sum()], std::slice::from_ref(&x), None, false).unwrap()[0].to_vec();
    for (i, &v) in pts.iter().enumerate() {
        let expect = -2.0 * v * std::f64::consts::FRAC_2_SQRT_PI * (-v * v).exp();
        assert!((d2[i] - expect).abs() < 1e-12);
    }
}

/// 2-layer tanh MLP with MSE; params = [w1 (4x3), b1 (4), w2 (2x4), b2 (2)].
fn mlp_loss(params: &[Tensor<f64>], x: &Tensor<f64>, y: &Tensor<f64>) -> Tensor<f64> {
    let h = (&x.matmul(&params[0].t()) + &params[1]).tanh();
    let out = &h.matmul(&params[2].t()) + &params[3];
    (&out - y).square().mean()
}

fn mlp_grad(params: &[Tensor<f64>], x: &Tensor<f64>, y: &Tensor<f64>) -> Vec<Vec<f64>> {
    let p: Vec<Tensor<f64>> = params
        .iter()
        .map(|t| t.detach().requires_grad_(true))
        .collect();
    let l = mlp_loss(&p, x, y);
    grad(&[l], &p, None, false)
        .unwrap()
        .iter()
        .map(|g| g.to_vec())
        .collect()
}

#[test]
fn hessian_vector_product_of_mlp_matches_finite_differences() {
    let x = Tensor::<f64>::randn_seeded(&[5, 3], 100);
    let y = Tensor::<f64>::randn_seeded(&[5, 2], 101);
    let shapes: [&[usize]; 4] = [&[4, 3], &[4], &[2, 4], &[2]];
    let params: Vec<Tensor<f64>> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Tensor::<f64>::randn_seeded(s, 200 + i as u64)
                .mul_scalar(0.7)
                .requires_grad_(true)
        })
        .collect();
    let v: Vec<Tensor<f64>> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| Tensor::<f64>::randn_seeded(s, 300 + i as u64))
        .collect();

    // HVP = ∇(∇L · v)
    let loss = mlp_loss(&params, &x, &y);
    let g = grad(&[loss], &params, None, true).unwrap();
    let mut gv = Tensor::<f64>::scalar(0.0);
    for (gi, vi) in g.iter().zip(&v) {
        gv = &gv + &(gi * vi).sum();
    }
    let hvp = grad(&[gv], &params, None, false).unwrap();

    // Finite differences of the gradient along v.
    let eps = 1e-5;
    let shifted = |sign: f64| -> Vec<Tensor<f64>> {
        params
            .iter()
            .zip(&v)
            .map(|(p, vi)| &p.detach() + &vi.mul_scalar(sign * eps))
            .collect()
    };
    let gp = mlp_grad(&shifted(1.0), &x, &y);
    let gm = mlp_grad(&shifted(-1.0), &x, &y);
    let mut max_norm: f64 = 0.0;
    for i in 0..4 {
        let fd: Vec<f64> = gp[i]
            .iter()
            .zip(&gm[i])
            .map(|(a, b)| (a - b) / (2.0 * eps))
            .collect();
        max_norm = max_norm.max(fd.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        assert_close(&hvp[i].to_vec(), &fd, 1e-6, 1e-5);
    }
    assert!(max_norm > 1e-3, "HVP should not be trivially zero");
}

#[test]
fn third_order_through_exp_and_tanh() {
    let x = Tensor::<f64>::scalar(0.3).requires_grad_(true);
    let mut g = x.exp();
    for _ in 0..4 {
        g = grad(&[g], std::slice::from_ref(&x), None, true)
            .unwrap()
            .remove(0);
    }
    assert!((g.item().unwrap() - 0.3f64.exp()).abs() < 1e-12);
    // tanh''' = -2 (1 - t²)(1 - 3t²)
    let d1 = grad(&[x.tanh()], std::slice::from_ref(&x), None, true)
        .unwrap()
        .remove(0);
    let d2 = grad(&[d1], std::slice::from_ref(&x), None, true);
    // tanh_backward has no derivative tower past second order: either an error naming
    // it, or the right value.
    match d2.and_then(|d2| grad(&[d2[0].clone()], std::slice::from_ref(&x), None, false)) {
        Ok(d3) => {
            let t = 0.3f64.tanh();
            assert!(
                (d3[0].item().unwrap() + 2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)).abs() < 1e-10
            );
        }
        Err(e) => assert!(e.to_string().contains("tanh_backward"), "{e}"),
    }
}
