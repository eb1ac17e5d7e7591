//! Resumable training (optimiser and scheduler state dicts), parameter groups, the
//! general `Trainer` loop and `TensorDataset`.

use myelin_nn::data::{MiniBatches, TensorDataset};
use myelin_nn::layers::mlp;
use myelin_nn::loss::{mse_loss, Reduction};
use myelin_nn::optim::{
    weight_decay_groups, Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Groups,
    Optimizer, OptimizerState, RmsProp, RmsPropConfig, Sgd, SgdConfig, StateDict,
};
use myelin_nn::schedule::{PlateauConfig, ReduceLROnPlateau, SchedulerStateDict, StepLR};
use myelin_nn::serialize;
use myelin_nn::train::{Control, EarlyStopping, EpochLog, Trainer};
use myelin_nn::Module;
use myelin_tensor::Tensor;

fn regression_data(n: usize, seed: u64) -> TensorDataset<f64> {
    let x = Tensor::<f64>::randn_seeded(&[n, 3], seed);
    let w = Tensor::<f64>::from_vec(vec![0.5, -1.0, 2.0], &[3, 1]).unwrap();
    let y = x.matmul(&w).tanh() + 0.1;
    TensorDataset::new(x, y).unwrap()
}

fn bits(model: &dyn Module<f64>) -> Vec<u64> {
    model
        .parameters()
        .iter()
        .flat_map(|p| p.to_vec())
        .map(f64::to_bits)
        .collect()
}

fn trainer<'a>(epochs: usize) -> Trainer<'a, f64> {
    Trainer::new(epochs, 8)
        .unwrap()
        .shuffle(5)
        .progress(false)
        .loss(|p, t| mse_loss(p, t, Reduction::Mean))
}

