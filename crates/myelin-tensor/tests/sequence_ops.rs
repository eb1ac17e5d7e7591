//! The ops sequence models need: masked_fill, tril/triu, split/chunk, flip, cumsum,
//! sin/cos and scaled_dot_product_attention — values, errors, and gradients (gradcheck
//! and gradgradcheck in f64 with broadcasting, non-contiguous inputs and fan-out).

mod common;
use common::*;

use myelin_tensor::{
    scaled_dot_product_attention, scaled_dot_product_attention_with_weights,
    try_scaled_dot_product_attention, AttnMask, SdpaOptions, Tensor,
};

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_slice(data, shape).unwrap()
}

// ----- masked_fill ---------------------------------------------------------------------

#[test]
fn masked_fill_values_broadcast_and_gradient() {
    let x = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    let col_mask = t(&[1., 0., 1.], &[3]);
    let y = x.try_masked_fill(&col_mask, -7.0).unwrap();
    assert_eq!(y.to_vec(), vec![-7., 2., -7., -7., 5., -7.]);
    // The mask may have the larger shape: the result takes the broadcast shape.
    let big = t(&[0., 1.], &[2, 1, 1]);
    let z = t(&[1., 2., 3.], &[3])
        .try_masked_fill(&big, f64::INFINITY)
        .unwrap();
    assert_eq!(z.shape(), &[2, 1, 3]);
    assert_eq!(z.to_vec()[..3], [1., 2., 3.]);
    assert!(z.to_vec()[3..].iter().all(|v| *v == f64::INFINITY));
    // Gradient: 1 where unmasked, 0 where masked, even when filled with −∞.
    let leaf_x = x.clone().requires_grad_(true);
    leaf_x
        .try_masked_fill(&col_mask, f64::NEG_INFINITY)
        .unwrap()
        .exp()
        .sum()
        .backward()
        .unwrap();
    let g = leaf_x.grad().unwrap().to_vec();
    assert_eq!(g[0], 0.0);
    assert!((g[1] - 2f64.exp()).abs() < 1e-12);
    let e = x
        .try_masked_fill(&t(&[1., 0.], &[2]), 0.0)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("masked_fill") && e.contains("[2, 3]") && e.contains("[2]"),
        "{e}"
    );

    let mask = t(&[1., 0., 0., 1.], &[4, 1]);
    let x = rleaf(&[3, 4], 1);
    let f = |xs: &[Tensor<f64>]| {
        // transposed (non-contiguous) input, broadcast mask, fan-out of the input.
        let a = xs[0].t().try_masked_fill(&mask, 2.5)?;
        a.try_mul(&xs[0].t())
    };
    gc("masked_fill", f, std::slice::from_ref(&x));
    ggc("masked_fill", f, &[x]);
}

// ----- tril / triu ---------------------------------------------------------------------

#[test]
fn tril_triu_values_offsets_and_batches() {
    let x = Tensor::<f64>::arange(1.0, 13.0, 1.0)
        .unwrap()
        .reshape(&[3, 4]);
    assert_eq!(
        x.tril(0).to_vec(),
        vec![1., 0., 0., 0., 5., 6., 0., 0., 9., 10., 11., 0.]
    );
    assert_eq!(
        x.tril(-1).to_vec(),
        vec![0., 0., 0., 0., 5., 0., 0., 0., 9., 10., 0., 0.]
    );
    assert_eq!(
        x.triu(1).to_vec(),
        vec![0., 2., 3., 4., 0., 0., 7., 8., 0., 0., 0., 12.]
    );
    assert_eq!(x.triu(-2).to_vec()[8..], [9., 10., 11., 12.]);
    // Entries outside the triangle become 0 even when infinite (PyTorch does the same).
    let inf = Tensor::<f64>::full(&[2, 2, 2], f64::INFINITY);
    assert_eq!(
        inf.tril(0).to_vec(),
        vec![
            f64::INFINITY,
            0.,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            0.,
            f64::INFINITY,
            f64::INFINITY
        ]
    );
    let e = t(&[1., 2.], &[2]).try_tril(0).unwrap_err().to_string();
    assert!(e.contains("tril") && e.contains("[2]"), "{e}");
    let x = rleaf(&[2, 4, 3], 2);
    let f = |xs: &[Tensor<f64>]| {
        let a = xs[0].try_transpose(1, 2)?.try_tril(1)?;
        a.try_add(&xs[0].try_transpose(1, 2)?.try_triu(-1)?.square())
    };
    gc("tril/triu", f, std::slice::from_ref(&x));
    ggc("tril/triu", f, &[x]);
}

