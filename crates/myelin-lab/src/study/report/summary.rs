//! The terminal summary printed at the end of `myelin study`.

use std::fmt::Write as _;
use std::path::Path;

use super::data::{signed, ReportData};

/// The ranking table and the contrast runs' outcomes, and where the report is.
pub fn terminal_summary(data: &ReportData<'_>, out: &Path) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "\nGradient flow at depth {}, width {} (log10 G_1/G_L, measured vs mean-field):",
        data.deepest, data.width
    );
    let row = |t: &mut String, cells: [&str; 7]| {
        let _ = writeln!(
            t,
            "{:<4} {:<24} {:<26} {:>9} {:>10} {:<10} {:>9}",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]
        );
    };
    row(
        &mut t,
        [
            "rank",
            "activation",
            "best init",
            "measured",
            "predicted",
            "regime",
            "train acc",
        ],
    );
    for (k, v) in data.ranking.iter().enumerate() {
        let acc = v
            .trained
            .as_ref()
            .map_or("—".to_string(), |(_, a)| format!("{:.1}%", 100.0 * a));
        row(
            &mut t,
            [
                &(k + 1).to_string(),
                &v.activation,
                &v.best_init,
                &signed(v.measured),
                &signed(v.predicted),
                &v.regime.to_string(),
                &acc,
            ],
        );
    }
    for r in data.contrasts() {
        let outcome = match r.diverged_at {
            Some((e, s)) => format!("NaN at epoch {e} step {s}"),
            None => format!("{:.1}% val. accuracy", 100.0 * r.final_accuracy()),
        };
        let _ = writeln!(t, "  {:<28} {outcome}", r.config.name);
    }
    if let Some(o) = &data.tuned.overall {
        let _ = writeln!(
            t,
            "\nTuned comparison ({} cells): start with {} (top group in {} of {} cells, mean test accuracy {:.1}%).",
            data.tuned.cells.len(),
            o.activation,
            o.top_cells,
            o.cells,
            100.0 * o.mean_accuracy
        );
    }
    if !data.tuned.claims.is_empty() {
        let verdicts: Vec<String> = data
            .tuned
            .claims
            .iter()
            .map(|c| format!("({}) {}", c.id, c.verdict))
            .collect();
        let _ = writeln!(t, "Claims: {}.", verdicts.join(", "));
    }
    let _ = writeln!(
        t,
        "\nReport: {} (and {})",
        out.join("report.md").display(),
        out.join("report.html").display()
    );
    t
}
