//! The three cells, one time step each, written with differentiable tensor ops (so
//! gradients of any order flow through them). The input projection `W_ih·x_t + b_ih` is
//! computed by the driver and passed in as `xp`.

use myelin_tensor::{Element, Tensor};

use super::fused::{lstm_cell_output, lstm_cell_state};
use crate::error::Result;

/// Which recurrence a layer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`.
    RnnTanh,
    /// `h' = relu(W_ih x + b_ih + W_hh h + b_hh)`.
    RnnRelu,
    /// PyTorch's LSTM, gates in the order input, forget, cell, output.
    Lstm,
    /// PyTorch's GRU, gates in the order reset, update, new.
    Gru,
}

impl CellKind {
    /// Rows of `weight_ih` per hidden unit (the number of gates).
    pub(crate) fn gates(self) -> usize {
        match self {
            CellKind::RnnTanh | CellKind::RnnRelu => 1,
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
        }
    }

    /// PyTorch's class name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CellKind::RnnTanh | CellKind::RnnRelu => "RNN",
            CellKind::Lstm => "LSTM",
            CellKind::Gru => "GRU",
        }
    }

    /// Whether the cell carries a cell state `c` besides `h`.
    pub(crate) fn has_cell_state(self) -> bool {
        self == CellKind::Lstm
    }
}

/// The recurrent weights of one (layer, direction).
pub(crate) struct HiddenWeights<'a, T: Element> {
    /// `weight_hh`, `[gates·hidden, hidden]`.
    pub w_hh: &'a Tensor<T>,
    /// `bias_hh`, `[gates·hidden]`.
    pub b_hh: Option<&'a Tensor<T>>,
}

/// One step: the new hidden state and, for the LSTM, the new cell state.
///
/// `xp` is `W_ih·x_t + b_ih` (`[batch, gates·hidden]`), `h` and `c` the previous states
/// (`[batch, hidden]`).
pub(crate) fn step<T: Element>(
    kind: CellKind,
    xp: &Tensor<T>,
    h: &Tensor<T>,
    c: Option<&Tensor<T>>,
    w: &HiddenWeights<'_, T>,
) -> Result<(Tensor<T>, Option<Tensor<T>>)> {
    let hp = h.try_linear(w.w_hh, w.b_hh)?;
    let hidden = h.shape()[1];
    Ok(match kind {
        CellKind::RnnTanh => (xp.try_add(&hp)?.tanh(), None),
        CellKind::RnnRelu => (xp.try_add(&hp)?.relu(), None),
        CellKind::Lstm => {
            let c = c.expect("the driver passes a cell state to the LSTM");
            let pre = xp.try_add(&hp)?;
            let c_new = lstm_cell_state(&pre, c);
            let h_new = lstm_cell_output(&pre, &c_new);
            (h_new, Some(c_new))
        }
        CellKind::Gru => {
            // r and z see x and h summed; the new gate sees r · (W_hn h + b_hn), PyTorch's
            // placement (not r applied to h before the product).
            let rz = xp
                .try_narrow(1, 0, 2 * hidden)?
                .try_add(&hp.try_narrow(1, 0, 2 * hidden)?)?
                .sigmoid();
            let r = rz.try_narrow(1, 0, hidden)?;
            let z = rz.try_narrow(1, hidden, hidden)?;
            let n = xp
                .try_narrow(1, 2 * hidden, hidden)?
                .try_add(&r.try_mul(&hp.try_narrow(1, 2 * hidden, hidden)?)?)?
                .tanh();
            // (1 − z)·n + z·h, written as n + z·(h − n).
            let h_new = n.try_add(&z.try_mul(&h.try_sub(&n)?)?)?;
            (h_new, None)
        }
    })
}
