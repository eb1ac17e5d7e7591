//! Shapes, strides and broadcasting: the one place that knows the rules.

use smallvec::SmallVec;

use crate::error::{Result, TensorError};

/// Dimensions of a tensor, stored inline for up to six dimensions.
pub type Dims = SmallVec<[usize; 6]>;

/// How a tensor's elements sit in its storage: shape, strides (in elements) and offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub(crate) shape: Dims,
    pub(crate) strides: Dims,
    pub(crate) offset: usize,
}

impl Layout {
    /// A row-major contiguous layout.
    pub(crate) fn contiguous(shape: &[usize]) -> Layout {
        Layout {
            shape: Dims::from_slice(shape),
            strides: contiguous_strides(shape),
            offset: 0,
        }
    }

    /// Number of elements.
    pub(crate) fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when elements are laid out row-major with no gaps (offset may be non-zero).
    pub(crate) fn is_contiguous(&self) -> bool {
        let mut expected = 1usize;
        for (&size, &stride) in self.shape.iter().zip(self.strides.iter()).rev() {
            if size != 1 && stride != expected {
                return false;
            }
            expected = expected.saturating_mul(size);
        }
        true
    }
}

/// Visits the elements of `K` same-shaped layouts together, in row-major order of
/// `shape`, in runs along the last dimension: `visit(start_offsets, run_length,
/// run_strides)`. Every strided kernel (copy, broadcasting binary ops) goes through here.
pub(crate) fn for_each_run<const K: usize>(
    shape: &[usize],
    layouts: [&Layout; K],
    mut visit: impl FnMut([usize; K], usize, [usize; K]),
) {
    let ndim = shape.len();
    if shape.iter().product::<usize>() == 0 {
        return;
    }
    let mut offsets: [usize; K] = std::array::from_fn(|k| layouts[k].offset);
    if ndim == 0 {
        visit(offsets, 1, [1; K]);
        return;
    }
    let inner = shape[ndim - 1];
    let inner_strides: [usize; K] = std::array::from_fn(|k| layouts[k].strides[ndim - 1]);
    let mut index: Dims = smallvec::smallvec![0; ndim - 1];
    loop {
        visit(offsets, inner, inner_strides);
        // Odometer increment over the outer dimensions.
        let mut d = ndim - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            for k in 0..K {
                offsets[k] += layouts[k].strides[d];
            }
            if index[d] < shape[d] {
                break;
            }
            for k in 0..K {
                offsets[k] -= layouts[k].strides[d] * shape[d];
            }
            index[d] = 0;
        }
    }
}

/// Row-major strides for a shape.
pub(crate) fn contiguous_strides(shape: &[usize]) -> Dims {
    let mut strides: Dims = smallvec::smallvec![0; shape.len()];
    let mut acc = 1usize;
    for (i, &s) in shape.iter().enumerate().rev() {
        strides[i] = acc;
        acc = acc.saturating_mul(s);
    }
    strides
}

/// The element count of `shape`, or an error naming `op` if it overflows.
pub(crate) fn checked_numel(op: &'static str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| TensorError::SizeOverflow {
            op,
            shape: shape.to_vec(),
        })
}

/// NumPy (and PyTorch) broadcasting of two shapes: the shape `lhs ⊕ rhs` would have,
/// or [`TensorError::Broadcast`] naming `op` and both shapes.
///
/// ```
/// assert_eq!(myelin_tensor::broadcast_shapes("add", &[3, 1, 4], &[5, 4]).unwrap().as_slice(), &[3, 5, 4]);
/// assert!(myelin_tensor::broadcast_shapes("add", &[3], &[2]).is_err());
/// ```
pub fn broadcast_shapes(op: &'static str, lhs: &[usize], rhs: &[usize]) -> Result<Dims> {
    let ndim = lhs.len().max(rhs.len());
    let mut out: Dims = smallvec::smallvec![0; ndim];
    for i in 0..ndim {
        let l = if i + lhs.len() >= ndim {
            lhs[i + lhs.len() - ndim]
        } else {
            1
        };
        let r = if i + rhs.len() >= ndim {
            rhs[i + rhs.len() - ndim]
        } else {
            1
        };
        out[i] = if l == r || r == 1 {
            l
        } else if l == 1 {
            r
        } else {
            return Err(TensorError::Broadcast {
                op,
                lhs: lhs.to_vec(),
                rhs: rhs.to_vec(),
            });
        };
    }
    Ok(out)
}

