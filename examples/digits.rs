//! Trains a 64-128-128-10 ReLU MLP with Adam on the embedded 8×8 digits data set and
//! saves it as safetensors.
//!
//! ```text
//! cargo run --release --example digits [-- path/to/model.safetensors]
//! ```
//!
//! The data are standardised with statistics of the training part of a seeded,
//! stratified 80/10/10 split; the run is fully deterministic. Expect ≥ 96 % test
//! accuracy in a few seconds.

use std::error::Error;
use std::path::PathBuf;

use myelin_nn::layers::mlp;
use myelin_nn::optim::{Adam, AdamConfig};
use myelin_nn::serialize::{load_into, save};
use myelin_nn::train::evaluate;
use myelin_nn::Module;

#[path = "support/digits_splits.rs"]
mod digits_splits;
use digits_splits::{fit_and_test, standardized_splits};

fn main() -> Result<(), Box<dyn Error>> {
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("myelin_digits_mlp.safetensors"));

    let (train, validation, test) = standardized_splits()?;
    println!(
        "digits: {} train / {} validation / {} test samples, {} features, {} classes",
        train.len(),
        validation.len(),
        test.len(),
        train.n_features(),
        train.n_classes()
    );

    let mut model = mlp::<f32>(
        &[64, 128, 128, 10],
        "relu".parse()?,
        "kaiming_uniform".parse()?,
        0,
    )?;
    println!("model: {}", model.describe());
    let mut optimizer = Adam::new(model.parameters(), AdamConfig::new(1e-3))?;
    let outcome = fit_and_test(&mut model, &mut optimizer, (&train, &validation, &test))?;
    let test_accuracy = outcome.test_accuracy;
    println!(
        "test loss {:.4}, test accuracy {:.2}% ({:.1} s)",
        outcome.test_loss,
        100.0 * test_accuracy,
        outcome.seconds
    );

    save(&out, &model.state_dict())?;
    println!(
        "saved {} tensors to {}",
        model.state_dict().len(),
        out.display()
    );

    // Reload into a freshly initialised model and check it predicts the same.
    let mut restored = mlp::<f32>(
        &[64, 128, 128, 10],
        "relu".parse()?,
        "kaiming_uniform".parse()?,
        99,
    )?;
    load_into(&out, &restored.state_dict())?;
    let (_, restored_accuracy) = evaluate(&mut restored, &test)?;
    println!(
        "reloaded model test accuracy {:.2}%",
        100.0 * restored_accuracy
    );
    if restored_accuracy != test_accuracy {
        return Err("the reloaded model does not match the trained one".into());
    }
    if test_accuracy < 0.96 {
        return Err(format!("test accuracy {test_accuracy} is below 96%").into());
    }
    Ok(())
}
