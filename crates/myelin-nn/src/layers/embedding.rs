//! `Embedding`: a lookup table of learnable vectors, PyTorch's `nn.Embedding`.

use myelin_tensor::{seeded_rng, Element, Tensor};

use crate::error::{NnError, Result};
use crate::init::normal_;
use crate::module::Module;

/// A table of `num_embeddings` vectors of size `embedding_dim` (the parameter `weight`,
/// shape `[num_embeddings, embedding_dim]`, initialised N(0, 1) as in PyTorch).
///
/// Indices come in two forms:
/// * [`Embedding::lookup`] takes `&[usize]` plus the shape of the index array — the
///   natural form in Rust;
/// * [`Module::forward`] takes a tensor of integral values (`f32`/`f64` holding 0, 1, 2,
///   …), PyTorch's `embedding(LongTensor)`, so an `Embedding` can sit in a
///   [`crate::layers::Sequential`]. A non-integral or negative value is an error.
///
/// Either way the output has shape `index_shape + [embedding_dim]`, and an index ≥
/// `num_embeddings` is an [`NnError::InvalidArgument`] naming the index, its position and
/// the table size — never an out-of-bounds read.
///
/// `padding_idx` (PyTorch's): that row starts at zeros and **receives no gradient**
/// (lookups of it still return its current value, so a row set by hand is returned).
/// Negative `padding_idx` values of PyTorch correspond to `num_embeddings − k` here.
///
/// ```
/// use myelin_nn::{layers::Embedding, Module};
/// use myelin_tensor::Tensor;
///
/// let emb = Embedding::<f64>::new(10, 3, Some(0), 7)?;
/// let out = emb.lookup(&[0, 4, 4, 9], &[2, 2])?;
/// assert_eq!(out.shape(), &[2, 2, 3]);
/// assert_eq!(out.to_vec()[..3], [0.0, 0.0, 0.0]); // the padding row
/// let same = emb.forward(&Tensor::from_vec(vec![0.0, 4.0, 4.0, 9.0], &[2, 2])?)?;
/// assert_eq!(same.to_vec(), out.to_vec());
/// assert!(emb.lookup(&[10], &[1]).unwrap_err().to_string().contains("index 10"));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Embedding<T: Element> {
    weight: Tensor<T>,
    padding_idx: Option<usize>,
    training: bool,
}

impl<T: Element> Embedding<T> {
    /// A table with PyTorch's initialisation: N(0, 1) entries (seeded), the
    /// `padding_idx` row zeroed.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `padding_idx ≥ num_embeddings`.
    pub fn new(
        num_embeddings: usize,
        embedding_dim: usize,
        padding_idx: Option<usize>,
        seed: u64,
    ) -> Result<Self> {
        let weight = Tensor::zeros(&[num_embeddings, embedding_dim]).requires_grad_(true);
        normal_(&weight, 0.0, 1.0, &mut seeded_rng(seed))?;
        Self::build(weight, padding_idx, true)
    }

    /// A table holding a copy of `weight` `[num_embeddings, embedding_dim]`, like
    /// `nn.Embedding.from_pretrained(weight, freeze=False, padding_idx)` (the padding row
    /// keeps the given values, as in PyTorch).
    ///
    /// # Errors
    /// [`NnError::Shape`] for a weight that is not 2-D; [`NnError::InvalidArgument`] for a
    /// `padding_idx` outside the table.
    pub fn from_pretrained(weight: &Tensor<T>, padding_idx: Option<usize>) -> Result<Self> {
        if weight.ndim() != 2 {
            return Err(NnError::Shape {
                op: "Embedding".into(),
                detail: format!(
                    "weight must be 2-D [num_embeddings, embedding_dim], got {:?}",
                    weight.shape()
                ),
            });
        }
        let copy = Tensor::from_vec(weight.to_vec(), weight.shape())?.requires_grad_(true);
        Self::build(copy, padding_idx, false)
    }

