//! Issue #8, checked against PyTorch 2.x fixtures (made by `tools/fixtures/*.py`):
//! schedulers apply the epoch-0 rate at construction (also through `fit`), BCE keeps
//! its digits for small p, Adam's `decoupled_weight_decay`, the weighted regression
//! losses, `LayerNorm(bias=false)`, and duplicate names in a safetensors header.

use myelin_nn::data::Dataset;
use myelin_nn::layers::{LayerNorm, Linear};
use myelin_nn::loss::{
    binary_cross_entropy, huber_loss_weighted, l1_loss_weighted, mse_loss_weighted, Reduction,
};
use myelin_nn::optim::{Adam, AdamConfig, AdamW, AdamWConfig, Optimizer, Sgd, SgdConfig};
use myelin_nn::schedule::*;
use myelin_nn::serialize::{load, load_into, load_metadata};
use myelin_nn::train::{fit, fit_scheduled, FitConfig};
use myelin_nn::{Module, NnError};
use myelin_tensor::{grad, Tensor};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn assert_rel(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = rel * w.abs().max(f64::MIN_POSITIVE);
        assert!(
            (g - w).abs() <= tol,
            "{what}[{i}]: got {g:e}, PyTorch {w:e} (rel err {:e})",
            ((g - w) / w).abs()
        );
    }
}

// ----- 5. schedulers -------------------------------------------------------------------

fn sgd(lr: f64) -> Sgd<f64> {
    Sgd::new(
        vec![Tensor::<f64>::zeros(&[1]).requires_grad_(true)],
        SgdConfig::new(lr),
    )
    .unwrap()
}

/// The optimiser's rate at the start of each epoch, as the PyTorch script records it.
fn drive(opt: &mut Sgd<f64>, s: &mut impl LrScheduler, epochs: usize) -> Vec<f64> {
    (0..epochs)
        .map(|_| {
            let lr = opt.lr();
            s.step_optimizer(opt);
            lr
        })
        .collect()
}

#[test]
fn every_scheduler_matches_pytorch_from_construction_on() {
    let fx = fixture("schedules.json");
    let case = |name: &str| fx[name].clone();
    let n = |c: &Value, k: &str| c[k].as_f64().unwrap();
    let u = |c: &Value, k: &str| c[k].as_u64().unwrap() as usize;

    let c = case("step_lr");
    let mut opt = sgd(n(&c, "base_lr"));
    let mut s = StepLR::with_optimizer(&mut opt, u(&c, "step_size"), n(&c, "gamma")).unwrap();
    assert_rel(
        &drive(&mut opt, &mut s, u(&c, "epochs")),
        &floats(&c["lrs"]),
        1e-12,
        "StepLR",
    );

    let c = case("exponential_lr");
    let mut opt = sgd(n(&c, "base_lr"));
    let mut s = ExponentialLR::with_optimizer(&mut opt, n(&c, "gamma")).unwrap();
    assert_rel(
        &drive(&mut opt, &mut s, u(&c, "epochs")),
        &floats(&c["lrs"]),
        1e-12,
        "ExponentialLR",
    );

    let c = case("cosine_annealing_lr");
    let mut opt = sgd(n(&c, "base_lr"));
    let mut s =
        CosineAnnealingLR::with_optimizer(&mut opt, u(&c, "t_max"), n(&c, "eta_min")).unwrap();
    assert_rel(
        &drive(&mut opt, &mut s, u(&c, "epochs")),
        &floats(&c["lrs"]),
        1e-12,
        "CosineAnnealingLR",
    );

    for name in ["linear_lr_warmup", "linear_lr_defaults", "linear_lr_decay"] {
        let c = case(name);
        let mut opt = sgd(n(&c, "base_lr"));
        let mut s = LinearLR::with_optimizer(
            &mut opt,
            n(&c, "start_factor"),
            n(&c, "end_factor"),
            u(&c, "total_iters"),
        )
        .unwrap();
        let want = floats(&c["lrs"]);
        // The epoch-0 rate is applied at construction: start_factor × lr, not lr.
        assert!(
            (opt.lr() - want[0]).abs() < 1e-15,
            "{name}: {} vs {}",
            opt.lr(),
            want[0]
        );
        assert_rel(
            &drive(&mut opt, &mut s, u(&c, "epochs")),
            &want,
            1e-12,
            name,
        );
    }

    let c = case("reduce_lr_on_plateau");
    let mut opt = sgd(n(&c, "base_lr"));
    let config = PlateauConfig {
        factor: n(&c, "factor"),
        patience: u(&c, "patience"),
        cooldown: u(&c, "cooldown"),
        min_lr: n(&c, "min_lr"),
        ..Default::default()
    };
    let mut s = ReduceLROnPlateau::with_optimizer(&opt, config).unwrap();
    let got: Vec<f64> = floats(&c["metrics"])
        .iter()
        .map(|&m| {
            let lr = opt.lr();
            s.step_optimizer(m, &mut opt);
            lr
        })
        .collect();
    assert_rel(&got, &floats(&c["lrs"]), 1e-12, "ReduceLROnPlateau");
}

