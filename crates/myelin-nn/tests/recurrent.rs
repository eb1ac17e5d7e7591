//! Recurrent layers through the public API: layouts, lengths against running each
//! sequence alone, dropout between layers, errors, and long sequences (no stack overflow,
//! graph memory flat across training steps). Every test holds `SERIAL` because
//! `live_nodes()` is process-global.

use std::sync::Mutex;

use myelin_nn::layers::{Gru, Lstm, Nonlinearity, RecurrentConfig, RecurrentState, Rnn};
use myelin_nn::optim::{Optimizer, Sgd, SgdConfig};
use myelin_nn::{Module, NnError};
use myelin_tensor::{live_nodes, Tensor};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

type Run = dyn Fn(
    &Tensor<f64>,
    Option<&RecurrentState<f64>>,
    Option<&[usize]>,
) -> myelin_nn::Result<(Tensor<f64>, RecurrentState<f64>)>;

/// One layer of each kind (and both RNN non-linearities) with `config`.
fn all_kinds(config: &RecurrentConfig) -> Vec<(&'static str, Box<Run>)> {
    let rnn = Rnn::new(config.clone(), Nonlinearity::Tanh, 1).unwrap();
    let relu = Rnn::new(config.clone(), Nonlinearity::Relu, 2).unwrap();
    let lstm = Lstm::new(config.clone(), 3).unwrap();
    let gru = Gru::new(config.clone(), 4).unwrap();
    vec![
        ("rnn", Box::new(move |x, s, l| rnn.forward_with(x, s, l))),
        (
            "rnn_relu",
            Box::new(move |x, s, l| relu.forward_with(x, s, l)),
        ),
        ("lstm", Box::new(move |x, s, l| lstm.forward_with(x, s, l))),
        ("gru", Box::new(move |x, s, l| gru.forward_with(x, s, l))),
    ]
}

