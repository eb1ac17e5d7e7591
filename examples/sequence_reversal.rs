//! A small Transformer encoder learns to reverse token sequences.
//!
//! ```text
//! cargo run --release --example sequence_reversal [-- steps]
//! ```
//!
//! Data: random sequences of 10 tokens (vocabulary 0–9), generated in code from a seed;
//! the target at position i is the token at position L − 1 − i. Model: token embedding +
//! sinusoidal positional encoding → 2 pre-norm `TransformerEncoderLayer`s (d_model 64,
//! 4 heads, feed-forward 128, GELU, no dropout) → a final layer norm → a linear read-out,
//! trained with Adam (learning rate 2e-3, no warm-up) for 600 steps of 64 fresh sequences
//! on cross-entropy over every position (`[N, C, L]` logits against `[N, L]` targets).
//! Prints the token accuracy on 1000 held-out sequences (a different seed from every
//! training batch) and exits with an error below 99 %.
//!
//! The token embedding is added to the positional encoding *unscaled*: `Embedding` is
//! initialised N(0, 1), so the `√d_model` factor of the original Transformer (whose
//! embeddings start near N(0, 1/d_model)) would make the tokens about 8× larger than the
//! ±1 sinusoids and drown out the position information; with it the model only learns
//! the bag of tokens and plateaus near 29 % token accuracy. Without it the run reaches
//! 100 % within a few hundred steps (a few seconds in release).

use std::error::Error;
use std::time::Instant;

use myelin_nn::layers::{
    Embedding, EncoderLayerConfig, LayerNorm, Linear, SinusoidalPositionalEncoding,
    TransformerEncoder,
};
use myelin_nn::loss::{cross_entropy_with, ClassLossOptions};
use myelin_nn::optim::{Adam, AdamConfig};
use myelin_nn::{Module, Optimizer};
use myelin_tensor::{no_grad, seeded_rng, Tensor};

const VOCAB: usize = 10;
const LEN: usize = 10;
const D_MODEL: usize = 64;
const BATCH: usize = 64;

struct Reverser {
    embed: Embedding<f32>,
    position: SinusoidalPositionalEncoding,
    encoder: TransformerEncoder<f32>,
    head: Linear<f32>,
}

impl Reverser {
    fn new() -> Result<Self, Box<dyn Error>> {
        let mut cfg = EncoderLayerConfig::new(D_MODEL, 4);
        cfg.dim_feedforward = 128;
        cfg.dropout = 0.0;
        cfg.activation = "gelu".parse()?;
        cfg.batch_first = true;
        cfg.norm_first = true;
        cfg.seed = 1;
        Ok(Reverser {
            embed: Embedding::new(VOCAB, D_MODEL, None, 0)?,
            position: SinusoidalPositionalEncoding::new(D_MODEL, LEN, true)?,
            encoder: TransformerEncoder::new(&cfg, 2, Some(LayerNorm::new(&[D_MODEL])?))?,
            head: Linear::new(D_MODEL, VOCAB, true, 2)?,
        })
    }

    /// `[N, L]` tokens → `[N, VOCAB, L]` logits (class dimension second, as PyTorch's
    /// cross-entropy wants for sequences).
    fn logits(&self, tokens: &[usize], n: usize) -> Result<Tensor<f32>, Box<dyn Error>> {
        let x = self.embed.lookup(tokens, &[n, LEN])?;
        let h = self.encoder.forward(&self.position.forward(&x)?)?;
        Ok(self.head.forward(&h)?.try_transpose(1, 2)?)
    }

    fn parameters(&self) -> Vec<Tensor<f32>> {
        let mut p = self.embed.parameters();
        p.extend(self.encoder.parameters());
        p.extend(self.head.parameters());
        p
    }
}

/// `n` random sequences and their reversals, row-major.
fn batch(seed: u64, n: usize) -> (Vec<usize>, Vec<usize>) {
    let uniform = Tensor::<f64>::uniform(&[n * LEN], 0.0, VOCAB as f64, &mut seeded_rng(seed))
        .expect("a valid range");
    let tokens: Vec<usize> = uniform
        .to_vec()
        .iter()
        .map(|&u| (u as usize).min(VOCAB - 1))
        .collect();
    let targets = tokens
        .chunks(LEN)
        .flat_map(|s| s.iter().rev().copied().collect::<Vec<_>>())
        .collect();
    (tokens, targets)
}

fn main() -> Result<(), Box<dyn Error>> {
    let steps: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(600);
    let model = Reverser::new()?;
    let params = model.parameters();
    let n_params: usize = params.iter().map(|p| p.numel()).sum();
    println!("sequence reversal: vocabulary {VOCAB}, length {LEN}, {n_params} parameters, {steps} steps of batch {BATCH}");
    let mut optimizer = Adam::new(params.clone(), AdamConfig::new(2e-3))?;
    let opts = ClassLossOptions::default();
    let start = Instant::now();
    for step in 1..=steps {
        let (tokens, targets) = batch(1000 + step as u64, BATCH);
        let loss = cross_entropy_with(&model.logits(&tokens, BATCH)?, &targets, &opts)?;
        optimizer.zero_grad();
        loss.backward()?;
        optimizer.step()?;
        if step % 100 == 0 || step == 1 {
            println!(
                "step {step:4}  loss {:.4}  ({:.1} s)",
                loss.item()?,
                start.elapsed().as_secs_f64()
            );
        }
    }
    let (tokens, targets) = batch(7, 1000);
    let predicted = {
        let _guard = no_grad();
        model.logits(&tokens, 1000)?.try_argmax(1)?
    };
    let correct = predicted
        .iter()
        .zip(&targets)
        .filter(|(p, t)| p == t)
        .count();
    let exact = predicted
        .chunks(LEN)
        .zip(targets.chunks(LEN))
        .filter(|(p, t)| p == t)
        .count();
    let accuracy = 100.0 * correct as f64 / targets.len() as f64;
    println!(
        "token accuracy: {:.2}% ({} of {}); whole sequences reversed exactly: {:.1}%; {:.1} s",
        accuracy,
        correct,
        targets.len(),
        100.0 * exact as f64 / 1000.0,
        start.elapsed().as_secs_f64()
    );
    if accuracy < 99.0 {
        return Err(format!("token accuracy {accuracy:.2}% is below the 99% target").into());
    }
    Ok(())
}
