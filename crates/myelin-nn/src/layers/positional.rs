//! Sinusoidal positional encoding (Vaswani et al. 2017, the PyTorch tutorial's
//! `PositionalEncoding`).

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};
use crate::module::Module;

/// The `[max_len, d_model]` table `pe[pos, 2i] = sin(pos / 10000^{2i/d})`,
/// `pe[pos, 2i+1] = cos(pos / 10000^{2i/d})` (an odd `d_model` drops the last cosine
/// column; the PyTorch tutorial fails there).
///
/// ```
/// use myelin_nn::layers::sinusoidal_table;
/// let pe = sinusoidal_table::<f64>(50, 8);
/// assert_eq!(pe.shape(), &[50, 8]);
/// assert_eq!(pe.get(&[0, 1]).unwrap(), 1.0); // cos(0)
/// assert!((pe.get(&[3, 2]).unwrap() - (3.0f64 / 10.0).sin()).abs() < 1e-12); // 10000^(2/8) = 10
/// ```
pub fn sinusoidal_table<T: Element>(max_len: usize, d_model: usize) -> Tensor<T> {
    let half = d_model.div_ceil(2);
    let position: Vec<T> = (0..max_len).map(|p| T::from_f64(p as f64)).collect();
    let div: Vec<T> = (0..half)
        .map(|i| T::from_f64((-(2.0 * i as f64) * 10000f64.ln() / d_model as f64).exp()))
        .collect();
    let position = Tensor::from_vec(position, &[max_len, 1]).expect("shape matches");
    let div = Tensor::from_vec(div, &[1, half]).expect("shape matches");
    let angle = position.matmul(&div); // [max_len, half]
                                       // Interleave sin and cos along a new last axis, then flatten: [max_len, 2·half].
    let both = Tensor::try_stack(&[&angle.sin(), &angle.cos()], -1)
        .and_then(|t| t.try_reshape(&[max_len, 2 * half]))
        .expect("shapes match");
    both.try_narrow(1, 0, d_model)
        .map(|t| t.contiguous())
        .expect("d_model ≤ 2·half")
}

/// Adds the sinusoidal table to `[N, L, d_model]` inputs (`batch_first`) or `[L, N,
/// d_model]` ones (`batch_first = false`, the PyTorch tutorial's layout). The table is a
/// constant, not a parameter or buffer (so it is not in the `state_dict`). No dropout:
/// follow with a [`crate::layers::Dropout`] for the tutorial's.
///
/// ```
/// use myelin_nn::{layers::SinusoidalPositionalEncoding, Module};
/// use myelin_tensor::Tensor;
/// let pe = SinusoidalPositionalEncoding::new(16, 100, true)?;
/// let y = pe.forward(&Tensor::<f32>::zeros(&[2, 10, 16]))?;
/// assert_eq!(y.get(&[1, 0, 1])?, 1.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct SinusoidalPositionalEncoding {
    d_model: usize,
    max_len: usize,
    batch_first: bool,
    training: bool,
}

impl SinusoidalPositionalEncoding {
    /// An encoding for sequences of up to `max_len` positions.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for `d_model = 0`.
    pub fn new(d_model: usize, max_len: usize, batch_first: bool) -> Result<Self> {
        if d_model == 0 {
            return Err(NnError::InvalidArgument(
                "SinusoidalPositionalEncoding: d_model must be at least 1".into(),
            ));
        }
        Ok(SinusoidalPositionalEncoding {
            d_model,
            max_len,
            batch_first,
            training: true,
        })
    }
}

impl<T: Element> Module<T> for SinusoidalPositionalEncoding {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let seq_dim = if self.batch_first { 1 } else { 0 };
        if x.ndim() != 3 || x.shape()[2] != self.d_model || x.shape()[seq_dim] > self.max_len {
            return Err(NnError::Shape {
                op: Module::<T>::describe(self),
                detail: format!(
                    "expected {} with d_model = {} and at most {} positions, got {:?}",
                    if self.batch_first {
                        "[N, L, d_model]"
                    } else {
                        "[L, N, d_model]"
                    },
                    self.d_model,
                    self.max_len,
                    x.shape()
                ),
            });
        }
        let len = x.shape()[seq_dim];
        let pe = sinusoidal_table::<T>(len, self.d_model);
        let pe = if self.batch_first {
            pe
        } else {
            pe.try_unsqueeze(1)?
        };
        Ok(x.try_add(&pe)?)
    }

    training_flag!();

    fn describe(&self) -> String {
        format!(
            "SinusoidalPositionalEncoding(d_model={}, max_len={}, batch_first={})",
            self.d_model, self.max_len, self.batch_first
        )
    }
}
