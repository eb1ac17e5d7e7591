//! Saving and loading named tensors as [safetensors](https://huggingface.co/docs/safetensors)
//! files, with PyTorch `state_dict`-style names (`"0.weight"`, `"0.bias"`, …).
//!
//! - [`save`] / [`save_with_metadata`] write `F32` or `F64` little-endian tensors and a
//!   `{"format": "pt"}` metadata entry, atomically: the file is written to
//!   `<path>.tmp-<pid>-<n>` in the same directory, flushed to disk (`fsync`) and then
//!   renamed over `path`, so a crash or error never leaves a half-written file where a
//!   good one was (at worst a stray temporary file).
//! - [`load`] reads every tensor, converting `F32` and `F64` to the requested element
//!   type (`F64 → f32` rounds to nearest); any other dtype (`F16`, `BF16`, integers…)
//!   is an error.
//! - [`load_into`] loads into existing parameters: it checks that the names match
//!   exactly and that each tensor's dtype and shape equal the parameter's, reports
//!   *every* missing, unexpected or mismatched key in one [`NnError::Checkpoint`], and
//!   changes nothing unless all checks pass. Unlike `load`, it does not convert between
//!   `F32` and `F64` (a dtype mismatch is reported, as a sign of loading the wrong
//!   checkpoint); use `load` plus [`Tensor::assign`] to convert deliberately.
//! - [`load_metadata`] returns the file's string metadata.
//! - Integer buffers: PyTorch stores batch norm's `num_batches_tracked` counter as
//!   `I64`. A tensor named `num_batches_tracked` or `<prefix>.num_batches_tracked` is
//!   therefore written as `I64` (its values must be whole numbers), [`load`] converts
//!   `I64` back for such names, and [`load_into`] expects `I64` for them. Every other
//!   name is `F32`/`F64` as above.
//!
//! Reading is defensive: the 8-byte header length is checked against the file size
//! before anything else is read, every declared tensor extent is checked to lie inside
//! the file, and the `safetensors` crate validates the rest (offsets contiguous and
//! non-overlapping, byte counts matching dtype × shape). A truncated, corrupt or hostile
//! file gives an [`NnError::Checkpoint`], never a panic or an allocation larger than
//! the file.
//!
//! ```
//! use myelin_nn::serialize::{load, load_into, save};
//! use myelin_tensor::Tensor;
//!
//! let dir = std::env::temp_dir().join(format!("myelin-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("model.safetensors");
//! let w = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
//! let b = Tensor::<f32>::from_vec(vec![0.5, -0.5], &[2])?;
//! save(&path, &[("0.weight", w.clone()), ("0.bias", b.clone())])?;
//!
//! let loaded = load::<f32>(&path)?; // sorted by name
//! assert_eq!(loaded[0].0, "0.bias");
//! assert_eq!(loaded[1].1.to_vec(), w.to_vec());
//!
//! let w2 = Tensor::<f32>::zeros(&[2, 2]);
//! let b2 = Tensor::<f32>::zeros(&[2]);
//! load_into(&path, &[("0.weight", w2.clone()), ("0.bias", b2.clone())])?;
//! assert_eq!(w2.to_vec(), w.to_vec());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Interoperability with PyTorch
//!
//! Files are plain safetensors with PyTorch names, so
//! `model.load_state_dict(safetensors.torch.load_file(path))` loads them. This was
//! checked by hand: a 3→4→2 MLP (`Linear`, ReLU, `Linear`) with seeded random weights
//! was built from Myelin tensors, its output on a fixed 5×3 input computed with Myelin
//! and saved together with the weights under the names `0.weight`, `0.bias`,
//! `2.weight`, `2.bias` (f32 and f64 variants; the ignored test
//! `serialize_interop::write_interop_files` in `tests/serialize_interop.rs` writes
//! them). Python then loaded each file with `safetensors.torch.load_file` into
//! `nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))` (with
//! `strict=True`) and reproduced Myelin's outputs exactly (maximum absolute
//! difference 0.0 in both f32 and f64, PyTorch 2.15, safetensors 0.8). In the other direction, `tests/fixtures/torch_small.safetensors`
//! was written by `safetensors.torch.save_file` and is loaded in the tests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use myelin_tensor::{DType, Element, Tensor};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors, View};

use crate::error::{NnError, Result};

/// Metadata written by [`save`]: `{"format": "pt"}`, which the `safetensors.torch`
/// helpers expect.
pub const FORMAT_METADATA: (&str, &str) = ("format", "pt");

