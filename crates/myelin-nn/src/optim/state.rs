//! Optimiser checkpoints: [`OptimizerState`] (PyTorch's `optimizer.state_dict()`), so
//! that training resumes exactly where it stopped.
//!
//! The state holds the learning rate and, per parameter (in the optimiser's parameter
//! order), the step count and every running buffer (`momentum_buffer`, `exp_avg`,
//! `exp_avg_sq`, …). Values are stored as the exact bits of their `f64` value, so a
//! save → load round trip is lossless for both element types, and a resumed run is
//! bitwise identical to one that never stopped (tested). Hyper-parameters other than
//! the learning rate come from the optimiser you build before loading, as in PyTorch
//! where `load_state_dict` is called on a freshly constructed optimiser.
//!
//! ```
//! use myelin_nn::optim::{Adam, AdamConfig, Optimizer, OptimizerState, StateDict};
//! use myelin_tensor::Tensor;
//!
//! let w = Tensor::<f64>::from_vec(vec![1.0, -2.0], &[2])?.requires_grad_(true);
//! let mut opt = Adam::new(vec![w.clone()], AdamConfig::new(0.1))?;
//! (&w * &w).sum().backward()?;
//! opt.step()?;
//! let path = std::env::temp_dir().join("myelin_doc_adam_state.json");
//! opt.state_dict().save(&path)?;
//!
//! let mut resumed = Adam::new(vec![w.clone()], AdamConfig::new(0.1))?;
//! resumed.load_state_dict(&OptimizerState::load(&path)?)?;
//! assert_eq!(resumed.step_count(0), 1);
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use myelin_tensor::Element;
use serde::{Deserialize, Serialize};

use super::adam::{AdamCore, AdamState};
use super::rmsprop::RmsPropState;
use super::{Adagrad, Adam, AdamW, Optimizer, RmsProp, Sgd};
use crate::error::{NnError, Result};

/// One parameter's optimiser state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamState {
    /// Steps this parameter has taken (0 for optimisers without a count).
    pub step: u64,
    /// Named buffers, each as the `f64::to_bits` of its values in row-major order.
    pub buffers: BTreeMap<String, Vec<u64>>,
}

impl ParamState {
    fn put<T: Element>(&mut self, name: &str, values: &[T]) {
        self.buffers.insert(
            name.into(),
            values
                .iter()
                .map(|&v| Element::to_f64(v).to_bits())
                .collect(),
        );
    }

    fn get<T: Element>(
        &self,
        optimizer: &str,
        index: usize,
        name: &str,
        len: usize,
    ) -> Result<Vec<T>> {
        let bits = self.buffers.get(name).ok_or_else(|| {
            NnError::InvalidArgument(format!(
                "{optimizer}.load_state_dict: parameter {index} has no `{name}` buffer"
            ))
        })?;
        if bits.len() != len {
            return Err(NnError::InvalidArgument(format!(
                "{optimizer}.load_state_dict: `{name}` of parameter {index} has {} values, the parameter has {len}",
                bits.len()
            )));
        }
        Ok(bits
            .iter()
            .map(|&b| T::from_f64(f64::from_bits(b)))
            .collect())
    }

    fn get_opt<T: Element>(
        &self,
        optimizer: &str,
        index: usize,
        name: &str,
        len: usize,
    ) -> Result<Option<Vec<T>>> {
        if self.buffers.contains_key(name) {
            self.get(optimizer, index, name, len).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// An optimiser's state: its kind, learning rate and per-parameter state (`None` for a
/// parameter that has not been updated yet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerState {
    /// The optimiser's name (`"Adam"`, `"SGD"`, …); loading checks it.
    pub optimizer: String,
    /// The learning rate, as bits of the `f64`.
    pub lr_bits: u64,
    /// One entry per parameter, in the optimiser's order.
    pub params: Vec<Option<ParamState>>,
}

impl OptimizerState {
    /// The learning rate.
    pub fn lr(&self) -> f64 {
        f64::from_bits(self.lr_bits)
    }

    /// Writes the state as JSON.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let text = serde_json::to_string(self)
            .map_err(|e| NnError::InvalidArgument(format!("OptimizerState::save: {e}")))?;
        std::fs::write(path.as_ref(), text).map_err(|e| {
            NnError::InvalidArgument(format!(
                "OptimizerState::save: {}: {e}",
                path.as_ref().display()
            ))
        })
    }

    /// Reads a state written by [`save`](OptimizerState::save).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let text = std::fs::read_to_string(path.as_ref()).map_err(|e| {
            NnError::InvalidArgument(format!(
                "OptimizerState::load: {}: {e}",
                path.as_ref().display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            NnError::InvalidArgument(format!(
                "OptimizerState::load: {}: {e}",
                path.as_ref().display()
            ))
        })
    }
}

/// `state_dict` / `load_state_dict` for optimisers.
pub trait StateDict<T: Element>: Optimizer<T> {
    /// A copy of the optimiser's state.
    fn state_dict(&self) -> OptimizerState;

    /// Restores a state from [`state_dict`](StateDict::state_dict) of the same kind
    /// of optimiser over parameters of the same shapes; checks everything before
    /// changing anything.
    fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()>;
}

/// Checks kind and parameter count; returns the per-parameter element counts.
fn check_state(name: &str, state: &OptimizerState, sizes: &[usize]) -> Result<()> {
    if state.optimizer != name {
        return Err(NnError::InvalidArgument(format!(
            "{name}.load_state_dict: the state is from {}, not {name}",
            state.optimizer
        )));
    }
    if state.params.len() != sizes.len() {
        return Err(NnError::InvalidArgument(format!(
            "{name}.load_state_dict: the state has {} parameters, the optimiser has {}",
            state.params.len(),
            sizes.len()
        )));
    }
    Ok(())
}

