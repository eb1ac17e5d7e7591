//! The benchmark workloads of `shared/bench-peers/torch_peer.py`, run on Myelin and printed
//! in the same line format (`W2 matmul1024 fwd_ms=... peer=myelin`) so the two can be
//! compared line by line. Run with `cargo run --release --example peer_workloads`;
//! `PEER_ONLY=W2,W4` selects workloads, `PEER_REPS_SCALE` scales repetition counts,
//! `MYELIN_SIMD=baseline|avx2|avx512` forces a lower SIMD level for the kernels.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use myelin::activations::{softmax, Activation};
use myelin::lab::{probe, Precision, ProbeConfig};
use myelin::nn::layers::{
    mlp, ActivationLayer, Conv2d, Flatten, Linear, Lstm, MaxPool2d, RecurrentConfig, Sequential,
};
use myelin::nn::loss::{cross_entropy, mse_loss, Reduction};
use myelin::nn::optim::{Optimizer, Sgd, SgdConfig};
use myelin::nn::Module;
use myelin::tensor::simd::simd_level;
use myelin::tensor::{grad, no_grad, seeded_rng, Conv2dOptions, MaxPool2dOptions, Tensor};

const PEER: &str = "myelin";

fn reps(n: usize) -> usize {
    let scale: f64 = std::env::var("PEER_REPS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64 * scale).round() as usize).max(3)
}

fn want(w: &str) -> bool {
    match std::env::var("PEER_ONLY") {
        Ok(list) if !list.is_empty() => list.split(',').any(|x| x == w),
        _ => true,
    }
}

/// Runs `f` `warmup` times, then `n` timed times; returns (median ms, min ms).
fn bench<R>(mut f: impl FnMut() -> R, warmup: usize, n: usize) -> (f64, f64) {
    for _ in 0..warmup {
        drop(f());
    }
    let mut times: Vec<f64> = (0..reps(n))
        .map(|_| {
            let t0 = Instant::now();
            let r = f();
            let dt = t0.elapsed().as_secs_f64() * 1e3;
            drop(r);
            dt
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    (times[times.len() / 2], times[0])
}

fn fmt(x: f64) -> String {
    if x < 1.0 {
        format!("{x:.4}")
    } else {
        format!("{x:.3}")
    }
}

fn emit(w: &str, name: &str, metrics: &[(&str, (f64, f64))]) {
    let mut parts = vec![w.to_string(), name.to_string()];
    for (k, (med, min)) in metrics {
        parts.push(format!("{k}_ms={}", fmt(*med)));
        parts.push(format!("{k}_min_ms={}", fmt(*min)));
    }
    parts.push(format!("peer={PEER}"));
    println!("{}", parts.join(" "));
}

type Act = fn(&Tensor<f32>) -> Tensor<f32>;

/// Times `f` forward under `no_grad` and forward + backward (gradient of `sum(f(x))`).
fn w1_unary(name: &str, x0: &Tensor<f32>, f: &dyn Fn(&Tensor<f32>) -> Tensor<f32>) {
    let fwd = bench(
        || {
            let _g = no_grad();
            f(x0)
        },
        3,
        20,
    );
    let x = x0.detach().requires_grad_(true);
    let fb = bench(
        || grad(&[f(&x).sum()], std::slice::from_ref(&x), None, false).unwrap(),
        3,
        20,
    );
    emit("W1", name, &[("fwd", fwd), ("fwdbwd", fb)]);
}

/// The activations of `torch_peer.py`'s W1, through `myelin-activations`' tensor ops.
const W1_ACTIVATIONS: &[(&str, &str)] = &[
    ("relu", "relu"),
    ("leaky_relu", "leaky_relu(slope=0.01)"),
    ("sigmoid", "sigmoid"),
    ("tanh", "tanh"),
    ("gelu_erf", "gelu"),
    ("gelu_tanh", "gelu_tanh"),
    ("silu", "silu"),
    ("elu", "elu"),
    ("selu", "selu"),
    ("softplus", "softplus"),
];

fn w1() {
    let n = 1 << 22;
    let x0 = Tensor::<f32>::randn(&[n], &mut seeded_rng(0));
    for (name, spec) in W1_ACTIVATIONS {
        let act: Activation = spec.parse().unwrap();
        w1_unary(name, &x0, &|x| act.apply(x, None).unwrap());
    }
    // Softmax over the rows of a 4096×1024 matrix; backward of sum(softmax(x)·g).
    let mut rng = seeded_rng(3);
    let xs0 = Tensor::<f32>::randn(&[4096, 1024], &mut rng);
    let g = Tensor::<f32>::randn(&[4096, 1024], &mut rng);
    let fwd = bench(
        || {
            let _g = no_grad();
            softmax(&xs0, 1).unwrap()
        },
        3,
        20,
    );
    let xs = xs0.detach().requires_grad_(true);
    let fb = bench(
        || {
            grad(
                &[(&softmax(&xs, 1).unwrap() * &g).sum()],
                std::slice::from_ref(&xs),
                None,
                false,
            )
            .unwrap()
        },
        3,
        20,
    );
    emit("W1", "softmax", &[("fwd", fwd), ("fwdbwd", fb)]);

    // Tensor-level ops (no activation crate), for comparison.
    let zero = Tensor::<f32>::scalar(0.0);
    let relu_via_max = move |x: &Tensor<f32>| x.maximum(&zero);
    type TensorFn = Box<dyn Fn(&Tensor<f32>) -> Tensor<f32>>;
    let ops: Vec<(&str, TensorFn)> = vec![
        ("relu_max", Box::new(relu_via_max)),
        ("tensor_sigmoid", Box::new(Tensor::sigmoid as Act)),
        ("tensor_tanh", Box::new(Tensor::tanh as Act)),
        ("exp", Box::new(Tensor::exp as Act)),
    ];
    for (name, f) in ops {
        w1_unary(name, &x0, &*f);
    }
}

fn w2() {
    let mut rng = seeded_rng(1);
    let a0 = Tensor::<f32>::randn(&[1024, 1024], &mut rng);
    let b0 = Tensor::<f32>::randn(&[1024, 1024], &mut rng);
    let fwd = bench(
        || {
            let _g = no_grad();
            a0.matmul(&b0)
        },
        5,
        30,
    );
    let (a, b) = (
        a0.detach().requires_grad_(true),
        b0.detach().requires_grad_(true),
    );
    let fb = bench(
        || grad(&[a.matmul(&b).sum()], &[a.clone(), b.clone()], None, false).unwrap(),
        3,
        20,
    );
    emit("W2", "matmul1024", &[("fwd", fwd), ("fwdbwd", fb)]);
    let flops = 2.0 * 1024f64.powi(3);
    println!(
        "W2 matmul1024_gflops fwd_gflops={:.1} fwd_best_gflops={:.1} fwdbwd_gflops={:.1} peer={PEER}",
        flops / fwd.0 / 1e6,
        flops / fwd.1 / 1e6,
        3.0 * flops / fb.0 / 1e6
    );
}

fn w4() {
    let mut rng = seeded_rng(2);
    let bound = 1.0 / (128f64).sqrt();
    let params: Vec<(Tensor<f32>, Tensor<f32>)> = (0..64)
        .map(|_| {
            let w = Tensor::<f32>::uniform(&[128, 128], -bound, bound, &mut rng).unwrap();
            let b = Tensor::<f32>::uniform(&[128], -bound, bound, &mut rng).unwrap();
            (w.requires_grad_(true), b.requires_grad_(true))
        })
        .collect();
    let x = Tensor::<f32>::randn(&[64, 128], &mut rng);
    let fb = bench(
        || {
            for (w, b) in &params {
                w.zero_grad();
                b.zero_grad();
            }
            let mut h = x.clone();
            for (w, b) in &params {
                // x·Wᵀ + b as one op, like PyTorch's addmm inside nn.Linear.
                h = h.linear(w, Some(b)).tanh();
            }
            h.sum().backward().unwrap();
        },
        5,
        50,
    );
    emit("W4", "deep64x128_fwdbwd", &[("fwdbwd", fb)]);
}

/// An `nn.Sequential` of Linear layers with `activation` between them, PyTorch's default
/// initialisation.
fn torch_like_mlp(widths: &[usize], activation: &str) -> Sequential<f32> {
    mlp::<f32>(
        widths,
        activation.parse().unwrap(),
        "torch_default".parse().unwrap(),
        0,
    )
    .unwrap()
}

fn w3() {
    let model = torch_like_mlp(&[784, 1024, 1024, 10], "relu");
    let mut rng = seeded_rng(3);
    let x = Tensor::<f32>::randn(&[128, 784], &mut rng);
    let labels: Vec<usize> = (0..128).map(|i| (i * 7 + 3) % 10).collect();
    let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.01)).unwrap();
    let step = bench(
        || {
            opt.zero_grad();
            let loss =
                cross_entropy(&model.forward(&x).unwrap(), &labels, Reduction::Mean).unwrap();
            loss.backward().unwrap();
            opt.step().unwrap();
        },
        5,
        30,
    );
    emit("W3", "mlp784_step", &[("step", step)]);
}

fn w5() {
    let model = torch_like_mlp(&[2, 16, 16, 1], "tanh");
    let mut rng = seeded_rng(4);
    let x = Tensor::<f32>::randn(&[32, 2], &mut rng);
    let y = Tensor::<f32>::randn(&[32, 1], &mut rng);
    let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.01)).unwrap();
    let step = bench(
        || {
            opt.zero_grad();
            let loss = mse_loss(&model.forward(&x).unwrap(), &y, Reduction::Mean).unwrap();
            loss.backward().unwrap();
            opt.step().unwrap();
        },
        200,
        2000,
    );
    emit("W5", "tiny_mlp_step", &[("step", step)]);
}

