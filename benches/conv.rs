//! Convolution and pooling throughput (f32, NCHW): conv2d 3×3 forward under `no_grad` and
//! forward + backward (the W6 shape and a small LeNet-like one), a depthwise and a strided
//! convolution, conv_transpose2d, max / average pooling forward and forward + backward.
//!
//! `cargo bench --bench conv` (small sample sizes, so it finishes quickly);
//! `cargo bench --bench conv -- pool` to filter.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myelin::tensor::{
    grad, no_grad, seeded_rng, AvgPool2dOptions, Conv2dOptions, ConvTranspose2dOptions,
    MaxPool2dOptions, Tensor,
};

fn conv(c: &mut Criterion) {
    let mut group = c.benchmark_group("conv2d");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    // (name, input shape, weight shape, options)
    let cases: Vec<(&str, [usize; 4], [usize; 4], Conv2dOptions)> = vec![
        (
            "3x3_64c_32px_b32",
            [32, 64, 32, 32],
            [64, 64, 3, 3],
            Conv2dOptions::default().padding(1),
        ),
        (
            "3x3_1to32c_28px_b64",
            [64, 1, 28, 28],
            [32, 1, 3, 3],
            Conv2dOptions::default(),
        ),
        (
            "3x3_32to64c_13px_b64",
            [64, 32, 13, 13],
            [64, 32, 3, 3],
            Conv2dOptions::default(),
        ),
        (
            "depthwise_3x3_64c_32px_b8",
            [8, 64, 32, 32],
            [64, 1, 3, 3],
            Conv2dOptions::default().padding(1).groups(64),
        ),
        (
            "3x3_s2_64c_32px_b8",
            [8, 64, 32, 32],
            [128, 64, 3, 3],
            Conv2dOptions::default().padding(1).stride(2),
        ),
    ];
    let mut rng = seeded_rng(0);
    for (name, xs, ws, opts) in cases {
        let x = Tensor::<f32>::randn(&xs, &mut rng);
        let w = Tensor::<f32>::randn(&ws, &mut rng).requires_grad_(true);
        let b = Tensor::<f32>::zeros(&[ws[0]]).requires_grad_(true);
        let out: usize = x.try_conv2d(&w, Some(&b), opts).unwrap().numel();
        group.throughput(Throughput::Elements(out as u64));
        group.bench_function(format!("{name}/fwd"), |bench| {
            bench.iter(|| {
                let _g = no_grad();
                black_box(x.conv2d(&w, Some(&b), opts))
            })
        });
        let xg = x.detach().requires_grad_(true);
        let params = [xg.clone(), w.clone(), b.clone()];
        group.bench_function(format!("{name}/fwdbwd"), |bench| {
            bench.iter(|| {
                black_box(
                    grad(&[xg.conv2d(&w, Some(&b), opts).sum()], &params, None, false).unwrap(),
                )
            })
        });
    }
    let x = Tensor::<f32>::randn(&[16, 64, 16, 16], &mut rng);
    let w = Tensor::<f32>::randn(&[64, 32, 4, 4], &mut rng);
    let topts = ConvTranspose2dOptions::default().stride(2).padding(1);
    group.bench_function("conv_transpose2d_4x4_s2_64to32c_16px_b16/fwd", |bench| {
        bench.iter(|| black_box(x.conv_transpose2d(&w, None, topts)))
    });
    group.finish();
}

fn pool(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    let x0 = Tensor::<f32>::randn(&[32, 64, 32, 32], &mut seeded_rng(1));
    group.throughput(Throughput::Elements(x0.numel() as u64));
    let x = x0.detach().requires_grad_(true);
    let mp = MaxPool2dOptions::new(2);
    let ap = AvgPool2dOptions::new(3).stride(2).padding(1);
    group.bench_function("max_pool2d_2x2_b32_64c_32px/fwd", |bench| {
        bench.iter(|| {
            let _g = no_grad();
            black_box(x0.max_pool2d(mp))
        })
    });
    group.bench_function("max_pool2d_2x2_b32_64c_32px/fwdbwd", |bench| {
        bench.iter(|| {
            black_box(
                grad(
                    &[x.max_pool2d(mp).sum()],
                    std::slice::from_ref(&x),
                    None,
                    false,
                )
                .unwrap(),
            )
        })
    });
    group.bench_function("avg_pool2d_3x3_s2_b32_64c_32px/fwd", |bench| {
        bench.iter(|| {
            let _g = no_grad();
            black_box(x0.avg_pool2d(ap))
        })
    });
    group.bench_function("avg_pool2d_3x3_s2_b32_64c_32px/fwdbwd", |bench| {
        bench.iter(|| {
            black_box(
                grad(
                    &[x.avg_pool2d(ap).sum()],
                    std::slice::from_ref(&x),
                    None,
                    false,
                )
                .unwrap(),
            )
        })
    });
    group.bench_function("adaptive_avg_pool2d_1x1_b32_64c_32px/fwd", |bench| {
        bench.iter(|| {
            let _g = no_grad();
            black_box(x0.adaptive_avg_pool2d([1, 1]))
        })
    });
    group.finish();
}

criterion_group!(benches, conv, pool);
criterion_main!(benches);
