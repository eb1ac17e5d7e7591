//! Conversions from `f64` data rows to tensors, and accuracy of logits.

use myelin_tensor::{Element, Tensor};

use crate::data::{Batch, Dataset};
use crate::error::{NnError, Result};

/// `n` rows of `d` features (row-major `f64`) as an `[n, d]` tensor of `T`.
///
/// # Errors
/// [`NnError::Shape`] when `rows.len() ≠ n·d`.
///
/// ```
/// let t = myelin_nn::train::rows_to_tensor::<f32>(&[1.0, 2.0, 3.0, 4.0], 2, 2)?;
/// assert_eq!(t.shape(), &[2, 2]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn rows_to_tensor<T: Element>(rows: &[f64], n: usize, d: usize) -> Result<Tensor<T>> {
    if n.checked_mul(d) != Some(rows.len()) {
        return Err(NnError::Shape {
            op: "rows_to_tensor".into(),
            detail: format!("{} values cannot be {n} rows of {d} features", rows.len()),
        });
    }
    let values = rows.iter().map(|&v| T::from_f64(v)).collect();
    Ok(Tensor::from_vec(values, &[n, d])?)
}

/// A data set's features as an `[len, n_features]` tensor.
///
/// # Errors
/// Only if the data set were inconsistent.
///
/// ```
/// let data = myelin_nn::data::Dataset::new(vec![1.0, 2.0, 3.0, 4.0], vec![0, 1], 2, 2)?;
/// let x = myelin_nn::train::dataset_to_tensor::<f64>(&data)?;
/// assert_eq!(x.to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn dataset_to_tensor<T: Element>(data: &Dataset) -> Result<Tensor<T>> {
    rows_to_tensor(data.features(), data.len(), data.n_features())
}

/// A mini-batch's features as a `[len, n_features]` tensor.
///
/// # Errors
/// Only if the batch were inconsistent.
///
/// ```
/// use myelin_nn::data::{Dataset, MiniBatches};
/// let data = Dataset::new(vec![1.0, 2.0, 3.0], vec![0, 1, 0], 1, 2)?;
/// let batch = MiniBatches::new(2)?.epoch(&data, 0).next().unwrap();
/// assert_eq!(myelin_nn::train::batch_to_tensor::<f32>(&batch)?.shape(), &[2, 1]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn batch_to_tensor<T: Element>(batch: &Batch) -> Result<Tensor<T>> {
    rows_to_tensor(&batch.features, batch.len(), batch.n_features)
}

/// The fraction of rows of `[N, C]` logits whose arg-max equals the label.
///
/// # Errors
/// [`NnError::Shape`] for non-2-D logits, a label count ≠ N or N = 0.
///
/// ```
/// use myelin_tensor::Tensor;
/// let logits = Tensor::<f64>::from_vec(vec![0.1, 0.9, 0.8, 0.2], &[2, 2])?;
/// assert_eq!(myelin_nn::train::accuracy(&logits, &[1, 1])?, 0.5);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn accuracy<T: Element>(logits: &Tensor<T>, labels: &[usize]) -> Result<f64> {
    if logits.ndim() != 2 || logits.shape()[0] != labels.len() || labels.is_empty() {
        return Err(NnError::Shape {
            op: "accuracy".into(),
            detail: format!(
                "expected non-empty logits [N, C] and N labels, got {:?} and {} labels",
                logits.shape(),
                labels.len()
            ),
        });
    }
    Ok(correct(logits, labels)? as f64 / labels.len() as f64)
}

/// How many rows' arg-max equals the label.
pub(crate) fn correct<T: Element>(logits: &Tensor<T>, labels: &[usize]) -> Result<usize> {
    let predicted = logits.try_argmax(1)?;
    Ok(predicted.iter().zip(labels).filter(|(p, l)| p == l).count())
}
