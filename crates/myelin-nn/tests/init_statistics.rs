//! Initialisers: distribution statistics, orthogonality, seeding, fans and gains.

use myelin_nn::init::{self, FanMode, InitKind, InitSpec};
use myelin_nn::NnError;
use myelin_tensor::{seeded_rng, Tensor};

fn std_of(t: &Tensor<f64>) -> f64 {
    t.var(0).item().unwrap().sqrt()
}

fn assert_std(t: &Tensor<f64>, expected: f64, what: &str) {
    let s = std_of(t);
    assert!(
        (s - expected).abs() < 0.03 * expected,
        "{what}: std {s}, expected {expected}"
    );
    let mean = t.mean().item().unwrap();
    assert!(mean.abs() < 0.03 * expected, "{what}: mean {mean}");
}

#[test]
fn fan_based_initialisers_have_the_right_spread() {
    let mut rng = seeded_rng(0);
    let w = || Tensor::<f64>::zeros(&[256, 128]); // fan_in 128, fan_out 256
    let x = w();
    init::xavier_uniform_(&x, 1.0, &mut rng).unwrap();
    assert_std(&x, (2.0f64 / 384.0).sqrt(), "xavier_uniform");
    assert!(x.abs().max().item().unwrap() <= (6.0f64 / 384.0).sqrt());
    let x = w();
    init::xavier_normal_(&x, 2.0, &mut rng).unwrap();
    assert_std(&x, 2.0 * (2.0f64 / 384.0).sqrt(), "xavier_normal gain 2");
    let x = w();
    init::kaiming_normal_(&x, 0.0, FanMode::FanIn, "relu", &mut rng).unwrap();
    assert_std(&x, (2.0f64 / 128.0).sqrt(), "kaiming_normal fan_in");
    let x = w();
    init::kaiming_normal_(&x, 0.0, FanMode::FanOut, "relu", &mut rng).unwrap();
    assert_std(&x, (2.0f64 / 256.0).sqrt(), "kaiming_normal fan_out");
    let x = w();
    init::kaiming_uniform_(&x, 0.2, FanMode::FanIn, "leaky_relu", &mut rng).unwrap();
    let gain = (2.0f64 / 1.04).sqrt();
    assert_std(&x, gain / 128f64.sqrt(), "kaiming_uniform leaky");
    assert!(x.abs().max().item().unwrap() <= gain * (3.0f64 / 128.0).sqrt());
    let x = w();
    init::lecun_normal_(&x, &mut rng).unwrap();
    assert_std(&x, 1.0 / 128f64.sqrt(), "lecun_normal");
    let x = w();
    init::lecun_uniform_(&x, &mut rng).unwrap();
    assert_std(&x, 1.0 / 128f64.sqrt(), "lecun_uniform");
}

#[test]
fn plain_distributions() {
    let mut rng = seeded_rng(1);
    let x = Tensor::<f64>::zeros(&[256, 256]);
    init::uniform_(&x, 2.0, 4.0, &mut rng).unwrap();
    let v = x.to_vec();
    assert!(v.iter().all(|&a| (2.0..4.0).contains(&a)));
    assert!((x.mean().item().unwrap() - 3.0).abs() < 0.01);
    init::normal_(&x, -1.0, 0.5, &mut rng).unwrap();
    assert!((x.mean().item().unwrap() + 1.0).abs() < 0.01);
    assert!((std_of(&x) - 0.5).abs() < 0.015);
    init::constant_(&x, 0.5).unwrap();
    assert!(x.to_vec().iter().all(|&a| a == 0.5));
    init::ones_(&x).unwrap();
    assert_eq!(x.sum().item().unwrap(), 65536.0);
    init::zeros_(&x).unwrap();
    assert_eq!(x.abs().sum().item().unwrap(), 0.0);
    assert!(init::uniform_(&x, 1.0, 0.0, &mut rng).is_err());
    assert!(init::normal_(&x, 0.0, -1.0, &mut rng).is_err());
}

/// ∫ f over [a, b] by Simpson's rule with 20000 panels (independent of the library).
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let n = 20_000;
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    s * h / 3.0
}