/// conv2d 3×3, padding 1, 64 → 64 channels, batch 32 of 32×32 (PyTorch's `nn.Conv2d`
/// with its bias): forward without grad, and forward + backward to input, weight, bias.
fn w6() {
    let conv = Conv2d::<f32>::new(64, 64, 3, Conv2dOptions::default().padding(1), 6).unwrap();
    let x0 = Tensor::<f32>::randn(&[32, 64, 32, 32], &mut seeded_rng(6));
    let fwd = bench(
        || {
            let _g = no_grad();
            conv.forward(&x0).unwrap()
        },
        3,
        20,
    );
    let x = x0.detach().requires_grad_(true);
    let mut params = vec![x.clone()];
    params.extend(conv.parameters());
    let fb = bench(
        || grad(&[conv.forward(&x).unwrap().sum()], &params, None, false).unwrap(),
        3,
        20,
    );
    emit("W6", "conv3x3_64c_32px", &[("fwd", fwd), ("fwdbwd", fb)]);
}

/// A LeNet-style CNN training step (batch 64 of 1×28×28, cross-entropy, SGD), the same
/// model as `torch_peer.py`.
fn w7() {
    let relu = || ActivationLayer::<f32>::new("relu".parse().unwrap()).unwrap();
    let d = Conv2dOptions::default();
    let model = Sequential::<f32>::new()
        .append(Conv2d::new(1, 32, 3, d, 1).unwrap())
        .append(relu())
        .append(MaxPool2d::new(MaxPool2dOptions::new(2)))
        .append(Conv2d::new(32, 64, 3, d, 2).unwrap())
        .append(relu())
        .append(MaxPool2d::new(MaxPool2dOptions::new(2)))
        .append(Flatten::default())
        .append(Linear::new(64 * 5 * 5, 128, true, 3).unwrap())
        .append(relu())
        .append(Linear::new(128, 10, true, 4).unwrap());
    let mut rng = seeded_rng(7);
    let x = Tensor::<f32>::randn(&[64, 1, 28, 28], &mut rng);
    let labels: Vec<usize> = (0..64).map(|i| (i * 7 + 3) % 10).collect();
    let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.01)).unwrap();
    let step = bench(
        || {
            opt.zero_grad();
            let loss =
                cross_entropy(&model.forward(&x).unwrap(), &labels, Reduction::Mean).unwrap();
            loss.backward().unwrap();
            opt.step().unwrap();
        },
        3,
        20,
    );
    emit("W7", "cnn_step", &[("step", step)]);
}

