//! The tuned comparison in the report: the ranking per (architecture, depth) with 95%
//! confidence intervals beside the gradient-flow numbers, the recommendations generated
//! from it, the article's claims, `tuned.csv`, `sweep.csv` and `summary.json`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use crate::error::LabError;
use crate::probe::fmt_num;

use super::super::arch::Arch;
use super::super::claims::{evaluate_claims, Claim, ClaimInputs, ContrastOutcome};
use super::super::training::{Role, TrainRunResult};
use super::super::tuning::{rank_groups, tune_all, RankGroup, TunedCell};
use super::data::{signed, ReportData};
use super::document::{Section, Table};
use super::plots::Plot;

/// Header of `tuned.csv`.
pub const TUNED_HEADER: &str = "activation,init,arch,depth,chosen_lr,seeds,test_accuracy_mean,ci95,val_accuracy_mean,log10_grad_ratio,dead_fraction,diverged,rank,top_group";
/// Header of `sweep.csv`.
pub const SWEEP_HEADER: &str =
    "activation,init,arch,depth,lr,runs,val_accuracy,val_loss,test_accuracy,diverged";

/// The recommendation of one (architecture, depth): its best activation by tuned test mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Architecture.
    pub arch: Arch,
    /// Depth.
    pub depth: usize,
    /// Index of the recommended cell.
    pub cell: usize,
    /// The other activations in its top group (not distinguishable from it).
    pub tied_with: Vec<String>,
}

/// The overall recommendation: the activation in the top group of the most cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Overall {
    /// Activation spec.
    pub activation: String,
    /// Cells where it is in the top group.
    pub top_cells: usize,
    /// Cells it was trained in.
    pub cells: usize,
    /// Its mean tuned test accuracy over those cells.
    pub mean_accuracy: f64,
}

/// Everything the report shows about the tuned comparison.
#[derive(Debug, Clone, Default)]
pub struct TunedReport {
    /// Every tuned cell.
    pub cells: Vec<TunedCell>,
    /// The ranking of every (arch, depth).
    pub groups: Vec<RankGroup>,
    /// One recommendation per (arch, depth).
    pub per_cell: Vec<Recommendation>,
    /// The overall recommendation.
    pub overall: Option<Overall>,
    /// The article's claims.
    pub claims: Vec<Claim>,
}

/// The recommendations the tuned cells support (see [`Recommendation`], [`Overall`]).
pub fn recommendations(
    cells: &[TunedCell],
    groups: &[RankGroup],
) -> (Vec<Recommendation>, Option<Overall>) {
    let per_cell: Vec<Recommendation> = groups
        .iter()
        .filter_map(|g| {
            let best = g.rows.first()?;
            Some(Recommendation {
                arch: g.arch,
                depth: g.depth,
                cell: best.cell,
                tied_with: g
                    .rows
                    .iter()
                    .skip(1)
                    .filter(|r| r.top)
                    .map(|r| cells[r.cell].activation.clone())
                    .collect(),
            })
        })
        .collect();
    let mut names: Vec<String> = Vec::new();
    for c in cells {
        if !names.contains(&c.activation) {
            names.push(c.activation.clone());
        }
    }
    let overall = names
        .iter()
        .filter(|a| a.as_str() != "identity")
        .map(|a| {
            let rows: Vec<(bool, f64)> = groups
                .iter()
                .flat_map(|g| g.rows.iter())
                .filter(|r| cells[r.cell].activation == *a)
                .map(|r| (r.top, cells[r.cell].test_mean))
                .collect();
            Overall {
                activation: a.clone(),
                top_cells: rows.iter().filter(|r| r.0).count(),
                cells: rows.len(),
                mean_accuracy: rows.iter().map(|r| r.1).sum::<f64>() / rows.len().max(1) as f64,
            }
        })
        .max_by(|a, b| {
            a.top_cells
                .cmp(&b.top_cells)
                .then(a.mean_accuracy.total_cmp(&b.mean_accuracy))
        });
    (per_cell, overall)
}

fn contrast(r: &TrainRunResult) -> ContrastOutcome {
    ContrastOutcome {
        lr: r.config.lr,
        diverged_at: r.diverged_at,
        accuracy: r.final_accuracy(),
    }
}

