//! Forward values against naive reference loops and closed forms.

#![allow(clippy::needless_range_loop, clippy::type_complexity)]

mod common;
use common::*;

use myelin_tensor::{seeded_rng, Element, Tensor};

/// Naive row-major batched matmul in f64 of a [b, m, k] and [b, k, n] given as flat
/// vectors, returning [b, m, n].
fn naive_matmul(a: &[f64], b: &[f64], batch: usize, m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; batch * m * n];
    for bi in 0..batch {
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0.0;
                for p in 0..k {
                    acc += a[bi * m * k + i * k + p] * b[bi * k * n + p * n + j];
                }
                out[bi * m * n + i * n + j] = acc;
            }
        }
    }
    out
}

/// |a|·|b| products bound the rounding error of a dot product.
fn magnitude(a: &[f64], b: &[f64], batch: usize, m: usize, k: usize, n: usize) -> Vec<f64> {
    let aa: Vec<f64> = a.iter().map(|v| v.abs()).collect();
    let bb: Vec<f64> = b.iter().map(|v| v.abs()).collect();
    naive_matmul(&aa, &bb, batch, m, k, n)
}

fn check_matmul<T: Element>(m: usize, k: usize, n: usize, seed: u64) {
    let eps = if T::DTYPE == myelin_tensor::DType::F32 {
        1e-6
    } else {
        1e-14
    };
    let a = Tensor::<T>::randn(&[m, k], &mut seeded_rng(seed));
    let b = Tensor::<T>::randn(&[k, n], &mut seeded_rng(seed + 1));
    let (av, bv) = (a.to_f64_vec(), b.to_f64_vec());
    let want = naive_matmul(&av, &bv, 1, m, k, n);
    let mag = magnitude(&av, &bv, 1, m, k, n);
    let check = |got: Vec<f64>, what: &str| {
        for (i, ((g, w), s)) in got.iter().zip(&want).zip(&mag).enumerate() {
            assert!(
                (g - w).abs() <= 4.0 * eps * (k as f64).sqrt() * s + 1e-30,
                "{what} {m}x{k}·{k}x{n} {:?} element {i}: {g} vs {w}",
                T::DTYPE
            );
        }
    };
    check(a.matmul(&b).to_f64_vec(), "plain");
    // Transposed operands: (bᵀ)ᵀ with a contiguous [n, k] buffer, etc.
    let at = Tensor::<T>::from_vec(a.t().to_vec(), &[k, m]).unwrap().t();
    let bt = Tensor::<T>::from_vec(b.t().to_vec(), &[n, k]).unwrap().t();
    assert!(!at.is_contiguous() || m == 1 || k == 1);
    check(at.matmul(&b).to_f64_vec(), "lhs transposed");
    check(a.matmul(&bt).to_f64_vec(), "rhs transposed");
    check(at.matmul(&bt).to_f64_vec(), "both transposed");
    // (Bᵀ·Aᵀ)ᵀ = A·B
    check(
        bt.t().matmul(&at.t()).t().to_f64_vec(),
        "via transpose identity",
    );
}

#[test]
fn matmul_matches_naive_loop() {
    for (m, k, n) in [
        (1, 1, 1),
        (7, 13, 5),
        (130, 70, 90),
        (1, 64, 1),
        (3, 1, 4),
        (17, 33, 65),
        (96, 97, 95),
    ] {
        check_matmul::<f64>(m, k, n, (m * 1000 + k * 10 + n) as u64);
        check_matmul::<f32>(m, k, n, (m * 1000 + k * 10 + n) as u64);
    }
}

