//! Embedding, MultiheadAttention, TransformerEncoderLayer/Encoder, positional encoding and
//! the sequence losses, against PyTorch fixtures (`tools/fixtures/transformer.py`, f64):
//! values, gradients, strict checkpoint loading in both directions, errors, memory.

use std::collections::HashMap;
use std::path::PathBuf;

use myelin_nn::layers::{
    sinusoidal_table, Embedding, EncoderLayerConfig, LayerNorm, MhaArgs, MhaMask,
    MultiheadAttention, SinusoidalPositionalEncoding, TransformerEncoder, TransformerEncoderLayer,
};
use myelin_nn::loss::*;
use myelin_nn::serialize::{load, load_into, save};
use myelin_nn::{Module, NnError};
use myelin_tensor::{
    gradcheck, scaled_dot_product_attention, AttnMask, GradCheckOptions, SdpaOptions, Tensor,
    TensorError,
};

/// `live_nodes` counts graph nodes process-wide, and the tests of this file run on parallel
/// threads: the memory check must not see another test's nodes, so the tests run one at a
/// time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixtures() -> HashMap<String, Tensor<f64>> {
    load::<f64>(fixture_path("transformer_values.safetensors"))
        .unwrap()
        .into_iter()
        .collect()
}

fn close(name: &str, got: &Tensor<f64>, want: &Tensor<f64>, tol: f64) {
    assert_eq!(got.shape(), want.shape(), "{name}: shape");
    for (i, (a, b)) in got.to_vec().iter().zip(want.to_vec()).enumerate() {
        assert!(
            (a - b).abs() <= tol * (1.0 + b.abs()) || (a.is_nan() && b.is_nan()),
            "{name}[{i}]: {a} vs {b}"
        );
    }
}

fn leaf(t: &Tensor<f64>) -> Tensor<f64> {
    Tensor::from_vec(t.to_vec(), t.shape())
        .unwrap()
        .requires_grad_(true)
}

fn labels_of(t: &Tensor<f64>) -> Vec<usize> {
    t.to_vec().iter().map(|&x| x as usize).collect()
}

#[test]
fn sdpa_matches_pytorch_values_and_gradients() {
    let _serial = serial();
    let f = fixtures();
    let additive = f["sdpa.additive_mask"].clone();
    let keep = f["sdpa.bool_mask"].clone();
    let cases: Vec<(&str, SdpaOptions<'_, f64>)> = vec![
        ("plain", SdpaOptions::default()),
        (
            "bool",
            SdpaOptions {
                attn_mask: Some(AttnMask::Bool(&keep)),
                ..Default::default()
            },
        ),
        (
            "additive",
            SdpaOptions {
                attn_mask: Some(AttnMask::Additive(&additive)),
                ..Default::default()
            },
        ),
        (
            "scaled",
            SdpaOptions {
                scale: Some(0.3),
                ..Default::default()
            },
        ),
        (
            "causal",
            SdpaOptions {
                is_causal: true,
                ..Default::default()
            },
        ),
    ];
    for (case, opts) in cases {
        let prefix = if case == "causal" {
            "sdpa.causal."
        } else {
            "sdpa."
        };
        let (q, k, v) = (
            leaf(&f[&format!("{prefix}q")]),
            leaf(&f[&format!("{prefix}k")]),
            leaf(&f[&format!("{prefix}v")]),
        );
        let out = scaled_dot_product_attention(&q, &k, &v, &opts);
        close(case, &out, &f[&format!("sdpa.{case}.out")], 1e-12);
        out.try_mul(&f[&format!("{prefix}g")])
            .unwrap()
            .sum()
            .backward()
            .unwrap();
        for (name, t) in [("dq", &q), ("dk", &k), ("dv", &v)] {
            close(
                &format!("{case} {name}"),
                &t.grad().unwrap(),
                &f[&format!("sdpa.{case}.{name}")],
                1e-11,
            );
        }
    }
}

