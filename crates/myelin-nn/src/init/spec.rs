//! Weight-initialiser specifications as written in configs and on the command line.
//!
//! This is the single definition of the spec; `myelin-lab` re-exports it.
//!
//! Accepted spellings (case-insensitive, whitespace ignored):
//!
//! | spec                   | distribution                         | Var(W_ij), default gain        |
//! |------------------------|--------------------------------------|--------------------------------|
//! | `xavier_uniform`       | U(±g·√(6/(fan_in+fan_out)))          | 2/(fan_in+fan_out)             |
//! | `xavier_normal`        | N(0, g²·2/(fan_in+fan_out))          | 2/(fan_in+fan_out)             |
//! | `kaiming_uniform`      | U(±√(3·g²/fan_in)), g = √2 default   | 2/fan_in                       |
//! | `kaiming_normal`       | N(0, g²/fan_in), g = √2 default      | 2/fan_in                       |
//! | `lecun_normal`         | N(0, g²/fan_in)                      | 1/fan_in                       |
//! | `lecun_uniform`        | U(±g·√(3/fan_in))                    | 1/fan_in                       |
//! | `orthogonal`           | g · (semi-)orthogonal matrix         | 1/max(fan_in, fan_out)         |
//! | `normal(std)`          | N(0, (g·std)²)                       | std²                           |
//! | `torch_default`        | U(±g/√fan_in) (PyTorch `nn.Linear`)  | 1/(3·fan_in)                   |
//!
//! Each may carry a gain: `xavier_normal(gain=auto)`, `orthogonal(gain=1.5)`,
//! `normal(0.1, gain=2)`. `gain=auto` means "the recommended gain of the layer's
//! activation", which only the caller knows; it is kept as [`Gain::Auto`] and
//! resolved by passing that gain to [`InitSpec::weight_variance`], or the activation to
//! [`InitSpec::init_`] (which asks [`crate::init::auto_gain`]).
//!
//! `gain=critical` means "the gain that puts the layer on the edge of chaos": the `g` with
//! `fan_in · Var(W_ij) = σ_w²*`, where `(σ_w²*, σ_b²)` solves `χ₁ = σ_w² E[φ'(√q* z)²] = 1`
//! at the fixed point `q*` of the variance map (Schoenholz et al. 2017). Unlike `auto`
//! (which keeps the *forward* second moment at 1 for a unit input, ignoring where the
//! variance settles), `critical` keeps *gradient* norms constant through depth, and it
//! depends on the bias variance σ_b². It is solved by the mean-field theory in
//! `myelin-lab` (`myelin_lab::critical::resolve_init`), which the lab's probe calls;
//! resolve the spec there before calling [`InitSpec::init_`], which rejects it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use myelin_activations::Activation;
use myelin_tensor::{Element, Tensor};
use rand::Rng;

use crate::error::NnError;

/// The initialiser family, without its gain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InitKind {
    /// Glorot & Bengio (2010), uniform variant.
    XavierUniform,
    /// Glorot & Bengio (2010), normal variant.
    XavierNormal,
    /// He et al. (2015), uniform variant, fan-in mode.
    KaimingUniform,
    /// He et al. (2015), normal variant, fan-in mode.
    KaimingNormal,
    /// LeCun et al. (1998) normal: variance 1/fan_in.
    LecunNormal,
    /// LeCun uniform: U(±√(3/fan_in)), variance 1/fan_in.
    LecunUniform,
    /// Saxe et al. (2014): a (semi-)orthogonal matrix scaled by the gain.
    Orthogonal,
    /// Plain normal with an absolute standard deviation, independent of fan sizes.
    Normal {
        /// The standard deviation before the gain is applied.
        std: f64,
    },
    /// PyTorch's `nn.Linear` default: U(±1/√fan_in).
    TorchDefault,
}

