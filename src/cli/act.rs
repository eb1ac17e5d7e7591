//! `myelin act`: list, evaluate, tabulate and plot activation functions.
//!
//! Values come from the activation's tensor op and derivatives from the engine's backward
//! pass (second derivatives from `grad` with `create_graph`), so what is printed is exactly
//! what training sees. Numbers are printed in shortest round-trip form (`−0` as `0`).

use std::fmt::{Display, LowerExp};
use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use myelin_activations::gain::gains;
use myelin_activations::{Activation, ActivationOp};
use myelin_lab::plot::{LineChart, PanelGrid, Series};
use myelin_tensor::{grad, Element, Tensor};

use super::{CliResult, Run};

/// The element type to compute in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DTypeArg {
    /// 32-bit floats.
    F32,
    /// 64-bit floats.
    F64,
}

/// `myelin act …`
#[derive(Debug, Subcommand)]
pub enum ActCommand {
    /// Lists every activation: spec syntax, range, properties and initialisation gains.
    List,
    /// Evaluates SPEC and its derivative (through the engine's backward) at the given points.
    ///
    /// Prints CSV `x,y,dydx`. For softmax and log_softmax, --x is one vector, y its image
    /// and dydx the gradient of the first output y[0] with respect to each x.
    #[command(allow_negative_numbers = true)]
    Eval {
        /// The activation, e.g. `relu`, `leaky_relu(slope=0.2)`, `softmax`, or a
        /// user-defined one: `expr(x * tanh(softplus(x)))`.
        spec: String,
        /// Comma-separated points, e.g. `--x=-1,0,2`.
        #[arg(
            long,
            value_delimiter = ',',
            allow_hyphen_values = true,
            required = true
        )]
        x: Vec<f64>,
        /// Element type.
        #[arg(long, value_enum, default_value = "f64")]
        dtype: DTypeArg,
    },
    /// Tabulates SPEC on an evenly spaced grid (CSV `x,y,dydx[,d2ydx2]`).
    #[command(allow_negative_numbers = true)]
    Table {
        /// The activation.
        spec: String,
        /// First grid point.
        #[arg(long, allow_hyphen_values = true)]
        from: f64,
        /// Last grid point.
        #[arg(long, allow_hyphen_values = true)]
        to: f64,
        /// Number of grid points (≥ 1).
        #[arg(long, default_value_t = 101)]
        points: usize,
        /// Element type.
        #[arg(long, value_enum, default_value = "f64")]
        dtype: DTypeArg,
        /// Adds the second derivative `d2ydx2` (double backward through the engine).
        #[arg(long)]
        second: bool,
    },
    /// Draws f and f′ of each activation (default: all) as SVG, plus an overview sheet.
    #[command(allow_negative_numbers = true)]
    Plot {
        /// Activations to draw; all of them (with default parameters) when omitted.
        specs: Vec<String>,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Left end of the x range.
        #[arg(long, default_value_t = -5.0, allow_hyphen_values = true)]
        from: f64,
        /// Right end of the x range.
        #[arg(long, default_value_t = 5.0, allow_hyphen_values = true)]
        to: f64,
        /// Points per curve.
        #[arg(long, default_value_t = 201)]
        points: usize,
    },
}

impl Run for ActCommand {
    fn run(self) -> CliResult {
        match self {
            ActCommand::List => {
                print!("{}", list_table());
                Ok(())
            }
            ActCommand::Eval { spec, x, dtype } => {
                let act = parse(&spec)?;
                print_csv(&act, &x, dtype, false)
            }
            ActCommand::Table {
                spec,
                from,
                to,
                points,
                dtype,
                second,
            } => {
                let act = parse(&spec)?;
                let xs = grid(from, to, points)?;
                print_csv(&act, &xs, dtype, second)
            }
            ActCommand::Plot {
                specs,
                out,
                from,
                to,
                points,
            } => {
                let acts = if specs.is_empty() {
                    Activation::all_defaults()
                } else {
                    specs.iter().map(|s| parse(s)).collect::<Result<_, _>>()?
                };
                let xs = grid(from, to, points)?;
                for path in plot(&acts, &xs, &out)? {
                    println!("{}", path.display());
                }
                Ok(())
            }
        }
    }
}

fn parse(spec: &str) -> Result<Activation, Box<dyn std::error::Error>> {
    Ok(spec.parse::<Activation>()?)
}