/// An MHA holding the fixture's parameters.
fn fixture_mha(f: &HashMap<String, Tensor<f64>>) -> MultiheadAttention<f64> {
    let mha = MultiheadAttention::<f64>::new(8, 2, 0.0, true, true, 0).unwrap();
    for (name, p) in mha.named_parameters() {
        p.assign(&f[&format!("mha.param.{name}")]).unwrap();
    }
    mha
}

#[test]
fn multihead_attention_matches_pytorch_with_masks_and_weights() {
    let _serial = serial();
    let f = fixtures();
    let mha = fixture_mha(&f);
    let names: Vec<String> = mha.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "in_proj_weight",
            "in_proj_bias",
            "out_proj.weight",
            "out_proj.bias"
        ]
    );
    let x = leaf(&f["mha.x"]);
    let (pad, causal) = (
        f["mha.key_padding_mask"].clone(),
        f["mha.attn_mask"].clone(),
    );
    let args = MhaArgs {
        key_padding_mask: Some(MhaMask::Blocked(&pad)),
        attn_mask: Some(MhaMask::Blocked(&causal)),
        ..Default::default()
    };
    let (out, w) = mha.forward_qkv(&x, &x, &x, &args).unwrap();
    close("mha out", &out, &f["mha.self.out"], 1e-12);
    close("mha weights", &w.unwrap(), &f["mha.self.weights"], 1e-12);
    out.try_mul(&f["mha.g"]).unwrap().sum().backward().unwrap();
    close("mha dx", &x.grad().unwrap(), &f["mha.self.dx"], 1e-11);
    let params: HashMap<String, Tensor<f64>> = mha.named_parameters().into_iter().collect();
    close(
        "mha d in_proj",
        &params["in_proj_weight"].grad().unwrap(),
        &f["mha.self.d_in_proj_weight"],
        1e-11,
    );
    close(
        "mha d out_proj",
        &params["out_proj.weight"].grad().unwrap(),
        &f["mha.self.d_out_proj_weight"],
        1e-11,
    );

    // Cross-attention (three different tensors), weights per head.
    let args = MhaArgs {
        average_attn_weights: false,
        ..Default::default()
    };
    let (out, w) = mha
        .forward_qkv(
            &f["mha.cross.q"],
            &f["mha.cross.k"],
            &f["mha.cross.v"],
            &args,
        )
        .unwrap();
    close("cross out", &out, &f["mha.cross.out"], 1e-12);
    close("cross weights", &w.unwrap(), &f["mha.cross.weights"], 1e-12);

    // batch_first = false: the same numbers on [L, N, E].
    let seq_first = MultiheadAttention::<f64>::new(8, 2, 0.0, true, false, 0).unwrap();
    for ((_, a), (_, b)) in seq_first
        .named_parameters()
        .iter()
        .zip(mha.named_parameters())
    {
        a.assign(&b).unwrap();
    }
    let q = f["mha.cross.q"].transpose(0, 1);
    let k = f["mha.cross.k"].transpose(0, 1);
    let v = f["mha.cross.v"].transpose(0, 1);
    let (out, _) = seq_first
        .forward_qkv(&q, &k, &v, &MhaArgs::default())
        .unwrap();
    close(
        "seq-first out",
        &out.transpose(0, 1),
        &f["mha.cross.out"],
        1e-12,
    );

    // Errors name the layer and the shapes.
    let e = mha
        .forward(&Tensor::zeros(&[2, 3, 7]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("MultiheadAttention") && e.contains("[2, 3, 7]"),
        "{e}"
    );
    let bad = Tensor::<f64>::zeros(&[3, 4]);
    let args = MhaArgs {
        key_padding_mask: Some(MhaMask::Blocked(&bad)),
        ..Default::default()
    };
    let e = mha.forward_qkv(&x, &x, &x, &args).unwrap_err().to_string();
    assert!(
        e.contains("key_padding_mask") && e.contains("[3, 4]") && e.contains("[3, 5]"),
        "{e}"
    );
    assert!(MultiheadAttention::<f64>::new(10, 3, 0.0, true, true, 0)
        .err()
        .unwrap()
        .to_string()
        .contains("divisible"));
}

