//! safetensors save/load: round trips, conversions, `load_into` checking, atomic
//! writes, and a file written by PyTorch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use myelin_nn::serialize::{load, load_into, load_metadata, save, save_with_metadata};
use myelin_nn::NnError;
use myelin_tensor::{Element, Tensor};

/// A fresh, empty directory under the system temp dir.
fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("myelin-ser-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn sample<T: Element>() -> Vec<(String, Tensor<T>)> {
    let f = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    vec![
        (
            "0.weight".to_string(),
            Tensor::from_vec(f(&[0.1, -2.5, 3.0, 1e-30, -0.0, 7.25]), &[2, 3]).unwrap(),
        ),
        (
            "0.bias".to_string(),
            Tensor::from_vec(f(&[0.5, -0.5]), &[2]).unwrap(),
        ),
        ("scale".to_string(), Tensor::scalar(T::from_f64(1.0 / 3.0))),
        ("empty".to_string(), Tensor::zeros(&[0, 4])),
        (
            "special".to_string(),
            Tensor::from_vec(f(&[f64::INFINITY, f64::NEG_INFINITY, f64::NAN]), &[3]).unwrap(),
        ),
    ]
}

fn bits<T: Element>(t: &Tensor<T>) -> Vec<u64> {
    t.to_vec()
        .iter()
        .map(|v| Element::to_f64(*v).to_bits())
        .collect()
}