fn max_diff(a: &Tensor<f64>, b: &Tensor<f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.to_vec()
        .iter()
        .zip(b.to_vec())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn lengths_match_running_each_sequence_alone() {
    let _g = serial();
    // Time-major, 2 layers, bidirectional: sequence b of length l must give exactly what
    // the layer gives on x[..l, b] alone, zeros after, and that run's final state.
    let config = RecurrentConfig::new(3, 4).num_layers(2).bidirectional(true);
    let (seq, batch) = (6, 3);
    let lengths = [4, 6, 1];
    let x = Tensor::<f64>::randn_seeded(&[seq, batch, 3], 7);
    for (name, run) in all_kinds(&config) {
        let (out, st) = run(&x, None, Some(&lengths)).unwrap();
        assert_eq!(out.shape(), &[seq, batch, 8]);
        for (b, &len) in lengths.iter().enumerate() {
            let alone = x
                .try_narrow(1, b, 1)
                .unwrap()
                .try_narrow(0, 0, len)
                .unwrap();
            let (out_b, st_b) = run(&alone, None, None).unwrap();
            let got = out.try_narrow(1, b, 1).unwrap();
            let d = max_diff(&got.try_narrow(0, 0, len).unwrap(), &out_b);
            assert!(d < 1e-12, "{name} sequence {b}: outputs differ by {d}");
            if len < seq {
                let tail = got.try_narrow(0, len, seq - len).unwrap().to_vec();
                assert!(tail.iter().all(|&v| v == 0.0), "{name}: padding not zero");
            }
            let d = max_diff(&st.h.try_narrow(1, b, 1).unwrap(), &st_b.h);
            assert!(d < 1e-12, "{name} sequence {b}: h_n differs by {d}");
            if let (Some(c), Some(c_b)) = (&st.c, &st_b.c) {
                let d = max_diff(&c.try_narrow(1, b, 1).unwrap(), c_b);
                assert!(d < 1e-12, "{name} sequence {b}: c_n differs by {d}");
            }
        }
    }
}

#[test]
fn batch_first_and_unbatched_layouts_agree_with_time_major() {
    let _g = serial();
    let config = RecurrentConfig::new(2, 3).num_layers(2).bidirectional(true);
    let x = Tensor::<f64>::randn_seeded(&[5, 2, 2], 1); // [seq, batch, input]
    let time_major = all_kinds(&config);
    let batch_first = all_kinds(&config.clone().batch_first(true));
    for ((name, tm), (_, bf)) in time_major.iter().zip(&batch_first) {
        let (out, st) = tm(&x, None, None).unwrap();
        let (out_bf, st_bf) = bf(&x.transpose(0, 1), None, None).unwrap();
        assert_eq!(out_bf.shape(), &[2, 5, 6]);
        assert_eq!(max_diff(&out, &out_bf.transpose(0, 1)), 0.0, "{name}");
        assert_eq!(
            max_diff(&st.h, &st_bf.h),
            0.0,
            "{name}: h_n is batch-second"
        );
        // Unbatched [seq, input] is batch 1 without the batch dimension, also for h_0.
        let one = x.try_narrow(1, 1, 1).unwrap();
        let h0 = Tensor::<f64>::randn_seeded(&[4, 1, 3], 2);
        let c0 = Tensor::<f64>::randn_seeded(&[4, 1, 3], 3);
        let state = |squeeze: bool| {
            let f = |t: &Tensor<f64>| {
                if squeeze {
                    t.squeeze(1)
                } else {
                    t.clone()
                }
            };
            RecurrentState {
                h: f(&h0),
                c: (*name == "lstm").then(|| f(&c0)),
            }
        };
        let (out_1, st_1) = tm(&one, Some(&state(false)), None).unwrap();
        let (out_u, st_u) = tm(&one.squeeze(1), Some(&state(true)), None).unwrap();
        assert_eq!(out_u.shape(), &[5, 6]);
        assert_eq!(st_u.h.shape(), &[4, 3]);
        assert_eq!(max_diff(&out_1.squeeze(1), &out_u), 0.0, "{name}");
        assert_eq!(max_diff(&st_1.h.squeeze(1), &st_u.h), 0.0, "{name}");
    }
}

#[test]
fn initial_state_changes_the_result_and_zero_state_is_the_default() {
    let _g = serial();
    let config = RecurrentConfig::new(2, 3);
    let x = Tensor::<f64>::randn_seeded(&[4, 2, 2], 1);
    for (name, run) in all_kinds(&config) {
        let lstm = name == "lstm";
        let zeros = RecurrentState {
            h: Tensor::zeros(&[1, 2, 3]),
            c: lstm.then(|| Tensor::zeros(&[1, 2, 3])),
        };
        let ones = RecurrentState {
            h: Tensor::ones(&[1, 2, 3]),
            c: lstm.then(|| Tensor::ones(&[1, 2, 3])),
        };
        let (default, _) = run(&x, None, None).unwrap();
        let (zero, _) = run(&x, Some(&zeros), None).unwrap();
        let (one, _) = run(&x, Some(&ones), None).unwrap();
        assert_eq!(max_diff(&default, &zero), 0.0, "{name}");
        assert!(max_diff(&default, &one) > 1e-3, "{name}: h_0 ignored");
    }
}

#[test]
fn dropout_acts_between_layers_in_training_only() {
    let _g = serial();
    let x = Tensor::<f64>::randn_seeded(&[5, 2, 3], 1);
    let plain = Gru::<f64>::new(RecurrentConfig::new(3, 8).num_layers(2), 5).unwrap();
    let mut dropped =
        Gru::<f64>::new(RecurrentConfig::new(3, 8).num_layers(2).dropout(0.5), 5).unwrap();
    // Same seed, same parameters: dropout only changes the training-mode forward.
    let train_out = dropped.forward(&x).unwrap();
    assert!(max_diff(&plain.forward(&x).unwrap(), &train_out) > 1e-3);
    dropped.eval();
    assert!(!dropped.is_training());
    assert_eq!(
        max_diff(&plain.forward(&x).unwrap(), &dropped.forward(&x).unwrap()),
        0.0
    );
    // One layer: nothing to drop between (PyTorch warns; the result is the same).
    let single = Gru::<f64>::new(RecurrentConfig::new(3, 8).dropout(0.5), 5).unwrap();
    let single_plain = Gru::<f64>::new(RecurrentConfig::new(3, 8), 5).unwrap();
    assert_eq!(
        max_diff(
            &single.forward(&x).unwrap(),
            &single_plain.forward(&x).unwrap()
        ),
        0.0
    );
}

#[test]
fn parameters_have_pytorch_names_shapes_and_init() {
    let _g = serial();
    let config = RecurrentConfig::new(3, 16)
        .num_layers(2)
        .bidirectional(true);
    let lstm = Lstm::<f64>::new(config.clone(), 0).unwrap();
    let named = lstm.named_parameters();
    let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "weight_ih_l0",
            "weight_hh_l0",
            "bias_ih_l0",
            "bias_hh_l0",
            "weight_ih_l0_reverse",
            "weight_hh_l0_reverse",
            "bias_ih_l0_reverse",
            "bias_hh_l0_reverse",
            "weight_ih_l1",
            "weight_hh_l1",
            "bias_ih_l1",
            "bias_hh_l1",
            "weight_ih_l1_reverse",
            "weight_hh_l1_reverse",
            "bias_ih_l1_reverse",
            "bias_hh_l1_reverse",
        ]
    );
    assert_eq!(named[0].1.shape(), &[64, 3]);
    assert_eq!(named[1].1.shape(), &[64, 16]);
    assert_eq!(named[8].1.shape(), &[64, 32]);
    assert_eq!(named[2].1.shape(), &[64]);
    let gru = Gru::<f64>::new(config.clone().bias(false), 0).unwrap();
    assert_eq!(gru.named_parameters().len(), 8);
    assert_eq!(gru.named_parameters()[0].1.shape(), &[48, 3]);
    // U(±1/√16) = U(±0.25): inside the bound and spread over it.
    let all: Vec<f64> = lstm.parameters().iter().flat_map(|p| p.to_vec()).collect();
    assert!(all.iter().all(|w| w.abs() <= 0.25));
    let max = all.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    assert!(max > 0.24, "max |w| = {max}");
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / all.len() as f64;
    assert!((var - 0.25 * 0.25 / 3.0).abs() < 0.002, "variance {var}");
    assert_eq!(
        lstm.describe(),
        "LSTM(3, 16, num_layers=2, bidirectional=True)"
    );
    let rnn = Rnn::<f32>::new(
        RecurrentConfig::new(3, 4)
            .batch_first(true)
            .dropout(0.25)
            .bias(false),
        Nonlinearity::Relu,
        0,
    )
    .unwrap();
    assert_eq!(
        rnn.describe(),
        "RNN(3, 4, nonlinearity='relu', bias=False, batch_first=True, dropout=0.25)"
    );
}

