//! BatchNorm1d/2d, GroupNorm and RMSNorm against PyTorch (fixtures written by
//! `tools/fixtures/norms.py`): outputs, input and parameter gradients, running
//! statistics after each training step and in evaluation, and `state_dict` names,
//! shapes and dtypes (a PyTorch checkpoint loads strictly and gives PyTorch's outputs).

use std::collections::HashMap;

use myelin_nn::layers::{BatchNorm1d, BatchNorm2d, BatchNormOptions, GroupNorm, RMSNorm};
use myelin_nn::serialize::{load, load_into, save};
use myelin_nn::Module;
use myelin_tensor::Tensor;

/// A layer of `norms.py`: its name, the layer, its training steps, whether it has an
/// evaluation step.
type Case = (&'static str, Box<dyn Module<f64>>, usize, bool);

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

fn fixture(name: &str) -> HashMap<String, Tensor<f64>> {
    load::<f64>(format!("{FIXTURES}{name}"))
        .unwrap()
        .into_iter()
        .collect()
}

fn get<'a>(f: &'a HashMap<String, Tensor<f64>>, key: &str) -> &'a Tensor<f64> {
    f.get(key)
        .unwrap_or_else(|| panic!("fixture has no `{key}`"))
}

/// Every element within 1e-10 (relative to the larger of 1 and |expected|).
fn assert_close(what: &str, got: &Tensor<f64>, expected: &Tensor<f64>) {
    assert_eq!(got.shape(), expected.shape(), "{what}: shape");
    for (i, (g, e)) in got.to_vec().iter().zip(expected.to_vec()).enumerate() {
        let tol = 1e-10 * e.abs().max(1.0);
        assert!(
            (g - e).abs() <= tol,
            "{what}[{i}]: got {g}, PyTorch {e} (diff {:e})",
            (g - e).abs()
        );
    }
}

/// A fresh leaf holding the fixture's values.
fn leaf(t: &Tensor<f64>) -> Tensor<f64> {
    Tensor::from_vec(t.to_vec(), t.shape())
        .unwrap()
        .requires_grad_(true)
}

/// One forward/backward pass of `layer` on `<case>.x<k>` with upstream gradient
/// `<case>.gy<k>`, compared with PyTorch's output, gradients and buffers.
fn check_step(f: &HashMap<String, Tensor<f64>>, case: &str, layer: &dyn Module<f64>, k: &str) {
    let x = leaf(get(f, &format!("{case}.x{k}")));
    layer.zero_grad();
    let y = layer.forward(&x).unwrap();
    assert_close(&format!("{case} y{k}"), &y, get(f, &format!("{case}.y{k}")));
    let gy = get(f, &format!("{case}.gy{k}"));
    y.try_mul(gy).unwrap().sum().backward().unwrap();
    assert_close(
        &format!("{case} gx{k}"),
        &x.grad().unwrap(),
        get(f, &format!("{case}.gx{k}")),
    );
    for (name, p) in layer.named_parameters() {
        let key = format!("{case}.g{name}{k}");
        assert_close(&key, &p.grad().unwrap(), get(f, &key));
    }
    for (name, b) in layer.named_buffers() {
        if name != "num_batches_tracked" {
            let key = format!("{case}.{name}{k}");
            assert_close(&key, &b, get(f, &key));
        }
    }
}

/// Sets the layer's parameters to PyTorch's initial (randomised) values, runs
/// `train_steps` training steps, then (if `eval`) one evaluation step.
fn check_case(
    f: &HashMap<String, Tensor<f64>>,
    case: &str,
    layer: &mut dyn Module<f64>,
    train_steps: usize,
    eval: bool,
) {
    for (name, p) in layer.named_parameters() {
        p.assign(get(f, &format!("{case}.{name}_init"))).unwrap();
    }
    for k in 0..train_steps {
        check_step(f, case, layer, &k.to_string());
    }
    if eval {
        layer.eval();
        check_step(f, case, layer, "_eval");
    }
}

/// The layers of `norms.py`, in its order and with its options.
fn layers() -> Vec<Case> {
    let bn = |momentum, eps, affine, track| BatchNormOptions {
        eps,
        momentum,
        affine,
        track_running_stats: track,
    };
    vec![
        ("bn1d", Box::new(BatchNorm1d::new(3).unwrap()), 3, true),
        (
            "bn1d_ncl",
            Box::new(BatchNorm1d::with_options(3, bn(None, 1e-5, true, true)).unwrap()),
            3,
            true,
        ),
        ("bn2d", Box::new(BatchNorm2d::new(2).unwrap()), 3, true),
        (
            "bn2d_noaffine",
            Box::new(BatchNorm2d::with_options(2, bn(Some(0.3), 1e-3, false, true)).unwrap()),
            2,
            true,
        ),
        (
            "bn2d_notrack",
            Box::new(BatchNorm2d::with_options(2, bn(Some(0.1), 1e-5, true, false)).unwrap()),
            1,
            true,
        ),
        ("gn", Box::new(GroupNorm::new(2, 4).unwrap()), 1, false),
        (
            "gn_g1",
            Box::new(GroupNorm::with_options(1, 4, 1e-5, false).unwrap()),
            1,
            false,
        ),
        (
            "gn_gc",
            Box::new(GroupNorm::with_options(4, 4, 1e-3, true).unwrap()),
            1,
            false,
        ),
        ("gn_ncl", Box::new(GroupNorm::new(3, 6).unwrap()), 1, false),
        ("rms", Box::new(RMSNorm::new(&[4]).unwrap()), 1, false),
        (
            "rms2",
            Box::new(RMSNorm::with_options(&[3, 4], Some(1e-5), true).unwrap()),
            1,
            false,
        ),
        (
            "rms_noaffine",
            Box::new(RMSNorm::with_options(&[5], None, false).unwrap()),
            1,
            false,
        ),
        ("rms_small", Box::new(RMSNorm::new(&[3]).unwrap()), 1, false),
    ]
}