fn roundtrip<T: Element>(name: &str) {
    let dir = tmp_dir(name);
    let path = dir.join("m.safetensors");
    let tensors = sample::<T>();
    save(&path, &tensors).unwrap();
    assert_eq!(
        files_in(&dir),
        vec!["m.safetensors"],
        "no temporary file may remain"
    );
    let loaded = load::<T>(&path).unwrap();
    let mut want = tensors.clone();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(loaded.len(), want.len());
    for ((ln, lt), (wn, wt)) in loaded.iter().zip(&want) {
        assert_eq!(ln, wn);
        assert_eq!(lt.shape(), wt.shape(), "{ln}");
        assert_eq!(bits(lt), bits(wt), "{ln} must round-trip bit for bit");
    }
    assert_eq!(
        load_metadata(&path)
            .unwrap()
            .get("format")
            .map(String::as_str),
        Some("pt")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn roundtrip_f32() {
    roundtrip::<f32>("rt32");
}

#[test]
fn roundtrip_f64() {
    roundtrip::<f64>("rt64");
}

#[test]
fn file_layout_is_standard_safetensors() {
    let dir = tmp_dir("layout");
    let path = dir.join("m.safetensors");
    save(
        &path,
        &[("w", Tensor::<f32>::from_vec(vec![1.0, -2.0], &[2]).unwrap())],
    )
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0, "header padded to 8 bytes");
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    assert_eq!(header["w"]["dtype"], "F32");
    assert_eq!(header["w"]["shape"], serde_json::json!([2]));
    assert_eq!(header["__metadata__"]["format"], "pt");
    let data = &bytes[8 + n..];
    assert_eq!(
        data,
        [1.0f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn non_contiguous_tensors_are_saved_row_major() {
    let dir = tmp_dir("noncontig");
    let path = dir.join("m.safetensors");
    let m = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
    save(&path, &[("t", m.t())]).unwrap();
    let loaded = load::<f64>(&path).unwrap();
    assert_eq!(loaded[0].1.shape(), &[3, 2]);
    assert_eq!(loaded[0].1.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn load_converts_between_f32_and_f64() {
    let dir = tmp_dir("convert");
    let p64 = dir.join("a.safetensors");
    save(
        &p64,
        &[(
            "x",
            Tensor::<f64>::from_vec(vec![0.1, 1e300], &[2]).unwrap(),
        )],
    )
    .unwrap();
    let as32 = load::<f32>(&p64).unwrap();
    assert_eq!(as32[0].1.to_vec(), vec![0.1f32, f32::INFINITY]);
    let p32 = dir.join("b.safetensors");
    save(
        &p32,
        &[("x", Tensor::<f32>::from_vec(vec![0.1], &[1]).unwrap())],
    )
    .unwrap();
    let as64 = load::<f64>(&p32).unwrap();
    assert_eq!(as64[0].1.to_vec(), vec![0.1f32 as f64]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metadata_is_stored() {
    let dir = tmp_dir("meta");
    let path = dir.join("m.safetensors");
    let mut meta = HashMap::new();
    meta.insert("epoch".to_string(), "7".to_string());
    save_with_metadata(&path, &[("x", Tensor::<f32>::zeros(&[1]))], &meta).unwrap();
    let got = load_metadata(&path).unwrap();
    assert_eq!(got.get("epoch").map(String::as_str), Some("7"));
    assert_eq!(got.get("format").map(String::as_str), Some("pt"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn load_into_assigns_in_place_through_shared_handles() {
    let dir = tmp_dir("into");
    let path = dir.join("m.safetensors");
    let src = sample::<f64>();
    save(&path, &src).unwrap();
    let dst: Vec<(String, Tensor<f64>)> = src
        .iter()
        .map(|(n, t)| (n.clone(), Tensor::zeros(t.shape()).requires_grad_(true)))
        .collect();
    let model_view: Vec<Tensor<f64>> = dst.iter().map(|(_, t)| t.clone()).collect();
    load_into(&path, &dst).unwrap();
    for ((_, s), m) in src.iter().zip(&model_view) {
        assert_eq!(bits(s), bits(m));
        assert!(m.is_leaf() && m.requires_grad());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn load_into_reports_every_problem_and_changes_nothing() {
    let dir = tmp_dir("problems");
    let path = dir.join("m.safetensors");
    save(
        &path,
        &[
            ("0.weight", Tensor::<f32>::ones(&[2, 3])),
            ("0.bias", Tensor::<f32>::ones(&[2])),
            ("1.weight", Tensor::<f32>::ones(&[4])),
            ("stray", Tensor::<f32>::ones(&[1])),
        ],
    )
    .unwrap();
    let w = Tensor::<f32>::zeros(&[2, 3]); // fine
    let b = Tensor::<f32>::zeros(&[3]); // shape mismatch
    let w1 = Tensor::<f32>::zeros(&[4]); // fine
    let missing = Tensor::<f32>::zeros(&[5]); // not in file
    let err = load_into(
        &path,
        &[
            ("0.weight", w.clone()),
            ("0.bias", b.clone()),
            ("1.weight", w1.clone()),
            ("2.weight", missing),
        ],
    )
    .unwrap_err();
    let NnError::Checkpoint { path: p, problems } = &err else {
        panic!("expected a checkpoint error, got {err}");
    };
    assert_eq!(p, &path);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems
        .iter()
        .any(|s| s.contains("shape mismatch for `0.bias`")
            && s.contains("[2]")
            && s.contains("[3]")));
    assert!(problems
        .iter()
        .any(|s| s.contains("missing key `2.weight`")));
    assert!(problems
        .iter()
        .any(|s| s.contains("unexpected key `stray`")));
    let msg = err.to_string();
    assert!(msg.contains("m.safetensors") && msg.contains("stray") && msg.contains("2.weight"));
    // Nothing half-loaded: the parameters that did match are untouched too.
    assert_eq!(w.to_vec(), vec![0.0; 6]);
    assert_eq!(w1.to_vec(), vec![0.0; 4]);

    // dtype is checked (no silent f32 <-> f64 conversion in load_into).
    let w64 = Tensor::<f64>::zeros(&[2, 3]);
    let err = load_into(&path, &[("0.weight", w64.clone())]).unwrap_err();
    let NnError::Checkpoint { problems, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        problems
            .iter()
            .any(|s| s.contains("dtype mismatch for `0.weight`")),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 4, "dtype + 3 unexpected keys: {problems:?}");
    assert_eq!(w64.to_vec(), vec![0.0; 6]);

    // Duplicate and non-contiguous parameters are reported as well.
    let t = Tensor::<f32>::zeros(&[3, 2]).t();
    let err = load_into(
        &path,
        &[("0.weight", t), ("0.weight", Tensor::<f32>::zeros(&[2, 3]))],
    )
    .unwrap_err();
    let NnError::Checkpoint { problems, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        problems.iter().any(|s| s.contains("more than once")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|s| s.contains("not contiguous")),
        "{problems:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_replaces_atomically_and_failed_saves_leave_the_old_file() {
    let dir = tmp_dir("atomic");
    let path = dir.join("m.safetensors");
    save(&path, &[("a", Tensor::<f32>::ones(&[2]))]).unwrap();
    let good = std::fs::read(&path).unwrap();
    // Invalid requests fail before writing anything.
    let dup = [
        ("a", Tensor::<f32>::zeros(&[2])),
        ("a", Tensor::<f32>::zeros(&[2])),
    ];
    assert!(save(&path, &dup).is_err());
    assert!(save(&path, &[("__metadata__", Tensor::<f32>::zeros(&[1]))]).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), good);
    assert_eq!(files_in(&dir), vec!["m.safetensors"]);
    // A save that fails at the rename (the target is a non-empty directory) cleans up
    // its temporary file.
    let blocked = dir.join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("x"), b"x").unwrap();
    let err = save(&blocked, &[("a", Tensor::<f32>::ones(&[2]))]).unwrap_err();
    assert!(matches!(err, NnError::Io { .. }), "{err}");
    assert_eq!(files_in(&dir), vec!["blocked", "m.safetensors"]);
    // A successful save replaces the file completely.
    save(&path, &[("b", Tensor::<f64>::zeros(&[3]))]).unwrap();
    let names: Vec<String> = load::<f64>(&path)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, vec!["b"]);
    assert_eq!(files_in(&dir), vec!["blocked", "m.safetensors"]);
    // A directory that does not exist is an I/O error, not a panic.
    assert!(matches!(
        save(
            dir.join("nope/m.safetensors"),
            &[("a", Tensor::<f32>::ones(&[1]))]
        ),
        Err(NnError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_file_is_an_io_error() {
    let err = load::<f32>("/nonexistent/dir/m.safetensors").unwrap_err();
    assert!(matches!(err, NnError::Io { .. }), "{err}");
}

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/torch_small.safetensors"
);

/// `tests/fixtures/torch_small.safetensors` was written by PyTorch 2.x with:
///
/// ```python
/// from safetensors.torch import save_file
/// sd = {
///     "0.weight": torch.tensor([[0.5, -1.25, 2.0], [3.0, 0.125, -0.75]], dtype=torch.float32),
///     "0.bias": torch.tensor([0.1, -0.2], dtype=torch.float32),
///     "pi": torch.tensor(3.141592653589793, dtype=torch.float64),
/// }
/// save_file(sd, "torch_small.safetensors", metadata={"format": "pt", "written_by": "torch"})
/// ```
#[test]
fn loads_a_file_written_by_pytorch() {
    let loaded = load::<f32>(FIXTURE).unwrap();
    let names: Vec<&str> = loaded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["0.bias", "0.weight", "pi"]);
    assert_eq!(loaded[0].1.shape(), &[2]);
    assert_eq!(loaded[0].1.to_vec(), vec![0.1f32, -0.2f32]);
    assert_eq!(loaded[1].1.shape(), &[2, 3]);
    assert_eq!(
        loaded[1].1.to_vec(),
        vec![0.5, -1.25, 2.0, 3.0, 0.125, -0.75]
    );
    assert_eq!(loaded[2].1.shape(), &[] as &[usize]);
    assert_eq!(loaded[2].1.to_vec(), vec![std::f64::consts::PI as f32]);

    let as64 = load::<f64>(FIXTURE).unwrap();
    assert_eq!(
        as64[0].1.to_vec(),
        vec![0.10000000149011612, -0.20000000298023224]
    );
    assert_eq!(as64[2].1.item().unwrap(), std::f64::consts::PI);

    let meta = load_metadata(FIXTURE).unwrap();
    assert_eq!(meta.get("written_by").map(String::as_str), Some("torch"));

    // Into a matching f32 model: `pi` is F64 and not a parameter, so it is reported.
    let w = Tensor::<f32>::zeros(&[2, 3]);
    let b = Tensor::<f32>::zeros(&[2]);
    let err = load_into(FIXTURE, &[("0.weight", w.clone()), ("0.bias", b.clone())]).unwrap_err();
    assert!(err.to_string().contains("unexpected key `pi`"), "{err}");
    assert_eq!(b.to_vec(), vec![0.0, 0.0]);
}
