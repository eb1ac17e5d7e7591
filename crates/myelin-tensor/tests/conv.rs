//! Convolution, pooling, padding and fold/unfold: values against direct definitions,
//! gradcheck / gradgradcheck in f64, error messages. (Values against PyTorch itself are
//! checked from fixtures in `myelin-nn/tests/cnn_fixtures.rs`.)

#![allow(
    clippy::needless_range_loop,
    clippy::too_many_arguments,
    clippy::type_complexity
)]

mod common;
use common::*;

use myelin_tensor::{
    AvgPool1dOptions, AvgPool2dOptions, Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions,
    FoldOptions, MaxPool1dOptions, MaxPool2dOptions, PadMode, Padding, Tensor,
};

/// The tests of this file run one at a time: the memory test reads process-global
/// counters (live graph nodes, pooled bytes) that tests in other threads would move.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn randn(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::<f64>::randn_seeded(shape, seed)
}

/// Direct 2-D convolution from the definition (per-side padding).
fn naive_conv2d(
    x: &Tensor<f64>,
    w: &Tensor<f64>,
    b: Option<&Tensor<f64>>,
    s: [usize; 2],
    p: [(usize, usize); 2],
    d: [usize; 2],
    groups: usize,
) -> (Vec<f64>, Vec<usize>) {
    let (xs, ws) = (x.shape().to_vec(), w.shape().to_vec());
    let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3]);
    let (o, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3]);
    let oh = (h + p[0].0 + p[0].1 - d[0] * (kh - 1) - 1) / s[0] + 1;
    let ow = (wd + p[1].0 + p[1].1 - d[1] * (kw - 1) - 1) / s[1] + 1;
    let og = o / groups;
    let (xv, wv) = (x.to_vec(), w.to_vec());
    let bv = b.map(|b| b.to_vec());
    let mut out = vec![0.0; n * o * oh * ow];
    for ni in 0..n {
        for oc in 0..o {
            let g = oc / og;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bv.as_ref().map_or(0.0, |b| b[oc]);
                    for ci in 0..cg {
                        let cin = g * cg + ci;
                        for ki in 0..kh {
                            for kj in 0..kw {
                                let iy = (oy * s[0] + ki * d[0]) as isize - p[0].0 as isize;
                                let ix = (ox * s[1] + kj * d[1]) as isize - p[1].0 as isize;
                                if iy < 0 || ix < 0 || iy as usize >= h || ix as usize >= wd {
                                    continue;
                                }
                                acc += xv[((ni * c + cin) * h + iy as usize) * wd + ix as usize]
                                    * wv[((oc * cg + ci) * kh + ki) * kw + kj];
                            }
                        }
                    }
                    out[((ni * o + oc) * oh + oy) * ow + ox] = acc;
                }
            }
        }
    }
    (out, vec![n, o, oh, ow])
}

#[test]
fn conv2d_matches_the_definition() {
    let _serial = serial();
    let cases: &[(
        [usize; 4],
        [usize; 4],
        [usize; 2],
        [(usize, usize); 2],
        [usize; 2],
        usize,
    )] = &[
        (
            [2, 3, 7, 6],
            [4, 3, 3, 3],
            [1, 1],
            [(1, 1), (1, 1)],
            [1, 1],
            1,
        ),
        (
            [2, 4, 9, 8],
            [6, 2, 3, 2],
            [2, 3],
            [(0, 1), (2, 0)],
            [1, 2],
            2,
        ),
        (
            [1, 4, 6, 6],
            [4, 1, 3, 3],
            [1, 1],
            [(1, 1), (1, 1)],
            [2, 2],
            4,
        ),
        (
            [3, 2, 5, 5],
            [3, 2, 1, 1],
            [1, 1],
            [(0, 0), (0, 0)],
            [1, 1],
            1,
        ),
        (
            [1, 2, 5, 7],
            [5, 2, 5, 3],
            [2, 1],
            [(2, 2), (0, 0)],
            [1, 1],
            1,
        ),
        // Large enough to run the batch-parallel path.
        (
            [8, 16, 12, 12],
            [16, 16, 3, 3],
            [1, 1],
            [(1, 1), (1, 1)],
            [1, 1],
            1,
        ),
    ];
    for (k, &(xs, ws, s, p, d, g)) in cases.iter().enumerate() {
        let x = randn(&xs, 10 + k as u64);
        let w = randn(&ws, 20 + k as u64);
        let b = randn(&[ws[0]], 30 + k as u64);
        let opts = Conv2dOptions::default()
            .stride(s)
            .padding(p)
            .dilation(d)
            .groups(g);
        let y = x.try_conv2d(&w, Some(&b), opts).unwrap();
        let (want, shape) = naive_conv2d(&x, &w, Some(&b), s, p, d, g);
        assert_eq!(y.shape(), &shape[..], "case {k}");
        assert_close(&y.to_vec(), &want, 1e-12, 1e-12);
        // f32 agrees too.
        let y32 = x
            .cast::<f32>()
            .try_conv2d(&w.cast(), Some(&b.cast()), opts)
            .unwrap();
        assert_close(&y32.to_f64_vec(), &want, 1e-4, 1e-4);
    }
}

