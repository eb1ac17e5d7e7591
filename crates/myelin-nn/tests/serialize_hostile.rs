//! Truncated, corrupt and hostile safetensors files must give errors, never panics or
//! huge allocations.

use std::path::PathBuf;

use myelin_nn::serialize::{load, load_into, load_metadata, save};
use myelin_nn::NnError;
use myelin_tensor::Tensor;

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("myelin-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A file with the given header JSON and `data_len` zero bytes of data.
fn crafted(header: &str, data_len: usize) -> Vec<u8> {
    let mut v = (header.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(header.as_bytes());
    v.extend(std::iter::repeat_n(0u8, data_len));
    v
}

/// Writes `bytes` and checks that every reader returns a checkpoint error whose
/// message contains `needle`.
fn expect_checkpoint_error(dir: &std::path::Path, bytes: &[u8], needle: &str) {
    let path = dir.join("bad.safetensors");
    std::fs::write(&path, bytes).unwrap();
    let errors = [
        load::<f32>(&path).map(|_| ()).unwrap_err(),
        load::<f64>(&path).map(|_| ()).unwrap_err(),
        load_into(&path, &[("x", Tensor::<f32>::zeros(&[1]))]).unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, NnError::Checkpoint { .. }), "{err}");
        assert!(
            err.to_string().contains(needle),
            "expected `{needle}` in: {err}"
        );
    }
}

#[test]
fn too_short_and_huge_header_lengths() {
    let dir = tmp_dir("short");
    expect_checkpoint_error(&dir, b"", "too short");
    expect_checkpoint_error(&dir, &[1, 2, 3, 4, 5, 6, 7], "too short");
    // Declared header lengths far beyond the file are refused before any allocation.
    for n in [u64::MAX, 1 << 40, 100_000_001, 9] {
        let mut bytes = n.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        expect_checkpoint_error(&dir, &bytes, "header declares");
    }
    assert!(load_metadata(dir.join("bad.safetensors")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_headers() {
    let dir = tmp_dir("header");
    let mut not_utf8 = 4u64.to_le_bytes().to_vec();
    not_utf8.extend_from_slice(&[0xff, 0xfe, 0xfd, 0xfc]);
    expect_checkpoint_error(&dir, &not_utf8, "invalid safetensors file");
    expect_checkpoint_error(&dir, &crafted("{\"x\": ", 0), "invalid safetensors file");
    expect_checkpoint_error(&dir, &crafted("[1, 2]", 0), "invalid safetensors file");
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}"#,
            4,
        ),
        "invalid safetensors file",
    );
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            4,
        ),
        "invalid safetensors file",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn offsets_out_of_range_overlapping_or_inconsistent() {
    let dir = tmp_dir("offsets");
    // Beyond the data section.
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"F32","shape":[250],"data_offsets":[0,1000]}}"#,
            8,
        ),
        "beyond",
    );
    // Offsets near usize::MAX (would overflow the crate's end-of-data arithmetic).
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"U8","shape":[18446744073709551600],"data_offsets":[0,18446744073709551600]}}"#,
            8,
        ),
        "beyond",
    );
    // Overlapping tensors.
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            12,
        ),
        "invalid safetensors file",
    );
    // Size disagrees with dtype × shape.
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
            8,
        ),
        "invalid safetensors file",
    );
    // Shape product overflows.
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}"#,
            8,
        ),
        "invalid safetensors file",
    );
    // Trailing bytes not covered by any tensor.
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            12,
        ),
        "invalid safetensors file",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unsupported_dtype_and_absurd_empty_shapes() {
    let dir = tmp_dir("dtype");
    expect_checkpoint_error(
        &dir,
        &crafted(
            r#"{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#,
            8,
        ),
        "I64",
    );
    // Zero elements, but dimensions whose product (ignoring the zero) overflows.
    let path = dir.join("absurd.safetensors");
    let bytes = crafted(
        r#"{"x":{"dtype":"F32","shape":[0,18446744073709551615,2],"data_offsets":[0,0]}}"#,
        0,
    );
    std::fs::write(&path, bytes).unwrap();
    let err = load::<f32>(&path).unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
    let err = load_into(&path, &[("x", Tensor::<f32>::zeros(&[0, 2]))]).unwrap_err();
    assert!(err.to_string().contains("shape mismatch for `x`"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_truncation_and_header_byte_flip_is_handled() {
    let dir = tmp_dir("truncate");
    let good = dir.join("good.safetensors");
    save(
        &good,
        &[
            (
                "a",
                Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap(),
            ),
            (
                "b",
                Tensor::<f32>::from_vec(vec![4.0, 5.0], &[1, 2]).unwrap(),
            ),
        ],
    )
    .unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.join("bad.safetensors");
    for len in 0..bytes.len() {
        std::fs::write(&bad, &bytes[..len]).unwrap();
        let err = load::<f32>(&bad).unwrap_err();
        assert!(
            matches!(err, NnError::Checkpoint { .. }),
            "len {len}: {err}"
        );
    }
    // Any single corrupted header byte: an error or a consistent load, never a panic.
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    for i in 0..8 + n {
        for x in [0x01u8, 0x80, 0xff] {
            let mut c = bytes.clone();
            c[i] ^= x;
            std::fs::write(&bad, &c).unwrap();
            if let Ok(ts) = load::<f64>(&bad) {
                for (_, t) in ts {
                    assert_eq!(t.to_vec().len(), t.numel());
                }
            }
            let _ = load_into(&bad, &[("a", Tensor::<f32>::zeros(&[3]))]);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
