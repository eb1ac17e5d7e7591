//! The report's plots: one function per plot (or per family of plots, e.g. one per
//! activation), each drawing from [`ReportData`] only. A new plot is one function here and
//! one entry in [`PLOTS`]; it then appears as a file, in the Markdown list and inline in
//! the HTML section it names.

use crate::error::LabError;
use crate::plot::{histogram_range, ActivationHistogram, LineChart, PanelGrid, Series};

use super::super::slug;
use super::super::training::{EpochRecord, Role, TrainRunResult};
use super::data::{mean, unique, ReportData};
use super::sections::ids;

/// One plot of the report, rendered in memory.
#[derive(Debug)]
pub struct Plot {
    /// Path relative to the report directory, e.g. `plots/grad_norm_relu.svg`.
    pub file: String,
    /// What it shows (the Markdown link text, the HTML figure caption).
    pub caption: String,
    /// Id of the section whose numbers it shows.
    pub section: &'static str,
    /// The SVG document, or why it could not be drawn.
    pub svg: Result<String, LabError>,
}

impl Plot {
    fn new(
        file: impl Into<String>,
        caption: impl Into<String>,
        section: &'static str,
        svg: Result<String, LabError>,
    ) -> Self {
        Self {
            file: file.into(),
            caption: caption.into(),
            section,
            svg,
        }
    }

    /// The anchor id of the plot in the HTML page.
    pub fn anchor(&self) -> String {
        format!(
            "plot-{}",
            slug(
                self.file
                    .trim_start_matches("plots/")
                    .trim_end_matches(".svg")
            )
        )
    }
}

