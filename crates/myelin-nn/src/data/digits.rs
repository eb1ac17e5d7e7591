//! The embedded default data set: UCI optical handwritten digits (8x8).

use std::path::Path;

use super::csv::{parse_csv, CsvOptions, Header, LabelColumn, LabelFormat};
use super::dataset::Dataset;
use super::gzip::gunzip;
use crate::error::{NnError, Result};

/// The gzip-compressed CSV, embedded at compile time.
const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// How the embedded file is named in errors.
const SOURCE: &str = "<embedded digits.csv.gz>";

/// Side of the square digit images.
pub const DIGITS_IMAGE_SIDE: usize = 8;

/// Loads the embedded handwritten-digits data set: 1797 samples of 8x8
/// images (64 features, integer pixel counts 0..=16, row-major, named
/// `pixel_<row>_<col>`) in 10 classes (the digits 0..=9).
///
/// The data are compiled into the library and decompressed on each call; no
/// network or file access happens at run time.
///
/// # Attribution
/// Optical Recognition of Handwritten Digits, UCI Machine Learning
/// Repository, E. Alpaydin and C. Kaynak, 1998, licensed CC BY 4.0 (the
/// test-set copy that scikit-learn ships). Cite as: Alpaydin, E. and Kaynak,
/// C. (1998). *Optical Recognition of Handwritten Digits*. UCI Machine
/// Learning Repository. <https://doi.org/10.24432/C50P49>
///
/// # Errors
/// Only if the embedded file were corrupt ([`NnError::Io`] or
/// [`NnError::Csv`]); the tests check that it is not.
///
/// ```
/// let digits = myelin_nn::data::digits()?;
/// assert_eq!((digits.len(), digits.n_features(), digits.n_classes()), (1797, 64, 10));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn digits() -> Result<Dataset> {
    let bytes = gunzip(DIGITS_CSV_GZ).map_err(|source| NnError::Io {
        path: SOURCE.into(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| NnError::Csv {
        path: SOURCE.into(),
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        column: None,
        message: "invalid UTF-8".into(),
    })?;
    let options = CsvOptions {
        header: Header::Absent,
        label_column: LabelColumn::Index(-1),
        delimiter: ',',
        label_format: LabelFormat::ClassIds,
    };
    let ds = parse_csv(text, Path::new(SOURCE), &options)?;
    let names = (0..DIGITS_IMAGE_SIDE)
        .flat_map(|r| (0..DIGITS_IMAGE_SIDE).map(move |c| format!("pixel_{r}_{c}")))
        .collect();
    ds.with_feature_names(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_has_the_documented_shape_and_class_counts() {
        let ds = digits().unwrap();
        assert_eq!(ds.len(), 1797);
        assert_eq!(ds.n_features(), 64);
        assert_eq!(ds.n_classes(), 10);
        // Counted with `zcat digits.csv.gz | awk -F, '{print $NF}' | sort | uniq -c`.
        assert_eq!(
            ds.class_counts(),
            vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
        );
        assert!(ds
            .features()
            .iter()
            .all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
    }

    #[test]
    fn digits_values_match_the_file() {
        let ds = digits().unwrap();
        // Row 0 of the file starts 0,0,5,13,9,1,0,0 and is a 0.
        assert_eq!(
            &ds.row(0).unwrap()[..8],
            &[0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]
        );
        assert_eq!(ds.row(0).unwrap()[13], 15.0);
        assert_eq!(ds.label(0), Some(0));
        assert_eq!(ds.label(1), Some(1));
        // The last row is an 8 whose image ends 8,12,14,12,1,0.
        assert_eq!(ds.label(1796), Some(8));
        assert_eq!(
            &ds.row(1796).unwrap()[58..],
            &[8.0, 12.0, 14.0, 12.0, 1.0, 0.0]
        );
        // Sum of all pixels, from awk over the decompressed file.
        assert_eq!(ds.features().iter().sum::<f64>(), 561_718.0);
        assert_eq!(ds.feature_names().unwrap()[9], "pixel_1_1");
    }
}