#[test]
fn conv2d_same_valid_unbatched_and_noncontiguous() {
    let _serial = serial();
    let x = randn(&[2, 3, 6, 5], 1);
    let w = randn(&[2, 3, 4, 3], 2);
    // 'same' with an even kernel: total padding 3 along height, the extra row after.
    let y = x
        .try_conv2d(&w, None, Conv2dOptions::default().padding(Padding::Same))
        .unwrap();
    let (want, shape) = naive_conv2d(&x, &w, None, [1, 1], [(1, 2), (1, 1)], [1, 1], 1);
    assert_eq!(y.shape(), &shape[..]);
    assert_eq!(y.shape()[2..], [6, 5]);
    assert_close(&y.to_vec(), &want, 1e-12, 1e-12);
    let valid = x
        .try_conv2d(&w, None, Conv2dOptions::default().padding(Padding::Valid))
        .unwrap();
    assert_eq!(valid.shape(), &[2, 2, 3, 3]);
    // Unbatched input gives the unbatched output.
    let x0 = x.slice(0, 0, 1).squeeze(0);
    let y0 = x0.try_conv2d(&w, None, Conv2dOptions::default()).unwrap();
    let full = x.try_conv2d(&w, None, Conv2dOptions::default()).unwrap();
    assert_eq!(y0.shape(), &[2, 3, 3]);
    assert_close(&y0.to_vec(), &full.slice(0, 0, 1).to_vec(), 0.0, 0.0);
    // A permuted (non-contiguous) input gives the same as its contiguous copy.
    let xt = randn(&[2, 3, 5, 6], 3).transpose(2, 3);
    assert!(!xt.is_contiguous());
    let a = xt.try_conv2d(&w, None, Conv2dOptions::default()).unwrap();
    let b = xt
        .contiguous()
        .try_conv2d(&w, None, Conv2dOptions::default())
        .unwrap();
    assert_close(&a.to_vec(), &b.to_vec(), 0.0, 0.0);
}

#[test]
fn conv1d_is_conv2d_over_a_height_one_plane() {
    let _serial = serial();
    let x = randn(&[2, 4, 11], 4);
    let w = randn(&[6, 2, 3], 5);
    let b = randn(&[6], 6);
    let opts = Conv1dOptions::default()
        .stride(2)
        .padding(2)
        .dilation(2)
        .groups(2);
    let y = x.try_conv1d(&w, Some(&b), opts).unwrap();
    let (want, shape) = naive_conv2d(
        &x.unsqueeze(2),
        &w.unsqueeze(2),
        Some(&b),
        [1, 2],
        [(0, 0), (2, 2)],
        [1, 2],
        2,
    );
    assert_eq!(y.shape(), &[shape[0], shape[1], shape[3]]);
    assert_close(&y.to_vec(), &want, 1e-12, 1e-12);
}

