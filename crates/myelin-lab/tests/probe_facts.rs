//! The known facts at sizes that run in seconds, with tolerances from the theory.
//!
//! At finite width N the log gradient ratio fluctuates around the mean-field value with a
//! standard deviation that grows like √(L/N) (each layer multiplies the squared norm by an
//! independent factor with relative spread ~ √(2/N)); at L = 20, N = 128 that is ≈ 0.1–0.3
//! decades, so ±0.6 decades is a ≥ 2σ band.

use myelin_lab::probe::{draw_tensors, probe, Precision, ProbeConfig};
use myelin_lab::stats::tensor_norm;
use myelin_lab::theory::Regime;
use myelin_tensor::{grad, Tensor};

fn config(act: &str, init: &str, depth: usize, width: usize, seed: u64) -> ProbeConfig {
    ProbeConfig {
        activation: act.parse().unwrap(),
        init: init.parse().unwrap(),
        depth,
        width,
        batch: width,
        seed,
        precision: Precision::F64,
        bias_std: 0.0,
    }
}

fn close(measured: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (measured - expected).abs() <= tolerance,
        "{what}: measured {measured}, expected {expected} ± {tolerance}"
    );
}

#[test]
fn relu_kaiming_is_stable_and_xavier_vanishes_like_the_theory() {
    let k = probe(&config("relu", "kaiming_normal", 20, 128, 0)).unwrap();
    close(k.theory.log10_grad_ratio, 0.0, 1e-9, "theory relu+kaiming");
    close(k.log10_grad_ratio, 0.0, 0.5, "relu+kaiming");
    assert_eq!(k.regime, Regime::Stable);
    let x = probe(&config("relu", "xavier_normal", 20, 128, 0)).unwrap();
    // χ = ½ per layer: ½·19·log10(½) = −2.86 decades.
    close(
        x.theory.log10_grad_ratio,
        9.5 * 0.5f64.log10(),
        1e-9,
        "theory relu+xavier",
    );
    close(
        x.log10_grad_ratio,
        x.theory.log10_grad_ratio,
        0.6,
        "relu+xavier",
    );
    assert_eq!(x.regime, Regime::Vanishing);
}

#[test]
fn sigmoid_vanishes_and_tanh_decays_slowly() {
    let s = probe(&config("sigmoid", "xavier_normal", 20, 128, 1)).unwrap();
    assert!(
        s.theory.log10_grad_ratio < -11.0,
        "{}",
        s.theory.log10_grad_ratio
    );
    close(
        s.log10_grad_ratio,
        s.theory.log10_grad_ratio,
        0.6,
        "sigmoid+xavier",
    );
    let t = probe(&config("tanh", "xavier_normal", 20, 128, 1)).unwrap();
    close(
        t.log10_grad_ratio,
        t.theory.log10_grad_ratio,
        0.4,
        "tanh+xavier",
    );
    assert!(t.log10_grad_ratio < 0.0 && t.log10_grad_ratio > -1.0);
}

#[test]
fn selu_lecun_self_normalises_at_every_layer() {
    let r = probe(&config("selu", "lecun_normal", 20, 128, 2)).unwrap();
    for s in &r.layers {
        // Sampling error of a mean over B·N = 16384 unit-variance values is ~0.01, and the
        // fixed point is approached from q_1 = 1 exactly.
        assert!(
            s.act_mean.abs() < 0.08,
            "layer {}: mean {}",
            s.layer,
            s.act_mean
        );
        assert!(
            (0.8..1.2).contains(&s.act_var),
            "layer {}: var {}",
            s.layer,
            s.act_var
        );
    }
}

#[test]
fn relu_units_die_with_depth() {
    let r = probe(&config("relu", "kaiming_normal", 20, 128, 0)).unwrap();
    assert_eq!(
        r.layers[0].dead_fraction, 0.0,
        "a random first layer has no dead units"
    );
    let last = r.layers.last().unwrap().dead_fraction;
    assert!(
        (0.1..0.5).contains(&last),
        "dead fraction at layer 20: {last}"
    );
    let t = probe(&config("tanh", "xavier_normal", 20, 128, 0)).unwrap();
    assert!(
        t.layers.iter().all(|s| s.dead_fraction == 0.0),
        "tanh units are never all ≤ 0"
    );
}