/// Every layer's state, named as the attributes of PyTorch's container module.
fn state_dict(all: &[Case]) -> Vec<(String, Tensor<f64>)> {
    all.iter()
        .flat_map(|(case, layer, _, _)| {
            layer
                .state_dict()
                .into_iter()
                .map(move |(n, t)| (format!("{case}.{n}"), t))
        })
        .collect()
}

#[test]
fn every_norm_layer_matches_pytorch_values_gradients_and_running_stats() {
    let f = fixture("norms.safetensors");
    let mut all = layers();
    for (case, layer, steps, eval) in &mut all {
        check_case(&f, case, layer.as_mut(), *steps, *eval);
    }
    // Batch norms counted their training batches (and not the evaluation one).
    let state: HashMap<String, Tensor<f64>> = state_dict(&all).into_iter().collect();
    assert_eq!(state["bn1d.num_batches_tracked"].item().unwrap(), 3.0);
    assert_eq!(
        state["bn2d_noaffine.num_batches_tracked"].item().unwrap(),
        2.0
    );
}

#[test]
fn state_dict_names_shapes_and_values_match_pytorch() {
    let f = fixture("norms.safetensors");
    let torch_state = load::<f64>(format!("{FIXTURES}norms_state.safetensors")).unwrap();
    let mut all = layers();
    for (case, layer, steps, eval) in &mut all {
        check_case(&f, case, layer.as_mut(), *steps, *eval);
    }
    let mut ours: Vec<(String, Vec<usize>)> = state_dict(&all)
        .into_iter()
        .map(|(n, t)| (n, t.shape().to_vec()))
        .collect();
    ours.sort();
    let theirs: Vec<(String, Vec<usize>)> = torch_state
        .iter()
        .map(|(n, t)| (n.clone(), t.shape().to_vec()))
        .collect();
    assert_eq!(ours, theirs);
    // After the same training steps the buffers hold PyTorch's values, the counter
    // (stored as I64 by PyTorch) included.
    let state: HashMap<String, Tensor<f64>> = state_dict(&all).into_iter().collect();
    for (name, t) in &torch_state {
        assert_close(name, &state[name], t);
    }
}

#[test]
fn a_pytorch_checkpoint_loads_strictly_and_gives_pytorch_eval_outputs() {
    let f = fixture("norms.safetensors");
    let mut fresh = layers();
    let named = state_dict(&fresh);
    load_into(format!("{FIXTURES}norms_state.safetensors"), &named).unwrap();
    for (case, layer, _, eval) in &mut fresh {
        if *eval {
            layer.eval();
            let x = get(&f, &format!("{case}.x_eval"));
            let y = layer.forward(x).unwrap();
            assert_close(case, &y, get(&f, &format!("{case}.y_eval")));
        }
    }
    let counts: HashMap<String, Tensor<f64>> = named.into_iter().collect();
    assert_eq!(counts["bn1d_ncl.num_batches_tracked"].item().unwrap(), 3.0);
}

#[test]
fn a_myelin_checkpoint_stores_num_batches_tracked_as_i64_like_pytorch() {
    let f = fixture("norms.safetensors");
    let mut all = layers();
    for (case, layer, steps, eval) in &mut all {
        check_case(&f, case, layer.as_mut(), *steps, *eval);
    }
    let dir = std::env::temp_dir().join(format!("myelin-norms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("norms.safetensors");
    save(&path, &state_dict(&all)).unwrap();
    // The header declares the dtypes PyTorch's own checkpoint has.
    let bytes = std::fs::read(&path).unwrap();
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
    let dtype = |k: &str| header[k]["dtype"].as_str().unwrap().to_string();
    assert_eq!(dtype("bn2d.num_batches_tracked"), "I64");
    assert_eq!(
        header["bn2d.num_batches_tracked"]["shape"],
        serde_json::json!([])
    );
    assert_eq!(dtype("bn2d.running_var"), "F64");
    assert_eq!(dtype("gn.weight"), "F64");
    // Its bytes equal PyTorch's: the same training gives the same checkpoint.
    let ours = load::<f64>(&path).unwrap();
    let theirs = load::<f64>(format!("{FIXTURES}norms_state.safetensors")).unwrap();
    assert_eq!(ours.len(), theirs.len());
    for ((n, a), (m, b)) in ours.iter().zip(&theirs) {
        assert_eq!(n, m);
        assert_close(n, a, b);
    }
    // And it loads back strictly, counter included.
    let fresh = layers();
    let named = state_dict(&fresh);
    load_into(&path, &named).unwrap();
    let counts: HashMap<String, Tensor<f64>> = named.into_iter().collect();
    assert_eq!(counts["bn2d.num_batches_tracked"].item().unwrap(), 3.0);
    // A counter that is not a whole number cannot be written as I64.
    let bad = [("num_batches_tracked", Tensor::<f64>::scalar(1.5))];
    let err = save(dir.join("bad.safetensors"), &bad).unwrap_err();
    assert!(err.to_string().contains("num_batches_tracked"), "{err}");
    assert!(err.to_string().contains("1.5"), "{err}");
    if std::env::var_os("MYELIN_KEEP_NORMS").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    } else {
        println!("kept {}", path.display());
    }
}
