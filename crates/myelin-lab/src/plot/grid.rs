//! A sheet of small multiples: one small chart per panel, laid out in rows.

use std::path::Path;

use plotters::prelude::*;

use super::output::{render_svg, write_svg_file, PlotReport, SUPERSAMPLE};
use super::panel::{draw_panel, LegendPosition, PanelScale, PanelText};
use super::prepared::prepare;
use super::series::Series;
use crate::error::LabError;

/// One small chart of a [`PanelGrid`].
#[derive(Debug, Clone)]
pub struct GridPanel {
    /// Caption of the panel.
    pub title: String,
    /// The panel's curves.
    pub series: Vec<Series>,
}

/// Builder for a grid of small charts sharing axis descriptions, e.g. one panel per
/// activation showing `f` and `f′` on `[−5, 5]`.
#[derive(Debug, Clone)]
pub struct PanelGrid {
    title: String,
    columns: usize,
    panel_size: (u32, u32),
    x_label: String,
    y_label: String,
    log_y: bool,
    panels: Vec<GridPanel>,
}

/// Height of the sheet title band in pixels.
const TITLE_BAND: u32 = 50;

impl PanelGrid {
    /// An empty grid with `columns` panels per row, each 340×260 pixels.
    pub fn new(title: impl Into<String>, columns: usize) -> Self {
        Self {
            title: title.into(),
            columns,
            panel_size: (340, 260),
            x_label: String::new(),
            y_label: String::new(),
            log_y: false,
            panels: Vec::new(),
        }
    }

    /// Sets the size of each panel in pixels.
    pub fn panel_size(mut self, width: u32, height: u32) -> Self {
        self.panel_size = (width, height);
        self
    }

    chart_setters!(text {
        x_label: "Sets the horizontal axis description used in every panel.",
        y_label: "Sets the vertical axis description used in every panel.",
    });

    chart_setters!(flag {
        log_y: "Puts every panel's y axis on a log10 scale.",
    });

    /// Adds a panel.
    pub fn panel(mut self, title: impl Into<String>, series: Vec<Series>) -> Self {
        self.panels.push(GridPanel {
            title: title.into(),
            series,
        });
        self
    }

    /// Adds several `(title, series)` panels.
    pub fn extend_panels(
        mut self,
        panels: impl IntoIterator<Item = (String, Vec<Series>)>,
    ) -> Self {
        for (title, series) in panels {
            self = self.panel(title, series);
        }
        self
    }

    /// Renders the sheet to SVG text. Panels without drawable data show a "no data" note;
    /// it is an error if no panel has any.
    pub fn render_svg(&self) -> Result<(String, usize), LabError> {
        if self.columns == 0 {
            return Err(LabError::InvalidPlot(format!(
                "panel grid `{}` needs at least one column",
                self.title
            )));
        }
        let prepared: Vec<_> = self
            .panels
            .iter()
            .map(|panel| prepare(&panel.series, self.log_y))
            .collect();
        if prepared.iter().all(Option::is_none) {
            return Err(LabError::NoFiniteData {
                title: self.title.clone(),
            });
        }
        let skipped: usize = prepared.iter().flatten().map(|p| p.skipped_points).sum();
        let columns = self.columns.min(self.panels.len());
        let rows = self.panels.len().div_ceil(columns);
        let size = (
            self.panel_size.0 * columns as u32,
            self.panel_size.1 * rows as u32 + TITLE_BAND,
        );
        let render_error = |error: &dyn std::fmt::Display| LabError::Render {
            title: self.title.clone(),
            message: error.to_string(),
        };
        let svg = render_svg(&self.title, size, |root| {
            let body = root
                .titled(&self.title, ("sans-serif", 28 * SUPERSAMPLE))
                .map_err(|e| render_error(&e))?;
            let cells = body.split_evenly((rows, columns));
            for ((panel, prepared), cell) in self.panels.iter().zip(&prepared).zip(&cells) {
                match prepared {
                    Some(prepared) => {
                        let text = PanelText {
                            title: &panel.title,
                            x_label: &self.x_label,
                            y_label: &self.y_label,
                            log_y: self.log_y,
                            legend: LegendPosition::Auto,
                        };
                        draw_panel(cell, prepared, &text, PanelScale::SMALL)?;
                    }
                    None => {
                        let (_, height) = cell.dim_in_pixel();
                        let style = ("sans-serif", 15 * SUPERSAMPLE).into_font().color(&BLACK);
                        cell.draw_text(
                            &format!("{}: no finite data", panel.title),
                            &style,
                            (10 * SUPERSAMPLE as i32, height as i32 / 2),
                        )
                        .map_err(|e| render_error(&e))?;
                    }
                }
            }
            Ok(())
        })?;
        Ok((svg, skipped))
    }

    /// Renders the sheet and writes it to `path` atomically.
    pub fn write_svg(&self, path: &Path) -> Result<PlotReport, LabError> {
        let (svg, skipped) = self.render_svg()?;
        write_svg_file(path, &svg, skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{polyline_points, scratch_dir, svg_size, text_contents};

    fn curve(f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        (0..=100)
            .map(|i| -5.0 + 0.1 * i as f64)
            .map(|x| (x, f(x)))
            .collect()
    }

    fn activation_panels() -> PanelGrid {
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        PanelGrid::new("Activations", 2)
            .x_label("x")
            .panel(
                "relu",
                vec![
                    Series::solid("f", curve(|x| x.max(0.0))),
                    Series::dashed("f′", curve(|x| if x > 0.0 { 1.0 } else { 0.0 })),
                ],
            )
            .panel(
                "tanh",
                vec![
                    Series::solid("f", curve(f64::tanh)),
                    Series::dashed("f′", curve(|x| 1.0 - x.tanh().powi(2))),
                ],
            )
            .panel(
                "sigmoid",
                vec![
                    Series::solid("f", curve(sigmoid)),
                    Series::dashed("f′", curve(|x| sigmoid(x) * (1.0 - sigmoid(x)))),
                ],
            )
    }

    #[test]
    fn lays_out_panels_in_rows_with_titles_and_curves() {
        let dir = scratch_dir("grid");
        let path = dir.join("grid.svg");
        activation_panels().write_svg(&path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert_eq!(svg_size(&svg), (680.0, 2.0 * 260.0 + 50.0));
        let texts = text_contents(&svg);
        for title in ["Activations", "relu", "tanh", "sigmoid"] {
            assert!(
                texts.iter().any(|t| t == title),
                "missing `{title}` in {texts:?}"
            );
        }
        assert_eq!(
            texts.iter().filter(|t| *t == "f′").count(),
            3,
            "one legend entry per panel"
        );
        let full_curves = polyline_points(&svg)
            .into_iter()
            .filter(|l| l.len() == 101)
            .count();
        assert_eq!(full_curves, 3, "one solid 101-point curve per panel");
    }

    #[test]
    fn panels_without_data_are_marked_and_an_all_empty_grid_is_an_error() {
        let (svg, _) = activation_panels()
            .panel("broken", vec![Series::solid("f", vec![(0.0, f64::NAN)])])
            .render_svg()
            .unwrap();
        assert!(text_contents(&svg)
            .iter()
            .any(|t| t == "broken: no finite data"));
        let empty = PanelGrid::new("empty", 3)
            .panel("nan", vec![Series::solid("f", vec![(f64::NAN, 1.0)])]);
        assert!(matches!(
            empty.render_svg(),
            Err(LabError::NoFiniteData { .. })
        ));
        assert!(matches!(
            PanelGrid::new("zero columns", 0).render_svg(),
            Err(LabError::InvalidPlot(_))
        ));
    }
}
