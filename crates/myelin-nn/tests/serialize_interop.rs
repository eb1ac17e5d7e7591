//! Writes the files for the manual PyTorch interoperability check described in the
//! `myelin_nn::serialize` module docs. Ignored by default (it needs Python to verify):
//!
//! ```text
//! MYELIN_INTEROP_DIR=/tmp/interop cargo test -p myelin-nn --test serialize_interop -- --ignored
//! python - <<'PY'
//! import torch
//! from torch import nn
//! from safetensors.torch import load_file
//! for dt in ["f32", "f64"]:
//!     m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
//!     sd = load_file(f"/tmp/interop/mlp_{dt}.safetensors")
//!     m = m.to(sd["0.weight"].dtype)
//!     m.load_state_dict(sd, strict=True)
//!     io = load_file(f"/tmp/interop/io_{dt}.safetensors")
//!     with torch.no_grad():
//!         print(dt, (m(io["input"]) - io["output"]).abs().max().item())
//! PY
//! ```

use myelin_nn::serialize::{load_into, save};
use myelin_tensor::{Element, Tensor};

fn write<T: Element>(dir: &std::path::Path, tag: &str) {
    let w1 = Tensor::<T>::randn_seeded(&[4, 3], 1);
    let b1 = Tensor::<T>::randn_seeded(&[4], 2);
    let w2 = Tensor::<T>::randn_seeded(&[2, 4], 3);
    let b2 = Tensor::<T>::randn_seeded(&[2], 4);
    let x = Tensor::<T>::randn_seeded(&[5, 3], 5);
    let h = (&x.matmul(&w1.t()) + &b1).relu();
    let y = &h.matmul(&w2.t()) + &b2;
    let params = [
        ("0.weight", w1),
        ("0.bias", b1),
        ("2.weight", w2),
        ("2.bias", b2),
    ];
    let path = dir.join(format!("mlp_{tag}.safetensors"));
    save(&path, &params).unwrap();
    save(
        dir.join(format!("io_{tag}.safetensors")),
        &[("input", x), ("output", y)],
    )
    .unwrap();
    // And it loads back into a fresh model of the same shapes.
    let fresh: Vec<(&str, Tensor<T>)> = params
        .iter()
        .map(|(n, t)| (*n, Tensor::zeros(t.shape())))
        .collect();
    load_into(&path, &fresh).unwrap();
    for ((_, a), (_, b)) in params.iter().zip(&fresh) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
}

#[test]
#[ignore = "writes files for a manual check with PyTorch"]
fn write_interop_files() {
    let dir = std::env::var_os("MYELIN_INTEROP_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("myelin-interop"));
    std::fs::create_dir_all(&dir).unwrap();
    write::<f32>(&dir, "f32");
    write::<f64>(&dir, "f64");
    println!("wrote interop files to {}", dir.display());
}