#[test]
fn fully_padded_sequence_gives_zeros_not_nan() {
    let _serial = serial();
    let mha = MultiheadAttention::<f64>::new(4, 2, 0.0, true, true, 1).unwrap();
    let x = Tensor::<f64>::randn_seeded(&[2, 3, 4], 2).requires_grad_(true);
    let pad = Tensor::from_vec(vec![1., 1., 1., 0., 0., 1.], &[2, 3]).unwrap();
    let args = MhaArgs {
        key_padding_mask: Some(MhaMask::Blocked(&pad)),
        ..Default::default()
    };
    let (out, w) = mha.forward_qkv(&x, &x, &x, &args).unwrap();
    let w = w.unwrap().to_vec();
    assert!(w[..9].iter().all(|&p| p == 0.0), "{w:?}");
    // Batch 0 has no keys: its output is the output projection's bias (zeros here).
    assert!(out.to_vec()[..12].iter().all(|&o| o == 0.0));
    out.sum().backward().unwrap();
    assert!(x.grad().unwrap().to_vec().iter().all(|g| g.is_finite()));
}

fn fixture_layer(tag: &str, norm_first: bool) -> TransformerEncoderLayer<f64> {
    let mut cfg = EncoderLayerConfig::new(8, 2);
    cfg.dim_feedforward = 16;
    cfg.dropout = 0.0;
    cfg.activation = "gelu".parse().unwrap();
    cfg.batch_first = true;
    cfg.norm_first = norm_first;
    let layer = TransformerEncoderLayer::<f64>::new(&cfg).unwrap();
    // Strict: every name and shape must match PyTorch's state_dict exactly.
    load_into(
        fixture_path(&format!("tel_{tag}.safetensors")),
        &layer.named_parameters(),
    )
    .unwrap();
    layer
}

#[test]
fn transformer_encoder_layer_loads_pytorch_checkpoint_and_matches_both_norm_orders() {
    let _serial = serial();
    let f = fixtures();
    for (tag, norm_first) in [("post", false), ("pre", true)] {
        let layer = fixture_layer(tag, norm_first);
        let x = leaf(&f[&format!("tel_{tag}.x")]);
        let pad = f[&format!("tel_{tag}.key_padding_mask")].clone();
        let out = layer
            .forward_masked(&x, None, Some(MhaMask::Blocked(&pad)), false)
            .unwrap();
        close(
            &format!("{tag} out"),
            &out,
            &f[&format!("tel_{tag}.out")],
            1e-11,
        );
        out.try_mul(&f[&format!("tel_{tag}.g")])
            .unwrap()
            .sum()
            .backward()
            .unwrap();
        close(
            &format!("{tag} dx"),
            &x.grad().unwrap(),
            &f[&format!("tel_{tag}.dx")],
            1e-10,
        );
        for (name, p) in layer.named_parameters() {
            close(
                &format!("{tag} d{name}"),
                &p.grad().unwrap(),
                &f[&format!("tel_{tag}.grad.{name}")],
                1e-10,
            );
        }
        // The causal mask as PyTorch's float mask, with the is_causal hint.
        let blocked = Tensor::<f64>::ones(&[6, 6]).triu(1);
        let float_mask = Tensor::zeros(&[6, 6])
            .try_masked_fill(&blocked, f64::NEG_INFINITY)
            .unwrap();
        let causal = layer
            .forward_masked(&x, Some(MhaMask::Additive(&float_mask)), None, true)
            .unwrap();
        close(
            &format!("{tag} causal"),
            &causal,
            &f[&format!("tel_{tag}.causal_out")],
            1e-11,
        );
        let causal_flag = layer.forward_masked(&x, None, None, true).unwrap();
        close(
            &format!("{tag} causal flag"),
            &causal_flag,
            &f[&format!("tel_{tag}.causal_out")],
            1e-11,
        );
    }
}