#[test]
fn batched_matmul_with_broadcast_matches_naive() {
    // [2, 1, 5, 6] · [3, 6, 4] -> [2, 3, 5, 4]
    let a = Tensor::<f64>::randn_seeded(&[2, 1, 5, 6], 1);
    let b = Tensor::<f64>::randn_seeded(&[3, 6, 4], 2);
    let c = a.matmul(&b);
    assert_eq!(c.shape(), &[2, 3, 5, 4]);
    let (av, bv) = (a.to_vec(), b.to_vec());
    let cv = c.to_vec();
    for i in 0..2 {
        for j in 0..3 {
            let want = naive_matmul(
                &av[i * 30..(i + 1) * 30],
                &bv[j * 24..(j + 1) * 24],
                1,
                5,
                6,
                4,
            );
            assert_close(
                &cv[(i * 3 + j) * 20..(i * 3 + j + 1) * 20],
                &want,
                1e-12,
                1e-12,
            );
        }
    }
    // Big enough for the GEMM, batched, with a permuted (non-contiguous) batch operand.
    let a = Tensor::<f32>::randn_seeded(&[40, 3, 50], 3).permute(&[1, 0, 2]); // [3, 40, 50]
    let b = Tensor::<f32>::randn_seeded(&[50, 60], 4);
    let c = a.matmul(&b);
    let (av, bv) = (a.contiguous().to_f64_vec(), b.to_f64_vec());
    let bb: Vec<f64> = (0..3).flat_map(|_| bv.clone()).collect();
    let want = naive_matmul(&av, &bb, 3, 40, 50, 60);
    assert_close(&c.to_f64_vec(), &want, 1e-4, 1e-4);
    // A broadcast (stride-0) operand.
    let row = Tensor::<f64>::randn_seeded(&[1, 70], 5);
    let a = row.broadcast_to(&[80, 70]);
    let b = Tensor::<f64>::randn_seeded(&[70, 90], 6);
    let c = a.matmul(&b).to_vec();
    let want = naive_matmul(&row.to_vec(), &b.to_vec(), 1, 1, 70, 90);
    for r in 0..80 {
        assert_close(&c[r * 90..(r + 1) * 90], &want, 1e-12, 1e-12);
    }
}

// ----- reductions -------------------------------------------------------------------------

/// Naive reduction of a [d0, d1, d2] f64 tensor over a set of dims with `f`.
fn naive_reduce(
    x: &[f64],
    shape: [usize; 3],
    dims: &[usize],
    f: impl Fn(&[f64]) -> f64,
) -> Vec<f64> {
    let keep: Vec<usize> = (0..3).filter(|d| !dims.contains(d)).collect();
    let kept_sizes: Vec<usize> = keep.iter().map(|&d| shape[d]).collect();
    let n_out: usize = kept_sizes.iter().product();
    let mut out = Vec::with_capacity(n_out);
    for o in 0..n_out {
        // Decode the kept index.
        let mut kept_idx = vec![0; keep.len()];
        let mut rem = o;
        for (j, &s) in kept_sizes.iter().enumerate().rev() {
            kept_idx[j] = rem % s;
            rem /= s;
        }
        let mut row = Vec::new();
        for i in 0..shape[0] {
            for j in 0..shape[1] {
                for k in 0..shape[2] {
                    let idx = [i, j, k];
                    if keep.iter().zip(&kept_idx).all(|(&d, &v)| idx[d] == v) {
                        row.push(x[(i * shape[1] + j) * shape[2] + k]);
                    }
                }
            }
        }
        out.push(f(&row));
    }
    out
}

#[test]
fn reductions_match_naive_loops() {
    let shape = [5, 7, 9];
    let x = Tensor::<f64>::randn_seeded(&shape, 11);
    let xv = x.to_vec();
    let dim_sets: &[&[usize]] = &[&[0], &[1], &[2], &[0, 1], &[0, 2], &[1, 2], &[0, 1, 2]];
    for dims in dim_sets {
        let idims: Vec<isize> = dims.iter().map(|&d| d as isize).collect();
        let sum = |r: &[f64]| r.iter().sum::<f64>();
        let mean = |r: &[f64]| r.iter().sum::<f64>() / r.len() as f64;
        let var = |r: &[f64]| {
            let m = mean(r);
            r.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (r.len() - 1) as f64
        };
        let max = |r: &[f64]| r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let min = |r: &[f64]| r.iter().cloned().fold(f64::INFINITY, f64::min);
        let norm = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>().sqrt();
        let lse = |r: &[f64]| r.iter().map(|v| v.exp()).sum::<f64>().ln();
        let tag = format!("{dims:?}");
        for (name, got, f) in [
            (
                "sum",
                x.sum_dims(&idims, false),
                &sum as &dyn Fn(&[f64]) -> f64,
            ),
            ("mean", x.mean_dims(&idims, false), &mean),
            ("var", x.var_dims(&idims, 1, false), &var),
            ("max", x.max_dims(&idims, false), &max),
            ("min", x.min_dims(&idims, false), &min),
            ("norm", x.norm_dims(&idims, false), &norm),
            ("logsumexp", x.logsumexp(&idims, false), &lse),
        ] {
            let want = naive_reduce(&xv, shape, dims, f);
            assert_eq!(got.numel(), want.len(), "{name} {tag}");
            assert_close(&got.to_vec(), &want, 1e-12, 1e-12);
        }
        // keepdim shape and the same values.
        let kd = x.sum_dims(&idims, true);
        let expect_shape: Vec<usize> = (0..3)
            .map(|d| if dims.contains(&d) { 1 } else { shape[d] })
            .collect();
        assert_eq!(kd.shape(), expect_shape.as_slice());
        // A permuted view reduces the same as its contiguous copy.
        let p = x.permute(&[2, 0, 1]);
        let pc = p.contiguous();
        assert_close(
            &p.sum_dims(&idims, false).to_vec(),
            &pc.sum_dims(&idims, false).to_vec(),
            1e-12,
            1e-12,
        );
        assert_close(
            &p.max_dims(&idims, true).to_vec(),
            &pc.max_dims(&idims, true).to_vec(),
            0.0,
            0.0,
        );
    }
}