/// conv_transpose2d from its definition: every input pixel scatters a weighted kernel.
fn naive_conv_transpose2d(
    x: &Tensor<f64>,
    w: &Tensor<f64>,
    s: [usize; 2],
    p: [usize; 2],
    op: [usize; 2],
    d: [usize; 2],
    groups: usize,
) -> (Vec<f64>, Vec<usize>) {
    let (xs, ws) = (x.shape().to_vec(), w.shape().to_vec());
    let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3]);
    let (og, kh, kw) = (ws[1], ws[2], ws[3]);
    let cg = c / groups;
    let o = og * groups;
    let ho = (h - 1) * s[0] + d[0] * (kh - 1) + op[0] + 1 - 2 * p[0];
    let wo = (wd - 1) * s[1] + d[1] * (kw - 1) + op[1] + 1 - 2 * p[1];
    let (xv, wv) = (x.to_vec(), w.to_vec());
    let mut out = vec![0.0; n * o * ho * wo];
    for ni in 0..n {
        for ci in 0..c {
            let g = ci / cg;
            for iy in 0..h {
                for ix in 0..wd {
                    let v = xv[((ni * c + ci) * h + iy) * wd + ix];
                    for oc in 0..og {
                        for ki in 0..kh {
                            for kj in 0..kw {
                                let y = (iy * s[0] + ki * d[0]) as isize - p[0] as isize;
                                let xx = (ix * s[1] + kj * d[1]) as isize - p[1] as isize;
                                if y < 0 || xx < 0 || y as usize >= ho || xx as usize >= wo {
                                    continue;
                                }
                                let co = g * og + oc;
                                out[((ni * o + co) * ho + y as usize) * wo + xx as usize] +=
                                    v * wv[((ci * og + oc) * kh + ki) * kw + kj];
                            }
                        }
                    }
                }
            }
        }
    }
    (out, vec![n, o, ho, wo])
}

#[test]
fn conv_transpose2d_matches_the_definition() {
    let _serial = serial();
    let cases: &[(
        [usize; 4],
        [usize; 4],
        [usize; 2],
        [usize; 2],
        [usize; 2],
        [usize; 2],
        usize,
    )] = &[
        (
            [2, 3, 4, 5],
            [3, 2, 3, 3],
            [1, 1],
            [0, 0],
            [0, 0],
            [1, 1],
            1,
        ),
        (
            [2, 4, 3, 4],
            [4, 3, 3, 2],
            [2, 3],
            [1, 0],
            [1, 2],
            [1, 1],
            2,
        ),
        (
            [1, 2, 5, 3],
            [2, 2, 2, 3],
            [2, 2],
            [1, 1],
            [0, 1],
            [2, 1],
            1,
        ),
        (
            [1, 3, 4, 4],
            [3, 1, 3, 3],
            [1, 1],
            [1, 1],
            [0, 0],
            [1, 1],
            3,
        ),
    ];
    for (k, &(xs, ws, s, p, op, d, g)) in cases.iter().enumerate() {
        let x = randn(&xs, 40 + k as u64);
        let w = randn(&ws, 50 + k as u64);
        let c_out = ws[1] * g;
        let b = randn(&[c_out], 60 + k as u64);
        let opts = ConvTranspose2dOptions::default()
            .stride(s)
            .padding(p)
            .output_padding(op)
            .dilation(d)
            .groups(g);
        let y = x.try_conv_transpose2d(&w, Some(&b), opts).unwrap();
        let (mut want, shape) = naive_conv_transpose2d(&x, &w, s, p, op, d, g);
        let plane = shape[2] * shape[3];
        for (i, v) in want.iter_mut().enumerate() {
            *v += b.to_vec()[(i / plane) % c_out];
        }
        assert_eq!(y.shape(), &shape[..], "case {k}");
        assert_close(&y.to_vec(), &want, 1e-12, 1e-12);
    }
}

#[test]
fn conv_gradients() {
    let _serial = serial();
    // stride > 1, dilation, groups, per-side padding, odd sizes, bias.
    let x = rleaf(&[2, 4, 5, 6], 1);
    let w = rleaf(&[4, 2, 3, 2], 2);
    let b = rleaf(&[4], 3);
    let opts = Conv2dOptions::default()
        .stride((2, 1))
        .padding([(1, 0), (0, 1)])
        .dilation((1, 2))
        .groups(2);
    gc(
        "conv2d",
        |t| t[0].try_conv2d(&t[1], Some(&t[2]), opts),
        &[x.clone(), w.clone(), b],
    );
    // Depthwise, no bias.
    let wd = rleaf(&[4, 1, 3, 3], 4);
    gc(
        "conv2d depthwise",
        |t| t[0].try_conv2d(&t[1], None, Conv2dOptions::default().padding(1).groups(4)),
        &[x.clone(), wd],
    );
    // Non-contiguous input and fan-out: the same x feeds two convolutions and a product.
    let xt = rleaf(&[1, 2, 5, 4], 5);
    let w2 = rleaf(&[3, 2, 2, 2], 6);
    gc(
        "conv2d non-contiguous + fan-out",
        |t| {
            let xp = t[0].try_transpose(2, 3)?;
            let a = xp.try_conv2d(&t[1], None, Conv2dOptions::default())?;
            let b = xp.try_conv2d(&t[1], None, Conv2dOptions::default().stride(2))?;
            Ok(&a.try_sum_dims(&[2, 3], false)? * &b.try_sum_dims(&[2, 3], false)?)
        },
        &[xt, w2],
    );
    // conv1d.
    gc(
        "conv1d",
        |t| {
            t[0].try_conv1d(
                &t[1],
                Some(&t[2]),
                Conv1dOptions::default().stride(2).padding(1),
            )
        },
        &[rleaf(&[2, 2, 7], 7), rleaf(&[3, 2, 3], 8), rleaf(&[3], 9)],
    );
    // conv_transpose2d with output_padding, groups, dilation.
    let topts = ConvTranspose2dOptions::default()
        .stride(2)
        .padding(1)
        .output_padding((1, 0))
        .dilation((1, 2))
        .groups(2);
    gc(
        "conv_transpose2d",
        |t| t[0].try_conv_transpose2d(&t[1], Some(&t[2]), topts),
        &[
            rleaf(&[2, 4, 3, 3], 10),
            rleaf(&[4, 1, 3, 2], 11),
            rleaf(&[2], 12),
        ],
    );
}

