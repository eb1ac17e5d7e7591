//! Initialisation gains: PyTorch's table and the computed gain of any activation.

use myelin_activations::Activation;

use crate::error::{NnError, Result};

/// PyTorch's `torch.nn.init.calculate_gain(nonlinearity, param)`.
///
/// | nonlinearity | gain |
/// |---|---|
/// | `linear`, `identity`, `conv1d/2d/3d`, `conv_transpose1d/2d/3d`, `sigmoid` | 1 |
/// | `tanh` | 5/3 |
/// | `relu` | √2 |
/// | `leaky_relu` | √(2/(1 + slope²)), slope = `param` (default 0.01) |
/// | `selu` | 3/4 |
///
/// # Errors
/// [`NnError::InvalidArgument`] for other names or a non-finite slope.
///
/// ```
/// use myelin_nn::init::calculate_gain;
/// assert_eq!(calculate_gain("tanh", None).unwrap(), 5.0 / 3.0);
/// assert_eq!(calculate_gain("leaky_relu", Some(0.2)).unwrap(), (2.0f64 / 1.04).sqrt());
/// assert!(calculate_gain("gelu", None).is_err());
/// ```
pub fn calculate_gain(nonlinearity: &str, param: Option<f64>) -> Result<f64> {
    match nonlinearity {
        "linear" | "identity" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d"
        | "conv_transpose2d" | "conv_transpose3d" | "sigmoid" => Ok(1.0),
        "tanh" => Ok(5.0 / 3.0),
        "relu" => Ok(std::f64::consts::SQRT_2),
        "leaky_relu" => {
            let slope = param.unwrap_or(0.01);
            if !slope.is_finite() {
                return Err(NnError::InvalidArgument(format!(
                    "calculate_gain: negative_slope {slope} is not a valid number"
                )));
            }
            Ok((2.0 / (1.0 + slope * slope)).sqrt())
        }
        "selu" => Ok(0.75),
        _ => Err(NnError::InvalidArgument(format!(
            "calculate_gain: unsupported nonlinearity `{nonlinearity}` (use linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu; or `auto_gain` for any activation)"
        ))),
    }
}

/// The gain that keeps the forward second moment at 1 through `activation`:
/// `1/√E[f(z)²]`, `z ~ N(0, 1)` (computed by `myelin_activations::gain::forward_gain`).
/// Unlike [`calculate_gain`] it exists for every elementwise activation; for ReLU it is
/// √2, for identity 1, for SELU 1 (PyTorch's table says 3/4).
///
/// # Errors
/// [`NnError::InvalidArgument`] for softmax-like activations, which have no
/// per-element gain.
///
/// ```
/// use myelin_nn::init::auto_gain;
/// let g = auto_gain(&"relu".parse().unwrap()).unwrap();
/// assert!((g - 2f64.sqrt()).abs() < 1e-12);
/// assert!(auto_gain(&"gelu".parse().unwrap()).unwrap() > 1.0);
/// ```
pub fn auto_gain(activation: &Activation) -> Result<f64> {
    myelin_activations::gain::forward_gain(activation).ok_or_else(|| {
        NnError::InvalidArgument(format!(
            "gain=auto: activation `{activation}` has no per-element initialisation gain"
        ))
    })
}
