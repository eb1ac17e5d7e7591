//! CSV loader for users' tabular classification data.
//!
//! One record per line; fields split on a one-character delimiter; fields may
//! be double-quoted (`"a, b"`, with `""` for a literal quote) but may not span
//! lines. Blank lines are skipped, `\r\n` line ends and a UTF-8 byte-order
//! mark are accepted, and a gzip-compressed file (recognised by its first two
//! bytes, whatever its name) is decompressed transparently.

use std::collections::BTreeMap;
use std::path::Path;

use super::dataset::{Dataset, MAX_CLASSES};
use super::gzip::read_maybe_gzip;
use crate::error::{NnError, Result};

/// Whether the first record is a header of column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// Header when any feature field of the first record is non-empty and
    /// not a number (the label field is ignored, as labels may be text). A header of
    /// numbers cannot be detected: say [`Header::Present`] then.
    #[default]
    Auto,
    /// The first record is a header.
    Present,
    /// There is no header; the first record is data.
    Absent,
}

/// Which column holds the label; every other column is a feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// 0-based index; negative counts from the end (`-1` is the last column).
    Index(isize),
    /// Name in the header (requires a header).
    Name(String),
}

impl Default for LabelColumn {
    fn default() -> Self {
        LabelColumn::Index(-1)
    }
}

/// How label fields become class ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelFormat {
    /// [`LabelFormat::ClassIds`] when every label is an integer in
    /// `0..MAX_CLASSES`, otherwise [`LabelFormat::Names`].
    #[default]
    Auto,
    /// Labels are integer class ids; `n_classes` is the largest id plus one.
    ClassIds,
    /// Labels are arbitrary strings; the distinct strings, sorted, become
    /// classes `0, 1, ...` and are reported by [`Dataset::class_names`].
    Names,
}

/// Options for [`load_csv`] and [`parse_csv`]; the default is a
/// comma-separated file, header auto-detected, label in the last column,
/// label format auto-detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Whether the first record is a header.
    pub header: Header,
    /// Which column holds the label.
    pub label_column: LabelColumn,
    /// Field separator; must not be `"`, `\r` or `\n`.
    pub delimiter: char,
    /// How labels map to class ids.
    pub label_format: LabelFormat,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            header: Header::Auto,
            label_column: LabelColumn::default(),
            delimiter: ',',
            label_format: LabelFormat::Auto,
        }
    }
}

/// Loads a CSV file (optionally gzip-compressed) into a [`Dataset`].
///
/// Feature names come from the header when there is one; string labels are
/// mapped to class ids as [`LabelFormat`] describes.
///
/// # Errors
/// [`NnError::Io`] when the file cannot be read or decompressed;
/// [`NnError::Csv`] (file, 1-based line and field) when it is empty, has no
/// data rows, has ragged rows, a non-numeric or non-finite feature, an empty
/// field, a bad label, or no such label column; [`NnError::InvalidArgument`]
/// for an unusable delimiter or a label name without a header.
///
/// ```no_run
/// use myelin_nn::data::{load_csv, CsvOptions, LabelColumn};
///
/// let opts = CsvOptions { label_column: LabelColumn::Name("species".into()), ..Default::default() };
/// let iris = load_csv("iris.csv", &opts)?;
/// println!("{} samples, classes {:?}", iris.len(), iris.class_names());
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn load_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset> {
    let path = path.as_ref();
    let bytes = read_maybe_gzip(path)?;
    let text = decode_utf8(&bytes, path)?;
    parse_csv(text, path, options)
}

