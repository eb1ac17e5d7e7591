//! The `--quick` study writes a complete report directory, deterministically.

use std::path::PathBuf;

use myelin_lab::study::report::{
    SIGNAL_LAYERS_HEADER, SIGNAL_SUMMARY_HEADER, TRAINING_CURVES_HEADER, TRAINING_LAYERS_HEADER,
};
use myelin_lab::study::{run_study, StudyConfig, StudyOptions};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myelin-lab-study-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn options(dir: &std::path::Path) -> StudyOptions {
    StudyOptions {
        out_dir: dir.to_path_buf(),
        progress: false,
        resume: false,
    }
}

#[test]
fn quick_study_writes_every_file() {
    let dir = scratch("quick");
    let config = StudyConfig::quick();
    let (results, summary) = run_study(&config, &options(&dir)).unwrap();
    assert_eq!(results.signal.len(), 4 * 2 * 2);
    assert!(!results.training.is_empty());

    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    assert_eq!(
        read("signal_layers.csv").lines().next().unwrap(),
        SIGNAL_LAYERS_HEADER
    );
    assert_eq!(
        read("signal_summary.csv").lines().next().unwrap(),
        SIGNAL_SUMMARY_HEADER
    );
    assert_eq!(
        read("training_curves.csv").lines().next().unwrap(),
        TRAINING_CURVES_HEADER
    );
    assert_eq!(
        read("training_layers.csv").lines().next().unwrap(),
        TRAINING_LAYERS_HEADER
    );
    assert_eq!(
        read("signal_summary.csv").lines().count(),
        1 + results.signal.len()
    );
    let signal: serde_json::Value = serde_json::from_str(&read("signal.json")).unwrap();
    assert_eq!(signal.as_array().unwrap().len(), results.signal.len());
    serde_json::from_str::<serde_json::Value>(&read("training.json")).unwrap();
    serde_json::from_str::<StudyConfig>(&read("config.json")).unwrap();

    let report = read("report.md");
    for activation in &config.activations {
        assert!(
            report.contains(activation.as_str()),
            "report.md does not mention {activation}"
        );
    }
    for section in [
        "## Signal propagation",
        "## Ranking",
        "## Training on digits",
        "## Guidance",
        "## Plots",
    ] {
        assert!(report.contains(section), "missing {section}");
    }
    for plot in [
        "plots/grad_norm_relu.svg",
        "plots/grad_norm_all.svg",
        "plots/grad_ratio_vs_depth.svg",
        "plots/hist_tanh__xavier_normal.svg",
        "plots/training_loss_d4.svg",
        "plots/training_accuracy_d4.svg",
        "plots/training_contrasts.svg",
        "plots/training_grad_norms.svg",
        "plots/dead_units_training.svg",
    ] {
        let svg = read(plot);
        assert!(
            svg.starts_with("<svg") || svg.contains("<svg"),
            "{plot} is not SVG"
        );
        assert!(report.contains(plot), "report.md does not link {plot}");
    }
    // Every finished configuration also has its own file, and no temporary is left.
    let runs = std::fs::read_dir(dir.join("runs/signal")).unwrap().count();
    assert_eq!(runs, results.signal.len());
    let leftovers = walk(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "tmp"))
        .count();
    assert_eq!(leftovers, 0);
    assert!(summary.contains("relu") && summary.contains("report.md"));
}

fn walk(dir: &PathBuf) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn studies_are_deterministic_and_resumable() {
    let mut config = StudyConfig::quick();
    config.activations = vec!["relu".into(), "tanh".into()];
    config.depths = vec![4];
    config.training.depths = vec![3];
    config.training.contrasts = false;
    config.training.epochs = 1;
    let a_dir = scratch("det-a");
    let b_dir = scratch("det-b");
    let (a, _) = run_study(&config, &options(&a_dir)).unwrap();
    let (b, _) = run_study(&config, &options(&b_dir)).unwrap();
    assert_eq!(a.signal, b.signal);
    assert_eq!(a.training.len(), b.training.len());
    for (x, y) in a.training.iter().zip(&b.training) {
        assert_eq!(
            format!("{:?}", x.epochs),
            format!("{:?}", y.epochs),
            "NaN-aware equality"
        );
    }
    assert_eq!(
        std::fs::read_to_string(a_dir.join("signal_layers.csv")).unwrap(),
        std::fs::read_to_string(b_dir.join("signal_layers.csv")).unwrap()
    );
    // Resuming reuses the finished per-configuration files and gives the same report data.
    let mut resume = options(&a_dir);
    resume.resume = true;
    let (c, _) = run_study(&config, &resume).unwrap();
    // JSON floats round-trip to within an ulp (serde_json's default parser).
    assert_eq!(a.signal.len(), c.signal.len());
    let near = |x: f64, y: f64| x == y || (x - y).abs() <= 1e-14 * x.abs().max(y.abs());
    for (x, y) in a.signal.iter().zip(&c.signal) {
        assert_eq!(
            (&x.activation, &x.init, x.depth, x.seed),
            (&y.activation, &y.init, y.depth, y.seed)
        );
        assert!(near(x.log10_grad_ratio, y.log10_grad_ratio));
        for (p, q) in x.layers.iter().zip(&y.layers) {
            assert!(
                near(p.grad_norm, q.grad_norm)
                    && near(p.q, q.q)
                    && p.dead_fraction == q.dead_fraction
            );
        }
    }
}

#[test]
fn config_files_in_toml_and_json() {
    let dir = scratch("config");
    std::fs::create_dir_all(&dir).unwrap();
    let toml_path = dir.join("study.toml");
    std::fs::write(
        &toml_path,
        "activations = [\"elu\"]\ndepths = [3]\n[training]\nenabled = false\n",
    )
    .unwrap();
    let c = StudyConfig::load(&toml_path).unwrap();
    assert_eq!(c.activations, vec!["elu"]);
    assert!(!c.training.enabled);
    let json_path = dir.join("study.json");
    std::fs::write(
        &json_path,
        r#"{"inits": ["orthogonal(gain=1.5)"], "seeds": [4]}"#,
    )
    .unwrap();
    let c = StudyConfig::load(&json_path).unwrap();
    assert_eq!(c.inits, vec!["orthogonal(gain=1.5)"]);
    std::fs::write(&json_path, r#"{"activations": ["softmax"]}"#).unwrap();
    assert!(StudyConfig::load(&json_path).is_err());
    std::fs::write(&json_path, r#"{"inits": ["glorot"]}"#).unwrap();
    assert!(StudyConfig::load(&json_path).is_err());
}
