//! Mean-field predictions against closed forms, through the activation specs.

use myelin_lab::predict_activation;
use myelin_lab::probe::sigma_w2;

#[test]
fn relu_chi_is_half_sigma_w2() {
    for s in [0.5, 1.0, 2.0, 2.5] {
        let p = predict_activation(&"relu".parse().unwrap(), s, 10).unwrap();
        for &chi in &p.chi {
            assert!((chi - s / 2.0).abs() < 1e-12, "{chi} vs {}", s / 2.0);
        }
        let expected = 4.5 * (s / 2.0f64).log10();
        assert!((p.log10_grad_ratio - expected).abs() < 1e-10);
    }
}

#[test]
fn identity_chi_is_sigma_w2_and_leaky_relu_matches() {
    let p = predict_activation(&"identity".parse().unwrap(), 1.3, 7).unwrap();
    assert!(p.chi.iter().all(|&c| (c - 1.3).abs() < 1e-12));
    // Leaky ReLU: χ = σ_w²(1 + a²)/2.
    let a = 0.2f64;
    let p = predict_activation(&"leaky_relu(slope=0.2)".parse().unwrap(), 2.0, 5).unwrap();
    assert!(p.chi.iter().all(|&c| (c - (1.0 + a * a)).abs() < 1e-10));
}

#[test]
fn known_depth_fifty_predictions() {
    let pred = |act: &str, init: &str| {
        let a = act.parse().unwrap();
        let s = sigma_w2(&init.parse().unwrap(), &a, 256).unwrap();
        predict_activation(&a, s, 50).unwrap().log10_grad_ratio
    };
    assert!(pred("relu", "kaiming_normal").abs() < 1e-10);
    assert!((pred("relu", "xavier_normal") + 7.375).abs() < 1e-3);
    assert!((pred("sigmoid", "xavier_normal") + 30.8).abs() < 0.1);
    assert!((pred("tanh", "xavier_normal") + 0.92).abs() < 0.02);
    // Orthogonal: σ_w² = gain² = 1; torch_default: 1/3.
    let relu = "relu".parse().unwrap();
    assert!((sigma_w2(&"orthogonal".parse().unwrap(), &relu, 256).unwrap() - 1.0).abs() < 1e-12);
    assert!(
        (sigma_w2(&"torch_default".parse().unwrap(), &relu, 256).unwrap() - 1.0 / 3.0).abs()
            < 1e-12
    );
    // gain=auto resolves to the activation's moment-preserving gain: √2 for ReLU.
    assert!(
        (sigma_w2(&"lecun_normal(gain=auto)".parse().unwrap(), &relu, 256).unwrap() - 2.0).abs()
            < 1e-9
    );
}

#[test]
fn selu_lecun_is_at_its_fixed_point() {
    let p = predict_activation(&"selu".parse().unwrap(), 1.0, 30).unwrap();
    assert!(p.q.iter().all(|&q| (q - 1.0).abs() < 1e-3), "{:?}", p.q);
}