/// The shape of the distribution an initialiser samples from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeightDistribution {
    /// Entries iid N(0, std²).
    Normal {
        /// Standard deviation of every entry.
        std: f64,
    },
    /// Entries iid U(−bound, bound).
    Uniform {
        /// Half-width of the interval.
        bound: f64,
    },
    /// A (semi-)orthogonal matrix multiplied by `gain`.
    Orthogonal {
        /// Scale applied to the orthogonal matrix.
        gain: f64,
    },
}

/// The gain written after an initialiser name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gain {
    /// No gain written: use the family's default (√2 for Kaiming, 1 otherwise).
    Default,
    /// `gain=G` with an explicit positive number.
    Explicit(f64),
    /// `gain=auto`: the recommended gain of the activation, supplied by the caller.
    Auto,
    /// `gain=critical`: the edge-of-chaos gain of the activation and bias variance, supplied
    /// by the caller (see the module docs).
    Critical,
}

/// A parsed initialiser: family plus gain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InitSpec {
    /// The initialiser family.
    pub kind: InitKind,
    /// The gain applied on top of the family's formula.
    pub gain: Gain,
}

/// Canonical spellings of the initialiser names, in the order they are listed in errors.
pub const INIT_NAMES: [&str; 9] = [
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "normal(std)",
    "torch_default",
];

impl InitKind {
    /// The gain used when none is written: √2 for Kaiming (PyTorch's `nonlinearity='relu'`), 1 otherwise.
    pub fn default_gain(&self) -> f64 {
        match self {
            InitKind::KaimingUniform | InitKind::KaimingNormal => std::f64::consts::SQRT_2,
            _ => 1.0,
        }
    }

    /// Per-entry variance Var(W_ij) for a layer with the given fan sizes and an already resolved gain.
    pub fn weight_variance(&self, fan_in: usize, fan_out: usize, gain: f64) -> f64 {
        let fan_in = fan_in as f64;
        let fan_out = fan_out as f64;
        let gain2 = gain * gain;
        match self {
            InitKind::XavierUniform | InitKind::XavierNormal => gain2 * 2.0 / (fan_in + fan_out),
            InitKind::KaimingUniform
            | InitKind::KaimingNormal
            | InitKind::LecunNormal
            | InitKind::LecunUniform => gain2 / fan_in,
            // Rows (if fan_out ≤ fan_in) or columns are orthonormal, so each entry has
            // mean square 1/(length of that unit vector) = 1/max(fan_in, fan_out).
            InitKind::Orthogonal => gain2 / fan_in.max(fan_out),
            InitKind::Normal { std } => gain2 * std * std,
            InitKind::TorchDefault => gain2 / (3.0 * fan_in),
        }
    }

    /// The distribution to sample from so that entries have [`Self::weight_variance`].
    pub fn distribution(&self, fan_in: usize, fan_out: usize, gain: f64) -> WeightDistribution {
        let variance = self.weight_variance(fan_in, fan_out, gain);
        match self {
            InitKind::XavierUniform
            | InitKind::KaimingUniform
            | InitKind::LecunUniform
            | InitKind::TorchDefault => {
                // Var(U(−b, b)) = b²/3.
                WeightDistribution::Uniform {
                    bound: (3.0 * variance).sqrt(),
                }
            }
            InitKind::Orthogonal => WeightDistribution::Orthogonal { gain },
            InitKind::XavierNormal
            | InitKind::KaimingNormal
            | InitKind::LecunNormal
            | InitKind::Normal { .. } => WeightDistribution::Normal {
                std: variance.sqrt(),
            },
        }
    }

    fn base_name(&self) -> &'static str {
        match self {
            InitKind::XavierUniform => "xavier_uniform",
            InitKind::XavierNormal => "xavier_normal",
            InitKind::KaimingUniform => "kaiming_uniform",
            InitKind::KaimingNormal => "kaiming_normal",
            InitKind::LecunNormal => "lecun_normal",
            InitKind::LecunUniform => "lecun_uniform",
            InitKind::Orthogonal => "orthogonal",
            InitKind::Normal { .. } => "normal",
            InitKind::TorchDefault => "torch_default",
        }
    }
}