#[test]
fn conv_second_order() {
    let _serial = serial();
    let opts = Conv2dOptions::default()
        .stride(2)
        .padding(1)
        .dilation((2, 1))
        .groups(2);
    ggc(
        "conv2d",
        |t| Ok(t[0].try_conv2d(&t[1], Some(&t[2]), opts)?.tanh()),
        &[
            rleaf(&[1, 2, 5, 4], 21),
            rleaf(&[2, 1, 2, 3], 22),
            rleaf(&[2], 23),
        ],
    );
    let topts = ConvTranspose2dOptions::default()
        .stride(2)
        .padding(1)
        .output_padding(1);
    ggc(
        "conv_transpose2d",
        |t| Ok(t[0].try_conv_transpose2d(&t[1], None, topts)?.tanh()),
        &[rleaf(&[1, 2, 3, 2], 24), rleaf(&[2, 2, 2, 3], 25)],
    );
    // The input gradient of a convolution differentiated in the weight (a gradient
    // penalty) matches its finite differences through grad(create_graph).
    let x = rleaf(&[1, 1, 4, 4], 26);
    let w = rleaf(&[1, 1, 2, 2], 27);
    gc(
        "gradient penalty through conv2d",
        |t| {
            let y = t[0]
                .try_conv2d(&t[1], None, Conv2dOptions::default())?
                .tanh()
                .sum();
            let g = myelin_tensor::grad(&[y], &[t[0].clone()], None, true)?;
            Ok(g[0].square().sum())
        },
        &[x, w],
    );
}

// ----- pooling -----------------------------------------------------------------------

#[test]
fn max_pool_values_indices_and_ties() {
    let _serial = serial();
    // Ties: the first maximum in the window wins (and gets the gradient).
    let x = leaf(&[1., 3., 3., 2., 0., 3., 3., 1., 1.], &[1, 1, 3, 3]);
    let (y, idx) = x.max_pool2d_with_indices(MaxPool2dOptions::new(2).stride(1));
    assert_eq!(y.to_vec(), vec![3., 3., 3., 3.]);
    assert_eq!(idx, vec![1, 1, 6, 5]);
    y.sum().backward().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![0., 2., 0., 0., 0., 1., 1., 0., 0.]
    );
    // Padding, dilation and ceil_mode from the definition.
    let x = randn(&[2, 3, 7, 8], 7);
    let o = MaxPool2dOptions::new((3, 2))
        .stride((2, 3))
        .padding((1, 1))
        .dilation((2, 1))
        .ceil_mode(true);
    let (y, idx) = x.max_pool2d_with_indices(o);
    // H: ceil((7 + 2 − 5)/2) + 1 = 3. W: ceil((8 + 2 − 2)/3) + 1 = 4, but the last window
    // would start at 3·3 = 9 ≥ 8 + 1 (in the right padding), so 3.
    assert_eq!(y.shape(), &[2, 3, 3, 3]);
    let xv = x.to_vec();
    for p in 0..6 {
        for oy in 0..3 {
            for ox in 0..3 {
                let mut best = f64::NEG_INFINITY;
                let mut at = 0;
                for ki in 0..3 {
                    for kj in 0..2 {
                        let iy = (oy * 2 + ki * 2) as isize - 1;
                        let ix = (ox * 3 + kj) as isize - 1;
                        if iy >= 0 && ix >= 0 && iy < 7 && ix < 8 {
                            let v = xv[p * 56 + iy as usize * 8 + ix as usize];
                            if v > best {
                                best = v;
                                at = iy as usize * 8 + ix as usize;
                            }
                        }
                    }
                }
                let k = p * 9 + oy * 3 + ox;
                assert_eq!(y.to_vec()[k], best);
                assert_eq!(idx[k], at);
            }
        }
    }
    // NaN propagates.
    let x = Tensor::<f64>::from_vec(vec![1., f64::NAN, 2., 3.], &[1, 1, 4]).unwrap();
    let y = x.try_max_pool1d(MaxPool1dOptions::new(2)).unwrap().to_vec();
    assert!(y[0].is_nan() && y[1] == 3.0);
}

