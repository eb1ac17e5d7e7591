//! Mini-batch iteration with seeded, per-epoch shuffling.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::dataset::Dataset;
use crate::error::{NnError, Result};

/// How to cut a data set into mini-batches each epoch.
///
/// With [`shuffle`](Self::shuffle), epoch `e` visits the samples in an order
/// drawn from ChaCha8 seeded by `seed` on stream `e`: the same for the same
/// `(seed, epoch)` on every machine, different between epochs.
///
/// ```
/// use myelin_nn::data::{Dataset, MiniBatches};
///
/// let ds = Dataset::new((0..10).map(f64::from).collect(), vec![0; 10], 1, 1)?;
/// let mb = MiniBatches::new(4)?.shuffle(7);
/// let sizes: Vec<usize> = mb.epoch(&ds, 0).map(|b| b.len()).collect();
/// assert_eq!(sizes, vec![4, 4, 2]);
/// let dropped = mb.drop_last(true);
/// assert_eq!(dropped.epoch(&ds, 0).len(), 2);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MiniBatches {
    batch_size: usize,
    drop_last: bool,
    seed: Option<u64>,
}

impl MiniBatches {
    /// Batches of `batch_size` samples, in data order, last partial batch kept.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `batch_size` is 0.
    pub fn new(batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(NnError::InvalidArgument(
                "batch size must be at least 1".into(),
            ));
        }
        Ok(Self {
            batch_size,
            drop_last: false,
            seed: None,
        })
    }

    /// Shuffles each epoch, deterministically from `(seed, epoch)`.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Whether to drop the last batch when it is smaller than the batch size.
    pub fn drop_last(mut self, drop: bool) -> Self {
        self.drop_last = drop;
        self
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Number of batches per epoch for `n` samples.
    pub fn num_batches(&self, n: usize) -> usize {
        if self.drop_last {
            n / self.batch_size
        } else {
            n.div_ceil(self.batch_size)
        }
    }

    /// The order in which epoch `epoch` visits samples `0..n`.
    pub fn order(&self, n: usize, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        if let Some(seed) = self.seed {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(epoch);
            order.shuffle(&mut rng);
        }
        order
    }

    /// The index batches of epoch `epoch` for `n` samples.
    ///
    /// ```
    /// use myelin_nn::data::MiniBatches;
    ///
    /// let batches = MiniBatches::new(2)?.index_batches(5, 0);
    /// assert_eq!(batches, vec![vec![0, 1], vec![2, 3], vec![4]]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    pub fn index_batches(&self, n: usize, epoch: u64) -> Vec<Vec<usize>> {
        self.order(n, epoch)
            .chunks(self.batch_size)
            .take(self.num_batches(n))
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// Iterates over the batches of epoch `epoch` of `data`.
    pub fn epoch<'a>(&self, data: &'a Dataset, epoch: u64) -> BatchIter<'a> {
        let order = self.order(data.len(), epoch);
        let end = self.num_batches(data.len()) * self.batch_size;
        BatchIter {
            data,
            end: end.min(order.len()),
            order,
            batch_size: self.batch_size,
            pos: 0,
        }
    }
}

/// One mini-batch: the sample indices and their gathered rows and labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Indices of the samples in the data set.
    pub indices: Vec<usize>,
    /// Their features, row-major (`len() * n_features` values).
    pub features: Vec<f64>,
    /// Their labels.
    pub labels: Vec<usize>,
    /// Features per sample.
    pub n_features: usize,
}

impl Batch {
    /// Number of samples in the batch.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the batch is empty (never true for batches from [`BatchIter`]).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features of the `i`-th sample of the batch.
    pub fn row(&self, i: usize) -> Option<&[f64]> {
        let start = i.checked_mul(self.n_features)?;
        self.features
            .get(start..start.checked_add(self.n_features)?)
    }
}

/// Iterator over one epoch's [`Batch`]es; see [`MiniBatches::epoch`].
#[derive(Debug, Clone)]
pub struct BatchIter<'a> {
    data: &'a Dataset,
    order: Vec<usize>,
    batch_size: usize,
    end: usize,
    pos: usize,
}

