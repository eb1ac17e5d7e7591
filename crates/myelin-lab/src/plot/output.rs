//! Rendering an SVG canvas to text, and what a written plot reports back.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::atomic_write::write_atomically;
use crate::error::LabError;

/// What a plot writer produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotReport {
    /// The SVG file written.
    pub path: PathBuf,
    /// Data points (or, for histograms, values) left out because they could not be drawn.
    pub skipped_points: usize,
}

/// Renders a `width × height` SVG on a white background, letting `draw` fill it.
pub fn render_svg(
    title: &str,
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), LabError>,
) -> Result<String, LabError> {
    if width == 0 || height == 0 {
        return Err(LabError::InvalidPlot(format!(
            "plot `{title}` has an empty size {width}×{height}"
        )));
    }
    let render_error = |error: &dyn std::fmt::Display| LabError::Render {
        title: title.to_string(),
        message: error.to_string(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| render_error(&e))?;
        draw(&root)?;
        root.present().map_err(|e| render_error(&e))?;
    }
    Ok(svg)
}

/// Writes rendered SVG text to `path` atomically and builds the report.
pub fn write_svg_file(
    path: &Path,
    svg: &str,
    skipped_points: usize,
) -> Result<PlotReport, LabError> {
    write_atomically(path, svg.as_bytes())?;
    Ok(PlotReport {
        path: path.to_path_buf(),
        skipped_points,
    })
}
