//! Initialisation gains: how much to scale weights so signals keep their size.
//!
//! For a layer `y = W·f(x)` with `n` inputs and weights of variance `gain²/n`, the second
//! moment of `y` equals `gain²·E[f(x)²]` times that of `x`'s scale. Choosing
//! `gain = 1/√E[f(z)²]` (z ~ N(0, 1)) keeps the second moment at 1 in the forward pass
//! ([`forward_gain`]); choosing `gain = 1/√E[f'(z)²]` keeps the gradient's second moment in
//! the backward pass ([`backward_gain`]). For ReLU both are `√2` (He/Kaiming init).
//! Both expectations are computed by [`crate::gaussian_expectation`] with the
//! activation's kinks.
//!
//! Softmax and log-softmax act on whole rows, so these per-element gains are not defined
//! for them: every function here returns `None`.

use crate::quadrature::gaussian_expectation;
use crate::spec::Activation;

/// All three gains of an activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gains {
    /// `torch.nn.init.calculate_gain`'s value, where PyTorch defines one.
    pub pytorch: Option<f64>,
    /// `1/√E[f(z)²]`.
    pub forward: Option<f64>,
    /// `1/√E[f'(z)²]`.
    pub backward: Option<f64>,
}

/// `torch.nn.init.calculate_gain` for the activations PyTorch knows: identity/linear 1,
/// sigmoid 1, tanh 5/3, ReLU √2, leaky ReLU `√(2/(1 + slope²))`, SELU 3/4. `None` for
/// everything else (PyTorch raises an error for them) and for softmax-like activations.
///
/// Note PyTorch's values are conventions, not moment-preserving: tanh's 5/3 and SELU's
/// 3/4 differ from [`forward_gain`].
pub fn pytorch_gain(activation: &Activation) -> Option<f64> {
    activation.as_elementwise()?.table_pytorch_gain()
}

/// `1/√E[f(z)²]`, `z ~ N(0, 1)`: the weight gain that keeps the forward second moment at 1.
/// `None` for softmax-like activations, or if `E[f(z)²]` is 0 or not finite.
pub fn forward_gain(activation: &Activation) -> Option<f64> {
    let e = activation.as_elementwise()?;
    let kinks = e.meta().kinks;
    inverse_root(gaussian_expectation(|x| e.value(x).powi(2), 1.0, &kinks))
}

/// `1/√E[f'(z)²]`, `z ~ N(0, 1)`: the gain that keeps the backward second moment at 1.
/// `None` for softmax-like activations and when `E[f'(z)²] = 0` (a binary step without a
/// surrogate gradient passes no gradient at all).
pub fn backward_gain(activation: &Activation) -> Option<f64> {
    let e = activation.as_elementwise()?;
    let kinks = e.meta().kinks;
    inverse_root(gaussian_expectation(
        |x| e.derivative(x).powi(2),
        1.0,
        &kinks,
    ))
}

/// [`pytorch_gain`], [`forward_gain`] and [`backward_gain`] together.
pub fn gains(activation: &Activation) -> Gains {
    Gains {
        pytorch: pytorch_gain(activation),
        forward: forward_gain(activation),
        backward: backward_gain(activation),
    }
}

