//! Gaussian expectations `E[f(σz)]`, `z ~ N(0, 1)`, by adaptive Gauss–Kronrod quadrature.
//!
//! Used to compute initialisation gains (`E[f(z)²]`, `E[f'(z)²]`) and by the lab to predict
//! how signal moments propagate through a layer.

// The node and weight tables keep the digits of the published QUADPACK tables.
#![allow(clippy::excessive_precision)]

/// Gauss–Kronrod 21-point abscissae on `[-1, 1]` (non-negative half, descending).
/// Odd indices are also the 10-point Gauss abscissae.
const KRONROD_NODES: [f64; 11] = [
    0.995_657_163_025_808_080_735_527_280_689_003,
    0.973_906_528_517_171_720_077_964_012_084_452,
    0.930_157_491_355_708_226_001_207_180_059_508,
    0.865_063_366_688_984_510_732_096_688_423_493,
    0.780_817_726_586_416_897_063_717_578_345_042,
    0.679_409_568_299_024_406_234_327_365_114_874,
    0.562_757_134_668_604_683_339_000_099_272_694,
    0.433_395_394_129_247_190_799_265_943_165_784,
    0.294_392_862_701_460_198_131_126_603_103_866,
    0.148_874_338_981_631_210_884_826_001_129_720,
    0.0,
];

/// Kronrod weights matching [`KRONROD_NODES`].
const KRONROD_WEIGHTS: [f64; 11] = [
    0.011_694_638_867_371_874_278_064_396_062_192,
    0.032_558_162_307_964_727_478_818_972_459_390,
    0.054_755_896_574_351_996_031_381_300_244_580,
    0.075_039_674_810_919_952_767_043_140_916_190,
    0.093_125_454_583_697_605_535_065_465_083_366,
    0.109_387_158_802_297_641_899_210_590_325_805,
    0.123_491_976_262_065_851_077_208_015_208_950,
    0.134_709_217_311_473_325_928_054_001_771_707,
    0.142_775_938_577_060_080_797_094_273_138_717,
    0.147_739_104_901_338_491_374_841_515_972_068,
    0.149_445_554_002_916_905_664_936_468_389_821,
];

/// 10-point Gauss weights for `KRONROD_NODES[1], [3], [5], [7], [9]`.
const GAUSS_WEIGHTS: [f64; 5] = [
    0.066_671_344_308_688_137_593_568_809_893_332,
    0.149_451_349_150_580_593_145_776_339_657_697,
    0.219_086_362_515_982_043_995_534_934_228_163,
    0.269_266_719_309_996_355_091_226_921_569_469,
    0.295_524_224_714_752_870_173_892_994_651_338,
];

/// Half-width of the integration window in units of σ. The Gaussian mass outside
/// `[-12σ, 12σ]` is about `3.6e-33`, far below `f64` resolution for any integrand
/// that grows at most polynomially.
const WINDOW_IN_SIGMAS: f64 = 12.0;

/// Largest number of sub-intervals the adaptive scheme may create.
const MAX_INTERVALS: usize = 4000;

/// Requested relative accuracy (relative to `∫|f|·density`).
const RELATIVE_TOLERANCE: f64 = 1e-14;

/// One sub-interval with its Kronrod estimate and error estimate.
#[derive(Clone, Copy)]
struct Piece {
    start: f64,
    end: f64,
    integral: f64,
    absolute_integral: f64,
    error: f64,
}

/// Applies the 21-point Kronrod rule (with the embedded 10-point Gauss rule as error
/// estimate) to `g` on `[start, end]`.
fn kronrod_piece(g: &impl Fn(f64) -> f64, start: f64, end: f64) -> Piece {
    let centre = 0.5 * (start + end);
    let half = 0.5 * (end - start);
    let mut kronrod = 0.0;
    let mut gauss = 0.0;
    let mut absolute = 0.0;
    for (i, (&node, &weight)) in KRONROD_NODES.iter().zip(&KRONROD_WEIGHTS).enumerate() {
        let (sum, absolute_sum) = if node == 0.0 {
            let middle = g(centre);
            (middle, middle.abs())
        } else {
            let left = g(centre - half * node);
            let right = g(centre + half * node);
            (left + right, left.abs() + right.abs())
        };
        kronrod += weight * sum;
        absolute += weight * absolute_sum;
        if i % 2 == 1 {
            gauss += GAUSS_WEIGHTS[i / 2] * sum;
        }
    }
    Piece {
        start,
        end,
        integral: kronrod * half,
        absolute_integral: absolute * half.abs(),
        error: ((kronrod - gauss) * half).abs(),
    }
}