#[test]
fn interrupted_and_resumed_training_is_bitwise_identical() {
    let data = regression_data(44, 1);
    let dir = std::env::temp_dir().join(format!("myelin_resume_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // Model, optimiser and schedule, freshly made (weights from `seed`).
    let fresh = |seed: u64| {
        let model = mlp::<f64>(
            &[3, 8, 1],
            "tanh".parse().unwrap(),
            "xavier_normal".parse().unwrap(),
            seed,
        )
        .unwrap();
        let opt = Adam::new(model.parameters(), AdamConfig::new(0.01).amsgrad(true)).unwrap();
        (model, opt, StepLR::new(0.01, 2, 0.5).unwrap())
    };

    // Uninterrupted: 6 epochs.
    let (mut model, mut opt, mut sched) = fresh(7);
    let full = trainer(6)
        .scheduler(&mut sched)
        .fit(&mut model, &mut opt, &data, None)
        .unwrap();
    let expected = bits(&model);

    // Interrupted after 3 epochs, saved, and resumed into fresh objects.
    let (mut model, mut opt, mut sched) = fresh(7);
    let first = trainer(3)
        .scheduler(&mut sched)
        .fit(&mut model, &mut opt, &data, None)
        .unwrap();
    serialize::save(dir.join("model.safetensors"), &model.state_dict()).unwrap();
    opt.state_dict().save(dir.join("optim.json")).unwrap();
    let sched_state = sched.state_dict();
    drop((model, opt, sched));

    let (mut model, mut opt, mut sched) = fresh(99);
    serialize::load_into(dir.join("model.safetensors"), &model.state_dict()).unwrap();
    opt.load_state_dict(&OptimizerState::load(dir.join("optim.json")).unwrap())
        .unwrap();
    sched.load_state_dict(&sched_state).unwrap();
    assert_eq!(
        opt.lr(),
        0.005,
        "the learning rate comes back with the state"
    );
    let rest = trainer(6)
        .start_epoch(3)
        .scheduler(&mut sched)
        .fit(&mut model, &mut opt, &data, None)
        .unwrap();

    assert_eq!(
        bits(&model),
        expected,
        "resumed parameters differ from the uninterrupted run"
    );
    let resumed: Vec<EpochLog> = first.into_iter().chain(rest).collect();
    assert_eq!(resumed, full);
    assert!(full[5].train_loss < full[0].train_loss);
    std::fs::remove_dir_all(&dir).ok();
}

/// Every optimiser's state round-trips: two more steps after load equal two more steps
/// of the original, bitwise.
#[test]
fn every_optimizer_state_dict_round_trips() {
    type Build = fn(Vec<Tensor<f64>>) -> Box<dyn StateDictOpt>;
    trait StateDictOpt: StateDict<f64> {}
    impl<O: StateDict<f64>> StateDictOpt for O {}
    let builds: Vec<(&str, Build)> = vec![
        ("SGD", |p| {
            Box::new(Sgd::new(p, SgdConfig::new(0.1).momentum(0.9).nesterov(true)).unwrap())
        }),
        ("Adam", |p| {
            Box::new(Adam::new(p, AdamConfig::new(0.05)).unwrap())
        }),
        ("AdamW", |p| {
            Box::new(AdamW::new(p, AdamWConfig::new(0.05)).unwrap())
        }),
        ("RMSprop", |p| {
            Box::new(
                RmsProp::new(p, RmsPropConfig::new(0.01).momentum(0.5).centered(true)).unwrap(),
            )
        }),
        ("Adagrad", |p| {
            Box::new(Adagrad::new(p, AdagradConfig::new(0.1)).unwrap())
        }),
    ];
    let step = |w: &Tensor<f64>, opt: &mut dyn StateDictOpt| {
        opt.zero_grad();
        (w * w * w).sum().backward().unwrap();
        opt.step().unwrap();
    };
    for (name, build) in builds {
        let w = Tensor::<f64>::from_vec(vec![0.3, -0.7, 1.1], &[3])
            .unwrap()
            .requires_grad_(true);
        let unused = Tensor::<f64>::ones(&[2]).requires_grad_(true);
        let mut a = build(vec![w.clone(), unused.clone()]);
        for _ in 0..3 {
            step(&w, a.as_mut());
        }
        let state = a.state_dict();
        assert_eq!(state.optimizer, name);
        assert!(
            state.params[1].is_none(),
            "{name}: a parameter without gradients has no state"
        );
        let w2 = Tensor::<f64>::from_vec(w.to_vec(), &[3])
            .unwrap()
            .requires_grad_(true);
        let mut b = build(vec![w2.clone(), unused.clone()]);
        b.load_state_dict(&state).unwrap();
        assert_eq!(b.state_dict(), state, "{name}");
        for _ in 0..2 {
            step(&w, a.as_mut());
            step(&w2, b.as_mut());
        }
        assert_eq!(
            w.to_vec(),
            w2.to_vec(),
            "{name}: resumed trajectory differs"
        );
        // Mismatches are errors that name the problem.
        let mut c = build(vec![w.clone()]);
        let err = c.load_state_dict(&state).unwrap_err().to_string();
        assert!(
            err.contains("2 parameters") && err.contains("has 1"),
            "{name}: {err}"
        );
    }
    let sgd = Sgd::new(
        vec![Tensor::<f64>::ones(&[3]).requires_grad_(true)],
        SgdConfig::new(0.1),
    )
    .unwrap();
    let mut adam = Adam::new(
        vec![Tensor::<f64>::ones(&[3]).requires_grad_(true)],
        AdamConfig::new(0.1),
    )
    .unwrap();
    let err = adam
        .load_state_dict(&sgd.state_dict())
        .unwrap_err()
        .to_string();
    assert!(err.contains("from SGD, not Adam"), "{err}");
}

#[test]
fn plateau_scheduler_state_round_trips() {
    let mut a = ReduceLROnPlateau::new(0.1, PlateauConfig::default()).unwrap();
    for metric in [1.0, 0.9, 0.95, 0.97, 0.99] {
        a.step(metric);
    }
    let mut b = ReduceLROnPlateau::new(0.1, PlateauConfig::default()).unwrap();
    b.load_state_dict(&a.state_dict()).unwrap();
    for metric in [0.99; 12] {
        assert_eq!(a.step(metric), b.step(metric));
    }
    assert!(a.lr() < 0.1);
    assert_eq!(
        (a.best(), a.num_bad_epochs()),
        (b.best(), b.num_bad_epochs())
    );
    let err = b
        .load_state_dict(&StepLR::new(0.1, 2, 0.5).unwrap().state_dict())
        .unwrap_err();
    assert!(err.to_string().contains("from StepLR"));
}

#[test]
fn parameter_groups_apply_their_own_lr_and_weight_decay() {
    let model = mlp::<f64>(
        &[3, 4, 1],
        "tanh".parse().unwrap(),
        "xavier_normal".parse().unwrap(),
        1,
    )
    .unwrap();
    let named = model.named_parameters();
    let groups = weight_decay_groups(&named, 0.1, 0.5);
    let names_of = |g: &[Tensor<f64>]| -> Vec<String> {
        g.iter()
            .map(|p| {
                named
                    .iter()
                    .find(|(_, q)| q.shares_storage_with(p))
                    .unwrap()
                    .0
                    .clone()
            })
            .collect()
    };
    assert_eq!(names_of(&groups[0].params), ["0.weight", "2.weight"]);
    assert_eq!(names_of(&groups[1].params), ["0.bias", "2.bias"]);
    assert_eq!((groups[0].weight_decay, groups[1].weight_decay), (0.5, 0.0));

    // Reference: one AdamW per group, built by hand; the group lrs differ 1:2.
    let copy = |ps: &[Tensor<f64>]| -> Vec<Tensor<f64>> {
        ps.iter()
            .map(|p| {
                Tensor::from_vec(p.to_vec(), p.shape())
                    .unwrap()
                    .requires_grad_(true)
            })
            .collect()
    };
    let mut groups = groups;
    groups[1].lr = 0.2;
    let (ref_decay, ref_plain) = (copy(&groups[0].params), copy(&groups[1].params));
    let mut opt = Groups::new(groups.clone(), |p, lr, wd| {
        AdamW::new(p, AdamWConfig::new(lr).weight_decay(wd))
    })
    .unwrap();
    let mut r0 = AdamW::new(ref_decay.clone(), AdamWConfig::new(0.1).weight_decay(0.5)).unwrap();
    let mut r1 = AdamW::new(ref_plain.clone(), AdamWConfig::new(0.2).weight_decay(0.0)).unwrap();
    let all: Vec<Tensor<f64>> = groups.iter().flat_map(|g| g.params.clone()).collect();
    let refs: Vec<Tensor<f64>> = ref_decay.iter().chain(&ref_plain).cloned().collect();
    for step in 0..3 {
        for set in [&all, &refs] {
            set.iter()
                .map(|p| p.square().sum())
                .fold(Tensor::zeros(&[]), |a, b| a + b)
                .backward()
                .unwrap();
        }
        opt.step().unwrap();
        r0.step().unwrap();
        r1.step().unwrap();
        opt.zero_grad();
        r0.zero_grad();
        r1.zero_grad();
        for (p, q) in all.iter().zip(&refs) {
            assert_eq!(p.to_vec(), q.to_vec(), "step {step}");
        }
        if step == 1 {
            opt.set_lr(0.05); // a scheduler halves every group
            r0.set_lr(0.05);
            r1.set_lr(0.1);
            assert_eq!(opt.group_lrs(), vec![0.05, 0.1]);
        }
    }
    // Group state dicts round-trip too.
    let state = opt.state_dict();
    assert_eq!(state.optimizer, "Groups[AdamW]");
    let mut again = Groups::new(groups, |p, lr, wd| {
        AdamW::new(p, AdamWConfig::new(lr).weight_decay(wd))
    })
    .unwrap();
    again.load_state_dict(&state).unwrap();
    assert_eq!(again.state_dict(), state);
    assert_eq!(again.group_lrs(), vec![0.05, 0.1]);
}

#[test]
fn trainer_metrics_callbacks_and_early_stopping() {
    let data = regression_data(40, 2);
    let val = regression_data(20, 3);
    let mut model = mlp::<f64>(
        &[3, 8, 1],
        "tanh".parse().unwrap(),
        "xavier_normal".parse().unwrap(),
        3,
    )
    .unwrap();
    let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.05)).unwrap();
    let mut seen = Vec::new();
    let logs = trainer(50)
        .metric("mae", |p, t| Ok((p - t).abs().mean().item()?))
        .callback(|log: &EpochLog| {
            seen.push(log.epoch);
            if log.epoch == 4 {
                Control::Stop
            } else {
                Control::Continue
            }
        })
        .fit(&mut model, &mut opt, &data, Some(&val))
        .unwrap();
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    assert_eq!(logs.len(), 5);
    // The metric is computed on the validation set with the final weights of the epoch.
    let pred = model.forward(val.inputs()).unwrap();
    let mae = (&pred - val.targets()).abs().mean().item().unwrap();
    assert_eq!(logs[4].metrics["mae"], mae);
    assert_eq!(
        logs[4].val_loss.unwrap(),
        mse_loss(&pred, val.targets(), Reduction::Mean)
            .unwrap()
            .item()
            .unwrap()
    );
    assert!(logs[4].train_loss < logs[0].train_loss);
    assert!(model.is_training());
    let text = logs[0].to_string();
    assert!(text.contains("val_loss") && text.contains("mae"), "{text}");

    // Early stopping on a learning rate of 0 (no improvement): stops after `patience`.
    let mut frozen = Sgd::new(model.parameters(), SgdConfig::new(0.0)).unwrap();
    let logs = trainer(50)
        .callback(EarlyStopping::new("val_loss", 3, 0.0))
        .fit(&mut model, &mut frozen, &data, Some(&val))
        .unwrap();
    assert_eq!(
        logs.len(),
        4,
        "first epoch sets the best, three without improvement stop"
    );

    let err = Trainer::<f64>::new(1, 4)
        .unwrap()
        .fit(&mut model, &mut frozen, &data, None)
        .unwrap_err();
    assert!(err.to_string().contains("no loss"));
}

