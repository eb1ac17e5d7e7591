//! Everyday conveniences: Display/Debug, scalar operators, rounding, sorting, mask
//! selection, range indexing and gradcheck over captured parameters.

#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads better in the gradcheck calls

mod common;
use common::*;

use myelin_tensor::{gradcheck, gradcheck_params, gradgradcheck_params, GradCheckOptions, Tensor};

// ----- Display against PyTorch's own printing --------------------------------------------

#[test]
fn display_matches_pytorch_str() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/display.json"
    ))
    .unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 19);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let shape: Vec<usize> = case["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let values: Vec<f64> = case["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v.as_f64()
                    .unwrap_or_else(|| v.as_str().unwrap().parse().unwrap())
            })
            .collect();
        let requires_grad = case["requires_grad"].as_bool().unwrap();
        let expected = case["str"].as_str().unwrap();
        let got = match case["dtype"].as_str().unwrap() {
            "float32" => {
                Tensor::<f32>::from_vec(values.iter().map(|&v| v as f32).collect(), &shape)
                    .unwrap()
                    .requires_grad_(requires_grad)
                    .to_string()
            }
            _ => Tensor::<f64>::from_vec(values, &shape)
                .unwrap()
                .requires_grad_(requires_grad)
                .to_string(),
        };
        assert_eq!(got, expected, "case {name}");
    }
}

#[test]
fn display_of_a_recorded_result_names_its_backward() {
    let x = Tensor::<f32>::from_vec(vec![1.0, 2.0], &[2])
        .unwrap()
        .requires_grad_(true);
    assert_eq!(
        (&x * 3.0).to_string(),
        "tensor([3., 6.], grad_fn=<MulScalarBackward>)"
    );
    assert_eq!(
        (&x + &x).to_string(),
        "tensor([2., 4.], grad_fn=<AddBackward>)"
    );
}

#[test]
fn debug_shows_shape_dtype_and_grad_state() {
    let x = Tensor::<f64>::from_vec(vec![1.0, 2.5], &[2, 1])
        .unwrap()
        .requires_grad_(true);
    let y = (&x * &x).sum();
    y.backward().unwrap();
    assert_eq!(
        format!("{x:?}"),
        "Tensor { shape: [2, 1], dtype: F64, requires_grad: true, grad_fn: None, grad: Some([2, 1]), data: [1.0, 2.5] }"
    );
    let dbg = format!("{y:?}");
    assert!(
        dbg.contains("grad_fn: Some(\"sum\")") && dbg.contains("shape: []"),
        "{dbg}"
    );
    let big = format!("{:?}", Tensor::<f32>::zeros(&[20]));
    assert!(
        big.ends_with("0.0, …] }") && big.contains("dtype: F32"),
        "{big}"
    );
}

// ----- scalar operators ----------------------------------------------------------------

#[test]
fn scalar_operators_on_both_sides_for_both_element_types() {
    let t = Tensor::<f32>::from_vec(vec![1.0, 2.0, 4.0], &[3]).unwrap();
    assert_eq!((2.0 * &t).to_vec(), vec![2.0, 4.0, 8.0]);
    assert_eq!((&t * 2.0).to_vec(), vec![2.0, 4.0, 8.0]);
    assert_eq!((&t + 1.0).to_vec(), vec![2.0, 3.0, 5.0]);
    assert_eq!((1.0 + &t).to_vec(), vec![2.0, 3.0, 5.0]);
    assert_eq!((&t - 0.5).to_vec(), vec![0.5, 1.5, 3.5]);
    assert_eq!((10.0 - &t).to_vec(), vec![9.0, 8.0, 6.0]);
    assert_eq!((&t / 2.0).to_vec(), vec![0.5, 1.0, 2.0]);
    assert_eq!((8.0 / t.clone()).to_vec(), vec![8.0, 4.0, 2.0]);
    let d = Tensor::<f64>::from_vec(vec![-2.0, 0.5], &[2]).unwrap();
    assert_eq!((3.0 * d.clone()).to_vec(), vec![-6.0, 1.5]);
    assert_eq!((1.0 / &d).to_vec(), vec![-0.5, 2.0]);
    let s = 0.25f32;
    assert_eq!((&t * f64::from(s)).to_vec(), vec![0.25, 0.5, 1.0]);
}

