//! A heat map of values on a grid (e.g. accuracy over `σ_w²` × depth) with a colour bar
//! and line overlays drawn in the same data coordinates (e.g. the `6 ξ_c` curve).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::output::{render_svg, write_svg_file, PlotReport, SUPERSAMPLE};
use super::panel::format_tick;
use super::series::{LineStyle, Series};
use crate::error::LabError;

/// Builder for a heat map written as SVG.
///
/// Cells are centred on the grid values; their edges lie half-way between neighbours. On a
/// log2 y axis (`log2_y(true)`) the edges are half-way in log2 and the tick labels are
/// powers of two. Overlay points above or below the axis are clamped to its edge and the
/// clamping is noted under the chart.
///
/// ```no_run
/// use myelin_lab::plot::{HeatMap, Series};
/// HeatMap::new("accuracy", vec![1.0, 2.0], vec![4.0, 8.0], vec![vec![0.9, 0.5], vec![0.1, 0.4]])
///     .x_label("σ_w²")
///     .y_label("depth")
///     .log2_y(true)
///     .overlay(Series::dashed("6 ξ_c", vec![(1.0, 5.0), (2.0, 7.0)]))
///     .write_svg("heat.svg".as_ref())
///     .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct HeatMap {
    title: String,
    x_label: String,
    y_label: String,
    value_label: String,
    log2_y: bool,
    size: (u32, u32),
    x: Vec<f64>,
    y: Vec<f64>,
    values: Vec<Vec<f64>>,
    value_range: Option<(f64, f64)>,
    annotate: bool,
    overlays: Vec<Series>,
}

/// Width of the colour bar band on the right, in pixels.
const COLOUR_BAR_BAND: u32 = 120;

impl HeatMap {
    /// A heat map of `values[row][column]` at `(x[column], y[row])`, 900×600 pixels.
    pub fn new(title: impl Into<String>, x: Vec<f64>, y: Vec<f64>, values: Vec<Vec<f64>>) -> Self {
        Self {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            value_label: String::new(),
            log2_y: false,
            size: (900, 600),
            x,
            y,
            values,
            value_range: None,
            annotate: true,
            overlays: Vec::new(),
        }
    }

    chart_setters!(text {
        x_label: "Sets the horizontal axis description.",
        y_label: "Sets the vertical axis description.",
        value_label: "Sets the colour-bar description.",
    });

    chart_setters!(flag {
        log2_y: "Puts the y axis on a log2 scale.",
        annotate: "Writes each cell's value into it (default on).",
    });

    /// Fixes the colour scale (default: the data's range).
    pub fn value_range(mut self, low: f64, high: f64) -> Self {
        self.value_range = Some((low, high));
        self
    }

    /// Sets the canvas size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Adds a line drawn over the cells, in data coordinates.
    pub fn overlay(mut self, series: Series) -> Self {
        self.overlays.push(series);
        self
    }