#[test]
fn large_reductions_on_parallel_paths() {
    // Above the parallel threshold: full sums, leading-dim sums, trailing-dim sums.
    let n = 300_000;
    let x = Tensor::<f32>::uniform(&[n], -1.0, 1.0, &mut seeded_rng(3)).unwrap();
    let xv = x.to_f64_vec();
    let want: f64 = xv.iter().sum();
    let got = x.sum().item().unwrap() as f64;
    assert!((got - want).abs() < 1e-2, "{got} vs {want}");
    let got_mean = x.mean().item().unwrap() as f64;
    assert!((got_mean - want / n as f64).abs() < 1e-7);
    let m = Tensor::<f64>::randn_seeded(&[600, 128], 4);
    let mv = m.to_vec();
    let cols: Vec<f64> = (0..128)
        .map(|j| (0..600).map(|i| mv[i * 128 + j]).sum())
        .collect();
    let rows: Vec<f64> = (0..600)
        .map(|i| mv[i * 128..(i + 1) * 128].iter().sum())
        .collect();
    assert_close(&m.sum_dims(&[0], false).to_vec(), &cols, 1e-10, 1e-10);
    assert_close(&m.sum_dims(&[1], false).to_vec(), &rows, 1e-10, 1e-10);
    assert_close(&m.t().sum_dims(&[1], false).to_vec(), &cols, 1e-10, 1e-10);
    assert!((m.sum().item().unwrap() - mv.iter().sum::<f64>()).abs() < 1e-9);
    let maxes: Vec<f64> = (0..600)
        .map(|i| {
            mv[i * 128..(i + 1) * 128]
                .iter()
                .cloned()
                .fold(f64::MIN, f64::max)
        })
        .collect();
    assert_eq!(m.max_dims(&[1], false).to_vec(), maxes);
    // Gradient of a large sum is all ones (the broadcast seed path).
    let w = Tensor::<f32>::zeros(&[n]).requires_grad_(true);
    (&w * 2.0).sum().backward().unwrap();
    let g = w.grad().unwrap();
    assert!(g.to_vec().iter().all(|&v| v == 2.0));
    g.update_data(|d| d[0] = 5.0)
        .expect("a leaf gradient is a plain contiguous tensor");
    // Straight from a sum (whose backward is a broadcast view): still a plain tensor
    // whose elements can be edited one by one.
    let w = Tensor::<f32>::zeros(&[4, 5]).requires_grad_(true);
    w.sum().backward().unwrap();
    let g = w.grad().unwrap();
    assert!(g.is_contiguous(), "strides {:?}", g.strides());
    g.update_data(|d| d[3] = 7.0).unwrap();
    assert_eq!(w.grad().unwrap().to_vec().iter().sum::<f32>(), 19.0 + 7.0);
}

