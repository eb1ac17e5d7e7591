//! Softmax and log-softmax on one row (the slice of elements along the softmax dim).
//!
//! The tensor layer gathers each row along `dim` into a contiguous slice (or passes it
//! directly when `dim` is the innermost one) and calls these functions row by row. Rows
//! are fully independent: a NaN or all-`−∞` row only affects itself.
//!
//! Conventions (same as PyTorch):
//! * stable: the row maximum is subtracted before exponentiating;
//! * a row containing NaN gives NaN everywhere in that row;
//! * a row that is entirely `−∞` gives NaN everywhere in that row (there is no
//!   distribution to normalise). A row with some `−∞` entries gives them probability 0
//!   (log-probability `−∞`);
//! * a row containing `+∞` gives NaN (`∞ − ∞`);
//! * an empty row is a no-op.
//!
//! All functions panic if the slices have different lengths (a programming error).

use myelin_tensor::Element;

/// Independent accumulators per reduction, so the compiler can keep them in SIMD lanes
/// (a single running accumulator serialises on its own latency).
const LANES: usize = 16;

/// Folds `row` with `combine` over [`LANES`] independent accumulators, then combines them.
#[inline(always)]
fn lane_fold<T: Element>(row: &[T], init: T, combine: impl Fn(T, T) -> T) -> T {
    let mut lanes = [init; LANES];
    let chunks = row.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &value) in lanes.iter_mut().zip(chunk) {
            *lane = combine(*lane, value);
        }
    }
    let mut total = rest.iter().fold(init, |acc, &value| combine(acc, value));
    for lane in lanes {
        total = combine(total, lane);
    }
    total
}

/// The maximum of a row, NaN if any element is NaN, `−∞` for an empty row.
#[inline(always)]
fn row_maximum<T: Element>(row: &[T]) -> T {
    lane_fold(row, T::neg_infinity(), |maximum, value| {
        maximum.max_nan(value)
    })
}

/// `Σ row`, with several accumulators.
#[inline(always)]
fn row_sum<T: Element>(row: &[T]) -> T {
    lane_fold(row, T::zero(), |acc, value| acc + value)
}

/// `Σ aᵢbᵢ`, with several accumulators.
#[inline(always)]
fn row_dot<T: Element>(a: &[T], b: &[T]) -> T {
    let mut lanes = [T::zero(); LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: T = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .fold(T::zero(), |acc, (&x, &y)| acc + x * y);
    for (ca, cb) in a_chunks.zip(b_chunks) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(ca).zip(cb) {
            *lane = *lane + x * y;
        }
    }
    lanes.iter().fold(tail, |acc, &lane| acc + lane)
}

/// Writes `exp(x − m)` into `output` and returns `(m, Σ exp(x − m))`, or `None` when the row
/// has no usable maximum (NaN, all `−∞`, or `+∞`): then `output` is filled with NaN.
#[inline(always)]
fn shifted_exponentials<T: Element>(input: &[T], output: &mut [T]) -> Option<(T, T)> {
    assert_eq!(
        input.len(),
        output.len(),
        "softmax: input and output lengths differ"
    );
    let maximum = row_maximum(input);
    if !maximum.is_finite() {
        output.iter_mut().for_each(|o| *o = T::nan());
        return None;
    }
    for (o, &x) in output.iter_mut().zip(input) {
        *o = (x - maximum).vexp();
    }
    Some((maximum, row_sum(output)))
}

/// Softmax of one row: `yᵢ = exp(xᵢ − m)/Σⱼ exp(xⱼ − m)`, `m = maxⱼ xⱼ`.
///
/// Outputs lie in `[0, 1]` and sum to 1. Turns logits into a categorical distribution
/// (attention weights, classifier outputs). For a loss prefer [`log_softmax_row`], which
/// keeps precision for tiny probabilities.
#[inline(always)]
pub fn softmax_row<T: Element>(input: &[T], output: &mut [T]) {
    if let Some((_, sum)) = shifted_exponentials(input, output) {
        let inverse = T::one() / sum;
        output.iter_mut().for_each(|o| *o = *o * inverse);
    }
}