/// `n` evenly spaced points from `from` to `to` (both included).
fn grid(from: f64, to: f64, n: usize) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    if n == 0 {
        return Err("--points must be at least 1".into());
    }
    if !from.is_finite() || !to.is_finite() {
        return Err(format!("the grid ends must be finite, got {from} and {to}").into());
    }
    if n == 1 {
        return Ok(vec![from]);
    }
    let step = (to - from) / (n - 1) as f64;
    Ok((0..n)
        .map(|i| {
            if i + 1 == n {
                to
            } else {
                from + step * i as f64
            }
        })
        .collect())
}

/// One CSV row: `x`, `y`, `dy/dx` and optionally `d²y/dx²`.
struct Row<T> {
    x: T,
    y: T,
    dydx: T,
    d2ydx2: Option<T>,
}

fn print_csv(act: &Activation, xs: &[f64], dtype: DTypeArg, second: bool) -> CliResult {
    let text = match dtype {
        DTypeArg::F32 => csv(&evaluate::<f32>(act, xs, second)?, second),
        DTypeArg::F64 => csv(&evaluate::<f64>(act, xs, second)?, second),
    };
    print!("{text}");
    Ok(())
}

/// `−0` becomes `0` (adding `+0` maps `−0` to `+0` and leaves everything else alone).
fn plus_zero<T: Element>(v: T) -> T {
    v + T::zero()
}

