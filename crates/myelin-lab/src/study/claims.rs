//! The seed article's claims about activation functions, each tested against the study's
//! own numbers and given a verdict: holds, partly, or does not hold here.
//!
//! [`evaluate_claims`] reads only a [`ClaimInputs`] (the tuned cells, a few signal-grid
//! facts, the clipping contrast, the linearity measurements) plus the activation library
//! itself for the claims about a function's shape; nothing is hard-coded but the
//! thresholds, which are stated in each claim's evidence. "Better" and "worse" always mean
//! distinguishable by Welch's t-test at the 5% level over seeds
//! ([`super::tuning::welch_compare`]); otherwise two activations are tied.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use myelin_activations::{softmax, Activation};
use myelin_tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::arch::Arch;
use super::tuning::{welch_compare, TunedCell};

/// A claim's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// The measurements agree with the claim.
    #[serde(rename = "holds")]
    Holds,
    /// Part of it agrees.
    #[serde(rename = "partly")]
    Partly,
    /// The measurements contradict it.
    #[serde(rename = "does not hold here")]
    DoesNotHold,
    /// The study lacks the configurations the claim needs.
    #[serde(rename = "not tested")]
    NotTested,
}

impl Verdict {
    /// The phrase of the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Partly => "partly",
            Verdict::DoesNotHold => "does not hold here",
            Verdict::NotTested => "not tested",
        }
    }

    fn from_parts(all: bool, some: bool) -> Self {
        if all {
            Verdict::Holds
        } else if some {
            Verdict::Partly
        } else {
            Verdict::DoesNotHold
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One tested claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// `a` … `j`.
    pub id: String,
    /// The claim as the article makes it.
    pub claim: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The measured evidence, in words and numbers.
    pub evidence: String,
    /// The numbers behind the verdict.
    pub numbers: BTreeMap<String, f64>,
}

/// Outcome of one fixed-learning-rate contrast run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContrastOutcome {
    /// Learning rate.
    pub lr: f64,
    /// `(epoch, step)` of the first non-finite loss.
    pub diverged_at: Option<(usize, usize)>,
    /// Final validation accuracy.
    pub accuracy: f64,
}

/// What the claims are computed from.
#[derive(Debug, Clone, Default)]
pub struct ClaimInputs<'a> {
    /// The tuned comparison.
    pub tuned: &'a [TunedCell],
    /// Seed-mean `log10(G_1/G_L)` of sigmoid + xavier_normal at the deepest grid depth, and
    /// that depth.
    pub sigmoid_grad_ratio: Option<(f64, usize)>,
    /// Largest `|mean activation|` over layers: sigmoid + xavier, tanh + xavier.
    pub sigmoid_tanh_mean: Option<(f64, f64)>,
    /// SELU + lecun_normal: largest `|mean|`, smallest and largest variance over layers,
    /// and the depth.
    pub selu_moments: Option<(f64, f64, f64, usize)>,
    /// ReLU + kaiming_normal: the last layer's dead fraction in the grid, and its depth.
    pub relu_dead_signal: Option<(f64, usize)>,
    /// The high-learning-rate run and its clipped twin.
    pub high_lr: Option<(ContrastOutcome, ContrastOutcome)>,
    /// Midpoint residual `‖f((a+b)/2) − (f(a)+f(b))/2‖ / ‖f((a+b)/2)‖` of trained MLPs:
    /// `(activation, depth, residual)`.
    pub linearity: Vec<(String, usize, f64)>,
}

/// Whether the spec `activation` is the activation `name` (`leaky_relu(slope=0.01)` is
/// `leaky_relu`).
pub fn is_named(activation: &str, name: &str) -> bool {
    activation == name || activation.split('(').next() == Some(name)
}

fn cells_of<'a>(
    tuned: &'a [TunedCell],
    activation: &'a str,
) -> impl Iterator<Item = &'a TunedCell> + 'a {
    tuned
        .iter()
        .filter(move |c| is_named(&c.activation, activation))
}