/// A function drawing zero or more plots.
pub type PlotFn = fn(&ReportData<'_>) -> Vec<Plot>;

/// Every plot function, in the order the plots are listed.
pub const PLOTS: &[PlotFn] = &[
    grad_norm_per_activation,
    grad_norm_all,
    grad_ratio_vs_depth,
    activation_histograms,
    dead_units_signal,
    training_curves,
    training_contrasts,
    training_grad_norms,
    dead_units_training,
    super::isometry::spectrum_plots,
    super::isometry::trainability_plots,
];

/// Every plot of the report, in order.
pub fn all_plots(data: &ReportData<'_>) -> Vec<Plot> {
    PLOTS.iter().flat_map(|f| f(data)).collect()
}

fn line(chart: &LineChart) -> Result<String, LabError> {
    chart.render_svg().map(|r| r.svg)
}

fn grid(grid: &PanelGrid) -> Result<String, LabError> {
    grid.render_svg().map(|(svg, _)| svg)
}

/// Measured (solid) and predicted (dashed) `G_l` of the first seed at the deepest depth,
/// one colour per initialiser.
fn grad_norm_series(data: &ReportData<'_>, activation: &str) -> Vec<Series> {
    let mut series = Vec::new();
    for (k, init) in data.inits.iter().enumerate() {
        if let Some(r) = data.first_run(activation, init, data.deepest) {
            let measured: Vec<f64> = r.layers.iter().map(|s| s.grad_norm).collect();
            series.push(Series::per_layer(init.clone(), &measured).with_color(k));
            series.push(
                Series::per_layer("", &r.predicted_grad_norms())
                    .into_dashed()
                    .with_color(k),
            );
        }
    }
    series
}

fn grad_norm_per_activation(data: &ReportData<'_>) -> Vec<Plot> {
    let (deepest, width, seed) = (data.deepest, data.width, data.first_seed);
    data.activations
        .iter()
        .filter_map(|activation| {
            let series = grad_norm_series(data, activation);
            if series.is_empty() {
                return None;
            }
            let chart = LineChart::new(format!(
                "{activation}: ‖∂L/∂H_l‖ per layer (depth {deepest}, width {width}, seed {seed})"
            ))
            .x_label("layer l")
            .y_label("gradient norm G_l")
            .log_y(true)
            .note("dashed: mean-field theory anchored at G_L")
            .extend_series(series);
            Some(Plot::new(
                format!("plots/grad_norm_{}.svg", slug(activation)),
                format!("gradient norm per layer, {activation}"),
                ids::SIGNAL,
                line(&chart),
            ))
        })
        .collect()
}

fn grad_norm_all(data: &ReportData<'_>) -> Vec<Plot> {
    let panels: Vec<(String, Vec<Series>)> = data
        .activations
        .iter()
        .map(|a| (a.clone(), grad_norm_series(data, a)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    if panels.is_empty() {
        return Vec::new();
    }
    let sheet = PanelGrid::new(
        format!(
            "Gradient norm per layer, depth {} (solid: measured, dashed: theory)",
            data.deepest
        ),
        4,
    )
    .x_label("layer")
    .y_label("G_l")
    .log_y(true)
    .extend_panels(panels);
    vec![Plot::new(
        "plots/grad_norm_all.svg",
        "gradient norm per layer, every activation",
        ids::SIGNAL,
        grid(&sheet),
    )]
}

fn grad_ratio_vs_depth(data: &ReportData<'_>) -> Vec<Plot> {
    let panels: Vec<(String, Vec<Series>)> = data
        .activations
        .iter()
        .map(|activation| {
            let mut series = Vec::new();
            for (k, init) in data.inits.iter().enumerate() {
                let points = |f: &dyn Fn(&super::data::Cell<'_>) -> f64| -> Vec<(f64, f64)> {
                    data.depths
                        .iter()
                        .filter_map(|&d| data.cell(activation, init, d).map(|c| (d as f64, f(c))))
                        .collect()
                };
                series.push(Series::solid(init.clone(), points(&|c| c.measured().0)).with_color(k));
                series.push(Series::dashed("", points(&|c| c.predicted())).with_color(k));
            }
            (activation.clone(), series)
        })
        .collect();
    if panels.is_empty() {
        return Vec::new();
    }
    let sheet = PanelGrid::new(
        "log10(G_1/G_L) against depth (solid: measured mean over seeds, dashed: theory)",
        4,
    )
    .x_label("depth L")
    .y_label("log10(G_1/G_L)")
    .extend_panels(panels);
    vec![Plot::new(
        "plots/grad_ratio_vs_depth.svg",
        "gradient ratio against depth",
        ids::REGIMES,
        grid(&sheet),
    )]
}

/// Activation histograms (Glorot & Bengio style) of every sampled probe.
fn activation_histograms(data: &ReportData<'_>) -> Vec<Plot> {
    data.signal
        .iter()
        .filter(|r| !r.samples.is_empty())
        .map(|r| {
            let mut hist = ActivationHistogram::new(format!(
                "{} + {}: activation values per layer (depth {}, width {})",
                r.activation, r.init, r.depth, r.width
            ))
            .x_label("activation value Y_l");
            let all: Vec<f64> = r
                .samples
                .iter()
                .flat_map(|(_, v)| v.iter().copied())
                .collect();
            // The activation's own bounds where finite (saturation shows at the edges), the
            // 0.5% / 99.5% quantiles on an unbounded side.
            let bounds = r
                .activation
                .parse::<myelin_activations::Activation>()
                .map(|a| {
                    let range = a.meta().output_range;
                    (range.low, range.high)
                })
                .unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
            if let Some((a, b)) = histogram_range(&all, bounds) {
                hist = hist.range(a, b);
            }
            for (layer, values) in &r.samples {
                hist = hist.layer(format!("layer {layer}"), values.clone());
            }
            Plot::new(
                format!("plots/hist_{}__{}.svg", slug(&r.activation), slug(&r.init)),
                format!("activation histogram, {} + {}", r.activation, r.init),
                ids::GUIDANCE,
                hist.to_line_chart().and_then(|(chart, _)| line(&chart)),
            )
        })
        .collect()
}

/// Dead units against layer at the histogram depth.
fn dead_units_signal(data: &ReportData<'_>) -> Vec<Plot> {
    let mut series = Vec::new();
    for (k, activation) in data.activations.iter().enumerate() {
        let init = data.preferred_init(activation);
        if let Some(r) = data.first_run(activation, &init, data.hist_depth) {
            let dead: Vec<f64> = r.layers.iter().map(|s| s.dead_fraction).collect();
            if dead.iter().any(|&d| d > 0.0) {
                series
                    .push(Series::per_layer(format!("{activation} + {init}"), &dead).with_color(k));
            }
        }
    }
    if series.is_empty() {
        return Vec::new();
    }
    let chart = LineChart::new(format!(
        "Dead units per layer (off for the whole batch), depth {}, width {}",
        data.hist_depth, data.width
    ))
    .x_label("layer l")
    .y_label("dead fraction")
    .extend_series(series);
    vec![Plot::new(
        "plots/dead_units_signal.svg",
        "dead units per layer (probe)",
        ids::GUIDANCE,
        line(&chart),
    )]
}

fn epoch_curve(r: &TrainRunResult, f: fn(&EpochRecord) -> f64) -> Vec<(f64, f64)> {
    r.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect()
}

/// Validation loss and accuracy of the recommended runs, per training depth.
fn training_curves(data: &ReportData<'_>) -> Vec<Plot> {
    let mut plots = Vec::new();
    for &d in &data.train_depths {
        let runs: Vec<&TrainRunResult> = data
            .runs_with(Role::Recommended)
            .filter(|r| r.config.depth == d)
            .collect();
        let series = |f: fn(&EpochRecord) -> f64| {
            runs.iter().enumerate().map(move |(k, r)| {
                Series::solid(
                    format!("{} + {}", r.config.activation, r.config.init),
                    epoch_curve(r, f),
                )
                .with_color(k)
            })
        };
        let loss = LineChart::new(format!("Validation loss, digits, depth {d}"))
            .x_label("epoch")
            .y_label("cross-entropy")
            .log_y(true)
            .extend_series(series(|e| e.val_loss));
        plots.push(Plot::new(
            format!("plots/training_loss_d{d}.svg"),
            format!("validation loss, depth {d}"),
            ids::TRAINING,
            line(&loss),
        ));
        let acc = LineChart::new(format!("Validation accuracy, digits, depth {d}"))
            .x_label("epoch")
            .y_label("accuracy")
            .extend_series(series(|e| e.val_accuracy));
        plots.push(Plot::new(
            format!("plots/training_accuracy_d{d}.svg"),
            format!("validation accuracy, depth {d}"),
            ids::TRAINING,
            line(&acc),
        ));
    }
    plots
}

fn training_contrasts(data: &ReportData<'_>) -> Vec<Plot> {
    let contrasts: Vec<&TrainRunResult> = data.contrasts().collect();
    if contrasts.is_empty() {
        return Vec::new();
    }
    let chart = LineChart::new("Contrasts: training loss (a run that hit NaN stops)")
        .x_label("epoch")
        .y_label("training loss")
        .log_y(true)
        .extend_series(contrasts.iter().enumerate().map(|(k, r)| {
            Series::solid(
                r.config.name.clone(),
                epoch_curve(r, |e| e.train_loss)
                    .into_iter()
                    .skip(1)
                    .collect(),
            )
            .with_color(k)
        }));
    vec![Plot::new(
        "plots/training_contrasts.svg",
        "contrast runs: training loss",
        ids::TRAINING,
        line(&chart),
    )]
}

/// Per-layer gradient norms of every run in its first, middle and last trained epoch.
fn training_grad_norms(data: &ReportData<'_>) -> Vec<Plot> {
    if data.training.is_empty() {
        return Vec::new();
    }
    let panels: Vec<(String, Vec<Series>)> = data
        .training
        .iter()
        .map(|r| {
            let trained: Vec<&EpochRecord> = r
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
    let sheet = PanelGrid::new("Per-layer gradient norm ‖∂L/∂H_l‖ during training", 4)
        .x_label("hidden layer")
        .y_label("RMS over the epoch")
        .log_y(true)
        .extend_panels(panels);
    vec![Plot::new(
        "plots/training_grad_norms.svg",
        "per-layer gradient norms during training",
        ids::TRAINING,
        grid(&sheet),
    )]
}

fn dead_units_training(data: &ReportData<'_>) -> Vec<Plot> {
    if data.training.is_empty() {
        return Vec::new();
    }
    let chart =
        LineChart::new("Dead units during training (mean over hidden layers, validation set)")
            .x_label("epoch")
            .y_label("dead fraction")
            .extend_series(data.training.iter().enumerate().map(|(k, r)| {
                Series::solid(
                    r.config.name.clone(),
                    r.epochs
                        .iter()
                        .map(|e| (e.epoch as f64, mean(&e.dead_fractions)))
                        .collect(),
                )
                .with_color(k)
            }));
    vec![Plot::new(
        "plots/dead_units_training.svg",
        "dead units during training",
        ids::TRAINING,
        line(&chart),
    )]
}
