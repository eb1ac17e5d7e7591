//! Shared by the digits examples: the standardised 80/10/10 stratified split, and the
//! per-epoch log.

use myelin_nn::data::{digits, split, Dataset, SplitConfig, Standardizer};
use myelin_nn::train::History;
use myelin_nn::Result;

/// Train, validation and test sets (seed 0), standardised with the training set's
/// statistics.
pub fn standardized_splits() -> Result<(Dataset, Dataset, Dataset)> {
    let all = digits()?;
    let parts = split(&all, &SplitConfig::new(0.8, 0.1, 0.1).stratified().seed(0))?;
    let scaler = Standardizer::fit(&parts.train)?;
    Ok((
        scaler.transformed(&parts.train)?,
        scaler.transformed(&parts.validation)?,
        scaler.transformed(&parts.test)?,
    ))
}

/// Prints one line per epoch: training and validation loss and accuracy.
#[allow(dead_code)]
pub fn print_epochs(history: &History) {
    for e in &history.epochs {
        println!(
            "epoch {:2}  train loss {:.4}  acc {:.3}  |  val loss {:.4}  acc {:.3}",
            e.epoch + 1,
            e.train_loss,
            e.train_accuracy,
            e.val_loss.unwrap_or(f64::NAN),
            e.val_accuracy.unwrap_or(f64::NAN)
        );
    }
}
