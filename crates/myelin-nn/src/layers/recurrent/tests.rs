//! Gradient checks in f64: each cell alone (first and second order), and whole
//! two-layer bidirectional stacks with lengths and initial states, with respect to the
//! input, the initial states and every parameter.

use myelin_tensor::{gradcheck, gradgradcheck, GradCheckOptions, Tensor};

use super::cell::{step, CellKind, HiddenWeights};
use super::driver::RecurrentCore;
use super::{RecurrentConfig, RecurrentState};

const KINDS: [CellKind; 4] = [
    CellKind::RnnTanh,
    CellKind::RnnRelu,
    CellKind::Lstm,
    CellKind::Gru,
];

fn leaf(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::<f64>::randn_seeded(shape, seed)
        .mul_scalar(0.7)
        .requires_grad_(true)
}

/// `step` with every input as a gradcheck input; the output is h' (and c') flattened.
fn cell_fn(kind: CellKind) -> impl Fn(&[Tensor<f64>]) -> myelin_tensor::Result<Tensor<f64>> {
    move |xs: &[Tensor<f64>]| {
        let lstm = kind.has_cell_state();
        let (xp, h, w_hh, b_hh) = (&xs[0], &xs[1], &xs[2], &xs[3]);
        let c = lstm.then(|| &xs[4]);
        let w = HiddenWeights {
            w_hh,
            b_hh: Some(b_hh),
        };
        let (h_new, c_new) = step(kind, xp, h, c, &w).map_err(|e| match e {
            crate::NnError::Tensor(t) => t,
            other => panic!("{other}"),
        })?;
        match c_new {
            Some(c) => Tensor::try_concat(&[&h_new.flatten_all(), &c.flatten_all()], 0),
            None => Ok(h_new.flatten_all()),
        }
    }
}

fn cell_inputs(kind: CellKind) -> Vec<Tensor<f64>> {
    let (batch, hidden) = (2, 3);
    let g = kind.gates() * hidden;
    let mut xs = vec![
        leaf(&[batch, g], 1),
        leaf(&[batch, hidden], 2),
        leaf(&[g, hidden], 3),
        leaf(&[g], 4),
    ];
    if kind.has_cell_state() {
        xs.push(leaf(&[batch, hidden], 5));
    }
    xs
}

#[test]
fn every_cell_passes_gradcheck() {
    for kind in KINDS {
        gradcheck(
            cell_fn(kind),
            &cell_inputs(kind),
            GradCheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
}

#[test]
fn every_cell_passes_gradgradcheck() {
    for kind in KINDS {
        gradgradcheck(
            cell_fn(kind),
            &cell_inputs(kind),
            GradCheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
}

/// A 2-layer bidirectional batch-first stack whose parameters, input and initial states
/// are all gradcheck inputs; output, h_n and c_n flattened together.
#[allow(clippy::type_complexity)] // a gradcheck function and its inputs
fn stack_fn(
    kind: CellKind,
    lengths: Option<Vec<usize>>,
) -> (
    impl Fn(&[Tensor<f64>]) -> myelin_tensor::Result<Tensor<f64>>,
    Vec<Tensor<f64>>,
) {
    let config = RecurrentConfig::new(2, 2)
        .num_layers(2)
        .bidirectional(true)
        .batch_first(true);
    let (batch, seq, states) = (2, 3, 4);
    let core = RecurrentCore::<f64>::new(kind, config, 9).unwrap();
    let mut inputs: Vec<Tensor<f64>> = core
        .named_parameters()
        .into_iter()
        .map(|(_, p)| p.detach().requires_grad_(true))
        .collect();
    let n_params = inputs.len();
    inputs.push(leaf(&[batch, seq, 2], 11));
    inputs.push(leaf(&[states, batch, 2], 12));
    if kind.has_cell_state() {
        inputs.push(leaf(&[states, batch, 2], 13));
    }
    let f = move |xs: &[Tensor<f64>]| {
        let mut core = RecurrentCore::<f64>::new(kind, core.config().clone(), 9).unwrap();
        core.set_parameters(&xs[..n_params]);
        let state = RecurrentState {
            h: xs[n_params + 1].clone(),
            c: xs.get(n_params + 2).cloned(),
        };
        let (out, st) = core
            .forward_with(&xs[n_params], Some(&state), lengths.as_deref())
            .unwrap();
        let mut parts = vec![out.flatten_all(), st.h.flatten_all()];
        parts.extend(st.c.map(|c| c.flatten_all()));
        let refs: Vec<&Tensor<f64>> = parts.iter().collect();
        Tensor::try_concat(&refs, 0)
    };
    (f, inputs)
}

#[test]
fn two_layer_bidirectional_stacks_pass_gradcheck() {
    for kind in KINDS {
        for lengths in [None, Some(vec![1, 3])] {
            let (f, inputs) = stack_fn(kind, lengths.clone());
            gradcheck(f, &inputs, GradCheckOptions::default())
                .unwrap_or_else(|e| panic!("{kind:?}, lengths {lengths:?}: {e}"));
        }
    }
}

#[test]
fn lstm_stack_passes_gradgradcheck() {
    let (f, inputs) = stack_fn(CellKind::Lstm, Some(vec![2, 3]));
    gradgradcheck(f, &inputs, GradCheckOptions::default()).unwrap();
}