fn partner<'a>(tuned: &'a [TunedCell], c: &TunedCell, activation: &str) -> Option<&'a TunedCell> {
    tuned
        .iter()
        .find(|d| d.arch == c.arch && d.depth == c.depth && is_named(&d.activation, activation))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn show(c: &TunedCell) -> String {
    format!(
        "{} {} d{}: {} ± {}",
        c.activation,
        c.arch,
        c.depth,
        pct(c.test_mean),
        if c.ci95.is_finite() {
            format!("{:.1}", 100.0 * c.ci95)
        } else {
            "?".into()
        }
    )
}

/// `a` against `b` in every (arch, depth) that has both, with the comparison.
fn pairs<'a>(
    tuned: &'a [TunedCell],
    a: &'a str,
    b: &'a str,
    keep: impl Fn(&TunedCell) -> bool + 'a,
) -> Vec<(&'a TunedCell, &'a TunedCell, Option<Ordering>)> {
    cells_of(tuned, a)
        .filter(|c| keep(c))
        .filter_map(|c| {
            partner(tuned, c, b).map(|d| (c, d, welch_compare(&c.test_accuracy, &d.test_accuracy)))
        })
        .collect()
}

fn word(o: Option<Ordering>) -> &'static str {
    match o {
        Some(Ordering::Greater) => "better",
        Some(Ordering::Less) => "worse",
        _ => "tied",
    }
}

fn elementwise(spec: &str) -> myelin_activations::Elementwise {
    let a: Activation = spec.parse().expect("built-in activation");
    *a.as_elementwise().expect("elementwise")
}

fn not_tested(id: &str, claim: &str, why: &str) -> Claim {
    Claim {
        id: id.into(),
        claim: claim.into(),
        verdict: Verdict::NotTested,
        evidence: why.into(),
        numbers: BTreeMap::new(),
    }
}

/// Every claim, `a` to `j`, in order.
pub fn evaluate_claims(inputs: &ClaimInputs<'_>) -> Vec<Claim> {
    vec![
        claim_a(inputs),
        claim_b(inputs),
        claim_c(inputs),
        claim_d(inputs),
        claim_e(inputs),
        claim_f(inputs),
        claim_g(inputs),
        claim_h(inputs),
        claim_i(inputs),
        claim_j(),
    ]
}

/// Linearity threshold of claim (a): an affine map has residual 0 up to rounding.
pub const LINEAR_RESIDUAL: f64 = 1e-3;

fn claim_a(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "Without a non-linearity, any depth is one linear map.";
    let identity: Vec<&(String, usize, f64)> = x
        .linearity
        .iter()
        .filter(|l| is_named(&l.0, "identity"))
        .collect();
    if identity.is_empty() {
        return not_tested(
            "a",
            TEXT,
            "no identity MLP was trained (tuning.identity_baseline)",
        );
    }
    let worst = identity.iter().map(|l| l.2).fold(0.0, f64::max);
    let nonlinear = x
        .linearity
        .iter()
        .filter(|l| !is_named(&l.0, "identity"))
        .map(|l| l.2)
        .fold(f64::NAN, f64::min);
    let linear = worst < LINEAR_RESIDUAL;
    // Depth buys the identity network nothing: the deepest is not better than the shallowest.
    let mut ids: Vec<&TunedCell> = cells_of(x.tuned, "identity")
        .filter(|c| c.arch == Arch::Mlp)
        .collect();
    ids.sort_by_key(|c| c.depth);
    let depth_useless = match (ids.first(), ids.last()) {
        (Some(s), Some(d)) if s.depth < d.depth => {
            welch_compare(&d.test_accuracy, &s.test_accuracy) != Some(Ordering::Greater)
        }
        _ => true,
    };
    let mut numbers = BTreeMap::from([("identity_max_midpoint_residual".into(), worst)]);
    if nonlinear.is_finite() {
        numbers.insert("nonlinear_min_midpoint_residual".into(), nonlinear);
    }
    let accs = ids.iter().map(|c| show(c)).collect::<Vec<_>>().join("; ");
    Claim {
        id: "a".into(),
        claim: TEXT.into(),
        verdict: Verdict::from_parts(linear && depth_useless, linear || depth_useless),
        evidence: format!(
            "Trained identity MLPs are affine: midpoint residual ‖f((a+b)/2) − (f(a)+f(b))/2‖/‖f((a+b)/2)‖ ≤ {worst:.1e} (threshold {LINEAR_RESIDUAL:.0e}; non-linear MLPs: ≥ {nonlinear:.2}). Depth {} for the identity net: {accs}.",
            if depth_useless { "does not help" } else { "helps (unexpected)" }
        ),
        numbers,
    }
}

