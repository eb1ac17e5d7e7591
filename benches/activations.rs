//! Activation throughput: the scalar function over a raw slice (the kernel's upper bound),
//! the tensor op forward under `no_grad`, and forward + backward (gradient of `sum(f(x))`),
//! on 2^20 f32 elements; softmax over the rows of a 1024×1024 matrix.
//!
//! `cargo bench --bench activations` (small sample sizes, so it finishes quickly);
//! `cargo bench --bench activations -- elu` to filter.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myelin::activations::{softmax, Activation};
use myelin::tensor::{grad, no_grad, seeded_rng, Tensor};

const SPECS: &[&str] = &[
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "gelu",
    "gelu_tanh",
    "silu",
    "elu",
    "selu",
    "softplus",
    "mish",
    "hardswish",
];

fn elementwise(c: &mut Criterion) {
    let n = 1 << 20;
    let x0 = Tensor::<f32>::randn(&[n], &mut seeded_rng(0));
    let data = x0.to_vec();
    let mut out = vec![0.0f32; n];
    let mut group = c.benchmark_group("activation");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600))
        .throughput(Throughput::Elements(n as u64));
    for spec in SPECS {
        let act: Activation = spec.parse().unwrap();
        let e = *act.as_elementwise().unwrap();
        group.bench_function(format!("{spec}/scalar_loop"), |b| {
            b.iter(|| {
                with_elementwise(&e, &data, &mut out);
                black_box(&out);
            })
        });
        if *spec == "elu" {
            use myelin::activations::tensor_ops::unary::Elu;
            use myelin::tensor::UnaryFn;
            let func = Elu::<f32>::new(1.0);
            let by_ref = |f: &Elu<f32>, data: &[f32], out: &mut [f32]| {
                for (o, &x) in out.iter_mut().zip(data) {
                    *o = f.f(x);
                }
            };
            group.bench_function("elu/loop_by_reference", |b| {
                b.iter(|| {
                    by_ref(&func, &data, &mut out);
                    black_box(&out);
                })
            });
            let closure = |x: f32| func.f(x);
            group.bench_function("elu/kernel_map", |b| {
                b.iter(|| {
                    myelin::tensor::simd::map(&data, &mut out, closure);
                    black_box(&out);
                })
            });
        }
        group.bench_function(format!("{spec}/fwd"), |b| {
            b.iter(|| {
                let _g = no_grad();
                black_box(act.apply(&x0, None).unwrap())
            })
        });
        let x = x0.detach().requires_grad_(true);
        group.bench_function(format!("{spec}/fwdbwd"), |b| {
            b.iter(|| {
                let y = act.apply(&x, None).unwrap().sum();
                black_box(grad(&[y], std::slice::from_ref(&x), None, false).unwrap())
            })
        });
    }
    group.finish();
}

/// A single-threaded loop of the scalar function (no tensors), dispatched once.
fn with_elementwise(e: &myelin::activations::Elementwise, data: &[f32], out: &mut [f32]) {
    use myelin::activations::tensor_ops::unary::*;
    use myelin::tensor::UnaryFn;
    fn run<F: UnaryFn<f32>>(f: F, data: &[f32], out: &mut [f32]) {
        for (o, &x) in out.iter_mut().zip(data) {
            *o = f.f(x);
        }
    }
    use myelin::activations::Elementwise as E;
    match *e {
        E::Relu => run(Relu::new(), data, out),
        E::LeakyRelu { slope } => run(LeakyRelu::new(slope as f32), data, out),
        E::Sigmoid => run(Sigmoid::new(), data, out),
        E::Tanh => run(Tanh::new(), data, out),
        E::Gelu => run(Gelu::new(), data, out),
        E::GeluTanh => run(GeluTanh::new(), data, out),
        E::Silu => run(Silu::new(), data, out),
        E::Elu { alpha } => run(Elu::new(alpha as f32), data, out),
        E::Selu => run(Selu::new(), data, out),
        E::Softplus { beta, threshold } => {
            run(Softplus::new(beta as f32, threshold as f32), data, out)
        }
        E::Mish => run(Mish::new(), data, out),
        E::HardSwish => run(HardSwish::new(), data, out),
        _ => unimplemented!("not benchmarked"),
    }
}

fn softmax_rows(c: &mut Criterion) {
    let mut rng = seeded_rng(1);
    let x0 = Tensor::<f32>::randn(&[1024, 1024], &mut rng);
    let g = Tensor::<f32>::randn(&[1024, 1024], &mut rng);
    let mut group = c.benchmark_group("softmax");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600))
        .throughput(Throughput::Elements(1 << 20));
    group.bench_function("rows_1024x1024/fwd", |b| {
        b.iter(|| {
            let _g = no_grad();
            black_box(softmax(&x0, 1).unwrap())
        })
    });
    group.bench_function("cols_1024x1024/fwd", |b| {
        b.iter(|| {
            let _g = no_grad();
            black_box(softmax(&x0, 0).unwrap())
        })
    });
    let x = x0.detach().requires_grad_(true);
    group.bench_function("rows_1024x1024/fwdbwd", |b| {
        b.iter(|| {
            let y = (&softmax(&x, 1).unwrap() * &g).sum();
            black_box(grad(&[y], std::slice::from_ref(&x), None, false).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, elementwise, softmax_rows);

/// The `Element` vectorisable math the activations are built on, over a raw slice.
fn element_math(c: &mut Criterion) {
    use myelin::tensor::Element;
    let n = 1 << 20;
    let data = Tensor::<f32>::randn(&[n], &mut seeded_rng(0)).to_vec();
    let mut out = vec![0.0f32; n];
    let mut group = c.benchmark_group("element_math");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600))
        .throughput(Throughput::Elements(n as u64));
    fn bench_map(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        name: &str,
        data: &[f32],
        out: &mut [f32],
        f: impl Fn(f32) -> f32,
    ) {
        group.bench_function(name, |b| {
            b.iter(|| {
                for (o, &x) in out.iter_mut().zip(data) {
                    *o = f(x);
                }
                black_box(&*out);
            })
        });
    }
    bench_map(&mut group, "vexp", &data, &mut out, |x| x.vexp());
    bench_map(&mut group, "vexp_m1", &data, &mut out, |x| x.vexp_m1());
    bench_map(&mut group, "vln_1p", &data, &mut out, |x| x.abs().vln_1p());
    bench_map(&mut group, "vtanh", &data, &mut out, |x| x.vtanh());
    bench_map(&mut group, "verfc", &data, &mut out, |x| x.verfc());
    bench_map(&mut group, "vsigmoid", &data, &mut out, |x| x.vsigmoid());
    group.finish();
}

criterion_group!(math, element_math);
criterion_main!(benches, math);
