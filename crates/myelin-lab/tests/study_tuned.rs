//! The tuned comparison of `--quick`: its sections, `tuned.csv`, `sweep.csv` and
//! `summary.json` agree with each other and with the report data, and the generated
//! recommendations never contradict the table.

mod common;
use common::*;

use myelin_lab::study::report::tuned::{contradictions, SWEEP_HEADER, TUNED_HEADER};
use myelin_lab::study::report::ReportData;
use myelin_lab::study::{run_study, Role, StudyConfig};

#[test]
fn quick_study_writes_the_tuned_comparison_and_the_claims() {
    let dir = scratch("quick");
    let config = StudyConfig::quick();
    let options = quiet(&dir);
    let (results, _) = run_study(&config, &options).unwrap();
    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let report = read("report.md");
    for section in [
        "## Tuned comparison",
        "## Claims of the seed article, tested",
        "## Guidance",
    ] {
        assert!(report.contains(section), "missing {section}");
    }
    let data = ReportData::new(&results);
    let sweep_runs = results
        .training
        .iter()
        .filter(|r| r.config.role == Role::Sweep)
        .count();
    let u = &config.tuning;
    let cells = data.tuned.cells.len();
    assert_eq!(sweep_runs, cells * u.learning_rates().len() * u.seeds.len());
    // Every architecture of the configuration is there.
    for arch in u.depths.keys() {
        assert!(
            data.tuned.cells.iter().any(|c| c.arch == *arch),
            "{arch} missing"
        );
    }

    // tuned.csv and summary.json hold the same numbers as the report data.
    let tuned = read("tuned.csv");
    assert_eq!(tuned.lines().next().unwrap(), TUNED_HEADER);
    assert_eq!(tuned.lines().count(), 1 + cells);
    assert_eq!(read("sweep.csv").lines().next().unwrap(), SWEEP_HEADER);
    assert_eq!(
        read("sweep.csv").lines().count(),
        1 + cells * u.learning_rates().len()
    );
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    assert_eq!(summary["schema"], "myelin-study-summary/1");
    let configurations = summary["configurations"].as_array().unwrap();
    assert_eq!(configurations.len(), cells);
    let header: Vec<&str> = TUNED_HEADER.split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (line, (json, cell)) in tuned
        .lines()
        .skip(1)
        .zip(configurations.iter().zip(&data.tuned.cells))
    {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(json["activation"], f[col("activation")]);
        assert_eq!(json["init"], f[col("init")]);
        assert_eq!(json["arch"], f[col("arch")]);
        assert_eq!(json["depth"].as_u64().unwrap().to_string(), f[col("depth")]);
        let lr: f64 = f[col("chosen_lr")].parse().unwrap();
        assert!((json["chosen_lr"].as_f64().unwrap() - lr).abs() <= 1e-6 * lr);
        assert_eq!(json["chosen_lr"].as_f64().unwrap(), cell.chosen_lr);
        let seeds: Vec<u64> = json["seeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap())
            .collect();
        assert_eq!(seeds, u.seeds);
        assert_eq!(f[col("seeds")], "0;1");
        let mean = json["test_accuracy_mean"].as_f64().unwrap();
        let per_seed = json_numbers(&json["test_accuracy"]);
        assert!((mean - per_seed.iter().sum::<f64>() / per_seed.len() as f64).abs() < 1e-12);
        let csv_mean: f64 = f[col("test_accuracy_mean")].parse().unwrap();
        assert!((mean - csv_mean).abs() < 1e-5, "{mean} vs {csv_mean}");
        // Two seeds: half-width = t(0.975, 1) · |a − b| / 2.
        let half = 12.706_204_736 * (per_seed[0] - per_seed[1]).abs() / 2.0;
        match json["ci95"].as_f64() {
            Some(ci) => assert!((ci - half).abs() < 1e-6, "{ci} vs {half}"),
            None => panic!("two seeds give a finite interval"),
        }
        assert_eq!(json["rank"].as_u64().unwrap().to_string(), f[col("rank")]);
        // The chosen rate has the best seed-mean validation accuracy of the sweep.
        let best_val = cell
            .sweep
            .iter()
            .map(|p| p.val_accuracy)
            .fold(f64::MIN, f64::max);
        let chosen = cell.sweep.iter().find(|p| p.lr == cell.chosen_lr).unwrap();
        assert_eq!(chosen.val_accuracy, best_val);
    }
    // Recommendations and claims.
    assert_eq!(contradictions(&data.tuned), Vec::<String>::new());
    let overall = data.tuned.overall.as_ref().unwrap();
    assert_eq!(
        summary["recommendation"]["activation"],
        overall.activation.as_str()
    );
    assert!(report.contains(&format!("**Start with** {}:", overall.activation)));
    let claims = summary["claims"].as_array().unwrap();
    let ids: Vec<&str> = claims.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
    for (c, claim) in claims.iter().zip(&data.tuned.claims) {
        assert_eq!(c["verdict"], claim.verdict.as_str());
        assert!(report.contains(&format!("| ({}) |", claim.id)));
        assert!(!claim.evidence.is_empty());
    }
    // The quick grid has identity MLPs: claim (a) is measured, and an identity MLP is affine.
    assert_ne!(data.tuned.claims[0].verdict.as_str(), "not tested");
    let identity = results
        .training
        .iter()
        .find(|r| r.config.activation == "identity")
        .unwrap();
    assert!(
        identity.midpoint_residual < 1e-4,
        "{}",
        identity.midpoint_residual
    );
    let relu = results
        .training
        .iter()
        .find(|r| {
            r.config.activation == "relu"
                && r.config.role == Role::Sweep
                && r.config.arch == myelin_lab::study::Arch::Mlp
        })
        .unwrap();
    assert!(relu.midpoint_residual > 1e-3, "{}", relu.midpoint_residual);
    // Every sweep run records test numbers and stops early or at the budget.
    for r in results
        .training
        .iter()
        .filter(|r| r.config.role == Role::Sweep)
    {
        assert!(r.epochs.len() <= u.epochs + 1);
        assert!(r
            .epochs
            .iter()
            .all(|e| e.test_accuracy.is_finite() || e.val_loss.is_nan()));
    }
}
