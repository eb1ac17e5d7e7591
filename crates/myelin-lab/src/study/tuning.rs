//! The fair comparison's statistics: learning-rate selection on validation, test accuracy
//! as mean ± 95% confidence interval over seeds (Student t), and whether two
//! configurations can be told apart (Welch's t-test at the 5% level).
//!
//! A *sweep cell* is one (activation, init, architecture, depth); it was trained at every
//! learning rate of the sweep with every seed. [`tune_cell`] picks the learning rate whose
//! seed-mean **validation** accuracy (at each run's early-stopping epoch) is highest and
//! reports the **test** accuracy of those same runs; test numbers never influence the
//! choice.
//!
//! ```
//! use myelin_lab::study::tuning::{student_t_quantile, mean_ci95};
//! assert!((student_t_quantile(0.975, 4.0) - 2.776445).abs() < 1e-6);
//! let (mean, half) = mean_ci95(&[0.90, 0.92, 0.94]);
//! assert!((mean - 0.92).abs() < 1e-12);
//! assert!((half - 4.302653 * 0.02 / 3f64.sqrt()).abs() < 1e-6);
//! ```

use serde::{Deserialize, Serialize};

use super::arch::Arch;
use super::training::{EpochRecord, TrainRunResult};

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms; relative error ≲ 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..500 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// The regularised incomplete beta function `I_x(a, b)` for `a, b > 0`, `0 ≤ x ≤ 1`.
pub fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// The cumulative distribution function of Student's t with `df > 0` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    let tail = 0.5 * regularized_incomplete_beta(0.5 * df, 0.5, df / (df + t * t));
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The `p` quantile of Student's t with `df > 0` degrees of freedom (NaN outside
/// `0 < p < 1` or for `df ≤ 0`). `student_t_quantile(0.975, 2.0) = 4.302653…`.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, df);
    }
    let mut hi = 1.0;
    while student_t_cdf(hi, df) < p && hi < 1e12 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Mean and sample variance (`n − 1`; NaN for fewer than two values).
fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (m, f64::NAN);
    }
    (
        m,
        values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

/// Mean and the half-width of its 95% confidence interval, `t_{0.975, n−1} · s / √n`
/// (NaN half-width for fewer than two values).
pub fn mean_ci95(values: &[f64]) -> (f64, f64) {
    let (m, v) = mean_var(values);
    let n = values.len() as f64;
    if values.len() < 2 {
        return (m, f64::NAN);
    }
    (m, student_t_quantile(0.975, n - 1.0) * (v / n).sqrt())
}

/// How two sets of per-seed results compare under Welch's two-sided t-test at the 5%
/// level: `Some(Ordering::Greater)` when `a` is distinguishably larger, `Less` when
/// distinguishably smaller, `None` when the two cannot be told apart (including fewer than
/// two values on either side).
pub fn welch_compare(a: &[f64], b: &[f64]) -> Option<std::cmp::Ordering> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    let diff = ma - mb;
    if !diff.is_finite() {
        return None;
    }
    let se2 = sa + sb;
    let distinguishable = if se2 == 0.0 {
        diff != 0.0
    } else {
        let df = se2 * se2 / (sa * sa / (a.len() - 1) as f64 + sb * sb / (b.len() - 1) as f64);
        diff.abs() / se2.sqrt() > student_t_quantile(0.975, df)
    };
    distinguishable.then(|| diff.total_cmp(&0.0))
}

/// Whether epoch `a` is better than epoch `b` on validation: higher accuracy, or equal
/// accuracy and lower loss. Non-finite losses never win.
pub fn better_on_validation(a: &EpochRecord, b: &EpochRecord) -> bool {
    if !a.val_loss.is_finite() {
        return false;
    }
    if !b.val_loss.is_finite() {
        return true;
    }
    a.val_accuracy > b.val_accuracy || (a.val_accuracy == b.val_accuracy && a.val_loss < b.val_loss)
}

/// The early-stopping epoch of a run: the best on validation ([`better_on_validation`])
/// among the trained epochs, the untrained epoch 0 when no trained epoch is finite.
pub fn best_epoch(epochs: &[EpochRecord]) -> Option<&EpochRecord> {
    let mut best: Option<&EpochRecord> = None;
    for e in epochs.iter().filter(|e| e.epoch > 0) {
        if best.is_none_or(|b| better_on_validation(e, b)) {
            best = Some(e);
        }
    }
    match best {
        Some(b) if b.val_loss.is_finite() => Some(b),
        _ => epochs.first(),
    }
}

