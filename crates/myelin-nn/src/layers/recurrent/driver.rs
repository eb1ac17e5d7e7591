//! The one cell-loop driver behind [`super::Rnn`], [`super::Lstm`] and [`super::Gru`]:
//! parameters, layers, directions, layouts, initial states, variable lengths and dropout
//! between layers. Only the per-step arithmetic ([`super::cell::step`]) differs between
//! the three.

use myelin_tensor::{seeded_rng, Element, Tensor};
use rand::Rng;

use super::cell::{step, CellKind, HiddenWeights};
use super::config::RecurrentConfig;
use super::state::RecurrentState;
use crate::error::{NnError, Result};
use crate::layers::Dropout;
use crate::module::Module;

/// The parameters of one (layer, direction).
struct CellParams<T: Element> {
    w_ih: Tensor<T>,
    w_hh: Tensor<T>,
    b_ih: Option<Tensor<T>>,
    b_hh: Option<Tensor<T>>,
}

/// A stack of recurrent layers of one kind.
pub(crate) struct RecurrentCore<T: Element> {
    kind: CellKind,
    config: RecurrentConfig,
    /// Indexed by `layer · num_directions + direction`, PyTorch's order.
    cells: Vec<CellParams<T>>,
    dropout: Dropout,
    training: bool,
}

/// What one direction of one layer gives: outputs `[seq, batch, hidden]`, final `h`, `c`.
type DirectionResult<T> = (Tensor<T>, Tensor<T>, Option<Tensor<T>>);

/// Initial `h` and `c` (empty for RNN and GRU) per (layer, direction), `[batch, hidden]`.
type InitialStates<T> = (Vec<Tensor<T>>, Vec<Tensor<T>>);

impl<T: Element> RecurrentCore<T> {
    /// Every weight and bias drawn from U(±1/√hidden_size), PyTorch's initialisation, in
    /// `named_parameters` order from a generator seeded with `seed`.
    pub(crate) fn new(kind: CellKind, config: RecurrentConfig, seed: u64) -> Result<Self> {
        config.validate(kind.name())?;
        let mut rng = seeded_rng(seed);
        let hidden = config.hidden_size;
        let rows = kind.gates() * hidden;
        let bound = 1.0 / (hidden as f64).sqrt();
        let mut draw = |shape: &[usize]| -> Result<Tensor<T>> {
            Ok(Tensor::uniform(shape, -bound, bound, &mut rng)?.requires_grad_(true))
        };
        let dirs = config.num_directions();
        let mut cells = Vec::with_capacity(config.num_layers * dirs);
        for layer in 0..config.num_layers {
            let in_features = if layer == 0 {
                config.input_size
            } else {
                dirs * hidden
            };
            for _ in 0..dirs {
                let w_ih = draw(&[rows, in_features])?;
                let w_hh = draw(&[rows, hidden])?;
                let (b_ih, b_hh) = if config.bias {
                    (Some(draw(&[rows])?), Some(draw(&[rows])?))
                } else {
                    (None, None)
                };
                cells.push(CellParams {
                    w_ih,
                    w_hh,
                    b_ih,
                    b_hh,
                });
            }
        }
        let dropout = Dropout::new(config.dropout, rng.gen())?;
        Ok(RecurrentCore {
            kind,
            config,
            cells,
            dropout,
            training: true,
        })
    }

    pub(crate) fn config(&self) -> &RecurrentConfig {
        &self.config
    }

    fn shape_error(&self, detail: String) -> NnError {
        NnError::Shape {
            op: self.describe(),
            detail,
        }
    }