fn sizes<T: Element>(params: &[myelin_tensor::Tensor<T>]) -> Vec<usize> {
    params.iter().map(|p| p.numel()).collect()
}

/// Builds per-parameter slots from the state with `read(index, param_state, numel)`,
/// all or nothing.
fn read_all<S>(
    state: &OptimizerState,
    sizes: &[usize],
    mut read: impl FnMut(usize, &ParamState, usize) -> Result<S>,
) -> Result<Vec<Option<S>>> {
    state
        .params
        .iter()
        .zip(sizes)
        .enumerate()
        .map(|(i, (p, &n))| p.as_ref().map(|p| read(i, p, n)).transpose())
        .collect()
}

impl<T: Element> StateDict<T> for Sgd<T> {
    fn state_dict(&self) -> OptimizerState {
        OptimizerState {
            optimizer: "SGD".into(),
            lr_bits: self.lr().to_bits(),
            params: self
                .momentum_buffers
                .iter()
                .map(|b| {
                    b.as_ref().map(|b| {
                        let mut p = ParamState::default();
                        p.put("momentum_buffer", b);
                        p
                    })
                })
                .collect(),
        }
    }
    fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()> {
        let sizes = sizes(self.params());
        check_state("SGD", state, &sizes)?;
        let buffers = read_all(state, &sizes, |i, p, n| {
            p.get("SGD", i, "momentum_buffer", n)
        })?;
        self.momentum_buffers = buffers;
        self.set_lr(state.lr());
        Ok(())
    }
}

fn adam_state_dict<T: Element>(core: &AdamCore<T>, lr: f64) -> OptimizerState {
    OptimizerState {
        optimizer: core.name.into(),
        lr_bits: lr.to_bits(),
        params: core
            .state
            .iter()
            .map(|s| {
                s.as_ref().map(|s| {
                    let mut p = ParamState {
                        step: s.step,
                        ..Default::default()
                    };
                    p.put("exp_avg", &s.exp_avg);
                    p.put("exp_avg_sq", &s.exp_avg_sq);
                    if !s.max_exp_avg_sq.is_empty() {
                        p.put("max_exp_avg_sq", &s.max_exp_avg_sq);
                    }
                    p
                })
            })
            .collect(),
    }
}

fn adam_load<T: Element>(core: &mut AdamCore<T>, state: &OptimizerState) -> Result<()> {
    let name = core.name;
    let sizes = sizes(&core.params);
    check_state(name, state, &sizes)?;
    let slots = read_all(state, &sizes, |i, p, n| {
        Ok(AdamState {
            step: p.step,
            exp_avg: p.get(name, i, "exp_avg", n)?,
            exp_avg_sq: p.get(name, i, "exp_avg_sq", n)?,
            max_exp_avg_sq: p.get_opt(name, i, "max_exp_avg_sq", n)?.unwrap_or_default(),
        })
    })?;
    core.state = slots;
    Ok(())
}

/// Adam and AdamW keep the same state (in [`AdamCore`]).
macro_rules! adam_state_dict {
    ($($ty:ident),*) => {$(
        impl<T: Element> StateDict<T> for $ty<T> {
            fn state_dict(&self) -> OptimizerState {
                adam_state_dict(&self.core, self.lr())
            }
            fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()> {
                adam_load(&mut self.core, state)?;
                self.set_lr(state.lr());
                Ok(())
            }
        }
    )*};
}
adam_state_dict!(Adam, AdamW);

impl<T: Element> StateDict<T> for RmsProp<T> {
    fn state_dict(&self) -> OptimizerState {
        OptimizerState {
            optimizer: "RMSprop".into(),
            lr_bits: self.lr().to_bits(),
            params: self
                .state
                .iter()
                .map(|s| {
                    s.as_ref().map(|s| {
                        let mut p = ParamState::default();
                        p.put("square_avg", &s.square_avg);
                        if let Some(g) = &s.grad_avg {
                            p.put("grad_avg", g);
                        }
                        if let Some(b) = &s.momentum_buffer {
                            p.put("momentum_buffer", b);
                        }
                        p
                    })
                })
                .collect(),
        }
    }
    fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()> {
        let sizes = sizes(self.params());
        check_state("RMSprop", state, &sizes)?;
        let slots = read_all(state, &sizes, |i, p, n| {
            Ok(RmsPropState {
                square_avg: p.get("RMSprop", i, "square_avg", n)?,
                grad_avg: p.get_opt("RMSprop", i, "grad_avg", n)?,
                momentum_buffer: p.get_opt("RMSprop", i, "momentum_buffer", n)?,
            })
        })?;
        self.state = slots;
        self.set_lr(state.lr());
        Ok(())
    }
}

impl<T: Element> StateDict<T> for Adagrad<T> {
    fn state_dict(&self) -> OptimizerState {
        OptimizerState {
            optimizer: "Adagrad".into(),
            lr_bits: self.lr().to_bits(),
            params: self
                .sums
                .iter()
                .zip(&self.steps)
                .map(|(s, &step)| {
                    s.as_ref().map(|s| {
                        let mut p = ParamState {
                            step,
                            ..Default::default()
                        };
                        p.put("sum", s);
                        p
                    })
                })
                .collect(),
        }
    }
    fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()> {
        let sizes = sizes(self.params());
        check_state("Adagrad", state, &sizes)?;
        let sums = read_all(state, &sizes, |i, p, n| p.get("Adagrad", i, "sum", n))?;
        self.steps = state
            .params
            .iter()
            .map(|p| p.as_ref().map_or(0, |p| p.step))
            .collect();
        self.sums = sums;
        self.set_lr(state.lr());
        Ok(())
    }
}