/// Log-softmax of one row: `yᵢ = (xᵢ − m) − ln Σⱼ exp(xⱼ − m)`.
///
/// Outputs lie in `(−∞, 0]`; `exp(y)` sums to 1. Computed without ever forming the
/// probabilities, so `log_softmax([1000, 1001, 1002]) = [−2.4076…, −1.4076…, −0.4076…]`.
#[inline(always)]
pub fn log_softmax_row<T: Element>(input: &[T], output: &mut [T]) {
    if let Some((maximum, sum)) = shifted_exponentials(input, output) {
        let log_sum = sum.vln();
        for (o, &x) in output.iter_mut().zip(input) {
            *o = (x - maximum) - log_sum;
        }
    }
}

/// Backward of softmax on one row: given the output `y` and upstream gradient `g`,
/// writes `∂L/∂x = y ⊙ (g − Σⱼ gⱼyⱼ)` (the Jacobian `diag(y) − y yᵀ` applied to `g`).
#[inline(always)]
pub fn softmax_row_backward<T: Element>(output: &[T], gradient: &[T], input_gradient: &mut [T]) {
    assert_eq!(
        output.len(),
        gradient.len(),
        "softmax backward: length mismatch"
    );
    assert_eq!(
        output.len(),
        input_gradient.len(),
        "softmax backward: length mismatch"
    );
    let dot = row_dot(output, gradient);
    for ((d, &y), &g) in input_gradient.iter_mut().zip(output).zip(gradient) {
        *d = y * (g - dot);
    }
}

/// Backward of log-softmax on one row: given the output `y` (log-probabilities) and
/// upstream gradient `g`, writes `∂L/∂x = g − exp(y)·Σⱼ gⱼ`.
#[inline(always)]
pub fn log_softmax_row_backward<T: Element>(
    output: &[T],
    gradient: &[T],
    input_gradient: &mut [T],
) {
    assert_eq!(
        output.len(),
        gradient.len(),
        "log_softmax backward: length mismatch"
    );
    assert_eq!(
        output.len(),
        input_gradient.len(),
        "log_softmax backward: length mismatch"
    );
    let total = row_sum(gradient);
    for ((d, &y), &g) in input_gradient.iter_mut().zip(output).zip(gradient) {
        *d = g - y.vexp() * total;
    }
}

/// Applies [`softmax_row`] to every consecutive row of length `row_length` (a contiguous
/// tensor whose last dim is the softmax dim). `row_length` must divide the lengths.
pub fn softmax_rows<T: Element>(input: &[T], row_length: usize, output: &mut [T]) {
    for_each_row(input, row_length, output, softmax_row);
}

/// Applies [`log_softmax_row`] to every consecutive row of length `row_length`.
pub fn log_softmax_rows<T: Element>(input: &[T], row_length: usize, output: &mut [T]) {
    for_each_row(input, row_length, output, log_softmax_row);
}

