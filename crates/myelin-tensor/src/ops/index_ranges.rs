//! Indexing by ranges and integers, recorded for autodiff: `t.i((.., 1..3))` is
//! PyTorch's `t[:, 1:3]`, `t.i((0, ..))` is `t[0, :]` (the integer removes its
//! dimension), `t.i(2..)` is `t[2:]`.
//!
//! Each range becomes a [`Tensor::try_narrow`] (a view) and each integer a narrow to one
//! entry followed by one reshape that drops those dimensions, so the gradient lands in
//! the indexed block and gradients of any order work. Dimensions left out at the end
//! are taken whole, as in PyTorch.
//!
//! Deviations: no steps (`::2`), no negative indices and no `None`/`...`; an index past
//! the end is an error naming the dimension (PyTorch clamps slice bounds silently).
//!
//! ```
//! use myelin_tensor::Tensor;
//! let t = Tensor::<f64>::arange(0.0, 12.0, 1.0).unwrap().reshape(&[3, 4]).requires_grad_(true);
//! assert_eq!(t.i((.., 1..3)).to_vec(), vec![1.0, 2.0, 5.0, 6.0, 9.0, 10.0]);
//! assert_eq!(t.i((1, ..)).shape(), &[4]);
//! assert_eq!(t.i((2, 3)).item().unwrap(), 11.0);
//! t.i((1.., ..=1)).sum().backward().unwrap();
//! assert_eq!(t.grad().unwrap().to_vec(), vec![0., 0., 0., 0., 1., 1., 0., 0., 1., 1., 0., 0.]);
//! ```

use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::tensor::Tensor;

/// One entry of an index: a range of a dimension, or a single position (which removes
/// the dimension).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexItem {
    /// `start..end`; `None` for an open end.
    Range {
        /// First position (default 0).
        start: Option<usize>,
        /// One past the last position (default: the dimension's size).
        end: Option<usize>,
    },
    /// One position; the dimension is removed from the result.
    Single(usize),
}

/// Something usable as one entry of an index: `..`, `a..b`, `a..`, `..b`, `a..=b`,
/// `..=b`, or a `usize`.
pub trait IntoIndexItem {
    /// The index entry.
    fn into_item(self) -> IndexItem;
}

/// A whole index: one [`IntoIndexItem`] or a tuple of up to six.
pub trait TensorIndex {
    /// The entries, one per leading dimension.
    fn items(self) -> Vec<IndexItem>;
}

impl IntoIndexItem for usize {
    fn into_item(self) -> IndexItem {
        IndexItem::Single(self)
    }
}
impl IntoIndexItem for RangeFull {
    fn into_item(self) -> IndexItem {
        IndexItem::Range {
            start: None,
            end: None,
        }
    }
}
impl IntoIndexItem for Range<usize> {
    fn into_item(self) -> IndexItem {
        IndexItem::Range {
            start: Some(self.start),
            end: Some(self.end),
        }
    }
}
impl IntoIndexItem for RangeFrom<usize> {
    fn into_item(self) -> IndexItem {
        IndexItem::Range {
            start: Some(self.start),
            end: None,
        }
    }
}
impl IntoIndexItem for RangeTo<usize> {
    fn into_item(self) -> IndexItem {
        IndexItem::Range {
            start: None,
            end: Some(self.end),
        }
    }
}
impl IntoIndexItem for RangeInclusive<usize> {
    fn into_item(self) -> IndexItem {
        IndexItem::Range {
            start: Some(*self.start()),
            end: Some(self.end().saturating_add(1)),
        }
    }
}
impl IntoIndexItem for RangeToInclusive<usize> {
    fn into_item(self) -> IndexItem {
        IndexItem::Range {
            start: None,
            end: Some(self.end.saturating_add(1)),
        }
    }
}
impl IntoIndexItem for IndexItem {
    fn into_item(self) -> IndexItem {
        self
    }
}

macro_rules! single_index {
    ($($t:ty),*) => {$(
        impl TensorIndex for $t {
            fn items(self) -> Vec<IndexItem> {
                vec![self.into_item()]
            }
        }
    )*};
}
single_index!(
    usize,
    RangeFull,
    Range<usize>,
    RangeFrom<usize>,
    RangeTo<usize>,
    RangeInclusive<usize>,
    RangeToInclusive<usize>,
    IndexItem
);

macro_rules! tuple_index {
    ($($name:ident),+) => {
        impl<$($name: IntoIndexItem),+> TensorIndex for ($($name,)+) {
            #[allow(non_snake_case)]
            fn items(self) -> Vec<IndexItem> {
                let ($($name,)+) = self;
                vec![$($name.into_item()),+]
            }
        }
    };
}
tuple_index!(A);
tuple_index!(A, B);
tuple_index!(A, B, C);
tuple_index!(A, B, C, D);
tuple_index!(A, B, C, D, E);
tuple_index!(A, B, C, D, E, F);

impl<T: Element> Tensor<T> {
    /// Indexes by ranges and integers (see the [module docs](self)); panics with the
    /// error of [`try_i`](Tensor::try_i) when an index does not fit.
    pub fn i(&self, index: impl TensorIndex) -> Tensor<T> {
        or_panic(self.try_i(index))
    }

    /// Indexes by ranges and integers, or an error naming the dimension when there are
    /// more entries than dimensions or an entry lies outside its dimension.
    pub fn try_i(&self, index: impl TensorIndex) -> Result<Tensor<T>> {
        let items = index.items();
        if items.len() > self.ndim() {
            return Err(TensorError::InvalidArgument {
                op: "index",
                detail: format!(
                    "{} index entries for a tensor of shape {:?}",
                    items.len(),
                    self.shape()
                ),
            });
        }
        let mut out = self.clone();
        let mut kept = Vec::with_capacity(self.ndim());
        for (d, item) in items.iter().enumerate() {
            let size = self.shape()[d];
            let (start, end) = match *item {
                IndexItem::Range { start, end } => (start.unwrap_or(0), end.unwrap_or(size)),
                IndexItem::Single(i) => (i, i.saturating_add(1)),
            };
            if start > end || end > size {
                let bad = if start > end { start } else { end };
                return Err(TensorError::IndexOutOfRange {
                    op: "index",
                    index: bad as i64,
                    dim: d,
                    size,
                });
            }
            if start != 0 || end != size {
                out = out.try_narrow(d as isize, start, end - start)?;
            }
            if let IndexItem::Range { .. } = item {
                kept.push(end - start);
            }
        }
        kept.extend_from_slice(&self.shape()[items.len()..]);
        if kept.len() != out.ndim() {
            out = out.try_reshape(&kept)?;
        }
        Ok(out)
    }
}
