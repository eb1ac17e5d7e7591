//! [`ReportData`]: every number the report shows, computed once from the study results.
//!
//! Sections and plots only format and draw what is here; they compute nothing of their own
//! beyond picking values. The numbers are tested against the CSV/JSON files of the same
//! run (`tests/study_quick.rs`).

use std::collections::BTreeMap;

use crate::probe::ProbeResult;
use crate::theory::Regime;

use super::super::training::{Role, TrainRunResult};
use super::super::{histogram_depth, recommended_init, StudyConfig, StudyResults};
use super::facts::{FactQuantity, KNOWN_FACTS, REFERENCE_DEPTH, REFERENCE_WIDTH};

/// Mean of `values` (NaN when empty).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// Mean and sample standard deviation (0 for fewer than two values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let m = mean(values);
    if values.len() < 2 {
        return (m, 0.0);
    }
    let v = values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    (m, v.sqrt())
}

/// Seed-aggregated view of one (activation, init, depth, width) cell.
#[derive(Debug, Clone)]
pub struct Cell<'a> {
    /// The runs, one per seed.
    pub runs: Vec<&'a ProbeResult>,
}

impl Cell<'_> {
    /// Mean and standard deviation over seeds of the measured `log10(G_1/G_L)`.
    pub fn measured(&self) -> (f64, f64) {
        mean_sd(
            &self
                .runs
                .iter()
                .map(|r| r.log10_grad_ratio)
                .collect::<Vec<_>>(),
        )
    }
    /// The predicted `log10(G_1/G_L)`.
    pub fn predicted(&self) -> f64 {
        self.runs
            .first()
            .map_or(f64::NAN, |r| r.theory.log10_grad_ratio)
    }
    /// Regime of the seed-mean measurement (NaN/overflow if any seed had it).
    pub fn regime(&self) -> Regime {
        if self.runs.iter().any(|r| r.regime == Regime::Nan) {
            return Regime::Nan;
        }
        if self.runs.iter().any(|r| r.regime == Regime::Overflow) {
            return Regime::Overflow;
        }
        Regime::classify(self.measured().0)
    }
    /// Largest `|act_mean|` over every layer of every seed.
    pub fn max_abs_act_mean(&self) -> f64 {
        self.runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|s| s.act_mean.abs()))
            .fold(0.0, f64::max)
    }
    /// Smallest and largest `act_var` over every layer of every seed.
    pub fn act_var_range(&self) -> (f64, f64) {
        self.runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|s| s.act_var))
            .fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)))
    }
    /// Mean and standard deviation over seeds of the last layer's dead fraction.
    pub fn last_dead_fraction(&self) -> (f64, f64) {
        let dead: Vec<f64> = self
            .runs
            .iter()
            .filter_map(|r| r.layers.last().map(|s| s.dead_fraction))
            .collect();
        mean_sd(&dead)
    }
}

/// The key of a [`Cell`]: activation, init, depth, width.
pub type Key = (String, String, usize, usize);

/// Groups probes by (activation, init, depth, width).
pub fn cells(signal: &[ProbeResult]) -> BTreeMap<Key, Cell<'_>> {
    let mut map: BTreeMap<Key, Cell<'_>> = BTreeMap::new();
    for r in signal {
        let key = (r.activation.clone(), r.init.clone(), r.depth, r.width);
        map.entry(key)
            .or_insert(Cell { runs: Vec::new() })
            .runs
            .push(r);
    }
    map
}

/// The distinct items in first-seen order.
pub fn unique<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// One activation's best initialiser at the deepest probe depth (a ranking row).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Activation spec.
    pub activation: String,
    /// The grid initialiser with the smallest `|log10(G_1/G_L)|`.
    pub best_init: String,
    /// Its measured seed-mean `log10(G_1/G_L)`.
    pub measured: f64,
    /// Its predicted `log10(G_1/G_L)`.
    pub predicted: f64,
    /// Its regime.
    pub regime: Regime,
    /// `(init, final validation accuracy)` of the recommended training run at the deepest
    /// training depth, when there is one.
    pub trained: Option<(String, f64)>,
}