#[test]
fn large_elementwise_and_broadcast_match_scalar_loops() {
    // Parallel paths of unary, binary, broadcasting binary.
    let a = Tensor::<f32>::uniform(&[257, 300], -3.0, 3.0, &mut seeded_rng(5)).unwrap();
    let b = Tensor::<f32>::uniform(&[300], 0.5, 2.0, &mut seeded_rng(6)).unwrap();
    let c = Tensor::<f32>::uniform(&[257, 1], -1.0, 1.0, &mut seeded_rng(7)).unwrap();
    let (av, bv, cv) = (a.to_vec(), b.to_vec(), c.to_vec());
    let got = (&(&a * &b) + &c).to_vec();
    for i in 0..257 {
        for j in 0..300 {
            assert_eq!(
                got[i * 300 + j],
                av[i * 300 + j] * bv[j] + cv[i],
                "({i},{j})"
            );
        }
    }
    // Transposed (non-contiguous) operand with broadcasting.
    let at = a.t(); // [300, 257]
    let got = (&at - &c.t()).to_vec();
    for j in 0..300 {
        for i in 0..257 {
            assert_eq!(got[j * 257 + i], av[i * 300 + j] - cv[i]);
        }
    }
    let got = a.maximum(&b.reshape(&[1, 300])).to_vec();
    for i in 0..257 {
        for j in 0..300 {
            assert_eq!(got[i * 300 + j], av[i * 300 + j].max(bv[j]));
        }
    }
    // Scalar broadcast fast paths on both sides.
    let s = Tensor::<f32>::scalar(0.25);
    assert!((&a / &s)
        .to_vec()
        .iter()
        .zip(&av)
        .all(|(g, x)| *g == x / 0.25));
    assert!((&s - &a)
        .to_vec()
        .iter()
        .zip(&av)
        .all(|(g, x)| *g == 0.25 - x));
    // Unary f32 functions against f64 references, large tensor.
    let fns: [(&str, fn(&Tensor<f32>) -> Tensor<f32>, fn(f64) -> f64, f64); 7] = [
        ("exp", |t| t.exp(), f64::exp, 3e-7),
        ("tanh", |t| t.tanh(), f64::tanh, 1e-6),
        (
            "sigmoid",
            |t| t.sigmoid(),
            |x| 1.0 / (1.0 + (-x).exp()),
            1e-6,
        ),
        ("expm1", |t| t.expm1(), f64::exp_m1, 1e-6),
        ("erf", |t| t.erf(), |x| libm_erf(x), 1e-6),
        (
            "log",
            |t| t.abs().add_scalar(1e-3).log(),
            |x| (x.abs() + 1e-3).ln(),
            1e-6,
        ),
        ("log1p", |t| t.abs().log1p(), |x| x.abs().ln_1p(), 1e-6),
    ];
    for (name, f, reference, rtol) in fns {
        let got = f(&a).to_f64_vec();
        for (i, (&g, &x)) in got.iter().zip(&av).enumerate() {
            let w = reference(x as f64);
            // 1e-6 absolute slack covers the f32 rounding of the added constants.
            assert!(
                (g - w).abs() <= rtol * w.abs() + 2e-7,
                "{name}({x}) element {i}: {g} vs {w}"
            );
        }
    }
}

fn libm_erf(x: f64) -> f64 {
    <f64 as Element>::erf(x)
}

#[test]
fn special_values_of_unary_functions_f32_and_f64() {
    fn check<T: Element>() {
        let v = |xs: &[f64]| {
            Tensor::<T>::from_vec(xs.iter().map(|&x| T::from_f64(x)).collect(), &[xs.len()])
                .unwrap()
        };
        let inf = f64::INFINITY;
        let e = v(&[1000.0, -1000.0, 0.0, inf, -inf]).exp().to_f64_vec();
        assert_eq!(e, vec![inf, 0.0, 1.0, inf, 0.0], "{:?}", T::DTYPE);
        let l = v(&[0.0, 1.0, inf, -1.0]).log().to_f64_vec();
        assert!(
            l[0] == -inf && l[1] == 0.0 && l[2] == inf && l[3].is_nan(),
            "{l:?}"
        );
        let t = v(&[1000.0, -1000.0, 0.0, inf, -inf]).tanh().to_f64_vec();
        assert_eq!(t, vec![1.0, -1.0, 0.0, 1.0, -1.0]);
        let s = v(&[1000.0, -1000.0, 0.0, inf, -inf]).sigmoid().to_f64_vec();
        assert_eq!(s, vec![1.0, 0.0, 0.5, 1.0, 0.0]);
        let m = v(&[-1000.0, 1000.0, 0.0]).expm1().to_f64_vec();
        assert_eq!(m, vec![-1.0, inf, 0.0]);
        let nan = v(&[f64::NAN]);
        for f in [
            Tensor::<T>::exp,
            Tensor::log,
            Tensor::tanh,
            Tensor::sigmoid,
            Tensor::expm1,
            Tensor::log1p,
            Tensor::erf,
            Tensor::sqrt,
        ] {
            assert!(f(&nan).to_f64_vec()[0].is_nan());
        }
        // Sigmoid gradients at ±1000 are 0, not NaN.
        let x = v(&[1000.0, -1000.0]).requires_grad_(true);
        x.sigmoid().sum().backward().unwrap();
        assert_eq!(x.grad().unwrap().to_f64_vec(), vec![0.0, 0.0]);
        let x = v(&[1000.0, -1000.0]).requires_grad_(true);
        x.tanh().sum().backward().unwrap();
        assert_eq!(x.grad().unwrap().to_f64_vec(), vec![0.0, 0.0]);
    }
    check::<f32>();
    check::<f64>();
}

