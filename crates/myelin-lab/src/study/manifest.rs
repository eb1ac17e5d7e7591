//! `manifest.json`: how an output directory was made, so that every run can be reproduced
//! from its own record.
//!
//! It holds the Myelin version and git revision (when known), the full resolved
//! configuration and its hash, the seeds, the thread count, the CPU model and features,
//! the start and end time and the wall time of every phase. Only the manifest holds
//! timings: the result files (`runs/`, CSV, JSON) depend on the configuration and seeds
//! alone, and are byte-identical whatever the thread count.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::config::StudyConfig;
use super::shard::ShardSpec;
use crate::error::LabError;

/// Wall time of one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// `signal`, `training`, `report` or `merge`.
    pub name: String,
    /// Seconds.
    pub seconds: f64,
}

/// The seeds a run used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seeds {
    /// Seeds of the signal grid (one probe per seed and configuration).
    pub signal: Vec<u64>,
    /// Seed of the training runs' weights, split and batch order.
    pub training: u64,
}

/// The machine a run used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name (`/proc/cpuinfo`), when known.
    pub cpu_model: Option<String>,
    /// Target architecture.
    pub arch: String,
    /// Operating system.
    pub os: String,
    /// SIMD features detected at run time.
    pub cpu_features: Vec<String>,
    /// Logical cores available to the process.
    pub logical_cores: usize,
}

/// The record written as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// What made the directory: `study`, `study shard` or `study merge`.
    pub kind: String,
    /// Myelin version.
    pub myelin_version: String,
    /// Git commit of the source tree, when known.
    pub git_revision: Option<String>,
    /// Whether that tree had uncommitted changes, when known.
    pub git_dirty: Option<bool>,
    /// The command line.
    pub command_line: Vec<String>,
    /// The full resolved configuration.
    pub config: StudyConfig,
    /// Hash of the configuration (shards of one study share it).
    pub config_hash: String,
    /// The seeds.
    pub seeds: Seeds,
    /// Worker threads of the pool the study ran on.
    pub threads: usize,
    /// The machine.
    pub machine: Machine,
    /// The shard, for `study --shard`.
    pub shard: Option<ShardSpec>,
    /// Directories merged, for `study merge`.
    pub merged_from: Vec<String>,
    /// Results reused from an earlier run (`--resume`): probes and training runs.
    pub resumed: (usize, usize),
    /// Start time, UTC, RFC 3339.
    pub started_at: String,
    /// End time, UTC, RFC 3339.
    pub finished_at: String,
    /// Total wall seconds.
    pub wall_seconds: f64,
    /// Wall seconds per phase, in order.
    pub phases: Vec<Phase>,
}

/// Measures phases and builds the manifest at the end.
#[derive(Debug)]
pub struct ManifestBuilder {
    kind: String,
    started: SystemTime,
    clock: Instant,
    phase_start: Instant,
    phases: Vec<Phase>,
}

impl ManifestBuilder {
    /// Starts the clock.
    pub fn start(kind: &str) -> Self {
        Self {
            kind: kind.to_string(),
            started: SystemTime::now(),
            clock: Instant::now(),
            phase_start: Instant::now(),
            phases: Vec::new(),
        }
    }

    /// Ends the current phase under `name`; returns its seconds.
    pub fn phase(&mut self, name: &str) -> f64 {
        let seconds = self.phase_start.elapsed().as_secs_f64();
        self.phases.push(Phase {
            name: name.to_string(),
            seconds,
        });
        self.phase_start = Instant::now();
        seconds
    }

    /// The manifest as of now.
    pub fn finish(
        self,
        config: &StudyConfig,
        shard: Option<ShardSpec>,
        merged_from: Vec<String>,
        resumed: (usize, usize),
    ) -> Result<RunManifest, LabError> {
        let (git_revision, git_dirty) = git_state();
        Ok(RunManifest {
            kind: self.kind,
            myelin_version: env!("CARGO_PKG_VERSION").to_string(),
            git_revision,
            git_dirty,
            command_line: std::env::args().collect(),
            config: config.clone(),
            config_hash: config_hash(config)?,
            seeds: Seeds {
                signal: config.seeds.clone(),
                training: config.training.seed,
            },
            threads: rayon::current_num_threads(),
            machine: machine(),
            shard,
            merged_from,
            resumed,
            started_at: rfc3339(self.started),
            finished_at: rfc3339(SystemTime::now()),
            wall_seconds: self.clock.elapsed().as_secs_f64(),
            phases: self.phases,
        })
    }
}

/// FNV-1a (64 bit) of the configuration's JSON, as 16 hex digits.
pub fn config_hash(config: &StudyConfig) -> Result<String, LabError> {
    let text = serde_json::to_string(config)?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Ok(format!("{hash:016x}"))
}

/// `(revision, dirty)` of the source tree: `MYELIN_GIT_REVISION` at build time if set,
/// else `git` in the crate's source directory at run time; `None` when neither works.
fn git_state() -> (Option<String>, Option<bool>) {
    if let Some(revision) = option_env!("MYELIN_GIT_REVISION") {
        return (Some(revision.to_string()), None);
    }
    let git = |args: &[&str]| -> Option<String> {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let revision = git(&["rev-parse", "HEAD"]).filter(|r| !r.is_empty());
    let dirty = revision
        .as_ref()
        .and_then(|_| git(&["status", "--porcelain", "--untracked-files=no"]))
        .map(|s| !s.is_empty());
    (revision, dirty)
}

fn machine() -> Machine {
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name") || l.starts_with("Model"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        });
    Machine {
        cpu_model,
        arch: std::env::consts::ARCH.to_string(),
        os: std::env::consts::OS.to_string(),
        cpu_features: cpu_features(),
        logical_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

#[cfg(target_arch = "x86_64")]
fn cpu_features() -> Vec<String> {
    let mut out = Vec::new();
    macro_rules! detect {
        ($($f:tt),*) => {$(
            if std::arch::is_x86_feature_detected!($f) {
                out.push($f.to_string());
            }
        )*};
    }
    detect!(
        "sse2", "sse4.1", "sse4.2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl"
    );
    out
}

#[cfg(target_arch = "aarch64")]
fn cpu_features() -> Vec<String> {
    let mut out = Vec::new();
    macro_rules! detect {
        ($($f:tt),*) => {$(
            if std::arch::is_aarch64_feature_detected!($f) {
                out.push($f.to_string());
            }
        )*};
    }
    detect!("neon", "fp16", "sve", "sve2");
    out
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn cpu_features() -> Vec<String> {
    Vec::new()
}

/// `2026-12-01T23:05:09.123Z`.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 12:34:56.789 (a leap day) and 2026-12-01 00:00:00.
        let t = UNIX_EPOCH + Duration::from_millis(951_827_696_789);
        assert_eq!(rfc3339(t), "2000-02-29T12:34:56.789Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_796_083_200);
        assert_eq!(rfc3339(t), "2026-12-01T00:00:00.000Z");
    }

    #[test]
    fn config_hash_tells_configurations_apart() {
        let a = config_hash(&StudyConfig::quick()).unwrap();
        let mut other = StudyConfig::quick();
        other.seeds = vec![1];
        assert_eq!(a.len(), 16);
        assert_eq!(a, config_hash(&StudyConfig::quick()).unwrap());
        assert_ne!(a, config_hash(&other).unwrap());
    }
}
