//! Transparent gzip handling for data files.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use crate::error::{NnError, Result};

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` start with the gzip magic number.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Decompresses a whole gzip stream held in memory.
pub(crate) fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// Reads a file, decompressing it when it is gzip-compressed.
pub(crate) fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let io = |source| NnError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    if is_gzip(&bytes) {
        gunzip(&bytes).map_err(io)
    } else {
        Ok(bytes)
    }
}

/// An opened data file: a byte stream, decompressed when the file is gzip.
pub(crate) struct DataStream {
    /// The (decompressed) bytes.
    pub reader: Box<dyn Read>,
    /// The stream length when known in advance (plain files only).
    pub known_len: Option<u64>,
}

/// Opens a file for streaming, detecting gzip from its first bytes.
pub(crate) fn open_maybe_gzip(path: &Path) -> Result<DataStream> {
    let io = |source| NnError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut buffered = BufReader::new(file);
    let head = buffered.fill_buf().map_err(io)?;
    if is_gzip(head) {
        Ok(DataStream {
            reader: Box::new(MultiGzDecoder::new(buffered)),
            known_len: None,
        })
    } else {
        Ok(DataStream {
            reader: Box::new(buffered),
            known_len: Some(len),
        })
    }
}
