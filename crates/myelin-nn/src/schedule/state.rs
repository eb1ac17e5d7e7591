//! Scheduler checkpoints (PyTorch's `scheduler.state_dict()`): what a scheduler must
//! remember to continue exactly. The epoch-indexed schedules are closed forms of the
//! epoch, so their state is `last_epoch`; [`ReduceLROnPlateau`] also keeps its current
//! rate, best metric and counters. Constructor arguments come from the scheduler you
//! build before loading, as in PyTorch.
//!
//! ```
//! use myelin_nn::schedule::{LrScheduler, SchedulerStateDict, StepLR};
//! let mut sched = StepLR::new(0.1, 2, 0.5)?;
//! sched.step();
//! sched.step();
//! let saved = sched.state_dict();
//! let mut resumed = StepLR::new(0.1, 2, 0.5)?;
//! resumed.load_state_dict(&saved)?;
//! assert_eq!((resumed.last_epoch(), resumed.lr()), (2, 0.05));
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CosineAnnealingLR, ExponentialLR, LinearLR, LrScheduler, ReduceLROnPlateau, StepLR};
use crate::error::{NnError, Result};

/// A scheduler's state: its kind, `last_epoch`, and any other values (as `f64` bits).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchedulerState {
    /// The scheduler's type name; loading checks it.
    pub scheduler: String,
    /// PyTorch's `last_epoch`.
    pub last_epoch: usize,
    /// Further state by name, as `f64::to_bits`.
    pub values: BTreeMap<String, u64>,
}

/// `state_dict` / `load_state_dict` for schedulers.
pub trait SchedulerStateDict {
    /// A copy of the scheduler's state.
    fn state_dict(&self) -> SchedulerState;
    /// Restores a state of the same kind of scheduler.
    fn load_state_dict(&mut self, state: &SchedulerState) -> Result<()>;
}

fn check_kind(name: &str, state: &SchedulerState) -> Result<()> {
    if state.scheduler == name {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{name}.load_state_dict: the state is from {}",
            state.scheduler
        )))
    }
}

macro_rules! epoch_state {
    ($($ty:ident),*) => {$(
        impl SchedulerStateDict for $ty {
            fn state_dict(&self) -> SchedulerState {
                SchedulerState {
                    scheduler: stringify!($ty).into(),
                    last_epoch: self.last_epoch(),
                    values: BTreeMap::new(),
                }
            }
            fn load_state_dict(&mut self, state: &SchedulerState) -> Result<()> {
                check_kind(stringify!($ty), state)?;
                self.set_last_epoch(state.last_epoch);
                Ok(())
            }
        }
    )*};
}
epoch_state!(StepLR, ExponentialLR, CosineAnnealingLR, LinearLR);

impl SchedulerStateDict for ReduceLROnPlateau {
    fn state_dict(&self) -> SchedulerState {
        let values = [
            ("lr", self.lr),
            ("best", self.best),
            ("num_bad_epochs", self.num_bad_epochs as f64),
            ("cooldown_counter", self.cooldown_counter as f64),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_bits()))
        .collect();
        SchedulerState {
            scheduler: "ReduceLROnPlateau".into(),
            last_epoch: self.last_epoch,
            values,
        }
    }
    fn load_state_dict(&mut self, state: &SchedulerState) -> Result<()> {
        check_kind("ReduceLROnPlateau", state)?;
        let get = |k: &str| {
            state
                .values
                .get(k)
                .map(|&b| f64::from_bits(b))
                .ok_or_else(|| {
                    NnError::InvalidArgument(format!(
                        "ReduceLROnPlateau.load_state_dict: no `{k}` in the state"
                    ))
                })
        };
        let (lr, best, bad, cooldown) = (
            get("lr")?,
            get("best")?,
            get("num_bad_epochs")?,
            get("cooldown_counter")?,
        );
        self.lr = lr;
        self.best = best;
        self.num_bad_epochs = bad as usize;
        self.cooldown_counter = cooldown as usize;
        self.last_epoch = state.last_epoch;
        Ok(())
    }
}