#[test]
fn avg_pool_divisors_follow_pytorch() {
    let _serial = serial();
    let x = Tensor::<f64>::arange(1.0, 26.0, 1.0)
        .unwrap()
        .reshape(&[1, 1, 5, 5]);
    // k=2, s=2, p=1, ceil: outputs 3×3 (the last window starts at 3 < 5 + 1).
    let o = AvgPool2dOptions::new(2).padding(1).ceil_mode(true);
    let y = x.try_avg_pool2d(o).unwrap();
    assert_eq!(y.shape(), &[1, 1, 3, 3]);
    // Top-left window holds only x[0,0] = 1 and three padded zeros: 1/4.
    assert_eq!(y.get(&[0, 0, 0, 0]).unwrap(), 0.25);
    // Bottom-right window rows/cols 3..5: (19 + 20 + 24 + 25) / 4.
    assert_eq!(y.get(&[0, 0, 2, 2]).unwrap(), 22.0);
    let y = x.try_avg_pool2d(o.count_include_pad(false)).unwrap();
    assert_eq!(y.get(&[0, 0, 0, 0]).unwrap(), 1.0);
    assert_eq!(y.get(&[0, 0, 0, 1]).unwrap(), 2.5);
    let y = x.try_avg_pool2d(o.divisor_override(3)).unwrap();
    assert!((y.get(&[0, 0, 0, 1]).unwrap() - 5.0 / 3.0).abs() < 1e-15);
    // Ceil mode without padding: the last window holds one column (count 1·2 = 2).
    let y = x
        .try_avg_pool2d(AvgPool2dOptions::new(2).ceil_mode(true))
        .unwrap();
    assert_eq!(y.get(&[0, 0, 0, 2]).unwrap(), (5.0 + 10.0) / 2.0);
    let y1 = Tensor::<f64>::from_vec(vec![1., 2., 3., 4., 5.], &[1, 5])
        .unwrap()
        .try_avg_pool1d(AvgPool1dOptions::new(3).stride(2).padding(1))
        .unwrap();
    assert_close(&y1.to_vec(), &[1.0, 3.0, 3.0], 1e-15, 0.0);
}

#[test]
fn adaptive_avg_pool_uses_pytorch_windows() {
    let _serial = serial();
    let x = Tensor::<f64>::arange(0.0, 35.0, 1.0)
        .unwrap()
        .reshape(&[1, 1, 5, 7]);
    let y = x.try_adaptive_avg_pool2d([3, 2]).unwrap();
    let xv = x.to_vec();
    let mut want = vec![];
    for i in 0..3usize {
        for j in 0..2usize {
            let (r0, r1) = (i * 5 / 3, ((i + 1) * 5).div_ceil(3));
            let (c0, c1) = (j * 7 / 2, ((j + 1) * 7).div_ceil(2));
            let mut s = 0.0;
            for r in r0..r1 {
                for c in c0..c1 {
                    s += xv[r * 7 + c];
                }
            }
            want.push(s / ((r1 - r0) * (c1 - c0)) as f64);
        }
    }
    assert_close(&y.to_vec(), &want, 1e-12, 0.0);
    let g = x.try_adaptive_avg_pool2d([1, 1]).unwrap();
    assert_eq!(g.to_vec(), vec![17.0]);
    // Larger output than input: windows overlap.
    let up = x.try_adaptive_avg_pool2d([7, 9]).unwrap();
    assert_eq!(up.shape(), &[1, 1, 7, 9]);
}