/// LSTM input 64, hidden 128, sequence 32, batch 32 (`batch_first`): forward + backward of
/// `sum(output)`, gradients into the parameters (cleared each time, like `p.grad = None`).
fn w8() {
    let lstm = Lstm::<f32>::new(RecurrentConfig::new(64, 128).batch_first(true), 0).unwrap();
    let x = Tensor::<f32>::randn(&[32, 32, 64], &mut seeded_rng(8));
    let fb = bench(
        || {
            lstm.zero_grad();
            lstm.forward(&x).unwrap().sum().backward().unwrap();
        },
        3,
        20,
    );
    emit("W8", "lstm128_seq32_fwdbwd", &[("fwdbwd", fb)]);
}

/// Transformer encoder layer d_model 128, 4 heads, feed-forward 512, no dropout, batch
/// 16 × sequence 64 (batch_first): forward + backward of sum(output).
fn w9() {
    let mut cfg = myelin::nn::layers::EncoderLayerConfig::new(128, 4);
    cfg.dim_feedforward = 512;
    cfg.dropout = 0.0;
    cfg.batch_first = true;
    let layer = myelin::nn::layers::TransformerEncoderLayer::<f32>::new(&cfg).unwrap();
    let x = Tensor::<f32>::randn_seeded(&[16, 64, 128], 0);
    let params = layer.parameters();
    let fb = || {
        for p in &params {
            p.set_grad(None);
        }
        layer.forward(&x).unwrap().sum().backward().unwrap();
    };
    emit(
        "W9",
        "transformer_block_fwdbwd",
        &[("fwdbwd", bench(fb, 3, 20))],
    );
}

