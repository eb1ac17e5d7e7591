//! Training loops: [`Trainer`], the general one (any [`crate::data::TensorDataset`],
//! any loss closure, metrics, callbacks such as [`EarlyStopping`], a schedule);
//! and for classifiers on a [`crate::data::Dataset`], [`fit`], [`evaluate`], the
//! per-epoch [`History`], and conversions from [`crate::data`] rows to tensors.
//!
//! ```
//! use myelin_nn::data::Dataset;
//! use myelin_nn::layers::mlp;
//! use myelin_nn::optim::{Adam, AdamConfig};
//! use myelin_nn::train::{evaluate, fit, FitConfig};
//! use myelin_nn::Module;
//!
//! // Two separable blobs.
//! let features: Vec<f64> = (0..40).flat_map(|i| {
//!     let s = if i % 2 == 0 { -1.0 } else { 1.0 };
//!     [s + 0.01 * i as f64, s]
//! }).collect();
//! let labels: Vec<usize> = (0..40).map(|i| i % 2).collect();
//! let data = Dataset::new(features, labels, 2, 2)?;
//!
//! let mut model = mlp::<f32>(&[2, 8, 2], "tanh".parse()?, "xavier_normal".parse()?, 0)?;
//! let mut opt = Adam::new(model.parameters(), AdamConfig::new(0.05))?;
//! let history = fit(&mut model, &mut opt, &data, Some(&data), &FitConfig::new(20, 8))?;
//! assert_eq!(history.epochs.len(), 20);
//! let (_loss, accuracy) = evaluate(&mut model, &data)?;
//! assert_eq!(accuracy, 1.0);
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

mod convert;
mod fit;
mod history;
mod trainer;

pub use convert::{accuracy, batch_to_tensor, dataset_to_tensor, rows_to_tensor};
pub use fit::{evaluate, fit, fit_scheduled, FitConfig};
pub use history::{EpochStats, History};
pub use trainer::{Callback, Control, EarlyStopping, EpochLog, Trainer};