/// `E[f(σ z)]` for `z ~ N(0, 1)`, i.e. `∫ f(x) φ(x/σ)/σ dx`.
///
/// The integral runs over `[-12σ, 12σ]`, split at every point of `kinks` (given in the
/// units of `f`'s argument, i.e. `x`, not `z`) that lies inside that window, and further
/// into pieces at most one σ wide. Each piece is integrated with 21-point Gauss–Kronrod;
/// the piece with the largest error estimate is bisected until the total estimated error
/// is below `1e-14 · ∫|f|φ` (or 4000 pieces exist). With the kinks supplied, piecewise
/// smooth functions (ReLU, steps, clamps) are integrated to about `1e-14`; a discontinuity
/// that is *not* listed as a kink is still handled by bisection, only less accurately.
///
/// * `sigma == 0` returns `f(0)` (the distribution is a point mass).
/// * A negative `sigma` is treated as `|sigma|` (the Gaussian is symmetric).
/// * A NaN or infinite `sigma`, or an `f` that returns NaN in the window, gives NaN.
///
/// ```
/// use myelin_activations::gaussian_expectation;
/// let second_moment = gaussian_expectation(|x| x * x, 2.0, &[]);
/// assert!((second_moment - 4.0).abs() < 1e-12);
/// let half = gaussian_expectation(|x| if x >= 0.0 { 1.0 } else { 0.0 }, 1.0, &[0.0]);
/// assert!((half - 0.5).abs() < 1e-14);
/// ```
pub fn gaussian_expectation(f: impl Fn(f64) -> f64, sigma: f64, kinks: &[f64]) -> f64 {
    if sigma.is_nan() || sigma.is_infinite() {
        return f64::NAN;
    }
    let sigma = sigma.abs();
    if sigma == 0.0 {
        return f(0.0);
    }
    let normaliser = 1.0 / (sigma * (2.0 * std::f64::consts::PI).sqrt());
    let weighted = |x: f64| {
        let z = x / sigma;
        let density = normaliser * (-0.5 * z * z).exp();
        if density == 0.0 {
            0.0
        } else {
            f(x) * density
        }
    };
    let mut pieces: Vec<Piece> = initial_breakpoints(sigma, kinks)
        .windows(2)
        .map(|w| kronrod_piece(&weighted, w[0], w[1]))
        .collect();
    refine(&weighted, &mut pieces);
    // Sum small to large for a little extra accuracy.
    let mut integrals: Vec<f64> = pieces.iter().map(|p| p.integral).collect();
    integrals.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    integrals.iter().sum()
}

/// Window ends, the kinks inside the window, and extra points so no piece exceeds σ.
fn initial_breakpoints(sigma: f64, kinks: &[f64]) -> Vec<f64> {
    let lower = -WINDOW_IN_SIGMAS * sigma;
    let upper = WINDOW_IN_SIGMAS * sigma;
    let mut points: Vec<f64> = kinks
        .iter()
        .copied()
        .filter(|k| k.is_finite() && *k > lower && *k < upper)
        .collect();
    let steps = (2.0 * WINDOW_IN_SIGMAS) as usize;
    points.extend((0..=steps).map(|i| lower + sigma * i as f64));
    points.sort_by(f64::total_cmp);
    points.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * sigma);
    points
}