#[test]
fn myelin_checkpoint_has_pytorch_names_and_round_trips() {
    let _serial = serial();
    let f = fixtures();
    let layer = fixture_layer("post", false);
    let dir = std::env::temp_dir().join(format!("myelin_tel_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tel.safetensors");
    save(&path, &layer.named_parameters()).unwrap();
    // The file written by Myelin has exactly PyTorch's keys and shapes (so
    // `load_state_dict(strict=True)` accepts it; checked by hand with PyTorch, see
    // docs/training.md) ...
    let ours: Vec<(String, Vec<usize>)> = load::<f64>(&path)
        .unwrap()
        .into_iter()
        .map(|(n, t)| (n, t.shape().to_vec()))
        .collect();
    let torch: Vec<(String, Vec<usize>)> = load::<f64>(fixture_path("tel_post.safetensors"))
        .unwrap()
        .into_iter()
        .map(|(n, t)| (n, t.shape().to_vec()))
        .collect();
    assert_eq!(ours, torch);
    // ... and a fresh layer (other seed) loads it and computes the same outputs.
    let mut cfg = EncoderLayerConfig::new(8, 2);
    cfg.dim_feedforward = 16;
    cfg.dropout = 0.0;
    cfg.activation = "gelu".parse().unwrap();
    cfg.batch_first = true;
    cfg.seed = 99;
    let fresh = TransformerEncoderLayer::<f64>::new(&cfg).unwrap();
    load_into(&path, &fresh.named_parameters()).unwrap();
    let pad = f["tel_post.key_padding_mask"].clone();
    let out = fresh
        .forward_masked(&f["tel_post.x"], None, Some(MhaMask::Blocked(&pad)), false)
        .unwrap();
    close("reloaded", &out, &f["tel_post.out"], 1e-11);
    std::fs::remove_dir_all(&dir).ok();
    // A wrong activation config still loads (no parameters), a wrong width does not.
    let mut wrong = cfg.clone();
    wrong.dim_feedforward = 32;
    let e = load_into(
        fixture_path("tel_post.safetensors"),
        &TransformerEncoderLayer::<f64>::new(&wrong)
            .unwrap()
            .named_parameters(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("linear1.weight") && e.contains("[16, 8]"), "{e}");
}

#[test]
fn transformer_encoder_stacks_identical_layers_and_memory_stays_flat() {
    let _serial = serial();
    let mut cfg = EncoderLayerConfig::new(8, 2);
    cfg.dim_feedforward = 16;
    cfg.batch_first = true;
    cfg.activation = "swish(beta=1.5)".parse().unwrap();
    let enc = TransformerEncoder::<f32>::new(&cfg, 3, Some(LayerNorm::new(&[8]).unwrap())).unwrap();
    let named = enc.named_parameters();
    assert_eq!(named.len(), 3 * 12 + 2);
    assert_eq!(named[12].0, "layers.1.self_attn.in_proj_weight");
    assert_eq!(
        named[0].1.to_vec(),
        named[12].1.to_vec(),
        "layers start identical, as PyTorch's deep copies"
    );
    assert!(
        !named[0].1.shares_storage_with(&named[12].1),
        "but are separate parameters"
    );
    assert!(enc.describe().contains("num_layers=3"));
    let x = Tensor::<f32>::randn_seeded(&[2, 5, 8], 3);
    let y = enc.forward(&x).unwrap();
    assert_eq!(y.shape(), &[2, 5, 8]);
    // Training steps leave no nodes behind (dropout on: p = 0.1 default).
    let params = enc.parameters();
    let step = || {
        let loss = enc.forward(&x).unwrap().square().mean();
        loss.backward().unwrap();
        for p in &params {
            p.set_grad(None);
        }
    };
    step();
    let before = myelin_tensor::live_nodes();
    for _ in 0..5 {
        step();
        assert_eq!(myelin_tensor::live_nodes(), before);
    }
    // Dropout makes training outputs differ from evaluation outputs.
    let mut enc = enc;
    let train_out = enc.forward(&x).unwrap().to_vec();
    enc.eval();
    let eval_a = enc.forward(&x).unwrap().to_vec();
    let eval_b = enc.forward(&x).unwrap().to_vec();
    assert_eq!(eval_a, eval_b);
    assert_ne!(train_out, eval_a);
}

#[test]
fn embedding_padding_row_gets_no_gradient_and_bad_indices_are_errors() {
    let _serial = serial();
    let emb = Embedding::<f64>::new(6, 3, Some(2), 5).unwrap();
    assert_eq!(emb.weight().to_vec()[6..9], [0.0, 0.0, 0.0]);
    let w = emb.weight().to_vec();
    let std = (w.iter().map(|x| x * x).sum::<f64>() / 15.0).sqrt();
    assert!(std > 0.4 && std < 2.0, "N(0, 1) init, got std {std}");
    let out = emb.lookup(&[2, 0, 2, 5, 0], &[5]).unwrap();
    assert_eq!(out.to_vec()[3..6], w[0..3]);
    let up = Tensor::<f64>::randn_seeded(&[5, 3], 6);
    out.try_mul(&up).unwrap().sum().backward().unwrap();
    let g = emb.weight().grad().unwrap().to_vec();
    let u = up.to_vec();
    assert_eq!(&g[6..9], &[0.0; 3], "padding row");
    for c in 0..3 {
        assert!(
            (g[c] - (u[3 + c] + u[12 + c])).abs() < 1e-15,
            "row 0 accumulates both uses"
        );
    }
    assert_eq!(&g[3..6], &[0.0; 3], "row 1 unused");
    // Tensor indices, any shape.
    let idx = Tensor::<f64>::from_vec(vec![1., 2., 3., 4., 5., 0.], &[2, 3]).unwrap();
    assert_eq!(emb.forward(&idx).unwrap().shape(), &[2, 3, 3]);
    let e = emb.lookup(&[1, 6], &[2]).unwrap_err().to_string();
    assert!(
        e.contains("index 6") && e.contains("6 embeddings") && e.contains("position 1"),
        "{e}"
    );
    let e = emb
        .forward(&Tensor::from_vec(vec![1.5], &[1]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("1.5") && e.contains("Embedding"), "{e}");
    let e = emb
        .forward(&Tensor::from_vec(vec![-1.0], &[1]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("-1"), "{e}");
    assert!(Embedding::<f64>::new(4, 2, Some(4), 0).is_err());
    // from_pretrained keeps the padding row's given values.
    let table = Tensor::<f64>::ones(&[3, 2]);
    let e2 = Embedding::from_pretrained(&table, Some(1)).unwrap();
    assert_eq!(e2.lookup(&[1], &[1]).unwrap().to_vec(), vec![1.0, 1.0]);
}

#[test]
fn sinusoidal_encoding_values() {
    let _serial = serial();
    let pe = sinusoidal_table::<f64>(10, 6);
    for pos in 0..10 {
        for i in 0..3 {
            let angle = pos as f64 / 10000f64.powf(2.0 * i as f64 / 6.0);
            assert!((pe.get(&[pos, 2 * i]).unwrap() - angle.sin()).abs() < 1e-12);
            assert!((pe.get(&[pos, 2 * i + 1]).unwrap() - angle.cos()).abs() < 1e-12);
        }
    }
    assert_eq!(sinusoidal_table::<f64>(4, 5).shape(), &[4, 5]);
    let layer = SinusoidalPositionalEncoding::new(6, 10, false).unwrap();
    let y = Module::<f64>::forward(&layer, &Tensor::zeros(&[4, 2, 6])).unwrap();
    assert_eq!(y.get(&[3, 1, 0]).unwrap(), pe.get(&[3, 0]).unwrap());
    let e = Module::<f64>::forward(&layer, &Tensor::zeros(&[11, 2, 6]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("[11, 2, 6]"), "{e}");
}

#[test]
fn cross_entropy_and_nll_match_pytorch_with_weight_ignore_index_smoothing_nd() {
    let _serial = serial();
    let f = fixtures();
    let labels = labels_of(&f["loss.labels"]);
    let weight = f["loss.weight"].clone();
    for (red_name, red) in [
        ("mean", Reduction::Mean),
        ("sum", Reduction::Sum),
        ("none", Reduction::None),
    ] {
        for eps in [0.0, 0.2] {
            for (wname, w) in [("w", Some(&weight)), ("nw", None)] {
                let key = format!("loss.ce.{red_name}.{eps:?}.{wname}");
                let logits = leaf(&f["loss.logits"]);
                let opts = ClassLossOptions {
                    weight: w,
                    ignore_index: Some(9),
                    label_smoothing: eps,
                    reduction: red,
                };
                let l = cross_entropy_with(&logits, &labels, &opts).unwrap();
                close(&key, &l, &f[&key], 1e-12);
                l.sum().backward().unwrap();
                close(
                    &format!("{key} grad"),
                    &logits.grad().unwrap(),
                    &f[&format!("{key}.grad")],
                    1e-12,
                );
            }
        }
    }
    let lp = leaf(&f["loss.log_probs"]);
    let opts = ClassLossOptions {
        weight: Some(&weight),
        ignore_index: Some(9),
        ..Default::default()
    };
    let l = nll_loss_with(&lp, &labels, &opts).unwrap();
    close("nll", &l, &f["loss.nll.mean.w"], 1e-12);
    l.backward().unwrap();
    close(
        "nll grad",
        &lp.grad().unwrap(),
        &f["loss.nll.mean.w.grad"],
        1e-12,
    );
    // Every sample ignored: NaN, as PyTorch.
    assert!(f["loss.nll.all_ignored"].item().unwrap().is_nan());
    let all = vec![9; labels.len()];
    let opts = ClassLossOptions {
        ignore_index: Some(9),
        ..Default::default()
    };
    assert!(nll_loss_with(&lp, &all, &opts)
        .unwrap()
        .item()
        .unwrap()
        .is_nan());
    assert!(cross_entropy_with(&lp, &all, &opts)
        .unwrap()
        .item()
        .unwrap()
        .is_nan());
    // Errors.
    let e = cross_entropy_with(&lp, &labels[1..], &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cross_entropy") && e.contains("[3, 4, 5]") && e.contains("14"),
        "{e}"
    );
    let mut bad = labels.clone();
    bad[7] = 4;
    let e = cross_entropy_with(&lp, &bad, &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("label 4") && e.contains("position 7") && e.contains("4 classes"),
        "{e}"
    );
    let short = Tensor::<f64>::ones(&[3]);
    let opts = ClassLossOptions {
        weight: Some(&short),
        ignore_index: Some(9),
        ..Default::default()
    };
    let e = nll_loss_with(&lp, &labels, &opts).unwrap_err().to_string();
    assert!(
        e.contains("weight") && e.contains("[4]") && e.contains("[3]"),
        "{e}"
    );
    let opts = ClassLossOptions {
        label_smoothing: 0.1,
        ..Default::default()
    };
    assert!(nll_loss_with(&lp, &labels, &opts)
        .unwrap_err()
        .to_string()
        .contains("label_smoothing"));
    // The old API is unchanged for [N, C] inputs.
    let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]).unwrap();
    assert!(
        (cross_entropy(&x, &[2], Reduction::Mean)
            .unwrap()
            .item()
            .unwrap()
            - 0.407_605_964_444_380_1)
            .abs()
            < 1e-12
    );
}

#[test]
fn weighted_nd_cross_entropy_gradchecks() {
    let _serial = serial();
    let te = |e: NnError| TensorError::GradCheck(e.to_string());
    let x = Tensor::<f64>::randn_seeded(&[2, 3, 2, 2], 60).requires_grad_(true);
    let labels = [0, 2, 1, 7, 2, 2, 0, 1];
    let w = Tensor::<f64>::from_vec(vec![0.5, 1.5, 2.0], &[3]).unwrap();
    for red in [Reduction::Mean, Reduction::Sum, Reduction::None] {
        let opts = ClassLossOptions {
            weight: Some(&w),
            ignore_index: Some(7),
            label_smoothing: 0.3,
            reduction: red,
        };
        gradcheck(
            |v| cross_entropy_with(&v[0].try_transpose(2, 3)?, &labels, &opts).map_err(te),
            std::slice::from_ref(&x),
            GradCheckOptions::default(),
        )
        .unwrap();
    }
}

#[test]
fn bce_with_logits_pos_weight_and_weight_match_pytorch() {
    let _serial = serial();
    let f = fixtures();
    let x = leaf(&f["loss.bce.x"]);
    let (pw, w) = (
        f["loss.bce.pos_weight"].clone(),
        f["loss.bce.weight"].clone(),
    );
    let opts = BceWithLogitsOptions {
        weight: Some(&w),
        pos_weight: Some(&pw),
        reduction: Reduction::Mean,
    };
    let l = binary_cross_entropy_with_logits_with(&x, &f["loss.bce.y"], &opts).unwrap();
    close("bce", &l, &f["loss.bce.mean"], 1e-12);
    l.backward().unwrap();
    close(
        "bce grad",
        &x.grad().unwrap(),
        &f["loss.bce.mean.grad"],
        1e-12,
    );
    // pos_weight 1 is the plain loss; huge logits stay finite.
    let big = Tensor::<f64>::from_vec(vec![1000.0, -1000.0], &[2]).unwrap();
    let y = Tensor::<f64>::from_vec(vec![0.0, 1.0], &[2]).unwrap();
    let ones = Tensor::<f64>::ones(&[2]);
    let opts = BceWithLogitsOptions {
        pos_weight: Some(&ones),
        reduction: Reduction::None,
        ..Default::default()
    };
    let a = binary_cross_entropy_with_logits_with(&big, &y, &opts)
        .unwrap()
        .to_vec();
    let b = binary_cross_entropy_with_logits(&big, &y, Reduction::None)
        .unwrap()
        .to_vec();
    assert_eq!(a, b);
    assert_eq!(a, vec![1000.0, 1000.0]);
    let bad = Tensor::<f64>::ones(&[3]);
    let opts = BceWithLogitsOptions {
        pos_weight: Some(&bad),
        ..Default::default()
    };
    let e = binary_cross_entropy_with_logits_with(&big, &y, &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("pos_weight") && e.contains("[3]") && e.contains("[2]"),
        "{e}"
    );
}

/// The reverse direction, checked with PyTorch by hand: writes a Myelin-initialised
/// `TransformerEncoderLayer` (f64, pre-norm, GELU), an input and Myelin's output. Ignored
/// by default (verifying needs Python):
///
/// ```text
/// MYELIN_INTEROP_DIR=/tmp/interop cargo test -p myelin-nn --test sequence_layers -- --ignored
/// /work/venv-peers/bin/python tools/fixtures/transformer.py --check-reverse /tmp/interop
/// ```
#[test]
#[ignore]
fn write_reverse_interop_files() {
    let _serial = serial();
    let dir = PathBuf::from(
        std::env::var("MYELIN_INTEROP_DIR").unwrap_or_else(|_| "/tmp/interop".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let mut cfg = EncoderLayerConfig::new(8, 2);
    cfg.dim_feedforward = 16;
    cfg.dropout = 0.0;
    cfg.activation = "gelu".parse().unwrap();
    cfg.batch_first = true;
    cfg.norm_first = true;
    cfg.seed = 5;
    let layer = TransformerEncoderLayer::<f64>::new(&cfg).unwrap();
    save(
        dir.join("tel_myelin.safetensors"),
        &layer.named_parameters(),
    )
    .unwrap();
    let x = Tensor::<f64>::randn_seeded(&[2, 6, 8], 6);
    let pad = Tensor::<f64>::from_vec(
        vec![0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 1., 1.],
        &[2, 6],
    )
    .unwrap();
    let out = layer
        .forward_masked(&x, None, Some(MhaMask::Blocked(&pad)), false)
        .unwrap();
    save(
        dir.join("tel_myelin_io.safetensors"),
        &[("input", x), ("key_padding_mask", pad), ("output", out)],
    )
    .unwrap();
}
