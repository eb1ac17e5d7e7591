//! Singular values of a small dense matrix in `f64`: one-sided Jacobi (Hestenes 1958).
//!
//! The columns of `A` are rotated in pairs until every pair is orthogonal; the singular
//! values are then the column norms. This is the symmetric Jacobi eigenvalue method applied
//! to `AᵀA` without ever forming `AᵀA`, so small singular values keep their relative
//! accuracy on graded matrices (forming `AᵀA` would square the condition number: a Jacobian
//! whose singular values span 10⁻⁸…10⁸ would lose every small one). Columns whose norm is
//! at or below `m ε` times the largest are numerically zero (their singular values are
//! rounding noise, reported as computed, and [`noise_floor`] says where that starts).
//! Cost: `O(m n²)` per sweep, 5–20 sweeps; fine for the 128–512-wide Jacobians of the lab.

use crate::error::LabError;

/// Sweeps after which [`singular_values`] gives up (convergence takes 5–20 in practice).
pub const MAX_SWEEPS: usize = 100;

/// A pair of columns of length `m` counts as orthogonal when
/// `|cᵢ·cⱼ| ≤ 8 m ε ‖cᵢ‖ ‖cⱼ‖` (ε the f64 machine epsilon): rounding in the dot products
/// puts a floor near `m ε` under the attainable value, and a threshold at that floor would
/// make the sweeps rotate forever.
fn tolerance(m: usize) -> f64 {
    8.0 * m.max(1) as f64 * f64::EPSILON
}

/// The level `max(rows, cols) · ε · σ_max` below which [`singular_values`] cannot resolve a
/// singular value of a matrix whose largest one is `sigma_max`.
pub fn noise_floor(sigma_max: f64, rows: usize, cols: usize) -> f64 {
    rows.max(cols) as f64 * f64::EPSILON * sigma_max
}

