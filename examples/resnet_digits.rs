//! The vanishing gradient told in CNNs: the same depth (19 convolutions + 1 linear
//! layer) as a plain CNN and as a ResNet with BatchNorm2d, on the embedded 8×8 digits.
//!
//! ```text
//! cargo run --release --example resnet_digits
//! ```
//!
//! - **plain**: `Conv(1→16)`, then 18 × `Conv(16→16, 3×3) + ReLU`, global average pool,
//!   `Linear(16→10)`, PyTorch's default initialisation (U(±1/√fan_in), a gain of √(1/3)):
//!   each layer shrinks the signal and its gradient, so at initialisation the first
//!   layers' weight gradients are orders of magnitude below the last ones', and the
//!   network barely trains.
//! - **resnet**: `Conv(1→16) + BatchNorm2d + ReLU`, then 9 residual blocks
//!   `x + BN(Conv(ReLU(BN(Conv(x)))))` each followed by a ReLU, the same head: the
//!   identity paths carry the gradient to every layer, and it trains.
//!
//! Prints the per-layer weight-gradient norms of one batch at initialisation, then trains
//! both with the same SGD (momentum 0.9) for the same epochs and prints their test
//! accuracies.

use std::error::Error;
use std::time::Instant;

use myelin_nn::layers::{
    ActivationLayer, AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, Residual, Sequential,
};
use myelin_nn::loss::{cross_entropy, Reduction};
use myelin_nn::optim::{Sgd, SgdConfig};
use myelin_nn::train::{dataset_to_tensor, evaluate, fit, FitConfig};
use myelin_nn::Module;
use myelin_tensor::Conv2dOptions;

#[path = "support/to_image.rs"]
mod to_image;
use to_image::ToImage;

#[path = "support/digits_splits.rs"]
mod digits_splits;
use digits_splits::standardized_splits;

const WIDTH: usize = 16;
const BLOCKS: usize = 9;

fn relu() -> ActivationLayer<f32> {
    ActivationLayer::new("relu".parse().expect("relu")).expect("relu layer")
}

fn conv(c_in: usize, seed: u64) -> Result<Conv2d<f32>, Box<dyn Error>> {
    Ok(Conv2d::new(
        c_in,
        WIDTH,
        3,
        Conv2dOptions::default().padding(1),
        seed,
    )?)
}

fn head(model: Sequential<f32>) -> Result<Sequential<f32>, Box<dyn Error>> {
    Ok(model
        .append(AdaptiveAvgPool2d::new([1, 1]))
        .append(Flatten::default())
        .append(Linear::new(WIDTH, 10, true, 999)?))
}

fn plain() -> Result<Sequential<f32>, Box<dyn Error>> {
    let mut m = Sequential::new()
        .append(ToImage::new())
        .append(conv(1, 0)?)
        .append(relu());
    for i in 0..2 * BLOCKS {
        m = m.append(conv(WIDTH, 1 + i as u64)?).append(relu());
    }
    head(m)
}

fn resnet() -> Result<Sequential<f32>, Box<dyn Error>> {
    let mut m = Sequential::new()
        .append(ToImage::new())
        .append(conv(1, 0)?)
        .append(BatchNorm2d::new(WIDTH)?)
        .append(relu());
    for i in 0..BLOCKS {
        let body = Sequential::new()
            .append(conv(WIDTH, 1 + 2 * i as u64)?)
            .append(BatchNorm2d::new(WIDTH)?)
            .append(relu())
            .append(conv(WIDTH, 2 + 2 * i as u64)?)
            .append(BatchNorm2d::new(WIDTH)?);
        m = m.append(Residual::new(body)).append(relu());
    }
    head(m)
}

/// ‖∂L/∂W‖ of every convolution weight (4-D parameter), in depth order.
fn conv_grad_norms(
    model: &Sequential<f32>,
    x: &myelin_tensor::Tensor<f32>,
    labels: &[usize],
) -> Result<Vec<f64>, Box<dyn Error>> {
    model.zero_grad();
    cross_entropy(&model.forward(x)?, labels, Reduction::Mean)?.backward()?;
    let norms = model
        .named_parameters()
        .into_iter()
        .filter(|(_, p)| p.ndim() == 4)
        .map(|(_, p)| {
            p.grad()
                .map_or(0.0, |g| g.norm().item().unwrap_or(f32::NAN) as f64)
        })
        .collect();
    model.zero_grad();
    Ok(norms)
}

fn main() -> Result<(), Box<dyn Error>> {
    let (train, validation, test) = standardized_splits()?;

    let mut plain = plain()?;
    let mut resnet = resnet()?;
    let convs = |m: &Sequential<f32>| m.parameters().iter().filter(|p| p.ndim() == 4).count();
    println!(
        "plain: {} conv layers, {} parameters; resnet: {} conv layers, {} parameters",
        convs(&plain),
        plain.num_parameters(),
        convs(&resnet),
        resnet.num_parameters()
    );

    // One batch of 128 training images at initialisation.
    let x = dataset_to_tensor::<f32>(&train)?.try_slice(0, 0, 128)?;
    let labels = &train.labels()[..128];
    let gp = conv_grad_norms(&plain, &x, labels)?;
    let gr = conv_grad_norms(&resnet, &x, labels)?;
    println!("\nweight-gradient norm per conv layer at initialisation");
    println!("layer        plain       resnet");
    for (i, (p, r)) in gp.iter().zip(&gr).enumerate() {
        println!("{:5}  {:11.3e}  {:11.3e}", i + 1, p, r);
    }
    let ratio = |g: &[f64]| g[0] / g[g.len() - 1];
    println!(
        "first/last layer ratio: plain {:.2e}, resnet {:.2e}",
        ratio(&gp),
        ratio(&gr)
    );

    let epochs = 6;
    let mut accuracies = Vec::new();
    for (name, model) in [("plain", &mut plain), ("resnet", &mut resnet)] {
        // Plain SGD with momentum: an adaptive optimiser would rescale the tiny gradients
        // and hide the effect this example is about.
        let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.05).momentum(0.9))?;
        let start = Instant::now();
        let history = fit(
            model,
            &mut opt,
            &train,
            Some(&validation),
            &FitConfig::new(epochs, 32).seed(1),
        )?;
        let last = history.last().expect("epochs ran");
        let (_, acc) = evaluate(model, &test)?;
        println!(
            "\n{name}: {epochs} epochs in {:.1} s, final train loss {:.4}, test accuracy: {:.2}%",
            start.elapsed().as_secs_f64(),
            last.train_loss,
            100.0 * acc
        );
        accuracies.push(acc);
    }
    if ratio(&gp) > 1e-2 || accuracies[1] < 0.9 || accuracies[1] < accuracies[0] + 0.2 {
        return Err("expected the plain CNN's gradient to vanish and the ResNet to train".into());
    }
    Ok(())
}
