//! The study's outputs: CSV/JSON tables, SVG plots, `report.md` and the terminal summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::LabError;
use crate::plot::{write_atomically, ActivationHistogram, LineChart, PanelGrid, Series};
use crate::probe::{fmt_num, ProbeResult};
use crate::theory::Regime;

use super::training::TrainRunResult;
use super::{recommended_init, slug, StudyResults};

/// Header of `signal_layers.csv`.
pub const SIGNAL_LAYERS_HEADER: &str = "activation,init,depth,width,batch,seed,layer,q,act_mean,act_var,grad_norm,weight_grad_norm,dead_fraction,predicted_q,predicted_grad_norm";
/// Header of `signal_summary.csv`.
pub const SIGNAL_SUMMARY_HEADER: &str = "activation,init,sigma_w2,depth,width,batch,seed,log10_grad_ratio,predicted_log10_grad_ratio,regime,predicted_regime,last_q,last_dead_fraction,max_abs_act_mean,min_act_var,max_act_var";
/// Header of `training_curves.csv`.
pub const TRAINING_CURVES_HEADER: &str = "run,role,activation,init,depth,width,lr,clip_norm,epoch,train_loss,val_loss,val_accuracy,grad_norm_total,mean_dead_fraction";
/// Header of `training_layers.csv`.
pub const TRAINING_LAYERS_HEADER: &str = "run,epoch,layer,grad_norm,dead_fraction";

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn write_text(path: &Path, text: &str) -> Result<(), LabError> {
    write_atomically(path, text.as_bytes())
}

/// Writes `signal_layers.csv`, `signal_summary.csv` and `signal.json`.
pub fn write_signal_tables(out: &Path, signal: &[ProbeResult]) -> Result<(), LabError> {
    let mut layers = format!("{SIGNAL_LAYERS_HEADER}\n");
    let mut summary = format!("{SIGNAL_SUMMARY_HEADER}\n");
    for r in signal {
        let predicted = r.predicted_grad_norms();
        let head = format!(
            "{},{},{},{},{},{}",
            csv_field(&r.activation),
            csv_field(&r.init),
            r.depth,
            r.width,
            r.batch,
            r.seed
        );
        for (i, s) in r.layers.iter().enumerate() {
            let _ = writeln!(
                layers,
                "{head},{},{},{},{},{},{},{},{},{}",
                s.layer,
                fmt_num(s.q),
                fmt_num(s.act_mean),
                fmt_num(s.act_var),
                fmt_num(s.grad_norm),
                fmt_num(s.weight_grad_norm),
                fmt_num(s.dead_fraction),
                fmt_num(r.theory.q.get(i).copied().unwrap_or(f64::NAN)),
                fmt_num(predicted.get(i).copied().unwrap_or(f64::NAN)),
            );
        }
        let last = r.layers.last();
        let max_abs_mean = r
            .layers
            .iter()
            .map(|s| s.act_mean.abs())
            .fold(0.0, f64::max);
        let min_var = r
            .layers
            .iter()
            .map(|s| s.act_var)
            .fold(f64::INFINITY, f64::min);
        let max_var = r.layers.iter().map(|s| s.act_var).fold(0.0, f64::max);
        let _ = writeln!(
            summary,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.activation),
            csv_field(&r.init),
            fmt_num(r.theory.sigma_w2),
            r.depth,
            r.width,
            r.batch,
            r.seed,
            fmt_num(r.log10_grad_ratio),
            fmt_num(r.theory.log10_grad_ratio),
            r.regime,
            r.theory.regime,
            fmt_num(last.map_or(f64::NAN, |s| s.q)),
            fmt_num(last.map_or(f64::NAN, |s| s.dead_fraction)),
            fmt_num(max_abs_mean),
            fmt_num(min_var),
            fmt_num(max_var),
        );
    }
    write_text(&out.join("signal_layers.csv"), &layers)?;
    write_text(&out.join("signal_summary.csv"), &summary)?;
    let stripped: Vec<ProbeResult> = signal
        .iter()
        .map(|r| ProbeResult {
            samples: Vec::new(),
            ..r.clone()
        })
        .collect();
    write_text(&out.join("signal.json"), &serde_json::to_string(&stripped)?)?;
    Ok(())
}