// ----- split / chunk -------------------------------------------------------------------

#[test]
fn split_and_chunk_follow_pytorch() {
    let x = Tensor::<f64>::arange(0.0, 10.0, 1.0)
        .unwrap()
        .reshape(&[2, 5]);
    let parts = x.split(2, 1);
    let shapes: Vec<Vec<usize>> = parts.iter().map(|p| p.shape().to_vec()).collect();
    assert_eq!(shapes, vec![vec![2, 2], vec![2, 2], vec![2, 1]]);
    assert_eq!(parts[2].to_vec(), vec![4., 9.]);
    let sized = x.split_sizes(&[3, 2], -1);
    assert_eq!(sized[1].to_vec(), vec![3., 4., 8., 9.]);
    // chunk: pieces of ceil(n / chunks), possibly fewer pieces; empty dims give `chunks`.
    assert_eq!(Tensor::<f64>::zeros(&[6]).chunk(4, 0).len(), 3);
    let five: Vec<usize> = Tensor::<f64>::zeros(&[5])
        .chunk(3, 0)
        .iter()
        .map(|p| p.numel())
        .collect();
    assert_eq!(five, vec![2, 2, 1]);
    assert_eq!(Tensor::<f64>::zeros(&[0]).chunk(3, 0).len(), 3);
    assert_eq!(Tensor::<f64>::zeros(&[0]).split(2, 0).len(), 1);

    let e = x.try_split(0, 1).unwrap_err().to_string();
    assert!(e.contains("split") && e.contains("[2, 5]"), "{e}");
    let e = x.try_split_sizes(&[1, 1], 1).unwrap_err().to_string();
    assert!(
        e.contains("split_with_sizes") && e.contains("[1, 1]") && e.contains("[2, 5]"),
        "{e}"
    );
    let e = x.try_chunk(0, 0).unwrap_err().to_string();
    assert!(e.contains("chunk"), "{e}");
    assert!(x.try_split(1, 2).unwrap_err().to_string().contains("split"));

    // Gradient: each piece used differently (and one twice).
    let x = rleaf(&[3, 7], 3);
    let f = |xs: &[Tensor<f64>]| {
        let p = xs[0].t().try_split(3, 0)?;
        let c = xs[0].try_chunk(2, 1)?;
        p[0].square()
            .sum()
            .try_add(&p[2].mul_scalar(3.0).sum())?
            .try_add(&p[1].try_mul(&p[1])?.sum())?
            .try_add(&c[1].tanh().sum())
    };
    gc("split/chunk", f, std::slice::from_ref(&x));
    ggc("split/chunk", f, &[x]);
}

// ----- flip / cumsum -------------------------------------------------------------------

