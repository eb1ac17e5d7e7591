//! Criterion benchmarks of the tensor engine: elementwise fwd+bwd, matmul, a deep stack.
//! `cargo bench --bench tensor_ops`. Compare against PyTorch with
//! `examples/peer_workloads.rs`, which prints the peer's line format.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use myelin::tensor::{grad, no_grad, seeded_rng, Tensor};

fn elementwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise_2^22_f32");
    group.sample_size(20);
    let x0 = Tensor::<f32>::randn(&[1 << 22], &mut seeded_rng(0));
    let x = x0.detach().requires_grad_(true);
    group.bench_function("tanh_fwd", |b| {
        b.iter(|| {
            let _g = no_grad();
            x0.tanh()
        })
    });
    group.bench_function("tanh_fwdbwd", |b| {
        b.iter(|| grad(&[x.tanh().sum()], std::slice::from_ref(&x), None, false).unwrap())
    });
    group.bench_function("exp_fwdbwd", |b| {
        b.iter(|| grad(&[x.exp().sum()], std::slice::from_ref(&x), None, false).unwrap())
    });
    let zero = Tensor::<f32>::scalar(0.0);
    group.bench_function("relu_via_maximum_fwdbwd", |b| {
        b.iter(|| {
            grad(
                &[x.maximum(&zero).sum()],
                std::slice::from_ref(&x),
                None,
                false,
            )
            .unwrap()
        })
    });
    group.finish();
}

fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul_f32");
    group.sample_size(10);
    for n in [64usize, 256, 1024] {
        let mut rng = seeded_rng(n as u64);
        let a = Tensor::<f32>::randn(&[n, n], &mut rng);
        let b = Tensor::<f32>::randn(&[n, n], &mut rng);
        group.bench_with_input(BenchmarkId::new("fwd", n), &n, |bench, _| {
            bench.iter(|| {
                let _g = no_grad();
                a.matmul(&b)
            })
        });
    }
    group.finish();
}

fn deep_stack(c: &mut Criterion) {
    // W4: 64 Linear(128,128)+tanh layers, batch 64, forward + backward.
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
    let mut group = c.benchmark_group("deep_stack");
    group.sample_size(20);
    group.bench_function("w4_64x128_tanh_fwdbwd", |b| {
        b.iter(|| {
            let mut h = x.clone();
            for (w, bias) in &params {
                h = (&h.matmul(&w.t()) + bias).tanh();
            }
            h.sum().backward().unwrap();
            for (w, bias) in &params {
                w.zero_grad();
                bias.zero_grad();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, elementwise, matmul, deep_stack);
criterion_main!(benches);
