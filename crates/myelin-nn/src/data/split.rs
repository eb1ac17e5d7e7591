//! Reproducible train/validation/test splits.
//!
//! Shuffling uses ChaCha8 seeded with [`rand::SeedableRng::seed_from_u64`],
//! so a given seed gives the same split on every machine.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::dataset::Dataset;
use crate::error::{NnError, Result};

/// How to split: the three fractions (non-negative, summing to 1), whether
/// to stratify by class, and the seed.
///
/// ```
/// use myelin_nn::data::{digits, split, SplitConfig};
///
/// let ds = digits()?;
/// let parts = split(&ds, &SplitConfig::new(0.7, 0.15, 0.15).stratified().seed(42))?;
/// assert_eq!(parts.train.len() + parts.validation.len() + parts.test.len(), ds.len());
/// assert_eq!(parts.train.len(), 1258); // round(0.7 * 1797)
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitConfig {
    /// Fraction of samples for training.
    pub train: f64,
    /// Fraction of samples for validation.
    pub validation: f64,
    /// Fraction of samples for testing.
    pub test: f64,
    /// Keep each class's proportions (to within about a sample) in every part.
    pub stratified: bool,
    /// Seed of the shuffle.
    pub seed: u64,
}

impl SplitConfig {
    /// Fractions for the three parts; not stratified, seed 0.
    pub fn new(train: f64, validation: f64, test: f64) -> Self {
        Self {
            train,
            validation,
            test,
            stratified: false,
            seed: 0,
        }
    }

    /// Turns stratification on.
    pub fn stratified(mut self) -> Self {
        self.stratified = true;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn fractions(&self) -> Result<[f64; 3]> {
        let f = [self.train, self.validation, self.test];
        if f.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err(NnError::InvalidArgument(format!(
                "split fractions must be finite and non-negative, got {f:?}"
            )));
        }
        let sum: f64 = f.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            return Err(NnError::InvalidArgument(format!(
                "split fractions must sum to 1, got {f:?} (sum {sum})"
            )));
        }
        Ok(f)
    }
}

/// Sample indices of the three parts (disjoint, together `0..n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitIndices {
    /// Training indices.
    pub train: Vec<usize>,
    /// Validation indices.
    pub validation: Vec<usize>,
    /// Test indices.
    pub test: Vec<usize>,
}

/// The three parts of a data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Training part.
    pub train: Dataset,
    /// Validation part.
    pub validation: Dataset,
    /// Test part.
    pub test: Dataset,
}

/// Splits a data set into train, validation and test parts.
///
/// The part sizes are `n * fraction` rounded so that they sum to `n`
/// (largest remainder). Each part is in shuffled order.
///
/// # Errors
/// [`NnError::InvalidArgument`] for fractions that are negative, not finite,
/// or do not sum to 1.
pub fn split(dataset: &Dataset, config: &SplitConfig) -> Result<Split> {
    let idx = split_indices(dataset.labels(), config)?;
    Ok(Split {
        train: dataset.subset(&idx.train)?,
        validation: dataset.subset(&idx.validation)?,
        test: dataset.subset(&idx.test)?,
    })
}

/// Splits the indices `0..labels.len()`; see [`split`]. Labels are only
/// used when stratifying.
///
/// # Errors
/// As for [`split`].
pub fn split_indices(labels: &[usize], config: &SplitConfig) -> Result<SplitIndices> {
    let fractions = config.fractions()?;
    let n = labels.len();
    let targets = part_sizes(n, &fractions);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);

    let mut order: Vec<usize> = (0..n).collect();
    let mut parts: [Vec<usize>; 3] = Default::default();
    if config.stratified {
        // Shuffle, then sort stably by class: classes become contiguous runs
        // in random order inside. Dealing the run out evenly over the parts
        // gives every class (nearly) the target proportions.
        order.shuffle(&mut rng);
        order.sort_by_key(|&i| labels[i]);
        for (slot, part) in deal(n, &targets).into_iter().zip(order) {
            parts[slot].push(part);
        }
        for p in &mut parts {
            p.shuffle(&mut rng);
        }
    } else {
        order.shuffle(&mut rng);
        let mut rest = order.as_slice();
        for (p, &t) in parts.iter_mut().zip(&targets) {
            let (head, tail) = rest.split_at(t);
            *p = head.to_vec();
            rest = tail;
        }
    }
    let [train, validation, test] = parts;
    Ok(SplitIndices {
        train,
        validation,
        test,
    })
}