    fn check(&self) -> Result<(f64, f64), LabError> {
        let invalid =
            |what: String| LabError::InvalidPlot(format!("heat map `{}`: {what}", self.title));
        if self.x.is_empty() || self.y.is_empty() {
            return Err(invalid(format!(
                "empty grid ({} × {})",
                self.x.len(),
                self.y.len()
            )));
        }
        if self.values.len() != self.y.len() || self.values.iter().any(|r| r.len() != self.x.len())
        {
            return Err(invalid(format!(
                "values must be {} rows of {} columns",
                self.y.len(),
                self.x.len()
            )));
        }
        let increasing =
            |v: &[f64]| v.iter().all(|a| a.is_finite()) && v.windows(2).all(|w| w[0] < w[1]);
        if !increasing(&self.x) || !increasing(&self.y) {
            return Err(invalid(
                "grid coordinates must be finite and strictly increasing".into(),
            ));
        }
        if self.log2_y && self.y[0] <= 0.0 {
            return Err(invalid(format!(
                "a log2 axis needs y > 0, got {}",
                self.y[0]
            )));
        }
        let finite = self
            .values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite());
        let data_range = finite.fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        });
        let (low, high) = match (self.value_range, data_range) {
            (Some(r), _) => r,
            (None, Some(r)) => r,
            (None, None) => {
                return Err(LabError::NoFiniteData {
                    title: self.title.clone(),
                })
            }
        };
        if !(low.is_finite() && high.is_finite() && low <= high) {
            return Err(invalid(format!("bad value range [{low}, {high}]")));
        }
        Ok((low, if high > low { high } else { low + 1.0 }))
    }

    fn y_coordinate(&self, y: f64) -> f64 {
        if self.log2_y {
            y.log2()
        } else {
            y
        }
    }

    /// Renders the heat map; `skipped` counts non-finite cells and clamped overlay points.
    pub fn render_svg(&self) -> Result<(String, usize), LabError> {
        let (low, high) = self.check()?;
        let ys: Vec<f64> = self.y.iter().map(|&y| self.y_coordinate(y)).collect();
        let x_edges = edges(&self.x);
        let y_edges = edges(&ys);
        let x_range = x_edges[0]..x_edges[x_edges.len() - 1];
        let y_range = y_edges[0]..y_edges[y_edges.len() - 1];
        let mut skipped = self
            .values
            .iter()
            .flatten()
            .filter(|v| !v.is_finite())
            .count();
        let mut clamped = 0usize;
        let overlays: Vec<(Vec<(f64, f64)>, &Series)> = self
            .overlays
            .iter()
            .map(|s| {
                let points = s
                    .points
                    .iter()
                    .filter(|(x, y)| x.is_finite() && !y.is_nan() && (!self.log2_y || *y > 0.0))
                    .map(|&(x, y)| {
                        let v = self.y_coordinate(y);
                        let c = v.clamp(y_range.start, y_range.end);
                        if c != v {
                            clamped += 1;
                        }
                        (x.clamp(x_range.start, x_range.end), c)
                    })
                    .collect();
                (points, s)
            })
            .collect();
        skipped += clamped;
        let mut x_label = self.x_label.clone();
        if clamped > 0 {
            x_label.push_str(&format!(
                "   ({clamped} overlay points clamped to the axis)"
            ));
        }
        let render_error = |e: &dyn std::fmt::Display| LabError::Render {
            title: self.title.clone(),
            message: e.to_string(),
        };
        let px = |v: u32| v * SUPERSAMPLE;
        let log2_y = self.log2_y;
        let svg = render_svg(&self.title, self.size, |root| {
            let (width, _) = root.dim_in_pixel();
            let (main, bar) = root.split_horizontally(width - px(COLOUR_BAR_BAND));
            let mut chart = ChartBuilder::on(&main)
                .caption(&self.title, ("sans-serif", px(22)))
                .margin(px(14))
                .x_label_area_size(px(54))
                .y_label_area_size(px(70))
                .build_cartesian_2d(x_range.clone(), y_range.clone())
                .map_err(|e| render_error(&e))?;
            let y_formatter = move |v: &f64| {
                if log2_y {
                    format_tick(2f64.powf(*v))
                } else {
                    format_tick(*v)
                }
            };
            let x_formatter = |v: &f64| format_tick(*v);
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(x_label.as_str())
                .y_desc(self.y_label.as_str())
                .axis_desc_style(("sans-serif", px(18)))
                .label_style(("sans-serif", px(15)))
                .x_labels(10)
                .y_labels(10)
                .x_label_formatter(&x_formatter)
                .y_label_formatter(&y_formatter)
                .axis_style(BLACK.stroke_width(px(1)))
                .set_all_tick_mark_size(px(5))
                .draw()
                .map_err(|e| render_error(&e))?;
            for (row, values) in self.values.iter().enumerate() {
                for (column, &value) in values.iter().enumerate() {
                    let corners = [
                        (x_edges[column], y_edges[row]),
                        (x_edges[column + 1], y_edges[row + 1]),
                    ];
                    let fill = if value.is_finite() {
                        colour((value - low) / (high - low))
                    } else {
                        RGBColor(200, 200, 200)
                    };
                    chart
                        .draw_series(std::iter::once(Rectangle::new(corners, fill.filled())))
                        .map_err(|e| render_error(&e))?;
                    if self.annotate && value.is_finite() {
                        let t = (value - low) / (high - low);
                        let ink = if t < 0.6 { WHITE } else { BLACK };
                        let style = ("sans-serif", px(13))
                            .into_font()
                            .color(&ink)
                            .pos(Pos::new(HPos::Center, VPos::Center));
                        let centre = (self.x[column], ys[row]);
                        chart
                            .draw_series(std::iter::once(Text::new(
                                format_tick(value),
                                centre,
                                style,
                            )))
                            .map_err(|e| render_error(&e))?;
                    }
                }
            }
            for (points, series) in &overlays {
                // A white halo under the line keeps it visible on every cell colour.
                let halo = WHITE.stroke_width(px(6));
                let ink = RGBColor(220, 20, 60).stroke_width(px(3));
                chart
                    .draw_series(LineSeries::new(points.iter().copied(), halo))
                    .map_err(|e| render_error(&e))?;
                match series.style {
                    LineStyle::Solid => chart
                        .draw_series(LineSeries::new(points.iter().copied(), ink))
                        .map(|_| ()),
                    LineStyle::Dashed => chart
                        .draw_series(DashedLineSeries::new(
                            points.iter().copied(),
                            px(10) as i32,
                            px(6) as i32,
                            ink,
                        ))
                        .map(|_| ()),
                }
                .map_err(|e| render_error(&e))?;
            }
            draw_colour_bar(&bar, (low, high), &self.value_label).map_err(|e| render_error(&e))
        })?;
        Ok((svg, skipped))
    }

    /// Renders and writes the SVG atomically.
    pub fn write_svg(&self, path: &Path) -> Result<PlotReport, LabError> {
        let (svg, skipped) = self.render_svg()?;
        write_svg_file(path, &svg, skipped)
    }
}

