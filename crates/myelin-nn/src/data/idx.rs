//! Reader for the IDX format (the format of the MNIST files).
//!
//! An IDX file is a 4-byte magic number — two zero bytes, a type code and
//! the number of dimensions — then one big-endian `u32` per dimension, then
//! the elements, big-endian, row-major. Files whose bytes start with the
//! gzip magic (such as `train-images-idx3-ubyte.gz`) are decompressed
//! transparently.
//!
//! The reader never trusts the header: the declared size is computed with
//! checked arithmetic and compared with the file length (or, for gzip, with
//! the bytes actually decompressed) before the element buffer is allocated.

use std::io::Read;
use std::path::Path;

use super::dataset::{Dataset, MAX_CLASSES};
use super::gzip::{is_gzip, open_maybe_gzip};
use crate::error::{NnError, Result};

/// Element type of an IDX file, with its type code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxType {
    /// Unsigned byte (code `0x08`).
    U8,
    /// Signed byte (code `0x09`).
    I8,
    /// Big-endian `i16` (code `0x0B`).
    I16,
    /// Big-endian `i32` (code `0x0C`).
    I32,
    /// Big-endian `f32` (code `0x0D`).
    F32,
    /// Big-endian `f64` (code `0x0E`).
    F64,
}

impl IdxType {
    /// The type for a type code, if it is one of the six the format defines.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0x08 => Self::U8,
            0x09 => Self::I8,
            0x0B => Self::I16,
            0x0C => Self::I32,
            0x0D => Self::F32,
            0x0E => Self::F64,
            _ => return None,
        })
    }

    /// The type code (third byte of the magic number).
    pub fn code(self) -> u8 {
        match self {
            Self::U8 => 0x08,
            Self::I8 => 0x09,
            Self::I16 => 0x0B,
            Self::I32 => 0x0C,
            Self::F32 => 0x0D,
            Self::F64 => 0x0E,
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Self::U8 | Self::I8 => 1,
            Self::I16 => 2,
            Self::I32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    /// Whether the type holds integers.
    pub fn is_integer(self) -> bool {
        !matches!(self, Self::F32 | Self::F64)
    }

    /// Decodes one big-endian element (`bytes.len() == self.size()`).
    fn decode(self, b: &[u8]) -> f64 {
        match self {
            Self::U8 => f64::from(b[0]),
            Self::I8 => f64::from(b[0] as i8),
            Self::I16 => f64::from(i16::from_be_bytes([b[0], b[1]])),
            Self::I32 => f64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            Self::F32 => f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            Self::F64 => f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }
}

/// A decoded IDX array: element type, dimensions and the elements as `f64`,
/// row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    /// Element type in the file.
    pub dtype: IdxType,
    /// Dimensions, outermost first (for images: count, rows, columns).
    pub dims: Vec<usize>,
    /// Elements, row-major, converted to `f64`.
    pub data: Vec<f64>,
}

impl IdxArray {
    /// Byte length of the header (magic number and dimensions).
    fn header_len(&self) -> u64 {
        4 + 4 * self.dims.len() as u64
    }
}

/// Reads any IDX file (optionally gzip-compressed).
///
/// # Errors
/// [`NnError::Io`] when the file cannot be read or decompressed;
/// [`NnError::Idx`] with the byte offset when the magic number is wrong,
/// the type code unknown, there are no dimensions, the declared size
/// overflows, or the data are truncated or followed by extra bytes.
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    let mut stream = open_maybe_gzip(path)?;
    read_from(&mut stream.reader, stream.known_len, path)
}

