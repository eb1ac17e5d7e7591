//! The cost side of choosing an activation: forward + backward time of the probe's
//! 50-layer stack (width 256, batch 256, no biases) for each activation, in f32 and f64.
//! This is exactly what `myelin probe` runs (weights, input and readout drawn once outside
//! the timing loop; stats collection excluded).
//!
//! `cargo bench --bench deep_stacks` (small sample sizes, so it finishes quickly);
//! `cargo bench --bench deep_stacks -- selu` to filter.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use myelin::activations::Activation;
use myelin::lab::probe::{draw_tensors, Precision, ProbeConfig};
use myelin::lab::study::recommended_init;
use myelin::tensor::{Element, Tensor};

const SPECS: &[&str] = &[
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "tanh",
    "sigmoid",
    "softplus",
];
const DEPTH: usize = 50;
const WIDTH: usize = 256;
const BATCH: usize = 256;

fn forward_backward<T: Element>(
    act: &Activation,
    weights: &[Tensor<T>],
    x: &Tensor<T>,
    r: &Tensor<T>,
) -> T {
    let mut y = x.clone();
    for w in weights {
        y = act.apply(&y.matmul(&w.t()), None).expect("elementwise");
    }
    let loss = (&y * r).sum();
    loss.backward().expect("backward");
    let g = weights[0]
        .grad()
        .expect("gradient")
        .sum()
        .item()
        .expect("scalar");
    for w in weights {
        w.set_grad(None);
    }
    g
}

fn bench_dtype<T: Element>(c: &mut Criterion, precision: Precision) {
    let mut group = c.benchmark_group(format!("deep_stack_{precision}"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for spec in SPECS {
        let activation: Activation = spec.parse().expect("valid spec");
        let config = ProbeConfig {
            activation,
            init: recommended_init(&activation),
            depth: DEPTH,
            width: WIDTH,
            batch: BATCH,
            seed: 0,
            precision,
            bias_std: 0.0,
        };
        let (weights, x, r) = draw_tensors::<T>(&config).expect("tensors");
        group.bench_with_input(
            BenchmarkId::new("fwd_bwd_L50_N256_B256", spec),
            spec,
            |b, _| b.iter(|| black_box(forward_backward(&activation, &weights, &x, &r))),
        );
    }
    group.finish();
}

fn deep_stacks(c: &mut Criterion) {
    bench_dtype::<f32>(c, Precision::F32);
    bench_dtype::<f64>(c, Precision::F64);
}

criterion_group!(benches, deep_stacks);
criterion_main!(benches);