// ----- argmax/argmin ----------------------------------------------------------------------

#[test]
fn argmax_argmin_ties_and_nan() {
    let x =
        Tensor::<f64>::from_vec(vec![1.0, 3.0, 3.0, 0.0, -1.0, -1.0, 2.0, -1.0], &[2, 4]).unwrap();
    assert_eq!(x.argmax(1), vec![1, 2], "first index on ties");
    assert_eq!(x.argmin(1), vec![3, 0]);
    assert_eq!(x.argmax(0), vec![0, 0, 0, 0]);
    assert_eq!(x.argmin(-2), vec![1, 1, 1, 1]);
    let nan = f64::NAN;
    let y = Tensor::<f64>::from_vec(vec![1.0, nan, 5.0, nan, 7.0, 0.0, 2.0, 3.0, nan], &[3, 3])
        .unwrap();
    assert_eq!(
        y.argmax(1),
        vec![1, 0, 2],
        "NaN counts as the extremum (first NaN)"
    );
    assert_eq!(y.argmin(1), vec![1, 0, 2]);
    let z = Tensor::<f32>::from_vec(vec![nan as f32, 1.0, nan as f32], &[3]).unwrap();
    assert_eq!(z.argmax(0), vec![0]);
    assert_eq!(z.argmin(0), vec![0]);
    // Non-contiguous input.
    assert_eq!(x.t().argmax(0), vec![1, 2]);
    // Large rows.
    let mut big = vec![0.0f32; 100_000];
    big[77_777] = 1.0;
    big[88_888] = 1.0;
    assert_eq!(
        Tensor::from_vec(big, &[100_000]).unwrap().argmax(0),
        vec![77_777]
    );
}

// ----- numerical stability ----------------------------------------------------------------

#[test]
fn logsumexp_is_stable() {
    let want = 1002.0 + (1.0 + (-1f64).exp() + (-2f64).exp()).ln();
    let x = Tensor::<f64>::from_vec(vec![1000.0, 1001.0, 1002.0], &[3]).unwrap();
    assert!((x.logsumexp(&[], false).item().unwrap() - want).abs() < 1e-12);
    let x32 = Tensor::<f32>::from_vec(vec![1000.0, 1001.0, 1002.0], &[3]).unwrap();
    assert!((x32.logsumexp(&[0], false).item().unwrap() as f64 - want).abs() < 1e-3);
    let neg = Tensor::<f64>::from_vec(vec![-1000.0, -1001.0, -1002.0], &[3]).unwrap();
    let want_neg = -1000.0 + (1.0 + (-1f64).exp() + (-2f64).exp()).ln();
    assert!((neg.logsumexp(&[], false).item().unwrap() - want_neg).abs() < 1e-12);
    // A row of −∞ gives −∞; rows are independent.
    let ninf = f64::NEG_INFINITY;
    let m = Tensor::<f64>::from_vec(vec![ninf, ninf, 0.0, 0.0], &[2, 2]).unwrap();
    let r = m.logsumexp(&[1], true);
    assert_eq!(r.shape(), &[2, 1]);
    assert_eq!(r.to_vec(), vec![ninf, 2f64.ln()]);
    // Its gradient is the softmax, finite at large values.
    let x = Tensor::<f64>::from_vec(vec![1000.0, 1001.0, 1002.0], &[3])
        .unwrap()
        .requires_grad_(true);
    x.logsumexp(&[], false).backward().unwrap();
    let g = x.grad().unwrap().to_vec();
    let z: f64 = [-2.0f64, -1.0, 0.0].iter().map(|v| v.exp()).sum();
    assert_close(
        &g,
        &[(-2f64).exp() / z, (-1f64).exp() / z, 1.0 / z],
        1e-12,
        1e-12,
    );
}

