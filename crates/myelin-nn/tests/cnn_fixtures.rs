//! Convolution, pooling, padding and fold/unfold against PyTorch 2.15 (float64 fixtures
//! written by `tools/fixtures/cnn.py`): outputs and the gradients of `sum(y · gy)` to
//! 1e-10. The options of every case repeat those in the script. Also a whole CNN
//! checkpoint (conv, batch norm, pooling, linear) in both directions.

use std::collections::HashMap;

use myelin_nn::layers::{
    ActivationLayer, AvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Sequential,
};
use myelin_nn::serialize::{load, load_into, save};
use myelin_nn::Module;
use myelin_tensor::{
    grad, seeded_rng, AvgPool1dOptions, AvgPool2dOptions, Conv1dOptions, Conv2dOptions,
    ConvTranspose2dOptions, FoldOptions, MaxPool1dOptions, MaxPool2dOptions, PadMode, Padding,
    Result, Tensor,
};

fn fixtures() -> HashMap<String, Tensor<f64>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cnn_ops.safetensors"
    );
    load::<f64>(path).unwrap().into_iter().collect()
}

fn close(name: &str, what: &str, got: &Tensor<f64>, want: &Tensor<f64>) {
    assert_eq!(got.shape(), want.shape(), "{name}.{what}: shape");
    for (i, (a, b)) in got.to_vec().iter().zip(want.to_vec()).enumerate() {
        assert!(
            (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
            "{name}.{what}[{i}]: myelin {a} vs torch {b}"
        );
    }
}

type Op = Box<dyn Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>>;

/// Runs `op` on the fixture's inputs and compares output and gradients.
fn check(fx: &HashMap<String, Tensor<f64>>, name: &str, op: Op) {
    let get = |k: &str| fx.get(&format!("{name}.{k}")).cloned();
    let x = get("x").unwrap_or_else(|| panic!("fixture {name} missing"));
    let mut inputs = vec![x.detach().requires_grad_(true)];
    for k in ["w", "b"] {
        if let Some(t) = get(k) {
            inputs.push(t.detach().requires_grad_(true));
        }
    }
    let y = op(&inputs).unwrap();
    close(name, "y", &y, &get("y").unwrap());
    let gy = get("gy").unwrap();
    let grads = grad(&[(&y * &gy).sum()], &inputs, None, false).unwrap();
    for (g, k) in grads.iter().zip(["gx", "gw", "gb"]) {
        close(name, k, g, &get(k).unwrap());
    }
}

#[test]
fn convolutions_match_pytorch() {
    let fx = fixtures();
    let cases: Vec<(&str, Op)> = vec![
        (
            "conv2d_groups",
            Box::new(|t| {
                let o = Conv2dOptions::default()
                    .stride((2, 1))
                    .padding((1, 2))
                    .dilation((1, 2))
                    .groups(2);
                t[0].try_conv2d(&t[1], Some(&t[2]), o)
            }),
        ),
        (
            "conv2d_same",
            Box::new(|t| {
                let o = Conv2dOptions::default()
                    .padding(Padding::Same)
                    .dilation((1, 2));
                t[0].try_conv2d(&t[1], None, o)
            }),
        ),
        (
            "conv2d_depthwise",
            Box::new(|t| {
                t[0].try_conv2d(&t[1], None, Conv2dOptions::default().padding(1).groups(4))
            }),
        ),
        (
            "conv1d",
            Box::new(|t| {
                let o = Conv1dOptions::default().stride(2).padding(1).dilation(2);
                t[0].try_conv1d(&t[1], Some(&t[2]), o)
            }),
        ),
        (
            "conv_transpose2d_groups",
            Box::new(|t| {
                let o = ConvTranspose2dOptions::default()
                    .stride((2, 3))
                    .padding((1, 0))
                    .output_padding((1, 2))
                    .groups(2);
                t[0].try_conv_transpose2d(&t[1], Some(&t[2]), o)
            }),
        ),
        (
            "conv_transpose2d_dilated",
            Box::new(|t| {
                let o = ConvTranspose2dOptions::default()
                    .stride(2)
                    .padding(1)
                    .output_padding(1)
                    .dilation(2);
                t[0].try_conv_transpose2d(&t[1], None, o)
            }),
        ),
    ];
    for (name, op) in cases {
        check(&fx, name, op);
    }
}

#[test]
fn pooling_matches_pytorch() {
    let fx = fixtures();
    let mp2 = MaxPool2dOptions::new((3, 2))
        .stride((2, 3))
        .padding(1)
        .dilation((2, 1))
        .ceil_mode(true);
    let mp1 = MaxPool1dOptions::new(3).stride(2).padding(1);
    let cases: Vec<(&str, Op)> = vec![
        ("max_pool2d", Box::new(move |t| t[0].try_max_pool2d(mp2))),
        ("max_pool1d", Box::new(move |t| t[0].try_max_pool1d(mp1))),
        (
            "avg_pool2d_exclude_pad",
            Box::new(|t| {
                t[0].try_avg_pool2d(
                    AvgPool2dOptions::new(3)
                        .stride(2)
                        .padding(1)
                        .ceil_mode(true)
                        .count_include_pad(false),
                )
            }),
        ),
        (
            "avg_pool2d_include_pad",
            Box::new(|t| t[0].try_avg_pool2d(AvgPool2dOptions::new(2).padding(1).ceil_mode(true))),
        ),
        (
            "avg_pool2d_divisor",
            Box::new(|t| {
                t[0].try_avg_pool2d(
                    AvgPool2dOptions::new(3)
                        .stride(2)
                        .padding(1)
                        .divisor_override(5),
                )
            }),
        ),
        (
            "avg_pool1d",
            Box::new(|t| {
                t[0].try_avg_pool1d(
                    AvgPool1dOptions::new(4)
                        .stride(3)
                        .padding(2)
                        .ceil_mode(true),
                )
            }),
        ),
        (
            "adaptive_avg_pool2d",
            Box::new(|t| t[0].try_adaptive_avg_pool2d([3, 2])),
        ),
        (
            "adaptive_avg_pool2d_up",
            Box::new(|t| t[0].try_adaptive_avg_pool2d([5, 4])),
        ),
        (
            "adaptive_avg_pool2d_global",
            Box::new(|t| t[0].try_adaptive_avg_pool2d([1, 1])),
        ),
        (
            "adaptive_avg_pool1d",
            Box::new(|t| t[0].try_adaptive_avg_pool1d(4)),
        ),
    ];
    for (name, op) in cases {
        check(&fx, name, op);
    }
    // The indices are PyTorch's too.
    for (name, idx) in [
        (
            "max_pool2d",
            fx["max_pool2d.x"].max_pool2d_with_indices(mp2).1,
        ),
        (
            "max_pool1d",
            fx["max_pool1d.x"].max_pool1d_with_indices(mp1).1,
        ),
    ] {
        let want: Vec<usize> = fx[&format!("{name}.idx")]
            .to_vec()
            .iter()
            .map(|&v| v as usize)
            .collect();
        assert_eq!(idx, want, "{name} indices");
    }
}

#[test]
fn pad_and_fold_match_pytorch() {
    let fx = fixtures();
    let fo = FoldOptions::new((2, 3))
        .dilation((2, 1))
        .padding(1)
        .stride((1, 2));
    let cases: Vec<(&str, Op)> = vec![
        (
            "pad_reflect",
            Box::new(|t| t[0].try_pad(&[2, 1, 3, 0], PadMode::Reflect)),
        ),
        (
            "pad_replicate",
            Box::new(|t| t[0].try_pad(&[1, 2, 0, 3], PadMode::Replicate)),
        ),
        (
            "pad_circular",
            Box::new(|t| t[0].try_pad(&[2, 2, 1, 1], PadMode::Circular)),
        ),
        (
            "pad_constant",
            Box::new(|t| t[0].try_pad(&[1, 2, 2, 1], PadMode::Constant(0.5))),
        ),
        ("unfold", Box::new(move |t| t[0].try_unfold(fo))),
        ("fold", Box::new(move |t| t[0].try_fold([6, 7], fo))),
    ];
    for (name, op) in cases {
        check(&fx, name, op);
    }
}

// ----- a whole CNN checkpoint, both directions ------------------------------------------

/// The PyTorch model of `tools/fixtures/cnn.py`, layer for layer.
fn cnn<T: myelin_tensor::Element>() -> Sequential<T> {
    let relu = || ActivationLayer::<T>::new("relu".parse().unwrap()).unwrap();
    Sequential::new()
        .append(Conv2d::new(1, 4, 3, Conv2dOptions::default().padding(1), 0).unwrap())
        .append(BatchNorm2d::new(4).unwrap())
        .append(relu())
        .append(MaxPool2d::new(MaxPool2dOptions::new(2)))
        .append(
            Conv2d::with_init(4, 8, 3, Conv2dOptions::default(), false, &mut seeded_rng(1))
                .unwrap(),
        )
        .append(relu())
        .append(AvgPool2d::new(AvgPool2dOptions::new(2).ceil_mode(true)))
        .append(Flatten::default())
        .append(Linear::new(8 * 2 * 2, 3, true, 2).unwrap())
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn pytorch_cnn_checkpoint_loads_strictly_and_matches() {
    let mut model = cnn::<f32>();
    load_into(fixture_path("cnn_model.safetensors"), &model.state_dict()).unwrap();
    model.eval();
    let io: HashMap<String, Tensor<f32>> = load::<f32>(fixture_path("cnn_model_io.safetensors"))
        .unwrap()
        .into_iter()
        .collect();
    let y = model.forward(&io["input"]).unwrap();
    assert_eq!(y.shape(), io["output"].shape());
    for (a, b) in y.to_vec().iter().zip(io["output"].to_vec()) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    // The running statistics came from the file (a fresh model gives other outputs).
    let mut fresh = cnn::<f32>();
    fresh.eval();
    let other = fresh.forward(&io["input"]).unwrap().to_vec();
    assert!(other
        .iter()
        .zip(y.to_vec())
        .any(|(a, b)| (a - b).abs() > 1e-3));
}

/// Writes a Myelin checkpoint and its outputs; `tools/fixtures/cnn.py verify DIR` loads
/// them strictly into the PyTorch model. The directory is `MYELIN_INTEROP_DIR` when set
/// (for that manual check), a temporary one otherwise; either way the file must load
/// back strictly into a fresh Myelin model with the same outputs.
#[test]
fn myelin_checkpoint_loads_into_pytorch() {
    let dir = std::env::var_os("MYELIN_INTEROP_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("myelin_cnn_{}", std::process::id())));
    std::fs::create_dir_all(&dir).unwrap();
    let model = cnn::<f32>();
    // A few training-mode forwards so the batch-norm statistics move.
    for seed in 0..3 {
        model
            .forward(&Tensor::randn_seeded(&[6, 1, 10, 10], 100 + seed))
            .unwrap();
    }
    let mut model = model;
    model.eval();
    let x = Tensor::<f32>::randn_seeded(&[4, 1, 10, 10], 7);
    let y = model.forward(&x).unwrap();
    let ckpt = dir.join("myelin_cnn.safetensors");
    save(&ckpt, &model.state_dict()).unwrap();
    save(
        dir.join("myelin_cnn_io.safetensors"),
        &[("input", x.clone()), ("output", y.clone())],
    )
    .unwrap();
    let mut back = cnn::<f32>();
    load_into(&ckpt, &back.state_dict()).unwrap();
    back.eval();
    assert_eq!(back.forward(&x).unwrap().to_vec(), y.to_vec());
    if std::env::var_os("MYELIN_INTEROP_DIR").is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }
}