#[test]
fn flip_and_cumsum_values_and_gradients() {
    let x = Tensor::<f64>::arange(0.0, 24.0, 1.0)
        .unwrap()
        .reshape(&[2, 3, 4]);
    let f = x.flip(&[0, 2]);
    assert_eq!(f.get(&[0, 0, 0]).unwrap(), 15.0);
    assert_eq!(f.get(&[1, 2, 1]).unwrap(), 10.0);
    assert_eq!(x.flip(&[]).to_vec(), x.to_vec());
    // A non-contiguous input.
    assert_eq!(
        t(&[1., 2., 3., 4.], &[2, 2]).t().flip(&[1]).to_vec(),
        vec![3., 1., 4., 2.]
    );
    let e = x.try_flip(&[3]).unwrap_err().to_string();
    assert!(e.contains("flip") && e.contains('3'), "{e}");
    let e = x.try_flip(&[1, -2]).unwrap_err().to_string();
    assert!(e.contains("flip"), "{e}");

    let c = x.cumsum(1);
    assert_eq!(c.get(&[1, 2, 3]).unwrap(), 15.0 + 19.0 + 23.0);
    assert_eq!(c.get(&[0, 0, 1]).unwrap(), 1.0);
    assert_eq!(
        t(&[1., 2., 3., 4.], &[2, 2]).t().cumsum(1).to_vec(),
        vec![1., 4., 2., 6.]
    );
    assert_eq!(Tensor::<f64>::zeros(&[2, 0]).cumsum(1).shape(), &[2, 0]);
    assert_eq!(Tensor::<f64>::scalar(3.0).cumsum(0).item().unwrap(), 3.0);
    let e = x.try_cumsum(-4).unwrap_err().to_string();
    assert!(e.contains("cumsum") && e.contains("-4"), "{e}");

    let x = rleaf(&[3, 4], 4);
    let w = Tensor::<f64>::randn_seeded(&[4, 3], 5);
    let f = |xs: &[Tensor<f64>]| {
        let a = xs[0].t().try_cumsum(0)?.try_flip(&[1])?;
        // fan-out and a non-linear use so the second derivative is not trivially zero.
        a.try_mul(&w)?.try_add(&xs[0].t().try_cumsum(-1)?.square())
    };
    gc("flip/cumsum", f, std::slice::from_ref(&x));
    ggc("flip/cumsum", f, &[x]);
}

// ----- sin / cos -----------------------------------------------------------------------

#[test]
fn sin_cos_values_and_derivative_towers() {
    let x = t(&[0.0, 0.5, -1.25, 3.0], &[4]);
    for (a, b) in x.sin().to_vec().iter().zip(x.to_vec()) {
        assert_eq!(*a, b.sin());
    }
    for (a, b) in x.cos().to_vec().iter().zip(x.to_vec()) {
        assert_eq!(*a, b.cos());
    }
    let x = rleaf(&[2, 3], 6);
    let f = |xs: &[Tensor<f64>]| xs[0].t().sin().try_mul(&xs[0].t().cos());
    gc("sin/cos", f, std::slice::from_ref(&x));
    ggc("sin/cos", f, std::slice::from_ref(&x));
    // Third and fourth derivatives of sin at 0.3: −cos, sin.
    let x0 = leaf(&[0.3], &[1]);
    let mut y = x0.sin();
    let mut derivs = Vec::new();
    for _ in 0..4 {
        y = myelin_tensor::grad(&[y.sum()], std::slice::from_ref(&x0), None, true)
            .unwrap()
            .remove(0);
        derivs.push(y.to_vec()[0]);
    }
    let s = 0.3f64;
    assert_close(&derivs, &[s.cos(), -s.sin(), -s.cos(), s.sin()], 1e-14, 0.0);
}

// ----- scaled dot-product attention -----------------------------------------------------