impl InitSpec {
    /// An initialiser with its family's default gain.
    pub fn new(kind: InitKind) -> Self {
        Self {
            kind,
            gain: Gain::Default,
        }
    }

    /// The same initialiser with a different gain.
    pub fn with_gain(self, gain: Gain) -> Self {
        Self { gain, ..self }
    }

    /// The numeric gain, using `auto_gain` (the caller's resolved gain) for `gain=auto`
    /// and `gain=critical`.
    pub fn resolved_gain(&self, auto_gain: f64) -> f64 {
        match self.gain {
            Gain::Default => self.kind.default_gain(),
            Gain::Explicit(gain) => gain,
            Gain::Auto | Gain::Critical => auto_gain,
        }
    }

    /// Per-entry variance Var(W_ij) this initialiser produces.
    ///
    /// `auto_gain` is only consulted when the spec says `gain=auto`.
    pub fn weight_variance(&self, fan_in: usize, fan_out: usize, auto_gain: f64) -> f64 {
        self.kind
            .weight_variance(fan_in, fan_out, self.resolved_gain(auto_gain))
    }

    /// The mean-field parameter σ_w² = fan_in · Var(W_ij).
    pub fn sigma_w2(&self, fan_in: usize, fan_out: usize, auto_gain: f64) -> f64 {
        fan_in as f64 * self.weight_variance(fan_in, fan_out, auto_gain)
    }

    /// The distribution to sample weights from.
    pub fn distribution(
        &self,
        fan_in: usize,
        fan_out: usize,
        auto_gain: f64,
    ) -> WeightDistribution {
        self.kind
            .distribution(fan_in, fan_out, self.resolved_gain(auto_gain))
    }
}

impl InitSpec {
    /// The numeric gain, asking [`crate::init::auto_gain`] for `gain=auto`; without an
    /// activation (a layer followed by none) `auto` means identity's gain, 1.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `gain=auto` is used with a softmax-like
    /// activation, and for `gain=critical`, which needs the mean-field solver
    /// (`myelin_lab::critical::resolve_init`).
    pub fn gain_for(&self, activation: Option<&Activation>) -> Result<f64, NnError> {
        let auto = match (self.gain, activation) {
            (Gain::Critical, _) => {
                return Err(NnError::InvalidArgument(format!(
                    "initialiser `{self}`: gain=critical depends on the activation and the bias \
                     variance; resolve it with myelin_lab::critical::resolve_init first"
                )))
            }
            (Gain::Auto, Some(a)) => crate::init::auto_gain(a)?,
            _ => 1.0,
        };
        Ok(self.resolved_gain(auto))
    }

    /// Fills the weight `tensor` (shape `[fan_out, fan_in, …]`) in place from this spec.
    /// `activation` is the layer's activation, consulted only for `gain=auto`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for tensors with fewer than 2 dimensions, a zero
    /// fan, or an unusable `gain=auto`.
    ///
    /// ```
    /// use myelin_nn::init::InitSpec;
    /// use myelin_tensor::{seeded_rng, Tensor};
    /// let spec: InitSpec = "kaiming_normal(gain=auto)".parse()?;
    /// let w = Tensor::<f64>::zeros(&[256, 256]);
    /// spec.init_(&w, Some(&"tanh".parse()?), &mut seeded_rng(0))?;
    /// let g = myelin_nn::init::auto_gain(&"tanh".parse()?)?;
    /// let std = w.var(0).item()?.sqrt();
    /// assert!((std - g / 16.0).abs() < 0.03 * std);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    pub fn init_<T: Element>(
        &self,
        tensor: &Tensor<T>,
        activation: Option<&Activation>,
        rng: &mut impl Rng,
    ) -> Result<(), NnError> {
        let (fan_in, fan_out) = crate::init::calculate_fan_in_and_fan_out(tensor.shape())?;
        if fan_in == 0 {
            return Err(NnError::InvalidArgument(format!(
                "initialiser `{self}`: fan_in is 0 for shape {:?}",
                tensor.shape()
            )));
        }
        let gain = self.gain_for(activation)?;
        match self.kind.distribution(fan_in, fan_out, gain) {
            WeightDistribution::Normal { std } => crate::init::normal_(tensor, 0.0, std, rng),
            WeightDistribution::Uniform { bound } => {
                crate::init::uniform_(tensor, -bound, bound, rng)
            }
            WeightDistribution::Orthogonal { gain } => crate::init::orthogonal_(tensor, gain, rng),
        }
    }
}

