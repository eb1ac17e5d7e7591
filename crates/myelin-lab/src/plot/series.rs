//! Named data series and the colours they are drawn in.

use plotters::style::RGBColor;

/// How a series' line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    /// A continuous line, for measured data.
    Solid,
    /// A dashed line, for theoretical predictions drawn over measurements.
    Dashed,
}

/// One named curve: `(x, y)` points joined in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text; an empty name keeps the series out of the legend.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Solid or dashed.
    pub style: LineStyle,
    /// Index into the plot palette; `None` uses the series' position in its chart.
    pub color: Option<usize>,
}

impl Series {
    /// A solid series.
    pub fn solid(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            style: LineStyle::Solid,
            color: None,
        }
    }

    /// A dashed series (e.g. a theory curve).
    pub fn dashed(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            style: LineStyle::Dashed,
            ..Self::solid(name, points)
        }
    }

    /// A solid series with `x = 1, 2, 3, …` (e.g. one value per layer).
    pub fn per_layer(name: impl Into<String>, values: &[f64]) -> Self {
        let points = values
            .iter()
            .enumerate()
            .map(|(index, &value)| ((index + 1) as f64, value))
            .collect();
        Self::solid(name, points)
    }

    /// Pins the colour, e.g. to draw a theory curve in the colour of its measurement.
    pub fn with_color(self, palette_index: usize) -> Self {
        Self {
            color: Some(palette_index),
            ..self
        }
    }

    /// The same series, dashed.
    pub fn into_dashed(self) -> Self {
        Self {
            style: LineStyle::Dashed,
            ..self
        }
    }
}

/// Colour-blind-safe palette (Okabe & Ito 2008, black last), cycled for more series.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// The palette colour for `index`, wrapping around.
pub fn palette_color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}