/// Parses CSV text into a [`Dataset`]; `source` names it in errors.
///
/// ```
/// use std::path::Path;
/// use myelin_nn::data::{parse_csv, CsvOptions};
///
/// let text = "x,y,kind\n1,2,cat\n3,4,dog\n5,6,cat\n";
/// let ds = parse_csv(text, Path::new("inline"), &CsvOptions::default())?;
/// assert_eq!(ds.features(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// assert_eq!(ds.labels(), &[0, 1, 0]);
/// assert_eq!(ds.class_names().unwrap(), &["cat".to_string(), "dog".to_string()]);
/// assert_eq!(ds.feature_names().unwrap(), &["x".to_string(), "y".to_string()]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
///
/// # Errors
/// As for [`load_csv`], except for I/O.
pub fn parse_csv(text: &str, source: &Path, options: &CsvOptions) -> Result<Dataset> {
    let delim = options.delimiter;
    if matches!(delim, '"' | '\r' | '\n') {
        return Err(NnError::InvalidArgument(format!(
            "{delim:?} cannot be a CSV delimiter"
        )));
    }
    let err = |line: usize, column: Option<usize>, message: String| NnError::Csv {
        path: source.to_path_buf(),
        line,
        column,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());

    let Some((first_line, first_text)) = records.next() else {
        return Err(err(1, None, "empty file: no records".into()));
    };
    let first = split_fields(first_text, delim).map_err(|(c, m)| err(first_line, Some(c), m))?;
    let n_cols = first.len();
    if n_cols < 2 {
        return Err(err(
            first_line,
            None,
            format!("found {n_cols} column; need a label column and at least one feature column"),
        ));
    }

    let has_header = match (&options.header, &options.label_column) {
        (Header::Absent, LabelColumn::Name(name)) => {
            return Err(NnError::InvalidArgument(format!(
                "label column {name:?} is given by name but the options say there is no header"
            )))
        }
        (Header::Present, _) | (Header::Auto, LabelColumn::Name(_)) => true,
        (Header::Absent, _) => false,
        (Header::Auto, LabelColumn::Index(i)) => {
            let label = resolve_index(*i, n_cols)
                .ok_or_else(|| err(first_line, None, index_message(*i, n_cols)))?;
            first
                .iter()
                .enumerate()
                .any(|(c, f)| c != label && looks_like_name(f))
        }
    };

    let label_col = match &options.label_column {
        LabelColumn::Index(i) => resolve_index(*i, n_cols)
            .ok_or_else(|| err(first_line, None, index_message(*i, n_cols)))?,
        LabelColumn::Name(name) => first.iter().position(|f| f == name).ok_or_else(|| {
            err(
                first_line,
                None,
                format!(
                    "no column named {name:?} in the header (columns: {})",
                    first.join(", ")
                ),
            )
        })?,
    };

    let feature_names = has_header.then(|| {
        first
            .iter()
            .enumerate()
            .filter(|&(c, _)| c != label_col)
            .map(|(_, f)| f.clone())
            .collect::<Vec<_>>()
    });

    let mut features = Vec::new();
    let mut raw_labels: Vec<(usize, String)> = Vec::new();
    let mut push_record = |line: usize, fields: Vec<String>| -> Result<()> {
        if fields.len() != n_cols {
            let column = fields.len().min(n_cols) + 1;
            return Err(err(
                line,
                Some(column),
                format!("expected {n_cols} fields, found {}", fields.len()),
            ));
        }
        for (c, field) in fields.into_iter().enumerate() {
            if c == label_col {
                if field.is_empty() {
                    return Err(err(line, Some(c + 1), "empty label".into()));
                }
                raw_labels.push((line, field));
            } else {
                let v = parse_number(&field).map_err(|m| err(line, Some(c + 1), m))?;
                features.push(v);
            }
        }
        Ok(())
    };

    if !has_header {
        push_record(first_line, first)?;
    }
    for (line, text) in records {
        let fields = split_fields(text, delim).map_err(|(c, m)| err(line, Some(c), m))?;
        push_record(line, fields)?;
    }
    if raw_labels.is_empty() {
        return Err(err(
            first_line,
            None,
            "no data rows after the header".into(),
        ));
    }

    let (labels, n_classes, class_names) = map_labels(&raw_labels, options.label_format)
        .map_err(|(line, m)| err(line, Some(label_col + 1), m))?;
    let mut ds = Dataset::new(features, labels, n_cols - 1, n_classes)?;
    if let Some(names) = feature_names {
        ds = ds.with_feature_names(names)?;
    }
    if let Some(names) = class_names {
        ds = ds.with_class_names(names)?;
    }
    Ok(ds)
}

/// Labels, class count and (for string labels) class names.
type MappedLabels = (Vec<usize>, usize, Option<Vec<String>>);

