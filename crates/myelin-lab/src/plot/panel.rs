//! Drawing one chart (axes, series, legend) into a region of an SVG canvas. Shared by
//! [`super::LineChart`], [`super::ActivationHistogram`] and [`super::PanelGrid`].

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::prepared::{PreparedPanel, PreparedSeries};
use super::series::{palette_color, LineStyle};
use crate::error::LabError;

/// Where the legend box goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPosition {
    /// The corner holding the fewest data points.
    Auto,
    /// Top left corner of the plotting area.
    UpperLeft,
    /// Top right corner of the plotting area.
    UpperRight,
    /// Bottom left corner of the plotting area.
    LowerLeft,
    /// Bottom right corner of the plotting area.
    LowerRight,
    /// No legend.
    Hidden,
}

/// Texts and options of one chart.
#[derive(Debug, Clone)]
pub struct PanelText<'a> {
    /// Caption above the plotting area.
    pub title: &'a str,
    /// Horizontal axis description.
    pub x_label: &'a str,
    /// Vertical axis description.
    pub y_label: &'a str,
    /// Whether `y` values are log10-transformed (ticks are then labelled as powers of ten).
    pub log_y: bool,
    /// Legend placement.
    pub legend: LegendPosition,
}

/// Font sizes and margins; big for stand-alone charts, small for grid panels.
#[derive(Debug, Clone, Copy)]
pub struct PanelScale {
    /// Caption font size in pixels.
    pub caption: u32,
    /// Axis-description and legend font size.
    pub label: u32,
    /// Tick-label font size.
    pub tick: u32,
    /// Outer margin.
    pub margin: u32,
    /// Stroke width of series lines.
    pub stroke: u32,
}

impl PanelScale {
    /// Sizes for a stand-alone chart of about 900×600 pixels.
    pub const FULL: PanelScale = PanelScale {
        caption: 26,
        label: 18,
        tick: 15,
        margin: 14,
        stroke: 2,
    };
    /// Sizes for a small multiple of about 320×240 pixels.
    pub const SMALL: PanelScale = PanelScale {
        caption: 17,
        label: 13,
        tick: 11,
        margin: 8,
        stroke: 2,
    };
}

