//! The known-facts table as data: reference values from the literature (and the checks in
//! `tests/probe_facts.rs`) that the full study's grid reproduces.
//!
//! A new fact is one row of [`KNOWN_FACTS`]; a new kind of quantity is one
//! [`FactQuantity`] variant plus its arm in `ReportData::compute_facts`.

/// Width of the reference configurations.
pub const REFERENCE_WIDTH: usize = 256;
/// Depth of the reference configurations.
pub const REFERENCE_DEPTH: usize = 50;
/// Batch of the reference configurations (shown in the section title).
pub const REFERENCE_BATCH: usize = 256;

/// What a known fact compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactQuantity {
    /// The seed-mean `log10(G_1/G_L)` and its prediction.
    GradRatio,
    /// The largest `|act_mean|` and the `act_var` range over all layers (self-normalisation).
    SelfNormalising,
    /// The last layer's dead fraction, mean ± sd over seeds.
    LastLayerDeadFraction,
}

/// One known fact about a reference configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownFact {
    /// Activation spec.
    pub activation: &'static str,
    /// Initialiser spec.
    pub init: &'static str,
    /// What is compared.
    pub quantity: FactQuantity,
    /// The reference value, as shown.
    pub reference: &'static str,
}

/// The facts, in table order.
pub const KNOWN_FACTS: [KnownFact; 6] = [
    KnownFact {
        activation: "relu",
        init: "kaiming_normal",
        quantity: FactQuantity::GradRatio,
        reference: "≈ 0 (±0.5)",
    },
    KnownFact {
        activation: "relu",
        init: "xavier_normal",
        quantity: FactQuantity::GradRatio,
        reference: "≈ −7.4",
    },
    KnownFact {
        activation: "sigmoid",
        init: "xavier_normal",
        quantity: FactQuantity::GradRatio,
        reference: "≈ −30.8",
    },
    KnownFact {
        activation: "tanh",
        init: "xavier_normal",
        quantity: FactQuantity::GradRatio,
        reference: "≈ −0.92",
    },
    KnownFact {
        activation: "selu",
        init: "lecun_normal",
        quantity: FactQuantity::SelfNormalising,
        reference: "< 0.05, (0.85, 1.15)",
    },
    KnownFact {
        activation: "relu",
        init: "kaiming_normal",
        quantity: FactQuantity::LastLayerDeadFraction,
        reference: "≈ 0.38",
    },
];
