//! `myelin study`: the whole comparison on one command.
//!
//! 1. **Signal propagation**: every activation × initialiser × depth × width × seed of the
//!    [`StudyConfig`] is probed ([`crate::probe`]) in parallel across configurations.
//! 2. **Training**: deep MLPs on the embedded digits data, each activation with its
//!    recommended initialiser, plus contrasts (bad initialisers; a too-high learning rate
//!    with and without global-norm clipping).
//! 3. **Theory checks** ([`theory_extras`]): Jacobian singular-value spectra (dynamical
//!    isometry) and the trainability heat map over σ_w² × depth against 6 ξ_c.
//! 4. **Report**: CSV and JSON of every number, SVG plots, `report.md`, and a terminal
//!    summary.
//!
//! Every finished configuration is written at once (atomically) under `runs/`, so an
//! interrupted study leaves its completed results on disk; with `resume` a rerun reuses
//! them. Results are deterministic per seed.

pub mod adding;
pub mod arch;
pub mod claims;
pub mod config;
pub mod manifest;
pub mod report;
pub mod shard;
pub mod theory_extras;
pub mod training;
pub mod tuning;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use arch::Arch;
pub use config::{recommended_init, training_init, StudyConfig, TrainingConfig, TuningConfig};
pub use manifest::RunManifest;
pub use shard::{merge_shards, shard_plan, ShardPlan, ShardSpec};
pub use training::{
    load_digits, train_run, EpochRecord, OptimizerKind, Role, TrainRunConfig, TrainRunResult,
};

use crate::error::LabError;
use crate::plot::write_atomically;
use crate::probe::{probe_with, ProbeConfig, ProbeOptions, ProbeResult};

/// How to run a study.
#[derive(Debug, Clone)]
pub struct StudyOptions {
    /// The report directory.
    pub out_dir: PathBuf,
    /// Show progress bars (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Reuse finished per-configuration results found under `out_dir/runs/`.
    pub resume: bool,
    /// Run only this share of the study ([`shard`]); the report is then written by
    /// [`merge_shards`].
    pub shard: Option<ShardSpec>,
}

impl StudyOptions {
    /// Writing to `out_dir`, with progress bars, without resuming, the whole study.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            progress: true,
            resume: false,
            shard: None,
        }
    }
}

/// Everything a study produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StudyResults {
    /// The configuration that was run.
    pub config: StudyConfig,
    /// Every probe, in grid order.
    pub signal: Vec<ProbeResult>,
    /// Every training run.
    pub training: Vec<TrainRunResult>,
    /// Seconds spent on the signal grid.
    pub signal_seconds: f64,
    /// Seconds spent training.
    pub training_seconds: f64,
    /// Jacobian spectra and the trainability heat map.
    #[serde(default)]
    pub extras: theory_extras::TheoryExtras,
}

/// One point of the signal grid.
#[derive(Debug, Clone)]
pub struct GridPoint {
    /// The probe to run.
    pub probe: ProbeConfig,
    /// Layers whose activations are sampled for histograms (empty: none).
    pub sample_layers: Vec<usize>,
}

/// File-name-safe form of a spec: `leaky_relu(slope=0.2)` → `leaky_relu-slope-0.2`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The layers sampled for a histogram of a depth-`depth` stack: 1, ¼, ½, ¾ and L.
pub fn histogram_layers(depth: usize) -> Vec<usize> {
    let mut layers: Vec<usize> = [1, depth / 4, depth / 2, (3 * depth) / 4, depth]
        .into_iter()
        .filter(|&l| l >= 1)
        .collect();
    layers.dedup();
    layers
}

/// The depth whose stacks get activation histograms: the largest grid depth ≤ 50 (else the
/// smallest).
pub fn histogram_depth(config: &StudyConfig) -> usize {
    config
        .depths
        .iter()
        .copied()
        .filter(|&d| d <= 50)
        .max()
        .unwrap_or_else(|| config.depths.iter().copied().min().unwrap_or(1))
}