/// Draws `panel` into `area`. The `note`, if any, is appended to the x-axis description.
pub fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    panel: &PreparedPanel<'_>,
    text: &PanelText<'_>,
    scale: PanelScale,
) -> Result<(), LabError> {
    let render_error = |error: &dyn std::fmt::Display| LabError::Render {
        title: text.title.to_string(),
        message: error.to_string(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(text.title, ("sans-serif", scale.caption))
        .margin(scale.margin)
        .x_label_area_size(scale.label * 3)
        .y_label_area_size(scale.tick * 5)
        .build_cartesian_2d(panel.x_range.clone(), panel.y_range.clone())
        .map_err(|e| render_error(&e))?;

    let log_y = text.log_y;
    let y_formatter = move |value: &f64| {
        if log_y {
            format_power_of_ten(*value)
        } else {
            format_tick(*value)
        }
    };
    let x_formatter = |value: &f64| format_tick(*value);
    chart
        .configure_mesh()
        .x_desc(text.x_label)
        .y_desc(text.y_label)
        .axis_desc_style(("sans-serif", scale.label))
        .label_style(("sans-serif", scale.tick))
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(|e| render_error(&e))?;

    let mut any_label = false;
    for (index, prepared) in panel.series.iter().enumerate() {
        any_label |=
            draw_series(&mut chart, prepared, index, scale).map_err(|e| render_error(&e))?;
    }

    let position = match text.legend {
        LegendPosition::Hidden => None,
        LegendPosition::Auto => Some(emptiest_corner(panel)),
        LegendPosition::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
        LegendPosition::UpperRight => Some(SeriesLabelPosition::UpperRight),
        LegendPosition::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
        LegendPosition::LowerRight => Some(SeriesLabelPosition::LowerRight),
    };
    if let (Some(position), true) = (position, any_label) {
        chart
            .configure_series_labels()
            .position(position)
            .label_font(("sans-serif", scale.label))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(|e| render_error(&e))?;
    }
    Ok(())
}

type SvgChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws every run of one series; returns whether a legend entry was registered.
fn draw_series(
    chart: &mut SvgChart<'_, '_>,
    prepared: &PreparedSeries<'_>,
    index: usize,
    scale: PanelScale,
) -> Result<bool, DrawingAreaErrorKind<std::io::Error>> {
    let series = prepared.series;
    let style = palette_color(series.color.unwrap_or(index)).stroke_width(scale.stroke);
    let dash = (scale.stroke * 4) as i32;
    let mut labelled = false;
    for run in &prepared.runs {
        let wants_label = !labelled && !series.name.is_empty();
        let points = run.iter().copied();
        match series.style {
            LineStyle::Solid => {
                let annotation = chart.draw_series(LineSeries::new(points, style))?;
                if wants_label {
                    annotation
                        .label(series.name.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
                }
            }
            LineStyle::Dashed => {
                let annotation =
                    chart.draw_series(DashedLineSeries::new(points, dash, dash / 2 + 2, style))?;
                if wants_label {
                    annotation
                        .label(series.name.as_str())
                        .legend(move |(x, y)| {
                            DashedPathElement::new(
                                vec![(x, y), (x + 24, y)],
                                dash,
                                dash / 2 + 2,
                                style,
                            )
                        });
                }
            }
        }
        labelled |= wants_label;
    }
    Ok(labelled)
}

/// The plotting-area corner with the fewest data points in its outer 40 % × 40 % box.
fn emptiest_corner(panel: &PreparedPanel<'_>) -> SeriesLabelPosition {
    let (x, y) = (&panel.x_range, &panel.y_range);
    let fraction_x = |v: f64| (v - x.start) / (x.end - x.start);
    let fraction_y = |v: f64| (v - y.start) / (y.end - y.start);
    let corners = [
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let points: Vec<(f64, f64)> = panel
        .series
        .iter()
        .flat_map(|s| s.runs.iter().flatten())
        .map(|&(px, py)| (fraction_x(px), fraction_y(py)))
        .collect();
    let crowding = |right: bool, top: bool| {
        points
            .iter()
            .filter(|(fx, fy)| {
                let in_x = if right { *fx >= 0.6 } else { *fx <= 0.4 };
                let in_y = if top { *fy >= 0.6 } else { *fy <= 0.4 };
                in_x && in_y
            })
            .count()
    };
    corners
        .into_iter()
        .min_by_key(|&(_, right, top)| crowding(right, top))
        .map(|(position, _, _)| position)
        .expect("four corners")
}

/// Tick label for a log10 value: `1e-30`, `1e0`, or `3.2e-5` between decades.
pub fn format_power_of_ten(log10_value: f64) -> String {
    let rounded = log10_value.round();
    if (log10_value - rounded).abs() < 1e-9 {
        format!("1e{}", rounded as i64)
    } else {
        format!("{:.1e}", 10f64.powf(log10_value))
    }
}

/// Compact tick label: plain decimals with at most three places, scientific when huge or tiny.
pub fn format_tick(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-3..1e5).contains(&magnitude) {
        return format!("{value:.1e}");
    }
    let text = format!("{value:.3}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_of_ten_labels() {
        assert_eq!(format_power_of_ten(-30.0), "1e-30");
        assert_eq!(format_power_of_ten(0.0), "1e0");
        assert_eq!(format_power_of_ten(30.0), "1e30");
        assert_eq!(format_power_of_ten(0.5), "3.2e0");
    }

    #[test]
    fn tick_labels_are_compact() {
        assert_eq!(format_tick(2.5), "2.5");
        assert_eq!(format_tick(10.0), "10");
        assert_eq!(format_tick(-0.0001), "-1.0e-4");
        assert_eq!(format_tick(0.0), "0");
        assert_eq!(format_tick(-0.0), "0");
        assert_eq!(format_tick(0.125), "0.125");
        assert_eq!(format_tick(2e6), "2.0e6");
    }
}