/// Writes `tensors` to `path` as a safetensors file with metadata
/// `{"format": "pt"}`, atomically (see the [module docs](self)).
///
/// Non-contiguous tensors are written in row-major order. Errors (leaving any
/// existing file at `path` untouched) on duplicate names, the reserved name
/// `__metadata__`, or an I/O failure.
pub fn save<T: Element, S: AsRef<str>>(
    path: impl AsRef<Path>,
    tensors: &[(S, Tensor<T>)],
) -> Result<()> {
    save_with_metadata(path, tensors, &HashMap::new())
}

/// Like [`save`], with extra string metadata stored in the header (`"format"` is set
/// to `"pt"` unless `metadata` sets it).
pub fn save_with_metadata<T: Element, S: AsRef<str>>(
    path: impl AsRef<Path>,
    tensors: &[(S, Tensor<T>)],
    metadata: &HashMap<String, String>,
) -> Result<()> {
    let path = path.as_ref();
    let mut seen = HashSet::new();
    for (name, _) in tensors {
        let name = name.as_ref();
        if name == "__metadata__" {
            return Err(NnError::InvalidArgument(
                "save: `__metadata__` is reserved by the safetensors format and cannot name a tensor"
                    .into(),
            ));
        }
        if !seen.insert(name) {
            return Err(NnError::InvalidArgument(format!(
                "save: the tensor name `{name}` appears more than once"
            )));
        }
    }
    let encoded = tensors
        .iter()
        .map(|(name, t)| {
            let name = name.as_ref();
            let dtype = stored_dtype::<T>(name);
            let bytes = if dtype == Dtype::I64 {
                t.with_contiguous_data(|v| to_i64_le_bytes(name, v))?
            } else {
                t.with_contiguous_data(to_le_bytes)
            };
            let shape = t.shape().to_vec();
            Ok((
                name.to_string(),
                Encoded {
                    dtype,
                    shape,
                    bytes,
                },
            ))
        })
        .collect::<Result<Vec<(String, Encoded)>>>()?;
    let mut meta = metadata.clone();
    meta.entry(FORMAT_METADATA.0.to_string())
        .or_insert_with(|| FORMAT_METADATA.1.to_string());

    let tmp = temp_path(path)?;
    let result = write_and_sync(&encoded, &meta, &tmp).and_then(|()| {
        fs::rename(&tmp, path).map_err(|source| NnError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    match result {
        Ok(()) => {
            sync_parent_dir(path);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Reads every tensor of the safetensors file at `path`, sorted by name, converting
/// `F32`/`F64` data to `T`.
///
/// Errors with [`NnError::Checkpoint`] (listing every problem) if the file is
/// malformed or holds a tensor of another dtype, and [`NnError::Io`] if it cannot be
/// read.
pub fn load<T: Element>(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor<T>)>> {
    let path = path.as_ref();
    let buffer = read_checked(path)?;
    let st = parse(path, &buffer)?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (name, view) in sorted_views(&st) {
        match decode::<T>(name, &view) {
            Ok(values) => match Tensor::from_vec(values, view.shape()) {
                Ok(t) => out.push((name.to_string(), t)),
                Err(e) => problems.push(format!("tensor `{name}`: {e}")),
            },
            Err(p) => problems.push(format!("tensor `{name}`: {p}")),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(checkpoint_error(path, problems))
    }
}

/// Loads the safetensors file at `path` into `params` (name → parameter), in place.
///
/// Every parameter name must be in the file and every tensor in the file must name a
/// parameter; each must have the parameter's dtype (no `F32`/`F64` conversion) and
/// shape. All violations are collected into one [`NnError::Checkpoint`] (missing keys,
/// unexpected keys, dtype and shape mismatches, duplicate parameter names,
/// non-contiguous parameters) and then nothing is changed. Only when every check passes
/// are the values copied in with [`Tensor::assign`]; every clone of each parameter
/// handle sees them.
pub fn load_into<T: Element, S: AsRef<str>>(
    path: impl AsRef<Path>,
    params: &[(S, Tensor<T>)],
) -> Result<()> {
    let path = path.as_ref();
    let buffer = read_checked(path)?;
    let st = parse(path, &buffer)?;
    let file: BTreeMap<&str, TensorView<'_>> = sorted_views(&st).into_iter().collect();
    let mut problems = Vec::new();
    let mut wanted: HashMap<&str, usize> = HashMap::new();
    for (i, (name, p)) in params.iter().enumerate() {
        let name = name.as_ref();
        if wanted.insert(name, i).is_some() {
            problems.push(format!("parameter name `{name}` is given more than once"));
        }
        if !p.is_contiguous() {
            problems.push(format!(
                "parameter `{name}` is not contiguous and cannot be loaded in place"
            ));
        }
        match file.get(name) {
            None => problems.push(format!("missing key `{name}` (shape {:?})", p.shape())),
            Some(view) => {
                let file_dtype = view.dtype();
                let expected = stored_dtype::<T>(name);
                if file_dtype != expected {
                    problems.push(format!(
                        "dtype mismatch for `{name}`: the file has {file_dtype:?}, expected {expected:?}"
                    ));
                }
                if view.shape() != p.shape() {
                    problems.push(format!(
                        "shape mismatch for `{name}`: the file has {:?}, the parameter has {:?}",
                        view.shape(),
                        p.shape()
                    ));
                }
            }
        }
    }
    for (name, view) in &file {
        if !wanted.contains_key(name) {
            problems.push(format!(
                "unexpected key `{name}` ({:?}, shape {:?})",
                view.dtype(),
                view.shape()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(checkpoint_error(path, problems));
    }
    // Decode everything before touching any parameter.
    let mut values = Vec::with_capacity(params.len());
    for (name, p) in params {
        let view = &file[name.as_ref()];
        let data = decode::<T>(name.as_ref(), view).map_err(|e| checkpoint_error(path, vec![e]))?;
        values.push((p, Tensor::from_vec(data, p.shape())?));
    }
    for (p, v) in values {
        p.assign(&v)?;
    }
    Ok(())
}

/// The string metadata (`__metadata__`) of the safetensors file at `path` (empty if
/// it has none).
pub fn load_metadata(path: impl AsRef<Path>) -> Result<HashMap<String, String>> {
    let path = path.as_ref();
    let buffer = read_checked(path)?;
    let (_, meta) = SafeTensors::read_metadata(&buffer)
        .map_err(|e| checkpoint_error(path, vec![format!("invalid safetensors file: {e}")]))?;
    Ok(meta.metadata().clone().unwrap_or_default())
}

// ----- writing --------------------------------------------------------------------------

/// A tensor already encoded as little-endian bytes.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

fn to_le_bytes<T: Element>(values: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(std::mem::size_of_val(values));
    match T::DTYPE {
        DType::F32 => values
            .iter()
            .for_each(|v| out.extend_from_slice(&(Element::to_f64(*v) as f32).to_le_bytes())),
        DType::F64 => values
            .iter()
            .for_each(|v| out.extend_from_slice(&Element::to_f64(*v).to_le_bytes())),
    }
    out
}

/// Whether `name` is an integer buffer in PyTorch checkpoints (batch norm's
/// `num_batches_tracked`), stored as `I64`.
fn is_integer_key(name: &str) -> bool {
    name.rsplit('.').next() == Some("num_batches_tracked")
}

/// The safetensors dtype a tensor called `name` is stored with.
fn stored_dtype<T: Element>(name: &str) -> Dtype {
    match T::DTYPE {
        _ if is_integer_key(name) => Dtype::I64,
        DType::F32 => Dtype::F32,
        DType::F64 => Dtype::F64,
    }
}

/// Whole-number values as little-endian `i64`, or an error naming the tensor.
fn to_i64_le_bytes<T: Element>(name: &str, values: &[T]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(8 * values.len());
    for &v in values {
        let v = Element::to_f64(v);
        if v.fract() != 0.0 || v.abs() >= 9.2e18 {
            return Err(NnError::InvalidArgument(format!(
                "save: `{name}` is stored as I64 like PyTorch's, but holds {v}, which is not a whole number in range"
            )));
        }
        out.extend_from_slice(&(v as i64).to_le_bytes());
    }
    Ok(out)
}

/// `<dir>/<file name>.tmp-<pid>-<n>`: unique per process and per call.
fn temp_path(path: &Path) -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let file_name = path.file_name().ok_or_else(|| {
        NnError::InvalidArgument(format!("save: `{}` does not name a file", path.display()))
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut tmp_name = file_name.to_os_string();
    tmp_name.push(format!(".tmp-{}-{n}", std::process::id()));
    Ok(path.with_file_name(tmp_name))
}

fn write_and_sync(
    encoded: &[(String, Encoded)],
    meta: &HashMap<String, String>,
    tmp: &Path,
) -> Result<()> {
    let io = |source| NnError::Io {
        path: tmp.to_path_buf(),
        source,
    };
    let data = encoded.iter().map(|(n, e)| (n.as_str(), e));
    safetensors::serialize_to_file(data, &Some(meta.clone()), tmp).map_err(|e| match e {
        safetensors::SafeTensorError::IoError(source) => io(source),
        other => checkpoint_error(tmp, vec![format!("could not serialise: {other}")]),
    })?;
    OpenOptions::new()
        .write(true)
        .open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)
}

/// Makes the rename durable (best effort; not every platform can open a directory).
fn sync_parent_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

// ----- reading --------------------------------------------------------------------------

fn checkpoint_error(path: &Path, problems: Vec<String>) -> NnError {
    NnError::Checkpoint {
        path: path.to_path_buf(),
        problems,
    }
}

/// Reads the whole file after checking its declared header length and tensor extents
/// against its real size (so a hostile length never drives an allocation or an
/// out-of-range slice).
fn read_checked(path: &Path) -> Result<Vec<u8>> {
    let io = |source| NnError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let bad = |msg: String| checkpoint_error(path, vec![msg]);
    if size < 8 {
        return Err(bad(format!(
            "invalid safetensors file: {size} bytes is too short for the 8-byte header length"
        )));
    }
    let mut len_bytes = [0u8; 8];
    file.read_exact(&mut len_bytes).map_err(io)?;
    let header_len = u64::from_le_bytes(len_bytes);
    if header_len > size - 8 {
        return Err(bad(format!(
            "invalid safetensors file: the header declares {header_len} bytes but the file has only {} after the length field",
            size - 8
        )));
    }
    let size = usize::try_from(size).map_err(|_| {
        bad(format!(
            "the file is too large ({size} bytes) for this platform"
        ))
    })?;
    let mut buffer = Vec::with_capacity(size);
    buffer.extend_from_slice(&len_bytes);
    file.take(size as u64 - 8)
        .read_to_end(&mut buffer)
        .map_err(io)?;
    if buffer.len() != size {
        return Err(bad(format!(
            "the file changed size while being read ({} of {size} bytes)",
            buffer.len()
        )));
    }
    check_extents(&buffer, header_len as usize).map_err(bad)?;
    Ok(buffer)
}

/// Checks that every tensor's declared `data_offsets` lie within the data section.
/// (The safetensors crate checks contiguity and sizes, but adds the final offset to
/// the header length unchecked.)
fn check_extents(buffer: &[u8], header_len: usize) -> std::result::Result<(), String> {
    let data_len = buffer.len() - 8 - header_len;
    let Ok(header) = serde_json::from_slice::<serde_json::Value>(&buffer[8..8 + header_len]) else {
        // Leave the precise diagnosis to the safetensors crate.
        return Ok(());
    };
    let Some(map) = header.as_object() else {
        return Err("invalid safetensors file: the header is not a JSON object".into());
    };
    for (name, info) in map {
        if name == "__metadata__" {
            continue;
        }
        let offsets = info.get("data_offsets").and_then(|o| o.as_array());
        if let Some(offsets) = offsets {
            for o in offsets {
                if let Some(v) = o.as_u64() {
                    if v > data_len as u64 {
                        return Err(format!(
                            "invalid safetensors file: tensor `{name}` declares data offset {v} beyond the {data_len}-byte data section"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn parse<'a>(path: &Path, buffer: &'a [u8]) -> Result<SafeTensors<'a>> {
    SafeTensors::deserialize(buffer)
        .map_err(|e| checkpoint_error(path, vec![format!("invalid safetensors file: {e}")]))
}

fn sorted_views<'a>(st: &'a SafeTensors<'a>) -> Vec<(&'a str, TensorView<'a>)> {
    let mut v: Vec<_> = st.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// Decodes an `F32` or `F64` view (or `I64` for an integer buffer called `name`) into
/// `T` values.
fn decode<T: Element>(name: &str, view: &TensorView<'_>) -> std::result::Result<Vec<T>, String> {
    let shape = view.shape();
    // Zero-element tensors may declare absurd extents; keep them within usize so that
    // stride arithmetic downstream cannot overflow.
    let fits = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .is_some();
    if !fits {
        return Err(format!("shape {shape:?} is too large"));
    }
    let bytes = view.data();
    match view.dtype() {
        Dtype::F32 => Ok(bytes
            .chunks_exact(4)
            .map(|c| T::from_f64(f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64))
            .collect()),
        Dtype::F64 => Ok(bytes
            .chunks_exact(8)
            .map(|c| T::from_f64(f64::from_le_bytes(eight(c))))
            .collect()),
        Dtype::I64 if is_integer_key(name) => Ok(bytes
            .chunks_exact(8)
            .map(|c| T::from_f64(i64::from_le_bytes(eight(c)) as f64))
            .collect()),
        other => Err(format!(
            "has dtype {other:?}; only F32 and F64 tensors (and I64 `num_batches_tracked` buffers) can be loaded"
        )),
    }
}

/// An 8-byte chunk (from `chunks_exact(8)`) as an array.
fn eight(c: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(c);
    a
}