/// What one sweep run contributes: its learning rate and seed, and the validation and
/// test numbers at its early-stopping epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// Learning rate.
    pub lr: f64,
    /// Seed.
    pub seed: u64,
    /// Validation accuracy at the early-stopping epoch.
    pub val_accuracy: f64,
    /// Validation loss there.
    pub val_loss: f64,
    /// Test accuracy there.
    pub test_accuracy: f64,
    /// The early-stopping epoch.
    pub best_epoch: usize,
    /// Whether the loss became non-finite.
    pub diverged: bool,
    /// First-epoch `log10(G_1/G_L)` of the hidden layers (time steps for the RNN).
    pub log10_grad_ratio: f64,
    /// Mean dead fraction at the early-stopping epoch.
    pub dead_fraction: f64,
}

impl RunOutcome {
    /// The outcome of a finished run.
    pub fn of(run: &TrainRunResult) -> Self {
        let best = best_epoch(&run.epochs);
        Self {
            lr: run.config.lr,
            seed: run.config.seed,
            val_accuracy: best.map_or(0.0, |e| e.val_accuracy),
            val_loss: best.map_or(f64::NAN, |e| e.val_loss),
            test_accuracy: best.map_or(0.0, |e| e.test_accuracy),
            best_epoch: best.map_or(0, |e| e.epoch),
            diverged: run.diverged_at.is_some(),
            log10_grad_ratio: run.first_epoch_log10_ratio(),
            dead_fraction: best.map_or(f64::NAN, |e| super::report::data::mean(&e.dead_fractions)),
        }
    }
}

/// One learning rate of a cell's sweep, aggregated over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrPoint {
    /// Learning rate.
    pub lr: f64,
    /// Runs (seeds) at this rate.
    pub runs: usize,
    /// Seed-mean validation accuracy (early-stopping epoch).
    #[serde(with = "crate::json_float::scalar")]
    pub val_accuracy: f64,
    /// Seed-mean validation loss.
    #[serde(with = "crate::json_float::scalar")]
    pub val_loss: f64,
    /// Seed-mean test accuracy (shown, never used to choose).
    #[serde(with = "crate::json_float::scalar")]
    pub test_accuracy: f64,
    /// Runs whose loss became non-finite.
    pub diverged: usize,
}

/// A tuned cell: the learning rate chosen on validation and the test accuracy there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunedCell {
    /// Activation spec.
    pub activation: String,
    /// Initialiser spec the runs used.
    pub init: String,
    /// Architecture.
    pub arch: Arch,
    /// Depth (hidden layers, residual blocks, conv layers, or sequence length for the RNN).
    pub depth: usize,
    /// The learning rate with the best seed-mean validation accuracy.
    pub chosen_lr: f64,
    /// Seeds at the chosen rate.
    pub seeds: Vec<u64>,
    /// Test accuracy of each seed at the chosen rate.
    #[serde(with = "crate::json_float::vec")]
    pub test_accuracy: Vec<f64>,
    /// Their mean.
    #[serde(with = "crate::json_float::scalar")]
    pub test_mean: f64,
    /// Half-width of the 95% confidence interval of the mean (Student t, n − 1 df).
    #[serde(with = "crate::json_float::scalar")]
    pub ci95: f64,
    /// Seed-mean validation accuracy at the chosen rate.
    #[serde(with = "crate::json_float::scalar")]
    pub val_mean: f64,
    /// Seed-mean first-epoch `log10(G_1/G_L)` at the chosen rate.
    #[serde(with = "crate::json_float::scalar")]
    pub log10_grad_ratio: f64,
    /// Seed-mean dead fraction at the chosen rate.
    #[serde(with = "crate::json_float::scalar")]
    pub dead_fraction: f64,
    /// Runs at the chosen rate that diverged.
    pub diverged: usize,
    /// Every rate of the sweep, ascending.
    pub sweep: Vec<LrPoint>,
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    super::report::data::mean(&v)
}

