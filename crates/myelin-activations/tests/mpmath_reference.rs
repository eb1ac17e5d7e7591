//! Every smooth activation against mpmath: `f`, `f′` and `f″` at points over [−30, 30],
//! from `tools/fixtures/activations_mpmath.py` (400-digit arithmetic rounded to f64).

use myelin_activations::{Elementwise, Smoothness};

// Generated digits, some of which happen to be well-known constants.
#[allow(clippy::approx_constant)]
#[path = "fixtures/mpmath_reference.rs"]
mod fixture;

/// `|got − want| ≤ 1e−13·|want|`, or within 1e−300 of 0.
fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-13 * want.abs() + 1e-300
}

#[test]
fn every_smooth_default_has_reference_values() {
    for e in Elementwise::all_defaults() {
        if e.meta().smoothness != Smoothness::CInfinity {
            continue;
        }
        let spec = e.to_string();
        assert!(
            fixture::REFERENCE.iter().any(|row| row.0 == spec),
            "no mpmath reference for `{spec}`: add it to tools/fixtures/activations_mpmath.py and re-run it"
        );
    }
}

#[test]
fn values_and_derivatives_match_mpmath() {
    let mut failures = Vec::new();
    for &(spec, x, f, df, d2f) in fixture::REFERENCE {
        let e: Elementwise = spec.parse().unwrap_or_else(|err| panic!("{spec}: {err}"));
        for (what, got, want) in [
            ("f", e.value(x), f),
            ("f'", e.derivative(x), df),
            ("f''", e.second_derivative(x), d2f),
        ] {
            if !close(got, want) {
                failures.push(format!("{spec}: {what}({x}) = {got:e}, mpmath {want:e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