#[test]
fn sigmoid_is_stable_at_extremes() {
    for v in [1000.0, -1000.0, 88.0, -88.0, 710.0, -745.0] {
        let s64 = Tensor::<f64>::scalar(v).sigmoid().item().unwrap();
        let s32 = Tensor::<f32>::scalar(v as f32).sigmoid().item().unwrap();
        let want = if v > 0.0 {
            1.0 / (1.0 + (-v).exp())
        } else {
            v.exp() / (1.0 + v.exp())
        };
        assert!(
            s64.is_finite() && (s64 - want).abs() <= 1e-15 * want.max(1e-300),
            "{v}: {s64}"
        );
        assert!(
            s32.is_finite() && (s32 as f64 - want).abs() <= 1e-6 * want + 1e-45,
            "{v}: {s32}"
        );
    }
    assert_eq!(Tensor::<f64>::scalar(1000.0).sigmoid().item().unwrap(), 1.0);
    assert_eq!(
        Tensor::<f64>::scalar(-1000.0).sigmoid().item().unwrap(),
        0.0
    );
}

// ----- constructors -----------------------------------------------------------------------

#[test]
fn seeded_random_is_deterministic() {
    let a = Tensor::<f64>::randn_seeded(&[100], 42);
    let b = Tensor::<f64>::randn(&[100], &mut seeded_rng(42));
    assert_eq!(a.to_vec(), b.to_vec());
    assert_ne!(a.to_vec(), Tensor::<f64>::randn_seeded(&[100], 43).to_vec());
    // One generator continues its stream.
    let mut rng = seeded_rng(7);
    let first = Tensor::<f32>::randn(&[5], &mut rng);
    let second = Tensor::<f32>::randn(&[5], &mut rng);
    assert_ne!(first.to_vec(), second.to_vec());
    let both = Tensor::<f32>::randn(&[10], &mut seeded_rng(7)).to_vec();
    assert_eq!(&both[..5], first.to_vec().as_slice());
    assert_eq!(&both[5..], second.to_vec().as_slice());
    // f32 is the rounding of the same f64 stream.
    let f64s = Tensor::<f64>::randn_seeded(&[8], 9).to_vec();
    let f32s = Tensor::<f32>::randn_seeded(&[8], 9).to_vec();
    assert!(f64s.iter().zip(&f32s).all(|(a, b)| *a as f32 == *b));
    // Moments.
    let big = Tensor::<f64>::normal(&[20_000], 3.0, 2.0, &mut seeded_rng(1));
    let mean = big.mean().item().unwrap();
    let std = big.var(1).item().unwrap().sqrt();
    assert!(
        (mean - 3.0).abs() < 0.05 && (std - 2.0).abs() < 0.05,
        "{mean} {std}"
    );
    let u = Tensor::<f64>::uniform(&[20_000], -2.0, 6.0, &mut seeded_rng(2)).unwrap();
    assert!(u.min().item().unwrap() >= -2.0 && u.max().item().unwrap() < 6.0);
    assert!((u.mean().item().unwrap() - 2.0).abs() < 0.1);
    let r = Tensor::<f32>::rand(&[1000], &mut seeded_rng(3));
    assert!(r.min().item().unwrap() >= 0.0 && r.max().item().unwrap() < 1.0);
}