/// Expands the grid in a fixed order: activation, init, depth, width, seed.
pub fn signal_grid(config: &StudyConfig) -> Result<Vec<GridPoint>, LabError> {
    let activations = config.parsed_activations()?;
    let inits = config.parsed_inits()?;
    let hist_depth = histogram_depth(config);
    let first_seed = config.seeds[0];
    let mut grid = Vec::new();
    for activation in &activations {
        for init in &inits {
            for &depth in &config.depths {
                for &width in &config.widths {
                    for &seed in &config.seeds {
                        let sampled =
                            depth == hist_depth && seed == first_seed && width == config.widths[0];
                        grid.push(GridPoint {
                            probe: ProbeConfig {
                                activation: *activation,
                                init: *init,
                                depth,
                                width,
                                batch: config.batch,
                                seed,
                                precision: config.dtype,
                                bias_std: config.bias_std,
                            },
                            sample_layers: if sampled {
                                histogram_layers(depth)
                            } else {
                                Vec::new()
                            },
                        });
                    }
                }
            }
        }
    }
    Ok(grid)
}

/// The training runs of a study, in a fixed order.
pub fn training_runs(config: &StudyConfig) -> Result<Vec<TrainRunConfig>, LabError> {
    let t = &config.training;
    let mut runs = if t.enabled {
        fixed_lr_runs(config)?
    } else {
        Vec::new()
    };
    runs.extend(sweep_runs(config)?);
    Ok(runs)
}

/// The tuned comparison's runs: every (architecture, depth, activation) × learning rate ×
/// seed, in that order.
pub fn sweep_runs(config: &StudyConfig) -> Result<Vec<TrainRunConfig>, LabError> {
    let u = &config.tuning;
    if !u.enabled {
        return Ok(Vec::new());
    }
    let mut runs = Vec::new();
    let activations = config.tuning_activations()?;
    for (&arch, depths) in &u.depths {
        let mut acts: Vec<myelin_activations::Activation> = activations.clone();
        if arch == Arch::Mlp && u.identity_baseline {
            let identity: myelin_activations::Activation = "identity".parse()?;
            if !acts.contains(&identity) {
                acts.push(identity);
            }
        }
        for &depth in depths {
            for activation in &acts {
                let init = training_init(activation, &u.init, config.bias_std)?;
                for &lr in &u.learning_rates() {
                    for &seed in &u.seeds {
                        runs.push(TrainRunConfig {
                            name: format!(
                                "sweep-{arch}-d{depth}-{}-lr{lr:e}-s{seed}",
                                slug(&activation.to_string())
                            ),
                            role: Role::Sweep,
                            activation: activation.to_string(),
                            init: init.to_string(),
                            depth,
                            width: u.width_of(arch),
                            epochs: u.epochs,
                            batch_size: u.batch_size,
                            lr,
                            momentum: u.momentum,
                            clip_norm: None,
                            seed,
                            dtype: u.dtype,
                            max_train_samples: if arch.is_recurrent() {
                                u.rnn_train_sequences
                            } else {
                                u.max_train_samples
                            },
                            arch,
                            optimizer: u.optimizer,
                            weight_decay: match u.optimizer {
                                OptimizerKind::AdamW => u.weight_decay,
                                OptimizerKind::Sgd => 0.0,
                            },
                            patience: Some(u.patience),
                            bias_std: config.bias_std,
                        });
                    }
                }
            }
        }
    }
    Ok(runs)
}

