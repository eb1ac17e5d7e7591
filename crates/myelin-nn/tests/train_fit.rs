//! The training loop: learning, determinism, history, evaluation and errors.

use myelin_nn::data::{digits, split, Dataset, SplitConfig, Standardizer};
use myelin_nn::layers::{mlp, ActivationLayer, Dropout, Linear, Sequential};
use myelin_nn::optim::{Adam, AdamConfig, Sgd, SgdConfig};
use myelin_nn::train::{batch_to_tensor, dataset_to_tensor, evaluate, fit, FitConfig};
use myelin_nn::{Module, NnError};

fn blobs() -> Dataset {
    // Three well-separated clusters in 2-D.
    let centres = [(-2.0, 0.0), (2.0, 0.0), (0.0, 3.0)];
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for i in 0..90 {
        let c = i % 3;
        let jitter = ((i * 37 % 11) as f64 - 5.0) / 10.0;
        features.extend([centres[c].0 + jitter, centres[c].1 - jitter]);
        labels.push(c);
    }
    Dataset::new(features, labels, 2, 3).unwrap()
}

#[test]
fn fit_learns_separable_data_and_records_history() {
    let data = blobs();
    let mut model = mlp::<f64>(
        &[2, 16, 3],
        "relu".parse().unwrap(),
        "kaiming_normal".parse().unwrap(),
        0,
    )
    .unwrap();
    let mut opt = Adam::new(model.parameters(), AdamConfig::new(0.02)).unwrap();
    let config = FitConfig::new(15, 16).seed(3).progress(false);
    let history = fit(&mut model, &mut opt, &data, Some(&data), &config).unwrap();
    assert_eq!(history.epochs.len(), 15);
    let first = &history.epochs[0];
    let last = history.last().unwrap();
    assert!(
        last.train_loss < first.train_loss / 3.0,
        "{first:?} → {last:?}"
    );
    assert_eq!(last.val_accuracy, Some(1.0));
    let (loss, acc) = evaluate(&mut model, &data).unwrap();
    assert_eq!(acc, 1.0);
    assert!((loss - last.val_loss.unwrap()).abs() < 1e-12);
    assert!(history
        .epochs
        .iter()
        .all(|e| e.seconds >= 0.0 && e.val_loss.is_some()));
}

#[test]
fn fit_is_deterministic_for_fixed_seeds() {
    let data = blobs();
    let run = |shuffle_seed| {
        let mut model = Sequential::<f32>::new()
            .append(Linear::new(2, 8, true, 1).unwrap())
            .append(ActivationLayer::new("tanh".parse().unwrap()).unwrap())
            .append(Dropout::new(0.1, 2).unwrap())
            .append(Linear::new(8, 3, true, 3).unwrap());
        let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.1)).unwrap();
        let config = FitConfig::new(3, 10).seed(shuffle_seed).progress(false);
        fit(&mut model, &mut opt, &data, None, &config)
            .unwrap()
            .train_losses()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn fit_and_evaluate_restore_the_mode() {
    let data = blobs();
    let mut model = mlp::<f64>(&[2, 4, 3], "relu".parse().unwrap(), Default::default(), 0).unwrap();
    let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.01)).unwrap();
    model.eval();
    fit(
        &mut model,
        &mut opt,
        &data,
        Some(&data),
        &FitConfig::new(1, 32).progress(false),
    )
    .unwrap();
    assert!(!model.is_training());
    model.train(true);
    evaluate(&mut model, &data).unwrap();
    assert!(model.is_training());
}

#[test]
fn evaluate_runs_without_recording_a_graph() {
    let data = blobs();
    let mut model = mlp::<f64>(&[2, 4, 3], "relu".parse().unwrap(), Default::default(), 0).unwrap();
    // Per-thread: the other tests of this file train on parallel threads.
    let before = myelin_tensor::live_nodes_on_this_thread();
    evaluate(&mut model, &data).unwrap();
    assert_eq!(myelin_tensor::live_nodes_on_this_thread(), before);
    assert!(model.parameters().iter().all(|p| p.grad().is_none()));
}

