//! Scale-out: a study split into `N` shards that run anywhere (a Slurm array task, a
//! Kubernetes Indexed Job pod) and are merged into one report.
//!
//! [`shard_plan`] deals the probes and training runs to shards by estimated cost (largest
//! first, each to the least-loaded shard; ties to the lower index), so the shards of one
//! configuration agree on the split without talking to each other. A shard writes only
//! its own `runs/` files, then `shard.json` (written last: a shard without it has not
//! finished). [`merge_shards`] checks that the shards are exactly `1/N … N/N` of one
//! configuration, reads every result from the shard that owns it, and writes the tables
//! and the report as a one-machine run would: the numbers are identical.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::arch::Arch;
use super::config::StudyConfig;
use super::manifest::{config_hash, ManifestBuilder, RunManifest};
use super::training::{TrainRunConfig, TrainRunResult};
use super::{
    probe_file_name, report, signal_grid, training_file_name, training_runs, GridPoint,
    StudyResults,
};
use crate::error::LabError;
use crate::plot::write_atomically;
use crate::probe::{Precision, ProbeResult};

/// Shard `index` of `count` (1-based: `1/3`, `2/3`, `3/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShardSpec {
    /// 1-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for ShardSpec {
    type Err = LabError;

    /// Parses `I/N` with `1 ≤ I ≤ N`.
    fn from_str(text: &str) -> Result<Self, LabError> {
        let bad = || {
            LabError::InvalidConfig(format!(
                "--shard expects I/N with 1 ≤ I ≤ N (e.g. 2/3), got `{text}`"
            ))
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

/// Which shard (0-based) runs each probe and each training run.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardPlan {
    /// Owner of every grid point, in grid order.
    pub probes: Vec<usize>,
    /// Owner of every training run, in run order.
    pub runs: Vec<usize>,
    /// Estimated cost per shard (arbitrary units).
    pub load: Vec<f64>,
}

fn element_factor(p: Precision) -> f64 {
    match p {
        Precision::F32 => 1.0,
        Precision::F64 => 2.0,
    }
}

/// Estimated cost of a probe: three `batch × width × width` matmuls per layer (forward,
/// input and weight gradient) plus drawing the weights.
pub fn probe_cost(point: &GridPoint) -> f64 {
    let p = &point.probe;
    let (d, w, b) = (p.depth as f64, p.width as f64, p.batch as f64);
    element_factor(p.precision) * d * w * w * (6.0 * b + 2.0 * w)
}

/// Estimated cost of a training run: forward and backward over the training samples per
/// epoch, plus evaluations of the validation and test sets (digits: 1797 samples,
/// 70/15/15; adding problem: the run's sequences and 2 × 250 for evaluation), times the
/// multiply-adds per sample of its architecture.
pub fn training_cost(run: &TrainRunConfig) -> f64 {
    const TRAIN: f64 = 1258.0;
    const VALIDATION: f64 = 270.0;
    let w = run.width as f64;
    let d = run.depth as f64;
    let (samples, eval, per_sample) = match run.arch {
        Arch::Rnn => {
            let n = if run.max_train_samples > 0 {
                run.max_train_samples as f64
            } else {
                super::training::ADDING_TRAIN as f64
            };
            (
                n,
                super::training::ADDING_EVAL as f64,
                d * (2.0 * w + w * w) + w,
            )
        }
        arch => {
            let n = if run.max_train_samples > 0 {
                (run.max_train_samples as f64).min(TRAIN)
            } else {
                TRAIN
            };
            let per = match arch {
                Arch::Cnn => 64.0 * 9.0 * w + (d - 1.0).max(0.0) * 16.0 * 9.0 * w * w + 160.0 * w,
                _ => 64.0 * w + (run.depth.saturating_sub(1)) as f64 * w * w + 10.0 * w,
            };
            (n, VALIDATION, per)
        }
    };
    let per_epoch = 6.0 * samples + 4.0 * eval;
    element_factor(run.dtype) * per_sample * (run.epochs as f64 * per_epoch + 4.0 * eval)
}

/// Deals the study's probes and training runs to `count` shards, balanced by estimated
/// cost (longest-processing-time first). Deterministic: depends on the configuration only.
pub fn shard_plan(config: &StudyConfig, count: usize) -> Result<ShardPlan, LabError> {
    if count == 0 {
        return Err(LabError::InvalidConfig(
            "the number of shards must be positive".into(),
        ));
    }
    let grid = signal_grid(config)?;
    let runs = training_runs(config)?;
    // (cost, kind, index): probes are kind 0, runs kind 1.
    let mut items: Vec<(f64, usize, usize)> = grid
        .iter()
        .enumerate()
        .map(|(i, p)| (probe_cost(p), 0, i))
        .chain(
            runs.iter()
                .enumerate()
                .map(|(i, r)| (training_cost(r), 1, i)),
        )
        .collect();
    items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut load = vec![0.0f64; count];
    let mut plan = ShardPlan {
        probes: vec![0; grid.len()],
        runs: vec![0; runs.len()],
        load: Vec::new(),
    };
    for (cost, kind, index) in items {
        let shard = (0..count)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .expect("count > 0");
        load[shard] += cost;
        if kind == 0 {
            plan.probes[index] = shard;
        } else {
            plan.runs[index] = shard;
        }
    }
    plan.load = load;
    Ok(plan)
}

/// `shard.json`: what a finished shard ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// Which shard.
    pub shard: ShardSpec,
    /// Hash of the configuration (see [`config_hash`]).
    pub config_hash: String,
    /// The configuration.
    pub config: StudyConfig,
    /// Files under `runs/signal/` this shard wrote.
    pub probes: Vec<String>,
    /// Files under `runs/training/` this shard wrote.
    pub training: Vec<String>,
    /// Seconds of the shard's signal part.
    pub signal_seconds: f64,
    /// Seconds of the shard's training part.
    pub training_seconds: f64,
}

