//! Tensor buffers and the buffer pool that recycles them.
//!
//! Freshly allocated large buffers cost page faults on first touch (a new 16 MiB buffer
//! costs more than streaming it from cache ten times). Every large buffer a tensor frees
//! goes back to a per-element-type pool keyed by exact length, so a training loop that
//! repeats the same shapes reaches a steady state with no new allocations at all.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::element::Element;

/// Buffers shorter than this go straight to the allocator (small allocations are cheap).
const POOL_MIN_LEN: usize = 1 << 12;
/// Upper bound on the bytes the pool keeps alive per element type.
const POOL_MAX_BYTES: usize = 1 << 30;

/// A size-keyed free list of buffers.
#[doc(hidden)]
pub struct BufferPool<T> {
    inner: Mutex<Option<PoolInner<T>>>,
}

struct PoolInner<T> {
    free: HashMap<usize, Vec<Vec<T>>>,
    bytes: usize,
}

impl<T: Element> BufferPool<T> {
    pub(crate) const fn new() -> Self {
        BufferPool {
            inner: Mutex::new(None),
        }
    }

    /// A buffer of exactly `len` elements with unspecified (but initialised) contents.
    pub(crate) fn take(&self, len: usize) -> Vec<T> {
        if len >= POOL_MIN_LEN {
            let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(pool) = guard.as_mut() {
                if let Some(v) = pool.free.get_mut(&len).and_then(|list| list.pop()) {
                    pool.bytes -= len * std::mem::size_of::<T>();
                    return v;
                }
            }
        }
        vec![T::zero(); len]
    }

    fn give_back(&self, buf: Vec<T>) {
        let len = buf.len();
        if len < POOL_MIN_LEN || buf.capacity() != len {
            return;
        }
        let bytes = len * std::mem::size_of::<T>();
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let pool = guard.get_or_insert_with(|| PoolInner {
            free: HashMap::new(),
            bytes: 0,
        });
        if pool.bytes + bytes <= POOL_MAX_BYTES {
            pool.bytes += bytes;
            pool.free.entry(len).or_default().push(buf);
        }
    }

    /// Bytes currently parked in the pool (for tests and diagnostics).
    pub fn parked_bytes(&self) -> usize {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map_or(0, |p| p.bytes)
    }

    /// Drops every parked buffer.
    pub fn clear(&self) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *guard = None;
    }
}

/// A reference-counted buffer shared by a tensor and its views.
///
/// The lock makes in-place updates (optimiser steps) safe while views exist; readers
/// never contend with each other.
///
/// `version` is PyTorch's version counter: shared by every view of the buffer, bumped by
/// every in-place write. Graph nodes remember the version of each tensor they saved and
/// the backward refuses to run when it changed.
pub(crate) struct Storage<T: Element> {
    data: RwLock<Vec<T>>,
    version: AtomicU64,
}

impl<T: Element> Storage<T> {
    pub(crate) fn new(data: Vec<T>) -> Self {
        Storage {
            data: RwLock::new(data),
            version: AtomicU64::new(0),
        }
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Vec<T>> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access for an in-place modification; bumps the version counter. This is
    /// the only way to mutate a buffer after it was wrapped in a tensor.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Vec<T>> {
        let guard = self.data.write().unwrap_or_else(|e| e.into_inner());
        self.version.fetch_add(1, Ordering::Relaxed);
        guard
    }

    /// How many in-place modifications the buffer has seen.
    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }
}

impl<T: Element> Drop for Storage<T> {
    fn drop(&mut self) {
        let buf = std::mem::take(self.data.get_mut().unwrap_or_else(|e| e.into_inner()));
        T::pool().give_back(buf);
    }
}

/// Allocates a buffer of `len` elements from the pool (contents unspecified).
pub(crate) fn alloc<T: Element>(len: usize) -> Vec<T> {
    T::pool().take(len)
}
