//! Per-layer value distributions drawn as overlaid, normalised density curves, in the style
//! of Glorot & Bengio (2010, figures 3–7).

use std::path::Path;

use super::line_chart::LineChart;
use super::output::PlotReport;
use super::panel::LegendPosition;
use super::series::Series;
use crate::error::LabError;

/// A normalised histogram: `(bin centre, density)` pairs whose densities integrate to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityCurve {
    /// `(bin centre, count / (counted · bin width))` for each bin.
    pub points: Vec<(f64, f64)>,
    /// Values left out: non-finite or outside the range.
    pub skipped_values: usize,
}

/// Histograms `values` into `bins` equal bins over `range` (inclusive at both ends) and
/// normalises so the curve integrates to 1 over the counted values.
pub fn density_curve(
    values: &[f64],
    bins: usize,
    range: (f64, f64),
) -> Result<DensityCurve, LabError> {
    let (low, high) = range;
    if bins == 0 || !(low.is_finite() && high.is_finite() && low < high) {
        return Err(LabError::InvalidPlot(format!(
            "a histogram needs ≥ 1 bin and a finite range low < high, got {bins} bins over [{low}, {high}]"
        )));
    }
    let width = (high - low) / bins as f64;
    let mut counts = vec![0usize; bins];
    let mut skipped_values = 0;
    for &value in values {
        if !(value.is_finite() && (low..=high).contains(&value)) {
            skipped_values += 1;
            continue;
        }
        let bin = (((value - low) / width) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    let counted = (values.len() - skipped_values).max(1) as f64;
    let points = counts
        .iter()
        .enumerate()
        .map(|(bin, &count)| {
            (
                low + (bin as f64 + 0.5) * width,
                count as f64 / (counted * width),
            )
        })
        .collect();
    Ok(DensityCurve {
        points,
        skipped_values,
    })
}

/// The value range for a histogram of an activation's outputs: each side is the
/// activation's own bound where it is finite (so values piling up at a saturating bound,
/// e.g. sigmoid at 0 and 1 or tanh at ±1, are drawn against the edge where they pile up),
/// and otherwise the 0.5% / 99.5% quantile of the finite `values` (so one long tail does not
/// squeeze the bulk into a few bins). `None` when no value is finite.
///
/// ```
/// use myelin_lab::plot::histogram_range;
/// let values: Vec<f64> = (0..1000).map(|i| i as f64 / 999.0).collect();
/// assert_eq!(histogram_range(&values, (0.0, 1.0)), Some((0.0, 1.0)));
/// let (low, high) = histogram_range(&values, (0.0, f64::INFINITY)).unwrap();
/// assert_eq!(low, 0.0);
/// assert!((high - 0.995).abs() < 0.002);
/// ```
pub fn histogram_range(values: &[f64], bounds: (f64, f64)) -> Option<(f64, f64)> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let quantile = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    let low = if bounds.0.is_finite() {
        bounds.0
    } else {
        quantile(0.005)
    };
    let high = if bounds.1.is_finite() {
        bounds.1
    } else {
        quantile(0.995)
    };
    if low < high {
        Some((low, high))
    } else {
        Some((low - 0.5, low + 0.5))
    }
}

/// Builder for a chart of several layers' activation (or gradient) distributions.
#[derive(Debug, Clone)]
pub struct ActivationHistogram {
    title: String,
    x_label: String,
    bins: usize,
    range: Option<(f64, f64)>,
    size: (u32, u32),
    layers: Vec<(String, Vec<f64>)>,
}

impl ActivationHistogram {
    /// An empty chart with 61 bins over the data's own range.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: "activation value".to_string(),
            bins: 61,
            range: None,
            size: (900, 600),
            layers: Vec::new(),
        }
    }

    chart_setters!(text {
        x_label: "Sets the horizontal axis description (default \"activation value\").",
    });

    /// Sets the number of bins.
    pub fn bins(mut self, bins: usize) -> Self {
        self.bins = bins;
        self
    }

    /// Fixes the value range; values outside it are left out (and counted as skipped).
    pub fn range(mut self, low: f64, high: f64) -> Self {
        self.range = Some((low, high));
        self
    }

    /// Sets the canvas size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Adds one layer's values under a legend name such as "layer 3".
    pub fn layer(mut self, name: impl Into<String>, values: Vec<f64>) -> Self {
        self.layers.push((name.into(), values));
        self
    }

    /// Builds the density curves and writes the SVG atomically. `skipped_points` in the
    /// report counts values left out (non-finite or outside the range).
    pub fn write_svg(&self, path: &Path) -> Result<PlotReport, LabError> {
        let (chart, skipped_values) = self.to_line_chart()?;
        let mut report = chart.write_svg(path)?;
        report.skipped_points += skipped_values;
        Ok(report)
    }

    /// The equivalent line chart and the number of values it leaves out.
    pub fn to_line_chart(&self) -> Result<(LineChart, usize), LabError> {
        let range = match self.range {
            Some(range) => range,
            None => self.data_range().ok_or_else(|| LabError::NoFiniteData {
                title: self.title.clone(),
            })?,
        };
        let mut chart = LineChart::new(&self.title)
            .x_label(&self.x_label)
            .y_label("density")
            .legend(LegendPosition::Auto)
            .size(self.size.0, self.size.1);
        let mut skipped_values = 0;
        for (name, values) in &self.layers {
            let curve = density_curve(values, self.bins, range)?;
            skipped_values += curve.skipped_values;
            chart = chart.series(Series::solid(name, curve.points));
        }
        if skipped_values > 0 {
            let plural = if skipped_values == 1 { "" } else { "s" };
            chart = chart.note(format!(
                "{skipped_values} value{plural} outside range or non-finite"
            ));
        }
        Ok((chart, skipped_values))
    }

    /// `[min, max]` of all finite values, widened when they are all equal.
    fn data_range(&self) -> Option<(f64, f64)> {
        let finite = self
            .layers
            .iter()
            .flat_map(|(_, v)| v)
            .copied()
            .filter(|v| v.is_finite());
        let (low, high) = finite.fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })?;
        if low < high {
            Some((low, high))
        } else {
            Some((low - 0.5, high + 0.5))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{polyline_points, scratch_dir, text_contents};

    #[test]
    fn density_integrates_to_one_and_puts_mass_in_the_right_bins() {
        let values = [0.1, 0.2, 0.9, 1.0, 5.0, f64::NAN];
        let curve = density_curve(&values, 4, (0.0, 1.0)).unwrap();
        assert_eq!(curve.skipped_values, 2);
        let width = 0.25;
        let total: f64 = curve.points.iter().map(|(_, d)| d * width).sum();
        assert!((total - 1.0).abs() < 1e-12);
        let centres: Vec<f64> = curve.points.iter().map(|p| p.0).collect();
        assert_eq!(centres, vec![0.125, 0.375, 0.625, 0.875]);
        // 0.1 and 0.2 in the first bin; 0.9 and the upper end 1.0 in the last.
        assert_eq!(curve.points[0].1, 2.0 / (4.0 * width));
        assert_eq!(curve.points[1].1, 0.0);
        assert_eq!(curve.points[3].1, 2.0 / (4.0 * width));
    }

    #[test]
    fn invalid_bins_or_range_are_errors() {
        assert!(density_curve(&[1.0], 0, (0.0, 1.0)).is_err());
        assert!(density_curve(&[1.0], 3, (1.0, 1.0)).is_err());
        assert!(density_curve(&[1.0], 3, (0.0, f64::INFINITY)).is_err());
    }

    #[test]
    fn writes_one_curve_per_layer_with_legend() {
        let dir = scratch_dir("histogram");
        let path = dir.join("hist.svg");
        let narrow: Vec<f64> = (0..1000)
            .map(|i| ((i as f64) / 1000.0 - 0.5) * 0.2)
            .collect();
        let wide: Vec<f64> = (0..1000)
            .map(|i| ((i as f64) / 1000.0 - 0.5) * 1.8)
            .collect();
        let report = ActivationHistogram::new("Activations per layer")
            .bins(30)
            .range(-1.0, 1.0)
            .layer("layer 1", wide)
            .layer("layer 5", narrow)
            .layer("layer 9", vec![f64::NAN, 3.0])
            .write_svg(&path)
            .unwrap();
        assert_eq!(report.skipped_points, 2);
        let svg = std::fs::read_to_string(&path).unwrap();
        let texts = text_contents(&svg);
        for name in [
            "layer 1",
            "layer 5",
            "layer 9",
            "density",
            "Activations per layer",
        ] {
            assert!(
                texts.iter().any(|t| t == name),
                "missing `{name}` in {texts:?}"
            );
        }
        let curves = polyline_points(&svg)
            .into_iter()
            .filter(|l| l.len() == 30)
            .count();
        assert_eq!(curves, 3);
    }

    #[test]
    fn all_non_finite_is_an_error() {
        let result = ActivationHistogram::new("broken")
            .layer("layer 1", vec![f64::NAN, f64::INFINITY])
            .write_svg(Path::new("unused.svg"));
        assert!(matches!(result, Err(LabError::NoFiniteData { .. })));
    }
}