impl TunedReport {
    /// Computes the tuned comparison from the report data's sweep runs.
    pub fn new(data: &ReportData<'_>) -> Self {
        let runs: Vec<&TrainRunResult> = data.sweep.iter().collect();
        let cells = tune_all(&runs);
        let groups = rank_groups(&cells);
        let (per_cell, overall) = recommendations(&cells, &groups);
        let hist = data.hist_depth;
        let high = data.runs_with(Role::HighLr).next();
        let clipped = data.runs_with(Role::HighLrClip).next();
        let mut linearity: Vec<(String, usize, f64)> = Vec::new();
        for r in data
            .sweep
            .iter()
            .filter(|r| r.config.arch == Arch::Mlp && r.midpoint_residual.is_finite())
        {
            let key = (r.config.activation.clone(), r.config.depth);
            match linearity.iter_mut().find(|l| (l.0.clone(), l.1) == key) {
                Some(l) => l.2 = l.2.max(r.midpoint_residual),
                None => linearity.push((key.0, key.1, r.midpoint_residual)),
            }
        }
        let inputs = ClaimInputs {
            tuned: &cells,
            sigmoid_grad_ratio: data
                .measured_at_deepest("sigmoid", "xavier_normal")
                .map(|r| (r, data.deepest)),
            sigmoid_tanh_mean: match (
                data.cell("sigmoid", "xavier_normal", hist),
                data.cell("tanh", "xavier_normal", hist),
            ) {
                (Some(s), Some(t)) => Some((s.max_abs_act_mean(), t.max_abs_act_mean())),
                _ => None,
            },
            selu_moments: data.cell("selu", "lecun_normal", hist).map(|c| {
                let (lo, hi) = c.act_var_range();
                (c.max_abs_act_mean(), lo, hi, hist)
            }),
            relu_dead_signal: data
                .cell("relu", "kaiming_normal", hist)
                .map(|c| (c.last_dead_fraction().0, hist)),
            high_lr: high.zip(clipped).map(|(h, c)| (contrast(h), contrast(c))),
            linearity,
        };
        let claims = evaluate_claims(&inputs);
        Self {
            cells,
            groups,
            per_cell,
            overall,
            claims,
        }
    }

    /// The guidance bullets generated from the tuned numbers (empty without a sweep).
    pub fn guidance(&self) -> Vec<String> {
        let mut items = Vec::new();
        if let Some(o) = &self.overall {
            items.push(format!(
                "**Start with** {}: after tuning the learning rate on validation it is in the top group (not distinguishable from the best at the 5% level) in {} of {} architecture/depth cells, mean test accuracy {:.1}%.",
                o.activation,
                o.top_cells,
                o.cells,
                100.0 * o.mean_accuracy
            ));
        }
        for r in &self.per_cell {
            let c = &self.cells[r.cell];
            let ties = if r.tied_with.is_empty() {
                "distinguishably ahead of every other activation".to_string()
            } else {
                format!("not distinguishable from {}", r.tied_with.join(", "))
            };
            items.push(format!(
                "{} with {} {}: use {} + {} at lr {} ({:.1}% ± {:.1} test accuracy; {ties}).",
                r.arch.describe(),
                r.depth,
                r.arch.depth_unit(),
                c.activation,
                c.init,
                fmt_num(c.chosen_lr),
                100.0 * c.test_mean,
                100.0 * c.ci95,
            ));
        }
        items
    }
}