#[test]
fn attach_applies_the_epoch_zero_rate_to_a_scheduler_built_with_new() {
    let mut opt = sgd(0.1);
    let s = LinearLR::new(opt.lr(), 0.25, 1.0, 4).unwrap();
    assert_eq!(opt.lr(), 0.1);
    s.attach(&mut opt);
    assert!((opt.lr() - 0.025).abs() < 1e-17);
}

fn blobs() -> Dataset {
    let features: Vec<f64> = (0..16)
        .flat_map(|i| {
            let s = if i % 2 == 0 { -1.0 } else { 1.0 };
            [s + 0.01 * i as f64, s]
        })
        .collect();
    Dataset::new(features, (0..16).map(|i| i % 2).collect(), 2, 2).unwrap()
}

#[test]
fn fit_scheduled_trains_epoch_zero_at_the_warmed_up_rate() {
    let fx = fixture("schedules.json");
    let c = &fx["linear_lr_warmup"];
    let want = floats(&c["lrs"]);
    let data = blobs();
    let base = c["base_lr"].as_f64().unwrap();
    let config = FitConfig::new(want.len(), 16).progress(false);

    let mut model = Linear::<f64>::new(2, 2, true, 3).unwrap();
    let mut opt = Sgd::new(model.parameters(), SgdConfig::new(base)).unwrap();
    let mut warmup = LinearLR::new(opt.lr(), 0.25, 1.0, 4).unwrap();
    let h = fit_scheduled(&mut model, &mut opt, &mut warmup, &data, None, &config).unwrap();
    let lrs: Vec<f64> = h.epochs.iter().map(|e| e.lr).collect();
    assert_rel(&lrs, &want, 1e-12, "fit_scheduled lr per epoch");

    // The weights equal a manual loop at PyTorch's rates: one full batch per epoch.
    let manual = Linear::<f64>::new(2, 2, true, 3).unwrap();
    let mut opt2 = Sgd::new(manual.parameters(), SgdConfig::new(base)).unwrap();
    let x = Tensor::from_vec(data.features().to_vec(), &[16, 2]).unwrap();
    for &lr in &want {
        opt2.set_lr(lr);
        opt2.zero_grad();
        let loss = myelin_nn::loss::cross_entropy(
            &manual.forward(&x).unwrap(),
            data.labels(),
            Reduction::Mean,
        )
        .unwrap();
        loss.backward().unwrap();
        opt2.step().unwrap();
    }
    for ((_, a), (_, b)) in model
        .named_parameters()
        .iter()
        .zip(manual.named_parameters())
    {
        assert_rel(
            &a.to_vec(),
            &b.to_vec(),
            1e-12,
            "weights after fit_scheduled",
        );
    }
    // Plain fit records the optimiser's constant rate.
    let mut model = Linear::<f64>::new(2, 2, true, 3).unwrap();
    let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.2)).unwrap();
    let h = fit(
        &mut model,
        &mut opt,
        &data,
        None,
        &FitConfig::new(2, 16).progress(false),
    )
    .unwrap();
    assert_eq!(
        h.epochs.iter().map(|e| e.lr).collect::<Vec<_>>(),
        vec![0.2, 0.2]
    );
}

// ----- 6. BCE precision ------------------------------------------------------------------