/// The name of a shard's record file.
pub const SHARD_RECORD: &str = "shard.json";

/// Writes `shard.json` for a finished shard.
pub(super) fn write_shard_record(
    out: &Path,
    shard: ShardSpec,
    config: &StudyConfig,
    files: (Vec<String>, Vec<String>),
    results: &StudyResults,
) -> Result<(), LabError> {
    let record = ShardRecord {
        shard,
        config_hash: config_hash(config)?,
        config: config.clone(),
        probes: files.0,
        training: files.1,
        signal_seconds: results.signal_seconds,
        training_seconds: results.training_seconds,
    };
    write_atomically(
        &out.join(SHARD_RECORD),
        serde_json::to_string_pretty(&record)?.as_bytes(),
    )
}

fn merge_error(message: String) -> LabError {
    LabError::Merge(message)
}

fn read_shard(dir: &Path) -> Result<ShardRecord, LabError> {
    let path = dir.join(SHARD_RECORD);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        merge_error(format!(
            "`{}` has no {SHARD_RECORD}: it is not the output of `myelin study --shard I/N`, or that shard has not finished",
            dir.display()
        ))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| merge_error(format!("`{}` is not a shard record: {e}", path.display())))
}

/// The top-level configuration fields where `a` and `b` differ.
fn differing_fields(a: &StudyConfig, b: &StudyConfig) -> Result<Vec<String>, LabError> {
    let (a, b) = (serde_json::to_value(a)?, serde_json::to_value(b)?);
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return Ok(Vec::new());
    };
    let mut fields = Vec::new();
    for (key, value) in a {
        match (value.as_object(), b.get(key).and_then(|v| v.as_object())) {
            (Some(inner_a), Some(inner_b)) => {
                for (k, v) in inner_a {
                    if inner_b.get(k) != Some(v) {
                        fields.push(format!("{key}.{k}"));
                    }
                }
            }
            _ => {
                if b.get(key) != Some(value) {
                    fields.push(key.clone());
                }
            }
        }
    }
    Ok(fields)
}

fn read_result<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    shard: ShardSpec,
    file: &Path,
) -> Result<T, LabError> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        merge_error(format!(
            "shard {shard} in `{}` lacks its result `{}`",
            dir.display(),
            file.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        merge_error(format!(
            "shard {shard}: cannot read `{}`: {e}",
            path.display()
        ))
    })
}

