//! The adding problem (Hochreiter & Schmidhuber 1997, experiment 4): a sequence of `T`
//! pairs `(value, marker)` with values drawn from U(0, 1) and exactly two markers, one
//! in each half of the sequence; the target is the sum of the two marked values. A model
//! has to carry the first marked value across ≥ T/2 steps, which is what vanishing
//! gradients through time make hard for a plain RNN. Predicting the mean (1.0) gives a
//! mean squared error of Var(U + U) = 1/6 ≈ 0.167.
//!
//! ```text
//! cargo run --release --example adding_problem [-- --seq-len 100 --steps 1500 --hidden 32
//!     --batch 64 --lr 0.01 --seed 0 --models rnn,lstm,gru]
//! ```
//!
//! Each model (a one-layer recurrent layer and a linear read-out of its last hidden
//! state) trains with Adam and gradient-norm clipping at 1 on fresh random batches, then is
//! scored on a fixed test set of 1000 sequences; the run prints one line per model,
//! `model=… test_mse=… baseline_mse=…`. Synthetic and seeded: the run is reproducible.

use std::error::Error;
use std::time::Instant;

use myelin_nn::clip_grad_norm;
use myelin_nn::layers::{Gru, Linear, Lstm, Nonlinearity, RecurrentConfig, RecurrentState, Rnn};
use myelin_nn::loss::{mse_loss, Reduction};
use myelin_nn::optim::{Adam, AdamConfig};
use myelin_nn::{Module, Optimizer};
use myelin_tensor::{no_grad, Tensor};

struct Options {
    seq_len: usize,
    steps: usize,
    hidden: usize,
    batch: usize,
    lr: f64,
    seed: u64,
    models: Vec<String>,
}

fn parse_options() -> Result<Options, Box<dyn Error>> {
    let mut o = Options {
        seq_len: 100,
        steps: 1500,
        hidden: 32,
        batch: 64,
        lr: 0.01,
        seed: 0,
        models: vec!["rnn".into(), "lstm".into(), "gru".into()],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value"))
                .cloned()
        };
        match flag.as_str() {
            "--seq-len" => o.seq_len = value()?.parse()?,
            "--steps" => o.steps = value()?.parse()?,
            "--hidden" => o.hidden = value()?.parse()?,
            "--batch" => o.batch = value()?.parse()?,
            "--lr" => o.lr = value()?.parse()?,
            "--seed" => o.seed = value()?.parse()?,
            "--models" => o.models = value()?.split(',').map(str::to_string).collect(),
            other => return Err(format!("unknown option {other} (see the example's docs)").into()),
        }
    }
    if o.seq_len < 2 {
        return Err("--seq-len must be at least 2".into());
    }
    Ok(o)
}

/// SplitMix64: a small seeded generator, enough for synthetic data.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `lo..hi`.
    fn index(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo) as u64) as usize
    }
}

/// `n` sequences of length `t`: input `[t, n, 2]` (value, marker), target `[n, 1]`.
fn batch(n: usize, t: usize, rng: &mut SplitMix) -> (Tensor<f32>, Tensor<f32>) {
    let mut x = vec![0.0f32; t * n * 2];
    let mut y = vec![0.0f32; n];
    for b in 0..n {
        let first = rng.index(0, t / 2);
        let second = rng.index(t / 2, t);
        for step in 0..t {
            let v = rng.uniform();
            x[(step * n + b) * 2] = v;
            if step == first || step == second {
                x[(step * n + b) * 2 + 1] = 1.0;
                y[b] += v;
            }
        }
    }
    (
        Tensor::from_vec(x, &[t, n, 2]).expect("sizes match"),
        Tensor::from_vec(y, &[n, 1]).expect("sizes match"),
    )
}

/// A recurrent layer of the chosen kind, returning the last hidden state `[batch, hidden]`.
enum Encoder {
    Rnn(Rnn<f32>),
    Lstm(Lstm<f32>),
    Gru(Gru<f32>),
}

impl Encoder {
    fn new(name: &str, hidden: usize, seed: u64) -> Result<Self, Box<dyn Error>> {
        let config = RecurrentConfig::new(2, hidden);
        Ok(match name {
            "rnn" => Encoder::Rnn(Rnn::new(config, Nonlinearity::Tanh, seed)?),
            "lstm" => Encoder::Lstm(Lstm::new(config, seed)?),
            "gru" => Encoder::Gru(Gru::new(config, seed)?),
            other => return Err(format!("unknown model {other} (rnn, lstm, gru)").into()),
        })
    }

    fn last_hidden(&self, x: &Tensor<f32>) -> Result<Tensor<f32>, Box<dyn Error>> {
        let (_, state): (_, RecurrentState<f32>) = match self {
            Encoder::Rnn(m) => m.forward_with(x, None, None)?,
            Encoder::Lstm(m) => m.forward_with(x, None, None)?,
            Encoder::Gru(m) => m.forward_with(x, None, None)?,
        };
        Ok(state.h.try_squeeze(0)?)
    }

    fn module(&self) -> &dyn Module<f32> {
        match self {
            Encoder::Rnn(m) => m,
            Encoder::Lstm(m) => m,
            Encoder::Gru(m) => m,
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let o = parse_options()?;
    println!(
        "adding problem: T={} steps={} hidden={} batch={} lr={} seed={} (predicting the mean gives mse≈0.167)",
        o.seq_len, o.steps, o.hidden, o.batch, o.lr, o.seed
    );
    let (test_x, test_y) = batch(1000, o.seq_len, &mut SplitMix(o.seed ^ 0x7e57));
    let baseline = mse_loss(&Tensor::ones(test_y.shape()), &test_y, Reduction::Mean)?.item()?;
    for (k, name) in o.models.iter().enumerate() {
        let encoder = Encoder::new(name, o.hidden, o.seed + 10 * k as u64)?;
        let head = Linear::<f32>::new(o.hidden, 1, true, o.seed + 10 * k as u64 + 1)?;
        let mut params = encoder.module().parameters();
        params.extend(head.parameters());
        let mut opt = Adam::new(params.clone(), AdamConfig::new(o.lr))?;
        let mut rng = SplitMix(o.seed + 1000 * (k as u64 + 1));
        let start = Instant::now();
        let mut recent = Vec::new();
        for step in 1..=o.steps {
            let (x, y) = batch(o.batch, o.seq_len, &mut rng);
            opt.zero_grad();
            let loss = mse_loss(
                &head.forward(&encoder.last_hidden(&x)?)?,
                &y,
                Reduction::Mean,
            )?;
            loss.backward()?;
            clip_grad_norm(&params, 1.0, 2.0, false)?;
            opt.step()?;
            recent.push(loss.item()?);
            if step % 250 == 0 || step == o.steps {
                let mean = recent.iter().sum::<f32>() / recent.len() as f32;
                eprintln!("  {name} step {step:5}: train mse {mean:.4}");
                recent.clear();
            }
        }
        let test_mse = {
            let _g = no_grad();
            let pred = head.forward(&encoder.last_hidden(&test_x)?)?;
            mse_loss(&pred, &test_y, Reduction::Mean)?.item()?
        };
        println!(
            "model={name} {} params={} test_mse={test_mse:.4} baseline_mse={baseline:.4} train_s={:.1}",
            encoder.module().describe(),
            encoder.module().num_parameters() + head.num_parameters(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