#[test]
fn truncated_normal_matches_the_truncated_moments() {
    let phi = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    for (mean, std, a, b) in [
        (0.0, 1.0, -1.0, 1.0),
        (0.0, 1.0, 3.0, 4.0),
        (1.0, 2.0, 0.0, 10.0),
    ] {
        let x = Tensor::<f64>::zeros(&[200, 500]);
        init::trunc_normal_(&x, mean, std, a, b, &mut seeded_rng(2)).unwrap();
        let v = x.to_vec();
        assert!(v.iter().all(|&u| (a..=b).contains(&u)));
        let density = |u: f64| phi((u - mean) / std) / std;
        let mass = simpson(density, a, b);
        let m1 = simpson(|u| u * density(u), a, b) / mass;
        let m2 = simpson(|u| (u - m1).powi(2) * density(u), a, b) / mass;
        let got_mean = x.mean().item().unwrap();
        let got_var = x.var(0).item().unwrap();
        assert!(
            (got_mean - m1).abs() < 0.01 * m2.sqrt() + 1e-3,
            "{a}..{b}: mean {got_mean} vs {m1}"
        );
        assert!(
            (got_var - m2).abs() < 0.03 * m2,
            "{a}..{b}: var {got_var} vs {m2}"
        );
    }
    let x = Tensor::<f64>::zeros(&[3]);
    assert!(init::trunc_normal_(&x, 0.0, 1.0, 1.0, 1.0, &mut seeded_rng(0)).is_err());
    assert!(init::trunc_normal_(&x, 0.0, 0.0, -1.0, 1.0, &mut seeded_rng(0)).is_err());
}

fn max_deviation_from_identity(m: &Tensor<f64>) -> f64 {
    let n = m.shape()[0];
    (m - &Tensor::eye(n)).abs().max().item().unwrap()
}

#[test]
fn orthogonal_gives_orthonormal_rows_or_columns() {
    let mut rng = seeded_rng(3);
    let square = Tensor::<f64>::zeros(&[64, 64]);
    init::orthogonal_(&square, 1.0, &mut rng).unwrap();
    assert!(max_deviation_from_identity(&square.t().matmul(&square)) < 1e-12);
    assert!(max_deviation_from_identity(&square.matmul(&square.t())) < 1e-12);
    let wide = Tensor::<f64>::zeros(&[30, 50]);
    init::orthogonal_(&wide, 1.0, &mut rng).unwrap();
    assert!(max_deviation_from_identity(&wide.matmul(&wide.t())) < 1e-12);
    let tall = Tensor::<f64>::zeros(&[50, 30]);
    init::orthogonal_(&tall, 2.0, &mut rng).unwrap();
    let gram = tall.t().matmul(&tall).div_scalar(4.0);
    assert!(max_deviation_from_identity(&gram) < 1e-12);
    // Higher-dimensional weights are flattened to [shape[0], rest].
    let conv = Tensor::<f64>::zeros(&[4, 2, 3]);
    init::orthogonal_(&conv, 1.0, &mut rng).unwrap();
    let flat = conv.reshape(&[4, 6]);
    assert!(max_deviation_from_identity(&flat.matmul(&flat.t())) < 1e-12);
    assert!(init::orthogonal_(&Tensor::<f64>::zeros(&[5]), 1.0, &mut rng).is_err());
}

#[test]
fn orthogonal_is_sign_corrected_so_the_diagonal_is_unbiased() {
    // Haar-distributed Q has E[Q_ii] = 0; an uncorrected QR factor would not.
    let mut rng = seeded_rng(4);
    let mut sum = 0.0;
    let draws = 2000;
    for _ in 0..draws {
        let q = Tensor::<f64>::zeros(&[4, 4]);
        init::orthogonal_(&q, 1.0, &mut rng).unwrap();
        let v = q.to_vec();
        sum += v[0] + v[5] + v[10] + v[15];
    }
    let mean = sum / (4 * draws) as f64;
    assert!(mean.abs() < 0.025, "{mean}");
}

#[test]
fn same_seed_same_weights() {
    for spec in [
        "xavier_normal",
        "kaiming_uniform",
        "orthogonal",
        "normal(0.02)",
        "torch_default",
        "lecun_uniform",
    ] {
        let spec: InitSpec = spec.parse().unwrap();
        let draw = |seed| {
            let w = Tensor::<f32>::zeros(&[16, 8]);
            spec.init_(&w, None, &mut seeded_rng(seed)).unwrap();
            w.to_vec()
        };
        assert_eq!(draw(5), draw(5), "{spec}");
        assert_ne!(draw(5), draw(6), "{spec}");
    }
}

