//! `Display` in PyTorch's format and a `Debug` that shows the metadata.
//!
//! `Display` follows `torch._tensor_str` with its default print options (precision 4,
//! threshold 1000, edgeitems 3, linewidth 80):
//!
//! ```
//! use myelin_tensor::Tensor;
//! let t = Tensor::<f32>::from_vec(vec![1.5, -2.0, 3.25, 4.0], &[2, 2]).unwrap();
//! assert_eq!(t.to_string(), "tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]])");
//! let w = Tensor::<f32>::from_vec(vec![1.0, 2.0], &[2]).unwrap().requires_grad_(true);
//! assert_eq!(w.to_string(), "tensor([1., 2.], requires_grad=True)");
//! ```
//!
//! Integer-valued tensors print as `1.` (PyTorch's "int mode"), a wide range of
//! magnitudes switches to scientific notation, and tensors with more than 1000 elements
//! show their first and last 3 entries of each dimension around `...`. `f64` tensors add
//! `dtype=torch.float64` (PyTorch's default dtype is `float32`).
//!
//! Deviation: a recorded result shows `grad_fn=<MulBackward>` built from Myelin's op name
//! (`mul`, `add_scalar` → `AddScalarBackward`), without PyTorch's trailing version digit.

use std::fmt;

use crate::element::{DType, Element};
use crate::tensor::Tensor;

const PRECISION: usize = 4;
const THRESHOLD: usize = 1000;
const EDGEITEMS: usize = 3;
const LINEWIDTH: usize = 80;

/// Python's `"{:.{p}e}"`: mantissa with `p` decimals, exponent with a sign and at least
/// two digits (`1.0000e+03`).
fn python_sci(v: f64, precision: usize) -> String {
    if !v.is_finite() {
        return python_special(v);
    }
    let s = format!("{v:.precision$e}");
    let (mantissa, exponent) = s.split_once('e').expect("`e` format has an exponent");
    let exponent: i32 = exponent.parse().expect("integer exponent");
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// Python's spelling of NaN and the infinities.
fn python_special(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v > 0.0 {
        "inf".into()
    } else {
        "-inf".into()
    }
}

/// Python's `"{:.{p}f}"`.
fn python_fixed(v: f64, precision: usize) -> String {
    if v.is_finite() {
        format!("{v:.precision$}")
    } else {
        python_special(v)
    }
}

/// PyTorch's `_Formatter`: one number style and width for the whole tensor.
struct Formatter {
    int_mode: bool,
    sci_mode: bool,
    max_width: usize,
}

impl Formatter {
    fn new(values: &[f64]) -> Formatter {
        let mut fmt = Formatter {
            int_mode: true,
            sci_mode: false,
            max_width: 1,
        };
        let nonzero: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v != 0.0)
            .collect();
        if nonzero.is_empty() {
            return fmt;
        }
        let abs = nonzero.iter().map(|v| v.abs());
        let min = abs.clone().fold(f64::INFINITY, f64::min);
        let max = abs.fold(0.0, f64::max);
        fmt.int_mode = nonzero.iter().all(|v| v.ceil() == *v);
        let widths: Box<dyn Fn(f64) -> usize> = if fmt.int_mode {
            if max / min > 1000.0 || max > 1.0e8 {
                fmt.sci_mode = true;
                Box::new(|v| python_sci(v, PRECISION).len())
            } else {
                Box::new(|v| python_fixed(v, 0).len() + 1)
            }
        } else if max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4 {
            fmt.sci_mode = true;
            Box::new(|v| python_sci(v, PRECISION).len())
        } else {
            Box::new(|v| python_fixed(v, PRECISION).len())
        };
        fmt.max_width = nonzero.iter().map(|&v| widths(v)).max().unwrap_or(1);
        fmt
    }

    fn format(&self, v: f64) -> String {
        let s = if self.sci_mode {
            python_sci(v, PRECISION)
        } else if self.int_mode {
            let mut s = python_fixed(v, 0);
            if v.is_finite() {
                s.push('.');
            }
            s
        } else {
            python_fixed(v, PRECISION)
        };
        format!("{s:>width$}", width = self.max_width)
    }
}

/// A row-major view of the values with their shape, for recursive printing.
struct Grid<'a> {
    values: &'a [f64],
    shape: &'a [usize],
}