/// Writes `training_curves.csv`, `training_layers.csv` and `training.json`.
pub fn write_training_tables(out: &Path, runs: &[TrainRunResult]) -> Result<(), LabError> {
    let mut curves = format!("{TRAINING_CURVES_HEADER}\n");
    let mut layers = format!("{TRAINING_LAYERS_HEADER}\n");
    for run in runs {
        let c = &run.config;
        for e in &run.epochs {
            let mean_dead = mean(&e.dead_fractions);
            let _ = writeln!(
                curves,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&c.name),
                csv_field(&c.role),
                csv_field(&c.activation),
                csv_field(&c.init),
                c.depth,
                c.width,
                fmt_num(c.lr),
                c.clip_norm.map_or(String::new(), fmt_num),
                e.epoch,
                fmt_num(e.train_loss),
                fmt_num(e.val_loss),
                fmt_num(e.val_accuracy),
                fmt_num(e.grad_norm_total),
                fmt_num(mean_dead),
            );
            for l in 0..e.dead_fractions.len() {
                let _ = writeln!(
                    layers,
                    "{},{},{},{},{}",
                    csv_field(&c.name),
                    e.epoch,
                    l + 1,
                    fmt_num(e.layer_grad_norms.get(l).copied().unwrap_or(f64::NAN)),
                    fmt_num(e.dead_fractions[l]),
                );
            }
        }
    }
    write_text(&out.join("training_curves.csv"), &curves)?;
    write_text(&out.join("training_layers.csv"), &layers)?;
    write_text(&out.join("training.json"), &serde_json::to_string(runs)?)?;
    Ok(())
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let m = mean(values);
    if values.len() < 2 {
        return (m, 0.0);
    }
    let v = values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    (m, v.sqrt())
}

/// Seed-aggregated view of one (activation, init, depth, width) cell.
#[derive(Debug, Clone)]
pub struct Cell<'a> {
    /// The runs, one per seed.
    pub runs: Vec<&'a ProbeResult>,
}

impl Cell<'_> {
    /// Mean and standard deviation over seeds of the measured `log10(G_1/G_L)`.
    pub fn measured(&self) -> (f64, f64) {
        mean_sd(
            &self
                .runs
                .iter()
                .map(|r| r.log10_grad_ratio)
                .collect::<Vec<_>>(),
        )
    }
    /// The predicted `log10(G_1/G_L)`.
    pub fn predicted(&self) -> f64 {
        self.runs
            .first()
            .map_or(f64::NAN, |r| r.theory.log10_grad_ratio)
    }
    /// Regime of the seed-mean measurement (NaN/overflow if any seed had it).
    pub fn regime(&self) -> Regime {
        if self.runs.iter().any(|r| r.regime == Regime::Nan) {
            return Regime::Nan;
        }
        if self.runs.iter().any(|r| r.regime == Regime::Overflow) {
            return Regime::Overflow;
        }
        Regime::classify(self.measured().0)
    }
}

type Key = (String, String, usize, usize);

/// Groups probes by (activation, init, depth, width), keeping grid order.
pub fn cells(signal: &[ProbeResult]) -> (Vec<Key>, BTreeMap<Key, Cell<'_>>) {
    let mut order = Vec::new();
    let mut map: BTreeMap<Key, Cell<'_>> = BTreeMap::new();
    for r in signal {
        let key = (r.activation.clone(), r.init.clone(), r.depth, r.width);
        map.entry(key.clone())
            .or_insert_with(|| {
                order.push(key.clone());
                Cell { runs: Vec::new() }
            })
            .runs
            .push(r);
    }
    (order, map)
}

fn unique<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn signed(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+inf" } else { "-inf" }.into()
    } else {
        format!("{x:+.2}")
    }
}

/// What the report's ranking is built from.
struct ActivationVerdict {
    activation: String,
    best_init: String,
    measured: f64,
    predicted: f64,
    regime: Regime,
}