    fn build(weight: Tensor<T>, padding_idx: Option<usize>, zero_padding: bool) -> Result<Self> {
        let (n, d) = (weight.shape()[0], weight.shape()[1]);
        if let Some(p) = padding_idx {
            if p >= n {
                return Err(NnError::InvalidArgument(format!(
                    "Embedding({n}, {d}): padding_idx {p} must be within num_embeddings ({n})"
                )));
            }
            if zero_padding {
                weight.update_data(|w| w[p * d..(p + 1) * d].fill(T::zero()))?;
            }
        }
        Ok(Embedding {
            weight,
            padding_idx,
            training: true,
        })
    }

    /// The table, `[num_embeddings, embedding_dim]`.
    pub fn weight(&self) -> &Tensor<T> {
        &self.weight
    }

    /// The padding index, if any.
    pub fn padding_idx(&self) -> Option<usize> {
        self.padding_idx
    }

    /// The rows for `indices`, an index array of shape `shape` given row-major: output
    /// `shape + [embedding_dim]`.
    ///
    /// # Errors
    /// [`NnError::Shape`] when `indices.len()` is not the product of `shape`;
    /// [`NnError::InvalidArgument`] for an index ≥ `num_embeddings` (naming it, its
    /// position and the table size).
    pub fn lookup(&self, indices: &[usize], shape: &[usize]) -> Result<Tensor<T>> {
        let (n, d) = (self.weight.shape()[0], self.weight.shape()[1]);
        if shape.iter().product::<usize>() != indices.len() {
            return Err(NnError::Shape {
                op: self.describe(),
                detail: format!(
                    "{} indices do not fill the index shape {shape:?}",
                    indices.len()
                ),
            });
        }
        if let Some((position, &index)) = indices.iter().enumerate().find(|(_, &i)| i >= n) {
            return Err(NnError::InvalidArgument(format!(
                "{}: index {index} (at position {position}) is out of range for a table of {n} embeddings",
                self.describe()
            )));
        }
        let mut rows = self.weight.try_index_select(0, indices)?;
        if let Some(p) = self.padding_idx {
            if indices.contains(&p) {
                // Same values; the gradient is cut at the padding positions (PyTorch's
                // `padding_idx` rule) without copying the whole table.
                let keep: Vec<T> = indices
                    .iter()
                    .map(|&i| if i == p { T::zero() } else { T::one() })
                    .collect();
                let keep = Tensor::from_vec(keep, &[indices.len(), 1])?;
                rows = Tensor::try_where_(&keep, &rows, &rows.detach())?;
            }
        }
        let mut out_shape = shape.to_vec();
        out_shape.push(d);
        Ok(rows.try_reshape(&out_shape)?)
    }
}

/// Converts a tensor of integral values into indices, naming the first bad one.
fn integral_indices<T: Element>(op: &str, x: &Tensor<T>) -> Result<Vec<usize>> {
    x.to_vec()
        .iter()
        .enumerate()
        .map(|(position, &v)| {
            let f = v.to_f64();
            if f >= 0.0 && f.fract() == 0.0 && f < usize::MAX as f64 {
                Ok(f as usize)
            } else {
                Err(NnError::InvalidArgument(format!(
                    "{op}: indices must be non-negative integers, got {f} at position {position} (input shape {:?})",
                    x.shape()
                )))
            }
        })
        .collect()
}

impl<T: Element> Module<T> for Embedding<T> {
    /// Looks up a tensor of integral indices (any shape); see [`Embedding::lookup`].
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let indices = integral_indices(&self.describe(), x)?;
        self.lookup(&indices, x.shape())
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        vec![("weight".to_string(), self.weight.clone())]
    }

    training_flag!();

    fn describe(&self) -> String {
        let (n, d) = (self.weight.shape()[0], self.weight.shape()[1]);
        match self.padding_idx {
            Some(p) => format!("Embedding({n}, {d}, padding_idx={p})"),
            None => format!("Embedding({n}, {d})"),
        }
    }
}
