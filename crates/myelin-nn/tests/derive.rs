//! `#[derive(Module)]` and forward hooks.

use std::sync::{Arc, Mutex};

use myelin_nn::layers::{BatchNorm1d, Dropout, Linear};
use myelin_nn::module::{ForwardHooks, Hooked};
use myelin_nn::{Module, Result};
use myelin_tensor::{gradcheck_params, Element, GradCheckOptions, Tensor};

#[derive(Module)]
struct Block<T: Element> {
    fc: Linear<T>,
    norm: Option<BatchNorm1d<T>>,
    #[module(param)]
    gain: Tensor<T>,
    #[module(param)]
    shift: Option<Tensor<T>>,
    #[module(buffer)]
    calls: Tensor<T>,
    #[module(skip)]
    label: &'static str,
    hooks: ForwardHooks<T>,
}

impl<T: Element> Block<T> {
    fn new(width: usize, norm: bool, seed: u64) -> Result<Self> {
        Ok(Block {
            fc: Linear::new(width, width, true, seed)?,
            norm: if norm {
                Some(BatchNorm1d::new(width)?)
            } else {
                None
            },
            gain: Tensor::full(&[width], T::from_f64(0.5)).requires_grad_(true),
            shift: None,
            calls: Tensor::zeros(&[1]),
            label: "block",
            hooks: ForwardHooks::new(),
        })
    }
}

impl<T: Element> myelin_nn::module::Forward<T> for Block<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let mut h = self.fc.forward(x)?;
        if let Some(norm) = &self.norm {
            h = norm.forward(&h)?;
        }
        Ok(x + &h.tanh() * &self.gain)
    }
}

#[derive(Module)]
struct Encoder<T: Element> {
    encoder: Vec<Block<T>>,
    dropout: Dropout,
    head: Box<dyn Module<T>>,
}

impl<T: Element> myelin_nn::module::Forward<T> for Encoder<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let mut h = x.clone();
        for block in &self.encoder {
            h = block.forward(&h)?;
        }
        self.head.forward(&self.dropout.forward(&h)?)
    }
}

fn encoder<T: Element>() -> Encoder<T> {
    Encoder {
        encoder: vec![
            Block::new(3, false, 0).unwrap(),
            Block::new(3, true, 1).unwrap(),
        ],
        dropout: Dropout::new(0.5, 7).unwrap(),
        head: Box::new(Linear::new(3, 2, false, 2).unwrap()),
    }
}

/// A non-generic module with its own mode flag and a tuple-free layout.
#[derive(Module)]
#[module(element = "f64")]
struct Scale {
    #[module(param)]
    weights: Vec<Tensor<f64>>,
    #[module(training)]
    training: bool,
}

impl myelin_nn::module::Forward<f64> for Scale {
    fn forward(&self, x: &Tensor<f64>) -> Result<Tensor<f64>> {
        Ok(self.weights.iter().fold(x.clone(), |h, w| &h * w))
    }
}

/// A tuple struct: children are named `0`, `1`.
#[derive(Module)]
struct Pair<T: Element>(Linear<T>, Linear<T>);

impl<T: Element> myelin_nn::module::Forward<T> for Pair<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        self.1.forward(&self.0.forward(x)?)
    }
}

#[test]
fn names_follow_pytorch_dotted_paths_in_declaration_order() {
    let model = encoder::<f32>();
    let names: Vec<String> = model
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "encoder.0.fc.weight",
            "encoder.0.fc.bias",
            "encoder.0.gain",
            "encoder.1.fc.weight",
            "encoder.1.fc.bias",
            "encoder.1.norm.weight",
            "encoder.1.norm.bias",
            "encoder.1.gain",
            "head.weight",
        ]
    );
    let buffers: Vec<String> = model.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        buffers,
        [
            "encoder.0.calls",
            "encoder.1.norm.running_mean",
            "encoder.1.norm.running_var",
            "encoder.1.norm.num_batches_tracked",
            "encoder.1.calls",
        ]
        .iter()
        .filter(|n| !n.ends_with("num_batches_tracked")
            || model.encoder[1]
                .norm
                .as_ref()
                .unwrap()
                .named_buffers()
                .len()
                == 3)
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
    );
    assert_eq!(model.num_parameters(), 2 * (9 + 3 + 3) + 6 + 6);
    // The tensors are the module's own: updating one through the list updates the model.
    model.named_parameters()[2]
        .1
        .update_data(|w| w.fill(2.0))
        .unwrap();
    assert_eq!(model.encoder[0].gain.to_vec(), vec![2.0; 3]);
    let pair = Pair::<f64>(
        Linear::new(2, 3, true, 0).unwrap(),
        Linear::new(3, 1, true, 1).unwrap(),
    );
    let names: Vec<String> = pair
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["0.weight", "0.bias", "1.weight", "1.bias"]);
    assert_eq!(
        pair.forward(&Tensor::ones(&[4, 2])).unwrap().shape(),
        &[4, 1]
    );
    let scale = Scale {
        weights: vec![Tensor::ones(&[2]), Tensor::ones(&[2])],
        training: true,
    };
    let names: Vec<String> = scale
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["weights.0", "weights.1"]);
    let _ = model.encoder[0].label;
}