/// Splits `input`/`output` into rows and applies `per_row`.
fn for_each_row<T: Element>(
    input: &[T],
    row_length: usize,
    output: &mut [T],
    per_row: fn(&[T], &mut [T]),
) {
    assert_eq!(
        input.len(),
        output.len(),
        "softmax: input and output lengths differ"
    );
    if input.is_empty() {
        return;
    }
    assert!(
        row_length > 0 && input.len().is_multiple_of(row_length),
        "softmax: row length {row_length} does not divide {}",
        input.len()
    );
    for (row_in, row_out) in input.chunks(row_length).zip(output.chunks_mut(row_length)) {
        per_row(row_in, row_out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn softmax_of(input: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; input.len()];
        softmax_row(input, &mut out);
        out
    }

    fn log_softmax_of(input: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; input.len()];
        log_softmax_row(input, &mut out);
        out
    }

    #[test]
    fn log_softmax_of_large_logits() {
        let y = log_softmax_of(&[1000.0, 1001.0, 1002.0]);
        let expected = [
            -2.407_605_964_444_380_6,
            -1.407_605_964_444_380_4,
            -0.407_605_964_444_380_4,
        ];
        for (a, b) in y.iter().zip(expected) {
            assert!((a - b).abs() <= 4e-16, "{a} vs {b}");
        }
        let mut y32 = [0.0f32; 3];
        log_softmax_row(&[1000.0f32, 1001.0, 1002.0], &mut y32);
        assert!((y32[0] + 2.407_606).abs() < 1e-6);
    }

    #[test]
    fn softmax_values_and_normalisation() {
        let y = softmax_of(&[1.0, 2.0, 3.0]);
        let e: Vec<f64> = [1.0f64, 2.0, 3.0].iter().map(|x| x.exp()).collect();
        let s: f64 = e.iter().sum();
        for (a, b) in y.iter().zip(&e) {
            assert!((a - b / s).abs() < 1e-15 * a);
        }
        let y = softmax_of(&[-1e4, 0.0, 1e4]);
        assert_eq!(y, vec![0.0, 0.0, 1.0]);
        let y = softmax_of(&[f64::NEG_INFINITY, 0.0]);
        assert_eq!(y, vec![0.0, 1.0]);
        assert_eq!(
            log_softmax_of(&[f64::NEG_INFINITY, 0.0]),
            vec![f64::NEG_INFINITY, 0.0]
        );
    }

    #[test]
    fn degenerate_rows_are_nan_and_isolated() {
        let input = [
            f64::NEG_INFINITY,
            f64::NEG_INFINITY, // all −∞
            1.0,
            f64::NAN, // NaN
            0.0,
            f64::INFINITY, // +∞
            0.5,
            0.5, // healthy
        ];
        let mut out = [0.0; 8];
        softmax_rows(&input, 2, &mut out);
        assert!(out[..6].iter().all(|v| v.is_nan()));
        assert_eq!(&out[6..], &[0.5, 0.5]);
        log_softmax_rows(&input, 2, &mut out);
        assert!(out[..6].iter().all(|v| v.is_nan()));
        assert!((out[6] + std::f64::consts::LN_2).abs() < 1e-16);
        let mut empty: [f64; 0] = [];
        softmax_row(&[], &mut empty);
        softmax_rows(&[], 3, &mut empty);
    }

    #[test]
    fn backward_matches_finite_differences() {
        let x = [0.3, -1.2, 2.0, 0.7];
        let g = [0.5, -0.25, 1.5, 2.0];
        // L(x) = Σ gᵢ yᵢ(x); check ∂L/∂x numerically.
        let loss = |x: &[f64], log: bool| -> f64 {
            let y = if log {
                log_softmax_of(x)
            } else {
                softmax_of(x)
            };
            y.iter().zip(&g).map(|(a, b)| a * b).sum()
        };
        for log in [false, true] {
            let y = if log {
                log_softmax_of(&x)
            } else {
                softmax_of(&x)
            };
            let mut analytic = [0.0; 4];
            if log {
                log_softmax_row_backward(&y, &g, &mut analytic);
            } else {
                softmax_row_backward(&y, &g, &mut analytic);
            }
            for i in 0..4 {
                let h = 1e-6;
                let mut plus = x;
                let mut minus = x;
                plus[i] += h;
                minus[i] -= h;
                let numeric = (loss(&plus, log) - loss(&minus, log)) / (2.0 * h);
                assert!((analytic[i] - numeric).abs() < 1e-8, "log={log} i={i}");
            }
        }
    }

    #[test]
    fn backward_of_a_uniform_upstream_gradient_vanishes() {
        let y = softmax_of(&[0.1, 0.2, 0.3]);
        let mut d = [9.0; 3];
        softmax_row_backward(&y, &[1.0, 1.0, 1.0], &mut d);
        assert!(d.iter().all(|v| v.abs() < 1e-16));
    }

    #[test]
    #[should_panic(expected = "lengths differ")]
    fn mismatched_lengths_panic() {
        let mut out = [0.0; 2];
        softmax_row(&[1.0, 2.0, 3.0], &mut out);
    }
}