/// The fixed-learning-rate runs: each activation with its training initialiser, and the
/// contrasts (bad initialisers; a too-high learning rate with and without clipping).
fn fixed_lr_runs(config: &StudyConfig) -> Result<Vec<TrainRunConfig>, LabError> {
    let t = &config.training;
    let base =
        |name: String, role: Role, activation: String, init: String, depth: usize| TrainRunConfig {
            name,
            role,
            activation,
            init,
            depth,
            width: t.width,
            epochs: t.epochs,
            batch_size: t.batch_size,
            lr: t.lr,
            momentum: t.momentum,
            clip_norm: None,
            seed: t.seed,
            dtype: t.dtype,
            max_train_samples: t.max_train_samples,
            arch: Arch::Mlp,
            optimizer: OptimizerKind::Sgd,
            weight_decay: 0.0,
            patience: None,
            bias_std: config.bias_std,
        };
    let mut runs = Vec::new();
    for &depth in &t.depths {
        for activation in config.training_activations()? {
            let init = training_init(&activation, "recommended", config.bias_std)?;
            runs.push(base(
                format!("{}-d{depth}", slug(&activation.to_string())),
                Role::Recommended,
                activation.to_string(),
                init.to_string(),
                depth,
            ));
        }
    }
    if t.contrasts {
        let d = t.contrast_depth;
        for init in ["xavier_normal", "torch_default"] {
            runs.push(base(
                format!("relu-{init}-d{d}"),
                Role::BadInit,
                "relu".into(),
                init.into(),
                d,
            ));
        }
        let d = t.high_lr_depth;
        let mut high = base(
            format!("relu-high-lr-d{d}"),
            Role::HighLr,
            "relu".into(),
            "kaiming_normal".into(),
            d,
        );
        high.lr = t.high_lr;
        let mut clipped = high.clone();
        clipped.name = format!("relu-high-lr-clip-d{d}");
        clipped.role = Role::HighLrClip;
        clipped.clip_norm = Some(t.clip_norm);
        runs.push(high);
        runs.push(clipped);
    }
    Ok(runs)
}

/// File name of a training run's result under `runs/training/`.
pub fn training_file_name(run: &TrainRunConfig) -> String {
    format!("{}.json", slug(&run.name))
}

/// File name of a probe's result under `runs/signal/`.
pub fn probe_file_name(p: &ProbeConfig) -> String {
    format!(
        "{}__{}__d{}_w{}_b{}_s{}_{}.json",
        slug(&p.activation.to_string()),
        slug(&p.init.to_string()),
        p.depth,
        p.width,
        p.batch,
        p.seed,
        p.precision
    )
}

fn progress_bar(show: bool, len: u64, message: &str) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>10} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(message.to_string());
    bar
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Runs the signal-propagation grid, writing each result as soon as it is done.
///
/// `owned` selects the grid points to run (all when `None`); returns the results in grid
/// order and how many were reused (`options.resume`).
pub fn run_signal(
    config: &StudyConfig,
    options: &StudyOptions,
    owned: Option<&dyn Fn(usize) -> bool>,
) -> Result<(Vec<ProbeResult>, usize), LabError> {
    let grid = signal_grid(config)?;
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let dir = options.out_dir.join("runs").join("signal");
    // Biggest first, so the last tasks are short and the cores stay busy.
    let mut order: Vec<usize> = (0..grid.len())
        .filter(|&i| owned.is_none_or(|f| f(i)))
        .collect();
    let bar = progress_bar(options.progress, order.len() as u64, "signal");
    order.sort_by_key(|&i| {
        let p = &grid[i].probe;
        std::cmp::Reverse(p.depth * p.width * p.width * p.batch)
    });
    let results: Vec<(usize, Result<ProbeResult, LabError>)> = order
        .into_par_iter()
        .map(|i| {
            // A rayon worker waiting inside another job's `no_grad` can steal this one: grad
            // mode is per thread, so set it for the job.
            let _grad = myelin_tensor::set_grad_enabled(true);
            let point = &grid[i];
            let path = dir.join(probe_file_name(&point.probe));
            if options.resume {
                if let Some(done) = read_json::<ProbeResult>(&path) {
                    if point.sample_layers.is_empty() || !done.samples.is_empty() {
                        bar.inc(1);
                        reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        return (i, Ok(done));
                    }
                }
            }
            let result = probe_with(
                &point.probe,
                &ProbeOptions {
                    sample_layers: point.sample_layers.clone(),
                    sample_size: config.histogram_samples,
                },
            )
            .and_then(|r| {
                let json = serde_json::to_vec(&r)?;
                write_atomically(&path, &json)?;
                Ok(r)
            });
            bar.inc(1);
            (i, result)
        })
        .collect();
    bar.finish_and_clear();
    Ok((in_run_order(results)?, reused.into_inner()))
}