/// Index of the learning rate to use: the highest seed-mean validation accuracy; ties go
/// to the lower validation loss, then the smaller rate. Test accuracy is not looked at.
pub fn select_lr(points: &[LrPoint]) -> Option<usize> {
    let key = |p: &LrPoint| {
        (
            if p.val_accuracy.is_finite() {
                p.val_accuracy
            } else {
                -1.0
            },
            if p.val_loss.is_finite() {
                -p.val_loss
            } else {
                f64::NEG_INFINITY
            },
        )
    };
    let mut best: Option<usize> = None;
    for (i, p) in points.iter().enumerate() {
        match best {
            None => best = Some(i),
            Some(b) => {
                let (ka, kb) = (key(p), key(&points[b]));
                if ka.0 > kb.0
                    || (ka.0 == kb.0 && (ka.1 > kb.1 || (ka.1 == kb.1 && p.lr < points[b].lr)))
                {
                    best = Some(i);
                }
            }
        }
    }
    best
}

/// Tunes one cell from its runs' outcomes (every rate × seed).
pub fn tune_cell(
    activation: &str,
    init: &str,
    arch: Arch,
    depth: usize,
    outcomes: &[RunOutcome],
) -> Option<TunedCell> {
    let mut lrs: Vec<f64> = outcomes.iter().map(|o| o.lr).collect();
    lrs.sort_by(f64::total_cmp);
    lrs.dedup();
    let at = |lr: f64| outcomes.iter().filter(move |o| o.lr == lr);
    let sweep: Vec<LrPoint> = lrs
        .iter()
        .map(|&lr| LrPoint {
            lr,
            runs: at(lr).count(),
            val_accuracy: mean(at(lr).map(|o| o.val_accuracy)),
            val_loss: mean(at(lr).map(|o| o.val_loss)),
            test_accuracy: mean(at(lr).map(|o| o.test_accuracy)),
            diverged: at(lr).filter(|o| o.diverged).count(),
        })
        .collect();
    let chosen = sweep[select_lr(&sweep)?].lr;
    let mut chosen_runs: Vec<&RunOutcome> = at(chosen).collect();
    chosen_runs.sort_by_key(|o| o.seed);
    let test: Vec<f64> = chosen_runs.iter().map(|o| o.test_accuracy).collect();
    let (test_mean, ci95) = mean_ci95(&test);
    Some(TunedCell {
        activation: activation.to_string(),
        init: init.to_string(),
        arch,
        depth,
        chosen_lr: chosen,
        seeds: chosen_runs.iter().map(|o| o.seed).collect(),
        test_accuracy: test,
        test_mean,
        ci95,
        val_mean: mean(chosen_runs.iter().map(|o| o.val_accuracy)),
        log10_grad_ratio: mean(
            chosen_runs
                .iter()
                .map(|o| o.log10_grad_ratio)
                .filter(|x| x.is_finite()),
        ),
        dead_fraction: mean(chosen_runs.iter().map(|o| o.dead_fraction)),
        diverged: chosen_runs.iter().filter(|o| o.diverged).count(),
        sweep,
    })
}

/// Tunes every cell of the sweep runs, in first-seen order of (arch, depth, activation).
pub fn tune_all(runs: &[&TrainRunResult]) -> Vec<TunedCell> {
    let mut keys: Vec<(Arch, usize, String, String)> = Vec::new();
    for r in runs {
        let k = (
            r.config.arch,
            r.config.depth,
            r.config.activation.clone(),
            r.config.init.clone(),
        );
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.iter()
        .filter_map(|(arch, depth, activation, init)| {
            let outcomes: Vec<RunOutcome> = runs
                .iter()
                .filter(|r| {
                    r.config.arch == *arch
                        && r.config.depth == *depth
                        && r.config.activation == *activation
                        && r.config.init == *init
                })
                .map(|r| RunOutcome::of(r))
                .collect();
            tune_cell(activation, init, *arch, *depth, &outcomes)
        })
        .collect()
}

/// One row of a tuned ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankRow {
    /// Index into the tuned cells.
    pub cell: usize,
    /// 1-based rank by test mean.
    pub rank: usize,
    /// Activations of the same (arch, depth) this one cannot be told apart from.
    pub tied_with: Vec<String>,
    /// Whether it cannot be told apart from the best of its group (or is the best).
    pub top: bool,
}

/// The ranking of one (architecture, depth).
#[derive(Debug, Clone, PartialEq)]
pub struct RankGroup {
    /// Architecture.
    pub arch: Arch,
    /// Depth.
    pub depth: usize,
    /// Rows, best first.
    pub rows: Vec<RankRow>,
}