fn message(e: NnError) -> String {
    e.to_string()
}

#[test]
fn bad_inputs_give_errors_naming_the_layer_and_shapes() {
    let _g = serial();
    let lstm = Lstm::<f64>::new(RecurrentConfig::new(3, 4).num_layers(2), 0).unwrap();
    let gru = Gru::<f64>::new(RecurrentConfig::new(3, 4).batch_first(true), 0).unwrap();
    let x = Tensor::<f64>::zeros(&[5, 2, 3]);

    let e = message(lstm.forward(&Tensor::zeros(&[5, 2, 4])).unwrap_err());
    assert!(e.contains("LSTM(3, 4, num_layers=2)"), "{e}");
    assert!(
        e.contains("[5, 2, 4]") && e.contains("input_size = 3"),
        "{e}"
    );
    let e = message(gru.forward(&Tensor::zeros(&[2, 5, 3, 1])).unwrap_err());
    assert!(e.contains("GRU(3, 4, batch_first=True)"), "{e}");
    assert!(
        e.contains("[batch, seq, input_size]") && e.contains("[2, 5, 3, 1]"),
        "{e}"
    );

    let h0 = Tensor::<f64>::zeros(&[1, 2, 4]);
    let e = message(
        lstm.forward_with(
            &x,
            Some(&RecurrentState::lstm(h0.clone(), h0.clone())),
            None,
        )
        .unwrap_err(),
    );
    assert!(
        e.contains("h_0") && e.contains("[2, 2, 4]") && e.contains("[1, 2, 4]"),
        "{e}"
    );
    let e = message(
        lstm.forward_with(
            &x,
            Some(&RecurrentState::hidden(Tensor::zeros(&[2, 2, 4]))),
            None,
        )
        .unwrap_err(),
    );
    assert!(e.contains("needs both h_0 and c_0"), "{e}");
    let xb = Tensor::<f64>::zeros(&[2, 5, 3]);
    let e = message(
        gru.forward_with(
            &xb,
            Some(&RecurrentState::lstm(h0.clone(), h0.clone())),
            None,
        )
        .unwrap_err(),
    );
    assert!(e.contains("GRU has no cell state"), "{e}");

    let e = message(lstm.forward_with(&x, None, Some(&[5])).unwrap_err());
    assert!(e.contains("lengths has 1 entries for a batch of 2"), "{e}");
    let e = message(lstm.forward_with(&x, None, Some(&[5, 6])).unwrap_err());
    assert!(e.contains("lengths[1] = 6 is outside 1..=5"), "{e}");
    let e = message(lstm.forward_with(&x, None, Some(&[0, 5])).unwrap_err());
    assert!(e.contains("lengths[0] = 0"), "{e}");
    let e = message(
        lstm.forward_with(&Tensor::zeros(&[5, 3]), None, Some(&[5]))
            .unwrap_err(),
    );
    assert!(e.contains("lengths need a batched input"), "{e}");

    let e = message(
        Lstm::<f64>::new(RecurrentConfig::new(3, 0), 0)
            .err()
            .unwrap(),
    );
    assert!(
        e.contains("LSTM: hidden_size must be greater than zero"),
        "{e}"
    );
    let e = message(
        Rnn::<f64>::new(
            RecurrentConfig::new(3, 2).num_layers(0),
            Nonlinearity::Tanh,
            0,
        )
        .err()
        .unwrap(),
    );
    assert!(
        e.contains("RNN: num_layers must be greater than zero"),
        "{e}"
    );
    let e = message(
        Gru::<f64>::new(RecurrentConfig::new(3, 2).dropout(1.5), 0)
            .err()
            .unwrap(),
    );
    assert!(
        e.contains("GRU: dropout probability") && e.contains("1.5"),
        "{e}"
    );
}