impl Default for InitSpec {
    /// `torch_default`: PyTorch's `nn.Linear` initialisation.
    fn default() -> Self {
        InitSpec::new(InitKind::TorchDefault)
    }
}

impl fmt::Display for InitSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut arguments: Vec<String> = Vec::new();
        if let InitKind::Normal { std } = self.kind {
            arguments.push(format!("{std}"));
        }
        match self.gain {
            Gain::Default => {}
            Gain::Explicit(gain) => arguments.push(format!("gain={gain}")),
            Gain::Auto => arguments.push("gain=auto".to_string()),
            Gain::Critical => arguments.push("gain=critical".to_string()),
        }
        f.write_str(self.kind.base_name())?;
        if !arguments.is_empty() {
            write!(f, "({})", arguments.join(", "))?;
        }
        Ok(())
    }
}

impl FromStr for InitSpec {
    type Err = NnError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let compact: String = spec
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let invalid = |reason: String| NnError::InvalidInitSpec {
            spec: spec.to_string(),
            reason,
        };

        let (name, arguments) = split_name_and_arguments(&compact).map_err(invalid)?;
        let mut positional: Option<f64> = None;
        let mut gain = Gain::Default;
        for argument in arguments {
            if let Some(value) = argument.strip_prefix("gain=") {
                gain = parse_gain(value).map_err(invalid)?;
            } else if let Some(value) = argument.strip_prefix("std=") {
                positional = Some(parse_number("std", value).map_err(invalid)?);
            } else {
                if positional.is_some() {
                    return Err(invalid(format!("unexpected extra argument `{argument}`")));
                }
                positional = Some(parse_number("std", argument).map_err(invalid)?);
            }
        }

        let kind = match name {
            "xavier_uniform" => InitKind::XavierUniform,
            "xavier_normal" => InitKind::XavierNormal,
            "kaiming_uniform" => InitKind::KaimingUniform,
            "kaiming_normal" => InitKind::KaimingNormal,
            "lecun_normal" => InitKind::LecunNormal,
            "lecun_uniform" => InitKind::LecunUniform,
            "orthogonal" => InitKind::Orthogonal,
            "torch_default" => InitKind::TorchDefault,
            "normal" => {
                let std = positional.ok_or_else(|| {
                    invalid("`normal` needs a standard deviation, e.g. `normal(0.05)`".into())
                })?;
                if std < 0.0 {
                    return Err(invalid(format!(
                        "standard deviation must be ≥ 0, got {std}"
                    )));
                }
                InitKind::Normal { std }
            }
            _ => {
                return Err(NnError::UnknownInit {
                    name: spec.trim().to_string(),
                    valid: INIT_NAMES.join(", "),
                })
            }
        };
        if positional.is_some() && !matches!(kind, InitKind::Normal { .. }) {
            return Err(invalid(format!(
                "`{name}` takes no standard deviation; only `gain=...` is allowed"
            )));
        }
        Ok(InitSpec { kind, gain })
    }
}

/// Splits `name(arg, arg)` into the name and its comma-separated arguments.
fn split_name_and_arguments(compact: &str) -> Result<(&str, Vec<&str>), String> {
    let Some(open) = compact.find('(') else {
        return Ok((compact, Vec::new()));
    };
    let inner = compact[open + 1..]
        .strip_suffix(')')
        .ok_or_else(|| "missing closing `)`".to_string())?;
    if inner.contains('(') || inner.contains(')') {
        return Err("nested parentheses are not allowed".into());
    }
    let arguments: Vec<&str> = inner.split(',').collect();
    if arguments.iter().any(|argument| argument.is_empty()) {
        return Err("empty argument".into());
    }
    Ok((&compact[..open], arguments))
}

