//! Ordered/chaotic phase diagrams in `(σ_w², σ_b²)` (Poole et al. 2016).
//!
//! At every grid point the variance map is iterated to its fixed point `q*` and
//! `χ₁ = σ_w² E[φ'(√q* z)²]` decides the phase: `χ₁ < 1` ordered (perturbations and
//! gradients shrink with depth), `χ₁ > 1` chaotic (they grow). Where the variance itself
//! grows without bound there is no fixed point ([`Phase::Divergent`]). The boundary between
//! the phases is the edge of chaos of [`crate::critical`]; [`phase_boundary_chart`] draws it
//! for several activations.

use std::fmt;

use myelin_activations::Activation;
use serde::{Deserialize, Serialize};

use crate::critical::critical_point;
use crate::error::LabError;
use crate::plot::{LineChart, Series};
use crate::probe::fmt_num;
use crate::theory::{chi_at_fixed_point, ScalarActivation};

/// The phase of one `(σ_w², σ_b²)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// `χ₁ < 1`.
    Ordered,
    /// `χ₁ > 1`.
    Chaotic,
    /// The variance map has no finite fixed point.
    Divergent,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Ordered => "ordered",
            Phase::Chaotic => "chaotic",
            Phase::Divergent => "divergent",
        })
    }
}

/// One grid point of a phase diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhasePoint {
    /// `σ_w²`.
    pub sigma_w2: f64,
    /// `σ_b²`.
    pub sigma_b2: f64,
    /// `χ₁` at the fixed point (NaN when [`Phase::Divergent`]).
    pub chi_1: f64,
    /// The phase.
    pub phase: Phase,
}

/// The phase at every `(σ_w², σ_b²)` of the grid, `σ_b²` varying fastest.
///
/// # Errors
/// [`LabError::InvalidConfig`] for softmax-like activations.
pub fn phase_grid(
    activation: &Activation,
    sigma_w2: &[f64],
    sigma_b2: &[f64],
) -> Result<Vec<PhasePoint>, LabError> {
    let f = ScalarActivation::new(activation)?;
    let (phi, dphi) = (f.phi(), f.dphi());
    let mut points = Vec::with_capacity(sigma_w2.len() * sigma_b2.len());
    for &w in sigma_w2 {
        for &b in sigma_b2 {
            let (chi_1, phase) = match chi_at_fixed_point(&phi, &dphi, &f.kinks, w, b) {
                Ok(chi) if chi < 1.0 => (chi, Phase::Ordered),
                Ok(chi) => (chi, Phase::Chaotic),
                Err(_) => (f64::NAN, Phase::Divergent),
            };
            points.push(PhasePoint {
                sigma_w2: w,
                sigma_b2: b,
                chi_1,
                phase,
            });
        }
    }
    Ok(points)
}

/// The grid as CSV with header `sigma_w2,sigma_b2,chi_1,phase`.
pub fn phase_grid_csv(points: &[PhasePoint]) -> String {
    let mut out = String::from("sigma_w2,sigma_b2,chi_1,phase\n");
    for p in points {
        out.push_str(&format!(
            "{},{},{},{}\n",
            fmt_num(p.sigma_w2),
            fmt_num(p.sigma_b2),
            fmt_num(p.chi_1),
            p.phase
        ));
    }
    out
}

/// A chart of the edge of chaos `σ_w²(σ_b²)` of each activation: below a curve the
/// activation is ordered, above it chaotic. Activations without an edge of chaos at some
/// `σ_b²` simply have no point there (and none at all if they have none anywhere; their
/// legend entry then says so).
pub fn phase_boundary_chart(
    activations: &[Activation],
    sigma_b2: &[f64],
) -> Result<LineChart, LabError> {
    let mut chart = LineChart::new("Edge of chaos: ordered below each curve, chaotic above")
        .x_label("sigma_b^2")
        .y_label("sigma_w^2");
    for activation in activations {
        ScalarActivation::new(activation)?;
        let points: Vec<(f64, f64)> = sigma_b2
            .iter()
            .filter_map(|&b| critical_point(activation, b).ok().map(|p| (b, p.sigma_w2)))
            .collect();
        let name = if points.is_empty() {
            format!("{activation} (no edge of chaos)")
        } else {
            activation.to_string()
        };
        chart = chart.series(Series::solid(name, points));
    }
    Ok(chart)
}