/// Ranks the activations of every (arch, depth) by tuned test mean, with who is tied.
pub fn rank_groups(cells: &[TunedCell]) -> Vec<RankGroup> {
    let mut groups: Vec<(Arch, usize)> = Vec::new();
    for c in cells {
        if !groups.contains(&(c.arch, c.depth)) {
            groups.push((c.arch, c.depth));
        }
    }
    groups
        .into_iter()
        .map(|(arch, depth)| {
            let mut members: Vec<usize> = (0..cells.len())
                .filter(|&i| cells[i].arch == arch && cells[i].depth == depth)
                .collect();
            members.sort_by(|&a, &b| {
                cells[b]
                    .test_mean
                    .total_cmp(&cells[a].test_mean)
                    .then(a.cmp(&b))
            });
            let best = members[0];
            let rows = members
                .iter()
                .enumerate()
                .map(|(k, &i)| RankRow {
                    cell: i,
                    rank: k + 1,
                    tied_with: members
                        .iter()
                        .filter(|&&j| j != i)
                        .filter(|&&j| {
                            welch_compare(&cells[i].test_accuracy, &cells[j].test_accuracy)
                                .is_none()
                        })
                        .map(|&j| cells[j].activation.clone())
                        .collect(),
                    top: i == best
                        || welch_compare(&cells[i].test_accuracy, &cells[best].test_accuracy)
                            .is_none(),
                })
                .collect();
            RankGroup { arch, depth, rows }
        })
        .collect()
}

