//! Recurrent layers against PyTorch: checkpoints written by PyTorch
//! (`tools/fixtures/recurrent.py`) load strictly into `Rnn`, `Lstm` and `Gru` and give
//! PyTorch's outputs, final states and gradients (input, initial states, every
//! parameter) to 1e-10 in f64, for 2-layer bidirectional layers with `batch_first` both
//! ways, with and without sequence lengths and initial states.
//!
//! The reverse direction (Myelin-written checkpoints loading strictly into torch) is the
//! ignored test below plus `python tools/fixtures/recurrent.py --verify DIR`:
//!
//! ```text
//! MYELIN_INTEROP_DIR=/tmp/rnn-interop cargo test -p myelin-nn --test recurrent_fixtures -- --ignored
//! /work/venv-peers/bin/python tools/fixtures/recurrent.py --verify /tmp/rnn-interop
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use myelin_nn::layers::{Gru, Lstm, Nonlinearity, RecurrentConfig, RecurrentState, Rnn};
use myelin_nn::serialize::{load, load_into, load_metadata, save, save_with_metadata};
use myelin_nn::Module;
use myelin_tensor::{grad, Tensor};

const CASES: &[&str] = &[
    "rnn_tanh",
    "rnn_relu",
    "lstm",
    "lstm_full",
    "gru",
    "gru_nobias",
];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recurrent")
}

/// A recurrent layer of any kind, as the tests need it.
trait Recurrent: Module<f64> {
    fn run(
        &self,
        x: &Tensor<f64>,
        state: Option<&RecurrentState<f64>>,
        lengths: Option<&[usize]>,
    ) -> (Tensor<f64>, RecurrentState<f64>);
}

macro_rules! impl_recurrent {
    ($t:ty) => {
        impl Recurrent for $t {
            fn run(
                &self,
                x: &Tensor<f64>,
                state: Option<&RecurrentState<f64>>,
                lengths: Option<&[usize]>,
            ) -> (Tensor<f64>, RecurrentState<f64>) {
                self.forward_with(x, state, lengths).unwrap()
            }
        }
    };
}
impl_recurrent!(Rnn<f64>);
impl_recurrent!(Lstm<f64>);
impl_recurrent!(Gru<f64>);

fn flag(meta: &HashMap<String, String>, key: &str) -> bool {
    meta[key] == "true"
}

fn size(meta: &HashMap<String, String>, key: &str) -> usize {
    meta[key].parse().unwrap()
}

/// The layer a case's metadata describes (parameters not yet loaded), and its lengths.
fn build(meta: &HashMap<String, String>, seed: u64) -> (Box<dyn Recurrent>, Option<Vec<usize>>) {
    let config = RecurrentConfig::new(size(meta, "input_size"), size(meta, "hidden_size"))
        .num_layers(size(meta, "num_layers"))
        .bidirectional(flag(meta, "bidirectional"))
        .batch_first(flag(meta, "batch_first"))
        .bias(flag(meta, "bias"));
    let layer: Box<dyn Recurrent> = match meta["kind"].as_str() {
        "rnn_tanh" => Box::new(Rnn::new(config, Nonlinearity::Tanh, seed).unwrap()),
        "rnn_relu" => Box::new(Rnn::new(config, Nonlinearity::Relu, seed).unwrap()),
        "lstm" => Box::new(Lstm::new(config, seed).unwrap()),
        "gru" => Box::new(Gru::new(config, seed).unwrap()),
        other => panic!("unknown kind {other}"),
    };
    let lengths = (!meta["lengths"].is_empty()).then(|| {
        meta["lengths"]
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect()
    });
    (layer, lengths)
}

fn assert_close(what: &str, got: &Tensor<f64>, want: &Tensor<f64>, tol: f64) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let worst = got
        .to_vec()
        .iter()
        .zip(want.to_vec())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst <= tol, "{what}: max |myelin - torch| = {worst:e}");
}

