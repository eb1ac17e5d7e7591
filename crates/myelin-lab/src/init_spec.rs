//! Weight-initialiser specifications as written in lab configs and on the command line.
//!
//! The single definition lives in [`myelin_nn::init`] (which also samples weights from
//! a spec); this module re-exports it so lab code can keep writing
//! `myelin_lab::init_spec::InitSpec`. Parse errors are [`myelin_nn::NnError`]
//! (`UnknownInit` / `InvalidInitSpec`).
//!
//! ```
//! use myelin_lab::init_spec::{Gain, InitSpec};
//! let spec: InitSpec = "xavier_normal(gain=auto)".parse().unwrap();
//! assert_eq!(spec.gain, Gain::Auto);
//! assert_eq!(spec.to_string(), "xavier_normal(gain=auto)");
//! ```

pub use myelin_nn::init::{Gain, InitKind, InitSpec, WeightDistribution, INIT_NAMES};
