//! Recurrent layers: [`Rnn`] (tanh or relu), [`Lstm`] and [`Gru`], PyTorch's `nn.RNN`,
//! `nn.LSTM` and `nn.GRU`.
//!
//! The three share one driver (layers, directions, `batch_first`, dropout between
//! layers, initial states, variable lengths) and differ only in the cell, one time step
//! written with differentiable tensor ops, so gradients of every order flow through time.
//! Each step costs a `[batch, input] × [input, gates·hidden]` and a `[batch, hidden] ×
//! [hidden, gates·hidden]` product plus the gate arithmetic (for the LSTM two fused ops).
//! The input projection is deliberately not one product over all steps sliced per step:
//! a slice's gradient is dense, so that costs O(seq²) in the backward (measured: it
//! dominated a T = 100 training step). The backward pass and the freeing of a long graph are
//! iterative, so a sequence of thousands of steps needs no deep stack.
//!
//! | Myelin | PyTorch |
//! |---|---|
//! | `Rnn::new(RecurrentConfig::new(i, h), Nonlinearity::Tanh, seed)` | `nn.RNN(i, h)` |
//! | `Lstm::new(RecurrentConfig::new(i, h).num_layers(2).bidirectional(true), seed)` | `nn.LSTM(i, h, num_layers=2, bidirectional=True)` |
//! | `Gru::new(RecurrentConfig::new(i, h).batch_first(true).dropout(0.2), seed)` | `nn.GRU(i, h, batch_first=True, dropout=0.2)` |
//! | `layer.forward(&x)` | `layer(x)[0]` |
//! | `layer.forward_with(&x, Some(&state), None)` | `layer(x, h0)` / `lstm(x, (h0, c0))` |
//! | `layer.forward_with(&x, None, Some(&lengths))` | `pad_packed_sequence(layer(pack_padded_sequence(x, lengths, enforce_sorted=False))[0], total_length=seq)` |

mod cell;
mod config;
mod driver;
mod fused;
mod gru;
mod lstm;
mod rnn;
mod state;
#[cfg(test)]
mod tests;

pub use config::RecurrentConfig;
pub use gru::Gru;
pub use lstm::Lstm;
pub use rnn::{Nonlinearity, Rnn};
pub use state::RecurrentState;