impl Grid<'_> {
    fn sub(&self, i: usize) -> Grid<'_> {
        let inner: usize = self.shape[1..].iter().product();
        Grid {
            values: &self.values[i * inner..(i + 1) * inner],
            shape: &self.shape[1..],
        }
    }

    /// The entries of dimension 0 that are printed (all, or the edges when summarising).
    fn shown(&self, summarize: bool) -> (Vec<usize>, Vec<usize>) {
        let n = self.shape[0];
        if summarize && n > 2 * EDGEITEMS {
            ((0..EDGEITEMS).collect(), (n - EDGEITEMS..n).collect())
        } else {
            ((0..n).collect(), Vec::new())
        }
    }

    /// PyTorch's `get_summarized_data`: the values that are printed, flattened.
    fn summarized(&self, summarize: bool, out: &mut Vec<f64>) {
        if self.shape.is_empty() {
            out.extend_from_slice(self.values);
            return;
        }
        let (head, tail) = self.shown(summarize);
        for i in head.into_iter().chain(tail) {
            self.sub(i).summarized(summarize, out);
        }
    }

    /// PyTorch's `_tensor_str_with_formatter`.
    fn render(&self, indent: usize, summarize: bool, fmt: &Formatter) -> String {
        match self.shape.len() {
            0 => fmt.format(self.values[0]),
            1 => {
                let (head, tail) = self.shown(summarize);
                let mut items: Vec<String> =
                    head.iter().map(|&i| fmt.format(self.values[i])).collect();
                if !tail.is_empty() {
                    items.push(" ...".into());
                    items.extend(tail.iter().map(|&i| fmt.format(self.values[i])));
                }
                let element_length = fmt.max_width + 2;
                let per_line = (LINEWIDTH.saturating_sub(indent) / element_length).max(1);
                let lines: Vec<String> = items.chunks(per_line).map(|c| c.join(", ")).collect();
                format!(
                    "[{}]",
                    lines.join(&format!(",\n{}", " ".repeat(indent + 1)))
                )
            }
            dim => {
                let (head, tail) = self.shown(summarize);
                let mut slices: Vec<String> = head
                    .iter()
                    .map(|&i| self.sub(i).render(indent + 1, summarize, fmt))
                    .collect();
                if !tail.is_empty() {
                    slices.push("...".into());
                    slices.extend(
                        tail.iter()
                            .map(|&i| self.sub(i).render(indent + 1, summarize, fmt)),
                    );
                }
                let sep = format!(",{}{}", "\n".repeat(dim - 1), " ".repeat(indent + 1));
                format!("[{}]", slices.join(&sep))
            }
        }
    }
}

/// PyTorch's name for a backward node, from Myelin's op name: `add_scalar` →
/// `AddScalarBackward`.
fn backward_name(op: &str) -> String {
    let mut name: String = op
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    name.push_str("Backward");
    name
}

/// PyTorch's `_add_suffixes`: `, suffix` on the last line, or on a new line when it
/// would pass the line width.
fn add_suffixes(body: String, suffixes: &[String], indent: usize) -> String {
    let mut out = body;
    let mut last_line_len = out.len() - out.rfind('\n').map_or(0, |p| p) + 1;
    for suffix in suffixes {
        if last_line_len + suffix.len() + 2 > LINEWIDTH {
            out.push_str(&format!(",\n{}{suffix}", " ".repeat(indent)));
            last_line_len = indent + suffix.len();
        } else {
            out.push_str(&format!(", {suffix}"));
            last_line_len += suffix.len() + 2;
        }
    }
    out.push(')');
    out
}

impl<T: Element> fmt::Display for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = "tensor(";
        let indent = prefix.len();
        let mut suffixes = Vec::new();
        let values = self.to_f64_vec();
        let body = if values.is_empty() {
            if self.ndim() != 1 {
                let dims: Vec<String> = self.shape().iter().map(|d| d.to_string()).collect();
                let tuple = if dims.len() == 1 {
                    format!("({},)", dims[0])
                } else {
                    format!("({})", dims.join(", "))
                };
                suffixes.push(format!("size={tuple}"));
            }
            "[]".to_string()
        } else {
            let grid = Grid {
                values: &values,
                shape: self.shape(),
            };
            let summarize = values.len() > THRESHOLD;
            let formatter = if summarize {
                let mut shown = Vec::new();
                grid.summarized(true, &mut shown);
                Formatter::new(&shown)
            } else {
                Formatter::new(&values)
            };
            grid.render(indent, summarize, &formatter)
        };
        if T::DTYPE == DType::F64 {
            suffixes.push("dtype=torch.float64".into());
        }
        if let Some(op) = self.grad_fn_name() {
            suffixes.push(format!("grad_fn=<{}>", backward_name(op)));
        } else if self.requires_grad() {
            suffixes.push("requires_grad=True".into());
        }
        f.write_str(&add_suffixes(format!("{prefix}{body}"), &suffixes, indent))
    }
}

/// Shape, dtype and autodiff state first, then up to 16 values:
/// `Tensor { shape: [2, 3], dtype: float32, requires_grad: true, grad_fn: Some("mul"),
/// grad: None, data: [1.0, …] }`. `grad` shows the gradient's shape when one is stored.
impl<T: Element> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Values(Vec<String>, bool);
        impl fmt::Debug for Values {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "[{}{}]",
                    self.0.join(", "),
                    if self.1 { ", …" } else { "" }
                )
            }
        }
        let values = self.to_vec();
        let shown = values.iter().take(16).map(|v| format!("{v:?}")).collect();
        f.debug_struct("Tensor")
            .field("shape", &self.shape())
            .field("dtype", &self.dtype())
            .field("requires_grad", &self.requires_grad())
            .field("grad_fn", &self.grad_fn_name())
            .field("grad", &self.grad().map(|g| g.shape().to_vec()))
            .field("data", &Values(shown, values.len() > 16))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_number_spellings() {
        assert_eq!(python_sci(1234.5, 4), "1.2345e+03");
        assert_eq!(python_sci(-1.5e-7, 4), "-1.5000e-07");
        assert_eq!(python_sci(2e100, 4), "2.0000e+100");
        assert_eq!(python_fixed(f64::NEG_INFINITY, 4), "-inf");
        assert_eq!(backward_name("add_scalar"), "AddScalarBackward");
    }
}
