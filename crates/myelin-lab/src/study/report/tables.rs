//! The study's CSV and JSON tables: every number the report shows, machine-readable.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::LabError;
use crate::plot::write_atomically;
use crate::probe::{fmt_num, ProbeResult};

use super::super::training::TrainRunResult;
use super::data::mean;

/// Header of `signal_layers.csv`.
pub const SIGNAL_LAYERS_HEADER: &str = "activation,init,depth,width,batch,seed,layer,q,act_mean,act_var,grad_norm,weight_grad_norm,dead_fraction,predicted_q,predicted_grad_norm";
/// Header of `signal_summary.csv`.
pub const SIGNAL_SUMMARY_HEADER: &str = "activation,init,sigma_w2,depth,width,batch,seed,log10_grad_ratio,predicted_log10_grad_ratio,regime,predicted_regime,last_q,last_dead_fraction,max_abs_act_mean,min_act_var,max_act_var";
/// Header of `training_curves.csv`.
pub const TRAINING_CURVES_HEADER: &str = "run,role,activation,init,depth,width,lr,clip_norm,epoch,train_loss,val_loss,val_accuracy,grad_norm_total,mean_dead_fraction";
/// Header of `training_layers.csv`.
pub const TRAINING_LAYERS_HEADER: &str = "run,epoch,layer,grad_norm,dead_fraction";

use crate::csv::field as csv_field;

pub(super) fn write_text(path: &Path, text: &str) -> Result<(), LabError> {
    write_atomically(path, text.as_bytes())
}

/// Writes `signal_layers.csv`, `signal_summary.csv` and `signal.json`.
pub fn write_signal_tables(out: &Path, signal: &[ProbeResult]) -> Result<(), LabError> {
    let mut layers = format!("{SIGNAL_LAYERS_HEADER}\n");
    let mut summary = format!("{SIGNAL_SUMMARY_HEADER}\n");
    for r in signal {
        let predicted = r.predicted_grad_norms();
        let numbers = [r.depth as u64, r.width as u64, r.batch as u64, r.seed];
        let head = crate::csv::key(&r.activation, &r.init, &numbers);
        for (i, s) in r.layers.iter().enumerate() {
            let _ = writeln!(
                layers,
                "{head},{},{},{}",
                s.csv_row(),
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
                c.role,
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
