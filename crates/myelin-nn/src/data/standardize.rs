//! [`Standardizer`]: per-feature zero mean, unit variance.

use super::dataset::Dataset;
use crate::error::{NnError, Result};

/// Per-feature mean and standard deviation, fitted on one data set (the
/// training part) and applied to any data set with the same features.
///
/// The standard deviation is the population one (divisor `n`). A constant
/// feature gets standard deviation 1, so it maps to 0 rather than NaN.
///
/// ```
/// use myelin_nn::data::{Dataset, Standardizer};
///
/// let train = Dataset::new(vec![1.0, 5.0, 3.0, 5.0], vec![0, 1], 2, 2)?;
/// let s = Standardizer::fit(&train)?;
/// assert_eq!(s.mean(), &[2.0, 5.0]);
/// assert_eq!(s.std(), &[1.0, 1.0]); // second feature is constant
/// let scaled = s.transformed(&train)?;
/// assert_eq!(scaled.features(), &[-1.0, 0.0, 1.0, 0.0]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl Standardizer {
    /// Fits per-feature mean and standard deviation.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `data` has no samples.
    pub fn fit(data: &Dataset) -> Result<Self> {
        if data.is_empty() {
            return Err(NnError::InvalidArgument(
                "cannot fit a standardizer on an empty data set".into(),
            ));
        }
        let d = data.n_features();
        let n = data.len() as f64;
        let mut mean = vec![0.0; d];
        for (row, _) in data.iter() {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += x;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; d];
        let mut constant = vec![true; d];
        let first = data.row(0).unwrap_or_default();
        for (row, _) in data.iter() {
            for j in 0..d {
                let diff = row[j] - mean[j];
                var[j] += diff * diff;
                constant[j] &= row[j] == first[j];
            }
        }
        let std = (0..d)
            .map(|j| {
                let s = (var[j] / n).sqrt();
                if constant[j] || s == 0.0 || !s.is_finite() {
                    1.0
                } else {
                    s
                }
            })
            .collect();
        // A constant feature's mean is its value exactly (summing may round).
        for j in (0..d).filter(|&j| constant[j]) {
            mean[j] = first[j];
        }
        Ok(Self { mean, std })
    }

    /// Per-feature means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Per-feature standard deviations (1 for constant features).
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// Standardises one row in place: `x = (x - mean) / std`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when the row length is not the fitted
    /// feature count.
    pub fn transform_row(&self, row: &mut [f64]) -> Result<()> {
        self.check(row.len())?;
        for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
            *x = (*x - m) / s;
        }
        Ok(())
    }

    /// Standardises every row of `data` in place.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] on a feature-count mismatch.
    pub fn transform(&self, data: &mut Dataset) -> Result<()> {
        self.check(data.n_features())?;
        for row in data.features_mut().chunks_exact_mut(self.mean.len()) {
            self.transform_row(row)?;
        }
        Ok(())
    }

    /// A standardised copy of `data`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] on a feature-count mismatch.
    pub fn transformed(&self, data: &Dataset) -> Result<Dataset> {
        let mut out = data.clone();
        self.transform(&mut out)?;
        Ok(out)
    }

    fn check(&self, n_features: usize) -> Result<()> {
        if n_features == self.mean.len() {
            Ok(())
        } else {
            Err(NnError::InvalidArgument(format!(
                "standardizer fitted on {} features, given {n_features}",
                self.mean.len()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_on_train_and_applied_to_other_data() {
        // Feature 0: 2, 4, 6, 8 -> mean 5, population std sqrt(5).
        let train = Dataset::new(
            vec![2.0, 0.1, 4.0, 0.1, 6.0, 0.1, 8.0, 0.1],
            vec![0; 4],
            2,
            1,
        )
        .unwrap();
        let s = Standardizer::fit(&train).unwrap();
        assert_eq!(s.mean()[0], 5.0);
        assert!((s.std()[0] - 5f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.mean()[1], 0.1);
        assert_eq!(s.std()[1], 1.0);

        let t = s.transformed(&train).unwrap();
        let col0: Vec<f64> = t.iter().map(|(r, _)| r[0]).collect();
        let m: f64 = col0.iter().sum::<f64>() / 4.0;
        let v: f64 = col0.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 4.0;
        assert!(m.abs() < 1e-12 && (v - 1.0).abs() < 1e-12);
        assert!(t.iter().all(|(r, _)| r[1] == 0.0));

        let mut other = Dataset::new(vec![5.0 + 5f64.sqrt(), 1.1], vec![0], 2, 1).unwrap();
        s.transform(&mut other).unwrap();
        assert!((other.features()[0] - 1.0).abs() < 1e-12);
        assert!((other.features()[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn errors_on_empty_and_mismatched_data() {
        let empty = Dataset::new(vec![], vec![], 3, 1).unwrap();
        assert!(Standardizer::fit(&empty).is_err());
        let one = Dataset::new(vec![1.0, 2.0], vec![0], 2, 1).unwrap();
        let s = Standardizer::fit(&one).unwrap();
        assert_eq!(s.std(), &[1.0, 1.0]);
        let three = Dataset::new(vec![1.0, 2.0, 3.0], vec![0], 3, 1).unwrap();
        assert!(s.transformed(&three).is_err());
        assert!(s.transform_row(&mut [0.0]).is_err());
    }
}