    /// Runs every layer and direction; see the public `forward_with` docs.
    pub(crate) fn forward_with(
        &self,
        x: &Tensor<T>,
        state: Option<&RecurrentState<T>>,
        lengths: Option<&[usize]>,
    ) -> Result<(Tensor<T>, RecurrentState<T>)> {
        let cfg = &self.config;
        let batched = match x.ndim() {
            3 => true,
            2 => false,
            _ => return Err(self.input_shape_error(x)),
        };
        if x.shape()[x.ndim() - 1] != cfg.input_size {
            return Err(self.input_shape_error(x));
        }
        // Time-major [seq, batch, features] inside.
        let xt = if !batched {
            x.try_unsqueeze(1)?
        } else if cfg.batch_first {
            x.try_transpose(0, 1)?
        } else {
            x.clone()
        };
        let (steps, batch) = (xt.shape()[0], xt.shape()[1]);
        let masks = self.step_masks(lengths, steps, batch, batched)?;
        let (h0, c0) = self.initial_states(state, batch, batched)?;
        let dirs = cfg.num_directions();
        let mut h_n = Vec::with_capacity(h0.len());
        let mut c_n = Vec::with_capacity(c0.len());
        let mut layer_input = xt;
        for layer in 0..cfg.num_layers {
            let mut outputs = Vec::with_capacity(dirs);
            for dir in 0..dirs {
                let idx = layer * dirs + dir;
                let (out, h, c) = self.run_direction(
                    idx,
                    dir == 1,
                    &layer_input,
                    h0[idx].clone(),
                    c0.get(idx).cloned(),
                    &masks,
                )?;
                outputs.push(out);
                h_n.push(h);
                c_n.extend(c);
            }
            let out = match outputs.as_slice() {
                [forward, backward] => Tensor::try_concat(&[forward, backward], 2)?,
                _ => outputs.pop().expect("one direction"),
            };
            layer_input = if layer + 1 < cfg.num_layers {
                self.dropout.forward(&out)?
            } else {
                out
            };
        }
        let output = if !batched {
            layer_input.try_squeeze(1)?
        } else if cfg.batch_first {
            layer_input.try_transpose(0, 1)?
        } else {
            layer_input
        };
        let stack = |states: Vec<Tensor<T>>| -> Result<Tensor<T>> {
            let refs: Vec<&Tensor<T>> = states.iter().collect();
            let s = Tensor::try_stack(&refs, 0)?;
            Ok(if batched { s } else { s.try_squeeze(1)? })
        };
        let state = RecurrentState {
            h: stack(h_n)?,
            c: if self.kind.has_cell_state() {
                Some(stack(c_n)?)
            } else {
                None
            },
        };
        Ok((output, state))
    }

    fn input_shape_error(&self, x: &Tensor<T>) -> NnError {
        let layout = if self.config.batch_first {
            "[batch, seq, input_size]"
        } else {
            "[seq, batch, input_size]"
        };
        self.shape_error(format!(
            "expected input {layout} or unbatched [seq, input_size] with input_size = {}, got {:?}",
            self.config.input_size,
            x.shape()
        ))
    }

    /// Per time step, `None` when every sequence is still running, else a `[batch, 1]`
    /// mask with 1 for the sequences that are.
    fn step_masks(
        &self,
        lengths: Option<&[usize]>,
        steps: usize,
        batch: usize,
        batched: bool,
    ) -> Result<Vec<Option<Tensor<T>>>> {
        let Some(lengths) = lengths else {
            return Ok(vec![None; steps]);
        };
        if !batched {
            return Err(self.shape_error(
                "lengths need a batched input [seq, batch, input_size], got an unbatched one"
                    .into(),
            ));
        }
        if lengths.len() != batch {
            return Err(self.shape_error(format!(
                "lengths has {} entries for a batch of {batch}",
                lengths.len()
            )));
        }
        if let Some((i, &len)) = lengths
            .iter()
            .enumerate()
            .find(|&(_, &len)| len == 0 || len > steps)
        {
            return Err(NnError::InvalidArgument(format!(
                "{}: lengths[{i}] = {len} is outside 1..={steps} (the sequence length of the input)",
                self.describe()
            )));
        }
        (0..steps)
            .map(|t| {
                if lengths.iter().all(|&len| len > t) {
                    return Ok(None);
                }
                let mask = lengths
                    .iter()
                    .map(|&len| if t < len { T::one() } else { T::zero() })
                    .collect();
                Ok(Some(Tensor::from_vec(mask, &[batch, 1])?))
            })
            .collect()
    }

    /// `h_0` (and `c_0`) split per (layer, direction) into `[batch, hidden]` tensors;
    /// zeros when no state is given.
    fn initial_states(
        &self,
        state: Option<&RecurrentState<T>>,
        batch: usize,
        batched: bool,
    ) -> Result<InitialStates<T>> {
        let n = self.cells.len();
        let hidden = self.config.hidden_size;
        let lstm = self.kind.has_cell_state();
        let Some(state) = state else {
            let zeros = vec![Tensor::zeros(&[batch, hidden]); n];
            let c = if lstm { zeros.clone() } else { Vec::new() };
            return Ok((zeros, c));
        };
        let expected: Vec<usize> = if batched {
            vec![n, batch, hidden]
        } else {
            vec![n, hidden]
        };
        let split = |name: &str, t: &Tensor<T>| -> Result<Vec<Tensor<T>>> {
            if t.shape() != expected.as_slice() {
                return Err(self.shape_error(format!(
                    "expected {name} of shape {expected:?} ([num_layers·num_directions, {}hidden_size]), got {:?}",
                    if batched { "batch, " } else { "" },
                    t.shape()
                )));
            }
            let t = if batched {
                t.clone()
            } else {
                t.try_unsqueeze(1)?
            };
            (0..n)
                .map(|i| Ok(t.try_narrow(0, i, 1)?.try_squeeze(0)?))
                .collect()
        };
        let h = split("h_0", &state.h)?;
        let c = match (lstm, &state.c) {
            (true, Some(c)) => split("c_0", c)?,
            (false, None) => Vec::new(),
            (true, None) => {
                return Err(self.shape_error("the LSTM needs both h_0 and c_0, got no c_0".into()))
            }
            (false, Some(_)) => {
                return Err(self.shape_error(format!(
                    "{} has no cell state, but a c_0 was given",
                    self.kind.name()
                )))
            }
        };
        Ok((h, c))
    }