/// The fraction of σ'(0) that counts as a "significant" gradient in claim (b).
pub const SIGNIFICANT_GRADIENT: f64 = 0.1;

fn claim_b(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "Sigmoid's gradient is significant only in about −3..3; deep sigmoid stacks stop learning while shallow ones are fine.";
    let s = elementwise("sigmoid");
    let peak: f64 = s.derivative(0.0);
    // The largest |x| with σ'(x) ≥ 10% of σ'(0), by bisection on x > 0 (σ' decreases there).
    let (mut lo, mut hi) = (0.0f64, 50.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if s.derivative(mid) >= SIGNIFICANT_GRADIENT * peak {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let window = lo;
    let window_ok = (2.0..=4.5).contains(&window);
    let mut mlp: Vec<&TunedCell> = cells_of(x.tuned, "sigmoid")
        .filter(|c| c.arch == Arch::Mlp)
        .collect();
    mlp.sort_by_key(|c| c.depth);
    let mut numbers = BTreeMap::from([
        ("significant_window_halfwidth".into(), window),
        ("sigmoid_derivative_at_0".into(), peak),
    ]);
    let (deep_part, text) = match (mlp.first(), mlp.last()) {
        (Some(shallow), Some(deep)) if shallow.depth < deep.depth => {
            numbers.insert("shallow_test_accuracy".into(), shallow.test_mean);
            numbers.insert("deep_test_accuracy".into(), deep.test_mean);
            let fine = shallow.test_mean >= 0.9;
            let worse =
                welch_compare(&deep.test_accuracy, &shallow.test_accuracy) == Some(Ordering::Less);
            let stopped = deep.test_mean < 0.5;
            (
                (fine && worse && stopped, fine && worse),
                format!(
                    "Shallow vs deep tuned MLP: {} vs {} (deep is {}; \"fine\" means ≥ 90%, \"stopped learning\" < 50%).",
                    show(shallow),
                    show(deep),
                    word(welch_compare(&deep.test_accuracy, &shallow.test_accuracy))
                ),
            )
        }
        _ => (
            (false, false),
            "No shallow/deep pair of sigmoid MLPs was trained.".into(),
        ),
    };
    let grid = match x.sigmoid_grad_ratio {
        Some((r, d)) => {
            numbers.insert("grid_log10_grad_ratio".into(), r);
            format!(" Signal grid, sigmoid + xavier_normal at depth {d}: log10(G_1/G_L) = {r:+.1}.")
        }
        None => String::new(),
    };
    Claim {
        id: "b".into(),
        claim: TEXT.into(),
        verdict: Verdict::from_parts(
            window_ok && deep_part.0,
            window_ok || deep_part.1 || deep_part.0,
        ),
        evidence: format!(
            "σ'(x) ≥ 10% of σ'(0) = {peak:.3} only for |x| ≤ {window:.2}. {text}{grid}"
        ),
        numbers,
    }
}

fn claim_c(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "tanh vanishes too, but is zero-centred with a 4× steeper gradient than sigmoid, so it trains better.";
    let ratio = elementwise("tanh").derivative(0.0f64) / elementwise("sigmoid").derivative(0.0f64);
    let centred = elementwise("tanh").value(0.0f64).abs() < 1e-12;
    let mut numbers = BTreeMap::from([("derivative_ratio_at_0".into(), ratio)]);
    let means = match x.sigmoid_tanh_mean {
        Some((s, t)) => {
            numbers.insert("sigmoid_max_abs_mean".into(), s);
            numbers.insert("tanh_max_abs_mean".into(), t);
            format!(" In the signal grid the largest |mean activation| is {s:.3} for sigmoid and {t:.3} for tanh.")
        }
        None => String::new(),
    };
    let ps = pairs(x.tuned, "tanh", "sigmoid", |_| true);
    if ps.is_empty() {
        return Claim {
            verdict: Verdict::NotTested,
            evidence: format!("tanh'(0)/σ'(0) = {ratio:.2}.{means} No tuned tanh/sigmoid pair."),
            ..not_tested("c", TEXT, "")
        };
    }
    let better = ps.iter().filter(|p| p.2 == Some(Ordering::Greater)).count();
    let worse = ps.iter().filter(|p| p.2 == Some(Ordering::Less)).count();
    numbers.insert("cells_tanh_better".into(), better as f64);
    numbers.insert("cells_tanh_worse".into(), worse as f64);
    numbers.insert("cells_compared".into(), ps.len() as f64);
    let shape_ok = (ratio - 4.0).abs() < 1e-6 && centred;
    let list = ps
        .iter()
        .map(|(a, b, o)| format!("{} vs sigmoid {} ({})", show(a), pct(b.test_mean), word(*o)))
        .collect::<Vec<_>>()
        .join("; ");
    Claim {
        id: "c".into(),
        claim: TEXT.into(),
        verdict: if !shape_ok || worse == ps.len() {
            Verdict::DoesNotHold
        } else if better == ps.len() {
            Verdict::Holds
        } else if better > 0 || worse == 0 {
            Verdict::Partly
        } else {
            Verdict::DoesNotHold
        },
        evidence: format!(
            "tanh'(0)/σ'(0) = {ratio:.2}, tanh(0) = 0.{means} Tuned: {list}. tanh is better in {better} of {} cells, worse in {worse}.",
            ps.len()
        ),
        numbers,
    }
}

/// Dead-unit fraction above which claim (d) counts ReLU units as dying.
pub const DYING_FRACTION: f64 = 0.01;

fn claim_d(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "ReLU creates dead neurons, and Leaky ReLU cures dying ReLU.";
    let slope = elementwise("leaky_relu").derivative(-1.0f64);
    let relu_cells: Vec<&TunedCell> = cells_of(x.tuned, "relu")
        .filter(|c| c.dead_fraction.is_finite())
        .collect();
    let trained_dead = relu_cells
        .iter()
        .map(|c| c.dead_fraction)
        .fold(0.0, f64::max);
    let grid_dead = x.relu_dead_signal.map_or(0.0, |d| d.0);
    let dead = trained_dead > DYING_FRACTION || grid_dead > DYING_FRACTION;
    let ps = pairs(x.tuned, "leaky_relu", "relu", |_| true);
    let better = ps.iter().filter(|p| p.2 == Some(Ordering::Greater)).count();
    let worse = ps.iter().filter(|p| p.2 == Some(Ordering::Less)).count();
    let mut numbers = BTreeMap::from([
        ("relu_max_dead_fraction_trained".into(), trained_dead),
        ("relu_dead_fraction_grid".into(), grid_dead),
        ("leaky_relu_derivative_at_minus_1".into(), slope),
        ("cells_leaky_better".into(), better as f64),
        ("cells_leaky_worse".into(), worse as f64),
    ]);
    numbers.insert("cells_compared".into(), ps.len() as f64);
    let list = ps
        .iter()
        .map(|(a, b, o)| format!("{} vs relu {} ({})", show(a), pct(b.test_mean), word(*o)))
        .collect::<Vec<_>>()
        .join("; ");
    let grid = x.relu_dead_signal.map_or(String::new(), |(d, depth)| {
        format!(
            " In the signal grid {:.0}% of layer {depth}'s ReLU units are off for the whole batch.",
            100.0 * d
        )
    });
    Claim {
        id: "d".into(),
        claim: TEXT.into(),
        verdict: if ps.is_empty() {
            Verdict::NotTested
        } else if dead && slope > 0.0 && better > 0 && worse == 0 {
            Verdict::Holds
        } else if dead && slope > 0.0 && worse == 0 {
            Verdict::Partly
        } else {
            Verdict::DoesNotHold
        },
        evidence: format!(
            "Trained ReLU nets end with up to {:.1}% dead units (threshold {:.0}%).{grid} Leaky ReLU's gradient at −1 is {slope} (never zero, so no unit can die). Accuracy: {list}.",
            100.0 * trained_dead,
            100.0 * DYING_FRACTION
        ),
        numbers,
    }
}

fn claim_e(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "SELU keeps mean and variance through depth (self-normalising).";
    let Some((mean, lo, hi, depth)) = x.selu_moments else {
        return not_tested("e", TEXT, "the grid has no selu + lecun_normal stack");
    };
    let mean_ok = mean < 0.1;
    let var_ok = lo > 0.8 && hi < 1.25;
    Claim {
        id: "e".into(),
        claim: TEXT.into(),
        verdict: Verdict::from_parts(mean_ok && var_ok, mean_ok || var_ok),
        evidence: format!(
            "selu + lecun_normal over {depth} layers: largest |mean| {mean:.3} (holds below 0.1), variance in [{lo:.3}, {hi:.3}] (holds inside (0.8, 1.25))."
        ),
        numbers: BTreeMap::from([
            ("max_abs_mean".into(), mean),
            ("min_variance".into(), lo),
            ("max_variance".into(), hi),
            ("depth".into(), depth as f64),
        ]),
    }
}

/// Depth above which a network counts as "deep" in claim (f).
pub const DEEP: usize = 40;

fn claim_f(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "Swish (SiLU) matches or beats ReLU on deep networks (> 40 layers).";
    let mut ps = pairs(x.tuned, "silu", "relu", |c| {
        c.depth > DEEP && !c.arch.is_recurrent()
    });
    let mut note = String::new();
    if ps.is_empty() {
        let deepest = cells_of(x.tuned, "silu")
            .filter(|c| !c.arch.is_recurrent())
            .map(|c| c.depth)
            .max();
        let Some(deepest) = deepest else {
            return not_tested("f", TEXT, "no tuned silu/relu pair");
        };
        ps = pairs(x.tuned, "silu", "relu", move |c| {
            c.depth == deepest && !c.arch.is_recurrent()
        });
        note = format!(" (no network deeper than {DEEP} was trained; compared at depth {deepest})");
    }
    let worse = ps.iter().filter(|p| p.2 == Some(Ordering::Less)).count();
    let list = ps
        .iter()
        .map(|(a, b, o)| format!("{} vs relu {} ({})", show(a), pct(b.test_mean), word(*o)))
        .collect::<Vec<_>>()
        .join("; ");
    Claim {
        id: "f".into(),
        claim: TEXT.into(),
        verdict: Verdict::from_parts(worse == 0, worse < ps.len()),
        evidence: format!(
            "Deep networks{note}: {list}. SiLU is worse in {worse} of {} cells.",
            ps.len()
        ),
        numbers: BTreeMap::from([
            ("cells_compared".into(), ps.len() as f64),
            ("cells_silu_worse".into(), worse as f64),
        ]),
    }
}

fn claim_g(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "GELU beats ReLU and ELU.";
    let mut comparisons = Vec::new();
    for rival in ["relu", "elu"] {
        comparisons.extend(pairs(x.tuned, "gelu", rival, |_| true));
    }
    if comparisons.is_empty() {
        return not_tested("g", TEXT, "no tuned gelu/relu or gelu/elu pair");
    }
    let better = comparisons
        .iter()
        .filter(|p| p.2 == Some(Ordering::Greater))
        .count();
    let worse = comparisons
        .iter()
        .filter(|p| p.2 == Some(Ordering::Less))
        .count();
    let list = comparisons
        .iter()
        .map(|(a, b, o)| {
            format!(
                "{} d{} vs {} {} ({})",
                a.arch,
                a.depth,
                b.activation,
                pct(b.test_mean),
                word(*o)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Claim {
        id: "g".into(),
        claim: TEXT.into(),
        verdict: Verdict::from_parts(better == comparisons.len(), better > 0),
        evidence: format!(
            "GELU is better in {better}, worse in {worse}, tied in {} of {} comparisons: {list}.",
            comparisons.len() - better - worse,
            comparisons.len()
        ),
        numbers: BTreeMap::from([
            ("comparisons".into(), comparisons.len() as f64),
            ("gelu_better".into(), better as f64),
            ("gelu_worse".into(), worse as f64),
        ]),
    }
}

fn claim_h(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "Exploding gradients end in NaN, and gradient clipping cures it.";
    let Some((high, clipped)) = x.high_lr else {
        return not_tested("h", TEXT, "the contrast runs are off (training.contrasts)");
    };
    let nan = high.diverged_at.is_some();
    let cured = clipped.diverged_at.is_none() && clipped.accuracy > 0.5;
    let h = match high.diverged_at {
        Some((e, s)) => format!("became NaN at epoch {e}, step {s}"),
        None => format!("did not diverge ({} accuracy)", pct(high.accuracy)),
    };
    let c = match clipped.diverged_at {
        Some((e, s)) => format!("still became NaN at epoch {e}, step {s}"),
        None => format!("finished at {} validation accuracy", pct(clipped.accuracy)),
    };
    Claim {
        id: "h".into(),
        claim: TEXT.into(),
        verdict: Verdict::from_parts(nan && cured, nan),
        evidence: format!("ReLU MLP at learning rate {}: the loss {h}; with global-norm clipping it {c} (cured means no NaN and > 50%).", high.lr),
        numbers: BTreeMap::from([
            ("high_lr".into(), high.lr),
            ("unclipped_diverged".into(), f64::from(u8::from(nan))),
            ("clipped_accuracy".into(), clipped.accuracy),
        ]),
    }
}

fn claim_i(x: &ClaimInputs<'_>) -> Claim {
    const TEXT: &str = "Begin with ReLU: it is a good default.";
    let groups = super::tuning::rank_groups(x.tuned);
    let mut total = 0usize;
    let mut top = 0usize;
    let mut ranks = Vec::new();
    for g in &groups {
        if let Some(row) = g
            .rows
            .iter()
            .find(|r| is_named(&x.tuned[r.cell].activation, "relu"))
        {
            total += 1;
            top += usize::from(row.top);
            ranks.push(format!(
                "{} d{}: #{} of {}{}",
                g.arch,
                g.depth,
                row.rank,
                g.rows.len(),
                if row.top { " (top group)" } else { "" }
            ));
        }
    }
    if total == 0 {
        return not_tested("i", TEXT, "relu was not in the tuned comparison");
    }
    let share = top as f64 / total as f64;
    Claim {
        id: "i".into(),
        claim: TEXT.into(),
        verdict: if share >= 2.0 / 3.0 {
            Verdict::Holds
        } else if share >= 1.0 / 3.0 {
            Verdict::Partly
        } else {
            Verdict::DoesNotHold
        },
        evidence: format!(
            "ReLU is in the top group (not distinguishable from the best) in {top} of {total} architecture/depth cells (holds from 2/3, partly from 1/3): {}.",
            ranks.join("; ")
        ),
        numbers: BTreeMap::from([("top_share".into(), share), ("cells".into(), total as f64)]),
    }
}

fn claim_j() -> Claim {
    const TEXT: &str = "Output activation by task: linear for regression, sigmoid for binary, softmax for multi-class, sigmoid per label for multi-label.";
    let sig = elementwise("sigmoid");
    // Regression: the adding problem's targets lie in [0, 2]; a sigmoid output cannot go
    // above 1, a linear one can.
    let sigmoid_max = sig.value(40.0f64);
    let regression_ok = sigmoid_max <= 1.0;
    // Binary: sigmoid maps any logit into (0, 1), a probability.
    let binary_ok = sig.value(-30.0f64) > 0.0
        && sig.value(30.0f64) < 1.0
        && (sig.value(0.0f64) - 0.5).abs() < 1e-12;
    // Multi-class: softmax rows are a distribution.
    let logits =
        Tensor::<f64>::from_vec(vec![3.0, -1.0, 0.5, 2.0, 2.0, -4.0], &[2, 3]).expect("2×3");
    let p = softmax(&logits, 1)
        .expect("softmax of a 2×3 tensor")
        .to_vec();
    let row_sums = [p[0] + p[1] + p[2], p[3] + p[4] + p[5]];
    let multiclass_ok = row_sums.iter().all(|s| (s - 1.0).abs() < 1e-12);
    // Multi-label with two true labels: softmax can give at most 0.5 to each (they share
    // one unit of mass); independent sigmoids give both → 1.
    let two = Tensor::<f64>::from_vec(vec![20.0, 20.0, -20.0], &[1, 3]).expect("1×3");
    let softmax_two = softmax(&two, 1).expect("softmax").to_vec()[0];
    let sigmoid_two = sig.value(20.0f64);
    let multilabel_ok = softmax_two <= 0.5 + 1e-12 && sigmoid_two > 0.99;
    let all = regression_ok && binary_ok && multiclass_ok && multilabel_ok;
    let some = regression_ok || binary_ok || multiclass_ok || multilabel_ok;
    Claim {
        id: "j".into(),
        claim: TEXT.into(),
        verdict: Verdict::from_parts(all, some),
        evidence: format!(
            "Measured on the library's functions: sigmoid never exceeds {sigmoid_max:.3}, so it cannot output the adding problem's targets in [0, 2] (the study's RNN uses a linear read-out with MSE); sigmoid(±30) stays inside (0, 1); softmax rows sum to {:.12} and {:.12}; with two true labels softmax gives each at most {softmax_two:.3} while per-label sigmoids give {sigmoid_two:.4}.",
            row_sums[0], row_sums[1]
        ),
        numbers: BTreeMap::from([
            ("sigmoid_max".into(), sigmoid_max),
            ("softmax_two_label_share".into(), softmax_two),
            ("sigmoid_two_label".into(), sigmoid_two),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tuning::crafted_cell;
    use super::*;

    fn cell(activation: &str, arch: Arch, depth: usize, test: &[f64], dead: f64) -> TunedCell {
        crafted_cell(activation, arch, depth, test, dead)
    }

    fn by_id<'a>(claims: &'a [Claim], id: &str) -> &'a Claim {
        claims.iter().find(|c| c.id == id).unwrap()
    }

    const HIGH: [f64; 3] = [0.96, 0.97, 0.98];
    const MID: [f64; 3] = [0.80, 0.81, 0.82];
    const LOW: [f64; 3] = [0.10, 0.11, 0.12];

    #[test]
    fn crafted_results_give_the_expected_verdicts() {
        assert!(is_named("leaky_relu(slope=0.01)", "leaky_relu") && !is_named("selu", "elu"));
        let tuned = vec![
            cell("sigmoid", Arch::Mlp, 4, &HIGH, 0.0),
            cell("sigmoid", Arch::Mlp, 48, &LOW, 0.0),
            cell("tanh", Arch::Mlp, 4, &HIGH, 0.0),
            cell("tanh", Arch::Mlp, 48, &MID, 0.0),
            cell("relu", Arch::Mlp, 4, &HIGH, 0.2),
            cell("relu", Arch::Mlp, 48, &MID, 0.3),
            cell("leaky_relu(slope=0.01)", Arch::Mlp, 4, &HIGH, 0.0),
            cell("leaky_relu(slope=0.01)", Arch::Mlp, 48, &HIGH, 0.0),
            cell("silu", Arch::Mlp, 48, &HIGH, 0.0),
            cell("gelu", Arch::Mlp, 48, &LOW, 0.0),
            cell("elu(alpha=1)", Arch::Mlp, 48, &MID, 0.0),
            cell("identity", Arch::Mlp, 4, &MID, 0.0),
            cell("identity", Arch::Mlp, 48, &MID, 0.0),
        ];
        let inputs = ClaimInputs {
            tuned: &tuned,
            sigmoid_grad_ratio: Some((-30.0, 50)),
            sigmoid_tanh_mean: Some((0.5, 0.01)),
            selu_moments: Some((0.02, 0.9, 1.1, 50)),
            relu_dead_signal: Some((0.38, 50)),
            high_lr: Some((
                ContrastOutcome {
                    lr: 0.2,
                    diverged_at: Some((1, 3)),
                    accuracy: 0.1,
                },
                ContrastOutcome {
                    lr: 0.2,
                    diverged_at: None,
                    accuracy: 0.9,
                },
            )),
            linearity: vec![("identity".into(), 48, 1e-7), ("relu".into(), 48, 0.4)],
        };
        let claims = evaluate_claims(&inputs);
        assert_eq!(claims.len(), 10);
        let v = |id: &str| by_id(&claims, id).verdict;
        assert_eq!(v("a"), Verdict::Holds);
        assert_eq!(v("b"), Verdict::Holds, "{}", by_id(&claims, "b").evidence);
        // tanh ties sigmoid shallow, beats it deep: partly.
        assert_eq!(v("c"), Verdict::Partly);
        // ReLU has dead units; leaky ties shallow and is better deep, never worse: holds.
        assert_eq!(v("d"), Verdict::Holds);
        assert_eq!(v("e"), Verdict::Holds);
        assert_eq!(v("f"), Verdict::Holds);
        // GELU is worse than both: does not hold.
        assert_eq!(v("g"), Verdict::DoesNotHold);
        assert_eq!(v("h"), Verdict::Holds);
        // ReLU is top shallow (tied with everyone at HIGH) but not deep: 1 of 2 → partly.
        assert_eq!(v("i"), Verdict::Partly);
        assert_eq!(v("j"), Verdict::Holds);
        let b = by_id(&claims, "b");
        let w = b.numbers["significant_window_halfwidth"];
        assert!(
            (w - 3.63).abs() < 0.01,
            "σ' ≥ 0.025 for |x| ≤ 3.63, got {w}"
        );
        assert!((by_id(&claims, "c").numbers["derivative_ratio_at_0"] - 4.0).abs() < 1e-12);
    }

    #[test]
    fn contrary_results_flip_the_verdicts() {
        let tuned = vec![
            cell("sigmoid", Arch::Mlp, 4, &HIGH, 0.0),
            cell("sigmoid", Arch::Mlp, 48, &HIGH, 0.0),
            cell("tanh", Arch::Mlp, 48, &LOW, 0.0),
            cell("relu", Arch::Mlp, 48, &HIGH, 0.0),
            cell("leaky_relu", Arch::Mlp, 48, &LOW, 0.0),
            cell("silu", Arch::Mlp, 48, &LOW, 0.0),
            cell("gelu", Arch::Mlp, 48, &[0.99, 0.995, 1.0], 0.0),
            cell("elu", Arch::Mlp, 48, &MID, 0.0),
        ];
        let inputs = ClaimInputs {
            tuned: &tuned,
            selu_moments: Some((0.5, 0.2, 3.0, 50)),
            high_lr: Some((
                ContrastOutcome {
                    lr: 0.2,
                    diverged_at: None,
                    accuracy: 0.9,
                },
                ContrastOutcome {
                    lr: 0.2,
                    diverged_at: None,
                    accuracy: 0.9,
                },
            )),
            linearity: vec![("identity".into(), 48, 0.5)],
            ..ClaimInputs::default()
        };
        let claims = evaluate_claims(&inputs);
        let v = |id: &str| by_id(&claims, id).verdict;
        // Residual 0.5 → not affine; depth does not help (one identity cell) → partly.
        assert_eq!(v("a"), Verdict::Partly);
        // The window is right, but deep sigmoid is as good as shallow: partly.
        assert_eq!(v("b"), Verdict::Partly);
        assert_eq!(v("c"), Verdict::DoesNotHold);
        // No dead units and leaky is worse.
        assert_eq!(v("d"), Verdict::DoesNotHold);
        assert_eq!(v("e"), Verdict::DoesNotHold);
        assert_eq!(v("f"), Verdict::DoesNotHold);
        assert_eq!(v("g"), Verdict::Holds);
        assert_eq!(v("h"), Verdict::DoesNotHold);
        assert_eq!(
            v("i"),
            Verdict::DoesNotHold,
            "{}",
            by_id(&claims, "i").evidence
        );
        let empty = evaluate_claims(&ClaimInputs::default());
        for id in ["a", "c", "d", "e", "f", "g", "h", "i"] {
            assert_eq!(by_id(&empty, id).verdict, Verdict::NotTested, "{id}");
        }
    }
}