/// W10, the lab's probe: 50 bias-free Linear(256, 256) + ReLU layers, kaiming_normal,
/// batch 256, f64; forward + backward of `sum(R ⊙ Y_L)`, recording the Frobenius norm of
/// the gradient at every pre-activation through hooks. `probe50x256_f64` is the same work
/// as torch_peer.py's W10 (fresh leaf weights each call); `lab_probe50x256_f64` runs
/// `myelin_lab::probe` itself, which also draws the tensors and computes its per-layer
/// statistics (mean square, dead fraction, activation mean and variance).
fn w10() {
    let (depth, width, batch) = (50, 256, 256);
    let mut rng = seeded_rng(5);
    let std = (2.0 / width as f64).sqrt();
    let ws: Vec<Tensor<f64>> = (0..depth)
        .map(|_| Tensor::<f64>::randn(&[width, width], &mut rng).mul_scalar(std))
        .collect();
    let x = Tensor::<f64>::randn(&[batch, width], &mut rng);
    let r = Tensor::<f64>::randn(&[batch, width], &mut rng);
    let norms = Arc::new(Mutex::new(Vec::with_capacity(depth)));
    let fb = bench(
        || {
            norms.lock().unwrap().clear();
            let leaves: Vec<Tensor<f64>> =
                ws.iter().map(|w| w.detach().requires_grad_(true)).collect();
            let mut y = x.clone();
            for w in &leaves {
                let h = y.matmul(&w.t());
                let store = Arc::clone(&norms);
                h.register_hook(move |g| {
                    store.lock().unwrap().push(g.norm().item().unwrap());
                    None
                });
                y = h.relu();
            }
            (&r * &y).sum().backward().unwrap();
            assert_eq!(norms.lock().unwrap().len(), depth);
        },
        2,
        10,
    );
    emit("W10", "probe50x256_f64", &[("fwdbwd", fb)]);
    let config = ProbeConfig::default();
    assert_eq!(
        (config.depth, config.width, config.batch, config.precision),
        (depth, width, batch, Precision::F64)
    );
    let lab = bench(|| probe(&config).unwrap(), 2, 10);
    emit("W10", "lab_probe50x256_f64", &[("fwdbwd", lab)]);
}

fn main() {
    // Which code the kernels run: the SIMD level chosen at run time, and whether this
    // binary was itself built for AVX2 (a native build) or for baseline x86-64.
    println!(
        "INFO config threads={} simd={} build_avx2={} peer={PEER}",
        rayon::current_num_threads(),
        simd_level(),
        cfg!(target_feature = "avx2")
    );
    let workloads: [fn(); 10] = [w1, w2, w3, w4, w5, w6, w7, w8, w9, w10];
    for (i, run) in workloads.into_iter().enumerate() {
        if want(&format!("W{}", i + 1)) {
            run();
        }
    }
}