#[test]
fn fans_follow_pytorch() {
    assert_eq!(
        init::calculate_fan_in_and_fan_out(&[10, 4]).unwrap(),
        (4, 10)
    );
    assert_eq!(
        init::calculate_fan_in_and_fan_out(&[8, 3, 5, 5]).unwrap(),
        (75, 200)
    );
    assert!(init::calculate_fan_in_and_fan_out(&[3]).is_err());
    assert!(init::calculate_fan_in_and_fan_out(&[]).is_err());
    assert_eq!("fan_out".parse::<FanMode>().unwrap(), FanMode::FanOut);
    assert!("fan_avg".parse::<FanMode>().is_err());
    let x = Tensor::<f64>::zeros(&[4]);
    assert!(init::xavier_normal_(&x, 1.0, &mut seeded_rng(0)).is_err());
    assert!(init::kaiming_normal_(
        &Tensor::<f64>::zeros(&[4, 4]),
        0.0,
        FanMode::FanIn,
        "swish",
        &mut seeded_rng(0)
    )
    .is_err());
}

#[test]
fn pytorch_gains_are_exact() {
    let g = |name: &str, p: Option<f64>| init::calculate_gain(name, p).unwrap();
    for name in [
        "linear",
        "identity",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose2d",
        "sigmoid",
    ] {
        assert_eq!(g(name, None), 1.0);
    }
    assert_eq!(g("tanh", None), 5.0 / 3.0);
    assert_eq!(g("relu", None), 2f64.sqrt());
    assert_eq!(g("leaky_relu", None), (2.0 / (1.0 + 0.01f64 * 0.01)).sqrt());
    assert_eq!(g("leaky_relu", Some(0.2)), (2.0 / 1.04f64).sqrt());
    assert_eq!(g("selu", None), 0.75);
    let err = init::calculate_gain("gelu", None).unwrap_err();
    assert!(err.to_string().contains("gelu"));
}

#[test]
fn auto_gain_comes_from_the_activations_crate() {
    let gain = |s: &str| init::auto_gain(&s.parse().unwrap());
    assert!((gain("relu").unwrap() - 2f64.sqrt()).abs() < 1e-12);
    assert!((gain("identity").unwrap() - 1.0).abs() < 1e-12);
    assert!((gain("selu").unwrap() - 1.0).abs() < 1e-6);
    assert!((gain("tanh").unwrap() - 1.592_537).abs() < 1e-6);
    assert!(gain("softmax").is_err());
}

#[test]
fn init_specs_parse_print_and_sample() {
    let spec: InitSpec = "normal(0.02)".parse().unwrap();
    assert_eq!(spec.kind, InitKind::Normal { std: 0.02 });
    let w = Tensor::<f64>::zeros(&[256, 256]);
    spec.init_(&w, None, &mut seeded_rng(0)).unwrap();
    assert_std(&w, 0.02, "normal(0.02)");
    let spec: InitSpec = "torch_default".parse().unwrap();
    spec.init_(&w, None, &mut seeded_rng(0)).unwrap();
    assert!(w.abs().max().item().unwrap() <= 1.0 / 16.0);
    assert_std(&w, 1.0 / 16.0 / 3f64.sqrt(), "torch_default");
    let spec: InitSpec = "orthogonal(gain=auto)".parse().unwrap();
    spec.init_(&w, Some(&"relu".parse().unwrap()), &mut seeded_rng(0))
        .unwrap();
    let gram = w.t().matmul(&w).div_scalar(2.0);
    assert!(max_deviation_from_identity(&gram) < 1e-10);
    let spec: InitSpec = "lecun_normal(gain=2)".parse().unwrap();
    spec.init_(&w, None, &mut seeded_rng(0)).unwrap();
    assert_std(&w, 2.0 / 16.0, "lecun_normal gain 2");
    for text in [
        "xavier_normal",
        "kaiming_normal(gain=auto)",
        "lecun_uniform",
        "normal(0.02, gain=2)",
    ] {
        assert_eq!(text.parse::<InitSpec>().unwrap().to_string(), text);
    }
    let err = "glorot".parse::<InitSpec>().unwrap_err();
    assert!(matches!(err, NnError::UnknownInit { .. }));
    assert!(err.to_string().contains("lecun_uniform"));
    assert!(matches!(
        "normal(-1)".parse::<InitSpec>(),
        Err(NnError::InvalidInitSpec { .. })
    ));
    assert!(spec
        .init_(&Tensor::<f64>::zeros(&[3]), None, &mut seeded_rng(0))
        .is_err());
}