#[test]
fn scalar_operators_gradcheck() {
    let x = uleaf(&[2, 3], 0.5, 2.0, 1);
    gc("2*x", |v| Ok(2.0 * &v[0]), &[x.clone()]);
    gc("1-x", |v| Ok(1.0 - &v[0]), &[x.clone()]);
    gc("3/x", |v| Ok(3.0 / &v[0]), &[x.clone()]);
    gc("x/4+1", |v| Ok(&v[0] / 4.0 + 1.0), &[x.clone()]);
    ggc("3/x", |v| Ok(3.0 / &v[0]), &[x.clone()]);
    // Non-contiguous input.
    let xt = uleaf(&[3, 2], 0.5, 2.0, 2);
    gc("2/xT", |v| Ok(2.0 / v[0].t()), &[xt]);
}

// ----- rounding -------------------------------------------------------------------------

#[test]
fn rounding_values_follow_pytorch() {
    let x = Tensor::<f64>::from_vec(
        vec![-2.5, -1.5, -0.4, 0.5, 1.5, 2.5, 2.7, -2.7, f64::NAN],
        &[9],
    )
    .unwrap();
    let r = x.round().to_vec();
    assert_eq!(&r[..8], &[-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 3.0, -3.0]);
    assert!(r[8].is_nan());
    assert_eq!(
        &x.floor().to_vec()[..8],
        &[-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 2.0, -3.0]
    );
    assert_eq!(
        &x.ceil().to_vec()[..8],
        &[-2.0, -1.0, -0.0, 1.0, 2.0, 3.0, 3.0, -2.0]
    );
    let s = Tensor::<f32>::from_vec(vec![-3.0, 0.0, 2.0], &[3])
        .unwrap()
        .sign();
    assert_eq!(s.to_vec(), vec![-1.0, 0.0, 1.0]);
}

#[test]
fn rounding_gradients_are_zero() {
    // Away from the jumps the finite differences are 0 too, so gradcheck applies.
    let x = Tensor::<f64>::from_vec(vec![0.2, 1.3, -2.6, 3.9], &[2, 2])
        .unwrap()
        .requires_grad_(true);
    for (name, f) in [
        ("floor", Tensor::floor as fn(&Tensor<f64>) -> Tensor<f64>),
        ("ceil", Tensor::ceil),
        ("round", Tensor::round),
        ("sign", Tensor::sign),
    ] {
        gc(name, |v| Ok(f(&v[0]) * &v[0]), &[x.clone()]);
        ggc(name, |v| Ok(f(&v[0]) * &v[0] * &v[0]), &[x.clone()]);
        x.zero_grad();
        f(&x).sum().backward().unwrap();
        assert_eq!(x.grad().unwrap().to_vec(), vec![0.0; 4], "{name}");
    }
}

// ----- sort, argsort, topk ----------------------------------------------------------------

#[test]
fn sort_argsort_topk_values_and_indices() {
    let x = Tensor::<f64>::from_vec(vec![3.0, 1.0, f64::NAN, 1.0, 0.0, 5.0], &[2, 3]).unwrap();
    let (v, i) = x.sort(1, false);
    let v = v.to_vec();
    assert_eq!(&v[..2], &[1.0, 3.0]);
    assert!(v[2].is_nan()); // NaN sorts last ascending
    assert_eq!(&v[3..], &[0.0, 1.0, 5.0]);
    assert_eq!(i, vec![1, 0, 2, 1, 0, 2]);
    // Along dim 0, descending.
    // (NaN counts as the largest value, so it comes first descending.)
    assert_eq!(x.argsort(0, true), vec![0, 0, 0, 1, 1, 1]);
    assert_eq!(x.argsort(0, false), vec![1, 1, 1, 0, 0, 0]);
    // Stable on ties.
    let ties = Tensor::<f32>::from_vec(vec![2.0, 1.0, 2.0, 1.0], &[4]).unwrap();
    assert_eq!(ties.argsort(0, false), vec![1, 3, 0, 2]);
    assert_eq!(ties.argsort(-1, true), vec![0, 2, 1, 3]);
    let (top, idx) = ties.topk(3, 0, true);
    assert_eq!((top.to_vec(), idx), (vec![2.0, 2.0, 1.0], vec![0, 2, 1]));
    let (low, idx) = ties.topk(1, 0, false);
    assert_eq!((low.to_vec(), idx), (vec![1.0], vec![1]));
    let err = ties.try_topk(5, 0, true).unwrap_err().to_string();
    assert!(
        err.contains("topk") && err.contains("k = 5") && err.contains("[4]"),
        "{err}"
    );
    let err = ties.try_sort(1, false).unwrap_err().to_string();
    assert!(err.contains("sort") && err.contains("dimension 1"), "{err}");
}