#[test]
fn bce_matches_pytorch_to_1e12_for_extreme_probabilities() {
    let fx = fixture("bce_precision.json");
    let (p, y, seed) = (floats(&fx["p"]), floats(&fx["y"]), floats(&fx["seed"]));
    let n = p.len();
    let pt = Tensor::from_vec(p, &[n]).unwrap().requires_grad_(true);
    let yt = Tensor::from_vec(y, &[n]).unwrap().requires_grad_(true);
    let loss = binary_cross_entropy(&pt, &yt, Reduction::None).unwrap();
    assert_rel(&loss.to_vec(), &floats(&fx["loss"]), 1e-12, "bce loss");
    let seed = Tensor::from_vec(seed, &[n]).unwrap();
    let g = grad(&[loss], &[pt, yt], Some(std::slice::from_ref(&seed)), false).unwrap();
    assert_rel(&g[0].to_vec(), &floats(&fx["grad_p"]), 1e-12, "bce d/dp");
    assert_rel(&g[1].to_vec(), &floats(&fx["grad_y"]), 1e-12, "bce d/dy");
    // ln(1 − 1e-15) via 1 − p loses every digit (it gives −1.110e-15); log1p keeps them.
    let tiny = Tensor::<f64>::from_vec(vec![1e-15], &[1]).unwrap();
    let zero = Tensor::<f64>::zeros(&[1]);
    let l = binary_cross_entropy(&tiny, &zero, Reduction::Sum)
        .unwrap()
        .item()
        .unwrap();
    assert!((l - 1.0000000000000005e-15).abs() < 1e-28, "{l:e}");
}

// ----- Adam decoupled_weight_decay -------------------------------------------------------

fn adam_trajectory(
    opt: &mut dyn Optimizer<f64>,
    w: &Tensor<f64>,
    a: &Tensor<f64>,
    b: &Tensor<f64>,
) -> Vec<Vec<f64>> {
    (0..12)
        .map(|_| {
            opt.zero_grad();
            let loss = (&(a * &(w * w)) + &(b * w)).sum();
            loss.backward().unwrap();
            opt.step().unwrap();
            w.to_vec()
        })
        .collect()
}

#[test]
fn adam_decoupled_weight_decay_matches_pytorch_and_equals_adamw() {
    let fx = fixture("adam_decoupled.json");
    let t = |k: &str| Tensor::from_vec(floats(&fx[k]), &[4]).unwrap();
    let (a, b) = (t("a"), t("b"));
    for case in ["adam_decoupled", "adam_coupled", "adam_decoupled_amsgrad"] {
        let c = &fx[case];
        let w = t("w0").requires_grad_(true);
        let config = AdamConfig::new(c["lr"].as_f64().unwrap())
            .weight_decay(c["weight_decay"].as_f64().unwrap())
            .amsgrad(c["amsgrad"].as_bool().unwrap())
            .decoupled_weight_decay(c["decoupled"].as_bool().unwrap());
        let mut opt = Adam::new(vec![w.clone()], config).unwrap();
        let got = adam_trajectory(&mut opt, &w, &a, &b);
        for (step, (g, want)) in got
            .iter()
            .zip(c["trajectory"].as_array().unwrap())
            .enumerate()
        {
            assert_rel(g, &floats(want), 1e-12, &format!("{case} step {step}"));
        }
    }
    // decoupled = AdamW, bit for bit, and the coupled run is different.
    let w1 = t("w0").requires_grad_(true);
    let w2 = t("w0").requires_grad_(true);
    let mut adam = Adam::new(
        vec![w1.clone()],
        AdamConfig::new(0.05)
            .weight_decay(0.3)
            .decoupled_weight_decay(true),
    )
    .unwrap();
    let mut adamw = AdamW::new(vec![w2.clone()], AdamWConfig::new(0.05).weight_decay(0.3)).unwrap();
    let (x1, x2) = (
        adam_trajectory(&mut adam, &w1, &a, &b),
        adam_trajectory(&mut adamw, &w2, &a, &b),
    );
    assert_eq!(x1, x2);
    assert_rel(
        &x2[11],
        &floats(&fx["adamw"]["trajectory"][11]),
        1e-12,
        "adamw",
    );
    let coupled = floats(&fx["adam_coupled"]["trajectory"][11]);
    assert!(
        (coupled[3] - x1[11][3]).abs() > 1e-4,
        "the flag must change the result"
    );
    assert!(!AdamConfig::default().decoupled_weight_decay);
}

// ----- weighted regression losses ---------------------------------------------------------

