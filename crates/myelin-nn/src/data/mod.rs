//! Data handling: the [`Dataset`] type, the embedded [`digits`] set, CSV and
//! IDX loaders, reproducible splits, standardisation and mini-batches.

mod batches;
mod csv;
mod dataset;
mod digits;
mod gzip;
mod idx;
mod split;
mod standardize;
mod tensor_dataset;
#[cfg(test)]
mod testutil;

pub use batches::{Batch, BatchIter, MiniBatches};
pub use csv::{load_csv, parse_csv, CsvOptions, Header, LabelColumn, LabelFormat};
pub use dataset::{Dataset, MAX_CLASSES};
pub use digits::{digits, DIGITS_IMAGE_SIDE};
pub use idx::{
    load_idx_dataset, load_idx_images, load_idx_labels, parse_idx, read_idx, IdxArray, IdxType,
};
pub use split::{split, split_indices, Split, SplitConfig, SplitIndices};
pub use standardize::Standardizer;
pub use tensor_dataset::TensorDataset;