/// Every way the recommendations contradict the table (empty: none): a cell's recommended
/// activation with another activation distinguishably better in that cell; an overall
/// recommendation in the top group less often than another activation; guidance that
/// names a different activation than the recommendation it states.
pub fn contradictions(report: &TunedReport) -> Vec<String> {
    use super::super::tuning::welch_compare;
    let mut found = Vec::new();
    for r in &report.per_cell {
        let rec = &report.cells[r.cell];
        for c in report
            .cells
            .iter()
            .filter(|c| c.arch == r.arch && c.depth == r.depth)
        {
            if welch_compare(&c.test_accuracy, &rec.test_accuracy)
                == Some(std::cmp::Ordering::Greater)
            {
                found.push(format!(
                    "{} is recommended for {} d{} but {} is distinguishably better",
                    rec.activation, r.arch, r.depth, c.activation
                ));
            }
        }
    }
    let tops = |a: &str| {
        report
            .groups
            .iter()
            .flat_map(|g| g.rows.iter())
            .filter(|r| r.top && report.cells[r.cell].activation == a)
            .count()
    };
    let guidance = report.guidance();
    if let Some(o) = &report.overall {
        for c in report.cells.iter().filter(|c| c.activation != "identity") {
            if tops(&c.activation) > tops(&o.activation) {
                found.push(format!(
                    "overall recommendation {} is in the top group {} times, {} {} times",
                    o.activation,
                    tops(&o.activation),
                    c.activation,
                    tops(&c.activation)
                ));
            }
        }
        if !guidance
            .first()
            .is_some_and(|g| g.starts_with(&format!("**Start with** {}:", o.activation)))
        {
            found.push(format!("the guidance does not start with {}", o.activation));
        }
    }
    let skip = usize::from(report.overall.is_some());
    for (r, text) in report.per_cell.iter().zip(guidance.iter().skip(skip)) {
        if !text.contains(&format!(": use {} +", report.cells[r.cell].activation)) {
            found.push(format!(
                "guidance `{text}` does not name the recommended activation"
            ));
        }
    }
    found.sort();
    found.dedup();
    found
}

fn ci(c: &TunedCell) -> String {
    if c.ci95.is_finite() {
        format!("{:.1}% ± {:.1}", 100.0 * c.test_mean, 100.0 * c.ci95)
    } else {
        format!("{:.1}% (one seed)", 100.0 * c.test_mean)
    }
}

/// The tuned-comparison section.
pub fn tuned_section(data: &ReportData<'_>, _: &[Plot]) -> Option<Section> {
    let t = &data.tuned;
    if t.cells.is_empty() {
        return None;
    }
    let u = &data.config.tuning;
    let lrs: Vec<String> = u.learning_rates().iter().map(|&l| fmt_num(l)).collect();
    let mut section = Section::new(ids::TUNED, "Tuned comparison (test accuracy, 95% CI)")
        .paragraph(format!(
            "Every (activation, architecture, depth) is trained with {} at each learning rate of {{{}}} and each seed of {:?}: the same budget of {} epochs for all, mini-batch {}, early stopping after {} epochs without a validation improvement. The learning rate is chosen on the seed-mean **validation** accuracy; the table reports the **test** accuracy of those runs as mean ± the half-width of its 95% confidence interval (Student t, n − 1 degrees of freedom). \"Tied with\" lists the activations it cannot be told apart from (Welch's t-test, 5%). Initialisers follow the `{}` policy (GELU, SiLU and ELU at `gain=critical`, where He/Kaiming would make their gradients vanish); σ_b = {}. The default grid is sized so that the whole `myelin study` finishes well within 15 minutes on 2 cores.",
            u.optimizer,
            lrs.join(", "),
            u.seeds,
            u.epochs,
            u.batch_size,
            u.patience,
            u.init,
            data.config.bias_std,
        ))
        .paragraph("Gradient flow beside each row: the trained network's first-epoch log10(G_1/G_L) over its hidden layers (for the RNN: from the first to the last time step), and the signal grid's log10(G_1/G_L) of the activation's best initialiser at the deepest probe depth.");
    for g in &t.groups {
        let mut table = Table::new([
            "rank",
            "activation",
            "init",
            "chosen lr",
            "test accuracy",
            "val. accuracy",
            "tied with",
            "trained log10 G_1/G_L",
            "grid log10 G_1/G_L",
            "dead units",
        ]);
        for r in &g.rows {
            let c = &t.cells[r.cell];
            let grid = data
                .ranking
                .iter()
                .find(|v| v.activation == c.activation)
                .map_or("—".to_string(), |v| {
                    format!("{} ({})", signed(v.measured), v.regime)
                });
            table.row(vec![
                r.rank.to_string(),
                c.activation.clone(),
                c.init.clone(),
                fmt_num(c.chosen_lr),
                ci(c),
                format!("{:.1}%", 100.0 * c.val_mean),
                if r.tied_with.is_empty() {
                    "—".to_string()
                } else {
                    r.tied_with.join(", ")
                },
                signed(c.log10_grad_ratio),
                grid,
                format!("{:.3}", c.dead_fraction),
            ]);
        }
        section = section
            .paragraph(format!(
                "**{}, {} {}** (width {}):",
                g.arch.describe(),
                g.depth,
                g.arch.depth_unit(),
                u.width_of(g.arch)
            ))
            .table(table);
    }
    Some(
        section
            .paragraph("Recommendations generated from these tables:")
            .list(t.guidance()),
    )
}