/// Writes the training tables, every plot and `report.md`; returns the terminal summary.
pub fn write_report(out: &Path, results: &StudyResults) -> Result<String, LabError> {
    write_training_tables(out, &results.training)?;
    let mut plot_files: Vec<(String, String)> = Vec::new();
    let mut plot_errors: Vec<String> = Vec::new();
    let mut record = |res: Result<String, LabError>, caption: &str| match res {
        Ok(file) => plot_files.push((file, caption.to_string())),
        Err(e) => plot_errors.push(format!("{caption}: {e}")),
    };

    let signal = &results.signal;
    let (_, map) = cells(signal);
    let activations = unique(signal.iter().map(|r| r.activation.clone()));
    let inits = unique(signal.iter().map(|r| r.init.clone()));
    let depths = {
        let mut d = unique(signal.iter().map(|r| r.depth));
        d.sort_unstable();
        d
    };
    let width = signal.first().map_or(0, |r| r.width);
    let first_seed = signal.first().map_or(0, |r| r.seed);
    let deepest = depths.last().copied().unwrap_or(0);
    let hist_depth = super::histogram_depth(&results.config);
    let cell = |a: &str, i: &str, d: usize| map.get(&(a.to_string(), i.to_string(), d, width));
    let first_run = |a: &str, i: &str, d: usize| {
        cell(a, i, d).and_then(|c| c.runs.iter().find(|r| r.seed == first_seed).copied())
    };

    // --- Signal plots -------------------------------------------------------------------
    let mut panels = Vec::new();
    for activation in &activations {
        let mut series = Vec::new();
        for (k, init) in inits.iter().enumerate() {
            if let Some(r) = first_run(activation, init, deepest) {
                let measured: Vec<f64> = r.layers.iter().map(|s| s.grad_norm).collect();
                series.push(Series::per_layer(init.clone(), &measured).with_color(k));
                series.push(
                    Series::per_layer("", &r.predicted_grad_norms())
                        .into_dashed()
                        .with_color(k),
                );
            }
        }
        if series.is_empty() {
            continue;
        }
        panels.push((activation.clone(), series.clone()));
        let file = format!("plots/grad_norm_{}.svg", slug(activation));
        let chart = LineChart::new(format!(
            "{activation}: ‖∂L/∂H_l‖ per layer (depth {deepest}, width {width}, seed {first_seed})"
        ))
        .x_label("layer l")
        .y_label("gradient norm G_l")
        .log_y(true)
        .note("dashed: mean-field theory anchored at G_L")
        .extend_series(series);
        record(
            chart.write_svg(&out.join(&file)).map(|_| file),
            &format!("gradient norm per layer, {activation}"),
        );
    }
    if !panels.is_empty() {
        let file = "plots/grad_norm_all.svg".to_string();
        let grid = PanelGrid::new(
            format!("Gradient norm per layer, depth {deepest} (solid: measured, dashed: theory)"),
            4,
        )
        .x_label("layer")
        .y_label("G_l")
        .log_y(true)
        .extend_panels(panels);
        record(
            grid.write_svg(&out.join(&file)).map(|_| file),
            "gradient norm per layer, every activation",
        );
    }
    // Measured vs predicted ratio against depth, one panel per activation.
    let mut depth_panels = Vec::new();
    for activation in &activations {
        let mut series = Vec::new();
        for (k, init) in inits.iter().enumerate() {
            let measured: Vec<(f64, f64)> = depths
                .iter()
                .filter_map(|&d| cell(activation, init, d).map(|c| (d as f64, c.measured().0)))
                .collect();
            let predicted: Vec<(f64, f64)> = depths
                .iter()
                .filter_map(|&d| cell(activation, init, d).map(|c| (d as f64, c.predicted())))
                .collect();
            series.push(Series::solid(init.clone(), measured).with_color(k));
            series.push(Series::dashed("", predicted).with_color(k));
        }
        depth_panels.push((activation.clone(), series));
    }
    if !depth_panels.is_empty() {
        let file = "plots/grad_ratio_vs_depth.svg".to_string();
        let grid = PanelGrid::new(
            "log10(G_1/G_L) against depth (solid: measured mean over seeds, dashed: theory)",
            4,
        )
        .x_label("depth L")
        .y_label("log10(G_1/G_L)")
        .extend_panels(depth_panels);
        record(
            grid.write_svg(&out.join(&file)).map(|_| file),
            "gradient ratio against depth",
        );
    }
    // Activation histograms (Glorot & Bengio style).
    for r in signal.iter().filter(|r| !r.samples.is_empty()) {
        let file = format!("plots/hist_{}__{}.svg", slug(&r.activation), slug(&r.init));
        let mut hist = ActivationHistogram::new(format!(
            "{} + {}: activation values per layer (depth {}, width {})",
            r.activation, r.init, r.depth, r.width
        ))
        .x_label("activation value Y_l");
        let all: Vec<f64> = r
            .samples
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .collect();
        if let (Some(lo), Some(hi)) = (
            all.iter().copied().reduce(f64::min),
            all.iter().copied().reduce(f64::max),
        ) {
            // Clip the long tail of unbounded activations at the 0.5% / 99.5% quantiles.
            let mut sorted = all.clone();
            sorted.sort_by(f64::total_cmp);
            let q = |p: f64| sorted[((sorted.len() - 1) as f64 * p) as usize];
            let (a, b) = (q(0.005).max(lo), q(0.995).min(hi));
            if b > a {
                hist = hist.range(a, b);
            }
        }
        for (layer, values) in &r.samples {
            hist = hist.layer(format!("layer {layer}"), values.clone());
        }
        record(
            hist.write_svg(&out.join(&file)).map(|_| file),
            &format!("activation histogram, {} + {}", r.activation, r.init),
        );
    }
    // Dead units against layer at the histogram depth.
    {
        let mut series = Vec::new();
        for (k, activation) in activations.iter().enumerate() {
            let init = preferred_init(activation, &inits);
            if let Some(r) = first_run(activation, &init, hist_depth) {
                let dead: Vec<f64> = r.layers.iter().map(|s| s.dead_fraction).collect();
                if dead.iter().any(|&d| d > 0.0) {
                    series.push(
                        Series::per_layer(format!("{activation} + {init}"), &dead).with_color(k),
                    );
                }
            }
        }
        if !series.is_empty() {
            let file = "plots/dead_units_signal.svg".to_string();
            let chart = LineChart::new(format!(
                "Dead units per layer (off for the whole batch), depth {hist_depth}, width {width}"
            ))
            .x_label("layer l")
            .y_label("dead fraction")
            .extend_series(series);
            record(
                chart.write_svg(&out.join(&file)).map(|_| file),
                "dead units per layer (probe)",
            );
        }
    }

    // --- Training plots -----------------------------------------------------------------
    let training = &results.training;
    let train_depths = unique(
        training
            .iter()
            .filter(|r| r.config.role == "recommended")
            .map(|r| r.config.depth),
    );
    for &d in &train_depths {
        let runs: Vec<&TrainRunResult> = training
            .iter()
            .filter(|r| r.config.role == "recommended" && r.config.depth == d)
            .collect();
        let curve = |r: &TrainRunResult, f: fn(&super::EpochRecord) -> f64| -> Vec<(f64, f64)> {
            r.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect()
        };
        let loss = LineChart::new(format!("Validation loss, digits, depth {d}"))
            .x_label("epoch")
            .y_label("cross-entropy")
            .log_y(true)
            .extend_series(runs.iter().enumerate().map(|(k, r)| {
                Series::solid(
                    format!("{} + {}", r.config.activation, r.config.init),
                    curve(r, |e| e.val_loss),
                )
                .with_color(k)
            }));
        let file = format!("plots/training_loss_d{d}.svg");
        record(
            loss.write_svg(&out.join(&file)).map(|_| file),
            &format!("validation loss, depth {d}"),
        );
        let acc = LineChart::new(format!("Validation accuracy, digits, depth {d}"))
            .x_label("epoch")
            .y_label("accuracy")
            .extend_series(runs.iter().enumerate().map(|(k, r)| {
                Series::solid(
                    format!("{} + {}", r.config.activation, r.config.init),
                    curve(r, |e| e.val_accuracy),
                )
                .with_color(k)
            }));
        let file = format!("plots/training_accuracy_d{d}.svg");
        record(
            acc.write_svg(&out.join(&file)).map(|_| file),
            &format!("validation accuracy, depth {d}"),
        );
    }
    let contrasts: Vec<&TrainRunResult> = training
        .iter()
        .filter(|r| r.config.role != "recommended")
        .collect();
    if !contrasts.is_empty() {
        let chart = LineChart::new("Contrasts: training loss (a run that hit NaN stops)")
            .x_label("epoch")
            .y_label("training loss")
            .log_y(true)
            .extend_series(contrasts.iter().enumerate().map(|(k, r)| {
                Series::solid(
                    r.config.name.clone(),
                    r.epochs
                        .iter()
                        .skip(1)
                        .map(|e| (e.epoch as f64, e.train_loss))
                        .collect(),
                )
                .with_color(k)
            }));
        let file = "plots/training_contrasts.svg".to_string();
        record(
            chart.write_svg(&out.join(&file)).map(|_| file),
            "contrast runs: training loss",
        );
    }
    if !training.is_empty() {
        let panels: Vec<(String, Vec<Series>)> = training
            .iter()
            .map(|r| {
                let trained: Vec<&super::EpochRecord> = r
                    .epochs
                    .iter()
                    .filter(|e| !e.layer_grad_norms.is_empty())
                    .collect();
                let picks = unique(
                    [0, trained.len() / 2, trained.len().saturating_sub(1)]
                        .into_iter()
                        .filter(|&i| i < trained.len()),
                );
                let series = picks
                    .into_iter()
                    .enumerate()
                    .map(|(k, i)| {
                        Series::per_layer(
                            format!("epoch {}", trained[i].epoch),
                            &trained[i].layer_grad_norms,
                        )
                        .with_color(k)
                    })
                    .collect();
                (r.config.name.clone(), series)
            })
            .collect();
        let file = "plots/training_grad_norms.svg".to_string();
        let grid = PanelGrid::new("Per-layer gradient norm ‖∂L/∂H_l‖ during training", 4)
            .x_label("hidden layer")
            .y_label("RMS over the epoch")
            .log_y(true)
            .extend_panels(panels);
        record(
            grid.write_svg(&out.join(&file)).map(|_| file),
            "per-layer gradient norms during training",
        );
        let chart =
            LineChart::new("Dead units during training (mean over hidden layers, validation set)")
                .x_label("epoch")
                .y_label("dead fraction")
                .extend_series(training.iter().enumerate().map(|(k, r)| {
                    Series::solid(
                        r.config.name.clone(),
                        r.epochs
                            .iter()
                            .map(|e| (e.epoch as f64, mean(&e.dead_fractions)))
                            .collect(),
                    )
                    .with_color(k)
                }));
        let file = "plots/dead_units_training.svg".to_string();
        record(
            chart.write_svg(&out.join(&file)).map(|_| file),
            "dead units during training",
        );
    }

    // --- report.md ----------------------------------------------------------------------
    let mut md = String::new();
    let c = &results.config;
    let _ = writeln!(md, "# Gradient-flow study\n");
    let _ = writeln!(
        md,
        "Generated by `myelin study`. Signal grid: {} activations × {} initialisers × depths {:?} × widths {:?}, batch {}, seeds {:?}, {} ({} probes, {:.1} s). Training: {} runs on the embedded digits data ({:.1} s). Every number below is in the CSV/JSON files of this directory; `config.json` holds the configuration.\n",
        activations.len(),
        inits.len(),
        depths,
        c.widths,
        c.batch,
        c.seeds,
        c.dtype,
        signal.len(),
        results.signal_seconds,
        training.len(),
        results.training_seconds
    );
    let _ = writeln!(md, "How to read it: `log10(G_1/G_L)` compares the gradient norm at the first layer with the last (`G_l = ‖∂Loss/∂H_l‖_F`, taken from the engine's backward pass); −7 means the first layer receives 10⁻⁷ of the last layer's gradient (vanishing), +3 means 1000× more (exploding). The prediction is the mean-field theory (infinite width): `½ Σ_{{l<L}} log10 χ_l`. |value| ≤ {} decade counts as stable. See docs/gradient-flow.md.\n", crate::theory::REGIME_THRESHOLD_DECADES);

    // Known facts.
    let facts: [(&str, &str, &str, f64); 4] = [
        ("relu", "kaiming_normal", "≈ 0 (±0.5)", 0.0),
        ("relu", "xavier_normal", "≈ −7.4", -7.4),
        ("sigmoid", "xavier_normal", "≈ −30.8", -30.8),
        ("tanh", "xavier_normal", "≈ −0.92", -0.92),
    ];
    let mut fact_rows = String::new();
    for (a, i, reference, _) in facts {
        if let Some(cl) = map.get(&(a.to_string(), i.to_string(), 50, 256)) {
            let (m, s) = cl.measured();
            let _ = writeln!(
                fact_rows,
                "| {a} + {i} | log10(G_1/G_L) | {} ± {:.2} | {} | {reference} |",
                signed(m),
                s,
                signed(cl.predicted())
            );
        }
    }
    if let Some(cl) = map.get(&("selu".to_string(), "lecun_normal".to_string(), 50, 256)) {
        let max_mean = cl
            .runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|s| s.act_mean.abs()))
            .fold(0.0, f64::max);
        let min_var = cl
            .runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|s| s.act_var))
            .fold(f64::INFINITY, f64::min);
        let max_var = cl
            .runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|s| s.act_var))
            .fold(0.0, f64::max);
        let _ = writeln!(fact_rows, "| selu + lecun_normal | max |act_mean|, act_var range over all layers | {max_mean:.3}, [{min_var:.3}, {max_var:.3}] | fixed point (0, 1) | < 0.05, (0.85, 1.15) |");
    }
    if let Some(cl) = map.get(&("relu".to_string(), "kaiming_normal".to_string(), 50, 256)) {
        let dead: Vec<f64> = cl
            .runs
            .iter()
            .filter_map(|r| r.layers.last().map(|s| s.dead_fraction))
            .collect();
        let (m, s) = mean_sd(&dead);
        let _ = writeln!(
            fact_rows,
            "| relu + kaiming_normal | dead fraction at layer 50 | {m:.3} ± {s:.3} | — | ≈ 0.38 |"
        );
    }
    let _ = writeln!(md, "## Known facts (width 256, depth 50, batch 256)\n");
    if fact_rows.is_empty() {
        let _ = writeln!(md, "This grid does not contain the reference configurations (width 256, depth 50); run the full study to check them.\n");
    } else {
        let _ = writeln!(md, "| configuration | quantity | measured (mean ± sd over seeds) | predicted | reference |\n|---|---|---|---|---|\n{fact_rows}");
    }

    // Signal table at the deepest depth.
    let _ = writeln!(
        md,
        "## Signal propagation: log10(G_1/G_L) at depth {deepest}, width {width}\n"
    );
    let _ = writeln!(
        md,
        "Each cell: measured (mean over seeds) / predicted, and the regime of the measurement.\n"
    );
    let _ = writeln!(md, "| activation | {} |", inits.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(inits.len()));
    let mut verdicts = Vec::new();
    for a in &activations {
        let mut row = format!("| {a} |");
        let mut best: Option<ActivationVerdict> = None;
        for i in &inits {
            match cell(a, i, deepest) {
                Some(cl) => {
                    let m = cl.measured().0;
                    let _ = write!(
                        row,
                        " {} / {} ({}) |",
                        signed(m),
                        signed(cl.predicted()),
                        cl.regime()
                    );
                    let score = if m.is_finite() {
                        m.abs()
                    } else {
                        f64::INFINITY
                    };
                    if best
                        .as_ref()
                        .is_none_or(|b| score < b.measured.abs() || !b.measured.is_finite())
                    {
                        best = Some(ActivationVerdict {
                            activation: a.clone(),
                            best_init: i.clone(),
                            measured: m,
                            predicted: cl.predicted(),
                            regime: cl.regime(),
                        });
                    }
                }
                None => row.push_str(" — |"),
            }
        }
        let _ = writeln!(md, "{row}");
        if let Some(b) = best {
            verdicts.push(b);
        }
    }
    md.push('\n');

    // Regime counts per depth.
    let _ = writeln!(md, "## Regimes\n\n| depth | vanishing | stable | exploding | NaN/overflow | agreement with theory |\n|---|---|---|---|---|---|");
    for &d in &depths {
        let cs: Vec<&Cell<'_>> = map
            .iter()
            .filter(|(k, _)| k.2 == d && k.3 == width)
            .map(|(_, v)| v)
            .collect();
        let count = |g: &dyn Fn(Regime) -> bool| cs.iter().filter(|c| g(c.regime())).count();
        let agree = cs
            .iter()
            .filter(|c| c.regime() == Regime::classify(c.predicted()))
            .count();
        let _ = writeln!(
            md,
            "| {d} | {} | {} | {} | {} | {agree}/{} |",
            count(&|r| r == Regime::Vanishing),
            count(&|r| r == Regime::Stable),
            count(&|r| r == Regime::Exploding),
            count(&|r| matches!(r, Regime::Nan | Regime::Overflow)),
            cs.len()
        );
    }
    let errors: Vec<f64> = map
        .values()
        .filter(|c| c.measured().0.is_finite() && c.predicted().is_finite())
        .map(|c| (c.measured().0 - c.predicted()).abs())
        .collect();
    if !errors.is_empty() {
        let mut sorted = errors.clone();
        sorted.sort_by(f64::total_cmp);
        let _ = writeln!(
            md,
            "\nMeasured minus predicted log10(G_1/G_L) over all {} finite cells: median |error| {:.2} decades, 90th percentile {:.2}, max {:.2}. Finite width and batch make the measurement fluctuate around the infinite-width theory; the error grows with depth/width.\n",
            sorted.len(),
            sorted[sorted.len() / 2],
            sorted[(sorted.len() - 1) * 9 / 10],
            sorted[sorted.len() - 1]
        );
    }

    // Ranking.
    verdicts.sort_by(|a, b| {
        let s = |v: &ActivationVerdict| {
            if v.measured.is_finite() {
                v.measured.abs()
            } else {
                f64::INFINITY
            }
        };
        s(a).total_cmp(&s(b))
    });
    let deepest_train = train_depths.iter().copied().max();
    let train_acc = |a: &str| {
        training
            .iter()
            .find(|r| {
                r.config.role == "recommended"
                    && r.config.activation == a
                    && Some(r.config.depth) == deepest_train
            })
            .map(|r| (r.config.init.clone(), r.final_accuracy()))
    };
    let _ = writeln!(md, "## Ranking\n\nActivations ranked by how well their best initialiser keeps gradients flat at depth {deepest} (|log10(G_1/G_L)|, smaller is better), with the validation accuracy of a depth-{} MLP trained with the recommended initialiser.\n", deepest_train.map_or("—".to_string(), |d| d.to_string()));
    let _ = writeln!(md, "| rank | activation | best initialiser | measured | predicted | regime | trained init | val. accuracy |\n|---|---|---|---|---|---|---|---|");
    for (k, v) in verdicts.iter().enumerate() {
        let (ti, acc) = train_acc(&v.activation)
            .map_or(("—".to_string(), "—".to_string()), |(i, a)| {
                (i, format!("{:.1}%", 100.0 * a))
            });
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {ti} | {acc} |",
            k + 1,
            v.activation,
            v.best_init,
            signed(v.measured),
            signed(v.predicted),
            v.regime
        );
    }
    md.push('\n');

    // Training table.
    if !training.is_empty() {
        let _ = writeln!(md, "## Training on digits\n\nSGD (momentum {}), batch {}, {} epochs, hidden width {}; 70/15/15 stratified split, standardised features. `G_1/G_L` is the hidden-layer gradient ratio in the first epoch.\n", c.training.momentum, c.training.batch_size, c.training.epochs, c.training.width);
        let _ = writeln!(md, "| run | role | activation | init | depth | lr | clip | val. accuracy | final val. loss | log10 G_1/G_L (epoch 1) | dead units (end) | outcome |\n|---|---|---|---|---|---|---|---|---|---|---|---|");
        for r in training {
            let cfg = &r.config;
            let last = r.last();
            let outcome = match r.diverged_at {
                Some((e, s)) => format!("**NaN** at epoch {e}, step {s}"),
                None => "finished".to_string(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {:.1}% | {} | {} | {:.3} | {outcome} |",
                cfg.name,
                cfg.role,
                cfg.activation,
                cfg.init,
                cfg.depth,
                cfg.lr,
                cfg.clip_norm.map_or("—".to_string(), |c| c.to_string()),
                100.0 * r.final_accuracy(),
                last.map_or("—".to_string(), |e| format!("{:.4}", e.val_loss)),
                signed(r.first_epoch_log10_ratio()),
                last.map_or(f64::NAN, |e| mean(&e.dead_fractions)),
            );
        }
        md.push('\n');
    }

    // Guidance.
    let _ = writeln!(md, "## Guidance\n");
    let find = |a: &str, i: &str| cell(a, i, deepest).map(|c| c.measured().0);
    // Start with: the best-trained activation at the deepest training depth whose gradients
    // are stable at the deepest probe depth with some initialiser; else the flattest one.
    let trained_best = verdicts
        .iter()
        .filter(|v| v.regime == Regime::Stable)
        .filter_map(|v| train_acc(&v.activation).map(|(i, a)| (v, i, a)))
        .max_by(|a, b| a.2.total_cmp(&b.2));
    if let Some((v, init, acc)) = trained_best {
        let _ = writeln!(md, "- **Start with** {} + {init}: it trained best among the activations whose gradients stay stable ({:.1}% validation accuracy at depth {}), and with {} its gradients change by only {} decades over {deepest} layers (theory {}).", v.activation, 100.0 * acc, deepest_train.unwrap_or(0), v.best_init, signed(v.measured), signed(v.predicted));
    } else if let Some(best) = verdicts.first() {
        let _ = writeln!(md, "- **Start with** {} + {}: at depth {deepest} its gradients change by {} decades from the last layer to the first (theory {}).", best.activation, best.best_init, signed(best.measured), signed(best.predicted));
    }
    if let (Some(k), Some(x)) = (
        find("relu", "kaiming_normal"),
        find("relu", "xavier_normal"),
    ) {
        let _ = writeln!(md, "- **Match the initialiser to the activation.** ReLU with kaiming_normal (σ_w² = 2, χ = 1): {} decades at depth {deepest}; with xavier_normal (σ_w² = 1, χ = ½): {} — every layer halves the squared gradient.", signed(k), signed(x));
    }
    if let Some(s) = find("sigmoid", "xavier_normal") {
        let _ = writeln!(md, "- **Vanishing gradients** (a large negative ratio): sigmoid + xavier_normal loses {:.1} decades over {deepest} layers because σ'(x) ≤ ¼ — no initialiser rescues it (best: {}). Switch to a non-saturating activation (ReLU family, SELU, GELU) with its initialiser, or add normalisation / residual connections; a learning-rate increase does not fix a 10⁻³⁰ gradient.", -s, verdicts.iter().find(|v| v.activation == "sigmoid").map_or("—".to_string(), |v| format!("{} at {}", v.best_init, signed(v.measured))));
    }
    if let Some(t) = find("tanh", "xavier_normal") {
        let _ = writeln!(md, "- tanh + xavier_normal sits at the edge of chaos (σ_w² = 1): {} decades — slow, sub-exponential decay.", signed(t));
    }
    if let Some(cl) = cell("selu", "lecun_normal", hist_depth) {
        let max_mean = cl
            .runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|s| s.act_mean.abs()))
            .fold(0.0, f64::max);
        let (lo, hi) = cl
            .runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|s| s.act_var))
            .fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let _ = writeln!(md, "- **SELU + lecun_normal self-normalises**: over {hist_depth} layers |mean| ≤ {max_mean:.3} and variance in [{lo:.3}, {hi:.3}].");
    }
    if let Some(r) = first_run("relu", "kaiming_normal", hist_depth) {
        if let Some(last) = r.layers.last() {
            let _ = writeln!(md, "- **Dying ReLU**: with kaiming_normal, {:.0}% of the units of layer {hist_depth} are off for the whole batch (inputs become correlated with depth). Leaky ReLU / ELU / GELU avoid exactly-zero gradients.", 100.0 * last.dead_fraction);
        }
    }
    let high = training.iter().find(|r| r.config.role == "high lr");
    let clipped = training.iter().find(|r| r.config.role == "high lr + clip");
    if let (Some(h), Some(cl)) = (high, clipped) {
        let h_text = match h.diverged_at {
            Some((e, s)) => format!("its loss became NaN at epoch {e}, step {s}"),
            None => format!(
                "it did not diverge this time (final accuracy {:.1}%)",
                100.0 * h.final_accuracy()
            ),
        };
        let c_text = match cl.diverged_at {
            Some((e, s)) => {
                format!("still diverged at epoch {e}, step {s} — lower the learning rate too")
            }
            None => format!(
                "trained to {:.1}% validation accuracy",
                100.0 * cl.final_accuracy()
            ),
        };
        let _ = writeln!(md, "- **Exploding gradients → NaN, and the cure**: ReLU at learning rate {}: {h_text}. The same run with global-norm clipping at {} {c_text}. On exploding gradients: clip the global norm, lower the learning rate, check the initialiser (σ_w² > 2 for ReLU explodes).", h.config.lr, cl.config.clip_norm.unwrap_or(f64::NAN));
    }
    for r in training.iter().filter(|r| r.config.role == "bad init") {
        let _ = writeln!(md, "- **Bad initialiser**: ReLU + {} at depth {} reaches {:.1}% (first-epoch gradient ratio {} decades); compare the recommended runs above.", r.config.init, r.config.depth, 100.0 * r.final_accuracy(), signed(r.first_epoch_log10_ratio()));
    }
    md.push('\n');

    // Plots.
    let _ = writeln!(md, "## Plots\n");
    for (file, caption) in &plot_files {
        let _ = writeln!(md, "- [{caption}]({file})");
    }
    if !plot_errors.is_empty() {
        let _ = writeln!(md, "\nPlots that could not be drawn:\n");
        for e in &plot_errors {
            let _ = writeln!(md, "- {e}");
        }
    }
    let _ = writeln!(md, "\n## Files\n\n- `signal_summary.csv`, `signal_layers.csv`, `signal.json`: every probe (per layer: q, act_mean, act_var, grad_norm, weight_grad_norm, dead_fraction, and the prediction).\n- `training_curves.csv`, `training_layers.csv`, `training.json`: every training run.\n- `runs/`: one JSON file per finished configuration (written as each finishes).");
    write_text(&out.join("report.md"), &md)?;

    // Terminal summary.
    let mut t = String::new();
    let _ = writeln!(t, "\nGradient flow at depth {deepest}, width {width} (log10 G_1/G_L, measured vs mean-field):");
    let _ = writeln!(
        t,
        "{:<4} {:<24} {:<26} {:>9} {:>10} {:<10} {:>9}",
        "rank", "activation", "best init", "measured", "predicted", "regime", "train acc"
    );
    for (k, v) in verdicts.iter().enumerate() {
        let acc = train_acc(&v.activation)
            .map_or("—".to_string(), |(_, a)| format!("{:.1}%", 100.0 * a));
        let _ = writeln!(
            t,
            "{:<4} {:<24} {:<26} {:>9} {:>10} {:<10} {:>9}",
            k + 1,
            v.activation,
            v.best_init,
            signed(v.measured),
            signed(v.predicted),
            v.regime.to_string(),
            acc
        );
    }
    for r in training.iter().filter(|r| r.config.role != "recommended") {
        let outcome = match r.diverged_at {
            Some((e, s)) => format!("NaN at epoch {e} step {s}"),
            None => format!("{:.1}% val. accuracy", 100.0 * r.final_accuracy()),
        };
        let _ = writeln!(t, "  {:<28} {outcome}", r.config.name);
    }
    let _ = writeln!(t, "\nReport: {}", out.join("report.md").display());
    Ok(t)
}

/// The grid initialiser to show for an activation: its recommended one if the grid has it
/// (ignoring `gain=auto`), else kaiming_normal, else the first.
fn preferred_init(activation: &str, inits: &[String]) -> String {
    let recommended = activation
        .parse()
        .map(|a| recommended_init(&a).to_string())
        .unwrap_or_default();
    let plain = recommended.split('(').next().unwrap_or("").to_string();
    for candidate in [recommended, plain, "kaiming_normal".to_string()] {
        if inits.contains(&candidate) {
            return candidate;
        }
    }
    inits.first().cloned().unwrap_or_default()
}
