//! [`Dataset`]: a dense, labelled, tabular data set.

use crate::error::{NnError, Result};

/// The largest number of classes a [`Dataset`] may declare.
///
/// Loaders refuse class ids at or above this bound, so a hostile file cannot
/// make [`Dataset::class_counts`] allocate a huge vector.
pub const MAX_CLASSES: usize = 1 << 20;

/// A dense tabular data set for classification.
///
/// Features are stored row-major: sample `i` occupies
/// `features[i * n_features .. (i + 1) * n_features]`. Every label is a class
/// id below `n_classes`. The constructor checks these invariants, so every
/// `Dataset` value satisfies them.
///
/// ```
/// use myelin_nn::data::Dataset;
///
/// let ds = Dataset::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![0, 1, 1], 2, 2)?;
/// assert_eq!(ds.len(), 3);
/// assert_eq!(ds.row(1), Some(&[3.0, 4.0][..]));
/// assert_eq!(ds.class_counts(), vec![1, 2]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Vec<f64>,
    labels: Vec<usize>,
    n_features: usize,
    n_classes: usize,
    feature_names: Option<Vec<String>>,
    class_names: Option<Vec<String>>,
}

impl Dataset {
    /// Builds a data set from row-major `features` and one label per row.
    ///
    /// # Errors
    /// [`NnError::InvalidDataset`] when `n_features` is zero, when
    /// `features.len() != labels.len() * n_features`, when `n_classes`
    /// exceeds [`MAX_CLASSES`], or when a label is `>= n_classes`.
    pub fn new(
        features: Vec<f64>,
        labels: Vec<usize>,
        n_features: usize,
        n_classes: usize,
    ) -> Result<Self> {
        if n_features == 0 {
            return Err(invalid("a data set needs at least one feature".into()));
        }
        let expected = labels.len().checked_mul(n_features).ok_or_else(|| {
            invalid(format!(
                "{} samples x {n_features} features overflows",
                labels.len()
            ))
        })?;
        if features.len() != expected {
            return Err(invalid(format!(
                "{} feature values for {} samples x {n_features} features (expected {expected})",
                features.len(),
                labels.len()
            )));
        }
        if n_classes > MAX_CLASSES {
            return Err(invalid(format!(
                "{n_classes} classes exceeds the limit of {MAX_CLASSES}"
            )));
        }
        if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l >= n_classes) {
            return Err(invalid(format!(
                "label {l} of sample {i} is not below n_classes = {n_classes}"
            )));
        }
        Ok(Self {
            features,
            labels,
            n_features,
            n_classes,
            feature_names: None,
            class_names: None,
        })
    }

    /// Attaches one name per feature column.
    ///
    /// # Errors
    /// [`NnError::InvalidDataset`] when the count differs from
    /// [`n_features`](Self::n_features).
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.n_features {
            return Err(invalid(format!(
                "{} feature names for {} features",
                names.len(),
                self.n_features
            )));
        }
        self.feature_names = Some(names);
        Ok(self)
    }

    /// Attaches one name per class: `names[id]` is the name of class `id`.
    ///
    /// # Errors
    /// [`NnError::InvalidDataset`] when the count differs from
    /// [`n_classes`](Self::n_classes).
    pub fn with_class_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.n_classes {
            return Err(invalid(format!(
                "{} class names for {} classes",
                names.len(),
                self.n_classes
            )));
        }
        self.class_names = Some(names);
        Ok(self)
    }

    /// Number of samples (rows).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the data set has no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of features (columns) per sample.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of classes; every label is below it.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// All features, row-major (`len() * n_features()` values).
    pub fn features(&self) -> &[f64] {
        &self.features
    }

    /// All features, mutable (for in-place transforms such as standardising).
    pub fn features_mut(&mut self) -> &mut [f64] {
        &mut self.features
    }

    /// All labels, one per sample.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Feature names, when the source had them.
    pub fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    /// Class names (`names[id]` names class `id`), when labels were strings.
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// Takes the data set apart into its row-major features and its labels
    /// (for handing the buffers to a tensor without copying).
    pub fn into_parts(self) -> (Vec<f64>, Vec<usize>) {
        (self.features, self.labels)
    }

    /// The features of sample `i`, or `None` when `i >= len()`.
    pub fn row(&self, i: usize) -> Option<&[f64]> {
        let start = i.checked_mul(self.n_features)?;
        self.features.get(start..start + self.n_features)
    }

    /// The label of sample `i`, or `None` when `i >= len()`.
    pub fn label(&self, i: usize) -> Option<usize> {
        self.labels.get(i).copied()
    }

    /// Iterates over `(features, label)` pairs in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[f64], usize)> + '_ {
        self.features
            .chunks_exact(self.n_features)
            .zip(self.labels.iter().copied())
    }

    /// A new data set holding the given samples, in the given order
    /// (indices may repeat). Names are kept.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when an index is out of range.
    pub fn subset(&self, indices: &[usize]) -> Result<Dataset> {
        let mut features = Vec::new();
        let mut labels = Vec::new();
        self.gather(indices, &mut features, &mut labels)?;
        Ok(Dataset {
            features,
            labels,
            n_features: self.n_features,
            n_classes: self.n_classes,
            feature_names: self.feature_names.clone(),
            class_names: self.class_names.clone(),
        })
    }

    /// Clears `features` and `labels`, then appends the rows and labels of
    /// the given samples (for filling reusable batch buffers).
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when an index is out of range; the
    /// buffers are left cleared.
    pub fn gather(
        &self,
        indices: &[usize],
        features: &mut Vec<f64>,
        labels: &mut Vec<usize>,
    ) -> Result<()> {
        features.clear();
        labels.clear();
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(NnError::InvalidArgument(format!(
                "sample index {bad} is out of range for a data set of {} samples",
                self.len()
            )));
        }
        features.reserve(indices.len() * self.n_features);
        labels.reserve(indices.len());
        for &i in indices {
            let start = i * self.n_features;
            features.extend_from_slice(&self.features[start..start + self.n_features]);
            labels.push(self.labels[i]);
        }
        Ok(())
    }

    /// Number of samples in each class: `counts[c]` for `c < n_classes()`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_classes];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }
}

