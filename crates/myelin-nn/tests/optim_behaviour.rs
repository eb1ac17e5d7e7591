//! Optimiser behaviour beyond the reference trajectories: skipping parameters without
//! gradients, shared handles, validation, and error paths that must not half-update.

use myelin_nn::optim::*;
use myelin_nn::NnError;
use myelin_tensor::Tensor;

fn param(values: &[f64]) -> Tensor<f64> {
    Tensor::from_slice(values, &[values.len()])
        .unwrap()
        .requires_grad_(true)
}

fn set_grad(p: &Tensor<f64>, g: &[f64]) {
    p.set_grad(Some(Tensor::from_slice(g, p.shape()).unwrap()));
}

#[test]
fn parameter_without_grad_is_skipped_and_its_state_starts_late() {
    let a = param(&[1.0, 2.0]);
    let b = param(&[5.0]);
    let mut opt = Adam::new(vec![a.clone(), b.clone()], AdamConfig::new(0.1)).unwrap();
    for _ in 0..3 {
        set_grad(&a, &[1.0, -1.0]);
        opt.step().unwrap();
    }
    assert_eq!(
        b.to_vec(),
        vec![5.0],
        "a parameter with no grad must not move"
    );
    assert_eq!((opt.step_count(0), opt.step_count(1)), (3, 0));
    // Its first step is bias-corrected from t = 1: a move of lr·g/(|g| + eps) ≈ lr.
    set_grad(&b, &[1e-3]);
    opt.step().unwrap();
    assert_eq!(opt.step_count(1), 1);
    let moved = 5.0 - b.to_vec()[0];
    assert!(
        (moved - 0.1 * 1e-3 / (1e-3 + 1e-8)).abs() < 1e-12,
        "moved {moved}"
    );
}

#[test]
fn adamw_skips_decay_for_parameters_without_grad() {
    let a = param(&[2.0]);
    let mut opt = AdamW::new(vec![a.clone()], AdamWConfig::new(0.1).weight_decay(0.5)).unwrap();
    opt.step().unwrap();
    assert_eq!(a.to_vec(), vec![2.0]);
}

#[test]
fn updates_are_seen_through_every_clone_and_leave_no_graph() {
    let w = param(&[1.0, 1.0]);
    let model_view = w.clone();
    let mut opt = Sgd::new(vec![w.clone()], SgdConfig::new(0.5)).unwrap();
    (&w * &w).sum().backward().unwrap();
    opt.step().unwrap();
    assert_eq!(model_view.to_vec(), vec![0.0, 0.0]);
    assert!(w.is_leaf() && w.requires_grad());
    assert!(w.grad().is_some(), "step must not clear gradients");
    opt.zero_grad();
    assert!(w.grad().is_none());
}

#[test]
fn sgd_momentum_buffer_matches_hand_computation() {
    let w = param(&[0.0]);
    let mut opt = Sgd::new(
        vec![w.clone()],
        SgdConfig::new(1.0).momentum(0.5).dampening(0.5),
    )
    .unwrap();
    set_grad(&w, &[2.0]);
    opt.step().unwrap();
    assert_eq!(opt.momentum_buffer(0), Some(&[2.0][..])); // first step: raw grad
    set_grad(&w, &[4.0]);
    opt.step().unwrap();
    assert_eq!(opt.momentum_buffer(0), Some(&[0.5 * 2.0 + 0.5 * 4.0][..]));
    assert_eq!(w.to_vec(), vec![-2.0 - 3.0]);
}

#[test]
fn bad_gradient_shape_errors_before_any_parameter_changes() {
    let a = param(&[1.0, 2.0]);
    let b = param(&[3.0, 4.0]);
    let mut opt = Sgd::new(vec![a.clone(), b.clone()], SgdConfig::new(0.1)).unwrap();
    set_grad(&a, &[1.0, 1.0]);
    b.set_grad(Some(Tensor::zeros(&[3])));
    let err = opt.step().unwrap_err();
    assert!(
        matches!(err, NnError::InvalidArgument(ref m) if m.contains("parameter 1")),
        "{err}"
    );
    assert_eq!(a.to_vec(), vec![1.0, 2.0]);
    assert_eq!(b.to_vec(), vec![3.0, 4.0]);
}

#[test]
fn gradient_sharing_storage_with_the_parameter_does_not_deadlock() {
    let w = param(&[2.0, 4.0]);
    w.set_grad(Some(w.detach()));
    let mut opt = Sgd::new(vec![w.clone()], SgdConfig::new(0.25)).unwrap();
    opt.step().unwrap();
    assert_eq!(w.to_vec(), vec![1.5, 3.0]);
}

#[test]
fn non_contiguous_gradient_is_read_in_row_major_order() {
    let w = Tensor::<f64>::zeros(&[2, 2]).requires_grad_(true);
    let g = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])
        .unwrap()
        .t();
    assert!(!g.is_contiguous());
    w.set_grad(Some(g));
    let mut opt = Sgd::new(vec![w.clone()], SgdConfig::new(1.0)).unwrap();
    opt.step().unwrap();
    assert_eq!(w.to_vec(), vec![-1.0, -3.0, -2.0, -4.0]);
}

#[test]
fn nan_gradients_propagate_without_panicking() {
    let w = param(&[1.0, 2.0]);
    set_grad(&w, &[f64::NAN, 1.0]);
    let mut opt = Adam::new(vec![w.clone()], AdamConfig::new(0.1).amsgrad(true)).unwrap();
    opt.step().unwrap();
    let v = w.to_vec();
    assert!(v[0].is_nan() && v[1].is_finite());
}

