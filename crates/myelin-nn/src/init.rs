//! Weight initialisers, PyTorch's `torch.nn.init` in Rust.
//!
//! * Fills, in place and seeded (pass any [`rand::Rng`], e.g.
//!   [`myelin_tensor::seeded_rng`]): [`zeros_`], [`ones_`], [`constant_`], [`uniform_`],
//!   [`normal_`], [`trunc_normal_`], [`xavier_uniform_`], [`xavier_normal_`],
//!   [`kaiming_uniform_`], [`kaiming_normal_`], [`lecun_normal_`], [`lecun_uniform_`],
//!   [`orthogonal_`].
//! * Fan sizes: [`calculate_fan_in_and_fan_out`] (PyTorch's
//!   `_calculate_fan_in_and_fan_out`) and [`FanMode`].
//! * Gains: [`calculate_gain`] (PyTorch's values) and [`auto_gain`] (the
//!   moment-preserving gain the activations crate computes for any activation).
//! * Text specs: [`InitSpec`] (`"kaiming_normal(gain=auto)"`, `"normal(0.02)"`, …), the
//!   single definition shared with the lab.
//!
//! ```
//! use myelin_nn::init;
//! use myelin_tensor::{seeded_rng, Tensor};
//!
//! let w = Tensor::<f64>::zeros(&[256, 128]);
//! init::kaiming_normal_(&w, 0.0, init::FanMode::FanIn, "relu", &mut seeded_rng(0))?;
//! let std = w.var(0).item()?.sqrt();
//! assert!((std - (2.0f64 / 128.0).sqrt()).abs() < 0.02 * std);
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

mod fan;
mod fill;
mod gain;
mod normal_quantile;
mod orthogonal;
mod spec;

pub use fan::{calculate_fan_in_and_fan_out, FanMode};
pub use fill::{
    constant_, kaiming_normal_, kaiming_uniform_, lecun_normal_, lecun_uniform_, normal_, ones_,
    trunc_normal_, uniform_, xavier_normal_, xavier_uniform_, zeros_,
};
pub use gain::{auto_gain, calculate_gain};
pub use orthogonal::orthogonal_;
pub use spec::{Gain, InitKind, InitSpec, WeightDistribution, INIT_NAMES};