/// Combines the shards in `dirs` into `out` (tables, plots, `report.md`, `report.html`,
/// `manifest.json`); returns the merged results and the terminal summary.
///
/// Errors name the offending directory or shard: a directory that is not a finished
/// shard, shards of different configurations or shard counts, a shard given twice, a
/// missing shard, a missing or unreadable result.
pub fn merge_shards(dirs: &[PathBuf], out: &Path) -> Result<(StudyResults, String), LabError> {
    let mut manifest = ManifestBuilder::start("study merge");
    let first_dir = dirs
        .first()
        .ok_or_else(|| merge_error("no shard directories given".into()))?;
    let records: Vec<ShardRecord> = dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<_, _>>()?;
    let first = &records[0];
    let count = first.shard.count;
    let mut by_index: BTreeMap<usize, &Path> = BTreeMap::new();
    for (record, dir) in records.iter().zip(dirs) {
        if record.config != first.config || record.config_hash != first.config_hash {
            return Err(merge_error(format!(
                "shard {} in `{}` was made from a different configuration than shard {} in `{}` (differs in: {}); merge only shards of one study",
                record.shard,
                dir.display(),
                first.shard,
                first_dir.display(),
                differing_fields(&record.config, &first.config)?.join(", ")
            )));
        }
        if record.shard.count != count {
            return Err(merge_error(format!(
                "shard {} in `{}` is one of {} shards, but shard {} in `{}` is one of {count}",
                record.shard,
                dir.display(),
                record.shard.count,
                first.shard,
                first_dir.display()
            )));
        }
        if let Some(other) = by_index.insert(record.shard.index, dir) {
            return Err(merge_error(format!(
                "shard {} is given twice: `{}` and `{}`",
                record.shard,
                other.display(),
                dir.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(merge_error(format!(
            "shard{} {} missing (got {} of {count})",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            by_index.len()
        )));
    }

    let config = first.config.clone();
    config.validate()?;
    let plan = shard_plan(&config, count)?;
    let dir_of = |shard: usize| by_index[&(shard + 1)];
    let spec = |shard: usize| ShardSpec {
        index: shard + 1,
        count,
    };
    let grid = signal_grid(&config)?;
    let signal: Vec<ProbeResult> = grid
        .iter()
        .zip(&plan.probes)
        .map(|(point, &shard)| {
            let file = Path::new("runs/signal").join(probe_file_name(&point.probe));
            read_result(dir_of(shard), spec(shard), &file)
        })
        .collect::<Result<_, _>>()?;
    let training: Vec<TrainRunResult> = training_runs(&config)?
        .iter()
        .zip(&plan.runs)
        .map(|(run, &shard)| {
            let file = Path::new("runs/training").join(training_file_name(run));
            let result: TrainRunResult = read_result(dir_of(shard), spec(shard), &file)?;
            if result.config != *run {
                return Err(merge_error(format!(
                    "shard {} in `{}`: `{}` holds a different run than the configuration's",
                    spec(shard),
                    dir_of(shard).display(),
                    file.display()
                )));
            }
            Ok(result)
        })
        .collect::<Result<_, _>>()?;
    manifest.phase("read shards");

    std::fs::create_dir_all(out).map_err(|source| LabError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    write_atomically(
        &out.join("config.json"),
        serde_json::to_string_pretty(&config)?.as_bytes(),
    )?;
    let results = StudyResults {
        config: config.clone(),
        signal,
        training,
        signal_seconds: records.iter().map(|r| r.signal_seconds).sum(),
        training_seconds: records.iter().map(|r| r.training_seconds).sum(),
        extras: super::theory_extras::read_extras(dir_of(0), &config)?,
    };
    report::write_signal_tables(out, &results.signal)?;
    let summary = report::write_report(out, &results)?;
    manifest.phase("report");
    let merged_from = by_index.values().map(|d| d.display().to_string()).collect();
    let manifest: RunManifest = manifest.finish(&config, None, merged_from, (0, 0))?;
    write_atomically(
        &out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    Ok((results, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_parse_and_reject_nonsense_by_name() {
        assert_eq!(
            "2/3".parse::<ShardSpec>().unwrap(),
            ShardSpec { index: 2, count: 3 }
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            let e = bad.parse::<ShardSpec>().unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("I/N"), "{e}");
        }
    }

    #[test]
    fn plan_covers_everything_once_and_balances_cost() {
        let config = StudyConfig::default();
        let plan = shard_plan(&config, 3).unwrap();
        assert_eq!(plan.probes.len(), signal_grid(&config).unwrap().len());
        assert_eq!(plan.runs.len(), training_runs(&config).unwrap().len());
        assert!(plan.probes.iter().chain(&plan.runs).all(|&s| s < 3));
        for s in 0..3 {
            assert!(plan.probes.contains(&s), "shard {s} has no probe");
        }
        let (lo, hi) = plan
            .load
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &l| (a.min(l), b.max(l)));
        // Longest-processing-time first is within 4/3 of optimal; on this many items the
        // shards end up within a few percent of each other.
        assert!(hi / lo < 1.05, "unbalanced: {:?}", plan.load);
        assert_eq!(plan, shard_plan(&config, 3).unwrap(), "deterministic");
        let one = shard_plan(&config, 1).unwrap();
        assert!(one.probes.iter().chain(&one.runs).all(|&s| s == 0));
        assert!(shard_plan(&config, 0).is_err());
    }
}
