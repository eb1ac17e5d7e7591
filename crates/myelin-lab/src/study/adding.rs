//! The adding problem (Hochreiter & Schmidhuber 1997, experiment 4), generated in code and
//! seeded: a sequence of `T` pairs `(value, marker)` with values from U(0, 1) and exactly
//! two markers, one in each half; the target is the sum of the two marked values. The
//! first marked value has to be carried across at least `T/2` steps, which is what
//! vanishing gradients through time make hard.
//!
//! Accuracy is the fraction of sequences answered within [`TOLERANCE`] of the target (the
//! original paper's criterion); always answering the mean 1.0 scores about 8%.

use myelin_tensor::{Element, Tensor};

use crate::probe::derive_seed;

/// An answer counts as correct when `|prediction − target| < TOLERANCE`.
pub const TOLERANCE: f64 = 0.04;

/// SplitMix64, enough for synthetic data.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn index(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo) as u64) as usize
    }
}

/// `n` sequences of length `t`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddingSet {
    /// Sequence length.
    pub steps: usize,
    /// `values[s * t + step]` and `markers[…]` of sequence `s`.
    pub values: Vec<f64>,
    /// 1 at the two marked steps, else 0.
    pub markers: Vec<f64>,
    /// The sum of the two marked values of each sequence.
    pub targets: Vec<f64>,
}

impl AddingSet {
    /// `n` sequences of length `steps ≥ 2`, deterministic in `seed`.
    pub fn generate(n: usize, steps: usize, seed: u64) -> Self {
        let steps = steps.max(2);
        let mut rng = SplitMix(seed);
        let mut values = vec![0.0; n * steps];
        let mut markers = vec![0.0; n * steps];
        let mut targets = vec![0.0; n];
        for s in 0..n {
            let first = rng.index(0, steps / 2);
            let second = rng.index(steps / 2, steps);
            for step in 0..steps {
                let v = rng.uniform();
                values[s * steps + step] = v;
                if step == first || step == second {
                    markers[s * steps + step] = 1.0;
                    targets[s] += v;
                }
            }
        }
        Self {
            steps,
            values,
            markers,
            targets,
        }
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The sequences `rows` as one `[rows, 2]` tensor per step, and the targets `[rows, 1]`.
    pub fn tensors<T: Element>(&self, rows: &[usize]) -> (Vec<Tensor<T>>, Tensor<T>) {
        let t = self.steps;
        let steps = (0..t)
            .map(|step| {
                let data: Vec<T> = rows
                    .iter()
                    .flat_map(|&s| {
                        [
                            T::from_f64(self.values[s * t + step]),
                            T::from_f64(self.markers[s * t + step]),
                        ]
                    })
                    .collect();
                Tensor::from_vec(data, &[rows.len(), 2]).expect("sizes match")
            })
            .collect();
        let y: Vec<T> = rows.iter().map(|&s| T::from_f64(self.targets[s])).collect();
        (
            steps,
            Tensor::from_vec(y, &[rows.len(), 1]).expect("sizes match"),
        )
    }
}

/// Train, validation and test sets of one sequence length.
#[derive(Debug, Clone, PartialEq)]
pub struct AddingData {
    /// Training sequences.
    pub train: AddingSet,
    /// Validation sequences.
    pub validation: AddingSet,
    /// Test sequences.
    pub test: AddingSet,
}

impl AddingData {
    /// `train` training sequences and `eval` each for validation and test, of length
    /// `steps`; the three sets come from independent streams of `seed`.
    pub fn generate(train: usize, eval: usize, steps: usize, seed: u64) -> Self {
        Self {
            train: AddingSet::generate(train, steps, derive_seed(seed, 1)),
            validation: AddingSet::generate(eval, steps, derive_seed(seed, 2)),
            test: AddingSet::generate(eval, steps, derive_seed(seed, 3)),
        }
    }
}

/// The fraction of predictions within [`TOLERANCE`] of their targets.
pub fn tolerance_accuracy(predictions: &[f64], targets: &[f64]) -> f64 {
    if targets.is_empty() {
        return 0.0;
    }
    predictions
        .iter()
        .zip(targets)
        .filter(|(p, y)| (*p - *y).abs() < TOLERANCE)
        .count() as f64
        / targets.len() as f64
}

/// The mini-batches of one epoch: a seeded permutation of `0..n` cut into `batch` rows.
pub fn epoch_batches(n: usize, batch: usize, seed: u64, epoch: u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix(derive_seed(seed, 0x1000 + epoch));
    for i in (1..n).rev() {
        let j = rng.index(0, i + 1);
        order.swap(i, j);
    }
    order.chunks(batch.max(1)).map(<[usize]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_have_one_marker_per_half_and_the_marked_sum() {
        let set = AddingSet::generate(50, 10, 3);
        assert_eq!(set, AddingSet::generate(50, 10, 3), "seeded");
        for s in 0..50 {
            let m = &set.markers[s * 10..s * 10 + 10];
            assert_eq!(m[..5].iter().sum::<f64>(), 1.0);
            assert_eq!(m[5..].iter().sum::<f64>(), 1.0);
            let sum: f64 = (0..10)
                .map(|k| set.values[s * 10 + k] * set.markers[s * 10 + k])
                .sum();
            assert!((sum - set.targets[s]).abs() < 1e-12);
        }
        let (steps, y) = set.tensors::<f64>(&[2, 0]);
        assert_eq!(steps.len(), 10);
        assert_eq!(steps[0].shape(), &[2, 2]);
        assert_eq!(y.to_vec(), vec![set.targets[2], set.targets[0]]);
        // Always answering the mean: about 8% within 0.04 (P(|U+U−1| < 0.04) = 0.0784).
        let big = AddingSet::generate(20000, 4, 1);
        let acc = tolerance_accuracy(&vec![1.0; big.len()], &big.targets);
        assert!((acc - 0.0784).abs() < 0.01, "{acc}");
    }

    #[test]
    fn epoch_batches_are_a_seeded_permutation() {
        let b = epoch_batches(10, 4, 1, 1);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
        let mut all: Vec<usize> = b.concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(b, epoch_batches(10, 4, 1, 1));
        assert_ne!(b, epoch_batches(10, 4, 1, 2));
    }
}
