//! Normalisation layers over channels: batch norm (any number of spatial dims), group
//! norm and RMS norm. ([`crate::layers::LayerNorm`] lives in `layers/layer_norm.rs`.)
//!
//! Each layer is written with differentiable tensor ops (means, squares, square roots,
//! reshapes and broadcasting), so gradients of every order flow through its statistics.

mod batch;
mod group;
mod rms;

pub use batch::{BatchNorm, BatchNorm1d, BatchNorm2d, BatchNorm3d, BatchNormOptions};
pub use group::GroupNorm;
pub use rms::RMSNorm;

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};

/// `[1, C, 1, …, 1]` with `ndim` entries: a per-channel tensor reshaped to broadcast
/// over an `[N, C, *]` input.
fn channel_shape(channels: usize, ndim: usize) -> Vec<usize> {
    let mut shape = vec![1; ndim.max(2)];
    shape[1] = channels;
    shape
}

/// `y·weight + bias`, each (when present) reshaped to `shape` first.
fn affine<T: Element>(
    y: Tensor<T>,
    weight: Option<&Tensor<T>>,
    bias: Option<&Tensor<T>>,
    shape: &[usize],
) -> Result<Tensor<T>> {
    let mut y = y;
    if let Some(w) = weight {
        y = y.try_mul(&w.try_reshape(shape)?)?;
    }
    if let Some(b) = bias {
        y = y.try_add(&b.try_reshape(shape)?)?;
    }
    Ok(y)
}

/// The `weight` and `bias` entries of `named_parameters`, those that exist.
pub(crate) fn affine_parameters<T: Element>(
    weight: Option<&Tensor<T>>,
    bias: Option<&Tensor<T>>,
) -> Vec<(String, Tensor<T>)> {
    [("weight", weight), ("bias", bias)]
        .into_iter()
        .filter_map(|(name, t)| t.map(|t| (name.to_string(), t.clone())))
        .collect()
}

/// The dims `[-1, -2, …]` covering `normalized_shape` at the end of `x`'s shape, or a
/// shape error naming `op` when `x` does not end with `normalized_shape` (the check of
/// `LayerNorm` and `RMSNorm`).
pub(crate) fn trailing_dims<T: Element>(
    op: &str,
    normalized_shape: &[usize],
    x: &Tensor<T>,
) -> Result<Vec<isize>> {
    let k = normalized_shape.len();
    if x.ndim() < k || x.shape()[x.ndim() - k..] != *normalized_shape {
        return Err(NnError::Shape {
            op: op.to_string(),
            detail: format!(
                "expected input with trailing dims {normalized_shape:?}, got {:?}",
                x.shape()
            ),
        });
    }
    Ok((1..=k as isize).map(|d| -d).collect())
}