/// Bisects the worst piece until the error budget is met.
fn refine(weighted: &impl Fn(f64) -> f64, pieces: &mut Vec<Piece>) {
    while pieces.len() < MAX_INTERVALS {
        let total_error: f64 = pieces.iter().map(|p| p.error).sum();
        let scale: f64 = pieces.iter().map(|p| p.absolute_integral).sum();
        if total_error.is_nan() || total_error <= RELATIVE_TOLERANCE * scale.max(f64::MIN_POSITIVE)
        {
            return;
        }
        let (worst_index, worst) = pieces
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.error.total_cmp(&b.1.error))
            .map(|(i, p)| (i, *p))
            .expect("at least one piece");
        let middle = 0.5 * (worst.start + worst.end);
        if middle <= worst.start || middle >= worst.end {
            return; // Cannot bisect further in floating point.
        }
        pieces[worst_index] = kronrod_piece(weighted, worst.start, middle);
        pieces.push(kronrod_piece(weighted, middle, worst.end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_677_939_946_059_934_4;

    fn step(x: f64) -> f64 {
        if x >= 0.0 {
            1.0
        } else {
            0.0
        }
    }

    #[test]
    fn kronrod_rule_integrates_polynomials_of_degree_31_exactly() {
        for degree in 0..=31 {
            let piece = kronrod_piece(&|x: f64| x.powi(degree), -1.0, 1.0);
            let exact = if degree % 2 == 0 {
                2.0 / (degree as f64 + 1.0)
            } else {
                0.0
            };
            assert!(
                (piece.integral - exact).abs() < 1e-14,
                "degree {degree}: {} vs {exact}",
                piece.integral
            );
        }
    }

    #[test]
    fn gauss_rule_integrates_polynomials_of_degree_19_exactly() {
        // The Kronrod–Gauss difference must vanish for degree <= 19.
        for degree in 0..=19 {
            let piece = kronrod_piece(&|x: f64| x.powi(degree), -0.3, 0.7);
            assert!(
                piece.error < 1e-15,
                "degree {degree}: error {}",
                piece.error
            );
        }
        let piece = kronrod_piece(&|x: f64| x.powi(20), -1.0, 1.0);
        assert!(piece.error > 1e-8, "degree 20 should be detected");
    }

    #[test]
    fn moments_of_the_standard_normal() {
        assert!((gaussian_expectation(|_| 1.0, 1.0, &[]) - 1.0).abs() < 1e-14);
        assert!(gaussian_expectation(|x| x, 1.0, &[]).abs() < 1e-15);
        assert!((gaussian_expectation(|x| x * x, 1.0, &[]) - 1.0).abs() < 1e-13);
        assert!((gaussian_expectation(|x| x.powi(4), 1.0, &[]) - 3.0).abs() < 1e-12);
        assert!((gaussian_expectation(|x| x.powi(6), 1.0, &[]) - 15.0).abs() < 1e-11);
        assert!((gaussian_expectation(|x| x * x, 3.0, &[]) - 9.0).abs() < 1e-12);
    }

    #[test]
    fn relu_moments() {
        let relu = |x: f64| x.max(0.0);
        let second = gaussian_expectation(|x| relu(x).powi(2), 1.0, &[0.0]);
        assert!((second - 0.5).abs() < 1e-14, "{second}");
        for sigma in [0.1, 1.0, 2.5, 40.0] {
            let mean = gaussian_expectation(relu, sigma, &[0.0]);
            let exact = sigma * INV_SQRT_2PI;
            assert!(
                (mean - exact).abs() < 1e-13 * exact.max(1.0),
                "σ={sigma}: {mean}"
            );
        }
    }

    #[test]
    fn step_and_shifted_step_with_kinks() {
        assert!((gaussian_expectation(step, 1.0, &[0.0]) - 0.5).abs() < 1e-14);
        // P(z >= 1) = 0.5 erfc(1/√2).
        let tail = gaussian_expectation(|x| step(x - 1.0), 1.0, &[1.0]);
        let exact = 0.5 * libm::erfc(1.0 / std::f64::consts::SQRT_2);
        assert!((tail - exact).abs() < 1e-14, "{tail} vs {exact}");
    }

    #[test]
    fn discontinuity_without_declared_kink_still_converges() {
        let tail = gaussian_expectation(|x| step(x - 0.123_456), 1.0, &[]);
        let exact = 0.5 * libm::erfc(0.123_456 / std::f64::consts::SQRT_2);
        assert!((tail - exact).abs() < 1e-9, "{tail} vs {exact}");
    }

    #[test]
    fn tanh_squared_matches_an_independent_fine_trapezoid() {
        let quadrature = gaussian_expectation(|x| x.tanh().powi(2), 1.0, &[]);
        // Independent check: trapezoid rule on [-14, 14] with h = 1e-3 (spectrally
        // accurate for smooth, rapidly decaying integrands).
        let h = 1e-3;
        let n = (28.0 / h) as i64;
        let trapezoid: f64 = (0..=n)
            .map(|i| {
                let z = -14.0 + h * i as f64;
                z.tanh().powi(2) * INV_SQRT_2PI * (-0.5 * z * z).exp()
            })
            .sum::<f64>()
            * h;
        assert!(
            (quadrature - trapezoid).abs() < 1e-12,
            "{quadrature} vs {trapezoid}"
        );
        assert!(
            (quadrature - 0.394_294_490_397_8).abs() < 1e-12,
            "{quadrature}"
        );
    }

    #[test]
    fn sigma_edge_cases() {
        assert_eq!(gaussian_expectation(|x| x + 3.0, 0.0, &[]), 3.0);
        assert!(gaussian_expectation(|x| x, f64::NAN, &[]).is_nan());
        assert!(gaussian_expectation(|x| x, f64::INFINITY, &[]).is_nan());
        let negative = gaussian_expectation(|x| x * x, -2.0, &[]);
        assert!((negative - 4.0).abs() < 1e-12);
        assert!(gaussian_expectation(|_| f64::NAN, 1.0, &[]).is_nan());
    }

    #[test]
    fn kinks_outside_the_window_are_ignored() {
        let value = gaussian_expectation(|x| x * x, 1.0, &[-100.0, 1e9, f64::NAN]);
        assert!((value - 1.0).abs() < 1e-13);
    }
}
