//! Thread-local switches: whether ops are recorded, and anomaly detection.
//!
//! Like PyTorch, the mode is per thread: a `no_grad` scope on one thread does not affect
//! another.

use std::cell::Cell;

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
    static ANOMALY_ENABLED: Cell<bool> = const { Cell::new(false) };
}

/// Whether operations on tensors that require grad are being recorded on this thread.
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Restores the previous grad mode when dropped.
#[must_use = "the mode is restored when the guard is dropped"]
pub struct GradModeGuard {
    previous: bool,
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        GRAD_ENABLED.with(|g| g.set(self.previous));
    }
}

/// Sets the grad mode until the returned guard is dropped.
pub fn set_grad_enabled(enabled: bool) -> GradModeGuard {
    let previous = GRAD_ENABLED.with(|g| g.replace(enabled));
    GradModeGuard { previous }
}

/// Disables recording until the guard is dropped (PyTorch's `torch.no_grad()`).
///
/// ```
/// use myelin_tensor::{no_grad, Tensor};
/// let x = Tensor::<f64>::ones(&[2]).requires_grad_(true);
/// let y = {
///     let _guard = no_grad();
///     &x * &x
/// };
/// assert!(!y.requires_grad());
/// ```
pub fn no_grad() -> GradModeGuard {
    set_grad_enabled(false)
}

/// Runs `f` with recording disabled.
pub fn with_no_grad<R>(f: impl FnOnce() -> R) -> R {
    let _guard = no_grad();
    f()
}

/// Whether anomaly detection is on for this thread.
pub fn is_anomaly_enabled() -> bool {
    ANOMALY_ENABLED.with(|a| a.get())
}

/// Restores the previous anomaly mode when dropped.
#[must_use = "the mode is restored when the guard is dropped"]
pub struct AnomalyGuard {
    previous: bool,
}

impl Drop for AnomalyGuard {
    fn drop(&mut self) {
        ANOMALY_ENABLED.with(|a| a.set(self.previous));
    }
}

/// Turns anomaly detection on (or off) until the guard is dropped.
///
/// While on, every recorded op remembers where it was created (a backtrace), and
/// backward checks each op's input gradients: the first op whose backward turns finite
/// upstream gradients into NaN or Inf fails the backward with
/// [`TensorError::Anomaly`](crate::TensorError::Anomaly) naming the op. It costs time,
/// so it is off by default.
pub fn detect_anomaly(enabled: bool) -> AnomalyGuard {
    let previous = ANOMALY_ENABLED.with(|a| a.replace(enabled));
    AnomalyGuard { previous }
}
