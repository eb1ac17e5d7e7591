//! The study's theory checks beyond the signal grid: the Jacobian spectra
//! ([`crate::spectrum`], dynamical isometry) and the trainability heat map
//! ([`crate::trainability`], depth vs `6 ξ_c`).
//!
//! Both run once per study (in shard 1 of a sharded one), are saved as
//! `runs/spectra.json` and `runs/trainability.json` (reused by `resume` when their
//! configuration is unchanged, read back by [`super::merge_shards`]), and their tables are
//! written with the report: `spectra_summary.csv`, `spectra_singular_values.csv`,
//! `spectra.json`, `trainability.csv`, `trainability.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::StudyConfig;
use crate::error::LabError;
use crate::plot::write_atomically;
use crate::probe::fmt_num;
use crate::spectrum::{summary_csv, SpectrumResult, SpectrumStudyConfig};
use crate::trainability::{run_trainability, TrainabilityResult};

/// The spectra and the heat map of one study.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TheoryExtras {
    /// Jacobian spectra, in [`crate::spectrum::study_configs`] order (empty when disabled).
    pub spectra: Vec<SpectrumResult>,
    /// The heat map (`None` when disabled).
    pub trainability: Option<TrainabilityResult>,
}

/// What `runs/spectra.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SpectraFile {
    config: SpectrumStudyConfig,
    spectra: Vec<SpectrumResult>,
}

const SPECTRA_FILE: &str = "runs/spectra.json";
const TRAINABILITY_FILE: &str = "runs/trainability.json";

fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Runs (or, with `resume`, reuses) both checks and saves them under `out/runs/`.
pub fn run_extras(
    config: &StudyConfig,
    out: &Path,
    resume: bool,
) -> Result<TheoryExtras, LabError> {
    let spectra_path = out.join(SPECTRA_FILE);
    let reused = resume
        .then(|| read::<SpectraFile>(&spectra_path))
        .flatten()
        .filter(|f| f.config == config.spectrum);
    let spectra = match reused {
        Some(file) => file.spectra,
        None => {
            let spectra = config.spectrum.run()?;
            let file = SpectraFile {
                config: config.spectrum.clone(),
                spectra,
            };
            write_atomically(&spectra_path, &serde_json::to_vec(&file)?)?;
            file.spectra
        }
    };
    let trainability = if config.trainability.enabled {
        let path = out.join(TRAINABILITY_FILE);
        let reused = resume
            .then(|| read::<TrainabilityResult>(&path))
            .flatten()
            .filter(|r| r.config == config.trainability);
        Some(match reused {
            Some(r) => r,
            None => {
                let r = run_trainability(&config.trainability)?;
                write_atomically(&path, &serde_json::to_vec(&r)?)?;
                r
            }
        })
    } else {
        None
    };
    Ok(TheoryExtras {
        spectra,
        trainability,
    })
}

/// Reads the checks a finished shard saved in `dir` (for merging).
pub fn read_extras(dir: &Path, config: &StudyConfig) -> Result<TheoryExtras, LabError> {
    let missing = |file: &str| {
        LabError::Merge(format!(
            "shard 1 in `{}` lacks `{file}` (or it was made from another configuration)",
            dir.display()
        ))
    };
    let spectra = if config.spectrum.enabled {
        read::<SpectraFile>(&dir.join(SPECTRA_FILE))
            .filter(|f| f.config == config.spectrum)
            .ok_or_else(|| missing(SPECTRA_FILE))?
            .spectra
    } else {
        Vec::new()
    };
    let trainability = if config.trainability.enabled {
        Some(
            read::<TrainabilityResult>(&dir.join(TRAINABILITY_FILE))
                .filter(|r| r.config == config.trainability)
                .ok_or_else(|| missing(TRAINABILITY_FILE))?,
        )
    } else {
        None
    };
    Ok(TheoryExtras {
        spectra,
        trainability,
    })
}

/// Writes the CSV/JSON tables of both checks into `out`.
pub fn write_extra_tables(out: &Path, extras: &TheoryExtras) -> Result<(), LabError> {
    if !extras.spectra.is_empty() {
        write_atomically(
            &out.join("spectra_summary.csv"),
            summary_csv(&extras.spectra).as_bytes(),
        )?;
        let mut values = String::from("activation,init,depth,width,seed,index,singular_value\n");
        for r in &extras.spectra {
            for (i, s) in r.singular_values.iter().enumerate() {
                values.push_str(&format!(
                    "{},{},{}\n",
                    crate::csv::key(
                        &r.activation,
                        &r.init,
                        &[r.depth as u64, r.width as u64, r.seed]
                    ),
                    i + 1,
                    fmt_num(*s)
                ));
            }
        }
        write_atomically(&out.join("spectra_singular_values.csv"), values.as_bytes())?;
        write_atomically(
            &out.join("spectra.json"),
            serde_json::to_string_pretty(&extras.spectra)?.as_bytes(),
        )?;
    }
    if let Some(t) = &extras.trainability {
        write_atomically(&out.join("trainability.csv"), t.to_csv().as_bytes())?;
        write_atomically(
            &out.join("trainability.json"),
            serde_json::to_string_pretty(t)?.as_bytes(),
        )?;
    }
    Ok(())
}