fn inverse_root(moment: f64) -> Option<f64> {
    (moment.is_finite() && moment > 0.0).then(|| 1.0 / moment.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Activation {
        text.parse().expect("valid spec")
    }

    #[test]
    fn relu_is_root_two_both_ways() {
        let g = gains(&parse("relu"));
        let root_two = std::f64::consts::SQRT_2;
        assert_eq!(g.pytorch, Some(root_two));
        assert!((g.forward.unwrap() - root_two).abs() < 1e-13);
        assert!((g.backward.unwrap() - root_two).abs() < 1e-13);
    }

    #[test]
    fn identity_is_one() {
        let g = gains(&parse("identity"));
        assert_eq!(g.pytorch, Some(1.0));
        assert!((g.forward.unwrap() - 1.0).abs() < 1e-13);
        assert!((g.backward.unwrap() - 1.0).abs() < 1e-13);
    }

    #[test]
    fn selu_preserves_the_second_moment() {
        let forward = forward_gain(&parse("selu")).unwrap();
        assert!((forward - 1.0).abs() < 1e-6, "{forward}");
        assert_eq!(pytorch_gain(&parse("selu")), Some(0.75));
    }

    #[test]
    fn leaky_relu_matches_the_closed_form() {
        for slope in [0.01f64, 0.2, -0.5] {
            let a = parse(&format!("leaky_relu({slope})"));
            let closed = (2.0 / (1.0 + slope * slope)).sqrt();
            assert_eq!(pytorch_gain(&a), Some(closed));
            // E[f²] = E[f'²] = (1 + slope²)/2 for a leaky ReLU.
            assert!((forward_gain(&a).unwrap() - closed).abs() < 1e-13);
            assert!((backward_gain(&a).unwrap() - closed).abs() < 1e-13);
        }
    }

    #[test]
    fn tanh_matches_an_independent_computation() {
        // Independent: fine trapezoid rule on [−14, 14] (not the library's quadrature).
        let h = 1e-3;
        let n = (28.0 / h) as i64;
        let moment = |g: &dyn Fn(f64) -> f64| -> f64 {
            (0..=n)
                .map(|i| {
                    let z = -14.0 + h * i as f64;
                    g(z) * (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
                })
                .sum::<f64>()
                * h
        };
        let forward = 1.0 / moment(&|z: f64| z.tanh().powi(2)).sqrt();
        let backward = 1.0 / moment(&|z: f64| (1.0 - z.tanh().powi(2)).powi(2)).sqrt();
        let tanh = parse("tanh");
        assert!((forward_gain(&tanh).unwrap() - forward).abs() < 1e-11);
        assert!((backward_gain(&tanh).unwrap() - backward).abs() < 1e-11);
        assert!((forward - 1.592_537).abs() < 1e-6, "{forward}");
        assert_eq!(pytorch_gain(&tanh), Some(5.0 / 3.0));
    }

    #[test]
    fn squareplus_forward_gain_is_closed_form() {
        // f² = (x² + 2x√(x²+b) + x² + b)/4 and the middle term is odd: E[f²] = (2 + b)/4.
        for b in [4.0f64, 0.5, 9.0] {
            let gain = forward_gain(&parse(&format!("squareplus(b={b})"))).unwrap();
            assert!(
                (gain - (4.0 / (2.0 + b)).sqrt()).abs() < 1e-12,
                "b = {b}: {gain}"
            );
        }
    }

    #[test]
    fn undefined_cases() {
        assert_eq!(
            gains(&parse("softmax")),
            Gains {
                pytorch: None,
                forward: None,
                backward: None
            }
        );
        assert_eq!(forward_gain(&parse("log_softmax(dim=0)")), None);
        assert_eq!(backward_gain(&parse("binary_step")), None);
        // The STE surrogate passes gradient 1 on [−1, 1]: E[f'²] = P(|z| ≤ 1).
        let ste = backward_gain(&parse("binary_step(surrogate=ste)")).unwrap();
        let p = libm::erf(1.0 / std::f64::consts::SQRT_2);
        assert!((ste - 1.0 / p.sqrt()).abs() < 1e-13);
        assert_eq!(pytorch_gain(&parse("gelu")), None);
    }

    #[test]
    fn every_elementwise_default_has_finite_forward_gain() {
        for a in Activation::all_defaults()
            .iter()
            .filter(|a| a.is_elementwise())
        {
            let g = forward_gain(a).unwrap_or_else(|| panic!("{a}"));
            assert!(g.is_finite() && g > 0.0, "{a}: {g}");
        }
    }
}