/// Maps raw label strings to class ids; errors carry the line.
fn map_labels(
    raw: &[(usize, String)],
    format: LabelFormat,
) -> std::result::Result<MappedLabels, (usize, String)> {
    let as_id = |s: &str| s.parse::<usize>().ok().filter(|&v| v < MAX_CLASSES);
    let use_ids = match format {
        LabelFormat::ClassIds => true,
        LabelFormat::Names => false,
        LabelFormat::Auto => raw.iter().all(|(_, s)| as_id(s).is_some()),
    };
    if use_ids {
        let labels = raw
            .iter()
            .map(|(line, s)| {
                as_id(s).ok_or_else(|| {
                    (
                        *line,
                        format!("label {s:?} is not an integer class id in 0..{MAX_CLASSES}"),
                    )
                })
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let n_classes = labels.iter().max().map_or(0, |m| m + 1);
        return Ok((labels, n_classes, None));
    }
    let mut ids: BTreeMap<&str, usize> = raw.iter().map(|(_, s)| (s.as_str(), 0)).collect();
    if ids.len() > MAX_CLASSES {
        let line = raw.last().map_or(1, |(l, _)| *l);
        return Err((line, format!("more than {MAX_CLASSES} distinct labels")));
    }
    for (i, id) in ids.values_mut().enumerate() {
        *id = i;
    }
    let labels = raw.iter().map(|(_, s)| ids[s.as_str()]).collect();
    let names: Vec<String> = ids.keys().map(|s| s.to_string()).collect();
    Ok((labels, names.len(), Some(names)))
}

/// Resolves a possibly negative column index against `n_cols`.
fn resolve_index(i: isize, n_cols: usize) -> Option<usize> {
    let idx = if i < 0 {
        n_cols.checked_sub(i.unsigned_abs())?
    } else {
        i.unsigned_abs()
    };
    (idx < n_cols).then_some(idx)
}

fn index_message(i: isize, n_cols: usize) -> String {
    format!("label column index {i} is out of range for {n_cols} columns")
}

/// Whether a first-record field marks a header: non-empty and not a number
/// (`NaN` and `inf` count as numbers here, so they are reported as data).
fn looks_like_name(field: &str) -> bool {
    !field.is_empty() && field.parse::<f64>().is_err()
}

/// Parses a finite number, with a message naming the problem on failure.
fn parse_number(field: &str) -> std::result::Result<f64, String> {
    if field.is_empty() {
        return Err("empty value where a number was expected".into());
    }
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("value {field:?} is not a finite number")),
        Err(_) => Err(format!("value {field:?} is not a number")),
    }
}

/// Splits one line into trimmed fields, honouring double quotes.
/// Errors give the 1-based field number and a message.
fn split_fields(line: &str, delim: char) -> std::result::Result<Vec<String>, (usize, String)> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let column = fields.len() + 1;
        // Skip leading blanks (but not the delimiter itself).
        while let Some(&c) = chars.peek() {
            if c != delim && c.is_whitespace() {
                chars.next();
            } else {
                break;
            }
        }
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err((column, "unterminated quoted field".into())),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            // Only blanks may follow the closing quote.
            while let Some(&c) = chars.peek() {
                if c == delim {
                    break;
                }
                if !c.is_whitespace() {
                    return Err((column, "unexpected text after a closing quote".into()));
                }
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == delim {
                    break;
                }
                if c == '"' {
                    return Err((column, "quote inside an unquoted field".into()));
                }
                field.push(c);
                chars.next();
            }
            field.truncate(field.trim_end().len());
        }
        fields.push(field);
        if chars.next().is_none() {
            return Ok(fields);
        }
    }
}

