//! Learning-rate schedules compared with `torch.optim.lr_scheduler`.
//!
//! Reference snippet (PyTorch 2.x):
//!
//! ```python
//! from torch.optim import lr_scheduler as L
//! def seq(make, n, lr=0.1):
//!     p = torch.nn.Parameter(torch.zeros(1)); opt = torch.optim.SGD([p], lr=lr)
//!     s = make(opt); out = []
//!     for _ in range(n):
//!         out.append(s.get_last_lr()[0]); opt.step(); s.step()
//!     return out
//! def plateau(kw, metrics, lr=1.0):
//!     p = torch.nn.Parameter(torch.zeros(1)); opt = torch.optim.SGD([p], lr=lr)
//!     s = L.ReduceLROnPlateau(opt, **kw); out = []
//!     for m in metrics:
//!         opt.step(); s.step(m); out.append(opt.param_groups[0]['lr'])
//!     return out
//! ```

use myelin_nn::optim::{Optimizer, Sgd, SgdConfig};
use myelin_nn::schedule::*;
use myelin_tensor::Tensor;

/// Steps `s` and returns the rate of epochs 0..n (PyTorch's `get_last_lr()` before
/// each `step()`), checking `lr_at` and `step` agree.
fn seq(s: &mut impl LrScheduler, n: usize) -> Vec<f64> {
    let mut out = vec![];
    for e in 0..n {
        assert_eq!(s.last_epoch(), e);
        assert_eq!(s.lr(), s.lr_at(e));
        out.push(s.lr());
        let next = s.step();
        assert_eq!(next, s.lr_at(e + 1));
    }
    out
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (e, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1e-3),
            "epoch {e}: got {g}, PyTorch {w}\n{got:?}"
        );
    }
}

#[test]
fn step_lr() {
    // L.StepLR(o, step_size=3, gamma=0.5), lr=0.1
    let want = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125];
    assert_close(&seq(&mut StepLR::new(0.1, 3, 0.5).unwrap(), 10), &want);
}

#[test]
fn exponential_lr() {
    // L.ExponentialLR(o, gamma=0.9), lr=0.1
    let want = [
        0.1,
        0.09000000000000001,
        0.08100000000000002,
        0.07290000000000002,
        0.06561000000000002,
        0.05904900000000002,
        0.05314410000000002,
        0.04782969000000002,
        0.043046721000000024,
        0.03874204890000002,
    ];
    assert_close(&seq(&mut ExponentialLR::new(0.1, 0.9).unwrap(), 10), &want);
}

#[test]
fn cosine_annealing_lr_including_past_t_max() {
    // L.CosineAnnealingLR(o, T_max=10, eta_min=0.001), lr=0.1, 25 epochs
    let want = [
        0.1,
        0.09757729755661011,
        0.0905463412215599,
        0.07959536998847742,
        0.0657963412215599,
        0.0505,
        0.03520365877844011,
        0.02140463001152259,
        0.010453658778440109,
        0.0034227024433899004,
        0.001,
        0.0034227024433899004,
        0.01045365877844014,
        0.02140463001152267,
        0.035203658778440255,
        0.05050000000000022,
        0.06579634122156018,
        0.07959536998847777,
        0.09054634122156031,
        0.09757729755661054,
        0.10000000000000045,
        0.09757729755661054,
        0.09054634122156033,
        0.07959536998847778,
        0.0657963412215602,
    ];
    assert_close(
        &seq(&mut CosineAnnealingLR::new(0.1, 10, 0.001).unwrap(), 25),
        &want,
    );
}

#[test]
fn linear_warmup() {
    // L.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4), lr=0.1
    let want = [
        0.025,
        0.043750000000000004,
        0.06250000000000001,
        0.08125000000000002,
        0.10000000000000002,
        0.10000000000000002,
        0.10000000000000002,
    ];
    assert_close(
        &seq(&mut LinearWarmup::warmup(0.1, 0.25, 4).unwrap(), 7),
        &want,
    );
    assert_close(
        &seq(&mut LinearLR::new(0.1, 0.25, 1.0, 4).unwrap(), 7),
        &want,
    );
}

#[test]
fn linear_decay() {
    // L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=3), lr=0.1
    let want = [
        0.1,
        0.06999999999999999,
        0.039999999999999994,
        0.009999999999999998,
        0.009999999999999998,
        0.009999999999999998,
    ];
    assert_close(
        &seq(&mut LinearLR::new(0.1, 1.0, 0.1, 3).unwrap(), 6),
        &want,
    );
}

fn plateau(config: PlateauConfig, metrics: &[f64]) -> Vec<f64> {
    let mut s = ReduceLROnPlateau::new(1.0, config).unwrap();
    metrics.iter().map(|&m| s.step(m)).collect()
}

const M1: [f64; 15] = [
    1.0, 0.9, 0.95, 0.95, 0.95, 0.89999, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95,
];

#[test]
fn plateau_min_rel() {
    // plateau(dict(mode='min', factor=0.5, patience=2), M1)
    let cfg = PlateauConfig {
        factor: 0.5,
        patience: 2,
        ..Default::default()
    };
    let want = [
        1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.0625, 0.0625,
    ];
    assert_eq!(plateau(cfg, &M1), want);
}