fn parse_gain(value: &str) -> Result<Gain, String> {
    if value == "auto" {
        return Ok(Gain::Auto);
    }
    if value == "critical" {
        return Ok(Gain::Critical);
    }
    let gain = parse_number("gain", value)?;
    if gain <= 0.0 {
        return Err(format!("gain must be > 0, got {gain}"));
    }
    Ok(Gain::Explicit(gain))
}

fn parse_number(what: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(number),
        _ => Err(format!("{what} must be a finite number, got `{value}`")),
    }
}

impl Serialize for InitSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InitSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> InitSpec {
        spec.parse()
            .unwrap_or_else(|error| panic!("`{spec}` should parse: {error}"))
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "expected {expected}, got {actual}"
        );
    }

    #[test]
    fn gain_critical_round_trips_and_init_asks_for_the_lab_solver() {
        let spec = parse("kaiming_normal(gain=critical)");
        assert_eq!(spec.gain, Gain::Critical);
        assert_eq!(spec.to_string(), "kaiming_normal(gain=critical)");
        assert_eq!(parse(&spec.to_string()), spec);
        assert_close(spec.resolved_gain(1.25), 1.25);
        let error = spec.gain_for(None).unwrap_err().to_string();
        assert!(
            error.contains("kaiming_normal(gain=critical)") && error.contains("resolve_init"),
            "{error}"
        );
    }

    #[test]
    fn parses_every_plain_name() {
        assert_eq!(parse("xavier_uniform").kind, InitKind::XavierUniform);
        assert_eq!(parse("xavier_normal").kind, InitKind::XavierNormal);
        assert_eq!(parse("kaiming_uniform").kind, InitKind::KaimingUniform);
        assert_eq!(parse("kaiming_normal").kind, InitKind::KaimingNormal);
        assert_eq!(parse("lecun_normal").kind, InitKind::LecunNormal);
        assert_eq!(parse("orthogonal").kind, InitKind::Orthogonal);
        assert_eq!(parse("torch_default").kind, InitKind::TorchDefault);
        assert_eq!(parse(" Kaiming_Normal ").gain, Gain::Default);
    }

    #[test]
    fn parses_gains_and_normal_std() {
        assert_eq!(parse("xavier_normal(gain=auto)").gain, Gain::Auto);
        assert_eq!(parse("orthogonal(gain=1.5)").gain, Gain::Explicit(1.5));
        assert_eq!(parse("normal(1)").kind, InitKind::Normal { std: 1.0 });
        let with_gain = parse("normal( 0.05 , gain = 2 )");
        assert_eq!(with_gain.kind, InitKind::Normal { std: 0.05 });
        assert_eq!(with_gain.gain, Gain::Explicit(2.0));
        assert_eq!(parse("normal(std=0.5)").kind, InitKind::Normal { std: 0.5 });
    }

    #[test]
    fn display_round_trips() {
        for spec in [
            "xavier_uniform",
            "xavier_normal(gain=auto)",
            "kaiming_normal(gain=1.5)",
            "orthogonal(gain=1.5)",
            "normal(1)",
            "normal(0.05, gain=2)",
            "torch_default",
        ] {
            assert_eq!(parse(spec).to_string(), spec);
        }
    }

    #[test]
    fn unknown_name_lists_valid_names() {
        let error = "glorot".parse::<InitSpec>().unwrap_err();
        assert!(matches!(error, NnError::UnknownInit { .. }));
        let message = error.to_string();
        for name in INIT_NAMES {
            assert!(message.contains(name), "`{message}` should list {name}");
        }
    }

    #[test]
    fn rejects_malformed_arguments() {
        for bad in [
            "normal",
            "normal(-1)",
            "normal(abc)",
            "xavier_normal(gain=0)",
            "xavier_normal(gain=-2)",
            "xavier_normal(gain=inf)",
            "xavier_normal(gain=1",
            "xavier_normal(0.5)",
            "normal(1, 2)",
            "orthogonal()",
        ] {
            let error = bad.parse::<InitSpec>().unwrap_err();
            assert!(
                matches!(error, NnError::InvalidInitSpec { .. }),
                "`{bad}` gave {error:?}"
            );
        }
    }

    #[test]
    fn variances_match_the_reference_formulas() {
        let (fan_in, fan_out) = (256, 128);
        let unused_auto = 7.0;
        let variance = |spec: &str| parse(spec).weight_variance(fan_in, fan_out, unused_auto);
        assert_close(variance("xavier_normal"), 2.0 / 384.0);
        assert_close(variance("xavier_uniform"), 2.0 / 384.0);
        assert_close(variance("xavier_normal(gain=2)"), 4.0 * 2.0 / 384.0);
        assert_close(variance("kaiming_normal"), 2.0 / 256.0);
        assert_close(variance("kaiming_uniform"), 2.0 / 256.0);
        assert_close(variance("kaiming_normal(gain=1)"), 1.0 / 256.0);
        assert_close(variance("lecun_normal"), 1.0 / 256.0);
        assert_close(variance("lecun_normal(gain=3)"), 9.0 / 256.0);
        assert_close(variance("orthogonal(gain=1.5)"), 2.25 / 256.0);
        assert_close(variance("normal(0.5)"), 0.25);
        assert_close(variance("normal(0.5, gain=2)"), 1.0);
        assert_close(variance("torch_default"), 1.0 / (3.0 * 256.0));
    }

    #[test]
    fn orthogonal_variance_uses_the_longer_side() {
        let spec = parse("orthogonal");
        assert_close(spec.weight_variance(64, 64, 1.0), 1.0 / 64.0);
        // 128×64 (fan_out × fan_in): the 64 columns of length 128 are orthonormal.
        assert_close(spec.weight_variance(64, 128, 1.0), 1.0 / 128.0);
    }

    #[test]
    fn auto_gain_is_taken_from_the_caller_only_for_auto() {
        let auto = parse("kaiming_normal(gain=auto)");
        assert_close(
            auto.weight_variance(100, 100, 5.0 / 3.0),
            25.0 / 9.0 / 100.0,
        );
        let fixed = parse("kaiming_normal");
        assert_close(fixed.weight_variance(100, 100, 5.0 / 3.0), 2.0 / 100.0);
    }

    #[test]
    fn sigma_w2_is_fan_in_times_variance() {
        assert_close(parse("kaiming_normal").sigma_w2(256, 256, 1.0), 2.0);
        assert_close(parse("xavier_normal").sigma_w2(256, 256, 1.0), 1.0);
        assert_close(parse("torch_default").sigma_w2(256, 256, 1.0), 1.0 / 3.0);
    }

    #[test]
    fn uniform_bounds_reproduce_the_variance() {
        let spec = parse("torch_default");
        match spec.distribution(400, 10, 1.0) {
            WeightDistribution::Uniform { bound } => assert_close(bound, 1.0 / 20.0),
            other => panic!("torch_default should be uniform, got {other:?}"),
        }
        match parse("kaiming_normal").distribution(50, 10, 1.0) {
            WeightDistribution::Normal { std } => assert_close(std, 0.2),
            other => panic!("kaiming_normal should be normal, got {other:?}"),
        }
        assert_eq!(
            parse("orthogonal(gain=auto)").distribution(8, 8, 1.25),
            WeightDistribution::Orthogonal { gain: 1.25 }
        );
    }

    #[test]
    fn serde_uses_the_textual_form() {
        let spec = parse("xavier_normal(gain=auto)");
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(json, "\"xavier_normal(gain=auto)\"");
        let back: InitSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, spec);
        assert!(serde_json::from_str::<InitSpec>("\"bogus\"").is_err());
    }
}
