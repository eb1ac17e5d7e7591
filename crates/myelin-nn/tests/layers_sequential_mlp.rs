//! Sequential containers and the mlp builder.

use myelin_nn::layers::{mlp, ActivationLayer, Dropout, Flatten, Linear, Mlp, Sequential};
use myelin_nn::{Module, NnError};
use myelin_tensor::Tensor;

#[test]
fn mlp_builds_pytorch_named_layers() {
    let model = mlp::<f32>(
        &[64, 128, 128, 10],
        "relu".parse().unwrap(),
        "kaiming_normal".parse().unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(model.len(), 5);
    let named = model.named_parameters();
    let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    );
    assert_eq!(named[0].1.shape(), &[128, 64]);
    assert_eq!(named[4].1.shape(), &[10, 128]);
    assert_eq!(
        model.num_parameters(),
        64 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10
    );
    assert!(model.get(1).unwrap().describe().contains("relu"));
    assert!(model.get(4).unwrap().describe().starts_with("Linear"));
    // Kaiming normal (fan_in, √2): std √(2/64) in the first layer, zero biases.
    let std = named[0].1.var(0).item().unwrap().sqrt();
    assert!((std - (2.0f32 / 64.0).sqrt()).abs() < 0.05 * std, "{std}");
    assert!(named[1].1.to_vec().iter().all(|&b| b == 0.0));
    let y = model.forward(&Tensor::ones(&[3, 64])).unwrap();
    assert_eq!(y.shape(), &[3, 10]);
}

#[test]
fn mlp_is_seeded() {
    let build = |seed| {
        mlp::<f64>(
            &[5, 7, 3],
            "tanh".parse().unwrap(),
            "xavier_uniform".parse().unwrap(),
            seed,
        )
        .unwrap()
        .parameters()
        .iter()
        .flat_map(|p| p.to_vec())
        .collect::<Vec<f64>>()
    };
    assert_eq!(build(1), build(1));
    assert_ne!(build(1), build(2));
}

#[test]
fn mlp_options_bias_final_activation_and_auto_gain() {
    let model = Mlp::new(&[256, 256, 256], "tanh".parse().unwrap())
        .init("kaiming_normal(gain=auto)".parse().unwrap())
        .bias(false)
        .final_activation(Some("tanh".parse().unwrap()))
        .seed(4)
        .build::<f64>()
        .unwrap();
    assert_eq!(model.len(), 4);
    let names: Vec<String> = model
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["0.weight", "2.weight"]);
    let gain = myelin_nn::init::auto_gain(&"tanh".parse().unwrap()).unwrap();
    for (_, w) in model.named_parameters() {
        let std = w.var(0).item().unwrap().sqrt();
        assert!((std - gain / 16.0).abs() < 0.03 * gain / 16.0, "{std}");
    }
    // Outputs of a final tanh are in (−1, 1).
    let y = model.forward(&Tensor::randn_seeded(&[4, 256], 0)).unwrap();
    assert!(y.to_vec().iter().all(|v| v.abs() < 1.0));
}

#[test]
fn mlp_rejects_bad_widths() {
    for widths in [&[3usize][..], &[], &[3, 0, 2]] {
        let err = mlp::<f32>(widths, "relu".parse().unwrap(), Default::default(), 0).unwrap_err();
        assert!(matches!(err, NnError::InvalidArgument(_)), "{err}");
    }
    let err = Mlp::new(&[2, 2], "relu".parse().unwrap())
        .init("xavier_normal(gain=auto)".parse().unwrap())
        .final_activation(None)
        .build::<f32>();
    assert!(err.is_ok());
    let softmax_auto = Mlp::new(&[2, 3, 2], "softmax".parse().unwrap())
        .init("xavier_normal(gain=auto)".parse().unwrap())
        .build::<f32>();
    assert!(softmax_auto.is_err());
}

#[test]
fn deep_stacks_are_cheap_to_build() {
    let widths = vec![32; 101];
    let start = std::time::Instant::now();
    let model = mlp::<f32>(
        &widths,
        "selu".parse().unwrap(),
        "lecun_normal".parse().unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(model.len(), 199);
    assert!(start.elapsed().as_secs_f64() < 2.0);
    let outs = model
        .forward_all(&Tensor::randn_seeded(&[8, 32], 1))
        .unwrap();
    assert_eq!(outs.len(), 200);
    // SELU with LeCun normal keeps activations near unit variance through 100 layers.
    let var = outs[199].var(0).item().unwrap();
    assert!(var > 0.3 && var < 3.0, "{var}");
}

#[test]
fn sequential_train_eval_reaches_dropout_and_errors_name_the_layer() {
    let mut model = Sequential::<f64>::new()
        .append(Flatten::default())
        .append(Linear::new(6, 4, true, 0).unwrap())
        .append(Dropout::new(0.5, 0).unwrap())
        .append(ActivationLayer::new("relu".parse().unwrap()).unwrap());
    let x = Tensor::randn_seeded(&[2, 2, 3], 5);
    model.eval();
    let a = model.forward(&x).unwrap().to_vec();
    let b = model.forward(&x).unwrap().to_vec();
    assert_eq!(a, b, "eval mode is deterministic");
    model.train(true);
    assert!(model.is_training() && model.get(2).unwrap().is_training());
    let err = model.forward(&Tensor::zeros(&[2, 5])).unwrap_err();
    assert!(err.to_string().contains("Linear(in_features=6"), "{err}");
    assert!(model.describe().starts_with("Sequential((0): Flatten"));
    let empty = Sequential::<f64>::new();
    assert!(empty.is_empty());
    assert_eq!(empty.forward(&x).unwrap().to_vec(), x.to_vec());
}

#[test]
fn zero_grad_clears_every_parameter() {
    let model = mlp::<f64>(&[3, 4, 2], "relu".parse().unwrap(), Default::default(), 0).unwrap();
    model
        .forward(&Tensor::ones(&[2, 3]))
        .unwrap()
        .sum()
        .backward()
        .unwrap();
    assert!(model.parameters().iter().all(|p| p.grad().is_some()));
    model.zero_grad();
    assert!(model.parameters().iter().all(|p| p.grad().is_none()));
}