#[test]
fn tensor_dataset_batches_cover_every_sample_once_per_epoch() {
    let x = Tensor::<f32>::arange(0.0, 10.0, 1.0)
        .unwrap()
        .reshape(&[10, 1]);
    let y = &x * 10.0;
    let data = TensorDataset::new(x, y).unwrap();
    let loader = MiniBatches::new(4).unwrap().shuffle(9);
    let collect = |epoch| -> Vec<f32> {
        data.batches(&loader, epoch)
            .flat_map(|b| {
                let (x, y) = b.unwrap();
                assert_eq!(
                    (&x * 10.0).to_vec(),
                    y.to_vec(),
                    "inputs and targets stay paired"
                );
                x.to_vec()
            })
            .collect()
    };
    let (e0, e1) = (collect(0), collect(1));
    let mut sorted = e0.clone();
    sorted.sort_by(f32::total_cmp);
    assert_eq!(sorted, (0..10).map(|v| v as f32).collect::<Vec<_>>());
    assert_ne!(e0, e1, "each epoch has its own order");
    assert_eq!(e0, collect(0), "the order is a function of (seed, epoch)");
    let err = TensorDataset::new(Tensor::<f32>::zeros(&[3, 2]), Tensor::zeros(&[4]))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("TensorDataset") && err.contains("[3, 2]") && err.contains("[4]"),
        "{err}"
    );
    assert_eq!(
        data.subset(&[7, 2]).unwrap().targets().to_vec(),
        vec![70.0, 20.0]
    );
}