/// A tuned cell built from crafted per-seed test accuracies (validation = test, one
/// learning rate), for the tests of the claims and of the report's guidance.
#[cfg(test)]
pub(crate) fn crafted_cell(
    activation: &str,
    arch: super::arch::Arch,
    depth: usize,
    test: &[f64],
    dead: f64,
) -> TunedCell {
    let runs: Vec<RunOutcome> = test
        .iter()
        .enumerate()
        .map(|(s, &t)| RunOutcome {
            lr: 0.01,
            seed: s as u64,
            val_accuracy: t,
            val_loss: 1.0 - t,
            test_accuracy: t,
            best_epoch: 1,
            diverged: false,
            log10_grad_ratio: 0.0,
            dead_fraction: dead,
        })
        .collect();
    tune_cell(activation, "init", arch, depth, &runs).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_quantiles_match_tables() {
        for (df, q) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_73),
            (4.0, 2.776_445_105),
            (9.0, 2.262_157_163),
            (30.0, 2.042_272_456),
            (1e6, 1.959_966_0),
        ] {
            let got = student_t_quantile(0.975, df);
            assert!((got - q).abs() < 1e-5, "t(0.975, {df}) = {got}, want {q}");
        }
        assert!((student_t_quantile(0.025, 2.0) + 4.302_652_73).abs() < 1e-6);
        assert!((student_t_cdf(0.0, 3.0) - 0.5).abs() < 1e-15);
        assert!(
            (student_t_cdf(1.0, 1.0) - 0.75).abs() < 1e-12,
            "Cauchy: 1/2 + atan(1)/π"
        );
        assert!(student_t_quantile(1.0, 2.0).is_nan() && student_t_quantile(0.5, 0.0).is_nan());
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
    }

    #[test]
    fn confidence_interval_and_welch() {
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        // s = √2.5, t_{0.975,4} = 2.776445.
        assert!((m - 3.0).abs() < 1e-12);
        assert!(
            (h - 2.776_445_105 * (2.5f64 / 5.0).sqrt()).abs() < 1e-7,
            "{h}"
        );
        assert!(mean_ci95(&[0.7]).1.is_nan());
        use std::cmp::Ordering::*;
        assert_eq!(
            welch_compare(&[0.9, 0.91, 0.92], &[0.5, 0.51, 0.52]),
            Some(Greater)
        );
        assert_eq!(
            welch_compare(&[0.5, 0.51, 0.52], &[0.9, 0.91, 0.92]),
            Some(Less)
        );
        assert_eq!(
            welch_compare(&[0.90, 0.95, 0.85], &[0.91, 0.86, 0.93]),
            None
        );
        assert_eq!(welch_compare(&[1.0, 1.0, 1.0], &[1.0, 1.0, 1.0]), None);
        assert_eq!(
            welch_compare(&[1.0, 1.0, 1.0], &[0.9, 0.9, 0.9]),
            Some(Greater)
        );
        assert_eq!(
            welch_compare(&[1.0], &[0.1, 0.1]),
            None,
            "one seed cannot decide"
        );
    }

    fn outcome(lr: f64, seed: u64, val: f64, test: f64) -> RunOutcome {
        RunOutcome {
            lr,
            seed,
            val_accuracy: val,
            val_loss: 1.0 - val,
            test_accuracy: test,
            best_epoch: 3,
            diverged: false,
            log10_grad_ratio: -0.5,
            dead_fraction: 0.0,
        }
    }

    #[test]
    fn learning_rate_is_chosen_on_validation_not_test() {
        // lr 0.01 has the best validation but a poor test; lr 0.1 the reverse. A selection
        // that peeked at test would pick 0.1.
        let mut runs = Vec::new();
        for seed in 0..3 {
            let s = seed as f64 * 0.01;
            runs.push(outcome(0.001, seed, 0.80 + s, 0.80));
            runs.push(outcome(0.01, seed, 0.95 + s, 0.60 + s));
            runs.push(outcome(0.1, seed, 0.90 + s, 0.99));
        }
        let cell = tune_cell("relu", "kaiming_normal", Arch::Mlp, 8, &runs).unwrap();
        assert_eq!(cell.chosen_lr, 0.01);
        assert_eq!(cell.seeds, vec![0, 1, 2]);
        assert_eq!(cell.test_accuracy, vec![0.60, 0.61, 0.62]);
        assert!((cell.test_mean - 0.61).abs() < 1e-12);
        assert!((cell.ci95 - 4.302_652_73 * 0.01 / 3f64.sqrt()).abs() < 1e-6);
        assert_eq!(cell.sweep.len(), 3);
        assert!((cell.sweep[2].test_accuracy - 0.99).abs() < 1e-12);
        // Equal validation accuracy: the lower validation loss wins, then the smaller rate.
        let mut tie = vec![outcome(0.1, 0, 0.9, 0.1), outcome(0.01, 0, 0.9, 0.2)];
        assert_eq!(
            tune_cell("a", "i", Arch::Mlp, 1, &tie).unwrap().chosen_lr,
            0.01
        );
        tie[0].val_loss = 0.01;
        assert_eq!(
            tune_cell("a", "i", Arch::Mlp, 1, &tie).unwrap().chosen_lr,
            0.1
        );
    }

    fn record(epoch: usize, val_accuracy: f64, val_loss: f64, test_accuracy: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: 0.0,
            val_loss,
            val_accuracy,
            test_loss: 0.0,
            test_accuracy,
            grad_norm_total: 0.0,
            layer_grad_norms: Vec::new(),
            dead_fractions: Vec::new(),
        }
    }

    #[test]
    fn early_stopping_epoch_is_the_best_on_validation() {
        let epochs = vec![
            record(0, 0.1, 2.3, 0.1),
            record(1, 0.8, 0.6, 0.7),
            record(2, 0.9, 0.4, 0.5),
            record(3, 0.9, 0.3, 0.4),
            record(4, 0.85, 0.2, 0.99),
        ];
        assert_eq!(best_epoch(&epochs).unwrap().epoch, 3);
        let diverged = vec![record(0, 0.1, 2.3, 0.12), record(1, 0.1, f64::NAN, 0.0)];
        assert_eq!(best_epoch(&diverged).unwrap().epoch, 0);
    }

    fn cell(activation: &str, test: &[f64]) -> TunedCell {
        let runs: Vec<RunOutcome> = test
            .iter()
            .enumerate()
            .map(|(s, &t)| outcome(0.01, s as u64, 0.9, t))
            .collect();
        tune_cell(activation, "i", Arch::Mlp, 4, &runs).unwrap()
    }

    #[test]
    fn ranking_marks_ties() {
        let cells = vec![
            cell("tanh", &[0.80, 0.81, 0.82]),
            cell("relu", &[0.95, 0.96, 0.97]),
            cell("gelu", &[0.94, 0.97, 0.96]),
        ];
        let groups = rank_groups(&cells);
        assert_eq!(groups.len(), 1);
        let rows = &groups[0].rows;
        let names: Vec<&str> = rows
            .iter()
            .map(|r| cells[r.cell].activation.as_str())
            .collect();
        assert_eq!(names, ["relu", "gelu", "tanh"]);
        assert_eq!(rows[0].tied_with, vec!["gelu".to_string()]);
        assert!(rows[1].top && !rows[2].top);
        assert!(rows[2].tied_with.is_empty());
    }
}