    /// One direction of one layer over the whole sequence.
    fn run_direction(
        &self,
        idx: usize,
        reverse: bool,
        input: &Tensor<T>,
        h0: Tensor<T>,
        c0: Option<Tensor<T>>,
        masks: &[Option<Tensor<T>>],
    ) -> Result<DirectionResult<T>> {
        let p = &self.cells[idx];
        let (steps, batch) = (input.shape()[0], input.shape()[1]);
        let hidden = self.config.hidden_size;
        // The input projection is one product per step, of a [batch, input] slice of the
        // input, rather than one product for all steps sliced afterwards: the gradient
        // of a slice is dense (the slice padded with zeros to the full extent), so
        // slicing a [seq·batch, gates·hidden] projection costs O(seq²·batch·gates·hidden)
        // in the backward, against O(seq²·batch·input) here.
        let x2 = input.try_reshape(&[steps * batch, input.shape()[2]])?;
        let weights = HiddenWeights {
            w_hh: &p.w_hh,
            b_hh: p.b_hh.as_ref(),
        };
        let zero = Tensor::zeros(&[1]);
        let (mut h, mut c) = (h0, c0);
        let mut outputs: Vec<Option<Tensor<T>>> = vec![None; steps];
        let order: Vec<usize> = if reverse {
            (0..steps).rev().collect()
        } else {
            (0..steps).collect()
        };
        for t in order {
            let xp_t = x2
                .try_narrow(0, t * batch, batch)?
                .try_linear(&p.w_ih, p.b_ih.as_ref())?;
            let (h_new, c_new) = step(self.kind, &xp_t, &h, c.as_ref(), &weights)?;
            match &masks[t] {
                None => {
                    outputs[t] = Some(h_new.clone());
                    h = h_new;
                    c = c_new;
                }
                // Finished sequences keep their state and output zeros; a reverse pass
                // keeps its initial state until it reaches the sequence's last step.
                Some(mask) => {
                    outputs[t] = Some(Tensor::try_where_(mask, &h_new, &zero)?);
                    h = Tensor::try_where_(mask, &h_new, &h)?;
                    c = match (c_new, c) {
                        (Some(new), Some(old)) => Some(Tensor::try_where_(mask, &new, &old)?),
                        _ => None,
                    };
                }
            }
        }
        let outputs: Vec<Tensor<T>> = outputs.into_iter().flatten().collect();
        let output = if outputs.is_empty() {
            Tensor::zeros(&[0, batch, hidden])
        } else {
            let refs: Vec<&Tensor<T>> = outputs.iter().collect();
            Tensor::try_concat(&refs, 0)?.try_reshape(&[steps, batch, hidden])?
        };
        Ok((output, h, c))
    }