#[test]
fn pytorch_checkpoints_give_pytorch_outputs_and_gradients() {
    for case in CASES {
        let dir = fixture_dir();
        let params_path = dir.join(format!("{case}.params.safetensors"));
        let io_path = dir.join(format!("{case}.io.safetensors"));
        let meta = load_metadata(&io_path).unwrap();
        let io: HashMap<String, Tensor<f64>> = load(&io_path).unwrap().into_iter().collect();
        let (layer, lengths) = build(&meta, 0);
        load_into(&params_path, &layer.named_parameters()).unwrap();

        let x = io["x"].detach().requires_grad_(true);
        let h0 = io.get("h0").map(|t| t.detach().requires_grad_(true));
        let c0 = io.get("c0").map(|t| t.detach().requires_grad_(true));
        let state = h0.clone().map(|h| RecurrentState { h, c: c0.clone() });
        let (out, final_state) = layer.run(&x, state.as_ref(), lengths.as_deref());
        assert_close(&format!("{case} output"), &out, &io["out"], 1e-10);
        assert_close(&format!("{case} h_n"), &final_state.h, &io["h_n"], 1e-10);
        let mut loss = &(&out * &io["r_out"]).sum() + &(&final_state.h * &io["r_h"]).sum();
        match (&final_state.c, io.get("c_n")) {
            (Some(c), Some(want)) => {
                assert_close(&format!("{case} c_n"), c, want, 1e-10);
                loss = &loss + &(c * &io["r_c"]).sum();
            }
            (None, None) => {}
            _ => panic!("{case}: cell state present on one side only"),
        }

        let mut wrt = vec![("x".to_string(), x.clone())];
        wrt.extend(h0.iter().map(|h| ("h0".to_string(), h.clone())));
        wrt.extend(c0.iter().map(|c| ("c0".to_string(), c.clone())));
        wrt.extend(layer.named_parameters());
        let inputs: Vec<Tensor<f64>> = wrt.iter().map(|(_, t)| t.clone()).collect();
        let grads = grad(&[loss], &inputs, None, false).unwrap();
        let expected_grads = io.keys().filter(|k| k.starts_with("grad.")).count();
        assert_eq!(wrt.len(), expected_grads, "{case}: gradients compared");
        for ((name, _), g) in wrt.iter().zip(&grads) {
            assert_close(
                &format!("{case} grad.{name}"),
                g,
                &io[&format!("grad.{name}")],
                1e-10,
            );
        }
    }
}

#[test]
fn padded_steps_do_not_matter() {
    // The values past a sequence's length must not reach anything: change them and the
    // outputs and final states stay as PyTorch computed them.
    let io_path = fixture_dir().join("lstm.io.safetensors");
    let meta = load_metadata(&io_path).unwrap();
    let io: HashMap<String, Tensor<f64>> = load(&io_path).unwrap().into_iter().collect();
    let (layer, lengths) = build(&meta, 0);
    let lengths = lengths.unwrap();
    load_into(
        fixture_dir().join("lstm.params.safetensors"),
        &layer.named_parameters(),
    )
    .unwrap();
    // batch_first: x is [batch, seq, input].
    let mut x = io["x"].to_vec();
    let (seq, input) = (io["x"].shape()[1], io["x"].shape()[2]);
    for (b, &len) in lengths.iter().enumerate() {
        for v in &mut x[(b * seq + len) * input..(b + 1) * seq * input] {
            *v = 1e3;
        }
    }
    let x = Tensor::from_vec(x, io["x"].shape()).unwrap();
    let state = RecurrentState::lstm(io["h0"].clone(), io["c0"].clone());
    let (out, st) = layer.run(&x, Some(&state), Some(&lengths));
    assert_close("padded output", &out, &io["out"], 1e-10);
    assert_close("padded h_n", &st.h, &io["h_n"], 1e-10);
    assert_close("padded c_n", st.c.as_ref().unwrap(), &io["c_n"], 1e-10);
}

#[test]
#[ignore = "writes Myelin checkpoints for `tools/fixtures/recurrent.py --verify DIR`"]
fn write_myelin_checkpoints_for_torch() {
    let dir = std::env::var_os("MYELIN_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("myelin-recurrent-interop"));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, case) in CASES.iter().enumerate() {
        // Same configurations as the PyTorch fixtures, Myelin's own initialisation.
        let meta = load_metadata(fixture_dir().join(format!("{case}.io.safetensors"))).unwrap();
        let (layer, lengths) = build(&meta, 100 + i as u64);
        let src: HashMap<String, Tensor<f64>> =
            load(fixture_dir().join(format!("{case}.io.safetensors")))
                .unwrap()
                .into_iter()
                .collect();
        let mut io = vec![("x".to_string(), src["x"].clone())];
        for key in ["h0", "c0"] {
            if let Some(t) = src.get(key) {
                io.push((key.to_string(), t.clone()));
            }
        }
        let state = src.get("h0").map(|h| RecurrentState {
            h: h.clone(),
            c: src.get("c0").cloned(),
        });
        let (out, st) = layer.run(&src["x"], state.as_ref(), lengths.as_deref());
        io.push(("out".into(), out));
        io.push(("h_n".into(), st.h));
        io.extend(st.c.map(|c| ("c_n".to_string(), c)));
        save(
            dir.join(format!("{case}.params.safetensors")),
            &layer.named_parameters(),
        )
        .unwrap();
        save_with_metadata(dir.join(format!("{case}.io.safetensors")), &io, &meta).unwrap();
    }
    println!("wrote {} cases to {}", CASES.len(), dir.display());
}
