//! The report's theory-check sections and plots: Jacobian spectra (dynamical isometry) and
//! the trainability heat map. Registered in [`super::sections::SECTIONS`] and
//! [`super::plots::PLOTS`].

use crate::plot::{HeatMap, PanelGrid, Series};
use crate::probe::fmt_short;
use crate::spectrum::SpectrumResult;
use crate::trainability::TrainabilityResult;

use super::data::ReportData;
use super::document::{Section, Table};
use super::plots::Plot;

/// Section id of the spectra.
pub const ISOMETRY: &str = "dynamical-isometry";
/// Section id of the heat map.
pub const TRAINABILITY: &str = "trainability";

/// Accuracy at or above which a heat-map cell counts as trained.
pub const TRAINED_ACCURACY: f64 = 0.5;

fn weights(r: &SpectrumResult) -> &'static str {
    if r.orthogonal {
        "orthogonal"
    } else {
        "Gaussian"
    }
}

/// The spectra table and how to read it.
pub fn isometry_section(data: &ReportData<'_>, _: &[Plot]) -> Option<Section> {
    let spectra = &data.extras.spectra;
    if spectra.is_empty() {
        return None;
    }
    let mut table = Table::new([
        "activation + init",
        "weights",
        "L",
        "σ_w²",
        "σ_b²",
        "E[σ²] measured",
        "Π χ_l (theory)",
        "Var[σ²]/E[σ²]² measured",
        "theory",
        "σ: 5% / median / 95%",
        "decades (5–95%)",
        "within 2× of √E[σ²]",
        "numerically 0",
    ]);
    for r in spectra {
        table.row(vec![
            format!("{} + {}", r.activation, r.init),
            weights(r).into(),
            r.depth.to_string(),
            fmt_short(r.sigma_w2),
            fmt_short(r.sigma_b2),
            fmt_short(r.mean_sq),
            fmt_short(r.predicted_mean_sq),
            fmt_short(r.normalized_var_sq),
            fmt_short(r.predicted_normalized_var_sq),
            format!(
                "{} / {} / {}",
                r.percentile_text(0),
                r.percentile_text(1),
                r.percentile_text(2)
            ),
            r.spread_text(),
            format!("{:.0}%", 100.0 * r.within_factor_two),
            format!("{} of {}", r.below_floor, r.width),
        ]);
    }
    let width = spectra[0].width;
    let mut notes = Vec::new();
    let deepest = spectra.iter().map(|r| r.depth).max().unwrap_or(0);
    let find = |activation: &str, orthogonal: bool| {
        spectra.iter().find(|r| {
            r.depth == deepest && r.activation == activation && r.orthogonal == orthogonal
        })
    };
    if let (Some(g), Some(o)) = (find("tanh", false), find("tanh", true)) {
        notes.push(format!("**Orthogonal weights give dynamical isometry for tanh at criticality**: at depth {deepest} the middle 90% of the singular values of the orthogonal stack span {} decades (normalised variance of σ² {}), against {} decades ({}) for Gaussian weights with the same σ_w² = {} — although both have the same mean E[σ²] (measured {} and {}, theory {}).", o.spread_text(), fmt_short(o.normalized_var_sq), g.spread_text(), fmt_short(g.normalized_var_sq), fmt_short(g.sigma_w2), fmt_short(o.mean_sq), fmt_short(g.mean_sq), fmt_short(g.predicted_mean_sq)));
    }
    if let (Some(g), Some(o)) = (find("relu", false), find("relu", true)) {
        notes.push(format!("**ReLU cannot be isometric**: D_l = diag(φ') holds zeros and ones (v_D = 1 per layer), so even orthogonal weights leave {} decades at depth {deepest} (Gaussian: {}); E[σ²] stays at {} / {} as χ = 1 predicts.", o.spread_text(), g.spread_text(), fmt_short(o.mean_sq), fmt_short(g.mean_sq)));
    }
    Some(
        Section::new(ISOMETRY, "Dynamical isometry: singular values of the input–output Jacobian")
            .paragraph(format!(
                "J = ∂y_L/∂x of one N = {width} stack (one input x ~ N(0, I)), computed by the engine's backward pass (a batch of N copies of x, loss Σ_i y_L[i, i]) and decomposed by a one-sided Jacobi SVD in f64; singular values below N·ε·σ_max are rounding noise (column “numerically 0”; shown as < floor). The mean of σ² is the product of the per-layer χ_l of the mean-field theory (the same product that governs the gradient norms); its normalised variance is predicted by free probability, Σ_l (v_W + v_D(q_l)) with v_W = 1 for iid and 0 for orthogonal weights and v_D = E[φ'⁴]/E[φ'²]² − 1. The variance prediction holds for N ≫ L: at L comparable to N one Jacobian misses the far tail and the measurement falls short of it. Pennington, Schoenholz & Ganguli (2017)."
            ))
            .table(table)
            .list(notes),
    )
}

