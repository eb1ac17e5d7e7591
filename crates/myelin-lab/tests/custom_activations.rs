//! User-defined activations in the lab: a configuration file defines one by name, the study
//! probes and trains it beside the built-ins with the theory's critical initialisation, and
//! the probe of an `expr(...)` at its edge of chaos keeps gradients flat over 100 layers.

mod common;
use common::*;

use myelin_lab::critical::critical_point;
use myelin_lab::probe::{probe, Precision, ProbeConfig};
use myelin_lab::study::arch::Arch;
use myelin_lab::study::{run_study, training_init, StudyConfig};

#[test]
fn a_config_file_defines_custom_activations_that_the_study_probes_and_trains() {
    let path = write_scratch_file(
        "study",
        "study.toml",
        r#"
activations = ["relu", "lab_mish", "expr(x * sigmoid(1.702 * x))"]
inits = ["kaiming_normal"]
depths = [4]
widths = [16]
seeds = [0]
histogram_samples = 64

[custom_activations]
lab_mish = "x * tanh(softplus(x))"

[training]
enabled = false

[tuning]
lrs = [1e-3, 1e-2]
seeds = [0, 1]
epochs = 1
patience = 1
max_train_samples = 200
identity_baseline = false

[tuning.depths]
mlp = [2]

[spectrum]
enabled = false

[trainability]
enabled = false
"#,
    );
    let mut config = StudyConfig::load(&path).unwrap();
    config.tuning.width = 8;
    let out = path.with_file_name("out");
    let options = quiet(&out);
    let (results, _) = run_study(&config, &options).unwrap();
    let probed: Vec<&str> = results
        .signal
        .iter()
        .map(|s| s.activation.as_str())
        .collect();
    assert!(probed.contains(&"lab_mish"), "{probed:?}");
    assert!(
        probed.contains(&"expr(x * sigmoid(1.702 * x))"),
        "{probed:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let configurations = summary["configurations"].as_array().unwrap();
    for name in ["lab_mish", "expr(x * sigmoid(1.702 * x))"] {
        let c = configurations
            .iter()
            .find(|c| c["activation"] == name)
            .unwrap_or_else(|| panic!("{name} not trained: {configurations:?}"));
        // No edge of chaos (like GELU/SiLU): the theory's flattest Kaiming gain, not 1.
        let init = c["init"].as_str().unwrap();
        assert!(init.starts_with("kaiming_normal(gain="), "{name}: {init}");
        assert!(c["test_accuracy_mean"].as_f64().unwrap() > 0.0, "{c}");
        assert_eq!(c["arch"], Arch::Mlp.as_str());
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("lab_mish"));
    // The same name with another expression is refused, naming it.
    let mut clash = config.clone();
    clash
        .custom_activations
        .insert("lab_mish".into(), "x * tanh(x)".into());
    let message = clash.validate().unwrap_err().to_string();
    assert!(
        message.contains("lab_mish") && message.contains("already registered"),
        "{message}"
    );
    // A parse error in the file names the column.
    std::fs::write(&path, "[custom_activations]\nbroken = \"x * (x\"\n").unwrap();
    let message = StudyConfig::load(&path).unwrap_err().to_string();
    assert!(
        message.contains("custom_activations.broken") && message.contains("column 7"),
        "{message}"
    );
}

#[test]
fn an_expression_at_its_edge_of_chaos_keeps_gradients_flat_over_100_layers() {
    let spec = "expr(tanh(x) + 0.1 * sin(x))";
    let activation = spec.parse().unwrap();
    let point = critical_point(&activation, 0.01).unwrap();
    let init = training_init(&activation, "critical", 0.1).unwrap();
    assert_eq!(init.to_string(), "kaiming_normal(gain=critical)");
    let result = probe(&ProbeConfig {
        activation,
        init: "xavier_normal(gain=critical)".parse().unwrap(),
        depth: 100,
        width: 256,
        batch: 64,
        seed: 0,
        precision: Precision::F64,
        bias_std: 0.1,
    })
    .unwrap();
    assert!(point.sigma_w2 > 1.0 && point.sigma_w2 < 1.5, "{point:?}");
    assert!(
        result.log10_grad_ratio.abs() < 0.5,
        "measured log10(G1/GL) = {}",
        result.log10_grad_ratio
    );
    assert!(
        (result.log10_grad_ratio - result.theory.log10_grad_ratio).abs() < 0.3,
        "{} vs {}",
        result.log10_grad_ratio,
        result.theory.log10_grad_ratio
    );
}

/// `x·σ(2x)` (swish with β = 2) as a Rust function with its derivative chain.
struct Swish2(u8);

impl myelin_tensor::UnaryFn<f64> for Swish2 {
    fn name(&self) -> &'static str {
        "swish2"
    }
    fn f(&self, x: f64) -> f64 {
        let s = 1.0 / (1.0 + (-2.0 * x).exp());
        let ds = 2.0 * s * (1.0 - s);
        match self.0 {
            0 => x * s,
            1 => s + x * ds,
            _ => 2.0 * ds + x * 2.0 * ds * (1.0 - 2.0 * s),
        }
    }
    fn df(&self, x: f64, _y: f64) -> f64 {
        Swish2(self.0 + 1).f(x)
    }
    fn derivative(&self) -> Option<std::sync::Arc<dyn myelin_tensor::UnaryFn<f64>>> {
        (self.0 == 0).then(|| std::sync::Arc::new(Swish2(1)) as _)
    }
}

#[test]
fn a_rust_function_registered_with_the_lab_matches_the_builtin_it_reimplements() {
    myelin_lab::register_activation("lab_swish2", std::sync::Arc::new(Swish2(0)), &[]).unwrap();
    let config = |act: &str| ProbeConfig {
        activation: act.parse().unwrap(),
        init: "kaiming_normal".parse().unwrap(),
        depth: 20,
        width: 64,
        batch: 32,
        seed: 3,
        precision: Precision::F64,
        bias_std: 0.0,
    };
    let ours = probe(&config("lab_swish2")).unwrap();
    let builtin = probe(&config("swish(beta=2)")).unwrap();
    assert!(
        (ours.log10_grad_ratio - builtin.log10_grad_ratio).abs() < 1e-9,
        "{} vs {}",
        ours.log10_grad_ratio,
        builtin.log10_grad_ratio
    );
    assert!((ours.theory.log10_grad_ratio - builtin.theory.log10_grad_ratio).abs() < 1e-9);
    assert_eq!(ours.activation, "lab_swish2");
}
