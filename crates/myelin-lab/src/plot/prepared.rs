//! Turning raw series into drawable data: dropping undrawable points, applying the log10
//! transform, splitting lines at gaps, and choosing axis ranges.

use std::ops::Range;

use super::series::Series;

/// A series reduced to the contiguous runs of drawable points, in plot coordinates
/// (`y` already log10-transformed on a log axis).
#[derive(Debug, Clone)]
pub struct PreparedSeries<'a> {
    /// The source series (name, style, colour).
    pub series: &'a Series,
    /// Runs of consecutive drawable points; a dropped point ends a run.
    pub runs: Vec<Vec<(f64, f64)>>,
}

/// All series of one panel, ready to draw.
#[derive(Debug, Clone)]
pub struct PreparedPanel<'a> {
    /// One entry per input series, in order.
    pub series: Vec<PreparedSeries<'a>>,
    /// Horizontal axis range.
    pub x_range: Range<f64>,
    /// Vertical axis range, in log10 units on a log axis.
    pub y_range: Range<f64>,
    /// Points dropped because they were non-finite (or ≤ 0 on a log axis).
    pub skipped_points: usize,
}

/// Prepares `series` for drawing; `None` when not a single point is drawable.
pub fn prepare(series: &[Series], log_y: bool) -> Option<PreparedPanel<'_>> {
    let mut skipped_points = 0;
    let prepared: Vec<PreparedSeries<'_>> = series
        .iter()
        .map(|series| {
            let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
            let mut current: Vec<(f64, f64)> = Vec::new();
            for &(x, y) in &series.points {
                match to_plot_coordinates(x, y, log_y) {
                    Some(point) => current.push(point),
                    None => {
                        skipped_points += 1;
                        if !current.is_empty() {
                            runs.push(std::mem::take(&mut current));
                        }
                    }
                }
            }
            if !current.is_empty() {
                runs.push(current);
            }
            PreparedSeries { series, runs }
        })
        .collect();

    let drawable = || prepared.iter().flat_map(|s| s.runs.iter().flatten());
    let (x_min, x_max) = min_max(drawable().map(|p| p.0))?;
    let (y_min, y_max) = min_max(drawable().map(|p| p.1))?;
    Some(PreparedPanel {
        series: prepared,
        x_range: padded_range(x_min, x_max, 0.0),
        y_range: if log_y {
            decade_range(y_min, y_max)
        } else {
            padded_range(y_min, y_max, 0.05)
        },
        skipped_points,
    })
}

/// Maps a data point to plot coordinates, or `None` if it cannot be drawn.
fn to_plot_coordinates(x: f64, y: f64, log_y: bool) -> Option<(f64, f64)> {
    if !x.is_finite() || !y.is_finite() {
        return None;
    }
    if log_y {
        (y > 0.0).then(|| (x, y.log10()))
    } else {
        Some((x, y))
    }
}

fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// `[min, max]` widened by `fraction` of its span on each side; a zero span becomes ±0.5
/// (or ±|value|/2 for large values) so that a constant series is still visible.
fn padded_range(min: f64, max: f64, fraction: f64) -> Range<f64> {
    let span = max - min;
    if span <= 0.0 {
        let half = 0.5 * min.abs().max(1.0);
        return (min - half)..(max + half);
    }
    (min - fraction * span)..(max + fraction * span)
}

/// A log10 range: whole decades when the data spans at least one, so ticks fall on powers
/// of ten; otherwise lightly padded.
fn decade_range(min: f64, max: f64) -> Range<f64> {
    if max - min >= 1.0 {
        min.floor()..max.ceil().max(min.floor() + 1.0)
    } else {
        let centre = 0.5 * (min + max);
        (centre - 0.5)..(centre + 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_drops_non_positive_and_non_finite_points_and_splits_runs() {
        let series = [Series::solid(
            "g",
            vec![
                (1.0, 1e-3),
                (2.0, 0.0),
                (3.0, 1e2),
                (4.0, f64::NAN),
                (5.0, 1e1),
                (6.0, 1e3),
            ],
        )];
        let panel = prepare(&series, true).unwrap();
        assert_eq!(panel.skipped_points, 2);
        assert_eq!(
            panel.series[0].runs,
            vec![
                vec![(1.0, -3.0)],
                vec![(3.0, 2.0)],
                vec![(5.0, 1.0), (6.0, 3.0)]
            ]
        );
        assert_eq!(panel.y_range, -3.0..3.0);
        assert_eq!(panel.x_range, 1.0..6.0);
    }

    #[test]
    fn linear_axis_keeps_zero_and_negative_values() {
        let series = [Series::solid(
            "f",
            vec![(0.0, -1.0), (1.0, 0.0), (2.0, 1.0)],
        )];
        let panel = prepare(&series, false).unwrap();
        assert_eq!(panel.skipped_points, 0);
        assert_eq!(panel.series[0].runs[0].len(), 3);
        assert!(panel.y_range.start < -1.0 && panel.y_range.end > 1.0);
    }

    #[test]
    fn nothing_drawable_gives_none() {
        let series = [Series::solid(
            "zeros",
            vec![(1.0, 0.0), (2.0, f64::INFINITY)],
        )];
        assert!(prepare(&series, true).is_none());
        assert!(prepare(&[], false).is_none());
    }

    #[test]
    fn constant_data_still_gets_a_non_empty_range() {
        let series = [Series::solid("c", vec![(3.0, 7.0), (3.0, 7.0)])];
        let panel = prepare(&series, false).unwrap();
        assert!(panel.x_range.start < 3.0 && panel.x_range.end > 3.0);
        assert!(panel.y_range.start < 7.0 && panel.y_range.end > 7.0);
        let log_panel = prepare(&series, true).unwrap();
        assert!(log_panel.y_range.end - log_panel.y_range.start > 0.0);
    }
}