/// softmax(q kᵀ / √E + mask) v for one [L, E] × [S, E] × [S, Ev] problem, by loops.
fn reference_attention(
    q: &[f64],
    k: &[f64],
    v: &[f64],
    (l, s, e, ev): (usize, usize, usize, usize),
    allowed: impl Fn(usize, usize) -> bool,
) -> Vec<f64> {
    let mut out = vec![0.0; l * ev];
    for i in 0..l {
        let scores: Vec<f64> = (0..s)
            .map(|j| {
                if allowed(i, j) {
                    (0..e).map(|c| q[i * e + c] * k[j * e + c]).sum::<f64>() / (e as f64).sqrt()
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let m = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = scores.iter().map(|x| (x - m).exp()).sum();
        for j in 0..s {
            let p = (scores[j] - m).exp() / z;
            for c in 0..ev {
                out[i * ev + c] += p * v[j * ev + c];
            }
        }
    }
    out
}

#[test]
fn sdpa_matches_a_loop_reference_with_bool_additive_and_causal_masks() {
    let (l, s, e, ev) = (4, 5, 3, 2);
    let q = Tensor::<f64>::randn_seeded(&[l, e], 10);
    let k = Tensor::<f64>::randn_seeded(&[s, e], 11);
    let v = Tensor::<f64>::randn_seeded(&[s, ev], 12);
    let dims = (l, s, e, ev);
    let plain = scaled_dot_product_attention(&q, &k, &v, &SdpaOptions::default());
    let want = reference_attention(&q.to_vec(), &k.to_vec(), &v.to_vec(), dims, |_, _| true);
    assert_close(&plain.to_vec(), &want, 1e-12, 0.0);

    let causal = scaled_dot_product_attention(
        &q,
        &k,
        &v,
        &SdpaOptions {
            is_causal: true,
            ..Default::default()
        },
    );
    let want = reference_attention(&q.to_vec(), &k.to_vec(), &v.to_vec(), dims, |i, j| j <= i);
    assert_close(&causal.to_vec(), &want, 1e-12, 0.0);

    // A bool mask (1 = attend) and the equivalent additive one give the same.
    let allowed = |i: usize, j: usize| !(i + 2 * j).is_multiple_of(3);
    let keep: Vec<f64> = (0..l * s)
        .map(|x| allowed(x / s, x % s) as u8 as f64)
        .collect();
    let keep = t(&keep, &[l, s]);
    let add = keep
        .eq(&Tensor::zeros(&[]))
        .try_masked_fill(&keep, 0.0)
        .unwrap();
    let add = add
        .mul_scalar(-1e300)
        .try_masked_fill(&add, f64::NEG_INFINITY)
        .unwrap();
    let want = reference_attention(&q.to_vec(), &k.to_vec(), &v.to_vec(), dims, allowed);
    for mask in [AttnMask::Bool(&keep), AttnMask::Additive(&add)] {
        let got = scaled_dot_product_attention(
            &q,
            &k,
            &v,
            &SdpaOptions {
                attn_mask: Some(mask),
                ..Default::default()
            },
        );
        assert_close(&got.to_vec(), &want, 1e-12, 0.0);
    }
    // A finite additive bias shifts the scores.
    let bias = Tensor::<f64>::randn_seeded(&[s], 13);
    let got = scaled_dot_product_attention(
        &q,
        &k,
        &v,
        &SdpaOptions {
            attn_mask: Some(AttnMask::Additive(&bias)),
            scale: Some(0.7),
            ..Default::default()
        },
    );
    let scores = q.matmul(&k.t()).mul_scalar(0.7).try_add(&bias).unwrap();
    let p = scores
        .try_sub(&scores.logsumexp(&[-1], true))
        .unwrap()
        .exp();
    assert_close(&got.to_vec(), &p.matmul(&v).to_vec(), 1e-12, 0.0);
}

#[test]
fn sdpa_fully_masked_row_gives_zeros_and_leaves_other_rows_alone() {
    let (l, s, e) = (3, 4, 2);
    let q = rleaf(&[2, l, e], 20);
    let k = rleaf(&[2, s, e], 21);
    let v = rleaf(&[2, s, 3], 22);
    // Query 1 of batch 0 may attend to nothing.
    let mut keep = vec![1.0; 2 * l * s];
    for j in 0..s {
        keep[s + j] = 0.0;
    }
    keep[2] = 0.0;
    let keep = t(&keep, &[2, l, s]);
    let opts = SdpaOptions {
        attn_mask: Some(AttnMask::Bool(&keep)),
        ..Default::default()
    };
    let (out, w) = scaled_dot_product_attention_with_weights(&q, &k, &v, &opts);
    let out_v = out.to_vec();
    assert!(out_v.iter().all(|x| x.is_finite()));
    assert_eq!(&out_v[3..6], &[0.0; 3]);
    assert_eq!(&w.to_vec()[s..2 * s], &[0.0; 4]);
    // Every other row equals attention computed without the dead query.
    let q0 = q.detach().narrow_rows(0);
    let alive = Tensor::concat(&[&q0.slice(0, 0, 1), &q0.slice(0, 2, 3)], 0);
    let keep0 = keep.slice(0, 0, 1).reshape(&[l, s]);
    let keep_alive = Tensor::concat(&[&keep0.slice(0, 0, 1), &keep0.slice(0, 2, 3)], 0);
    let k0 = k.detach().narrow_rows(0);
    let v0 = v.detach().narrow_rows(0);
    let sub = scaled_dot_product_attention(
        &alive,
        &k0,
        &v0,
        &SdpaOptions {
            attn_mask: Some(AttnMask::Bool(&keep_alive)),
            ..Default::default()
        },
    )
    .to_vec();
    assert_close(&out_v[0..3], &sub[0..3], 1e-14, 0.0);
    assert_close(&out_v[6..9], &sub[3..6], 1e-14, 0.0);

    // Gradients: finite, zero for the dead query, and the same for k and v as when the
    // dead query is removed from the problem.
    let upstream = Tensor::<f64>::randn_seeded(&[2, l, 3], 23);
    out.try_mul(&upstream).unwrap().sum().backward().unwrap();
    let gq = q.grad().unwrap().to_vec();
    assert!(gq.iter().all(|x| x.is_finite()));
    assert_eq!(&gq[2..4], &[0.0, 0.0]);
    let (ka, va) = (k0.requires_grad_(true), v0.requires_grad_(true));
    let up0 = upstream.narrow_rows(0);
    let up_alive = Tensor::concat(&[&up0.slice(0, 0, 1), &up0.slice(0, 2, 3)], 0);
    scaled_dot_product_attention(
        &alive,
        &ka,
        &va,
        &SdpaOptions {
            attn_mask: Some(AttnMask::Bool(&keep_alive)),
            ..Default::default()
        },
    )
    .try_mul(&up_alive)
    .unwrap()
    .sum()
    .backward()
    .unwrap();
    assert_close(
        &k.grad().unwrap().to_vec()[..s * e],
        &ka.grad().unwrap().to_vec(),
        1e-13,
        0.0,
    );
    assert_close(
        &v.grad().unwrap().to_vec()[..s * 3],
        &va.grad().unwrap().to_vec(),
        1e-13,
        0.0,
    );
    // And gradcheck through the dead row (f64).
    gc(
        "sdpa dead row",
        |xs| try_scaled_dot_product_attention(&xs[0], &xs[1], &xs[2], &opts),
        &[
            rleaf(&[2, l, e], 24),
            rleaf(&[2, s, e], 25),
            rleaf(&[2, s, 3], 26),
        ],
    );
}

trait Rows {
    fn narrow_rows(&self, b: usize) -> Tensor<f64>;
}
impl Rows for Tensor<f64> {
    /// Batch entry `b` of a 3-D tensor, as 2-D.
    fn narrow_rows(&self, b: usize) -> Tensor<f64> {
        let s = self.shape().to_vec();
        self.slice(0, b, b + 1).reshape(&s[1..])
    }
}

#[test]
fn sdpa_gradients_broadcast_noncontiguous_fanout_and_second_order() {
    // Batch broadcast (q has 2 heads, k/v are shared), a transposed query, and fan-out:
    // the same tensor is query, key and value (self-attention).
    let q = rleaf(&[2, 2, 3, 4], 30);
    let kv = rleaf(&[2, 1, 5, 4], 31);
    let bias = Tensor::<f64>::randn_seeded(&[3, 5], 32);
    let keep = t(
        &[1., 1., 0., 1., 0., 1., 1., 1., 1., 0., 0., 1., 1., 1., 1.],
        &[3, 5],
    );
    let cases: Vec<(&str, SdpaOptions<'_, f64>)> = vec![
        ("plain", SdpaOptions::default()),
        (
            "causal",
            SdpaOptions {
                is_causal: true,
                ..Default::default()
            },
        ),
        (
            "bool",
            SdpaOptions {
                attn_mask: Some(AttnMask::Bool(&keep)),
                ..Default::default()
            },
        ),
        (
            "additive",
            SdpaOptions {
                attn_mask: Some(AttnMask::Additive(&bias)),
                scale: Some(0.3),
                ..Default::default()
            },
        ),
    ];
    for (name, opts) in &cases {
        let f = |xs: &[Tensor<f64>]| {
            let qt = xs[0]
                .try_transpose(2, 3)?
                .try_transpose(2, 3)?
                .try_mul(&xs[0])?;
            try_scaled_dot_product_attention(&qt, &xs[1], &xs[1].tanh(), opts)
        };
        gc(name, f, &[q.clone(), kv.clone()]);
        ggc(name, f, &[q.clone(), kv.clone()]);
    }
    // Self-attention with one tensor as q, k and v.
    let x = rleaf(&[3, 4], 33);
    let f = |xs: &[Tensor<f64>]| {
        let xt = xs[0].t().contiguous().t(); // a non-contiguous layout of the same values
        try_scaled_dot_product_attention(&xt, &xs[0], &xs[0], &SdpaOptions::default())
    };
    gc("self", f, std::slice::from_ref(&x));
    ggc("self", f, &[x]);
}

#[test]
fn sdpa_dropout_errors_and_empty() {
    let q = Tensor::<f64>::randn_seeded(&[2, 3, 4], 40);
    let k = Tensor::<f64>::randn_seeded(&[2, 5, 4], 41);
    let v = Tensor::<f64>::randn_seeded(&[2, 5, 6], 42);
    // Dropout: seeded, reproducible, rows are scaled by 1/(1 − p) where kept.
    let opts = SdpaOptions {
        dropout_p: 0.5,
        dropout_seed: 7,
        ..Default::default()
    };
    let (a, wa) = scaled_dot_product_attention_with_weights(&q, &k, &v, &opts);
    let (b, _) = scaled_dot_product_attention_with_weights(&q, &k, &v, &opts);
    assert_eq!(a.to_vec(), b.to_vec());
    let (_, w) = scaled_dot_product_attention_with_weights(&q, &k, &v, &SdpaOptions::default());
    let (wa, w) = (wa.to_vec(), w.to_vec());
    assert!(wa.contains(&0.0));
    for (x, y) in wa.iter().zip(&w) {
        assert!(*x == 0.0 || (x - 2.0 * y).abs() < 1e-12);
    }
    let with_mask = |m| SdpaOptions {
        attn_mask: Some(m),
        ..Default::default()
    };
    let e = try_scaled_dot_product_attention(&q, &k, &q, &SdpaOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("scaled_dot_product_attention")
            && e.contains("[2, 5, 4]")
            && e.contains("[2, 3, 4]"),
        "{e}"
    );
    let bad = Tensor::<f64>::ones(&[4, 5]);
    let e = try_scaled_dot_product_attention(&q, &k, &v, &with_mask(AttnMask::Bool(&bad)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("attn_mask") && e.contains("[4, 5]") && e.contains("[2, 3, 5]"),
        "{e}"
    );
    let ok = Tensor::<f64>::ones(&[3, 5]);
    let e = try_scaled_dot_product_attention(
        &q,
        &k,
        &v,
        &SdpaOptions {
            is_causal: true,
            attn_mask: Some(AttnMask::Bool(&ok)),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("is_causal"), "{e}");
    let e = try_scaled_dot_product_attention(
        &q,
        &k,
        &v,
        &SdpaOptions {
            dropout_p: 1.5,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("dropout_p") && e.contains("1.5"), "{e}");
    // Zero keys: zero output (no NaN); zero queries: an empty output.
    let k0 = Tensor::<f64>::zeros(&[2, 0, 4]);
    let v0 = Tensor::<f64>::zeros(&[2, 0, 6]);
    let out = scaled_dot_product_attention(&q, &k0, &v0, &SdpaOptions::default());
    assert_eq!(out.shape(), &[2, 3, 6]);
    assert!(out.to_vec().iter().all(|x| *x == 0.0));
    let q0 = Tensor::<f64>::zeros(&[2, 0, 4]);
    assert_eq!(
        scaled_dot_product_attention(&q0, &k, &v, &SdpaOptions::default()).shape(),
        &[2, 0, 6]
    );
}