#[test]
fn train_and_eval_recurse_and_describe_reads_like_pytorch() {
    let mut model = encoder::<f32>();
    assert!(model.is_training());
    model.eval();
    assert!(!model.is_training());
    assert!(!model.dropout.is_training());
    assert!(!model.encoder[1].norm.as_ref().unwrap().is_training());
    assert!(!model.head.is_training());
    model.train(true);
    assert!(model.encoder[1].fc.is_training());
    let mut scale = Scale {
        weights: vec![],
        training: true,
    };
    scale.eval();
    assert!(!scale.is_training() && !scale.training);
    let text = model.describe();
    assert!(
        text.starts_with("Encoder((encoder.0): Block((fc): Linear(in_features=3, out_features=3, bias=true)), (encoder.1): Block((fc): Linear("),
        "{text}"
    );
    assert!(
        text.contains("(norm): BatchNorm1d(")
            && text.contains("(dropout): Dropout(")
            && text.ends_with("(head): Linear(in_features=3, out_features=2, bias=false))"),
        "{text}"
    );
}

#[test]
fn derived_forward_matches_the_hand_written_composition() {
    let mut model = encoder::<f64>();
    model.eval();
    let x = Tensor::<f64>::randn_seeded(&[5, 3], 3);
    let via_trait = Module::forward(&model, &x).unwrap();
    let mut h = x.clone();
    for b in &model.encoder {
        let mut z = b.fc.forward(&h).unwrap();
        if let Some(n) = &b.norm {
            z = n.forward(&z).unwrap();
        }
        h = &h + &z.tanh() * &b.gain;
    }
    let by_hand = model.head.forward(&h).unwrap();
    assert_eq!(via_trait.to_vec(), by_hand.to_vec());
    // And the gradient with respect to every parameter is right.
    let params = model.parameters();
    let loss = || -> Result<Tensor<f64>> { Ok(Module::forward(&model, &x)?.square().sum()) };
    gradcheck_params(loss, &params, GradCheckOptions::default()).unwrap();
}

#[test]
fn forward_hooks_see_input_and_output_replace_it_and_are_removable() {
    let mut model = encoder::<f64>();
    model.eval(); // no dropout
    let x = Tensor::<f64>::randn_seeded(&[2, 3], 4);
    let plain = Module::forward(&model, &x).unwrap().to_vec();
    type Seen = Vec<(String, Vec<usize>, f64)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let log = seen.clone();
    let first = model.encoder[1]
        .register_forward_hook(move |m, input, output| {
            log.lock().unwrap().push((
                m.describe()[..5].to_string(),
                input.shape().to_vec(),
                output.sum().item().unwrap(),
            ));
            None
        })
        .unwrap();
    // A second hook zeroes the block's output: the head then sees zeros.
    let zero = model.encoder[1]
        .register_forward_hook(|_, _, y| Some(y.zeros_like()))
        .unwrap();
    let hooked = Module::forward(&model, &x).unwrap();
    assert_eq!(hooked.to_vec(), vec![0.0; 4]);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            (seen[0].0.as_str(), seen[0].1.clone()),
            ("Block", vec![2, 3])
        );
        assert!(seen[0].2.abs() > 1e-6, "the first hook saw the real output");
    }
    zero.remove();
    assert_eq!(Module::forward(&model, &x).unwrap().to_vec(), plain);
    first.remove();
    Module::forward(&model, &x).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2, "removed hooks do not run");

    // Built-in layers take hooks when wrapped; without a slot the error says how.
    let err = Linear::<f32>::new(2, 2, true, 0)
        .unwrap()
        .register_forward_hook(|_, _, _| None)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("register_forward_hook")
            && err.contains("Linear(in_features=2")
            && err.contains("Hooked"),
        "{err}"
    );
    let wrapped = Hooked::new(Linear::<f32>::new(2, 2, true, 0).unwrap());
    let names: Vec<String> = wrapped
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["weight", "bias"], "wrapping keeps state_dict names");
    let h = wrapped
        .register_forward_hook(|_, x, _| Some(x.clone()))
        .unwrap();
    let x = Tensor::<f32>::from_vec(vec![3.0, -1.0], &[1, 2]).unwrap();
    assert_eq!(wrapped.forward(&x).unwrap().to_vec(), vec![3.0, -1.0]);
    h.remove();
    // Through a Box<dyn Module> too.
    let plain = wrapped.forward(&x).unwrap().to_vec();
    let boxed: Box<dyn Module<f32>> = Box::new(wrapped);
    let _kept = boxed
        .register_forward_hook_boxed(Box::new(|_, _, y| Some(y * 2.0)))
        .unwrap();
    let twice = boxed.forward(&x).unwrap().to_vec();
    assert_eq!(twice, plain.iter().map(|v| v * 2.0).collect::<Vec<_>>());
}
