//! `myelin study`: the whole gradient-flow comparison on one command — signal propagation
//! for every activation × initialiser × depth, training runs on the digits data, plots and
//! a written report.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use myelin_lab::study::{run_study, StudyConfig, StudyOptions};

use super::{CliResult, Run};

/// `myelin study …`
#[derive(Debug, Args)]
pub struct StudyCommand {
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
    /// Reuse per-configuration results already under OUT/runs/ (after an interruption).
    #[arg(long)]
    resume: bool,
    /// Number of worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// No progress bars.
    #[arg(long)]
    no_progress: bool,
}

impl Run for StudyCommand {
    fn run(self) -> CliResult {
        let config = match (&self.config, self.quick) {
            (Some(path), _) => StudyConfig::load(path)?,
            (None, true) => StudyConfig::quick(),
            (None, false) => StudyConfig::default(),
        };
        if let Some(jobs) = self.jobs {
            rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.max(1))
                .build_global()?;
        }
        let start = Instant::now();
        let options = StudyOptions {
            out_dir: self.out.clone(),
            progress: !self.no_progress,
            resume: self.resume,
        };
        let (_, summary) = run_study(&config, &options)?;
        print!("{summary}");
        println!("Finished in {:.1} s.", start.elapsed().as_secs_f64());
        Ok(())
    }
}
