//! A single chart of several named line series, optionally on a log10 y axis.

use std::path::Path;

use super::output::{render_svg, write_svg_file, PlotReport};
use super::panel::{draw_panel, LegendPosition, PanelScale, PanelText};
use super::prepared::prepare;
use super::series::Series;
use crate::error::LabError;

/// Builder for a line chart written as SVG.
///
/// ```no_run
/// use myelin_lab::plot::{LineChart, Series};
/// LineChart::new("Gradient norm per layer")
///     .x_label("layer")
///     .y_label("‖∂L/∂H‖")
///     .log_y(true)
///     .series(Series::per_layer("measured", &[1e-7, 1e-4, 1e-1, 1.0]))
///     .series(Series::per_layer("theory", &[2e-7, 1e-4, 1e-1, 1.0]).into_dashed().with_color(0))
///     .write_svg("grad.svg".as_ref())
///     .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    log_y: bool,
    legend: LegendPosition,
    size: (u32, u32),
    note: Option<String>,
    series: Vec<Series>,
}

/// An SVG rendered in memory.
#[derive(Debug, Clone)]
pub struct RenderedSvg {
    /// The SVG document.
    pub svg: String,
    /// Points that were left out (non-finite, or ≤ 0 on a log axis).
    pub skipped_points: usize,
}

