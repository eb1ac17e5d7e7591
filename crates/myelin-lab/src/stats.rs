//! Overflow- and underflow-safe summaries of tensor data, accumulated in `f64`.
//!
//! Gradient norms in a 100-layer stack range over 60 decades; squaring `1e−200` or `1e200`
//! directly underflows or overflows even in `f64`. [`ScaledSumSquares`] keeps the running sum
//! of squares as `scale² · ssq` with `scale = max |x|` seen so far, exactly like LAPACK's
//! `dnrm2`, so `‖x‖` is exact to rounding whenever the true norm is a finite `f64`.

use myelin_tensor::{Element, Tensor};

/// Running `Σ x²` held as `scale² · ssq` (LAPACK `dlassq`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaledSumSquares {
    scale: f64,
    ssq: f64,
    nan: bool,
}

impl Default for ScaledSumSquares {
    fn default() -> Self {
        Self::new()
    }
}

impl ScaledSumSquares {
    /// An empty sum.
    pub fn new() -> Self {
        Self {
            scale: 0.0,
            ssq: 1.0,
            nan: false,
        }
    }

    /// Adds `x²`.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            self.nan = true;
            return;
        }
        let a = x.abs();
        if a == 0.0 {
            return;
        }
        if a == f64::INFINITY {
            self.scale = f64::INFINITY;
            self.ssq = 1.0;
            return;
        }
        if self.scale < a {
            let r = self.scale / a;
            self.ssq = 1.0 + self.ssq * r * r;
            self.scale = a;
        } else if self.scale.is_finite() {
            let r = a / self.scale;
            self.ssq += r * r;
        }
    }

    /// Adds every element of a slice.
    pub fn extend<T: Element>(&mut self, values: &[T]) {
        for v in values {
            self.add(Element::to_f64(*v));
        }
    }

    /// `√Σx²` (NaN if any NaN was added; `∞` if any `±∞` was).
    pub fn norm(&self) -> f64 {
        if self.nan {
            f64::NAN
        } else if self.scale == 0.0 {
            0.0
        } else {
            self.scale * self.ssq.sqrt()
        }
    }

    /// `Σx² / n`, computed as `(scale·√(ssq/n))²` so it only overflows if the result does.
    pub fn mean_square(&self, n: usize) -> f64 {
        if self.nan {
            return f64::NAN;
        }
        if n == 0 || self.scale == 0.0 {
            return 0.0;
        }
        let root = self.scale * (self.ssq / n as f64).sqrt();
        root * root
    }
}

/// The Frobenius norm of a slice, scaled as in [`ScaledSumSquares`].
pub fn frobenius_norm<T: Element>(values: &[T]) -> f64 {
    let mut sum = ScaledSumSquares::new();
    sum.extend(values);
    sum.norm()
}

/// The Frobenius norm of a tensor, scaled as in [`ScaledSumSquares`].
pub fn tensor_norm<T: Element>(tensor: &Tensor<T>) -> f64 {
    tensor.with_contiguous_data(frobenius_norm)
}

/// Mean and (population) variance of a slice in `f64`, two-pass, with the centred sum of
/// squares scaled so that huge values do not overflow before the result does.
pub fn mean_and_variance<T: Element>(values: &[T]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    // Mean of x/M with M = max|x| keeps the sum finite for values near f64::MAX.
    let max = values
        .iter()
        .map(|v| Element::to_f64(*v).abs())
        .fold(0.0f64, |a, b| if b.is_nan() { f64::NAN } else { a.max(b) });
    if max.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if max == 0.0 {
        return (0.0, 0.0);
    }
    if max.is_infinite() {
        return (f64::NAN, f64::INFINITY);
    }
    let mean_scaled = values
        .iter()
        .map(|v| Element::to_f64(*v) / max)
        .sum::<f64>()
        / n as f64;
    let mean = mean_scaled * max;
    let mut centred = ScaledSumSquares::new();
    for v in values {
        centred.add(Element::to_f64(*v) - mean);
    }
    (mean, centred.mean_square(n))
}

/// Fraction of columns `j` of a row-major `rows × cols` matrix with `x[b, j] ≤ 0` for every
/// row `b` (units that are off for the whole batch). NaN entries count as not dead.
pub fn dead_fraction<T: Element>(values: &[T], rows: usize, cols: usize) -> f64 {
    if cols == 0 || rows == 0 {
        return 0.0;
    }
    let mut alive = vec![false; cols];
    for row in values.chunks_exact(cols).take(rows) {
        for (flag, v) in alive.iter_mut().zip(row) {
            // A unit is alive where its value is positive or NaN (NaN is not "dead").
            let value = Element::to_f64(*v);
            if value > 0.0 || value.is_nan() {
                *flag = true;
            }
        }
    }
    alive.iter().filter(|&&a| !a).count() as f64 / cols as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_matches_naive_in_range() {
        let v: Vec<f64> = (1..=100).map(|i| (i as f64).sin() * 3.0).collect();
        let naive = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((frobenius_norm(&v) - naive).abs() < 1e-12 * naive);
    }

    #[test]
    fn norm_survives_extremes() {
        let tiny = vec![3e-300f64, 4e-300];
        assert!((frobenius_norm(&tiny) / 5e-300 - 1.0).abs() < 1e-14);
        let huge = vec![3e300f64, 4e300];
        assert!((frobenius_norm(&huge) / 5e300 - 1.0).abs() < 1e-14);
        let f32_small = vec![1e-30f32; 4];
        assert!((frobenius_norm(&f32_small) / 2e-30 - 1.0).abs() < 1e-6);
        assert!(frobenius_norm(&[f64::NAN, 1.0]).is_nan());
        assert_eq!(frobenius_norm(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert_eq!(frobenius_norm::<f64>(&[]), 0.0);
    }

    #[test]
    fn mean_square_and_variance() {
        let mut s = ScaledSumSquares::new();
        for x in [1e150f64, -1e150] {
            s.add(x);
        }
        assert!((s.mean_square(2) / 1e300 - 1.0).abs() < 1e-12);
        assert!((s.norm() / (2f64.sqrt() * 1e150) - 1.0).abs() < 1e-15);
        let (m, v) = mean_and_variance(&[1.0f64, 2.0, 3.0, 4.0]);
        assert!((m - 2.5).abs() < 1e-15 && (v - 1.25).abs() < 1e-15);
        let (m, v) = mean_and_variance(&[1e300f64, 1e300]);
        assert!((m / 1e300 - 1.0).abs() < 1e-12 && v == 0.0);
    }

    #[test]
    fn dead_units() {
        // 3 rows × 4 cols: column 0 dead, column 1 alive once, column 2 all zero (dead),
        // column 3 NaN (not dead).
        let x = [
            -1.0,
            -1.0,
            0.0,
            f64::NAN,
            -2.0,
            0.5,
            0.0,
            -1.0,
            -0.1,
            -3.0,
            0.0,
            -1.0,
        ];
        assert_eq!(dead_fraction(&x, 3, 4), 0.5);
    }
}
