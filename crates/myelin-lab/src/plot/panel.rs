//! Drawing one chart (axes, series, legend) into a region of an SVG canvas. Shared by
//! [`super::LineChart`], [`super::ActivationHistogram`] and [`super::PanelGrid`].

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::output::SUPERSAMPLE;
use super::prepared::{PreparedPanel, PreparedSeries};
use super::series::{palette_color, LineStyle};
use crate::error::LabError;

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPosition {
    /// Below the plotting area, in rows (the default): it never covers data.
    Auto,
    /// Top left corner inside the plotting area.
    UpperLeft,
    /// Top right corner inside the plotting area.
    UpperRight,
    /// Bottom left corner inside the plotting area.
    LowerLeft,
    /// Bottom right corner inside the plotting area.
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

/// Draws `panel` into `area` (in device units, [`SUPERSAMPLE`] per pixel). The `note`, if
/// any, is appended to the x-axis description.
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
    let px = |v: u32| v * SUPERSAMPLE;
    let entries = legend_entries(panel);
    let below = text.legend == LegendPosition::Auto && !entries.is_empty();
    let (plot_area, legend) = if below {
        let (width, height) = area.dim_in_pixel();
        let layout = LegendLayout::new(&entries, width, scale);
        let band = layout.height().min(height / 2);
        let (top, bottom) = area.split_vertically(height - band);
        (top, Some((bottom, layout)))
    } else {
        (area.clone(), None)
    };
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(text.title, ("sans-serif", px(scale.caption)))
        .margin(px(scale.margin))
        .x_label_area_size(px(scale.label * 3))
        .y_label_area_size(px(scale.tick * 5))
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
        .axis_desc_style(("sans-serif", px(scale.label)))
        .label_style(("sans-serif", px(scale.tick)))
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .axis_style(BLACK.stroke_width(px(1)))
        .set_all_tick_mark_size(px(5))
        .light_line_style(RGBColor(235, 235, 235).stroke_width(px(1)))
        .bold_line_style(RGBColor(205, 205, 205).stroke_width(px(1)))
        .draw()
        .map_err(|e| render_error(&e))?;

    for (index, prepared) in panel.series.iter().enumerate() {
        draw_series(&mut chart, prepared, index, scale).map_err(|e| render_error(&e))?;
    }

    if let Some((legend_area, layout)) = legend {
        return layout
            .draw(&legend_area, &entries, scale)
            .map_err(|e| render_error(&e));
    }
    let position = match text.legend {
        LegendPosition::Hidden | LegendPosition::Auto => None,
        LegendPosition::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
        LegendPosition::UpperRight => Some(SeriesLabelPosition::UpperRight),
        LegendPosition::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
        LegendPosition::LowerRight => Some(SeriesLabelPosition::LowerRight),
    };
    if let (Some(position), false) = (position, entries.is_empty()) {
        chart
            .configure_series_labels()
            .position(position)
            .label_font(("sans-serif", px(scale.label)))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160).stroke_width(px(1)))
            .draw()
            .map_err(|e| render_error(&e))?;
    }
    Ok(())
}

/// A legend line: name, colour and style of a named series that has drawable points.
struct LegendEntry<'a> {
    name: &'a str,
    color: RGBColor,
    style: LineStyle,
}

fn legend_entries<'a>(panel: &PreparedPanel<'a>) -> Vec<LegendEntry<'a>> {
    panel
        .series
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.series.name.is_empty() && !p.runs.is_empty())
        .map(|(index, p)| LegendEntry {
            name: p.series.name.as_str(),
            color: palette_color(p.series.color.unwrap_or(index)),
            style: p.series.style,
        })
        .collect()
}

/// Legend entries flowed left to right in rows below the chart (device units).
struct LegendLayout {
    /// `(x, row)` of every entry.
    positions: Vec<(i32, u32)>,
    rows: u32,
    line_height: u32,
}

impl LegendLayout {
    /// Length of the line sample, and the gaps after it and after the text, in pixels.
    const SAMPLE: u32 = 24;
    const GAP: u32 = 6;
    const SPACING: u32 = 18;

    fn new(entries: &[LegendEntry<'_>], width: u32, scale: PanelScale) -> Self {
        let px = |v: u32| v * SUPERSAMPLE;
        let left = px(scale.margin + scale.tick * 5);
        let right_edge = width.saturating_sub(px(scale.margin));
        let mut positions = Vec::new();
        let (mut x, mut row) = (left, 0u32);
        for entry in entries {
            let item = Self::item_width(entry, scale);
            if x > left && x + item > right_edge {
                x = left;
                row += 1;
            }
            positions.push((x as i32, row));
            x += item + px(Self::SPACING);
        }
        Self {
            positions,
            rows: row + 1,
            line_height: scale.label * SUPERSAMPLE * 3 / 2,
        }
    }

    /// Estimated width: plotters' SVG text is ~0.81 × the nominal size, a glyph ~0.6 em.
    fn item_width(entry: &LegendEntry<'_>, scale: PanelScale) -> u32 {
        let chars = entry.name.chars().count() as f64;
        let text = (chars * 0.6 * 0.81 * f64::from(scale.label * SUPERSAMPLE)).ceil() as u32;
        (Self::SAMPLE + Self::GAP) * SUPERSAMPLE + text
    }

    fn height(&self) -> u32 {
        self.rows * self.line_height
    }

    fn draw(
        &self,
        area: &DrawingArea<SVGBackend<'_>, Shift>,
        entries: &[LegendEntry<'_>],
        scale: PanelScale,
    ) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
        let line_height = self.line_height as i32;
        let font = ("sans-serif", scale.label * SUPERSAMPLE)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (entry, &(x, row)) in entries.iter().zip(&self.positions) {
            let y = row as i32 * line_height + line_height / 2;
            let style = entry.color.stroke_width(scale.stroke * SUPERSAMPLE);
            let end = x + (Self::SAMPLE * SUPERSAMPLE) as i32;
            match entry.style {
                LineStyle::Solid => area.draw(&PathElement::new(vec![(x, y), (end, y)], style))?,
                LineStyle::Dashed => {
                    let dash = (scale.stroke * 4 * SUPERSAMPLE) as i32;
                    let gap = dash / 2 + 2 * SUPERSAMPLE as i32;
                    area.draw(&DashedPathElement::new(
                        vec![(x, y), (end, y)],
                        dash,
                        gap,
                        style,
                    ))?
                }
            }
            let text_x = end + (Self::GAP * SUPERSAMPLE) as i32;
            area.draw(&Text::new(
                entry.name.to_string(),
                (text_x, y),
                font.clone(),
            ))?;
        }
        Ok(())
    }
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
    let style =
        palette_color(series.color.unwrap_or(index)).stroke_width(scale.stroke * SUPERSAMPLE);
    let dash = (scale.stroke * 4 * SUPERSAMPLE) as i32;
    let gap = dash / 2 + 2 * SUPERSAMPLE as i32;
    let sample = (LegendLayout::SAMPLE * SUPERSAMPLE) as i32;
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
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + sample, y)], style)
                        });
                }
            }
            LineStyle::Dashed => {
                let annotation =
                    chart.draw_series(DashedLineSeries::new(points, dash, gap, style))?;
                if wants_label {
                    annotation
                        .label(series.name.as_str())
                        .legend(move |(x, y)| {
                            DashedPathElement::new(vec![(x, y), (x + sample, y)], dash, gap, style)
                        });
                }
            }
        }
        labelled |= wants_label;
    }
    Ok(labelled)
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