#[test]
fn exploding_and_overflowing_stacks_are_classified() {
    // normal(1) on ReLU: σ_w² = N = 64, χ = 32 per layer.
    let r = probe(&config("relu", "normal(1)", 10, 64, 0)).unwrap();
    close(
        r.theory.log10_grad_ratio,
        4.5 * 32f64.log10(),
        1e-9,
        "theory",
    );
    assert_eq!(r.regime, Regime::Exploding);
    close(
        r.log10_grad_ratio,
        r.theory.log10_grad_ratio,
        0.6,
        "relu+normal(1)",
    );
    // Forward values of ~1e100 after 60 layers still give finite norms in f64.
    let deep = probe(&config("identity", "normal(1)", 60, 32, 0)).unwrap();
    assert!(deep
        .layers
        .iter()
        .all(|s| s.q.is_finite() && s.grad_norm.is_finite()));
    assert!(deep.layers.last().unwrap().q > 1e80);
}

#[test]
fn probes_are_deterministic_per_seed_and_differ_across_seeds() {
    let a = probe(&config("gelu", "orthogonal", 8, 48, 5)).unwrap();
    let b = probe(&config("gelu", "orthogonal", 8, 48, 5)).unwrap();
    assert_eq!(a, b);
    let c = probe(&config("gelu", "orthogonal", 8, 48, 6)).unwrap();
    assert_ne!(a.layers, c.layers);
}

#[test]
fn hook_gradient_norms_equal_a_direct_grad_computation() {
    let cfg = config("tanh", "xavier_normal", 6, 24, 3);
    let r = probe(&cfg).unwrap();
    // Rebuild the same tensors and ask grad() for ∂Loss/∂H_l and ∂Loss/∂W_l directly.
    let (weights, x, readout) = draw_tensors::<f64>(&cfg).unwrap();
    let mut hs: Vec<Tensor<f64>> = Vec::new();
    let mut y = x;
    for w in &weights {
        let h = y.matmul(&w.t());
        y = h.tanh();
        hs.push(h);
    }
    let loss = (&y * &readout).sum();
    let mut inputs = hs.clone();
    inputs.extend(weights.iter().cloned());
    let grads = grad(&[loss], &inputs, None, false).unwrap();
    for (l, stats) in r.layers.iter().enumerate() {
        let direct = tensor_norm(&grads[l]);
        close(
            stats.grad_norm,
            direct,
            1e-12 * direct,
            "hook vs grad() for ∂L/∂H",
        );
        let direct_w = tensor_norm(&grads[hs.len() + l]);
        close(stats.weight_grad_norm, direct_w, 1e-12 * direct_w, "∂L/∂W");
    }
}

#[test]
fn f32_probe_agrees_with_f64_on_a_stable_stack() {
    let mut cfg = config("relu", "kaiming_normal", 10, 64, 0);
    let a = probe(&cfg).unwrap();
    cfg.precision = Precision::F32;
    let b = probe(&cfg).unwrap();
    close(a.log10_grad_ratio, b.log10_grad_ratio, 1e-3, "f32 vs f64");
}

#[test]
fn csv_and_json_outputs() {
    let r = probe(&config("relu", "kaiming_normal", 3, 16, 0)).unwrap();
    let csv = r.to_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "layer,q,act_mean,act_var,grad_norm,weight_grad_norm,dead_fraction"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][0], 3.0);
    assert_eq!(
        rows[1][4], r.layers[1].grad_norm,
        "CSV numbers round-trip exactly"
    );
    let json: serde_json::Value = serde_json::from_str(&r.to_json().unwrap()).unwrap();
    assert_eq!(json["layers"].as_array().unwrap().len(), 3);
    assert!(json["log10_grad_ratio"].is_number());
    assert!(json["theory"]["log10_grad_ratio"].is_number());
    assert_eq!(json["regime"], "Stable");
    assert!(r.to_table().contains("mean-field prediction"));
}

#[test]
fn invalid_configurations_are_errors() {
    let mut cfg = config("relu", "kaiming_normal", 0, 16, 0);
    assert!(probe(&cfg).is_err());
    cfg.depth = 2;
    cfg.activation = "softmax".parse().unwrap();
    assert!(probe(&cfg).is_err());
}
