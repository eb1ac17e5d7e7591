//! The edge of chaos, depth scales, biases and non-finite detection, checked against closed
//! forms and an independent integration (a fine trapezoid rule written here, not the
//! adaptive Gauss–Kronrod quadrature the library uses).

use myelin_lab::critical::{critical_point, depth_scales, resolve_init};
use myelin_lab::probe::{probe, Precision, ProbeConfig};
use myelin_lab::LabError;

/// `E[f(z)]`, `z ~ N(0, 1)`, by the trapezoid rule on [−12, 12] with 240 001 points.
fn trapezoid(f: impl Fn(f64) -> f64) -> f64 {
    let n = 240_000;
    let h = 24.0 / n as f64;
    let norm = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    (0..=n)
        .map(|i| {
            let z = -12.0 + i as f64 * h;
            let w = if i == 0 || i == n { 0.5 } else { 1.0 };
            w * f(z) * (-0.5 * z * z).exp() * norm
        })
        .sum::<f64>()
        * h
}

fn sech2(x: f64) -> f64 {
    1.0 - x.tanh().powi(2)
}

fn config(act: &str, init: &str, depth: usize, bias_std: f64) -> ProbeConfig {
    ProbeConfig {
        activation: act.parse().unwrap(),
        init: init.parse().unwrap(),
        depth,
        width: 256,
        batch: 64,
        seed: 0,
        precision: Precision::F64,
        bias_std,
    }
}

#[test]
fn relu_is_critical_only_at_kaiming_without_bias() {
    let relu = "relu".parse().unwrap();
    let point = critical_point(&relu, 0.0).unwrap();
    assert!((point.sigma_w2 - 2.0).abs() < 1e-9, "{point:?}");
    assert_eq!(point.sigma_b2, 0.0);
    let error = critical_point(&relu, 0.1).unwrap_err();
    assert!(matches!(error, LabError::NoEdgeOfChaos { .. }));
    let message = error.to_string();
    assert!(
        message.contains("`relu`") && message.contains("0.1") && message.contains("homogeneous"),
        "{message}"
    );
    // Leaky ReLU: σ_w² = 2/(1 + slope²).
    let leaky = critical_point(&"leaky_relu(slope=0.2)".parse().unwrap(), 0.0).unwrap();
    assert!((leaky.sigma_w2 - 2.0 / 1.04).abs() < 1e-9, "{leaky:?}");
}

#[test]
fn tanh_edge_of_chaos_satisfies_both_conditions_under_an_independent_integration() {
    let tanh = "tanh".parse().unwrap();
    let origin = critical_point(&tanh, 0.0).unwrap();
    assert!((origin.sigma_w2 - 1.0).abs() < 1e-9 && origin.q_star == 0.0);
    let mut previous = 1.0;
    for sigma_b2 in [0.01, 0.05, 0.3, 1.0] {
        let p = critical_point(&tanh, sigma_b2).unwrap();
        let root = p.q_star.sqrt();
        let q_next = p.sigma_w2 * trapezoid(|z| (root * z).tanh().powi(2)) + sigma_b2;
        let chi_1 = p.sigma_w2 * trapezoid(|z| sech2(root * z).powi(2));
        assert!(
            (q_next - p.q_star).abs() < 1e-8,
            "σ_b²={sigma_b2}: {p:?}, q → {q_next}"
        );
        assert!((chi_1 - 1.0).abs() < 1e-8, "σ_b²={sigma_b2}: χ₁ = {chi_1}");
        // Attracting: χ_q = σ_w² E[φ'² + φφ''] with φ'' = −2 tanh sech².
        let chi_q = p.sigma_w2
            * trapezoid(|z| {
                let x = root * z;
                sech2(x).powi(2) - 2.0 * x.tanh().powi(2) * sech2(x)
            });
        assert!(
            (p.chi_q - chi_q).abs() < 1e-5 && chi_q < 1.0,
            "{p:?} vs {chi_q}"
        );
        assert!(p.sigma_w2 > previous, "the curve rises with σ_b²");
        previous = p.sigma_w2;
    }
    // Schoenholz et al. (2017) Fig. 1: σ_b² = 0.05 → σ_w² ≈ 1.76 (1.76095 by the check above).
    let p = critical_point(&tanh, 0.05).unwrap();
    assert!((p.sigma_w2 - 1.76095).abs() < 1e-4, "{p:?}");
}