#[test]
fn weighted_regression_losses_match_pytorch() {
    let fx = fixture("weighted_losses.json");
    let t = |k: &str| Tensor::from_vec(floats(&fx[k]), &[3, 4]).unwrap();
    for name in ["mse", "l1", "huber"] {
        for (red, reduction) in [
            ("mean", Reduction::Mean),
            ("sum", Reduction::Sum),
            ("none", Reduction::None),
        ] {
            let x = t("input").requires_grad_(true);
            let w = t("weight").requires_grad_(true);
            let target = t("target");
            let v = match name {
                "mse" => mse_loss_weighted(&x, &target, &w, reduction),
                "l1" => l1_loss_weighted(&x, &target, &w, reduction),
                _ => huber_loss_weighted(&x, &target, 1.5, &w, reduction),
            }
            .unwrap();
            let want = &fx[format!("{name}_{red}")];
            assert_rel(
                &v.to_vec(),
                &floats(&want["value"]),
                1e-12,
                &format!("{name} {red}"),
            );
            let g = grad(&[v.sum()], &[x, w], None, false).unwrap();
            assert_rel(
                &g[0].to_vec(),
                &floats(&want["grad_input"]),
                1e-12,
                &format!("{name} {red} d/dx"),
            );
            assert_rel(
                &g[1].to_vec(),
                &floats(&want["grad_weight"]),
                1e-12,
                &format!("{name} {red} d/dw"),
            );
        }
    }
    let x = t("input");
    let e = mse_loss_weighted(&x, &x, &Tensor::ones(&[4]), Reduction::Mean).unwrap_err();
    assert!(matches!(&e, NnError::Shape { .. }), "{e}");
    let m = e.to_string();
    assert!(
        m.contains("mse_loss") && m.contains("[4]") && m.contains("[3, 4]"),
        "{m}"
    );
}

// ----- LayerNorm(bias=false) -----------------------------------------------------------------

#[test]
fn layer_norm_without_bias_has_only_a_weight() {
    let ln = LayerNorm::<f64>::with_bias(&[3], 1e-5, true, false).unwrap();
    let names: Vec<String> = ln.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["weight"]);
    assert!(ln.describe().contains("bias=false"), "{}", ln.describe());
    ln.named_parameters()[0]
        .1
        .update_data(|w| w.copy_from_slice(&[1.0, 2.0, 3.0]))
        .unwrap();
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]).unwrap();
    let y = ln.forward(&x).unwrap().to_vec();
    // (x − 2)/√(2/3 + 1e-5) · w, no shift.
    let s = (2.0f64 / 3.0 + 1e-5).sqrt();
    for (got, want) in y.iter().zip([-1.0 / s, 0.0, 3.0 / s]) {
        assert!((got - want).abs() < 1e-12, "{y:?}");
    }
    // elementwise_affine = false: no parameters, whatever `bias` says (PyTorch).
    assert!(LayerNorm::<f64>::with_bias(&[3], 1e-5, false, true)
        .unwrap()
        .named_parameters()
        .is_empty());
    let full = LayerNorm::<f64>::with_options(&[3], 1e-5, true).unwrap();
    assert_eq!(full.named_parameters().len(), 2);
}

// ----- 3. duplicate names in safetensors ------------------------------------------------------

#[test]
fn duplicate_tensor_names_are_rejected_before_loading() {
    let dir = std::env::temp_dir().join(format!("myelin-dup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let header = r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&1.0f32.to_le_bytes());
    bytes.extend_from_slice(&2.0f32.to_le_bytes());
    let path = dir.join("dup.safetensors");
    std::fs::write(&path, &bytes).unwrap();

    let p = Tensor::<f32>::from_vec(vec![9.0], &[1]).unwrap();
    let errors = [
        load::<f32>(&path).map(|_| ()).unwrap_err(),
        load_into(&path, &[("w", p.clone())]).unwrap_err(),
        load_metadata(&path).map(|_| ()).unwrap_err(),
    ];
    for e in errors {
        assert!(matches!(e, NnError::Checkpoint { .. }), "{e}");
        let m = e.to_string();
        assert!(m.contains("`w`") && m.contains("more than once"), "{m}");
    }
    assert_eq!(p.to_vec(), vec![9.0], "nothing was loaded");
    assert_eq!(p.version(), 0);
    // The same names once each load fine.
    let header = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&1.0f32.to_le_bytes());
    bytes.extend_from_slice(&2.0f32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(load::<f32>(&path).unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