#[test]
fn pooling_gradients() {
    let _serial = serial();
    // Distinct values so that finite differences do not cross a tie.
    let distinct = |shape: &[usize], seed: u64| {
        let n: usize = shape.iter().product();
        let mut v: Vec<f64> = (0..n).map(|i| i as f64 * 0.1).collect();
        let mut rng = seed;
        for i in (1..n).rev() {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.swap(i, (rng >> 33) as usize % (i + 1));
        }
        leaf(&v, shape)
    };
    gc(
        "max_pool2d",
        |t| {
            t[0].try_max_pool2d(
                MaxPool2dOptions::new(3)
                    .stride(2)
                    .padding(1)
                    .dilation((1, 2))
                    .ceil_mode(true),
            )
        },
        &[distinct(&[2, 2, 5, 7], 1)],
    );
    gc(
        "max_pool1d non-contiguous",
        |t| {
            t[0].try_transpose(1, 2)?
                .try_max_pool1d(MaxPool1dOptions::new(2))
        },
        &[distinct(&[2, 5, 3], 2)],
    );
    let avg = AvgPool2dOptions::new((3, 2))
        .stride((2, 1))
        .padding(1)
        .ceil_mode(true)
        .count_include_pad(false);
    gc(
        "avg_pool2d",
        |t| t[0].try_avg_pool2d(avg),
        &[rleaf(&[2, 2, 5, 4], 3)],
    );
    gc(
        "avg_pool1d",
        |t| t[0].try_avg_pool1d(AvgPool1dOptions::new(3).stride(2).padding(1)),
        &[rleaf(&[2, 3, 6], 4)],
    );
    gc(
        "adaptive_avg_pool2d",
        |t| t[0].try_adaptive_avg_pool2d([2, 3]),
        &[rleaf(&[2, 2, 5, 4], 5)],
    );
    gc(
        "adaptive_avg_pool1d",
        |t| t[0].try_adaptive_avg_pool1d(4),
        &[rleaf(&[1, 2, 7], 6)],
    );
    // Second order: avg pooling composed with a nonlinearity.
    ggc(
        "avg_pool2d",
        |t| Ok(t[0].try_avg_pool2d(avg)?.tanh()),
        &[rleaf(&[1, 2, 4, 3], 7)],
    );
    ggc(
        "adaptive_avg_pool2d",
        |t| Ok(t[0].try_adaptive_avg_pool2d([2, 2])?.square()),
        &[rleaf(&[1, 1, 3, 5], 8)],
    );
    ggc(
        "max_pool2d",
        |t| Ok(t[0].try_max_pool2d(MaxPool2dOptions::new(2))?.square()),
        &[distinct(&[1, 1, 4, 4], 9)],
    );
}

// ----- pad, unfold, fold ------------------------------------------------------------------

#[test]
fn pad_modes_and_gradients() {
    let _serial = serial();
    let x = Tensor::<f64>::arange(0.0, 6.0, 1.0)
        .unwrap()
        .reshape(&[1, 2, 3]);
    let r = x.try_pad(&[2, 1, 1, 1], PadMode::Reflect).unwrap();
    assert_eq!(r.shape(), &[1, 4, 6]);
    assert_eq!(
        r.to_vec(),
        vec![
            5., 4., 3., 4., 5., 4., //
            2., 1., 0., 1., 2., 1., //
            5., 4., 3., 4., 5., 4., //
            2., 1., 0., 1., 2., 1.,
        ]
    );
    let c = x.try_pad(&[1, 0], PadMode::Constant(-1.0)).unwrap();
    assert_eq!(c.to_vec(), vec![-1., 0., 1., 2., -1., 3., 4., 5.]);
    for mode in [
        PadMode::Constant(0.5),
        PadMode::Reflect,
        PadMode::Replicate,
        PadMode::Circular,
    ] {
        gc(
            &format!("pad {mode:?}"),
            |t| t[0].try_pad(&[2, 1, 0, 2], mode),
            &[rleaf(&[2, 3, 4], 11)],
        );
        ggc(
            &format!("pad {mode:?}"),
            |t| Ok(t[0].try_pad(&[1, 2], mode)?.square()),
            &[rleaf(&[2, 3], 12)],
        );
    }
    let err = x
        .try_pad(&[3, 0], PadMode::Reflect)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pad") && err.contains("reflect") && err.contains("[1, 2, 3]"),
        "{err}"
    );
    let err = x.try_pad(&[1], PadMode::Replicate).unwrap_err().to_string();
    assert!(err.contains("pad") && err.contains("[1]"), "{err}");
}

