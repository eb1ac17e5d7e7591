//! `myelin study`: the whole gradient-flow comparison on one command — signal propagation
//! for every activation × initialiser × depth, training runs on the digits data, plots and
//! a written report (`report.md`, `report.html`) — and its scale-out: `--shard I/N` runs a
//! share of it, `myelin study merge` combines the shards.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};
use myelin_lab::study::{merge_shards, run_study, ShardSpec, StudyConfig, StudyOptions};

use super::{CliResult, Run};

/// `myelin study …`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StudyCommand {
    #[command(subcommand)]
    action: Option<StudyAction>,
    /// Report directory (created if missing).
    #[arg(long, default_value = "study-out")]
    out: PathBuf,
    /// A seconds-long smoke run: few activations, small stacks, two epochs.
    #[arg(long)]
    quick: bool,
    /// TOML or JSON file choosing activations, inits, depths, widths, seeds and the
    /// training setup (missing fields take the defaults; with --quick, the quick ones).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Replaces the configuration's activations (repeat the flag for several): any spec,
    /// including user-defined ones, e.g. `--activation relu --activation
    /// 'expr(x * tanh(softplus(x)))'`.
    #[arg(long = "activation", value_name = "SPEC")]
    activations: Vec<String>,
    /// Reuse per-configuration results already under OUT/runs/ (after an interruption).
    #[arg(long)]
    resume: bool,
    /// Run only shard I of N (1-based), balanced by estimated cost; writes OUT/runs/ and
    /// OUT/shard.json but no report: combine the shards with `myelin study merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<ShardSpec>,
    /// Number of worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// No progress bars.
    #[arg(long)]
    no_progress: bool,
}

/// Subcommands of `myelin study`.
#[derive(Debug, Subcommand)]
enum StudyAction {
    /// Combine the output directories of `myelin study --shard I/N` (all N of them) into
    /// one report, identical to a one-machine run.
    Merge(MergeCommand),
}

/// `myelin study merge DIR... --out OUT`
#[derive(Debug, Args)]
struct MergeCommand {
    /// The shards' output directories.
    #[arg(required = true, value_name = "DIR")]
    shards: Vec<PathBuf>,
    /// Report directory (created if missing).
    #[arg(long, default_value = "study-out")]
    out: PathBuf,
}

impl Run for StudyCommand {
    fn run(self) -> CliResult {
        let start = Instant::now();
        if let Some(StudyAction::Merge(merge)) = self.action {
            let (_, summary) = merge_shards(&merge.shards, &merge.out)?;
            print!("{summary}");
            println!(
                "Merged {} shards in {:.1} s.",
                merge.shards.len(),
                start.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        let config = match (&self.config, self.quick) {
            (Some(path), _) => StudyConfig::load(path)?,
            (None, true) => StudyConfig::quick(),
            (None, false) => StudyConfig::default(),
        };
        let config = if self.activations.is_empty() {
            config
        } else {
            let config = StudyConfig {
                activations: self.activations.clone(),
                ..config
            };
            config.validate()?;
            config
        };
        if let Some(jobs) = self.jobs {
            rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.max(1))
                .build_global()?;
        }
        let options = StudyOptions {
            out_dir: self.out.clone(),
            progress: !self.no_progress,
            resume: self.resume,
            shard: self.shard,
        };
        let (_, summary) = run_study(&config, &options)?;
        print!("{summary}");
        println!("Finished in {:.1} s.", start.elapsed().as_secs_f64());
        Ok(())
    }
}