#[test]
fn plateau_min_abs_cooldown_min_lr() {
    // plateau(dict(mode='min', factor=0.5, patience=1, threshold=0.05,
    //              threshold_mode='abs', cooldown=2, min_lr=0.2), M1)
    let cfg = PlateauConfig {
        factor: 0.5,
        patience: 1,
        threshold: 0.05,
        threshold_mode: ThresholdMode::Abs,
        cooldown: 2,
        min_lr: 0.2,
        ..Default::default()
    };
    let want = [
        1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2,
    ];
    assert_eq!(plateau(cfg, &M1), want);
}

#[test]
fn plateau_max_rel_with_nan_metric() {
    // plateau(dict(mode='max', factor=0.1, patience=1, threshold=0.1),
    //         [0.1, 0.2, 0.2, 0.21, 0.3, 0.3, 0.3, 0.3, nan, 0.3, 0.3, 0.3])
    let cfg = PlateauConfig {
        mode: PlateauMode::Max,
        factor: 0.1,
        patience: 1,
        threshold: 0.1,
        ..Default::default()
    };
    let metrics = [
        0.1,
        0.2,
        0.2,
        0.21,
        0.3,
        0.3,
        0.3,
        0.3,
        f64::NAN,
        0.3,
        0.3,
        0.3,
    ];
    let want = [
        1.0,
        1.0,
        1.0,
        0.1,
        0.1,
        0.1,
        0.010000000000000002,
        0.010000000000000002,
        0.0010000000000000002,
        0.0010000000000000002,
        0.00010000000000000003,
        0.00010000000000000003,
    ];
    assert_eq!(plateau(cfg, &metrics), want);
}

#[test]
fn plateau_eps_skips_small_reductions() {
    // plateau(dict(mode='min', factor=0.5, patience=0, min_lr=0.0, eps=0.3), [1.0]*6)
    let cfg = PlateauConfig {
        factor: 0.5,
        patience: 0,
        eps: 0.3,
        ..Default::default()
    };
    assert_eq!(plateau(cfg, &[1.0; 6]), [1.0, 0.5, 0.5, 0.5, 0.5, 0.5]);
}

#[test]
fn schedulers_drive_an_optimizer() {
    let w = Tensor::<f64>::zeros(&[1]).requires_grad_(true);
    let mut opt = Sgd::new(vec![w], SgdConfig::new(0.1)).unwrap();
    let mut s = CosineAnnealingLR::new(opt.lr(), 4, 0.0).unwrap();
    for e in 1..=4 {
        let lr = s.step_optimizer(&mut opt);
        assert_eq!(opt.lr(), lr);
        assert_eq!(lr, s.lr_at(e));
    }
    assert!(opt.lr().abs() < 1e-15);
    // Through trait objects.
    let mut boxed: Box<dyn LrScheduler> = Box::new(StepLR::new(0.1, 1, 0.5).unwrap());
    let dyn_opt: &mut dyn Optimizer<f64> = &mut opt;
    dyn_opt.set_lr(boxed.step());
    assert_eq!(opt.lr(), 0.05);
    // ReduceLROnPlateau starts from the optimiser's current rate.
    opt.set_lr(0.4);
    let mut p = ReduceLROnPlateau::new(
        1.0,
        PlateauConfig {
            patience: 0,
            factor: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.step_optimizer(1.0, &mut opt), 0.4);
    assert_eq!(p.step_optimizer(1.0, &mut opt), 0.2);
    assert_eq!(opt.lr(), 0.2);
    assert_eq!((p.best(), p.num_bad_epochs(), p.last_epoch()), (1.0, 0, 2));
}

#[test]
fn huge_epochs_do_not_panic() {
    let s = StepLR::new(0.1, 2, 0.5).unwrap();
    assert_eq!(s.lr_at(usize::MAX), 0.0);
    let c = CosineAnnealingLR::new(0.1, 3, 0.0).unwrap();
    assert!(c.lr_at(usize::MAX).is_finite());
    // Period 2·T_max: epoch 6k is the start of a cycle.
    assert!((c.lr_at(6_000_000_000) - 0.1).abs() < 1e-15);
    let mut e = ExponentialLR::new(0.1, 1.0).unwrap();
    e.set_last_epoch(usize::MAX);
    assert_eq!(e.step(), 0.1);
    assert_eq!(e.last_epoch(), usize::MAX);
}

#[test]
fn invalid_arguments_are_errors() {
    assert!(StepLR::new(0.1, 0, 0.5).is_err());
    assert!(StepLR::new(-0.1, 1, 0.5).is_err());
    assert!(ExponentialLR::new(0.1, f64::NAN).is_err());
    assert!(CosineAnnealingLR::new(0.1, 0, 0.0).is_err());
    assert!(CosineAnnealingLR::new(0.1, 5, -1.0).is_err());
    assert!(LinearLR::new(0.1, 0.0, 1.0, 5).is_err());
    assert!(LinearLR::new(0.1, 1.5, 1.0, 5).is_err());
    assert!(LinearLR::new(0.1, 0.5, 1.5, 5).is_err());
    assert!(LinearLR::new(0.1, 0.5, 1.0, 0).is_err());
    let bad = |c: PlateauConfig| ReduceLROnPlateau::new(0.1, c).is_err();
    assert!(bad(PlateauConfig {
        factor: 1.0,
        ..Default::default()
    }));
    assert!(bad(PlateauConfig {
        min_lr: -1.0,
        ..Default::default()
    }));
    assert!(bad(PlateauConfig {
        threshold: f64::NAN,
        ..Default::default()
    }));
}
