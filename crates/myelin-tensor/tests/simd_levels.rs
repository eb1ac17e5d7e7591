//! The kernels give bitwise identical results at every SIMD level this CPU can run
//! (`kernels::dispatch`; NaN counts as one value), and `MYELIN_SIMD` forces a level.
//!
//! One test switches the process-wide level, so this file holds a single level-switching
//! test (tests in one binary run on parallel threads).

use myelin_tensor::simd::{set_simd_level, simd_level, SimdLevel};
use myelin_tensor::{grad, Element, Tensor};

/// A sweep over [-110, 110] (exp overflows and underflows at both ends) with odd length,
/// so the chunked parallel path and the vector tails both run, plus special values.
fn inputs<T: Element>() -> Vec<T> {
    let n = 70_001;
    let mut v: Vec<T> = (0..n)
        .map(|i| T::from_f64(-110.0 + 220.0 * i as f64 / (n - 1) as f64))
        .collect();
    // Dense near zero, where the small-argument branches of expm1/log1p/erf/tanh switch.
    v.extend((0..4001).map(|i| T::from_f64((i as f64 - 2000.0) * 3.7e-4)));
    v.extend(
        [
            0.0,
            -0.0,
            1e-40,
            -1e-40,
            1e-30,
            88.72,
            88.73,
            -103.97,
            -103.98,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            f64::MIN,
        ]
        .map(T::from_f64),
    );
    v
}

/// Bit patterns of `t`, every NaN mapped to one pattern: which NaN an operation returns
/// (its sign and payload) depends on operand order, which the compiler may commute
/// differently per instruction set; Rust leaves it unspecified.
fn bits<T: Element>(t: &Tensor<T>) -> Vec<u64> {
    t.to_vec()
        .iter()
        .map(|&v| {
            let f = v.to_f64();
            if f.is_nan() {
                u64::MAX
            } else if T::DTYPE == myelin_tensor::DType::F32 {
                (f as f32).to_bits() as u64
            } else {
                f.to_bits()
            }
        })
        .collect()
}

/// Every kernel family, by name: unary maps (the fastmath functions), binary maps
/// (same-shape, scalar and row broadcasting, a strided operand), the fused backward
/// (`zip3`), and the sum reductions (full, leading dims, last dim).
fn results<T: Element>() -> Vec<(&'static str, Vec<u64>)> {
    let values = inputs::<T>();
    let n = values.len();
    let x = Tensor::from_vec(values, &[n]).unwrap();
    let positive = x.abs();
    let cols = 251;
    let rows = (n / cols).min(280);
    let m = x
        .try_narrow(0, 0, rows * cols)
        .unwrap()
        .reshape(&[rows, cols]);
    let bias = Tensor::from_vec(
        (0..cols)
            .map(|i| T::from_f64(i as f64 * 0.37 - 40.0))
            .collect(),
        &[cols],
    )
    .unwrap();
    let xg = x.detach().requires_grad_(true);
    let y = xg.tanh().sum();
    let tanh_grad = grad(&[y], std::slice::from_ref(&xg), None, false).unwrap();
    let xs = x.mul_scalar(0.01);
    vec![
        ("exp", bits(&x.exp())),
        ("log", bits(&positive.log())),
        ("log1p", bits(&positive.log1p())),
        ("expm1", bits(&x.expm1())),
        ("tanh", bits(&x.tanh())),
        ("sigmoid", bits(&x.sigmoid())),
        ("erf", bits(&x.erf())),
        ("erfc", bits(&x.erfc())),
        ("relu", bits(&x.relu())),
        ("x * x", bits(&(&x * &x))),
        ("x * 0.3", bits(&x.mul_scalar(0.3))),
        ("maximum", bits(&x.maximum(&x.neg()))),
        ("row + bias", bits(&(&m + &bias))),
        ("column - row", bits(&(&m.t() - &bias.reshape(&[cols, 1])))),
        ("tanh backward", bits(&tanh_grad[0])),
        ("sum", bits(&xs.sum())),
        ("sum dim 0", bits(&m.mul_scalar(0.01).sum_dims(&[0], false))),
        ("sum dim 1", bits(&m.mul_scalar(0.01).sum_dims(&[1], false))),
    ]
}

fn compare_levels<T: Element>(levels: &[SimdLevel]) {
    set_simd_level(SimdLevel::Baseline).unwrap();
    let reference = results::<T>();
    for &level in levels {
        set_simd_level(level).unwrap();
        assert_eq!(simd_level(), level);
        for ((name, want), (_, got)) in reference.iter().zip(results::<T>()) {
            assert_eq!(want.len(), got.len());
            let first_difference = want.iter().zip(&got).position(|(a, b)| a != b);
            assert!(
                first_difference.is_none(),
                "{name} ({}) differs at level {level} from baseline at index {:?}",
                T::DTYPE,
                first_difference
            );
        }
    }
}

#[test]
fn every_supported_level_gives_bitwise_identical_results() {
    let levels = SimdLevel::supported();
    eprintln!("levels on this CPU: {levels:?}");
    compare_levels::<f32>(&levels);
    compare_levels::<f64>(&levels);
    for level in SimdLevel::ALL {
        if !level.is_supported() {
            let err = set_simd_level(level).unwrap_err();
            assert!(err.contains(level.name()), "{err}");
        }
    }
    set_simd_level(SimdLevel::detected()).unwrap();
}

/// Run in a child process by `myelin_simd_selects_the_level`: prints the level in use.
#[test]
#[ignore = "run by myelin_simd_selects_the_level in a child process"]
fn child_reports_level() {
    println!("level={}", simd_level());
}

fn child_level(env: &str) -> (String, String) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_reports_level", "--nocapture"])
        .env("MYELIN_SIMD", env)
        .output()
        .unwrap();
    assert!(out.status.success());
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn myelin_simd_selects_the_level() {
    for level in SimdLevel::supported() {
        let (stdout, _) = child_level(level.name());
        assert!(stdout.contains(&format!("level={level}")), "{stdout}");
    }
    let (stdout, _) = child_level("sse2");
    assert!(stdout.contains("level=baseline"), "{stdout}");
    let best = SimdLevel::detected();
    let (stdout, stderr) = child_level("avx9000");
    assert!(stdout.contains(&format!("level={best}")), "{stdout}");
    assert!(
        stderr.contains("MYELIN_SIMD=\"avx9000\" is not a SIMD level"),
        "{stderr}"
    );
    if best < SimdLevel::Avx512 {
        let (stdout, stderr) = child_level("avx512");
        assert!(stdout.contains(&format!("level={best}")), "{stdout}");
        assert!(stderr.contains("not supported by this CPU"), "{stderr}");
    }
}