impl LineChart {
    /// An empty 900×600 chart with a linear y axis and an automatically placed legend.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            log_y: false,
            legend: LegendPosition::Auto,
            size: (900, 600),
            note: None,
            series: Vec::new(),
        }
    }

    chart_setters!(text {
        x_label: "Sets the horizontal axis description.",
        y_label: "Sets the vertical axis description.",
    });

    chart_setters!(flag {
        log_y:
            "Switches the y axis to log10 scale; points with `y ≤ 0` are then left out and noted.",
    });

    /// Chooses where the legend goes.
    pub fn legend(mut self, position: LegendPosition) -> Self {
        self.legend = position;
        self
    }

    /// Sets the canvas size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Adds a remark shown after the x-axis description (e.g. how data was filtered).
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Adds one series.
    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Adds several series.
    pub fn extend_series(mut self, series: impl IntoIterator<Item = Series>) -> Self {
        self.series.extend(series);
        self
    }

    /// Renders the chart to SVG text; errors if no point is drawable.
    pub fn render_svg(&self) -> Result<RenderedSvg, LabError> {
        let panel = prepare(&self.series, self.log_y).ok_or_else(|| LabError::NoFiniteData {
            title: self.title.clone(),
        })?;
        let x_label = self.x_label_with_notes(panel.skipped_points);
        let text = PanelText {
            title: &self.title,
            x_label: &x_label,
            y_label: &self.y_label,
            log_y: self.log_y,
            legend: self.legend,
        };
        let svg = render_svg(&self.title, self.size, |area| {
            draw_panel(area, &panel, &text, PanelScale::FULL)
        })?;
        Ok(RenderedSvg {
            svg,
            skipped_points: panel.skipped_points,
        })
    }

    /// Renders the chart and writes it to `path` atomically.
    pub fn write_svg(&self, path: &Path) -> Result<PlotReport, LabError> {
        let rendered = self.render_svg()?;
        write_svg_file(path, &rendered.svg, rendered.skipped_points)
    }

    fn x_label_with_notes(&self, skipped_points: usize) -> String {
        let mut notes: Vec<String> = self.note.iter().cloned().collect();
        if skipped_points > 0 {
            let reason = if self.log_y {
                "non-finite or ≤ 0"
            } else {
                "non-finite"
            };
            let plural = if skipped_points == 1 { "" } else { "s" };
            notes.push(format!("{skipped_points} point{plural} omitted: {reason}"));
        }
        if notes.is_empty() {
            self.x_label.clone()
        } else {
            format!("{}   ({})", self.x_label, notes.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{
        count_elements, polyline_points, scratch_dir, svg_size, text_contents,
    };

    fn two_series_chart() -> LineChart {
        LineChart::new("Gradient norms")
            .x_label("layer")
            .y_label("gradient norm")
            .series(Series::per_layer("measured", &[1.0, 2.0, 3.0, 4.0]))
            .series(Series::per_layer("theory", &[1.5, 2.5, 3.5, 4.5]).into_dashed())
    }

    #[test]
    fn writes_an_svg_with_title_axis_labels_legend_and_lines() {
        let dir = scratch_dir("line-chart");
        let path = dir.join("chart.svg");
        let report = two_series_chart().write_svg(&path).unwrap();
        assert_eq!(report.path, path);
        assert_eq!(report.skipped_points, 0);
        let svg = std::fs::read_to_string(&path).unwrap();
        let texts = text_contents(&svg);
        for expected in [
            "Gradient norms",
            "layer",
            "gradient norm",
            "measured",
            "theory",
        ] {
            assert!(
                texts.iter().any(|t| t == expected),
                "missing text `{expected}` in {texts:?}"
            );
        }
        // One polyline for the solid series plus its legend sample; the dashed series is
        // drawn as many short dashes.
        let polylines = count_elements(&svg, "polyline");
        assert!(polylines >= 2 + 4, "only {polylines} polylines");
        let solid = polyline_points(&svg)
            .into_iter()
            .filter(|line| line.len() == 4)
            .count();
        assert_eq!(
            solid, 1,
            "the solid 4-point series should be a single polyline"
        );
    }

    #[test]
    fn log_axis_with_thirty_decades_either_side_has_finite_in_canvas_coordinates() {
        let values: Vec<f64> = (-30..=30).map(|k| 10f64.powi(k)).collect();
        let rendered = LineChart::new("wide")
            .log_y(true)
            .series(Series::per_layer("huge range", &values))
            .render_svg()
            .unwrap();
        let (width, height) = svg_size(&rendered.svg);
        let lines = polyline_points(&rendered.svg);
        let series_line = lines
            .iter()
            .find(|line| line.len() == values.len())
            .expect("series");
        for &(x, y) in series_line {
            assert!(x.is_finite() && y.is_finite());
            assert!(
                (0.0..=width).contains(&x) && (0.0..=height).contains(&y),
                "({x}, {y})"
            );
        }
        // Monotone data: each point is higher on screen (smaller y) than the one before.
        assert!(series_line.windows(2).all(|w| w[1].1 <= w[0].1));
        let texts = text_contents(&rendered.svg);
        assert!(
            texts.iter().any(|t| t == "1e-30") && texts.iter().any(|t| t == "1e30"),
            "{texts:?}"
        );
    }

    #[test]
    fn log_axis_skips_zeros_and_notes_them() {
        let rendered = LineChart::new("with zeros")
            .x_label("layer")
            .log_y(true)
            .series(Series::per_layer("g", &[1.0, 0.0, f64::NAN, 1e-3, 1e-6]))
            .render_svg()
            .unwrap();
        assert_eq!(rendered.skipped_points, 2);
        let texts = text_contents(&rendered.svg);
        assert!(
            texts.iter().any(|t| t.contains("2 points omitted")),
            "the omission must be noted: {texts:?}"
        );
    }

    #[test]
    fn no_drawable_data_is_an_error_not_a_panic() {
        let error = LineChart::new("empty")
            .log_y(true)
            .series(Series::per_layer("zeros", &[0.0, 0.0, f64::NAN]))
            .render_svg()
            .unwrap_err();
        assert!(matches!(error, LabError::NoFiniteData { .. }), "{error:?}");
        assert!(LineChart::new("nothing").render_svg().is_err());
    }

    #[test]
    fn io_failure_is_an_error_and_leaves_nothing_behind() {
        let dir = scratch_dir("line-chart-io");
        let blocker = dir.join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let error = two_series_chart()
            .write_svg(&blocker.join("chart.svg"))
            .unwrap_err();
        assert!(matches!(error, LabError::Io { .. }), "{error:?}");
    }

    #[test]
    fn series_names_are_escaped() {
        let rendered = LineChart::new("a < b & c")
            .series(Series::per_layer("x<y", &[1.0, 2.0]))
            .render_svg()
            .unwrap();
        assert!(rendered.svg.contains("a &lt; b &amp; c"));
        assert!(rendered.svg.contains("x&lt;y"));
    }
}