#[test]
fn empty_batch_and_empty_sequence_give_empty_outputs() {
    let _g = serial();
    let config = RecurrentConfig::new(2, 3).bidirectional(true);
    for (name, run) in all_kinds(&config) {
        let (out, st) = run(&Tensor::zeros(&[4, 0, 2]), None, None).unwrap();
        assert_eq!(out.shape(), &[4, 0, 6], "{name}");
        assert_eq!(st.h.shape(), &[2, 0, 3], "{name}");
        let (out, st) = run(&Tensor::zeros(&[0, 2, 2]), None, None).unwrap();
        assert_eq!(out.shape(), &[0, 2, 6], "{name}");
        assert_eq!(st.h.to_vec(), vec![0.0; 12], "{name}: h_n is h_0");
    }
}

#[test]
fn long_sequences_backpropagate_on_a_small_stack_with_flat_memory() {
    let _g = serial();
    // T = 1000 through an LSTM and a GRU, forward + backward + drop on a 256 KiB stack.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let x = Tensor::<f32>::randn_seeded(&[1000, 2, 3], 1);
            let lstm = Lstm::<f32>::new(RecurrentConfig::new(3, 8), 0).unwrap();
            lstm.forward(&x).unwrap().sum().backward().unwrap();
            let g = lstm.parameters()[1].grad().unwrap().to_vec();
            assert!(g.iter().all(|v| v.is_finite()) && g.iter().any(|&v| v != 0.0));
            let gru = Gru::<f32>::new(RecurrentConfig::new(3, 8), 0).unwrap();
            let (out, _) = gru.forward_with(&x, None, Some(&[1000, 400])).unwrap();
            drop(out); // dropping an unused 1000-step graph is iterative too
        })
        .unwrap();
    handle.join().expect("no stack overflow");

    // Training steps leave no graph behind: live nodes return to the same count.
    let lstm = Lstm::<f32>::new(RecurrentConfig::new(3, 8).num_layers(2), 0).unwrap();
    let head = Tensor::<f32>::randn_seeded(&[8, 1], 2).requires_grad_(true);
    let mut params = lstm.parameters();
    params.push(head.clone());
    let mut opt = Sgd::new(params, SgdConfig::new(0.01)).unwrap();
    let x = Tensor::<f32>::randn_seeded(&[50, 4, 3], 3);
    let mut counts = Vec::new();
    for _ in 0..5 {
        opt.zero_grad();
        let (_, st) = lstm.forward_with(&x, None, Some(&[50, 20, 35, 1])).unwrap();
        let last = st.h.try_narrow(0, 1, 1).unwrap().squeeze(0);
        let loss = last.matmul(&head).square().mean();
        loss.backward().unwrap();
        opt.step().unwrap();
        drop(loss);
        counts.push(live_nodes());
    }
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "live nodes grew: {counts:?}"
    );
}