#[test]
fn arange_linspace_eye_one_hot() {
    assert_eq!(
        Tensor::<f64>::arange(0.0, 5.0, 1.0).unwrap().to_vec(),
        vec![0.0, 1.0, 2.0, 3.0, 4.0]
    );
    assert_eq!(
        Tensor::<f64>::arange(1.0, 2.0, 0.25).unwrap().to_vec(),
        vec![1.0, 1.25, 1.5, 1.75]
    );
    assert_eq!(
        Tensor::<f64>::arange(5.0, 0.0, -2.0).unwrap().to_vec(),
        vec![5.0, 3.0, 1.0]
    );
    assert_eq!(Tensor::<f32>::arange(0.0, 1.0, 0.3).unwrap().numel(), 4);
    assert_eq!(Tensor::<f64>::arange(0.0, -1.0, 1.0).unwrap().numel(), 0);
    let l = Tensor::<f64>::linspace(-1.0, 1.0, 5).to_vec();
    assert_eq!(l, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    assert_eq!(Tensor::<f64>::linspace(2.0, 3.0, 1).to_vec(), vec![2.0]);
    let l = Tensor::<f32>::linspace(0.0, 0.3, 7).to_vec();
    assert_eq!(*l.last().unwrap(), 0.3f32, "end point exact");
    assert_eq!(
        Tensor::<f64>::eye(3).to_vec(),
        vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    );
    let m = Tensor::<f64>::randn_seeded(&[3, 3], 1);
    assert_eq!(Tensor::<f64>::eye(3).matmul(&m).to_vec(), m.to_vec());
    let oh = Tensor::<f32>::one_hot(&[2, 0], 3);
    assert_eq!(oh.shape(), &[2, 3]);
    assert_eq!(oh.to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    assert_eq!(Tensor::<f64>::full(&[2], 7.5).to_vec(), vec![7.5, 7.5]);
    assert_eq!(Tensor::<f64>::scalar(3.0).shape(), &[] as &[usize]);
}

#[test]
fn views_index_and_data_access() {
    let x = Tensor::<f64>::arange(0.0, 24.0, 1.0)
        .unwrap()
        .reshape(&[2, 3, 4]);
    let p = x.permute(&[2, 0, 1]);
    assert_eq!(p.shape(), &[4, 2, 3]);
    assert!(!p.is_contiguous() && p.shares_storage_with(&x));
    assert_eq!(p.get(&[3, 1, 2]).unwrap(), x.get(&[1, 2, 3]).unwrap());
    let pv = p.to_vec();
    for a in 0..4 {
        for b in 0..2 {
            for c in 0..3 {
                assert_eq!(pv[(a * 2 + b) * 3 + c], ((b * 3 + c) * 4 + a) as f64);
            }
        }
    }
    let n = x.try_narrow(2, 1, 2).unwrap();
    assert_eq!(
        n.to_vec(),
        vec![1., 2., 5., 6., 9., 10., 13., 14., 17., 18., 21., 22.]
    );
    assert_eq!(
        n.reshape(&[12]).to_vec(),
        n.to_vec(),
        "reshape of a non-contiguous view copies in order"
    );
    let s = x.slice(1, 2, 3).squeeze(1);
    assert_eq!(s.to_vec(), vec![8., 9., 10., 11., 20., 21., 22., 23.]);
    let c = Tensor::concat(&[&x.slice(0, 1, 2), &x.slice(0, 0, 1)], 0);
    assert_eq!(c.get(&[0, 0, 0]).unwrap(), 12.0);
    let st = Tensor::stack(&[&x, &x], 3);
    assert_eq!(st.shape(), &[2, 3, 4, 2]);
    assert_eq!(st.get(&[1, 2, 3, 1]).unwrap(), 23.0);
    let g = x.gather(2, &[3, 0, 1, 1, 2, 2, 0, 0, 3, 3, 1, 2], &[2, 3, 2]);
    assert_eq!(
        g.to_vec(),
        vec![3., 0., 5., 5., 10., 10., 12., 12., 19., 19., 21., 22.]
    );
    let i = x.index_select(1, &[2, 0]);
    assert_eq!(i.get(&[1, 0, 1]).unwrap(), 21.0);
    assert_eq!(i.get(&[1, 1, 1]).unwrap(), 13.0);
    // update_data is visible through views; assign copies values.
    let y = Tensor::<f64>::zeros(&[2, 2]);
    let yt = y.t();
    y.update_data(|d| d.copy_from_slice(&[1.0, 2.0, 3.0, 4.0]))
        .unwrap();
    assert_eq!(yt.to_vec(), vec![1.0, 3.0, 2.0, 4.0]);
    y.assign(&yt.contiguous()).unwrap();
    assert_eq!(y.to_vec(), vec![1.0, 3.0, 2.0, 4.0]);
    // cast round trip and with_contiguous_data on a view.
    assert_eq!(x.cast::<f32>().cast::<f64>().to_vec(), x.to_vec());
    assert_eq!(p.with_contiguous_data(|d| d.to_vec()), pv);
    // broadcast_to shares storage and reads correctly.
    let r = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2, 1])
        .unwrap()
        .broadcast_to(&[2, 3]);
    assert_eq!(r.to_vec(), vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    // Comparison masks and where.
    let a = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
    let b = Tensor::<f64>::from_vec(vec![3.0, 2.0, 1.0], &[3]).unwrap();
    assert_eq!(a.lt(&b).to_vec(), vec![1.0, 0.0, 0.0]);
    assert_eq!(a.le(&b).to_vec(), vec![1.0, 1.0, 0.0]);
    assert_eq!(a.eq(&b).to_vec(), vec![0.0, 1.0, 0.0]);
    assert_eq!(a.ne(&b).to_vec(), vec![1.0, 0.0, 1.0]);
    assert_eq!(a.gt(&b).to_vec(), vec![0.0, 0.0, 1.0]);
    assert_eq!(a.ge(&b).to_vec(), vec![0.0, 1.0, 1.0]);
    assert_eq!(a.gt_scalar(1.5).to_vec(), vec![0.0, 1.0, 1.0]);
    assert_eq!(
        Tensor::where_(&a.lt(&b), &a, &b).to_vec(),
        vec![1.0, 2.0, 1.0]
    );
    // var with correction 0 vs 1, norm, dot.
    let v = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]).unwrap();
    assert_eq!(v.var(0).item().unwrap(), 1.25);
    assert!((v.var(1).item().unwrap() - 5.0 / 3.0).abs() < 1e-15);
    assert!((v.norm().item().unwrap() - 30f64.sqrt()).abs() < 1e-15);
    assert_eq!(v.dot(&v).item().unwrap(), 30.0);
}

