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

/// Device units per pixel. Charts are drawn on a canvas `SUPERSAMPLE` times the requested
/// size (every length, font and stroke scaled with it) and the SVG's `width`/`height` are
/// set back to the requested size while its `viewBox` keeps the drawing's size: plotters
/// rounds coordinates to whole device units, so this places every point to
/// 1/`SUPERSAMPLE` of a pixel, and curves stay smooth when the page is zoomed.
pub const SUPERSAMPLE: u32 = 4;

/// Renders a `width × height` (pixel) SVG on a white background, letting `draw` fill it;
/// `draw` works in device units ([`SUPERSAMPLE`] per pixel).
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
        let device = (width * SUPERSAMPLE, height * SUPERSAMPLE);
        let root = SVGBackend::with_string(&mut svg, device).into_drawing_area();
        root.fill(&WHITE).map_err(|e| render_error(&e))?;
        draw(&root)?;
        root.present().map_err(|e| render_error(&e))?;
    }
    let device_size = format!(
        "width=\"{}\" height=\"{}\"",
        width * SUPERSAMPLE,
        height * SUPERSAMPLE
    );
    let pixel_size = format!("width=\"{width}\" height=\"{height}\"");
    Ok(svg.replacen(&device_size, &pixel_size, 1))
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