/// Part sizes summing to `n`, by the largest-remainder method.
fn part_sizes(n: usize, fractions: &[f64; 3]) -> [usize; 3] {
    let exact = fractions.map(|f| f * n as f64);
    let mut sizes = exact.map(|e| (e.floor() as usize).min(n));
    while sizes.iter().sum::<usize>() > n {
        // Only reachable through rounding of fractions summing to 1 + 1e-9.
        let big = (0..3).max_by_key(|&i| sizes[i]).unwrap_or(0);
        sizes[big] -= 1;
    }
    let mut by_remainder = [0, 1, 2];
    by_remainder.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra)
    });
    let mut left = n - sizes.iter().sum::<usize>();
    for &i in by_remainder.iter().cycle() {
        if left == 0 {
            break;
        }
        sizes[i] += 1;
        left -= 1;
    }
    sizes
}

/// For positions `0..n`, which part each goes to, so that every prefix (and
/// hence every contiguous run) holds the parts in nearly the target ratio
/// and the totals equal `targets` exactly.
fn deal(n: usize, targets: &[usize; 3]) -> Vec<usize> {
    let mut given = [0usize; 3];
    let mut slots = Vec::with_capacity(n);
    for j in 0..n {
        // The part furthest behind its ideal count `target * (j + 1) / n`.
        let score = |s: usize| targets[s] as i128 * (j as i128 + 1) - given[s] as i128 * n as i128;
        let best = (0..3).filter(|&s| given[s] < targets[s]).fold(
            None,
            |best: Option<usize>, s| match best {
                Some(b) if score(b) >= score(s) => Some(b),
                _ => Some(s),
            },
        );
        // `targets` sums to `n`, so some part still has room.
        let s = best.unwrap_or(0);
        given[s] += 1;
        slots.push(s);
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(counts: &[usize]) -> Vec<usize> {
        // Interleaved so that class order is not the index order.
        let mut out = Vec::new();
        let mut left = counts.to_vec();
        while left.iter().any(|&c| c > 0) {
            for (c, l) in left.iter_mut().enumerate() {
                if *l > 0 {
                    out.push(c);
                    *l -= 1;
                }
            }
        }
        out
    }

    fn check_partition(idx: &SplitIndices, n: usize) {
        let mut all: Vec<usize> = idx
            .train
            .iter()
            .chain(&idx.validation)
            .chain(&idx.test)
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn sizes_use_largest_remainder() {
        assert_eq!(part_sizes(10, &[0.7, 0.2, 0.1]), [7, 2, 1]);
        assert_eq!(part_sizes(1797, &[0.7, 0.15, 0.15]), [1258, 270, 269]);
        assert_eq!(part_sizes(3, &[1.0 / 3.0; 3]), [1, 1, 1]);
        assert_eq!(part_sizes(0, &[0.5, 0.5, 0.0]), [0, 0, 0]);
        assert_eq!(part_sizes(5, &[1.0, 0.0, 0.0]), [5, 0, 0]);
    }

    #[test]
    fn split_is_a_deterministic_partition() {
        let y = labels(&[30, 50, 20]);
        let cfg = SplitConfig::new(0.6, 0.2, 0.2).seed(7);
        let a = split_indices(&y, &cfg).unwrap();
        check_partition(&a, 100);
        assert_eq!(
            (a.train.len(), a.validation.len(), a.test.len()),
            (60, 20, 20)
        );
        assert_eq!(split_indices(&y, &cfg).unwrap(), a);
        let b = split_indices(&y, &cfg.seed(8)).unwrap();
        assert_ne!(a, b);
        // Shuffled, not the identity order.
        assert_ne!(a.train, (0..60).collect::<Vec<_>>());
    }

    #[test]
    fn seed_gives_a_fixed_split_on_every_machine() {
        // ChaCha8 is portable; pin one result so a change of generator or
        // algorithm is noticed.
        let y = vec![0; 10];
        let a = split_indices(&y, &SplitConfig::new(0.5, 0.3, 0.2).seed(1)).unwrap();
        assert_eq!(a.train, vec![8, 7, 2, 0, 4]);
        assert_eq!(a.validation, vec![6, 1, 3]);
        assert_eq!(a.test, vec![9, 5]);
    }

    #[test]
    fn stratified_keeps_class_proportions_in_every_part() {
        let counts = [97, 13, 250, 41, 5];
        let y = labels(&counts);
        let fr = [0.6, 0.25, 0.15];
        for seed in 0..20 {
            let cfg = SplitConfig::new(fr[0], fr[1], fr[2])
                .stratified()
                .seed(seed);
            let idx = split_indices(&y, &cfg).unwrap();
            check_partition(&idx, y.len());
            assert_eq!(
                [idx.train.len(), idx.validation.len(), idx.test.len()],
                part_sizes(y.len(), &fr)
            );
            for (part, f) in [&idx.train, &idx.validation, &idx.test].into_iter().zip(fr) {
                for (c, &nc) in counts.iter().enumerate() {
                    let got = part.iter().filter(|&&i| y[i] == c).count() as f64;
                    let want = f * nc as f64;
                    assert!(
                        (got - want).abs() <= 2.0,
                        "seed {seed}: class {c} has {got} in a part, want about {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn stratified_small_classes_still_reach_every_part() {
        // 10 classes of 3: per-class rounding alone would give 3/0/0.
        let y = labels(&[3; 10]);
        let idx = split_indices(&y, &SplitConfig::new(0.8, 0.1, 0.1).stratified()).unwrap();
        assert_eq!(
            (idx.train.len(), idx.validation.len(), idx.test.len()),
            (24, 3, 3)
        );
        check_partition(&idx, 30);
    }

    #[test]
    fn stratified_parts_are_shuffled_not_grouped_by_class() {
        let y = labels(&[50, 50]);
        let idx = split_indices(&y, &SplitConfig::new(1.0, 0.0, 0.0).stratified()).unwrap();
        let classes: Vec<usize> = idx.train.iter().map(|&i| y[i]).collect();
        let mut sorted = classes.clone();
        sorted.sort_unstable();
        assert_ne!(classes, sorted);
    }

    #[test]
    fn bad_fractions_are_rejected() {
        for cfg in [
            SplitConfig::new(0.5, 0.5, 0.5),
            SplitConfig::new(1.2, -0.2, 0.0),
            SplitConfig::new(f64::NAN, 0.5, 0.5),
            SplitConfig::new(0.5, 0.2, 0.2),
        ] {
            assert!(matches!(
                split_indices(&[0, 1], &cfg),
                Err(NnError::InvalidArgument(_))
            ));
        }
    }

    #[test]
    fn split_builds_datasets_matching_the_indices() {
        let ds = Dataset::new((0..20).map(f64::from).collect(), labels(&[5, 5]), 2, 2).unwrap();
        let cfg = SplitConfig::new(0.6, 0.2, 0.2).seed(3);
        let parts = split(&ds, &cfg).unwrap();
        let idx = split_indices(ds.labels(), &cfg).unwrap();
        assert_eq!(parts.train, ds.subset(&idx.train).unwrap());
        assert_eq!(parts.test, ds.subset(&idx.test).unwrap());
        assert_eq!(parts.validation.len(), 2);
    }
}
