//! Orthogonal initialisation (Saxe et al. 2014), PyTorch's `orthogonal_`.

use myelin_tensor::{Element, Tensor};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::fill::write;
use crate::error::{NnError, Result};

/// Fills with a (semi-)orthogonal matrix times `gain`, as PyTorch does: the tensor is
/// viewed as `rows = shape[0]` by `cols = numel/rows`; a Gaussian matrix of that shape
/// (transposed when `rows < cols`) is factored `A = QR`, and `Q` with the signs of `R`'s
/// diagonal folded in (so the result is uniformly distributed) is written, transposed
/// back. Rows are orthonormal when `rows ≤ cols`, columns otherwise.
///
/// The QR factorisation is computed here in `f64` by modified Gram–Schmidt with one
/// re-orthogonalisation pass ("twice is enough"), which yields the factor with a
/// positive diagonal of `R` directly, i.e. exactly PyTorch's sign-corrected `Q`.
///
/// # Errors
/// [`NnError::InvalidArgument`] for tensors with fewer than 2 dimensions or a
/// non-finite gain.
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[3, 5]);
/// myelin_nn::init::orthogonal_(&w, 1.0, &mut seeded_rng(0))?;
/// let wwt = w.matmul(&w.t()); // rows are orthonormal
/// let eye = Tensor::<f64>::eye(3);
/// assert!((&wwt - &eye).abs().max().item()? < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn orthogonal_<T: Element>(tensor: &Tensor<T>, gain: f64, rng: &mut impl Rng) -> Result<()> {
    let shape = tensor.shape();
    if shape.len() < 2 {
        return Err(NnError::InvalidArgument(format!(
            "orthogonal_: only tensors with 2 or more dimensions are supported (shape {shape:?})"
        )));
    }
    if !gain.is_finite() {
        return Err(NnError::InvalidArgument(format!(
            "orthogonal_: gain must be finite, got {gain}"
        )));
    }
    if tensor.numel() == 0 {
        return Ok(());
    }
    let rows = shape[0];
    let cols = tensor.numel() / rows;
    let flat: Vec<f64> = (0..rows * cols)
        .map(|_| StandardNormal.sample(rng))
        .collect();
    // Tall matrix m × n (m ≥ n), stored column by column.
    let (m, n) = (rows.max(cols), rows.min(cols));
    let mut columns: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            (0..m)
                .map(|i| {
                    if rows >= cols {
                        flat[i * cols + j]
                    } else {
                        flat[j * cols + i] // transposed: column j of Aᵀ is row j of A
                    }
                })
                .collect()
        })
        .collect();
    gram_schmidt(&mut columns)?;
    let mut out = vec![0.0; rows * cols];
    for (j, column) in columns.iter().enumerate() {
        for (i, &q) in column.iter().enumerate() {
            let index = if rows >= cols {
                i * cols + j
            } else {
                j * cols + i
            };
            out[index] = gain * q;
        }
    }
    write(tensor, &out)
}

/// Orthonormalises the columns in place (modified Gram–Schmidt, two passes).
fn gram_schmidt(columns: &mut [Vec<f64>]) -> Result<()> {
    for j in 0..columns.len() {
        let (done, rest) = columns.split_at_mut(j);
        let v = &mut rest[0];
        for _pass in 0..2 {
            for q in done.iter() {
                let dot: f64 = q.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
                for (vi, qi) in v.iter_mut().zip(q) {
                    *vi -= dot * qi;
                }
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm.is_nan() || norm <= 1e-300 {
            return Err(NnError::InvalidArgument(
                "orthogonal_: the random matrix was rank deficient (try another seed)".into(),
            ));
        }
        v.iter_mut().for_each(|x| *x /= norm);
    }
    Ok(())
}