/// The singular values of the `rows × cols` matrix stored row-major in `data`, in
/// descending order (`min(rows, cols)` of them).
///
/// # Errors
/// [`LabError::InvalidConfig`] when `data.len() != rows · cols`, an entry is not finite,
/// or the iteration does not converge within [`MAX_SWEEPS`] sweeps.
///
/// ```
/// use myelin_lab::svd::singular_values;
/// // AᵀA = [[25, 20], [20, 25]] has eigenvalues 45 and 5.
/// let s = singular_values(&[3.0, 0.0, 4.0, 5.0], 2, 2).unwrap();
/// assert!((s[0] - 45f64.sqrt()).abs() < 1e-12 && (s[1] - 5f64.sqrt()).abs() < 1e-12);
/// ```
pub fn singular_values(data: &[f64], rows: usize, cols: usize) -> Result<Vec<f64>, LabError> {
    if data.len() != rows * cols {
        return Err(LabError::InvalidConfig(format!(
            "singular_values: a {rows}×{cols} matrix needs {} entries, got {}",
            rows * cols,
            data.len()
        )));
    }
    if let Some(bad) = data.iter().position(|v| !v.is_finite()) {
        return Err(LabError::InvalidConfig(format!(
            "singular_values: entry ({}, {}) of the {rows}×{cols} matrix is {}",
            bad / cols.max(1),
            bad % cols.max(1),
            data[bad]
        )));
    }
    // Work on the columns of A (or of Aᵀ when A is wide), each stored contiguously.
    let (m, n, columns) = if rows >= cols {
        let columns: Vec<Vec<f64>> = (0..cols)
            .map(|j| (0..rows).map(|i| data[i * cols + j]).collect())
            .collect();
        (rows, cols, columns)
    } else {
        let columns: Vec<Vec<f64>> = (0..rows)
            .map(|i| data[i * cols..(i + 1) * cols].to_vec())
            .collect();
        (cols, rows, columns)
    };
    let mut columns = columns;
    let tol = tolerance(m);
    debug_assert!(columns.iter().all(|c| c.len() == m));
    for _sweep in 0..MAX_SWEEPS {
        // de Rijk's pivoting: columns in descending norm before every sweep speeds up
        // convergence a lot on the graded matrices deep Jacobians are.
        columns.sort_by(|a, b| {
            let norm = |c: &Vec<f64>| c.iter().map(|x| x * x).sum::<f64>();
            norm(b).total_cmp(&norm(a))
        });
        // Columns at or below the rounding level of the largest one are numerically zero:
        // leave them alone (rotating noise against noise converges very slowly).
        let largest = columns
            .first()
            .map_or(0.0, |c| c.iter().map(|x| x * x).sum::<f64>());
        let floor = largest * (m as f64 * f64::EPSILON).powi(2);
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (left, right) = columns.split_at_mut(q);
                let (a, b) = (&mut left[p], &mut right[0]);
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for (x, y) in a.iter().zip(b.iter()) {
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if gamma == 0.0
                    || alpha <= floor
                    || beta <= floor
                    || gamma.abs() <= tol * (alpha * beta).sqrt()
                {
                    continue;
                }
                rotated = true;
                // The rotation that zeroes the (p, q) entry of AᵀA.
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (u, v) = (*x, *y);
                    *x = c * u - s * v;
                    *y = s * u + c * v;
                }
            }
        }
        if !rotated {
            let mut values: Vec<f64> = columns
                .iter()
                .map(|c| crate::stats::frobenius_norm(c))
                .collect();
            values.sort_by(|a, b| b.total_cmp(a));
            return Ok(values);
        }
    }
    Err(LabError::InvalidConfig(format!(
        "singular_values: one-sided Jacobi did not converge within {MAX_SWEEPS} sweeps on a {rows}×{cols} matrix"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64], tol: f64) {
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn known_small_matrices() {
        close(
            &singular_values(&[3.0, 0.0, 4.0, 5.0], 2, 2).unwrap(),
            &[45f64.sqrt(), 5f64.sqrt()],
            1e-13,
        );
        // Diagonal with signs and a zero: |d| sorted.
        close(
            &singular_values(&[0.0, 0.0, 0.0, 0.0, -7.0, 0.0, 0.0, 0.0, 2.0], 3, 3).unwrap(),
            &[7.0, 2.0, 0.0],
            1e-15,
        );
        // Rank one: u vᵀ has the single singular value ‖u‖‖v‖.
        let (u, v) = ([1.0, 2.0, 2.0], [3.0, 4.0]);
        let outer: Vec<f64> = u
            .iter()
            .flat_map(|a| v.iter().map(move |b| a * b))
            .collect();
        close(&singular_values(&outer, 3, 2).unwrap(), &[15.0, 0.0], 1e-13);
        // A wide matrix has the singular values of its transpose.
        let wide = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let tall = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        close(
            &singular_values(&wide, 2, 3).unwrap(),
            &singular_values(&tall, 3, 2).unwrap(),
            1e-13,
        );
    }

    #[test]
    fn rotated_diagonal_keeps_tiny_singular_values_to_relative_precision() {
        // A = R(θ) diag(1e6, 1, 1e-6) R(φ)ᵀ with two plane rotations.
        let (c1, s1, c2, s2) = (0.6f64, 0.8f64, 0.28f64, 0.96f64);
        let r1 = [[c1, -s1, 0.0], [s1, c1, 0.0], [0.0, 0.0, 1.0]];
        let r2 = [[1.0, 0.0, 0.0], [0.0, c2, -s2], [0.0, s2, c2]];
        let d = [1e6, 1.0, 1e-6];
        let mut a = vec![0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                a[i * 3 + j] = (0..3).map(|k| r1[i][k] * d[k] * r2[j][k]).sum();
            }
        }
        let s = singular_values(&a, 3, 3).unwrap();
        for (got, want) in s.iter().zip(d) {
            assert!((got - want).abs() <= 1e-9 * want, "{s:?}");
        }
    }

    #[test]
    fn sum_of_squares_equals_frobenius_norm() {
        let a: Vec<f64> = (0..30).map(|k| ((k * 7 % 11) as f64 - 5.0) / 3.0).collect();
        let s = singular_values(&a, 5, 6).unwrap();
        let frobenius: f64 = a.iter().map(|x| x * x).sum();
        let squares: f64 = s.iter().map(|x| x * x).sum();
        assert!((frobenius - squares).abs() < 1e-12 * frobenius);
        assert!(s.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn bad_input_is_an_error_naming_the_shape() {
        let e = singular_values(&[1.0, 2.0, 3.0], 2, 2)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("singular_values") && e.contains("2×2") && e.contains("got 3"),
            "{e}"
        );
        let e = singular_values(&[1.0, f64::NAN, 0.0, 1.0], 2, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(0, 1)") && e.contains("NaN"), "{e}");
        assert!(singular_values(&[], 0, 0).unwrap().is_empty());
    }
}
