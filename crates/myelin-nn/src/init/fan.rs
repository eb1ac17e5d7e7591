//! Fan sizes of a weight tensor, as PyTorch computes them.

use std::str::FromStr;

use crate::error::{NnError, Result};

/// Which fan a Kaiming initialiser preserves the variance of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FanMode {
    /// Keep the forward signal's variance (`fan_in`, PyTorch's default).
    #[default]
    FanIn,
    /// Keep the backward gradient's variance (`fan_out`).
    FanOut,
}

impl FromStr for FanMode {
    type Err = NnError;

    /// Parses `"fan_in"` or `"fan_out"`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "fan_in" => Ok(FanMode::FanIn),
            "fan_out" => Ok(FanMode::FanOut),
            _ => Err(NnError::InvalidArgument(format!(
                "mode `{s}` not supported, please use one of fan_in, fan_out"
            ))),
        }
    }
}

/// `(fan_in, fan_out)` of a weight of shape `[out, in, k1, k2, …]`: `in·k1·k2·…` and
/// `out·k1·k2·…` (PyTorch's `_calculate_fan_in_and_fan_out`).
///
/// # Errors
/// [`NnError::InvalidArgument`] for fewer than 2 dimensions, as in PyTorch.
///
/// ```
/// use myelin_nn::init::calculate_fan_in_and_fan_out;
/// assert_eq!(calculate_fan_in_and_fan_out(&[10, 4]).unwrap(), (4, 10));
/// assert_eq!(calculate_fan_in_and_fan_out(&[8, 3, 5, 5]).unwrap(), (75, 200));
/// assert!(calculate_fan_in_and_fan_out(&[7]).is_err());
/// ```
pub fn calculate_fan_in_and_fan_out(shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        return Err(NnError::InvalidArgument(format!(
            "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape {shape:?})"
        )));
    }
    let receptive: usize = shape[2..].iter().product();
    Ok((shape[1] * receptive, shape[0] * receptive))
}

/// The fan selected by `mode`.
pub(crate) fn fan(shape: &[usize], mode: FanMode) -> Result<usize> {
    let (fan_in, fan_out) = calculate_fan_in_and_fan_out(shape)?;
    Ok(match mode {
        FanMode::FanIn => fan_in,
        FanMode::FanOut => fan_out,
    })
}