/// Decodes IDX bytes held in memory (gzip-compressed or not); `source`
/// names them in errors.
///
/// ```
/// use std::path::Path;
/// use myelin_nn::data::{parse_idx, IdxType};
///
/// // Two 1x2 u8 images: magic 0x00000803, dims 2, 1, 2, then 4 bytes.
/// let bytes = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 10, 20, 30, 255];
/// let a = parse_idx(&bytes, Path::new("inline"))?;
/// assert_eq!(a.dtype, IdxType::U8);
/// assert_eq!(a.dims, vec![2, 1, 2]);
/// assert_eq!(a.data, vec![10.0, 20.0, 30.0, 255.0]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
///
/// # Errors
/// As for [`read_idx`].
pub fn parse_idx(bytes: &[u8], source: &Path) -> Result<IdxArray> {
    if is_gzip(bytes) {
        let mut reader = flate2::read::MultiGzDecoder::new(bytes);
        read_from(&mut reader, None, source)
    } else {
        let mut reader = bytes;
        read_from(&mut reader, Some(bytes.len() as u64), source)
    }
}

/// Reads an IDX image file: at least two dimensions (count, then the shape
/// of one image), any element type.
///
/// # Errors
/// As for [`read_idx`], and [`NnError::Idx`] at offset 3 when the file has
/// fewer than two dimensions.
pub fn load_idx_images(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    let a = read_idx(path)?;
    if a.dims.len() < 2 {
        return Err(idx_err(
            path,
            3,
            format!(
                "an image file needs at least 2 dimensions (count and image shape), found {}",
                a.dims.len()
            ),
        ));
    }
    Ok(a)
}

/// Reads an IDX label file: one dimension, an integer element type, every
/// label in `0..MAX_CLASSES`.
///
/// # Errors
/// As for [`read_idx`], and [`NnError::Idx`] when the file is not
/// one-dimensional (offset 3), holds floats (offset 2), or has a negative or
/// too large label (that label's offset).
pub fn load_idx_labels(path: impl AsRef<Path>) -> Result<Vec<usize>> {
    let path = path.as_ref();
    let a = read_idx(path)?;
    if a.dims.len() != 1 {
        return Err(idx_err(
            path,
            3,
            format!(
                "a label file needs exactly 1 dimension, found {}",
                a.dims.len()
            ),
        ));
    }
    if !a.dtype.is_integer() {
        return Err(idx_err(
            path,
            2,
            format!("labels must be integers, found type {:?}", a.dtype),
        ));
    }
    let base = a.header_len();
    let size = a.dtype.size() as u64;
    a.data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v >= 0.0 && v < MAX_CLASSES as f64 {
                Ok(v as usize)
            } else {
                Err(idx_err(
                    path,
                    base + i as u64 * size,
                    format!("label {v} of item {i} is not a class id in 0..{MAX_CLASSES}"),
                ))
            }
        })
        .collect()
}

/// Loads an image file and a label file (as MNIST ships them) into a
/// [`Dataset`]: each image flattened row-major into one feature row, pixel
/// values as `f64` (not rescaled), `n_classes` the largest label plus one.
///
/// # Errors
/// As for [`load_idx_images`] and [`load_idx_labels`], and [`NnError::Idx`]
/// naming the label file at offset 4 when the label count differs from the
/// image count, or the image file at offset 8 when images have zero size.
///
/// ```no_run
/// let mnist = myelin_nn::data::load_idx_dataset(
///     "train-images-idx3-ubyte.gz",
///     "train-labels-idx1-ubyte.gz",
/// )?;
/// assert_eq!(mnist.n_features(), 784);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn load_idx_dataset(
    images_path: impl AsRef<Path>,
    labels_path: impl AsRef<Path>,
) -> Result<Dataset> {
    let (images_path, labels_path) = (images_path.as_ref(), labels_path.as_ref());
    let images = load_idx_images(images_path)?;
    let labels = load_idx_labels(labels_path)?;
    let count = images.dims[0];
    if labels.len() != count {
        return Err(idx_err(
            labels_path,
            4,
            format!(
                "{} labels, but {} holds {count} images",
                labels.len(),
                images_path.display()
            ),
        ));
    }
    // Checked by `read_idx`: the product of all dims fits in usize.
    let n_features: usize = images.dims[1..].iter().product();
    if n_features == 0 {
        return Err(idx_err(
            images_path,
            8,
            format!("images have zero size (dims {:?})", images.dims),
        ));
    }
    let n_classes = labels.iter().max().map_or(0, |m| m + 1);
    Dataset::new(images.data, labels, n_features, n_classes)
}