/// The heat map as a table and the comparison with `6 ξ_c`.
pub fn trainability_section(data: &ReportData<'_>, _: &[Plot]) -> Option<Section> {
    let t = data.extras.trainability.as_ref()?;
    let c = &t.config;
    let mut table = Table::new(
        std::iter::once("depth \\ σ_w²".to_string())
            .chain(c.sigma_w2.iter().map(|s| fmt_short(*s))),
    );
    table.row(
        std::iter::once("**6 ξ_c**".to_string())
            .chain(c.sigma_w2.iter().map(|&s| fmt_short(6.0 * t.xi_c(s))))
            .collect(),
    );
    for &d in &c.depths {
        let mut row = vec![d.to_string()];
        for &s in &c.sigma_w2 {
            row.push(match t.cell(s, d) {
                Some(cell) if (d as f64) > 6.0 * t.xi_c(s) => {
                    format!("{:.0}%†", 100.0 * cell.accuracy)
                }
                Some(cell) => format!("{:.0}%", 100.0 * cell.accuracy),
                None => "—".into(),
            });
        }
        table.row(row);
    }
    let (agree, total) = t.agreement(TRAINED_ACCURACY);
    let critical = t.critical_sigma_w2.map_or("none".to_string(), fmt_short);
    Some(
        Section::new(TRAINABILITY, "Trainability: accuracy over σ_w² × depth against 6 ξ_c")
            .paragraph(format!(
                "Schoenholz et al. (2017) found that a deep {} network trains only up to depth ≈ 6 ξ_c, where ξ_c is the depth over which the correlation of two inputs relaxes to its fixed point (mean-field theory, `critical.rs`); ξ_c diverges at the edge of chaos (σ_w² = {critical} at σ_b² = {}). Here: 64 → {} × depth → 10 on the digits data, weights N(0, σ_w²/fan_in), biases N(0, σ_b²), SGD lr {} momentum {}, batch {}, {} epochs, {} seed {} (its run time is in `trainability.json`, kept out of the report so reports compare byte for byte). Validation accuracy per cell; † marks depth > 6 ξ_c; chance is 10%.",
                c.activation,
                fmt_short(c.sigma_b2),
                c.width,
                c.lr,
                c.momentum,
                c.batch_size,
                c.epochs,
                c.dtype,
                c.seed,
            ))
            .table(table)
            .paragraph(format!(
                "{agree} of {total} cells agree with the 6 ξ_c rule (trained, accuracy ≥ {:.0}%, exactly when depth ≤ 6 ξ_c).",
                100.0 * TRAINED_ACCURACY
            )),
    )
}

/// Sorted singular values, one panel per depth, one curve per configuration.
pub fn spectrum_plots(data: &ReportData<'_>) -> Vec<Plot> {
    let spectra = &data.extras.spectra;
    if spectra.is_empty() {
        return Vec::new();
    }
    let mut depths: Vec<usize> = spectra.iter().map(|r| r.depth).collect();
    depths.sort_unstable();
    depths.dedup();
    let mut labels: Vec<String> = Vec::new();
    for r in spectra {
        let label = format!("{} + {}", r.activation, r.init);
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    let panels: Vec<(String, Vec<Series>)> = depths
        .iter()
        .map(|&d| {
            let series = spectra
                .iter()
                .filter(|r| r.depth == d)
                .map(|r| {
                    let label = format!("{} + {}", r.activation, r.init);
                    let colour = labels.iter().position(|l| *l == label).unwrap_or(0);
                    let n = r.singular_values.len().max(1) as f64;
                    let points = r
                        .singular_values
                        .iter()
                        .enumerate()
                        .map(|(i, &s)| ((i as f64 + 0.5) / n, s))
                        .collect();
                    Series::solid(label, points).with_color(colour)
                })
                .collect();
            (format!("depth L = {d}"), series)
        })
        .collect();
    let width = spectra[0].width;
    let sheet = PanelGrid::new(
        format!("Singular values of J = ∂y_L/∂x, largest first (N = {width}); isometry is a flat line at 1"),
        depths.len().min(3),
    )
    .panel_size(560, 420)
    .x_label("rank / N")
    .y_label("singular value σ")
    .log_y(true)
    .extend_panels(panels);
    vec![Plot {
        file: "plots/jacobian_spectra.svg".into(),
        caption: "singular values of the input–output Jacobian".into(),
        section: ISOMETRY,
        svg: sheet.render_svg().map(|(svg, _)| svg),
    }]
}

/// The heat map with the `6 ξ_c` curve.
pub fn trainability_plots(data: &ReportData<'_>) -> Vec<Plot> {
    let Some(t) = data.extras.trainability.as_ref() else {
        return Vec::new();
    };
    vec![Plot {
        file: "plots/trainability.svg".into(),
        caption: "trainability heat map with 6 ξ_c".into(),
        section: TRAINABILITY,
        svg: heat_map(t).render_svg().map(|(svg, _)| svg),
    }]
}

/// The heat map of `t` (validation accuracy, colour scale 0–1) with `6 ξ_c` dashed over it.
pub fn heat_map(t: &TrainabilityResult) -> HeatMap {
    let c = &t.config;
    let mut x = c.sigma_w2.clone();
    x.sort_by(f64::total_cmp);
    let mut y: Vec<f64> = c.depths.iter().map(|&d| d as f64).collect();
    y.sort_by(f64::total_cmp);
    let values = y
        .iter()
        .map(|&d| {
            x.iter()
                .map(|&s| t.cell(s, d as usize).map_or(f64::NAN, |cell| cell.accuracy))
                .collect()
        })
        .collect();
    let curve = t.curve.iter().map(|p| (p.sigma_w2, 6.0 * p.xi_c)).collect();
    HeatMap::new(
        format!(
            "{} on digits: validation accuracy after {} epochs (dashed: 6 ξ_c, σ_b² = {})",
            c.activation,
            c.epochs,
            fmt_short(c.sigma_b2)
        ),
        x,
        y,
        values,
    )
    .x_label("σ_w²")
    .y_label("hidden layers")
    .value_label("accuracy")
    .log2_y(true)
    .value_range(0.0, 1.0)
    .overlay(Series::dashed("6 ξ_c", curve))
}
