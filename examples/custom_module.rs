//! Your own module with `#[derive(Module)]`: a residual MLP, trained on a regression
//! task, interrupted, checkpointed and resumed exactly, with a forward hook watching
//! the activations.
//!
//! ```text
//! cargo run --release --example custom_module
//! ```

use std::sync::{Arc, Mutex};

use myelin::nn::data::TensorDataset;
use myelin::nn::layers::{LayerNorm, Linear};
use myelin::nn::loss::{mse_loss, Reduction};
use myelin::nn::module::{Forward, ForwardHooks};
use myelin::nn::optim::{
    weight_decay_groups, AdamW, AdamWConfig, Groups, OptimizerState, StateDict,
};
use myelin::nn::schedule::{CosineAnnealingLR, SchedulerStateDict};
use myelin::nn::train::Trainer;
use myelin::nn::{serialize, Module, Result};
use myelin::tensor::{Element, Tensor};

/// x + fc2(relu(fc1(norm(x)))).
#[derive(Module)]
struct Residual<T: Element> {
    norm: LayerNorm<T>,
    fc1: Linear<T>,
    fc2: Linear<T>,
    hooks: ForwardHooks<T>,
}

impl<T: Element> Forward<T> for Residual<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        Ok(x + self
            .fc2
            .forward(&self.fc1.forward(&self.norm.forward(x)?)?.relu())?)
    }
}

#[derive(Module)]
struct Net<T: Element> {
    input: Linear<T>,
    blocks: Vec<Residual<T>>,
    output: Linear<T>,
}

impl<T: Element> Forward<T> for Net<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let h = self
            .blocks
            .iter()
            .try_fold(self.input.forward(x)?, |h, b| b.forward(&h))?;
        self.output.forward(&h)
    }
}

fn net(width: usize, depth: usize) -> Result<Net<f64>> {
    let block = |i: u64| -> Result<Residual<f64>> {
        Ok(Residual {
            norm: LayerNorm::new(&[width])?,
            fc1: Linear::new(width, 4 * width, true, 10 + 2 * i)?,
            fc2: Linear::new(4 * width, width, true, 11 + 2 * i)?,
            hooks: ForwardHooks::new(),
        })
    };
    Ok(Net {
        input: Linear::new(2, width, true, 0)?,
        blocks: (0..depth as u64).map(block).collect::<Result<_>>()?,
        output: Linear::new(width, 1, true, 1)?,
    })
}

/// Model, optimiser (no weight decay on biases and norms) and schedule, from scratch.
fn setup() -> Result<(Net<f64>, Groups<AdamW<f64>>, CosineAnnealingLR)> {
    let model = net(16, 2)?;
    let groups = weight_decay_groups(&model.named_parameters(), 3e-3, 1e-4);
    let opt = Groups::new(groups, |p, lr, wd| {
        AdamW::new(p, AdamWConfig::new(lr).weight_decay(wd))
    })?;
    Ok((model, opt, CosineAnnealingLR::new(3e-3, 40, 1e-4)?))
}

fn train(
    model: &mut Net<f64>,
    opt: &mut Groups<AdamW<f64>>,
    sched: &mut CosineAnnealingLR,
    data: &TensorDataset<f64>,
    epochs: std::ops::Range<usize>,
) -> Result<f64> {
    let logs = Trainer::new(epochs.end, 32)?
        .start_epoch(epochs.start)
        .shuffle(0)
        .loss(|p, t| mse_loss(p, t, Reduction::Mean))
        .scheduler(sched)
        .fit(model, opt, data, None)?;
    Ok(logs.last().map_or(f64::NAN, |l| l.train_loss))
}

fn main() -> Result<()> {
    // y = tanh(3·x₀)·x₁ on [-1, 1]², columns picked with range indexing.
    let x = Tensor::<f64>::uniform(&[256, 2], -1.0, 1.0, &mut myelin::tensor::seeded_rng(1))?;
    let y = ((x.i((.., 0..1)) * 3.0).tanh() * x.i((.., 1..2))).contiguous();
    let data = TensorDataset::new(x, y)?;

    // Straight through: 40 epochs.
    let (mut model, mut opt, mut sched) = setup()?;
    println!(
        "{} ({} parameters)",
        model.describe(),
        model.num_parameters()
    );
    let loss = train(&mut model, &mut opt, &mut sched, &data, 0..40)?;
    let reference: Vec<f64> = model.parameters().iter().flat_map(|p| p.to_vec()).collect();
    println!("uninterrupted: final train loss {loss:.3e}");

    // Interrupted after 15 epochs: checkpoint model, optimiser and schedule ...
    let dir = std::env::temp_dir();
    let (mut model, mut opt, mut sched) = setup()?;
    train(&mut model, &mut opt, &mut sched, &data, 0..15)?;
    serialize::save(dir.join("custom_module.safetensors"), &model.state_dict())?;
    opt.state_dict()
        .save(dir.join("custom_module.optim.json"))?;
    let sched_state = sched.state_dict();

    // ... and resumed in fresh objects.
    let (mut model, mut opt, mut sched) = setup()?;
    serialize::load_into(dir.join("custom_module.safetensors"), &model.state_dict())?;
    opt.load_state_dict(&OptimizerState::load(dir.join("custom_module.optim.json"))?)?;
    sched.load_state_dict(&sched_state)?;
    let loss = train(&mut model, &mut opt, &mut sched, &data, 15..40)?;
    let resumed: Vec<f64> = model.parameters().iter().flat_map(|p| p.to_vec()).collect();
    println!(
        "resumed:       final train loss {loss:.3e}, bitwise identical: {}",
        resumed == reference
    );
    assert_eq!(resumed, reference);

    // A forward hook on the second block: record the mean activation, keep the output.
    let means = Arc::new(Mutex::new(Vec::new()));
    let log = means.clone();
    let handle = model.blocks[1].register_forward_hook(move |_, _, out| {
        log.lock().unwrap().push(out.mean().item().unwrap());
        None
    })?;
    let test = Tensor::<f64>::from_vec(vec![0.5, 1.0, -0.5, 1.0], &[2, 2])?;
    println!("prediction {}", model.forward(&test)?);
    handle.remove();
    println!(
        "block 1 mean activation seen by the hook: {:.4}",
        means.lock().unwrap()[0]
    );
    Ok(())
}