#[test]
fn unfold_fold_adjoint_and_gradients() {
    let _serial = serial();
    let o = FoldOptions::new((2, 3))
        .stride((1, 2))
        .padding(1)
        .dilation((2, 1));
    let x = randn(&[2, 3, 5, 6], 13);
    let cols = x.unfold(o);
    // Columns agree with conv2d: a 1-output-channel conv of weight w is w·cols.
    let w = randn(&[1, 3, 2, 3], 14);
    let conv = x
        .try_conv2d(
            &w,
            None,
            Conv2dOptions::default()
                .stride((1, 2))
                .padding(1)
                .dilation((2, 1)),
        )
        .unwrap();
    let via_cols = w.reshape(&[1, 18]).matmul(&cols);
    assert_close(&via_cols.to_vec(), &conv.to_vec(), 1e-12, 1e-12);
    // fold is the adjoint of unfold: <unfold(x), c> = <x, fold(c)>.
    let c = randn(cols.shape(), 15);
    let folded = c.fold([5, 6], o);
    let lhs = (&cols * &c).sum().item().unwrap();
    let rhs = (&x * &folded).sum().item().unwrap();
    assert!((lhs - rhs).abs() < 1e-10);
    gc(
        "unfold",
        |t| t[0].try_unfold(o),
        &[rleaf(&[1, 2, 4, 5], 16)],
    );
    let ncols = x.slice(0, 0, 1).unfold(o).shape().to_vec();
    gc(
        "fold",
        |t| t[0].try_fold([5, 6], o),
        &[rleaf(&[1, 3 * 6, ncols[2]], 17)],
    );
    ggc(
        "unfold",
        |t| Ok(t[0].try_unfold(o)?.square()),
        &[rleaf(&[1, 1, 3, 4], 18)],
    );
    let err = c.try_fold([5, 7], o).unwrap_err().to_string();
    assert!(err.contains("fold") && err.contains("windows"), "{err}");
}

// ----- errors ------------------------------------------------------------------------------