fn idx_err(path: &Path, offset: u64, message: String) -> NnError {
    NnError::Idx {
        path: path.to_path_buf(),
        offset,
        message,
    }
}

/// Reads into `buf` until it is full or the stream ends; returns the count.
fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Decodes an IDX stream whose total length is `known_len` when known.
fn read_from(reader: &mut dyn Read, known_len: Option<u64>, path: &Path) -> Result<IdxArray> {
    let io = |source| NnError::Io {
        path: path.to_path_buf(),
        source,
    };
    let err = |offset: u64, message: String| idx_err(path, offset, message);

    let mut magic = [0u8; 4];
    let got = read_up_to(reader, &mut magic).map_err(io)?;
    if got < 4 {
        return Err(err(
            got as u64,
            format!("truncated: {got} bytes, too short for the 4-byte magic number"),
        ));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(err(
            0,
            format!(
                "wrong magic number 0x{:08x}: an IDX file starts with two zero bytes",
                u32::from_be_bytes(magic)
            ),
        ));
    }
    let dtype = IdxType::from_code(magic[2]).ok_or_else(|| {
        err(
            2,
            format!(
                "unknown element type code 0x{:02x} (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)",
                magic[2]
            ),
        )
    })?;
    let n_dims = usize::from(magic[3]);
    if n_dims == 0 {
        return Err(err(3, "the magic number declares 0 dimensions".into()));
    }

    let mut dim_bytes = vec![0u8; 4 * n_dims];
    let got = read_up_to(reader, &mut dim_bytes).map_err(io)?;
    if got < dim_bytes.len() {
        return Err(err(
            4 + got as u64,
            format!("truncated: the header declares {n_dims} dimensions but ends early"),
        ));
    }
    let dims: Vec<usize> = dim_bytes
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let header_len = 4 + 4 * n_dims as u64;

    let too_big = || err(4, format!("declared size overflows: dims {dims:?}"));
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(too_big)?;
    let data_len = count.checked_mul(dtype.size()).ok_or_else(too_big)?;
    let total = u64::try_from(data_len)
        .ok()
        .and_then(|d| d.checked_add(header_len))
        .ok_or_else(too_big)?;

    if let Some(len) = known_len {
        if len < total {
            return Err(err(
                len,
                format!(
                    "truncated: the header declares dims {dims:?} of {dtype:?} ({total} bytes in all) but the file has {len} bytes"
                ),
            ));
        }
        if len > total {
            return Err(err(
                total,
                format!(
                    "{} unexpected bytes after the data declared by dims {dims:?}",
                    len - total
                ),
            ));
        }
    }

    // Grows only as bytes arrive, so a lying header in a compressed stream
    // cannot trigger a huge allocation.
    let mut raw = Vec::with_capacity(if known_len.is_some() { data_len } else { 0 });
    (&mut *reader)
        .take(data_len as u64)
        .read_to_end(&mut raw)
        .map_err(io)?;
    if raw.len() < data_len {
        return Err(err(
            header_len + raw.len() as u64,
            format!(
                "truncated: the header declares dims {dims:?} of {dtype:?} ({data_len} data bytes) but the data end after {} bytes",
                raw.len()
            ),
        ));
    }
    let mut extra = [0u8; 1];
    if read_up_to(reader, &mut extra).map_err(io)? > 0 {
        return Err(err(
            total,
            format!("unexpected bytes after the data declared by dims {dims:?}"),
        ));
    }

    let data = raw
        .chunks_exact(dtype.size())
        .map(|b| dtype.decode(b))
        .collect();
    Ok(IdxArray { dtype, dims, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testutil::{gzip, TempDir};

    /// Encodes an IDX file from a type, dims and already big-endian data.
    fn encode(code: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, code, dims.len() as u8];
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    fn parse(bytes: &[u8]) -> Result<IdxArray> {
        parse_idx(bytes, Path::new("t.idx"))
    }

    fn offset_of(r: Result<IdxArray>) -> (u64, String) {
        match r {
            Err(NnError::Idx {
                offset, message, ..
            }) => (offset, message),
            other => panic!("expected an IDX error, got {other:?}"),
        }
    }

    #[test]
    fn decodes_every_element_type_big_endian() {
        let a = parse(&encode(0x08, &[3], &[0, 127, 255])).unwrap();
        assert_eq!(a.data, vec![0.0, 127.0, 255.0]);
        let a = parse(&encode(0x09, &[2], &[0xff, 0x80])).unwrap();
        assert_eq!((a.dtype, a.data), (IdxType::I8, vec![-1.0, -128.0]));
        let a = parse(&encode(0x0B, &[2], &[0x01, 0x02, 0xff, 0xfe])).unwrap();
        assert_eq!(a.data, vec![258.0, -2.0]);
        let a = parse(&encode(0x0C, &[1], &(-70_000i32).to_be_bytes())).unwrap();
        assert_eq!(a.data, vec![-70_000.0]);
        let a = parse(&encode(0x0D, &[1], &1.5f32.to_be_bytes())).unwrap();
        assert_eq!((a.dtype, a.data), (IdxType::F32, vec![1.5]));
        let a = parse(&encode(0x0E, &[1, 1], &(-0.25f64).to_be_bytes())).unwrap();
        assert_eq!((a.dims, a.data), (vec![1, 1], vec![-0.25]));
        for t in [
            IdxType::U8,
            IdxType::I8,
            IdxType::I16,
            IdxType::I32,
            IdxType::F32,
            IdxType::F64,
        ] {
            assert_eq!(IdxType::from_code(t.code()), Some(t));
        }
    }

    #[test]
    fn empty_array_is_fine() {
        let a = parse(&encode(0x08, &[0, 28, 28], &[])).unwrap();
        assert_eq!(a.dims, vec![0, 28, 28]);
        assert!(a.data.is_empty());
    }

    #[test]
    fn bad_headers_report_offsets() {
        assert_eq!(offset_of(parse(&[])).0, 0);
        assert_eq!(offset_of(parse(&[0, 0, 8])).0, 3);
        let (off, msg) = offset_of(parse(&[0x1e, 0x8b, 8, 1, 0, 0, 0, 0]));
        assert_eq!(off, 0);
        assert!(msg.contains("magic"), "{msg}");
        let (off, msg) = offset_of(parse(&encode(0x0A, &[1], &[0])));
        assert_eq!(off, 2);
        assert!(msg.contains("0x0a"), "{msg}");
        assert_eq!(offset_of(parse(&[0, 0, 8, 0])).0, 3);
        // Three dims declared, one and a half present.
        assert_eq!(offset_of(parse(&[0, 0, 8, 3, 0, 0, 0, 1, 0, 0])).0, 10);
    }

    #[test]
    fn truncated_and_trailing_data_report_offsets() {
        let (off, msg) = offset_of(parse(&encode(0x0B, &[2, 2], &[0; 7])));
        assert_eq!(off, 12 + 7);
        assert!(msg.contains("truncated"), "{msg}");
        let (off, msg) = offset_of(parse(&encode(0x08, &[2], &[1, 2, 3])));
        assert_eq!(off, 10);
        assert!(msg.contains("unexpected"), "{msg}");
    }

    #[test]
    fn hostile_sizes_are_rejected_without_allocating() {
        // 2^32-1 cubed overflows even u64.
        let m = u32::MAX;
        let (off, msg) = offset_of(parse(&encode(0x0E, &[m, m, m], &[])));
        assert_eq!(off, 4);
        assert!(msg.contains("overflow"), "{msg}");
        // Fits in usize but is far larger than the file: 4 GiB x 8 bytes.
        let (off, msg) = offset_of(parse(&encode(0x0E, &[m, 2], &[1, 2, 3])));
        assert_eq!(off, 15);
        assert!(msg.contains("truncated"), "{msg}");
        // Same lie inside a gzip stream: caught when the data run out.
        let gz = gzip(&encode(0x0E, &[m, 2], &[1, 2, 3]));
        let (off, _) = offset_of(parse(&gz));
        assert_eq!(off, 12 + 3);
    }

    #[test]
    fn gzip_files_are_read_transparently() {
        let dir = TempDir::new("idx-gz");
        let raw = encode(0x08, &[2, 2, 2], &[1, 2, 3, 4, 5, 6, 7, 8]);
        let plain = dir.write("x.idx", &raw);
        let gz = dir.write("x.idx.gz", &gzip(&raw));
        let a = read_idx(&plain).unwrap();
        assert_eq!(read_idx(&gz).unwrap(), a);
        assert_eq!(a.data[7], 8.0);
        let broken = dir.write("b.idx.gz", &gzip(&raw)[..20]);
        assert!(matches!(
            read_idx(&broken),
            Err(NnError::Io { .. }) | Err(NnError::Idx { .. })
        ));
    }

    #[test]
    fn dataset_from_image_and_label_files() {
        let dir = TempDir::new("idx-ds");
        let pixels: Vec<u8> = (0..3 * 2 * 2).collect();
        let images = dir.write("img.idx", &encode(0x08, &[3, 2, 2], &pixels));
        let labels = dir.write("lab.idx.gz", &gzip(&encode(0x08, &[3], &[4, 0, 4])));
        let ds = load_idx_dataset(&images, &labels).unwrap();
        assert_eq!((ds.len(), ds.n_features(), ds.n_classes()), (3, 4, 5));
        assert_eq!(ds.row(2), Some(&[8.0, 9.0, 10.0, 11.0][..]));
        assert_eq!(ds.labels(), &[4, 0, 4]);
    }

    #[test]
    fn label_count_mismatch_names_the_label_file() {
        let dir = TempDir::new("idx-mismatch");
        let images = dir.write("img.idx", &encode(0x08, &[2, 1, 1], &[0, 1]));
        let labels = dir.write("lab.idx", &encode(0x08, &[3], &[0, 1, 2]));
        let err = load_idx_dataset(&images, &labels).unwrap_err();
        match &err {
            NnError::Idx { path, offset, .. } => {
                assert_eq!((path, *offset), (&labels, 4));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("3 labels"));
    }

    #[test]
    fn label_and_image_files_are_validated() {
        let dir = TempDir::new("idx-validate");
        let neg = dir.write("neg.idx", &encode(0x09, &[3], &[0, 1, 0xff]));
        match load_idx_labels(&neg) {
            Err(NnError::Idx { offset, .. }) => assert_eq!(offset, 8 + 2),
            other => panic!("{other:?}"),
        }
        let float = dir.write("f.idx", &encode(0x0D, &[1], &1.0f32.to_be_bytes()));
        assert!(matches!(
            load_idx_labels(&float),
            Err(NnError::Idx { offset: 2, .. })
        ));
        let two_d = dir.write("2d.idx", &encode(0x08, &[1, 1], &[0]));
        assert!(matches!(
            load_idx_labels(&two_d),
            Err(NnError::Idx { offset: 3, .. })
        ));
        let one_d = dir.write("1d.idx", &encode(0x08, &[2], &[0, 1]));
        assert!(matches!(
            load_idx_images(&one_d),
            Err(NnError::Idx { offset: 3, .. })
        ));
        let empty_imgs = dir.write("e.idx", &encode(0x08, &[2, 0], &[]));
        let labels = dir.write("l.idx", &encode(0x08, &[2], &[0, 1]));
        assert!(matches!(
            load_idx_dataset(&empty_imgs, &labels),
            Err(NnError::Idx { offset: 8, .. })
        ));
        let missing = dir.path().join("nope.idx");
        assert!(matches!(read_idx(&missing), Err(NnError::Io { .. })));
    }
}