/// Decodes UTF-8, reporting the line of the first invalid byte.
fn decode_utf8<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        NnError::Csv {
            path: path.to_path_buf(),
            line,
            column: None,
            message: format!("invalid UTF-8 at byte offset {}", e.valid_up_to()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testutil::TempDir;

    fn parse(text: &str, opts: &CsvOptions) -> Result<Dataset> {
        parse_csv(text, Path::new("t.csv"), opts)
    }

    fn csv_err(r: Result<Dataset>) -> (usize, Option<usize>, String) {
        match r {
            Err(NnError::Csv {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected a CSV error, got {other:?}"),
        }
    }

    #[test]
    fn headerless_integer_labels_last_column() {
        let ds = parse("1,2,0\n3,4.5,2\n-1e1,0,1\n", &CsvOptions::default()).unwrap();
        assert_eq!(ds.features(), &[1.0, 2.0, 3.0, 4.5, -10.0, 0.0]);
        assert_eq!(ds.labels(), &[0, 2, 1]);
        assert_eq!(ds.n_classes(), 3);
        assert_eq!(ds.feature_names(), None);
        assert_eq!(ds.class_names(), None);
    }

    #[test]
    fn integer_ids_give_n_classes_from_the_largest_id() {
        let ds = parse("1,4\n2,1\n", &CsvOptions::default()).unwrap();
        assert_eq!(ds.n_classes(), 5);
        assert_eq!(ds.class_counts(), vec![0, 1, 0, 0, 1]);
    }

    #[test]
    fn header_detected_and_label_by_name_in_the_middle() {
        let text = "a;label;b\n1;yes;2\n3;no;4\n5;yes;6\n";
        let opts = CsvOptions {
            delimiter: ';',
            label_column: LabelColumn::Name("label".into()),
            ..Default::default()
        };
        let ds = parse(text, &opts).unwrap();
        assert_eq!(ds.features(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(ds.labels(), &[1, 0, 1]);
        assert_eq!(
            ds.class_names().unwrap(),
            &["no".to_string(), "yes".to_string()]
        );
        assert_eq!(
            ds.feature_names().unwrap(),
            &["a".to_string(), "b".to_string()]
        );
    }

    #[test]
    fn label_by_positive_and_negative_index() {
        let text = "0,1.5,2.5\n1,3.5,4.5\n";
        let first = CsvOptions {
            label_column: LabelColumn::Index(0),
            ..Default::default()
        };
        let ds = parse(text, &first).unwrap();
        assert_eq!(ds.features(), &[1.5, 2.5, 3.5, 4.5]);
        assert_eq!(ds.labels(), &[0, 1]);
        let from_end = CsvOptions {
            label_column: LabelColumn::Index(-3),
            ..Default::default()
        };
        assert_eq!(parse(text, &from_end).unwrap(), ds);
    }

    #[test]
    fn numeric_header_needs_explicit_present() {
        let text = "10,20,30\n1,2,0\n";
        let auto = parse(text, &CsvOptions::default()).unwrap();
        assert_eq!(auto.len(), 2);
        let present = CsvOptions {
            header: Header::Present,
            ..Default::default()
        };
        let ds = parse(text, &present).unwrap();
        assert_eq!(ds.len(), 1);
        assert_eq!(
            ds.feature_names().unwrap(),
            &["10".to_string(), "20".to_string()]
        );
    }

    #[test]
    fn string_labels_with_headerless_file_are_not_mistaken_for_header() {
        let ds = parse("1,2,setosa\n3,4,virginica\n", &CsvOptions::default()).unwrap();
        assert_eq!(ds.len(), 2);
        assert_eq!(ds.labels(), &[0, 1]);
    }

    #[test]
    fn forced_names_treat_integers_as_strings_sorted_lexicographically() {
        let opts = CsvOptions {
            label_format: LabelFormat::Names,
            ..Default::default()
        };
        let ds = parse("1,10\n2,9\n3,10\n", &opts).unwrap();
        assert_eq!(
            ds.class_names().unwrap(),
            &["10".to_string(), "9".to_string()]
        );
        assert_eq!(ds.labels(), &[0, 1, 0]);
    }

    #[test]
    fn quotes_blank_lines_crlf_and_bom() {
        let text = "\u{feff}\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n 1 , \"a,b\" \r\n\n2,c\r\n";
        let ds = parse(text, &CsvOptions::default()).unwrap();
        assert_eq!(ds.feature_names().unwrap(), &["x, y".to_string()]);
        assert_eq!(ds.features(), &[1.0, 2.0]);
        assert_eq!(
            ds.class_names().unwrap(),
            &["a,b".to_string(), "c".to_string()]
        );
    }

    #[test]
    fn tab_delimiter() {
        let opts = CsvOptions {
            delimiter: '\t',
            ..Default::default()
        };
        let ds = parse("1\t2\t1\n3\t4\t0\n", &opts).unwrap();
        assert_eq!(ds.features(), &[1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn empty_file_is_an_error() {
        assert_eq!(csv_err(parse("", &CsvOptions::default())).0, 1);
        let (line, col, msg) = csv_err(parse("\n  \n", &CsvOptions::default()));
        assert_eq!((line, col), (1, None));
        assert!(msg.contains("empty"));
    }

    #[test]
    fn header_only_is_an_error() {
        let (line, _, msg) = csv_err(parse("a,b\n", &CsvOptions::default()));
        assert_eq!(line, 1);
        assert!(msg.contains("no data rows"));
    }

    #[test]
    fn ragged_rows_report_line_and_column() {
        let (line, col, msg) = csv_err(parse("a,b,c\n1,2,0\n\n3,4\n", &CsvOptions::default()));
        assert_eq!((line, col), (4, Some(3)));
        assert!(msg.contains("expected 3 fields, found 2"), "{msg}");
        let (line, col, _) = csv_err(parse("1,2,0\n3,4,5,6\n", &CsvOptions::default()));
        assert_eq!((line, col), (2, Some(4)));
    }

    #[test]
    fn non_numeric_feature_reports_line_and_column() {
        let (line, col, msg) = csv_err(parse("a,b,c\n1,2,0\n3,x4,1\n", &CsvOptions::default()));
        assert_eq!((line, col), (3, Some(2)));
        assert!(msg.contains("\"x4\""), "{msg}");
        let (line, col, msg) = csv_err(parse("1,,0\n", &CsvOptions::default()));
        assert_eq!((line, col), (1, Some(2)));
        assert!(msg.contains("empty"));
        let (_, _, msg) = csv_err(parse("1,NaN,0\n", &CsvOptions::default()));
        assert!(msg.contains("finite"));
    }

    #[test]
    fn bad_class_id_reports_label_column() {
        let opts = CsvOptions {
            label_column: LabelColumn::Index(0),
            label_format: LabelFormat::ClassIds,
            ..Default::default()
        };
        let (line, col, msg) = csv_err(parse("1,2\n-1,3\n", &opts));
        assert_eq!((line, col), (2, Some(1)));
        assert!(msg.contains("\"-1\""));
        let huge = format!("{MAX_CLASSES},1\n");
        assert!(parse(&huge, &opts).is_err());
        let (_, col, msg) = csv_err(parse("1,2\n,3\n", &opts));
        assert_eq!(col, Some(1));
        assert!(msg.contains("empty label"));
    }

    #[test]
    fn missing_label_column_is_an_error() {
        let opts = CsvOptions {
            label_column: LabelColumn::Index(5),
            ..Default::default()
        };
        let (line, _, msg) = csv_err(parse("\n1,2,3\n", &opts));
        assert_eq!(line, 2);
        assert!(msg.contains("out of range"));
        let opts = CsvOptions {
            label_column: LabelColumn::Index(-4),
            ..Default::default()
        };
        assert!(csv_err(parse("1,2,3\n", &opts)).2.contains("-4"));
        let opts = CsvOptions {
            label_column: LabelColumn::Name("target".into()),
            ..Default::default()
        };
        let (_, _, msg) = csv_err(parse("a,b\n1,2\n", &opts));
        assert!(msg.contains("\"target\"") && msg.contains("a, b"), "{msg}");
        let opts = CsvOptions {
            header: Header::Absent,
            label_column: LabelColumn::Name("a".into()),
            ..Default::default()
        };
        assert!(matches!(
            parse("a,b\n1,2\n", &opts),
            Err(NnError::InvalidArgument(_))
        ));
    }

    #[test]
    fn single_column_and_bad_quotes_are_errors() {
        assert!(csv_err(parse("1\n2\n", &CsvOptions::default()))
            .2
            .contains("column"));
        let (line, col, msg) = csv_err(parse("1,2\n1,\"open\n", &CsvOptions::default()));
        assert_eq!((line, col), (2, Some(2)));
        assert!(msg.contains("unterminated"));
        let (_, col, _) = csv_err(parse("\"a\"x,1\n", &CsvOptions::default()));
        assert_eq!(col, Some(1));
        let (_, col, _) = csv_err(parse("1,a\"b\n", &CsvOptions::default()));
        assert_eq!(col, Some(2));
        let opts = CsvOptions {
            delimiter: '"',
            ..Default::default()
        };
        assert!(matches!(
            parse("1", &opts),
            Err(NnError::InvalidArgument(_))
        ));
    }

    #[test]
    fn load_csv_reads_plain_and_gzip_files_and_names_them_in_errors() {
        let dir = TempDir::new("csv");
        let plain = dir.write("data.csv", b"f1,f2,y\n1,2,a\n3,4,b\n");
        let ds = load_csv(&plain, &CsvOptions::default()).unwrap();
        assert_eq!(ds.features(), &[1.0, 2.0, 3.0, 4.0]);
        let gz = dir.write(
            "data.csv.gz",
            &crate::data::testutil::gzip(b"1,2,a\n3,4,b\n"),
        );
        let dz = load_csv(&gz, &CsvOptions::default()).unwrap();
        assert_eq!(dz.features(), ds.features());
        assert_eq!(dz.labels(), ds.labels());

        let bad = dir.write("bad.csv", b"1,2,0\n3,oops,1\n");
        let err = load_csv(&bad, &CsvOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("bad.csv:2:2:"), "{msg}");

        let missing = dir.path().join("missing.csv");
        let err = load_csv(&missing, &CsvOptions::default()).unwrap_err();
        assert!(matches!(err, NnError::Io { ref path, .. } if path == &missing));
    }

    #[test]
    fn invalid_utf8_reports_its_line() {
        let dir = TempDir::new("csv-utf8");
        let p = dir.write("u.csv", b"1,2,0\n3,\xff,1\n");
        let err = load_csv(&p, &CsvOptions::default()).unwrap_err();
        assert!(matches!(err, NnError::Csv { line: 2, .. }), "{err}");
    }
}