/// The shortest text that reads back as exactly `v`, in plain notation for moderate
/// magnitudes and in scientific notation below 1e-4 or from 1e16 up (Python's `repr`
/// rule): `-7.6e-23`, never `-0.000000000000000000000076`.
fn shortest<T: Element + Display + LowerExp>(v: T) -> String {
    let v = plus_zero(v);
    let magnitude = v.abs().to_f64();
    if v == T::zero() || !v.is_finite() || (1e-4..1e16).contains(&magnitude) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn csv<T: Element + Display + LowerExp>(rows: &[Row<T>], second: bool) -> String {
    let mut out = String::from(if second {
        "x,y,dydx,d2ydx2\n"
    } else {
        "x,y,dydx\n"
    });
    for r in rows {
        out.push_str(&format!(
            "{},{},{}",
            shortest(r.x),
            shortest(r.y),
            shortest(r.dydx)
        ));
        if let Some(d2) = r.d2ydx2 {
            out.push_str(&format!(",{}", shortest(d2)));
        }
        out.push('\n');
    }
    out
}

/// Values and derivatives through the tensor op and the engine.
fn evaluate<T: Element>(
    act: &Activation,
    xs: &[f64],
    second: bool,
) -> Result<Vec<Row<T>>, Box<dyn std::error::Error>> {
    let op = ActivationOp::<T>::new(*act);
    let values: Vec<T> = xs.iter().map(|&v| T::from_f64(v)).collect();
    let fresh =
        || Tensor::from_vec(values.clone(), &[values.len()]).map(|t| t.requires_grad_(true));
    let x = fresh()?;
    let y = op.forward(&x)?;
    // Elementwise: the gradient of Σy is the derivative at each point. Vector functions
    // (softmax): the gradient of y[0].
    let target = if act.is_elementwise() {
        y.sum()
    } else {
        y.try_slice(0, 0, 1)?.sum()
    };
    let first = grad(&[target], std::slice::from_ref(&x), None, second)?.remove(0);
    let d2 = if !second {
        None
    } else if act.is_elementwise() {
        Some(grad(&[first.sum()], &[x], None, false)?.remove(0).to_vec())
    } else {
        // ∂²y₀/∂xᵢ², one double backward per i on a fresh graph.
        let mut diagonal = Vec::with_capacity(values.len());
        for i in 0..values.len() {
            let x = fresh()?;
            let y0 = op.forward(&x)?.try_slice(0, 0, 1)?.sum();
            let g = grad(&[y0], std::slice::from_ref(&x), None, true)?.remove(0);
            let gi = g.try_slice(0, i, i + 1)?.sum();
            diagonal.push(grad(&[gi], &[x], None, false)?[0].get(&[i])?);
        }
        Some(diagonal)
    };
    let (y, first) = (y.to_vec(), first.to_vec());
    Ok((0..values.len())
        .map(|i| Row {
            x: values[i],
            y: y[i],
            dydx: first[i],
            d2ydx2: d2.as_ref().map(|d| d[i]),
        })
        .collect())
}

/// `f` and `f′` of an activation over `xs` (f64). Softmax-like activations are drawn as the
/// first output of `[x, 0]` (which is the sigmoid for softmax).
fn curves(
    act: &Activation,
    xs: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), Box<dyn std::error::Error>> {
    if act.is_elementwise() {
        let rows = evaluate::<f64>(act, xs, false)?;
        return Ok(rows.iter().map(|r| (r.y, r.dydx)).unzip());
    }
    let pairs: Vec<f64> = xs.iter().flat_map(|&x| [x, 0.0]).collect();
    let x = Tensor::from_vec(pairs, &[xs.len(), 2])?.requires_grad_(true);
    let y = ActivationOp::<f64>::new(*act).forward(&x)?;
    let y0 = y.try_slice(1, 0, 1)?;
    let g = grad(&[y0.sum()], &[x], None, false)?.remove(0);
    let g0 = g.try_slice(1, 0, 1)?.contiguous().to_vec();
    Ok((y0.contiguous().to_vec(), g0))
}

/// A file name for a spec: the canonical name for defaults, else the spec made safe.
fn file_stem(act: &Activation) -> String {
    let plain = act
        .name()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && act.name().parse::<Activation>().ok() == Some(*act) {
        return act.name().to_string();
    }
    let mut stem: String = act
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while stem.ends_with('_') {
        stem.pop();
    }
    stem
}

fn caption(act: &Activation) -> String {
    if act.is_elementwise() {
        act.to_string()
    } else {
        format!("{act} of [x, 0], first output")
    }
}

/// Writes one SVG per activation and `cheatsheet.svg`; returns the written paths.
fn plot(
    acts: &[Activation],
    xs: &[f64],
    out: &Path,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)
        .map_err(|e| format!("cannot create output directory `{}`: {e}", out.display()))?;
    let mut written = Vec::new();
    let mut panels = Vec::new();
    for act in acts {
        let (f, df) = curves(act, xs)?;
        let series = vec![
            Series::solid("f(x)", xs.iter().copied().zip(f).collect()).with_color(0),
            Series::dashed("f′(x)", xs.iter().copied().zip(df).collect()).with_color(1),
        ];
        let path = out.join(format!("{}.svg", file_stem(act)));
        LineChart::new(caption(act))
            .x_label("x")
            .y_label("f(x), f′(x)")
            .size(640, 420)
            .extend_series(series.clone())
            .write_svg(&path)?;
        written.push(path);
        panels.push((act.to_string(), series));
    }
    if acts.len() > 1 {
        let columns = 5.min(acts.len());
        let path = out.join("cheatsheet.svg");
        PanelGrid::new("Activation functions: f (solid) and f′ (dashed)", columns)
            .x_label("x")
            .panel_size(300, 220)
            .extend_panels(panels)
            .write_svg(&path)?;
        written.push(path);
    }
    Ok(written)
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn gain_text(g: Option<f64>) -> String {
    g.map_or_else(|| "—".to_string(), |v| format!("{v:.4}"))
}

/// The `act list` table, as a Markdown pipe table with aligned columns.
pub fn list_table() -> String {
    let header = [
        "spec",
        "range",
        "zero-centred",
        "monotonic",
        "smoothness",
        "saturating",
        "self-gated",
        "learnable",
        "PyTorch gain",
        "forward gain",
        "backward gain",
        "PyTorch",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for act in Activation::all_defaults() {
        let meta = act.meta();
        let g = gains(&act);
        let monotonic = if act.is_elementwise() {
            yes_no(meta.monotonic).to_string()
        } else {
            "n/a".to_string()
        };
        let learnable = if meta.learnable_parameters.is_empty() {
            "—".to_string()
        } else {
            meta.learnable_parameters.join(", ")
        };
        rows.push(vec![
            format!("`{act}`"),
            meta.output_range.text.clone(),
            yes_no(meta.zero_centred).to_string(),
            monotonic,
            meta.smoothness.to_string(),
            meta.saturation.to_string(),
            yes_no(meta.self_gated).to_string(),
            learnable,
            gain_text(g.pytorch),
            gain_text(g.forward),
            gain_text(g.backward),
            format!("`{}`", meta.pytorch),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(header.iter().map(|s| s.to_string()).collect());
    out.push_str(&line(widths.iter().map(|&w| "-".repeat(w)).collect()));
    for r in rows {
        out.push_str(&line(r));
    }
    out
}