/// Results computed in parallel, tagged with their run index, back in run order (the
/// first error, if any).
fn in_run_order<R>(mut results: Vec<(usize, Result<R, LabError>)>) -> Result<Vec<R>, LabError> {
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Runs the training part, writing each run as soon as it is done.
///
/// `owned` selects the runs (all when `None`); returns the results in run order and how
/// many were reused.
pub fn run_training(
    config: &StudyConfig,
    options: &StudyOptions,
    owned: Option<&dyn Fn(usize) -> bool>,
) -> Result<(Vec<TrainRunResult>, usize), LabError> {
    let runs = training_runs(config)?;
    let mut order: Vec<usize> = (0..runs.len())
        .filter(|&i| owned.is_none_or(|f| f(i)))
        .collect();
    if order.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let data = load_digits(config.training.seed)?;
    let dir = options.out_dir.join("runs").join("training");
    let total: usize = order.iter().map(|&i| runs[i].epochs).sum();
    let bar = progress_bar(options.progress, total as u64, "training");
    order.sort_by_key(|&i| std::cmp::Reverse(runs[i].depth * runs[i].width));
    let results: Vec<(usize, Result<TrainRunResult, LabError>)> = order
        .into_par_iter()
        .map(|i| {
            // A rayon worker waiting inside another job's `no_grad` can steal this one: grad
            // mode is per thread, so set it for the job.
            let _grad = myelin_tensor::set_grad_enabled(true);
            let run = &runs[i];
            let path = dir.join(training_file_name(run));
            if options.resume {
                if let Some(done) = read_json::<TrainRunResult>(&path) {
                    if done.config == *run {
                        bar.inc(run.epochs as u64);
                        reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        return (i, Ok(done));
                    }
                }
            }
            let result = train_run(run, &data, &|| bar.inc(1)).and_then(|r| {
                write_atomically(&path, &serde_json::to_vec(&r)?)?;
                Ok(r)
            });
            (i, result)
        })
        .collect();
    bar.finish_and_clear();
    Ok((in_run_order(results)?, reused.into_inner()))
}

/// Runs the whole study (or, with `options.shard`, one shard of it) and writes the output
/// directory, `manifest.json` included; returns the terminal summary alongside the
/// results.
///
/// A whole study writes the tables, plots and reports; a shard writes only its own
/// `runs/` files and `shard.json` (see [`shard`]), and its results hold only its share.
pub fn run_study(
    config: &StudyConfig,
    options: &StudyOptions,
) -> Result<(StudyResults, String), LabError> {
    config.validate()?;
    let mut manifest = manifest::ManifestBuilder::start(if options.shard.is_some() {
        "study shard"
    } else {
        "study"
    });
    std::fs::create_dir_all(&options.out_dir).map_err(|source| LabError::Io {
        path: options.out_dir.clone(),
        source,
    })?;
    write_atomically(
        &options.out_dir.join("config.json"),
        serde_json::to_string_pretty(config)?.as_bytes(),
    )?;
    let plan = match options.shard {
        Some(s) => Some(shard_plan(config, s.count)?),
        None => None,
    };
    let mine = options.shard.map_or(0, |s| s.index - 1);
    let probe_owned = |i: usize| plan.as_ref().is_none_or(|p| p.probes[i] == mine);
    let run_owned = |i: usize| plan.as_ref().is_none_or(|p| p.runs[i] == mine);
    let (signal, reused_probes) = run_signal(config, options, Some(&probe_owned))?;
    let signal_seconds = manifest.phase("signal");
    if options.shard.is_none() {
        // The per-table CSVs of the signal part are useful on their own: write them now.
        report::write_signal_tables(&options.out_dir, &signal)?;
    }
    let (training, reused_runs) = run_training(config, options, Some(&run_owned))?;
    let training_seconds = manifest.phase("training");
    let extras = if options.shard.is_none_or(|s| s.index == 1) {
        let extras = theory_extras::run_extras(config, &options.out_dir, options.resume)?;
        manifest.phase("theory checks");
        extras
    } else {
        theory_extras::TheoryExtras::default()
    };
    let results = StudyResults {
        config: config.clone(),
        signal,
        training,
        signal_seconds,
        training_seconds,
        extras,
    };
    let summary = match options.shard {
        None => {
            let summary = report::write_report(&options.out_dir, &results)?;
            manifest.phase("report");
            summary
        }
        Some(shard) => {
            let grid = signal_grid(config)?;
            let runs = training_runs(config)?;
            let files = (
                (0..grid.len())
                    .filter(|&i| probe_owned(i))
                    .map(|i| probe_file_name(&grid[i].probe))
                    .collect(),
                (0..runs.len())
                    .filter(|&i| run_owned(i))
                    .map(|i| training_file_name(&runs[i]))
                    .collect(),
            );
            shard::write_shard_record(&options.out_dir, shard, config, files, &results)?;
            format!(
                "Shard {shard}: {} probes and {} training runs in {}; combine the shards with `myelin study merge DIR... --out OUT`.\n",
                results.signal.len(),
                results.training.len(),
                options.out_dir.display()
            )
        }
    };
    let record = manifest.finish(
        config,
        options.shard,
        Vec::new(),
        (reused_probes, reused_runs),
    )?;
    write_atomically(
        &options.out_dir.join("manifest.json"),
        serde_json::to_string_pretty(&record)?.as_bytes(),
    )?;
    Ok((results, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_layers() {
        assert_eq!(slug("leaky_relu(slope=0.2)"), "leaky_relu-slope-0.2");
        assert_eq!(
            slug("kaiming_normal(gain=auto)"),
            "kaiming_normal-gain-auto"
        );
        assert_eq!(histogram_layers(50), vec![1, 12, 25, 37, 50]);
        assert_eq!(histogram_layers(2), vec![1, 2]);
    }

    #[test]
    fn grid_and_runs_sizes() {
        let c = StudyConfig::default();
        assert_eq!(signal_grid(&c).unwrap().len(), 8 * 5 * 4 * 3);
        let runs = training_runs(&c).unwrap();
        // Fixed-lr: 2 depths × 8 activations + 4 contrasts. Sweep: (8 + identity) × 2 MLP
        // depths + 8 × (resmlp, resmlp_ln, cnn, 2 rnn lengths), × 5 learning rates × 3 seeds.
        let sweep = (9 * 2 + 8 * 5) * 5 * 3;
        assert_eq!(runs.len(), 2 * 8 + 4 + sweep);
        assert_eq!(sweep_runs(&c).unwrap().len(), sweep);
        assert!(runs[..20].iter().all(|r| r.role != Role::Sweep));
        assert!(runs[20..]
            .iter()
            .all(|r| r.role == Role::Sweep && r.patience == Some(4)));
        let gelu = runs
            .iter()
            .find(|r| r.role == Role::Sweep && r.activation == "gelu")
            .unwrap();
        assert!(
            gelu.init.starts_with("kaiming_normal(gain="),
            "{}",
            gelu.init
        );
        assert_ne!(
            gelu.init, "kaiming_normal(gain=critical)",
            "GELU has no edge of chaos"
        );
        let rnn = runs.iter().find(|r| r.arch == Arch::Rnn).unwrap();
        assert_eq!(
            (rnn.depth, rnn.width, rnn.max_train_samples),
            (10, 32, 2000)
        );
        let mut names: Vec<_> = runs.iter().map(|r| r.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), runs.len(), "run names are unique");
    }
}
