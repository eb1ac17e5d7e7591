//! The study's outputs: CSV/JSON tables, SVG plots, `report.md`, `report.html` and the
//! terminal summary.
//!
//! The report is data plus sections:
//!
//! * [`data::ReportData`] computes every number once from the [`StudyResults`];
//! * [`sections`] has one function per section (a [`document::Section`] of paragraphs,
//!   lists and tables) and [`plots`] one function per plot, both reading only the data;
//! * [`document::Document::to_markdown`] and [`html::to_html`] render the same sections.
//!
//! Adding a section or a plot is one function plus its entry in
//! [`sections::SECTIONS`] or [`plots::PLOTS`].

pub mod data;
pub mod document;
pub mod facts;
pub mod html;
pub mod isometry;
pub mod plots;
pub mod sections;
pub mod summary;
pub mod tables;
pub mod tuned;

use std::path::Path;

pub use data::{cells, Cell, ReportData};
pub use tables::{
    write_signal_tables, write_training_tables, SIGNAL_LAYERS_HEADER, SIGNAL_SUMMARY_HEADER,
    TRAINING_CURVES_HEADER, TRAINING_LAYERS_HEADER,
};

use crate::error::LabError;

use super::StudyResults;

/// Writes the training tables, every plot, `report.md` and `report.html`; returns the
/// terminal summary.
pub fn write_report(out: &Path, results: &StudyResults) -> Result<String, LabError> {
    write_training_tables(out, &results.training)?;
    super::theory_extras::write_extra_tables(out, &results.extras)?;
    let data = ReportData::new(results);
    let mut drawn = plots::all_plots(&data);
    for plot in &mut drawn {
        if let Ok(svg) = &plot.svg {
            if let Err(e) = tables::write_text(&out.join(&plot.file), svg) {
                plot.svg = Err(e);
            }
        }
    }
    tuned::write_tuned_tables(out, &data)?;
    let document = sections::document(&data, &drawn);
    tables::write_text(&out.join("report.md"), &document.to_markdown())?;
    tables::write_text(&out.join("report.html"), &html::to_html(&document, &drawn))?;
    Ok(summary::terminal_summary(&data, out))
}