impl Verdict {
    /// Ranking score: `|measured|`, infinite when not finite.
    pub fn score(&self) -> f64 {
        if self.measured.is_finite() {
            self.measured.abs()
        } else {
            f64::INFINITY
        }
    }
}

/// Regime counts of every cell at one depth (a row of the regimes table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegimeRow {
    /// The probe depth.
    pub depth: usize,
    /// Cells measured vanishing.
    pub vanishing: usize,
    /// Cells measured stable.
    pub stable: usize,
    /// Cells measured exploding.
    pub exploding: usize,
    /// Cells with a NaN or an overflow.
    pub non_finite: usize,
    /// Cells whose measured regime equals the predicted one.
    pub agree: usize,
    /// Cells at this depth.
    pub total: usize,
}

/// How far the measurement is from the theory over every finite cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TheoryError {
    /// Finite cells.
    pub cells: usize,
    /// Median `|measured − predicted|` in decades.
    pub median: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Maximum.
    pub max: f64,
}

/// One row of the known-facts table.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRow {
    /// "activation + init".
    pub configuration: String,
    /// What is compared.
    pub quantity: String,
    /// The measurement, formatted.
    pub measured: String,
    /// The prediction, formatted.
    pub predicted: String,
    /// The literature / reference value.
    pub reference: String,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct ReportData<'a> {
    /// The study configuration.
    pub config: &'a StudyConfig,
    /// Every probe, in grid order.
    pub signal: &'a [ProbeResult],
    /// The fixed-learning-rate training runs (recommended and contrasts), in order.
    pub training: &'a [TrainRunResult],
    /// The tuned comparison's sweep runs, in order.
    pub sweep: &'a [TrainRunResult],
    /// The tuned comparison, its recommendations and the article's claims.
    pub tuned: super::tuned::TunedReport,
    /// Seconds of the signal part.
    pub signal_seconds: f64,
    /// Seconds of the training part.
    pub training_seconds: f64,
    /// Jacobian spectra and the trainability heat map.
    pub extras: &'a super::super::theory_extras::TheoryExtras,
    /// Seed-aggregated cells.
    pub cells: BTreeMap<Key, Cell<'a>>,
    /// Activations in grid order.
    pub activations: Vec<String>,
    /// Initialisers in grid order.
    pub inits: Vec<String>,
    /// Probe depths, ascending.
    pub depths: Vec<usize>,
    /// The width shown (the first probe's).
    pub width: usize,
    /// The seed shown in single-run plots (the first probe's).
    pub first_seed: u64,
    /// The deepest probe depth.
    pub deepest: usize,
    /// The depth with histograms.
    pub hist_depth: usize,
    /// Ranking rows, best first.
    pub ranking: Vec<Verdict>,
    /// Regime counts per depth.
    pub regimes: Vec<RegimeRow>,
    /// Measurement against theory, when any cell is finite.
    pub theory_error: Option<TheoryError>,
    /// Rows of the known-facts table (empty when the grid lacks the reference cells).
    pub facts: Vec<FactRow>,
    /// Depths of the recommended training runs, in run order.
    pub train_depths: Vec<usize>,
    /// The deepest of them.
    pub deepest_train: Option<usize>,
}

/// `+1.23`, `NaN`, `+inf`, `-inf`.
pub fn signed(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+inf" } else { "-inf" }.into()
    } else {
        format!("{x:+.2}")
    }
}