#[test]
fn gelu_and_silu_have_only_repelling_critical_points() {
    for act in ["gelu", "silu"] {
        for sigma_b2 in [0.0, 0.09] {
            let error = critical_point(&act.parse().unwrap(), sigma_b2).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(act) && message.contains("repelling"),
                "{act}: {message}"
            );
        }
    }
    let error = resolve_init(
        &"kaiming_normal(gain=critical)".parse().unwrap(),
        &"gelu".parse().unwrap(),
        0.0,
        16,
        16,
    )
    .unwrap_err();
    assert!(matches!(error, LabError::NoEdgeOfChaos { .. }), "{error}");
}

#[test]
fn depth_scales_match_closed_forms() {
    // Ordered phase with q* = 0 or c* = 1: χ_c = χ₁ and ξ_c = −1/ln χ₁.
    let relu = depth_scales(&"relu".parse().unwrap(), 1.0, 0.0).unwrap();
    assert!((relu.chi_1 - 0.5).abs() < 1e-9 && relu.c_star == 1.0);
    assert!((relu.xi_c - 1.0 / 2f64.ln()).abs() < 1e-8, "{relu:?}");
    let tanh = "tanh".parse().unwrap();
    let ordered = depth_scales(&tanh, 0.5, 0.0).unwrap();
    assert!((ordered.xi_c - 1.0 / 2f64.ln()).abs() < 1e-6, "{ordered:?}");
    // ξ_c diverges at the edge of chaos from both sides.
    let critical = critical_point(&tanh, 0.05).unwrap().sigma_w2;
    let xi = |s: f64| depth_scales(&tanh, s, 0.05).unwrap().xi_c;
    assert!(xi(critical) > 1e6, "ξ_c at the edge = {}", xi(critical));
    assert!(xi(critical * 0.98) > xi(critical * 0.8));
    let chaotic_near = depth_scales(&tanh, critical * 1.02, 0.05).unwrap();
    let chaotic_far = depth_scales(&tanh, critical * 1.5, 0.05).unwrap();
    assert!(chaotic_near.c_star < 1.0 && chaotic_far.c_star < chaotic_near.c_star);
    assert!(
        chaotic_near.xi_c > chaotic_far.xi_c,
        "{chaotic_near:?} {chaotic_far:?}"
    );
    // Cauchy–Schwarz: E[φ'(u₁)φ'(u₂)] < E[φ'²] when c* < 1, so χ_c < χ₁.
    assert!(chaotic_far.chi_c < chaotic_far.chi_1);
}

#[test]
fn critical_init_keeps_gradients_flat_at_depth_100() {
    for (act, bias_std) in [("tanh", 0.3), ("relu", 0.0)] {
        let result = probe(&config(act, "kaiming_normal(gain=critical)", 100, bias_std)).unwrap();
        let point = result.theory.critical.expect("has an edge of chaos");
        assert!((result.theory.sigma_w2 - point.sigma_w2).abs() < 1e-9 * point.sigma_w2);
        assert!(
            result.theory.log10_grad_ratio.abs() < 0.2,
            "{act}: theory {}",
            result.theory.log10_grad_ratio
        );
        assert!(
            result.log10_grad_ratio.abs() < 0.6,
            "{act}: measured {}",
            result.log10_grad_ratio
        );
        let scales = result.theory.depth_scales.expect("fixed point");
        assert!(scales.xi_c > 1e4, "{act}: {scales:?}");
    }
    // Kaiming (σ_w² = 2) with tanh and σ_b = 0.3 is chaotic, ordinary xavier ordered: both
    // leave the flat band the critical gain stays in.
    let chaotic = probe(&config("tanh", "kaiming_normal", 100, 0.3)).unwrap();
    assert!(chaotic.theory.depth_scales.unwrap().chi_1 > 1.0);
    let notes = chaotic.to_table();
    assert!(notes.contains("xi_c") && notes.contains("edge of chaos at sigma_b^2 = 0.09"));
}