fn err_of(r: myelin_tensor::Result<Tensor<f64>>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn errors_name_the_op_and_shapes() {
    let _serial = serial();
    let x = randn(&[2, 4, 5, 5], 1);
    let w = randn(&[6, 2, 3, 3], 2);
    let d = Conv2dOptions::default();
    // Wrong rank.
    let e = err_of(randn(&[4, 5], 3).try_conv2d(&w, None, d));
    assert!(
        e.contains("conv2d") && e.contains("[4, 5]") && e.contains("4-D"),
        "{e}"
    );
    let e = err_of(x.try_conv2d(&randn(&[6, 2, 3], 4), None, d));
    assert!(e.contains("conv2d") && e.contains("[6, 2, 3]"), "{e}");
    // Channels not divisible by groups / mismatching the weight.
    let e = err_of(x.try_conv2d(&randn(&[6, 4, 3, 3], 5), None, d.groups(3)));
    assert!(
        e.contains("conv2d") && e.contains("divisible by groups (3)"),
        "{e}"
    );
    let e = err_of(x.try_conv2d(&w, None, d));
    assert!(
        e.contains("conv2d") && e.contains("[2, 4, 5, 5]") && e.contains("[6, 2, 3, 3]"),
        "{e}"
    );
    // Kernel larger than the padded input (output size ≤ 0).
    let e = err_of(x.try_conv2d(&randn(&[6, 4, 7, 1], 6), None, d.padding(0)));
    assert!(
        e.contains("conv2d") && e.contains("larger than the padded input"),
        "{e}"
    );
    let e = err_of(x.try_conv2d(&randn(&[6, 4, 3, 3], 7), None, d.dilation(3)));
    assert!(e.contains("dilation 3"), "{e}");
    // Zero stride, bias shape, 'same' with a stride.
    let e = err_of(x.try_conv2d(&randn(&[6, 4, 3, 3], 8), None, d.stride(0)));
    assert!(
        e.contains("conv2d") && e.contains("stride must be positive"),
        "{e}"
    );
    let e = err_of(x.try_conv2d(&randn(&[6, 4, 3, 3], 8), Some(&randn(&[5], 9)), d));
    assert!(
        e.contains("bias") && e.contains("[6]") && e.contains("[5]"),
        "{e}"
    );
    let e = err_of(x.try_conv2d(
        &randn(&[6, 4, 3, 3], 8),
        None,
        d.padding(Padding::Same).stride(2),
    ));
    assert!(e.contains("same") && e.contains("stride"), "{e}");
    // conv1d names itself.
    let e = err_of(randn(&[2, 3, 2], 1).try_conv1d(
        &randn(&[1, 3, 3], 2),
        None,
        Conv1dOptions::default(),
    ));
    assert!(
        e.contains("conv1d") && e.contains("[2, 3, 2]") && e.contains("larger"),
        "{e}"
    );
    // conv_transpose2d: output_padding, groups, output size.
    let t = ConvTranspose2dOptions::default();
    let e = err_of(x.try_conv_transpose2d(&randn(&[4, 2, 3, 3], 3), None, t.output_padding(1)));
    assert!(
        e.contains("conv_transpose2d") && e.contains("output_padding"),
        "{e}"
    );
    let e = err_of(x.try_conv_transpose2d(&randn(&[4, 2, 3, 3], 3), None, t.groups(3)));
    assert!(
        e.contains("conv_transpose2d") && e.contains("groups (3)"),
        "{e}"
    );
    let e = err_of(randn(&[1, 1, 1, 1], 3).try_conv_transpose2d(
        &randn(&[1, 1, 1, 1], 3),
        None,
        t.padding(1),
    ));
    assert!(e.contains("conv_transpose2d") && e.contains("≤ 0"), "{e}");
    // Pools.
    let e = err_of(x.try_max_pool2d(MaxPool2dOptions::new(6)));
    assert!(
        e.contains("max_pool2d") && e.contains("[2, 4, 5, 5]") && e.contains("≤ 0"),
        "{e}"
    );
    let e = err_of(x.try_max_pool2d(MaxPool2dOptions::new(2).padding(2)));
    assert!(e.contains("max_pool2d") && e.contains("half"), "{e}");
    let e = err_of(x.try_avg_pool2d(AvgPool2dOptions::new(2).stride(0)));
    assert!(e.contains("avg_pool2d") && e.contains("stride"), "{e}");
    let e = err_of(randn(&[5], 1).try_avg_pool1d(AvgPool1dOptions::new(2)));
    assert!(e.contains("avg_pool1d") && e.contains("[5]"), "{e}");
    let e = err_of(x.try_adaptive_avg_pool2d([0, 2]));
    assert!(
        e.contains("adaptive_avg_pool2d") && e.contains("[0, 2]"),
        "{e}"
    );
    let e = err_of(x.try_unfold(FoldOptions::new(6)));
    assert!(e.contains("unfold") && e.contains("[2, 4, 5, 5]"), "{e}");
}

#[test]
fn zero_size_batches_work() {
    let _serial = serial();
    let x = Tensor::<f64>::zeros(&[0, 2, 5, 5]);
    let w = randn(&[3, 2, 3, 3], 1);
    let y = x.try_conv2d(&w, None, Conv2dOptions::default()).unwrap();
    assert_eq!(y.shape(), &[0, 3, 3, 3]);
    assert_eq!(
        x.try_max_pool2d(MaxPool2dOptions::new(2)).unwrap().shape(),
        &[0, 2, 2, 2]
    );
    assert_eq!(
        x.try_avg_pool2d(AvgPool2dOptions::new(2)).unwrap().shape(),
        &[0, 2, 2, 2]
    );
    let wl = w.requires_grad_(true);
    let y = x.try_conv2d(&wl, None, Conv2dOptions::default()).unwrap();
    y.sum().backward().unwrap();
    assert_eq!(wl.grad().unwrap().to_vec(), vec![0.0; 54]);
}

#[test]
fn conv_memory_is_flat_across_steps() {
    let _serial = serial();
    use myelin_tensor::live_nodes;
    let w = Tensor::<f32>::randn_seeded(&[8, 4, 3, 3], 1).requires_grad_(true);
    let x = Tensor::<f32>::randn_seeded(&[4, 4, 16, 16], 2);
    let step = || {
        let y = x
            .try_conv2d(&w, None, Conv2dOptions::default().padding(1))
            .unwrap()
            .relu()
            .max_pool2d(MaxPool2dOptions::new(2));
        y.sum().backward().unwrap();
        w.zero_grad();
    };
    step();
    let (nodes, parked) = (live_nodes(), f32::pool_parked_bytes());
    for _ in 0..5 {
        step();
        assert_eq!(live_nodes(), nodes);
        assert_eq!(f32::pool_parked_bytes(), parked);
    }
}

trait Parked {
    fn pool_parked_bytes() -> usize;
}
impl Parked for f32 {
    fn pool_parked_bytes() -> usize {
        <f32 as myelin_tensor::Element>::pool().parked_bytes()
    }
}