/// Cell edges: half-way between neighbouring centres, the outer ones half a gap outside.
fn edges(centres: &[f64]) -> Vec<f64> {
    if centres.len() == 1 {
        return vec![centres[0] - 0.5, centres[0] + 0.5];
    }
    let n = centres.len();
    let mut out = Vec::with_capacity(n + 1);
    out.push(centres[0] - 0.5 * (centres[1] - centres[0]));
    out.extend(centres.windows(2).map(|w| 0.5 * (w[0] + w[1])));
    out.push(centres[n - 1] + 0.5 * (centres[n - 1] - centres[n - 2]));
    out
}

/// Viridis (matplotlib's default colour map), by linear interpolation of 9 stops;
/// `t` is clamped to `[0, 1]`.
pub fn colour(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let position = t * (STOPS.len() - 1) as f64;
    let i = (position.floor() as usize).min(STOPS.len() - 2);
    let f = position - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn draw_colour_bar(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    (low, high): (f64, f64),
    label: &str,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let s = SUPERSAMPLE as i32;
    let (_, height) = area.dim_in_pixel();
    let (top, bottom) = (70 * s, height as i32 - 80 * s);
    let (left, right) = (14 * s, 38 * s);
    let steps = 64;
    for k in 0..steps {
        let y0 = bottom - (bottom - top) * k / steps;
        let y1 = bottom - (bottom - top) * (k + 1) / steps;
        area.draw(&Rectangle::new(
            [(left, y1), (right, y0)],
            colour((k as f64 + 0.5) / steps as f64).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        BLACK.stroke_width(SUPERSAMPLE),
    ))?;
    let font = ("sans-serif", 14 * SUPERSAMPLE)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for k in 0..=4 {
        let value = low + (high - low) * k as f64 / 4.0;
        let y = bottom - (bottom - top) * k / 4;
        area.draw(&PathElement::new(
            vec![(right, y), (right + 5 * s, y)],
            BLACK.stroke_width(SUPERSAMPLE),
        ))?;
        area.draw(&Text::new(
            format_tick(value),
            (right + 8 * s, y),
            font.clone(),
        ))?;
    }
    area.draw(&Text::new(
        label.to_string(),
        (left, top - 24 * s),
        font.pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{count_elements, text_contents};

    fn map() -> HeatMap {
        HeatMap::new(
            "accuracy",
            vec![0.5, 1.0, 2.0],
            vec![4.0, 16.0],
            vec![vec![0.1, 0.9, 0.5], vec![0.1, f64::NAN, 0.2]],
        )
        .x_label("sigma_w^2")
        .y_label("depth")
        .value_label("accuracy")
        .log2_y(true)
        .value_range(0.0, 1.0)
    }

    #[test]
    fn draws_one_rectangle_per_cell_annotations_and_a_colour_bar() {
        let (svg, skipped) = map().render_svg().unwrap();
        assert_eq!(skipped, 1, "the NaN cell");
        // 6 cells + 64 colour-bar steps + the bar frame (+ the background).
        assert!(
            count_elements(&svg, "rect") > 6 + 64,
            "cells, bar steps and frame"
        );
        let texts = text_contents(&svg);
        for t in [
            "accuracy",
            "depth",
            "sigma_w^2",
            "0.9",
            "0.5",
            "0.2",
            "0",
            "1",
        ] {
            assert!(texts.iter().any(|x| x == t), "missing `{t}` in {texts:?}");
        }
        // Powers-of-two tick labels on the log2 axis.
        assert!(texts.iter().any(|x| x == "8"), "{texts:?}");
    }

    #[test]
    fn overlay_is_clamped_to_the_axis_and_noted() {
        let (svg, skipped) = map()
            .overlay(Series::solid(
                "6 xi_c",
                vec![(0.5, 3.0), (1.0, f64::INFINITY), (2.0, 8.0)],
            ))
            .render_svg()
            .unwrap();
        assert_eq!(
            skipped,
            1 + 1,
            "NaN cell + the infinite point clamped to the top"
        );
        assert!(text_contents(&svg)
            .iter()
            .any(|t| t.contains("1 overlay points clamped")));
        assert!(count_elements(&svg, "polyline") >= 2, "halo and line");
    }

    #[test]
    fn edges_lie_half_way_and_colours_run_from_purple_to_yellow() {
        assert_eq!(edges(&[1.0, 2.0, 4.0]), vec![0.5, 1.5, 3.0, 5.0]);
        assert_eq!(edges(&[3.0]), vec![2.5, 3.5]);
        assert_eq!(colour(0.0), RGBColor(68, 1, 84));
        assert_eq!(colour(1.0), RGBColor(253, 231, 37));
        assert_eq!(colour(2.0), colour(1.0));
        assert_eq!(colour(0.5), RGBColor(33, 144, 141));
    }

    #[test]
    fn malformed_grids_are_errors() {
        let ragged = HeatMap::new("r", vec![1.0, 2.0], vec![1.0], vec![vec![1.0]]);
        let e = ragged.render_svg().unwrap_err().to_string();
        assert!(e.contains("1 rows of 2 columns"), "{e}");
        let unsorted = HeatMap::new("u", vec![2.0, 1.0], vec![1.0], vec![vec![1.0, 2.0]]);
        assert!(unsorted
            .render_svg()
            .unwrap_err()
            .to_string()
            .contains("increasing"));
        let all_nan = HeatMap::new("n", vec![1.0], vec![1.0], vec![vec![f64::NAN]]);
        assert!(matches!(
            all_nan.render_svg(),
            Err(LabError::NoFiniteData { .. })
        ));
        let log_zero = HeatMap::new("z", vec![1.0], vec![0.0], vec![vec![1.0]]).log2_y(true);
        assert!(log_zero
            .render_svg()
            .unwrap_err()
            .to_string()
            .contains("log2"));
    }
}