#[test]
fn fit_reports_bad_setups() {
    let data = blobs();
    let mut small = mlp::<f64>(&[2, 4, 2], "relu".parse().unwrap(), Default::default(), 0).unwrap();
    let mut opt = Sgd::new(small.parameters(), SgdConfig::new(0.01)).unwrap();
    let err = fit(
        &mut small,
        &mut opt,
        &data,
        None,
        &FitConfig::new(1, 8).progress(false),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            NnError::InvalidLabel {
                label: 2,
                classes: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(fit(&mut small, &mut opt, &data, None, &FitConfig::new(0, 8)).is_err());
    assert!(fit(&mut small, &mut opt, &data, None, &FitConfig::new(1, 0)).is_err());
    let mut wide = mlp::<f64>(&[3, 4, 3], "relu".parse().unwrap(), Default::default(), 0).unwrap();
    let mut opt = Sgd::new(wide.parameters(), SgdConfig::new(0.01)).unwrap();
    let err = fit(
        &mut wide,
        &mut opt,
        &data,
        None,
        &FitConfig::new(1, 8).progress(false),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Linear(in_features=3"), "{err}");
    let empty = Dataset::new(vec![], vec![], 2, 3).unwrap();
    assert!(evaluate(&mut wide, &empty).is_err());
}

#[test]
fn conversions_keep_values_and_shapes() {
    let data = blobs();
    let x = dataset_to_tensor::<f32>(&data).unwrap();
    assert_eq!(x.shape(), &[90, 2]);
    assert_eq!(x.to_vec()[..2], [-2.5f32, 0.5]);
    let batch = myelin_nn::data::MiniBatches::new(7)
        .unwrap()
        .epoch(&data, 0)
        .next()
        .unwrap();
    let b = batch_to_tensor::<f64>(&batch).unwrap();
    assert_eq!(b.shape(), &[7, 2]);
    assert_eq!(b.to_vec(), batch.features);
    assert!(myelin_nn::train::rows_to_tensor::<f64>(&[1.0; 5], 2, 2).is_err());
}

#[test]
fn digits_mlp_learns_quickly() {
    let all = digits().unwrap();
    let parts = split(&all, &SplitConfig::new(0.8, 0.0, 0.2).stratified().seed(0)).unwrap();
    let scaler = Standardizer::fit(&parts.train).unwrap();
    let train = scaler.transformed(&parts.train).unwrap();
    let test = scaler.transformed(&parts.test).unwrap();
    let mut model = mlp::<f32>(
        &[64, 64, 10],
        "relu".parse().unwrap(),
        Default::default(),
        0,
    )
    .unwrap();
    let mut opt = Adam::new(model.parameters(), AdamConfig::new(1e-3)).unwrap();
    fit(
        &mut model,
        &mut opt,
        &train,
        None,
        &FitConfig::new(8, 32).progress(false),
    )
    .unwrap();
    let (_, acc) = evaluate(&mut model, &test).unwrap();
    assert!(acc > 0.93, "{acc}");
}

#[test]
fn an_mlp_with_a_user_defined_activation_learns() {
    // The mlp builder takes any spec: an expression, with `gain=auto` computed for it.
    let data = blobs();
    let activation: myelin_activations::Activation = "expr(x * tanh(softplus(x)))".parse().unwrap();
    let mut model = mlp::<f64>(
        &[2, 16, 3],
        activation,
        "kaiming_normal(gain=auto)".parse().unwrap(),
        0,
    )
    .unwrap();
    assert!(model
        .get(1)
        .unwrap()
        .describe()
        .contains("expr(x * tanh(softplus(x)))"));
    let mut opt = Adam::new(model.parameters(), AdamConfig::new(0.02)).unwrap();
    let config = FitConfig::new(15, 16).seed(3).progress(false);
    let history = fit(&mut model, &mut opt, &data, Some(&data), &config).unwrap();
    let (first, last) = (&history.epochs[0], history.last().unwrap());
    assert!(
        last.train_loss < first.train_loss / 3.0,
        "{first:?} → {last:?}"
    );
    assert_eq!(last.val_accuracy, Some(1.0));
}
