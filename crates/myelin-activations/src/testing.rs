//! Checking an activation's derivatives numerically: the helpers this crate's own tests use,
//! public so that a user-defined activation can be checked the same way.
//!
//! ```
//! use myelin_activations::{testing::check_derivatives, Elementwise};
//! let e: Elementwise = "expr(x * sigmoid(x))".parse().unwrap();
//! check_derivatives(
//!     "silu",
//!     |x| e.value(x),
//!     |x| e.derivative(x),
//!     Some(&|x| e.second_derivative(x)),
//!     &e.meta().kinks,
//! );
//! ```

/// Points in `[-20, 20]` (at least 50), kept at least `1e-3` away from every kink.
pub fn sample_points(kinks: &[f64]) -> Vec<f64> {
    (0..=80)
        .map(|i| -20.0 + 0.5 * i as f64 + 0.0137)
        .chain([
            -2.9, -1.3, -0.77, -0.31, -0.05, 0.02, 0.4, 0.9, 1.7, 2.6, 3.4,
        ])
        .filter(|x| kinks.iter().all(|k| (x - k).abs() >= 1e-3))
        .collect()
}

/// Central difference `(f(x+h) − f(x−h)) / 2h` with a step scaled to `x`.
pub fn central_difference(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-5 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Asserts `|actual − expected| ≤ tol · max(1, |expected|)`.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tol * expected.abs().max(1.0),
        "{what}: got {actual}, expected {expected}"
    );
}

/// Checks `derivative` against finite differences of `value`, and (when given)
/// `second` against finite differences of `derivative`, at [`sample_points`] away from
/// `kinks`, to a relative tolerance of 1e-6.
///
/// # Panics
/// At the first point where a derivative disagrees, naming `name` and the point.
#[track_caller]
pub fn check_derivatives(
    name: &str,
    value: impl Fn(f64) -> f64,
    derivative: impl Fn(f64) -> f64,
    second: Option<&dyn Fn(f64) -> f64>,
    kinks: &[f64],
) {
    let points = sample_points(kinks);
    assert!(points.len() >= 50);
    for x in points {
        let numeric = central_difference(&value, x);
        assert_close(derivative(x), numeric, 1e-6, &format!("{name}'({x})"));
        if let Some(second) = second {
            let numeric = central_difference(&derivative, x);
            assert_close(second(x), numeric, 1e-6, &format!("{name}''({x})"));
        }
    }
}
