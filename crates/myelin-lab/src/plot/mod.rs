//! SVG plots: generic, data-in, file-out chart writers built on `plotters`' SVG backend.
//!
//! Text is emitted as SVG `<text>` elements, so no system fonts are needed to render.
//! Every writer renders in memory and writes atomically (`file.tmp`, then rename), so a
//! crash never leaves a half-written plot.

/// Builder setters of a chart: `text { field: "doc", .. }` for string fields (taking
/// `impl Into<String>`), `flag { field: "doc", .. }` for booleans.
macro_rules! chart_setters {
    (text { $($field:ident : $doc:literal),* $(,)? }) => {
        $(
            #[doc = $doc]
            pub fn $field(mut self, text: impl Into<String>) -> Self {
                self.$field = text.into();
                self
            }
        )*
    };
    (flag { $($field:ident : $doc:literal),* $(,)? }) => {
        $(
            #[doc = $doc]
            pub fn $field(mut self, on: bool) -> Self {
                self.$field = on;
                self
            }
        )*
    };
}

mod atomic_write;
mod grid;
mod heatmap;
mod histogram;
mod line_chart;
mod output;
mod panel;
mod prepared;
mod series;
#[cfg(test)]
mod test_support;

pub use atomic_write::write_atomically;
pub use grid::{GridPanel, PanelGrid};
pub use heatmap::{colour, HeatMap};
pub use histogram::{density_curve, histogram_range, ActivationHistogram, DensityCurve};
pub use line_chart::{LineChart, RenderedSvg};
pub use output::{PlotReport, SUPERSAMPLE};
pub use panel::{format_power_of_ten, format_tick, LegendPosition};
pub use series::{palette_color, LineStyle, Series};
