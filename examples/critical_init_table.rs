//! The critical initialiser for every built-in elementwise activation: the edge of chaos
//! (σ_w², q*) at σ_b = 0 and σ_b = 0.1, and the probe's measured log10(G_1/G_L) through
//! 100 layers there, beside the mean-field prediction. Activations without an edge of
//! chaos are listed with the reason.
//!
//! ```text
//! cargo run --release --example critical_init_table            # markdown table on stdout
//! cargo run --release --example critical_init_table -- 'expr(tanh(x) + 0.1 * sin(x))'
//! ```
//!
//! Width 256, batch 256, f64, seed 0; `kaiming_normal(gain=critical)` (the gain that puts
//! fan_in·Var(W) at the critical σ_w²).

use std::error::Error;

use myelin_activations::Activation;
use myelin_lab::critical::critical_point;
use myelin_lab::probe::{probe, Precision, ProbeConfig};

fn main() -> Result<(), Box<dyn Error>> {
    let given: Vec<String> = std::env::args().skip(1).collect();
    let activations: Vec<Activation> = if given.is_empty() {
        Activation::all_defaults()
            .into_iter()
            .filter(Activation::is_elementwise)
            .collect()
    } else {
        given.iter().map(|s| s.parse()).collect::<Result<_, _>>()?
    };
    println!("| activation | σ_b | σ_w² | q* | measured log10(G₁/G₁₀₀) | predicted |");
    println!("|---|---|---|---|---|---|");
    for activation in &activations {
        // σ_b² written out: 0.1² in floating point is 0.010000000000000002.
        for (bias_std, sigma_b2) in [(0.0, 0.0), (0.1, 0.01)] {
            let row = match critical_point(activation, sigma_b2) {
                Ok(point) => {
                    let result = probe(&ProbeConfig {
                        activation: *activation,
                        init: "kaiming_normal(gain=critical)".parse()?,
                        depth: 100,
                        width: 256,
                        batch: 256,
                        seed: 0,
                        precision: Precision::F64,
                        bias_std,
                    })?;
                    format!(
                        "{:.4} | {:.4} | {:+.3} | {:+.3}",
                        point.sigma_w2,
                        point.q_star,
                        result.log10_grad_ratio,
                        result.theory.log10_grad_ratio
                    )
                }
                Err(reason) => format!("— | — | no edge of chaos: {reason} | —"),
            };
            println!("| `{activation}` | {bias_std} | {row} |");
        }
    }
    Ok(())
}