#[test]
fn large_matmul_backward_with_broadcast_seed_and_3d_broadcast() {
    // Big enough for the parallel GEMM; the seed from sum() reaches matmul's backward as a
    // stride-0 view.
    let a = Tensor::<f64>::randn_seeded(&[200, 150], 21).requires_grad_(true);
    let b = Tensor::<f64>::randn_seeded(&[150, 100], 22).requires_grad_(true);
    a.matmul(&b).sum().backward().unwrap();
    let bv = b.to_vec();
    let row_sums: Vec<f64> = (0..150)
        .map(|p| bv[p * 100..(p + 1) * 100].iter().sum())
        .collect();
    let ga = a.grad().unwrap().to_vec();
    for i in 0..200 {
        assert_close(&ga[i * 150..(i + 1) * 150], &row_sums, 1e-10, 1e-10);
    }
    let av = a.to_vec();
    let col_sums: Vec<f64> = (0..150)
        .map(|p| (0..200).map(|i| av[i * 150 + p]).sum())
        .collect();
    let gb = b.grad().unwrap().to_vec();
    for p in 0..150 {
        assert!(gb[p * 100..(p + 1) * 100]
            .iter()
            .all(|&g| (g - col_sums[p]).abs() < 1e-10));
    }
    // 3-D broadcasting on the parallel path: [64, 30, 40] + [30, 1] and · [40].
    let x = Tensor::<f32>::randn_seeded(&[64, 30, 40], 23);
    let y = Tensor::<f32>::randn_seeded(&[30, 1], 24);
    let z = Tensor::<f32>::randn_seeded(&[40], 25);
    let got = (&(&x + &y) * &z).to_vec();
    let (xv, yv, zv) = (x.to_vec(), y.to_vec(), z.to_vec());
    for i in 0..64 {
        for j in 0..30 {
            for k in 0..40 {
                let at = (i * 30 + j) * 40 + k;
                assert_eq!(got[at], (xv[at] + yv[j]) * zv[k], "({i},{j},{k})");
            }
        }
    }
    // Permuted big operand through the parallel broadcasting path.
    let xp = x.permute(&[1, 0, 2]); // [30, 64, 40]
    let got = (&xp - &y.reshape(&[30, 1, 1])).to_vec();
    for j in 0..30 {
        for i in 0..64 {
            for k in 0..40 {
                assert_eq!(
                    got[(j * 64 + i) * 40 + k],
                    xv[(i * 30 + j) * 40 + k] - yv[j]
                );
            }
        }
    }
}
