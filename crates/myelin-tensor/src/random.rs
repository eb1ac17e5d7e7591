//! Seeded random tensors. The same seed gives the same numbers on every run, machine and
//! thread count: values are drawn sequentially from one ChaCha stream (`StdRng`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::shape::checked_numel;
use crate::tensor::Tensor;

/// A seeded random generator for the tensor constructors.
pub fn seeded_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

impl<T: Element> Tensor<T> {
    /// Standard normal entries.
    ///
    /// ```
    /// use myelin_tensor::{seeded_rng, Tensor};
    /// let a = Tensor::<f32>::randn(&[3], &mut seeded_rng(7));
    /// let b = Tensor::<f32>::randn(&[3], &mut seeded_rng(7));
    /// assert_eq!(a.to_vec(), b.to_vec());
    /// ```
    pub fn randn(shape: &[usize], rng: &mut impl Rng) -> Tensor<T> {
        Tensor::normal(shape, 0.0, 1.0, rng)
    }

    /// Normal entries with the given mean and standard deviation.
    pub fn normal(shape: &[usize], mean: f64, std: f64, rng: &mut impl Rng) -> Tensor<T> {
        let n = or_panic(checked_numel::<T>("normal", shape));
        let data = (0..n)
            .map(|_| {
                let z: f64 = StandardNormal.sample(rng);
                T::from_f64(mean + std * z)
            })
            .collect();
        Tensor::from_data(data, shape)
    }

    /// Uniform entries in `[0, 1)`.
    pub fn rand(shape: &[usize], rng: &mut impl Rng) -> Tensor<T> {
        or_panic(Tensor::uniform(shape, 0.0, 1.0, rng))
    }

    /// Uniform entries in `[low, high)`; errors if `low > high` or a bound is not finite.
    pub fn uniform(shape: &[usize], low: f64, high: f64, rng: &mut impl Rng) -> Result<Tensor<T>> {
        if low > high || !low.is_finite() || !high.is_finite() {
            return Err(TensorError::InvalidArgument {
                op: "uniform",
                detail: format!("need finite low <= high, got [{low}, {high})"),
            });
        }
        let n = checked_numel::<T>("uniform", shape)?;
        let data = (0..n)
            .map(|_| T::from_f64(low + (high - low) * rng.gen::<f64>()))
            .collect();
        Ok(Tensor::from_data(data, shape))
    }

    /// Standard normal entries from a fresh generator seeded with `seed`.
    pub fn randn_seeded(shape: &[usize], seed: u64) -> Tensor<T> {
        Tensor::randn(shape, &mut seeded_rng(seed))
    }
}