/// The claims section.
pub fn claims_section(data: &ReportData<'_>, _: &[Plot]) -> Option<Section> {
    if data.tuned.claims.is_empty() {
        return None;
    }
    let mut table = Table::new(["", "claim", "verdict", "evidence (this study's numbers)"]);
    for c in &data.tuned.claims {
        table.row(vec![
            format!("({})", c.id),
            c.claim.clone(),
            format!("**{}**", c.verdict),
            c.evidence.clone(),
        ]);
    }
    Some(
        Section::new(ids::CLAIMS, "Claims of the seed article, tested")
            .paragraph("Each verdict is computed from this run's numbers (thresholds stated in the evidence); \"better\"/\"worse\" mean distinguishable at the 5% level over seeds, otherwise tied.")
            .table(table),
    )
}

/// Section ids of this module.
pub mod ids {
    /// The tuned comparison.
    pub const TUNED: &str = "tuned";
    /// The claims.
    pub const CLAIMS: &str = "claims";
}

fn csv(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// The rank row of a cell.
fn row_of(t: &TunedReport, cell: usize) -> Option<&super::super::tuning::RankRow> {
    t.groups
        .iter()
        .flat_map(|g| g.rows.iter())
        .find(|r| r.cell == cell)
}

/// `summary.json`: every tuned configuration, the recommendation and the claims.
pub fn summary_json(data: &ReportData<'_>) -> Value {
    let t = &data.tuned;
    let u = &data.config.tuning;
    let configurations: Vec<Value> = t
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let row = row_of(t, i);
            json!({
                "activation": c.activation,
                "init": c.init,
                "arch": c.arch.as_str(),
                "depth": c.depth,
                "width": u.width_of(c.arch),
                "chosen_lr": c.chosen_lr,
                "seeds": c.seeds,
                "test_accuracy": c.test_accuracy.iter().map(|&x| num(x)).collect::<Vec<_>>(),
                "test_accuracy_mean": num(c.test_mean),
                "ci95": num(c.ci95),
                "ci95_low": num(c.test_mean - c.ci95),
                "ci95_high": num(c.test_mean + c.ci95),
                "val_accuracy_mean": num(c.val_mean),
                "log10_grad_ratio_first_epoch": num(c.log10_grad_ratio),
                "dead_fraction": num(c.dead_fraction),
                "diverged_runs": c.diverged,
                "rank": row.map(|r| r.rank),
                "top_group": row.map(|r| r.top),
                "not_distinguishable_from": row.map(|r| r.tied_with.clone()),
                "sweep": c.sweep.iter().map(|p| json!({
                    "lr": p.lr,
                    "runs": p.runs,
                    "val_accuracy": num(p.val_accuracy),
                    "val_loss": num(p.val_loss),
                    "test_accuracy": num(p.test_accuracy),
                    "diverged": p.diverged,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let per_cell: Vec<Value> = t
        .per_cell
        .iter()
        .map(|r| {
            let c = &t.cells[r.cell];
            json!({
                "arch": r.arch.as_str(),
                "depth": r.depth,
                "activation": c.activation,
                "init": c.init,
                "chosen_lr": c.chosen_lr,
                "test_accuracy_mean": num(c.test_mean),
                "ci95": num(c.ci95),
                "tied_with": r.tied_with,
            })
        })
        .collect();
    json!({
        "schema": "myelin-study-summary/1",
        "method": {
            "optimizer": u.optimizer.as_str(),
            "learning_rates": u.learning_rates(),
            "seeds": u.seeds,
            "epochs": u.epochs,
            "patience": u.patience,
            "batch_size": u.batch_size,
            "init_policy": u.init,
            "bias_std": data.config.bias_std,
            "lr_selection": "highest seed-mean validation accuracy at each run's early-stopping epoch",
            "ci": "mean ± t(0.975, n−1)·s/√n over seeds",
            "distinguishable": "Welch two-sided t-test, 5%",
        },
        "configurations": configurations,
        "recommendation": {
            "activation": t.overall.as_ref().map(|o| o.activation.clone()),
            "top_group_cells": t.overall.as_ref().map(|o| o.top_cells),
            "cells": t.overall.as_ref().map(|o| o.cells),
            "mean_test_accuracy": t.overall.as_ref().map(|o| num(o.mean_accuracy)),
            "per_configuration": per_cell,
        },
        "claims": t.claims,
    })
}

/// Writes `tuned.csv`, `sweep.csv` and `summary.json`.
pub fn write_tuned_tables(out: &Path, data: &ReportData<'_>) -> Result<(), LabError> {
    let t = &data.tuned;
    let mut tuned = format!("{TUNED_HEADER}\n");
    let mut sweep = format!("{SWEEP_HEADER}\n");
    for (i, c) in t.cells.iter().enumerate() {
        let row = row_of(t, i);
        let seeds: Vec<String> = c.seeds.iter().map(u64::to_string).collect();
        let _ = writeln!(
            tuned,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv(&c.activation),
            csv(&c.init),
            c.arch,
            c.depth,
            fmt_num(c.chosen_lr),
            seeds.join(";"),
            fmt_num(c.test_mean),
            fmt_num(c.ci95),
            fmt_num(c.val_mean),
            fmt_num(c.log10_grad_ratio),
            fmt_num(c.dead_fraction),
            c.diverged,
            row.map_or(0, |r| r.rank),
            row.is_some_and(|r| r.top),
        );
        for p in &c.sweep {
            let _ = writeln!(
                sweep,
                "{},{},{},{},{},{},{},{},{},{}",
                csv(&c.activation),
                csv(&c.init),
                c.arch,
                c.depth,
                fmt_num(p.lr),
                p.runs,
                fmt_num(p.val_accuracy),
                fmt_num(p.val_loss),
                fmt_num(p.test_accuracy),
                p.diverged
            );
        }
    }
    super::tables::write_text(&out.join("tuned.csv"), &tuned)?;
    super::tables::write_text(&out.join("sweep.csv"), &sweep)?;
    super::tables::write_text(
        &out.join("summary.json"),
        &serde_json::to_string_pretty(&summary_json(data))?,
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::tuning::crafted_cell;
    use super::*;

    fn cell(activation: &str, arch: Arch, depth: usize, test: &[f64]) -> TunedCell {
        crafted_cell(activation, arch, depth, test, 0.0)
    }

    #[test]
    fn recommendations_follow_the_table() {
        let cells = vec![
            cell("relu", Arch::Mlp, 4, &[0.95, 0.96, 0.97]),
            cell("gelu", Arch::Mlp, 4, &[0.96, 0.97, 0.95]),
            cell("tanh", Arch::Mlp, 4, &[0.80, 0.81, 0.82]),
            cell("relu", Arch::Mlp, 48, &[0.50, 0.52, 0.54]),
            cell("gelu", Arch::Mlp, 48, &[0.90, 0.91, 0.92]),
            cell("tanh", Arch::Mlp, 48, &[0.70, 0.71, 0.72]),
            cell("identity", Arch::Mlp, 48, &[0.99, 0.99, 0.99]),
        ];
        let groups = rank_groups(&cells);
        let (per_cell, overall) = recommendations(&cells, &groups);
        let report = TunedReport {
            cells: cells.clone(),
            groups,
            per_cell,
            overall,
            claims: Vec::new(),
        };
        assert_eq!(contradictions(&report), Vec::<String>::new());
        let o = report.overall.as_ref().unwrap();
        assert_eq!(o.activation, "gelu", "identity is never recommended");
        assert_eq!(
            (o.top_cells, o.cells),
            (1, 2),
            "tied with relu shallow, behind identity deep"
        );
        let shallow = &report.per_cell[0];
        assert_eq!(
            shallow.tied_with,
            vec!["gelu".to_string()],
            "equal means: relu first"
        );
        assert_eq!(report.cells[report.per_cell[1].cell].activation, "identity");
        // A recommendation that contradicts the table is caught.
        let mut wrong = report.clone();
        wrong.per_cell[1].cell = 3; // relu at depth 48, behind gelu and identity
        wrong.overall.as_mut().unwrap().activation = "tanh".into();
        let found = contradictions(&wrong);
        assert!(
            found
                .iter()
                .any(|f| f.contains("relu is recommended for mlp d48")),
            "{found:?}"
        );
        assert!(found.iter().any(|f| f.contains("overall")), "{found:?}");
    }
}