/// A layout that views `layout` as `target` shape by broadcasting (stride 0 on new or
/// size-1 dimensions). The caller has checked compatibility.
pub(crate) fn broadcast_layout(layout: &Layout, target: &[usize]) -> Layout {
    let ndim = target.len();
    let offset_dims = ndim - layout.shape.len();
    let mut strides: Dims = smallvec::smallvec![0; ndim];
    for i in offset_dims..ndim {
        let src = i - offset_dims;
        strides[i] = if layout.shape[src] == target[i] {
            layout.strides[src]
        } else {
            0
        };
    }
    Layout {
        shape: Dims::from_slice(target),
        strides,
        offset: layout.offset,
    }
}

/// Resolves a possibly negative dimension index (PyTorch style) for a rank-`ndim` tensor.
/// A 0-d tensor has no dimension to name, so every index is out of range for it (the ops
/// taking a dim would otherwise index an empty shape).
pub(crate) fn normalize_dim(op: &'static str, dim: isize, ndim: usize) -> Result<usize> {
    let n = ndim as isize;
    let d = if dim < 0 { dim + n } else { dim };
    if d < 0 || d >= n {
        return Err(TensorError::DimOutOfRange { op, dim, ndim });
    }
    Ok(d as usize)
}

/// Resolves a list of dimensions, rejecting duplicates; an empty list means "all".
pub(crate) fn normalize_dims(op: &'static str, dims: &[isize], ndim: usize) -> Result<Vec<usize>> {
    if dims.is_empty() {
        return Ok((0..ndim).collect());
    }
    let mut out = Vec::with_capacity(dims.len());
    for &d in dims {
        let nd = normalize_dim(op, d, ndim)?;
        if out.contains(&nd) {
            return Err(TensorError::InvalidArgument {
                op,
                detail: format!("dimension {d} appears more than once in {dims:?}"),
            });
        }
        out.push(nd);
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(
            broadcast_shapes("t", &[3, 1], &[4]).unwrap().as_slice(),
            &[3, 4]
        );
        assert_eq!(
            broadcast_shapes("t", &[], &[2, 2]).unwrap().as_slice(),
            &[2, 2]
        );
        assert_eq!(
            broadcast_shapes("t", &[5, 1, 3], &[4, 1])
                .unwrap()
                .as_slice(),
            &[5, 4, 3]
        );
        let err = broadcast_shapes("add", &[3], &[4]).unwrap_err();
        assert!(err.to_string().contains("add") && err.to_string().contains("[3]"));
    }

    #[test]
    fn runs_visit_strided_layouts_in_row_major_order() {
        // A transposed 2x3 view of a 3x2 buffer.
        let layout = Layout {
            shape: Dims::from_slice(&[2, 3]),
            strides: Dims::from_slice(&[1, 2]),
            offset: 0,
        };
        let mut offsets = vec![];
        for_each_run(&[2, 3], [&layout], |[start], len, [stride]| {
            for i in 0..len {
                offsets.push(start + i * stride);
            }
        });
        assert_eq!(offsets, vec![0, 2, 4, 1, 3, 5]);
        assert!(!layout.is_contiguous());
        assert!(Layout::contiguous(&[2, 3]).is_contiguous());
    }

    #[test]
    fn overflow_is_an_error() {
        assert!(checked_numel("zeros", &[usize::MAX, 2]).is_err());
        assert_eq!(checked_numel("zeros", &[0, usize::MAX]).unwrap(), 0);
    }

    #[test]
    fn negative_dims_resolve() {
        assert_eq!(normalize_dim("sum", -1, 3).unwrap(), 2);
        assert!(normalize_dim("sum", 3, 3).is_err());
        assert!(normalize_dims("sum", &[0, -3], 3).is_err());
        assert!(normalize_dim("sum", 0, 0).is_err());
        assert!(normalize_dims("sum", &[], 0).unwrap().is_empty());
    }
}