fn invalid(message: String) -> NnError {
    NnError::InvalidDataset(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Dataset {
        // 4 samples x 3 features, 3 classes.
        let f = (0..12).map(f64::from).collect();
        Dataset::new(f, vec![2, 0, 2, 1], 3, 3).unwrap()
    }

    #[test]
    fn accessors_follow_row_major_layout() {
        let ds = small();
        assert_eq!(ds.len(), 4);
        assert!(!ds.is_empty());
        assert_eq!(ds.n_features(), 3);
        assert_eq!(ds.n_classes(), 3);
        assert_eq!(ds.row(0), Some(&[0.0, 1.0, 2.0][..]));
        assert_eq!(ds.row(3), Some(&[9.0, 10.0, 11.0][..]));
        assert_eq!(ds.row(4), None);
        assert_eq!(ds.row(usize::MAX), None);
        assert_eq!(ds.label(2), Some(2));
        assert_eq!(ds.label(4), None);
        let rows: Vec<_> = ds.iter().map(|(r, l)| (r[0], l)).collect();
        assert_eq!(rows, vec![(0.0, 2), (3.0, 0), (6.0, 2), (9.0, 1)]);
        let (f, l) = ds.into_parts();
        assert_eq!(f.len(), 12);
        assert_eq!(f[11], 11.0);
        assert_eq!(l, vec![2, 0, 2, 1]);
    }

    #[test]
    fn class_counts_counts_each_class_including_empty_ones() {
        let ds = Dataset::new(vec![0.0; 3], vec![0, 3, 0], 1, 5).unwrap();
        assert_eq!(ds.class_counts(), vec![2, 0, 0, 1, 0]);
    }

    #[test]
    fn subset_picks_rows_in_order_and_keeps_names() {
        let ds = small()
            .with_feature_names(vec!["a".into(), "b".into(), "c".into()])
            .unwrap();
        let s = ds.subset(&[3, 1, 3]).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(
            s.features(),
            &[9.0, 10.0, 11.0, 3.0, 4.0, 5.0, 9.0, 10.0, 11.0]
        );
        assert_eq!(s.labels(), &[1, 0, 1]);
        assert_eq!(s.feature_names().unwrap()[2], "c");
        assert_eq!(s.n_classes(), 3);
        assert!(ds.subset(&[]).unwrap().is_empty());
    }

    #[test]
    fn subset_rejects_out_of_range_index() {
        let err = small().subset(&[0, 4]).unwrap_err();
        assert!(matches!(err, NnError::InvalidArgument(ref m) if m.contains("index 4")));
    }

    #[test]
    fn new_rejects_inconsistent_parts() {
        assert!(Dataset::new(vec![0.0; 5], vec![0, 0], 3, 1).is_err());
        assert!(Dataset::new(vec![], vec![], 0, 1).is_err());
        let err = Dataset::new(vec![0.0; 2], vec![0, 2], 1, 2).unwrap_err();
        assert!(err.to_string().contains("label 2 of sample 1"));
        assert!(Dataset::new(vec![], vec![], 1, MAX_CLASSES + 1).is_err());
        assert!(Dataset::new(vec![], vec![], 1, 0).is_ok());
    }

    #[test]
    fn names_must_match_counts() {
        assert!(small().with_feature_names(vec!["a".into()]).is_err());
        assert!(small().with_class_names(vec!["x".into()]).is_err());
        let ds = small()
            .with_class_names(vec!["x".into(), "y".into(), "z".into()])
            .unwrap();
        assert_eq!(ds.class_names().unwrap()[1], "y");
    }

    #[test]
    fn gather_fills_buffers_and_clears_on_error() {
        let ds = small();
        let mut f = vec![99.0];
        let mut l = vec![99];
        ds.gather(&[1], &mut f, &mut l).unwrap();
        assert_eq!(f, vec![3.0, 4.0, 5.0]);
        assert_eq!(l, vec![0]);
        assert!(ds.gather(&[9], &mut f, &mut l).is_err());
        assert!(f.is_empty() && l.is_empty());
    }
}
