//! Parameter groups (PyTorch's `param_groups`): one optimiser over several groups of
//! parameters, each with its own learning rate and weight decay.
//!
//! [`Groups`] holds one inner optimiser per group, built by a closure from the group's
//! parameters, learning rate and weight decay, and is itself an [`Optimizer`].
//! [`weight_decay_groups`] makes PyTorch's usual split: weight decay on weight
//! matrices, none on biases and normalisation parameters (every tensor with fewer than
//! two dimensions).
//!
//! ```
//! use myelin_nn::layers::{mlp, Mlp};
//! use myelin_nn::optim::{weight_decay_groups, AdamW, AdamWConfig, Groups, Optimizer};
//! use myelin_nn::Module;
//!
//! let model = mlp::<f32>(&[4, 8, 1], "relu".parse()?, "kaiming_uniform".parse()?, 0)?;
//! let groups = weight_decay_groups(&model.named_parameters(), 1e-3, 0.01);
//! assert_eq!(groups[1].params.len(), 2, "the two biases get no weight decay");
//! let mut opt = Groups::new(groups, |params, lr, weight_decay| {
//!     AdamW::new(params, AdamWConfig::new(lr).weight_decay(weight_decay))
//! })?;
//! opt.set_lr(2e-3); // schedulers scale every group alike
//! assert_eq!(opt.group_lrs(), vec![2e-3, 2e-3]);
//! # Ok::<(), myelin_nn::NnError>(())
//! ```
//!
//! Deviation: a scheduler drives all groups with one factor (each group's rate is its
//! initial rate × the schedule's rate ÷ the first group's initial rate), where PyTorch
//! schedulers keep a base rate per group; the result is the same for the usual
//! multiplicative schedules.

use myelin_tensor::{Element, Tensor};

use super::state::{OptimizerState, StateDict};
use super::Optimizer;
use crate::error::{NnError, Result};

/// One group: its parameters and hyper-parameters.
#[derive(Clone)]
pub struct ParamGroup<T: Element> {
    /// The parameters.
    pub params: Vec<Tensor<T>>,
    /// Learning rate of this group.
    pub lr: f64,
    /// Weight decay of this group.
    pub weight_decay: f64,
}

/// Two groups from named parameters: `[decay, no_decay]`, where tensors with two or
/// more dimensions (weight matrices, convolution kernels) get `weight_decay` and the
/// rest (biases, norm scales and shifts) get none. An empty group is left out.
pub fn weight_decay_groups<T: Element>(
    named: &[(String, Tensor<T>)],
    lr: f64,
    weight_decay: f64,
) -> Vec<ParamGroup<T>> {
    let (decay, no_decay): (Vec<_>, Vec<_>) = named.iter().partition(|(_, p)| p.ndim() >= 2);
    [(decay, weight_decay), (no_decay, 0.0)]
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, weight_decay)| ParamGroup {
            params: g.into_iter().map(|(_, p)| p.clone()).collect(),
            lr,
            weight_decay,
        })
        .collect()
}

/// An optimiser over parameter groups (see the [module docs](self)).
pub struct Groups<O> {
    groups: Vec<O>,
    /// Each group's initial learning rate.
    initial: Vec<f64>,
    sizes: Vec<usize>,
}

impl<O> Groups<O> {
    /// Builds one optimiser per group with `build(params, lr, weight_decay)`.
    ///
    /// # Errors
    /// No groups, or an error from `build` (an empty group, a bad rate, …).
    pub fn new<T: Element>(
        groups: Vec<ParamGroup<T>>,
        mut build: impl FnMut(Vec<Tensor<T>>, f64, f64) -> Result<O>,
    ) -> Result<Self> {
        if groups.is_empty() {
            return Err(NnError::InvalidArgument(
                "Groups: no parameter groups".into(),
            ));
        }
        let initial = groups.iter().map(|g| g.lr).collect();
        let sizes = groups.iter().map(|g| g.params.len()).collect();
        let groups = groups
            .into_iter()
            .map(|g| build(g.params, g.lr, g.weight_decay))
            .collect::<Result<_>>()?;
        Ok(Groups {
            groups,
            initial,
            sizes,
        })
    }

    /// The inner optimisers, one per group.
    pub fn groups(&self) -> &[O] {
        &self.groups
    }
}

impl<O> Groups<O> {
    /// Each group's current learning rate.
    pub fn group_lrs<T: Element>(&self) -> Vec<f64>
    where
        O: Optimizer<T>,
    {
        self.groups.iter().map(|g| g.lr()).collect()
    }
}

impl<T: Element, O: Optimizer<T>> Optimizer<T> for Groups<O> {
    /// Steps every group in turn. A shape error in a later group leaves the earlier
    /// groups updated.
    fn step(&mut self) -> Result<()> {
        self.groups.iter_mut().try_for_each(|g| g.step())
    }
    fn zero_grad(&mut self) {
        self.groups.iter_mut().for_each(|g| g.zero_grad());
    }
    /// The first group's learning rate.
    fn lr(&self) -> f64 {
        self.groups[0].lr()
    }
    /// Sets the first group's rate to `lr` and every other group's to its initial
    /// rate times the same factor (`lr` ÷ the first group's initial rate).
    fn set_lr(&mut self, lr: f64) {
        let base = self.initial[0];
        for (i, (g, &initial)) in self.groups.iter_mut().zip(&self.initial).enumerate() {
            g.set_lr(if i == 0 || base == 0.0 {
                lr
            } else {
                initial * (lr / base)
            });
        }
    }
}

impl<T: Element, O: StateDict<T>> StateDict<T> for Groups<O> {
    /// The groups' states concatenated, parameters in group order.
    fn state_dict(&self) -> OptimizerState {
        let states: Vec<OptimizerState> = self.groups.iter().map(|g| g.state_dict()).collect();
        OptimizerState {
            optimizer: format!("Groups[{}]", states[0].optimizer),
            lr_bits: self.lr().to_bits(),
            params: states.into_iter().flat_map(|s| s.params).collect(),
        }
    }
    fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()> {
        let total: usize = self.sizes.iter().sum();
        if state.params.len() != total || !state.optimizer.starts_with("Groups[") {
            return Err(NnError::InvalidArgument(format!(
                "Groups.load_state_dict: the state ({}, {} parameters) does not fit these groups ({total} parameters)",
                state.optimizer,
                state.params.len()
            )));
        }
        let inner_name = &state.optimizer["Groups[".len()..state.optimizer.len() - 1];
        let mut start = 0;
        let mut pieces = Vec::with_capacity(self.groups.len());
        for &n in &self.sizes {
            pieces.push(OptimizerState {
                optimizer: inner_name.to_string(),
                lr_bits: 0,
                params: state.params[start..start + n].to_vec(),
            });
            start += n;
        }
        for (g, piece) in self.groups.iter_mut().zip(&pieces) {
            g.load_state_dict(piece)?;
        }
        self.set_lr(state.lr());
        Ok(())
    }
}
