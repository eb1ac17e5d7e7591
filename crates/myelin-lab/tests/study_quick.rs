//! The `--quick` study writes a complete report directory, deterministically.

mod common;
use common::*;

use std::path::PathBuf;

use myelin_lab::study::report::ReportData;
use myelin_lab::study::report::{
    SIGNAL_LAYERS_HEADER, SIGNAL_SUMMARY_HEADER, TRAINING_CURVES_HEADER, TRAINING_LAYERS_HEADER,
};
use myelin_lab::study::{run_study, Role, StudyConfig};

#[test]
fn quick_study_writes_every_file() {
    let dir = scratch("quick");
    let config = StudyConfig::quick();
    let (results, summary) = run_study(&config, &quiet(&dir)).unwrap();
    assert_eq!(results.signal.len(), 4 * 2 * 2);
    assert!(!results.training.is_empty());

    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    for (file, header) in [
        ("signal_layers.csv", SIGNAL_LAYERS_HEADER),
        ("signal_summary.csv", SIGNAL_SUMMARY_HEADER),
        ("training_curves.csv", TRAINING_CURVES_HEADER),
        ("training_layers.csv", TRAINING_LAYERS_HEADER),
    ] {
        assert_eq!(read(file).lines().next().unwrap(), header, "{file}");
    }
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

    // The HTML page: the same sections as report.md, every plot inline, nothing remote.
    let html = read("report.html");
    for line in report.lines().filter(|l| l.starts_with("## ")) {
        let title = line.trim_start_matches("## ");
        assert!(
            html.contains(&format!("{title}</a></li>")),
            "contents lack {title}"
        );
        assert!(
            html.contains(&format!("{title}</h2>")),
            "page lacks {title}"
        );
    }
    let figures = html.matches("<figure id=\"plot-").count();
    let listed = report.lines().filter(|l| l.starts_with("- [")).count();
    assert_eq!(
        figures, listed,
        "one inline figure per plot listed in report.md"
    );
    assert_eq!(html.matches("<svg ").count(), figures);
    assert!(html.matches("<table class=\"sortable\">").count() >= 4);
    let without_svg_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_svg_ns.contains("http"),
        "report.html refers to the network"
    );
    // The ranking's numbers appear in both renderings.
    for row in report.lines().filter(|l| l.starts_with("| 1 | ")) {
        let activation = row.split(" | ").nth(1).unwrap();
        assert!(html.contains(&format!("<tr><td>1</td><td>{activation}</td>")));
    }
    let manifest: serde_json::Value = serde_json::from_str(&read("manifest.json")).unwrap();
    assert_eq!(manifest["kind"], "study");
    assert_eq!(manifest["myelin_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["config"], serde_json::to_value(&config).unwrap());
    assert_eq!(manifest["seeds"]["signal"], serde_json::json!([0]));
    let phases: Vec<&str> = manifest["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["signal", "training", "theory checks", "report"]);
    assert!(manifest["threads"].as_u64().unwrap() >= 1);
    assert!(manifest["machine"]["logical_cores"].as_u64().unwrap() >= 1);
    assert!(manifest["started_at"].as_str().unwrap().ends_with('Z'));
}

/// `ReportData` computes the same numbers as the CSV files of the run hold.
#[test]
fn report_data_matches_the_csv_outputs() {
    let dir = scratch("report-data");
    let mut config = StudyConfig::quick();
    config.seeds = vec![0, 1];
    let (results, _) = run_study(&config, &quiet(&dir)).unwrap();
    let data = ReportData::new(&results);
    let csv = std::fs::read_to_string(dir.join("signal_summary.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut per_cell: std::collections::BTreeMap<(String, String, usize), Vec<f64>> =
        Default::default();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        per_cell
            .entry((
                f[0].to_string(),
                f[1].to_string(),
                f[col("depth")].parse().unwrap(),
            ))
            .or_default()
            .push(f[col("log10_grad_ratio")].parse().unwrap());
    }
    assert_eq!(per_cell.len(), data.cells.len());
    for ((a, i, d), values) in &per_cell {
        assert_eq!(values.len(), 2, "two seeds");
        let cell = data.cell(a, i, *d).unwrap();
        let mean = (values[0] + values[1]) / 2.0;
        let (m, sd) = cell.measured();
        assert!((m - mean).abs() < 1e-12, "{a} {i} {d}: {m} vs {mean}");
        let expected_sd = (values[0] - values[1]).abs() / 2f64.sqrt();
        assert!((sd - expected_sd).abs() < 1e-12);
    }
    // The ranking is ordered by |measured| and every row is its activation's flattest cell.
    assert_eq!(data.ranking.len(), config.activations.len());
    assert!(data
        .ranking
        .windows(2)
        .all(|w| w[0].score() <= w[1].score()));
    for v in &data.ranking {
        let flattest = per_cell
            .iter()
            .filter(|((a, _, d), _)| *a == v.activation && *d == data.deepest)
            .map(|(_, vals)| ((vals[0] + vals[1]) / 2.0).abs())
            .fold(f64::INFINITY, f64::min);
        assert!((v.measured.abs() - flattest).abs() < 1e-12, "{v:?}");
    }
    // Regime rows count every cell of their depth.
    for row in &data.regimes {
        let cells = per_cell.keys().filter(|k| k.2 == row.depth).count();
        assert_eq!(row.total, cells);
        assert_eq!(
            row.vanishing + row.stable + row.exploding + row.non_finite,
            cells
        );
    }
    // Trained accuracies are the last finite validation accuracy of training_curves.csv.
    let curves = std::fs::read_to_string(dir.join("training_curves.csv")).unwrap();
    for v in &data.ranking {
        let (init, acc) = v.trained.clone().expect("every activation is trained");
        let run = results
            .training
            .iter()
            .find(|r| r.config.role == Role::Recommended && r.config.activation == v.activation)
            .unwrap();
        assert_eq!(init, run.config.init);
        let last: f64 = curves
            .lines()
            .filter(|l| l.starts_with(&format!("{},", run.config.name)))
            .rfind(|l| l.split(',').nth(10).unwrap() != "NaN")
            .unwrap()
            .split(',')
            .nth(11)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(acc, last);
    }
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
    let (a, _) = run_study(&config, &quiet(&a_dir)).unwrap();
    let (b, _) = run_study(&config, &quiet(&b_dir)).unwrap();
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
    let mut resume = quiet(&a_dir);
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
    let toml_path = write_scratch_file(
        "config",
        "study.toml",
        "activations = [\"elu\"]\ndepths = [3]\n[training]\nenabled = false\n",
    );
    let dir = toml_path.parent().unwrap().to_path_buf();
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