impl<'a> ReportData<'a> {
    /// Computes every number of the report.
    pub fn new(results: &'a StudyResults) -> Self {
        let signal = &results.signal[..];
        // The sweep runs come after the fixed-lr runs (see `training_runs`).
        let fixed = results
            .training
            .iter()
            .take_while(|r| r.config.role != Role::Sweep)
            .count();
        let (training, sweep) = results.training.split_at(fixed);
        let cells = cells(signal);
        let activations = unique(signal.iter().map(|r| r.activation.clone()));
        let inits = unique(signal.iter().map(|r| r.init.clone()));
        let mut depths = unique(signal.iter().map(|r| r.depth));
        depths.sort_unstable();
        let train_depths = unique(
            training
                .iter()
                .filter(|r| r.config.role == Role::Recommended)
                .map(|r| r.config.depth),
        );
        let mut data = ReportData {
            config: &results.config,
            signal,
            training,
            sweep,
            tuned: Default::default(),
            signal_seconds: results.signal_seconds,
            training_seconds: results.training_seconds,
            extras: &results.extras,
            cells,
            width: signal.first().map_or(0, |r| r.width),
            first_seed: signal.first().map_or(0, |r| r.seed),
            deepest: depths.last().copied().unwrap_or(0),
            hist_depth: histogram_depth(&results.config),
            activations,
            inits,
            depths,
            ranking: Vec::new(),
            regimes: Vec::new(),
            theory_error: None,
            facts: Vec::new(),
            deepest_train: train_depths.iter().copied().max(),
            train_depths,
        };
        data.ranking = data.compute_ranking();
        data.regimes = data.compute_regimes();
        data.theory_error = data.compute_theory_error();
        data.facts = data.compute_facts();
        data.tuned = super::tuned::TunedReport::new(&data);
        data
    }