#[test]
fn lr_can_be_read_and_changed_through_the_trait_object() {
    let w = param(&[1.0]);
    let mut opts: Vec<Box<dyn Optimizer<f64>>> = vec![
        Box::new(Sgd::new(vec![w.clone()], SgdConfig::new(0.1)).unwrap()),
        Box::new(Adam::new(vec![w.clone()], AdamConfig::new(0.1)).unwrap()),
        Box::new(AdamW::new(vec![w.clone()], AdamWConfig::new(0.1)).unwrap()),
        Box::new(RmsProp::new(vec![w.clone()], RmsPropConfig::new(0.1)).unwrap()),
        Box::new(Adagrad::new(vec![w.clone()], AdagradConfig::new(0.1)).unwrap()),
    ];
    for o in &mut opts {
        assert_eq!(o.lr(), 0.1);
        o.set_lr(0.025);
        assert_eq!(o.lr(), 0.025);
    }
    // The new rate is used: SGD with lr 0.025 and g = 2.
    let w = param(&[1.0]);
    let mut sgd = Sgd::new(vec![w.clone()], SgdConfig::new(1.0)).unwrap();
    sgd.set_lr(0.025);
    set_grad(&w, &[2.0]);
    sgd.step().unwrap();
    assert_eq!(w.to_vec(), vec![0.95]);
}

#[test]
fn invalid_parameter_lists_are_rejected() {
    let w = param(&[1.0]);
    let err = |r: Result<Sgd<f64>, NnError>| r.err().expect("should fail").to_string();
    assert!(err(Sgd::new(vec![], SgdConfig::new(0.1))).contains("empty"));
    let non_leaf = &w * 2.0;
    assert!(err(Sgd::new(vec![non_leaf], SgdConfig::new(0.1))).contains("leaf"));
    assert!(
        err(Sgd::new(vec![w.clone(), w.clone()], SgdConfig::new(0.1))).contains("share storage")
    );
    let m = Tensor::<f64>::zeros(&[2, 3]);
    assert!(err(Sgd::new(vec![m.t()], SgdConfig::new(0.1))).contains("contiguous"));
}

#[test]
fn invalid_hyper_parameters_are_rejected() {
    let p = || vec![param(&[1.0])];
    assert!(Sgd::new(p(), SgdConfig::new(-0.1)).is_err());
    assert!(Sgd::new(p(), SgdConfig::new(f64::NAN)).is_err());
    assert!(Sgd::new(p(), SgdConfig::new(0.1).momentum(-0.5)).is_err());
    assert!(Sgd::new(p(), SgdConfig::new(0.1).nesterov(true)).is_err());
    assert!(Sgd::new(
        p(),
        SgdConfig::new(0.1)
            .momentum(0.9)
            .dampening(0.1)
            .nesterov(true)
    )
    .is_err());
    assert!(Sgd::new(p(), SgdConfig::new(0.1).weight_decay(-1.0)).is_err());
    assert!(Adam::new(p(), AdamConfig::new(0.1).betas(1.0, 0.999)).is_err());
    assert!(Adam::new(p(), AdamConfig::new(0.1).betas(0.9, -0.1)).is_err());
    assert!(Adam::new(p(), AdamConfig::new(0.1).eps(-1e-8)).is_err());
    assert!(AdamW::new(p(), AdamWConfig::new(0.1).weight_decay(f64::INFINITY)).is_err());
    assert!(RmsProp::new(p(), RmsPropConfig::new(0.1).alpha(-0.5)).is_err());
    assert!(RmsProp::new(p(), RmsPropConfig::new(0.1).momentum(-0.5)).is_err());
    assert!(Adagrad::new(p(), AdagradConfig::new(0.1).lr_decay(-1.0)).is_err());
    assert!(Adagrad::new(p(), AdagradConfig::new(0.1).initial_accumulator_value(-1.0)).is_err());
    // Valid edge values are accepted.
    assert!(Sgd::new(p(), SgdConfig::new(0.0)).is_ok());
    assert!(Adam::new(p(), AdamConfig::new(0.1).betas(0.0, 0.0)).is_ok());
}

#[test]
fn defaults_match_pytorch() {
    assert_eq!(SgdConfig::default().lr, 1e-3);
    let a = AdamConfig::default();
    assert_eq!(
        (a.lr, a.betas, a.eps, a.weight_decay),
        (1e-3, (0.9, 0.999), 1e-8, 0.0)
    );
    assert_eq!(AdamWConfig::default().weight_decay, 1e-2);
    let r = RmsPropConfig::default();
    assert_eq!((r.lr, r.alpha, r.eps), (1e-2, 0.99, 1e-8));
    let g = AdagradConfig::default();
    assert_eq!(
        (g.lr, g.eps, g.initial_accumulator_value),
        (1e-2, 1e-10, 0.0)
    );
}

#[test]
fn optimisers_are_generic_over_f32() {
    let w = Tensor::<f32>::from_vec(vec![1.0, -1.0], &[2])
        .unwrap()
        .requires_grad_(true);
    let mut opt = RmsProp::new(vec![w.clone()], RmsPropConfig::new(0.01).centered(true)).unwrap();
    for _ in 0..5 {
        opt.zero_grad();
        (&w * &w).sum().backward().unwrap();
        opt.step().unwrap();
    }
    let v = w.to_vec();
    assert!(
        v[0] < 1.0 && v[0] > 0.0 && v[1] > -1.0 && v[1] < 0.0,
        "{v:?}"
    );
}
