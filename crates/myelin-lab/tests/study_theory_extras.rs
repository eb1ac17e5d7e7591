//! The study's Jacobian spectra and trainability heat map: files, report sections, plots,
//! and resume.

mod common;
use common::*;

use myelin_lab::spectrum::{SpectrumResult, SUMMARY_HEADER};
use myelin_lab::study::{run_study, StudyConfig, StudyOptions};
use myelin_lab::trainability::{TrainabilityResult, CSV_HEADER};

/// The quick study without training and with a one-cell signal grid: only the extras cost.
fn config() -> StudyConfig {
    let mut c = StudyConfig::quick();
    c.activations = vec!["tanh".into()];
    c.inits = vec!["xavier_normal".into()];
    c.depths = vec![3];
    c.training.enabled = false;
    c
}

#[test]
fn spectra_and_heat_map_reach_the_files_and_the_report() {
    let dir = scratch("files");
    let options = quiet(&dir);
    let (results, _) = run_study(&config(), &options).unwrap();
    let extras = &results.extras;
    // 4 configurations × the quick depths 4 and 16.
    assert_eq!(extras.spectra.len(), 8);
    let t = extras.trainability.as_ref().expect("heat map");
    assert_eq!(t.cells.len(), 3 * 2);

    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let summary = read("spectra_summary.csv");
    assert_eq!(summary.lines().next().unwrap(), SUMMARY_HEADER);
    assert_eq!(summary.lines().count(), 1 + 8);
    // The CSV holds the same numbers as the JSON.
    let json: Vec<SpectrumResult> = serde_json::from_str(&read("spectra.json")).unwrap();
    assert_eq!(json, extras.spectra);
    let first: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(first[7].parse::<f64>().unwrap(), json[0].mean_sq);
    assert_eq!(first[8].parse::<f64>().unwrap(), json[0].predicted_mean_sq);
    let values = read("spectra_singular_values.csv");
    assert_eq!(values.lines().count(), 1 + 8 * 32);
    let heat = read("trainability.csv");
    assert_eq!(heat.lines().next().unwrap(), CSV_HEADER);
    assert_eq!(heat.lines().count(), 1 + 6);
    let back: TrainabilityResult = serde_json::from_str(&read("trainability.json")).unwrap();
    assert_eq!(back.cells, t.cells);

    let report = read("report.md");
    assert!(report.contains("## Dynamical isometry"), "{report}");
    assert!(report.contains("## Trainability"), "{report}");
    assert!(report.contains("plots/jacobian_spectra.svg"));
    assert!(report.contains("plots/trainability.svg"));
    assert!(report.contains("cells agree with the 6 ξ_c rule"));
    let html = read("report.html");
    assert!(html.contains("<section id=\"dynamical-isometry\">"));
    assert!(html.contains("<figure id=\"plot-trainability\""));
    assert!(html.contains("<figure id=\"plot-jacobian_spectra\""));
    assert!(dir.join("plots/trainability.svg").is_file());

    // Resume reuses both saved results (same numbers, even the wall-clock field).
    let resumed = StudyOptions {
        resume: true,
        ..options
    };
    let (again, _) = run_study(&config(), &resumed).unwrap();
    assert_eq!(again.extras, results.extras);
}

#[test]
fn disabled_parts_leave_no_files_and_no_sections() {
    let dir = scratch("disabled");
    let mut c = config();
    c.spectrum.enabled = false;
    c.trainability.enabled = false;
    let options = quiet(&dir);
    let (results, _) = run_study(&c, &options).unwrap();
    assert!(results.extras.spectra.is_empty() && results.extras.trainability.is_none());
    assert!(!dir.join("spectra_summary.csv").exists());
    assert!(!dir.join("trainability.csv").exists());
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(!report.contains("## Dynamical isometry") && !report.contains("## Trainability"));
}