    /// The cell of `(activation, init, depth)` at the shown width.
    pub fn cell(&self, activation: &str, init: &str, depth: usize) -> Option<&Cell<'a>> {
        self.cells
            .get(&(activation.to_string(), init.to_string(), depth, self.width))
    }

    /// The first seed's run of a cell.
    pub fn first_run(&self, activation: &str, init: &str, depth: usize) -> Option<&'a ProbeResult> {
        self.cell(activation, init, depth)
            .and_then(|c| c.runs.iter().find(|r| r.seed == self.first_seed).copied())
    }

    /// The seed-mean measured `log10(G_1/G_L)` at the deepest depth.
    pub fn measured_at_deepest(&self, activation: &str, init: &str) -> Option<f64> {
        self.cell(activation, init, self.deepest)
            .map(|c| c.measured().0)
    }

    /// Training runs with the given role, in order.
    pub fn runs_with(&self, role: Role) -> impl Iterator<Item = &'a TrainRunResult> {
        self.training.iter().filter(move |r| r.config.role == role)
    }

    /// The contrast runs (every role but recommended), in order.
    pub fn contrasts(&self) -> impl Iterator<Item = &'a TrainRunResult> {
        self.training.iter().filter(|r| r.config.role.is_contrast())
    }

    /// `(init, final accuracy)` of the recommended run of `activation` at the deepest
    /// training depth.
    pub fn trained(&self, activation: &str) -> Option<(String, f64)> {
        self.runs_with(Role::Recommended)
            .find(|r| {
                r.config.activation == activation && Some(r.config.depth) == self.deepest_train
            })
            .map(|r| (r.config.init.clone(), r.final_accuracy()))
    }

    /// The grid initialiser to show for an activation: its recommended one if the grid has
    /// it (ignoring `gain=auto`), else kaiming_normal, else the first.
    pub fn preferred_init(&self, activation: &str) -> String {
        let recommended = activation
            .parse()
            .map(|a| recommended_init(&a).to_string())
            .unwrap_or_default();
        let plain = recommended.split('(').next().unwrap_or("").to_string();
        for candidate in [recommended, plain, "kaiming_normal".to_string()] {
            if self.inits.contains(&candidate) {
                return candidate;
            }
        }
        self.inits.first().cloned().unwrap_or_default()
    }

    fn compute_ranking(&self) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        for a in &self.activations {
            let mut best: Option<Verdict> = None;
            for i in &self.inits {
                let Some(cl) = self.cell(a, i, self.deepest) else {
                    continue;
                };
                let candidate = Verdict {
                    activation: a.clone(),
                    best_init: i.clone(),
                    measured: cl.measured().0,
                    predicted: cl.predicted(),
                    regime: cl.regime(),
                    trained: None,
                };
                if best
                    .as_ref()
                    .is_none_or(|b| candidate.score() < b.measured.abs() || !b.measured.is_finite())
                {
                    best = Some(candidate);
                }
            }
            if let Some(mut b) = best {
                b.trained = self.trained(a);
                verdicts.push(b);
            }
        }
        verdicts.sort_by(|a, b| a.score().total_cmp(&b.score()));
        verdicts
    }

    fn compute_regimes(&self) -> Vec<RegimeRow> {
        self.depths
            .iter()
            .map(|&depth| {
                let cs: Vec<&Cell<'_>> = self
                    .cells
                    .iter()
                    .filter(|(k, _)| k.2 == depth && k.3 == self.width)
                    .map(|(_, v)| v)
                    .collect();
                let count =
                    |g: &dyn Fn(Regime) -> bool| cs.iter().filter(|c| g(c.regime())).count();
                RegimeRow {
                    depth,
                    vanishing: count(&|r| r == Regime::Vanishing),
                    stable: count(&|r| r == Regime::Stable),
                    exploding: count(&|r| r == Regime::Exploding),
                    non_finite: count(&|r| matches!(r, Regime::Nan | Regime::Overflow)),
                    agree: cs
                        .iter()
                        .filter(|c| c.regime() == Regime::classify(c.predicted()))
                        .count(),
                    total: cs.len(),
                }
            })
            .collect()
    }

    fn compute_theory_error(&self) -> Option<TheoryError> {
        let mut sorted: Vec<f64> = self
            .cells
            .values()
            .filter(|c| c.measured().0.is_finite() && c.predicted().is_finite())
            .map(|c| (c.measured().0 - c.predicted()).abs())
            .collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        Some(TheoryError {
            cells: n,
            median: sorted[n / 2],
            p90: sorted[(n - 1) * 9 / 10],
            max: sorted[n - 1],
        })
    }

    fn compute_facts(&self) -> Vec<FactRow> {
        let mut rows = Vec::new();
        for fact in KNOWN_FACTS {
            let key = (
                fact.activation.to_string(),
                fact.init.to_string(),
                REFERENCE_DEPTH,
                REFERENCE_WIDTH,
            );
            let Some(cl) = self.cells.get(&key) else {
                continue;
            };
            let (quantity, measured, predicted) = match fact.quantity {
                FactQuantity::GradRatio => {
                    let (m, s) = cl.measured();
                    (
                        "log10(G_1/G_L)".to_string(),
                        format!("{} ± {s:.2}", signed(m)),
                        signed(cl.predicted()),
                    )
                }
                FactQuantity::SelfNormalising => {
                    let (lo, hi) = cl.act_var_range();
                    (
                        "max |act_mean|, act_var range over all layers".to_string(),
                        format!("{:.3}, [{lo:.3}, {hi:.3}]", cl.max_abs_act_mean()),
                        "fixed point (0, 1)".to_string(),
                    )
                }
                FactQuantity::LastLayerDeadFraction => {
                    let (m, s) = cl.last_dead_fraction();
                    (
                        format!("dead fraction at layer {REFERENCE_DEPTH}"),
                        format!("{m:.3} ± {s:.3}"),
                        "—".to_string(),
                    )
                }
            };
            rows.push(FactRow {
                configuration: format!("{} + {}", fact.activation, fact.init),
                quantity,
                measured,
                predicted,
                reference: fact.reference.to_string(),
            });
        }
        rows
    }
}