#[test]
fn probe_reports_activations_without_an_edge_of_chaos() {
    let result = probe(&config("gelu", "kaiming_normal", 10, 0.0)).unwrap();
    assert!(result.theory.critical.is_none());
    let reason = result.theory.no_critical_reason.as_deref().unwrap();
    assert!(reason.contains("repelling"), "{reason}");
    assert!(result.to_table().contains("no edge of chaos"));
    let error = probe(&config("gelu", "kaiming_normal(gain=critical)", 10, 0.0)).unwrap_err();
    assert!(
        error.to_string().contains("`gelu` has no edge of chaos"),
        "{error}"
    );
}

#[test]
fn biases_enter_the_network_and_the_theory() {
    let without = probe(&config("tanh", "xavier_normal", 12, 0.0)).unwrap();
    let with = probe(&config("tanh", "xavier_normal", 12, 0.5)).unwrap();
    // q_1 = σ_w² + σ_b² = 1 + 0.25 in theory, and measured within sampling error.
    assert!((with.theory.q[0] - 1.25).abs() < 1e-12 && (without.theory.q[0] - 1.0).abs() < 1e-12);
    assert!(
        (with.layers[0].q - 1.25).abs() < 0.1,
        "{}",
        with.layers[0].q
    );
    for (l, (m, t)) in with.layers.iter().zip(&with.theory.q).enumerate() {
        assert!((m.q - t).abs() < 0.3 * t, "layer {}: {} vs {t}", l + 1, m.q);
    }
    assert!(with.theory.q[11] > 2.0 * without.theory.q[11]);
    let bad = probe(&config("tanh", "xavier_normal", 12, -1.0)).unwrap_err();
    assert!(bad.to_string().contains("bias_std"), "{bad}");
}

#[test]
fn f32_probe_names_the_first_non_finite_layers() {
    // σ_w² = 128·1 per layer for ReLU: the std grows 8× per layer and overflows f32 (3.4e38)
    // after about 40 layers; gradients grow the same way backwards from the top.
    let mut c = config("relu", "normal(1.0)", 60, 0.0);
    c.width = 128;
    c.batch = 16;
    c.precision = Precision::F32;
    let result = probe(&c).unwrap();
    let forward = result.first_nonfinite_layer.expect("forward overflows");
    assert!(
        (30..50).contains(&forward),
        "first non-finite layer {forward}"
    );
    assert!(result.layers[forward - 2].q.is_finite());
    assert!(!result.layers[forward - 1].q.is_finite());
    let backward = result
        .first_nonfinite_grad_layer
        .expect("gradients overflow");
    assert!(!result.layers[backward - 1].grad_norm.is_finite());
    assert!(result.layers[backward..]
        .iter()
        .all(|s| s.grad_norm.is_finite()));
    assert!(result
        .to_table()
        .contains(&format!("first non-finite values: layer {forward}")));
    c.precision = Precision::F64;
    c.depth = 20;
    let fine = probe(&c).unwrap();
    assert_eq!(
        (fine.first_nonfinite_layer, fine.first_nonfinite_grad_layer),
        (None, None)
    );
}

#[test]
fn phase_grid_agrees_with_the_edge_of_chaos() {
    use myelin_lab::phase::{phase_boundary_chart, phase_grid, phase_grid_csv, Phase};
    let tanh = "tanh".parse().unwrap();
    let grid = phase_grid(&tanh, &[1.5, 2.0], &[0.05]).unwrap();
    // The edge at σ_b² = 0.05 is σ_w² ≈ 1.761.
    assert_eq!(grid[0].phase, Phase::Ordered, "{:?}", grid[0]);
    assert_eq!(grid[1].phase, Phase::Chaotic, "{:?}", grid[1]);
    let relu = phase_grid(&"relu".parse().unwrap(), &[1.0, 3.0], &[0.0]).unwrap();
    assert!((relu[0].chi_1 - 0.5).abs() < 1e-9 && relu[0].phase == Phase::Ordered);
    assert_eq!(relu[1].phase, Phase::Divergent);
    let csv = phase_grid_csv(&grid);
    assert!(
        csv.starts_with("sigma_w2,sigma_b2,chi_1,phase\n1.5,0.05,"),
        "{csv}"
    );
    let chart = phase_boundary_chart(&[tanh, "gelu".parse().unwrap()], &[0.01, 0.05, 0.1])
        .unwrap()
        .render_svg()
        .unwrap();
    assert!(
        chart.svg.contains("tanh") && chart.skipped_points == 0,
        "{}",
        chart.skipped_points
    );
}