#[test]
fn topk_and_sort_values_are_differentiable() {
    let x = rleaf(&[3, 4], 7);
    gc("topk", |v| Ok(v[0].try_topk(2, 1, true)?.0), &[x.clone()]);
    gc("sort dim0", |v| Ok(v[0].try_sort(0, true)?.0), &[x.clone()]);
    ggc(
        "topk",
        |v| Ok(v[0].try_topk(2, 1, false)?.0.square()),
        &[x.clone()],
    );
    // Non-contiguous input and fan-out.
    gc(
        "topk of transpose",
        |v| Ok(&v[0].t().try_topk(2, 1, true)?.0 * 2.0 + v[0].t().sum()),
        &[x.clone()],
    );
    let (_, idx) = x.topk(1, 1, true);
    x.topk(1, 1, true).0.sum().backward().unwrap();
    let g = x.grad().unwrap().to_vec();
    for (row, &j) in idx.iter().enumerate() {
        for k in 0..4 {
            assert_eq!(g[row * 4 + k], if k == j { 1.0 } else { 0.0 });
        }
    }
}

// ----- masked_select --------------------------------------------------------------------------

#[test]
fn masked_select_values_broadcast_and_gradients() {
    let x = leaf(&[1.0, -2.0, 3.0, -4.0, 5.0, -6.0], &[2, 3]);
    assert_eq!(
        x.masked_select(&x.lt_scalar(0.0)).to_vec(),
        vec![-2.0, -4.0, -6.0]
    );
    // A row mask broadcast over the rows.
    let cols = Tensor::<f64>::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap();
    assert_eq!(x.masked_select(&cols).to_vec(), vec![1.0, 3.0, -4.0, -6.0]);
    // self broadcast against a bigger mask: entries repeat, gradients add up.
    let row = leaf(&[1.0, 2.0], &[2]);
    let mask = Tensor::<f64>::from_vec(vec![1.0, 1.0, 0.0, 1.0], &[2, 2]).unwrap();
    row.masked_select(&mask).sum().backward().unwrap();
    assert_eq!(row.grad().unwrap().to_vec(), vec![1.0, 2.0]);
    gc(
        "masked_select",
        |v| v[0].try_masked_select(&cols),
        &[x.clone()],
    );
    ggc(
        "masked_select",
        |v| Ok(v[0].try_masked_select(&cols)?.square()),
        &[x.clone()],
    );
    gc(
        "masked_select of transpose",
        |v| v[0].t().try_masked_select(&cols.reshape(&[3, 1])),
        &[x.clone()],
    );
    let empty = x.masked_select(&Tensor::zeros(&[2, 3]));
    assert_eq!(empty.shape(), &[0]);
    let err = x
        .try_masked_select(&Tensor::zeros(&[4]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("masked_select") && err.contains("[2, 3]") && err.contains("[4]"),
        "{err}"
    );
}

// ----- range indexing --------------------------------------------------------------------------

#[test]
fn range_indexing_values_shapes_and_errors() {
    let t = Tensor::<f64>::arange(0.0, 24.0, 1.0)
        .unwrap()
        .reshape(&[2, 3, 4]);
    assert_eq!(t.i(1).shape(), &[3, 4]);
    assert_eq!(
        t.i((.., 2)).to_vec(),
        vec![8.0, 9.0, 10.0, 11.0, 20.0, 21.0, 22.0, 23.0]
    );
    assert_eq!(t.i((0, 1..3, ..=1)).to_vec(), vec![4.0, 5.0, 8.0, 9.0]);
    assert_eq!(t.i((.., .., 3..)).shape(), &[2, 3, 1]);
    assert_eq!(t.i((1, 2, 3)).shape(), &[] as &[usize]);
    assert_eq!(t.i((.., 0..0)).shape(), &[2, 0, 4]);
    assert!(
        t.i((.., 1..3)).shares_storage_with(&t),
        "a range index is a view"
    );
    let err = t.try_i((.., 4)).unwrap_err().to_string();
    assert!(
        err.contains("index") && err.contains("dimension 1") && err.contains("size 3"),
        "{err}"
    );
    let err = t.try_i((0, 0, 0, 0)).unwrap_err().to_string();
    assert!(
        err.contains("4 index entries") && err.contains("[2, 3, 4]"),
        "{err}"
    );
    #[allow(clippy::reversed_empty_ranges)]
    let err = t.try_i(2..1).unwrap_err().to_string();
    assert!(err.contains("index 2"), "{err}");
}

#[test]
fn range_indexing_gradcheck() {
    let x = rleaf(&[3, 4], 3);
    gc("i((.., 1..3))", |v| Ok(v[0].i((.., 1..3))), &[x.clone()]);
    gc("i(1)", |v| Ok(v[0].i(1)), &[x.clone()]);
    gc("i((2, 3))", |v| Ok(v[0].i((2, 3))), &[x.clone()]);
    ggc(
        "i squared",
        |v| Ok(v[0].i((1.., ..2)).square()),
        &[x.clone()],
    );
    gc(
        "i of transpose + fan-out",
        |v| Ok(&v[0].t().i((1..3, 0)) * &v[0].i((0, 1..3))),
        &[x.clone()],
    );
}

// ----- gradcheck over captured parameters ---------------------------------------------------

#[test]
fn gradcheck_params_perturbs_captured_parameters() {
    let w = rleaf(&[3, 2], 11);
    let b = rleaf(&[3], 12);
    let x = Tensor::<f64>::randn_seeded(&[4, 2], 13);
    let model = || -> myelin_tensor::Result<Tensor<f64>> {
        Ok(x.try_linear(&w, Some(&b))?.tanh().square().sum())
    };
    let before = (w.to_vec(), b.to_vec());
    gradcheck_params(model, &[w.clone(), b.clone()], GradCheckOptions::default()).unwrap();
    gradgradcheck_params(model, &[w.clone(), b.clone()], GradCheckOptions::default()).unwrap();
    assert_eq!(
        (w.to_vec(), b.to_vec()),
        before,
        "parameters restored exactly"
    );

    // A wrong backward is still caught: a hook doubles w's gradient.
    let out = (x.matmul(&w.t()) * 1.0).sum();
    out.register_hook(|g| Some(g * 2.0));
    let err = gradcheck_params(
        || Ok::<_, myelin_tensor::TensorError>(out.clone()),
        &[w.clone()],
        GradCheckOptions::default(),
    );
    assert!(err.unwrap_err().to_string().contains("Jacobian mismatch"));
}

#[test]
fn gradcheck_on_a_capturing_closure_explains_the_contract() {
    let w = rleaf(&[2, 2], 21);
    let x = Tensor::<f64>::randn_seeded(&[2, 2], 22);
    let err = gradcheck(
        |_inputs| Ok(x.matmul(&w).sum()),
        &[w.clone()],
        GradCheckOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("ignores input 0") && err.contains("gradcheck_params"),
        "{err}"
    );
    let frozen = Tensor::<f64>::ones(&[2]);
    let err = gradcheck_params(
        || Ok::<_, myelin_tensor::TensorError>(frozen.sum()),
        &[frozen.clone()],
        GradCheckOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("parameter 0") && err.contains("does not require grad"),
        "{err}"
    );
}