    /// PyTorch's parameter names and order.
    pub(crate) fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        let dirs = self.config.num_directions();
        let mut named = Vec::with_capacity(4 * self.cells.len());
        for (idx, p) in self.cells.iter().enumerate() {
            let (layer, dir) = (idx / dirs, idx % dirs);
            let suffix = format!("l{layer}{}", if dir == 1 { "_reverse" } else { "" });
            named.push((format!("weight_ih_{suffix}"), p.w_ih.clone()));
            named.push((format!("weight_hh_{suffix}"), p.w_hh.clone()));
            if let (Some(b_ih), Some(b_hh)) = (&p.b_ih, &p.b_hh) {
                named.push((format!("bias_ih_{suffix}"), b_ih.clone()));
                named.push((format!("bias_hh_{suffix}"), b_hh.clone()));
            }
        }
        named
    }

    /// Replaces the parameters, in `named_parameters` order, by the given tensors
    /// themselves (not copies), so that tests can differentiate with respect to them.
    #[cfg(test)]
    pub(crate) fn set_parameters(&mut self, values: &[Tensor<T>]) {
        let mut it = values.iter().cloned();
        let mut next = || it.next().expect("one tensor per parameter");
        for p in &mut self.cells {
            p.w_ih = next();
            p.w_hh = next();
            if p.b_ih.is_some() {
                p.b_ih = Some(next());
                p.b_hh = Some(next());
            }
        }
    }

    pub(crate) fn train(&mut self, mode: bool) {
        self.training = mode;
        self.dropout.train(mode);
    }

    pub(crate) fn is_training(&self) -> bool {
        self.training
    }

    /// PyTorch's `repr`, e.g. `LSTM(8, 16, num_layers=2, batch_first=True)`.
    pub(crate) fn describe(&self) -> String {
        let c = &self.config;
        let mut s = format!("{}({}, {}", self.kind.name(), c.input_size, c.hidden_size);
        if self.kind == CellKind::RnnRelu {
            s.push_str(", nonlinearity='relu'");
        }
        if c.num_layers != 1 {
            s.push_str(&format!(", num_layers={}", c.num_layers));
        }
        if !c.bias {
            s.push_str(", bias=False");
        }
        if c.batch_first {
            s.push_str(", batch_first=True");
        }
        if c.dropout != 0.0 {
            s.push_str(&format!(", dropout={}", c.dropout));
        }
        if c.bidirectional {
            s.push_str(", bidirectional=True");
        }
        s.push(')');
        s
    }
}

/// Implements the shared inherent methods and [`Module`] for a public recurrent layer
/// type `$name<T>` with a field `core: RecurrentCore<T>`.
macro_rules! recurrent_layer {
    ($name:ident) => {
        impl<T: myelin_tensor::Element> $name<T> {
            /// Runs the layer from the initial `state` (zeros when `None`) over sequences of
            /// the given `lengths` (all full length when `None`), and returns the output
            /// and the final state.
            ///
            /// - `x`: `[seq, batch, input_size]`, or `[batch, seq, input_size]` with
            ///   `batch_first`, or an unbatched `[seq, input_size]`.
            /// - output: `[seq, batch, num_directions · hidden_size]` (batch first when
            ///   `batch_first`; `[seq, num_directions · hidden_size]` when unbatched);
            ///   the two directions are concatenated, forward first.
            /// - state: `h` (and `c` for the LSTM), `[num_layers · num_directions, batch,
            ///   hidden_size]`.
            /// - `lengths[b]` (each `1..=seq`) is sequence `b`'s true length, PyTorch's
            ///   `pack_padded_sequence(x, lengths, enforce_sorted=False)` followed by
            ///   `pad_packed_sequence(…, total_length=seq)`: outputs past a sequence's end
            ///   are zero, its final state is the state at its last valid step, and the
            ///   reverse direction starts at its last valid step. Padding values never
            ///   reach the outputs or the gradients.
            ///
            /// # Errors
            /// [`crate::NnError::Shape`] naming the layer and the shapes when `x`, the
            /// state or `lengths` do not fit; [`crate::NnError::InvalidArgument`] for a
            /// length of 0 or beyond the sequence.
            pub fn forward_with(
                &self,
                x: &myelin_tensor::Tensor<T>,
                state: Option<&super::RecurrentState<T>>,
                lengths: Option<&[usize]>,
            ) -> crate::error::Result<(myelin_tensor::Tensor<T>, super::RecurrentState<T>)> {
                self.core.forward_with(x, state, lengths)
            }

            /// The hyper-parameters.
            pub fn config(&self) -> &super::RecurrentConfig {
                self.core.config()
            }
        }

        impl<T: myelin_tensor::Element> crate::module::Module<T> for $name<T> {
            /// The output sequence from zero initial states (see `forward_with` for the
            /// final states, initial states and lengths).
            fn forward(
                &self,
                x: &myelin_tensor::Tensor<T>,
            ) -> crate::error::Result<myelin_tensor::Tensor<T>> {
                Ok(self.core.forward_with(x, None, None)?.0)
            }

            fn named_parameters(&self) -> Vec<(String, myelin_tensor::Tensor<T>)> {
                self.core.named_parameters()
            }

            fn train(&mut self, mode: bool) {
                self.core.train(mode);
            }

            fn is_training(&self) -> bool {
                self.core.is_training()
            }

            fn describe(&self) -> String {
                self.core.describe()
            }
        }
    };
}
pub(crate) use recurrent_layer;