impl Iterator for BatchIter<'_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.pos >= self.end {
            return None;
        }
        let stop = (self.pos + self.batch_size).min(self.end);
        let indices = self.order[self.pos..stop].to_vec();
        self.pos = stop;
        let mut features = Vec::new();
        let mut labels = Vec::new();
        // The order is a permutation of 0..len, so every index is in range.
        self.data
            .gather(&indices, &mut features, &mut labels)
            .ok()?;
        Some(Batch {
            indices,
            features,
            labels,
            n_features: self.data.n_features(),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.end - self.pos).div_ceil(self.batch_size);
        (left, Some(left))
    }
}

impl ExactSizeIterator for BatchIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize) -> Dataset {
        let f = (0..n * 2).map(|v| v as f64).collect();
        let l = (0..n).map(|i| i % 3).collect();
        Dataset::new(f, l, 2, 3).unwrap()
    }

    fn is_permutation(order: &[usize], n: usize) -> bool {
        let mut s = order.to_vec();
        s.sort_unstable();
        s == (0..n).collect::<Vec<_>>()
    }

    #[test]
    fn zero_batch_size_is_rejected() {
        assert!(matches!(
            MiniBatches::new(0),
            Err(NnError::InvalidArgument(_))
        ));
    }

    #[test]
    fn unshuffled_batches_are_in_order_with_partial_last() {
        let mb = MiniBatches::new(3).unwrap();
        assert_eq!(mb.order(7, 5), (0..7).collect::<Vec<_>>());
        assert_eq!(
            mb.index_batches(7, 0),
            vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]
        );
        assert_eq!(mb.num_batches(7), 3);
        let dropped = mb.drop_last(true);
        assert_eq!(dropped.num_batches(7), 2);
        assert_eq!(
            dropped.index_batches(7, 0),
            vec![vec![0, 1, 2], vec![3, 4, 5]]
        );
        assert_eq!(dropped.index_batches(6, 0).len(), 2);
        assert!(dropped.index_batches(2, 0).is_empty());
        assert!(mb.index_batches(0, 0).is_empty());
    }

    #[test]
    fn shuffling_is_deterministic_per_seed_and_epoch() {
        let mb = MiniBatches::new(4).unwrap().shuffle(11);
        let e0 = mb.order(50, 0);
        let e1 = mb.order(50, 1);
        assert!(is_permutation(&e0, 50) && is_permutation(&e1, 50));
        assert_ne!(e0, (0..50).collect::<Vec<_>>());
        assert_ne!(e0, e1);
        assert_eq!(mb.order(50, 1), e1);
        assert_eq!(MiniBatches::new(9).unwrap().shuffle(11).order(50, 1), e1);
        assert_ne!(MiniBatches::new(4).unwrap().shuffle(12).order(50, 1), e1);
        // ChaCha8 is portable: pin one order so a change of generator is noticed.
        let pinned = MiniBatches::new(2).unwrap().shuffle(5).order(8, 3);
        assert_eq!(pinned, vec![4, 1, 0, 3, 5, 2, 7, 6]);
    }

    #[test]
    fn epoch_batches_gather_the_right_rows() {
        let ds = data(10);
        let mb = MiniBatches::new(4).unwrap().shuffle(3);
        let it = mb.epoch(&ds, 2);
        assert_eq!(it.len(), 3);
        let batches: Vec<Batch> = it.collect();
        let seen: Vec<usize> = batches.iter().flat_map(|b| b.indices.clone()).collect();
        assert_eq!(seen, mb.order(10, 2));
        for b in &batches {
            assert_eq!(b.features.len(), b.len() * 2);
            for (k, &i) in b.indices.iter().enumerate() {
                assert_eq!(b.row(k), ds.row(i));
                assert_eq!(b.labels[k], ds.labels()[i]);
            }
        }
        assert_eq!(batches[2].len(), 2);
        assert_eq!(batches[0].row(4), None);
    }

    #[test]
    fn drop_last_epoch_skips_the_partial_batch() {
        let ds = data(10);
        let mb = MiniBatches::new(4).unwrap().shuffle(3).drop_last(true);
        let mut it = mb.epoch(&ds, 0);
        assert_eq!(it.len(), 2);
        assert_eq!(it.next().map(|b| b.len()), Some(4));
        assert_eq!(it.len(), 1);
        assert_eq!(it.next().map(|b| b.len()), Some(4));
        assert!(it.next().is_none());
        assert_eq!(it.len(), 0);
    }
}
