//! Shared by the digits examples: the standardised 80/10/10 stratified split, and the
//! per-epoch log.

use std::time::Instant;

use myelin_nn::data::{digits, split, Dataset, SplitConfig, Standardizer};
use myelin_nn::optim::Optimizer;
use myelin_nn::train::{evaluate, fit, FitConfig, History};
use myelin_nn::{Module, Result};

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

/// What [`fit_and_test`] measured.
#[allow(dead_code)]
pub struct Outcome {
    /// Loss on the test set.
    pub test_loss: f64,
    /// Accuracy on the test set.
    pub test_accuracy: f64,
    /// Seconds of training and testing.
    pub seconds: f64,
}

/// Trains for 20 epochs (batch 32, seed 1) with per-epoch logging, then evaluates on `test`.
#[allow(dead_code)]
pub fn fit_and_test(
    model: &mut dyn Module<f32>,
    optimizer: &mut dyn Optimizer<f32>,
    (train, validation, test): (&Dataset, &Dataset, &Dataset),
) -> Result<Outcome> {
    let start = Instant::now();
    let history = fit(
        model,
        optimizer,
        train,
        Some(validation),
        &FitConfig::new(20, 32).seed(1),
    )?;
    print_epochs(&history);
    let (test_loss, test_accuracy) = evaluate(model, test)?;
    Ok(Outcome {
        test_loss,
        test_accuracy,
        seconds: start.elapsed().as_secs_f64(),
    })
}
