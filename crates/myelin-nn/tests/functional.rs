//! `functional::normalize` and `functional::cosine_similarity`: PyTorch's values and
//! gradients (fixtures from `tools/fixtures/norms.py`), gradient checks of both orders,
//! broadcasting, zero vectors and errors.

use std::collections::HashMap;

use myelin_nn::functional::{cosine_similarity, normalize};
use myelin_nn::serialize::load;
use myelin_nn::NnError;
use myelin_tensor::{gradcheck, gradgradcheck, GradCheckOptions, Tensor, TensorError};

fn fixture() -> HashMap<String, Tensor<f64>> {
    load::<f64>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/norms.safetensors"
    ))
    .unwrap()
    .into_iter()
    .collect()
}

fn assert_close(what: &str, got: &Tensor<f64>, expected: &Tensor<f64>, rtol: f64) {
    assert_eq!(got.shape(), expected.shape(), "{what}: shape");
    for (i, (g, e)) in got.to_vec().iter().zip(expected.to_vec()).enumerate() {
        assert!(
            (g - e).abs() <= rtol * e.abs().max(1.0),
            "{what}[{i}]: got {g}, PyTorch {e}"
        );
    }
}

fn nn_err(e: NnError) -> TensorError {
    TensorError::GradCheck(e.to_string())
}

/// Runs `f` on the case's inputs and compares the output and the input gradients
/// (upstream gradient `<case>.gy`) with PyTorch's.
fn check_case(
    f: &HashMap<String, Tensor<f64>>,
    case: &str,
    n_inputs: usize,
    rtol: f64,
    op: impl Fn(&[Tensor<f64>]) -> myelin_nn::Result<Tensor<f64>>,
) {
    let inputs: Vec<Tensor<f64>> = (0..n_inputs)
        .map(|i| {
            let t = &f[&format!("{case}.x{i}")];
            Tensor::from_vec(t.to_vec(), t.shape())
                .unwrap()
                .requires_grad_(true)
        })
        .collect();
    let y = op(&inputs).unwrap();
    assert_close(&format!("{case}.y"), &y, &f[&format!("{case}.y")], 1e-10);
    y.try_mul(&f[&format!("{case}.gy")])
        .unwrap()
        .sum()
        .backward()
        .unwrap();
    for (i, x) in inputs.iter().enumerate() {
        let key = format!("{case}.gx{i}");
        assert_close(&key, &x.grad().unwrap(), &f[&key], rtol);
    }
}

#[test]
fn normalize_matches_pytorch_for_every_p_and_a_zero_row() {
    let f = fixture();
    for (tag, p) in [
        ("p2", 2.0),
        ("p1", 1.0),
        ("p3", 3.0),
        ("pinf", f64::INFINITY),
    ] {
        check_case(&f, &format!("normalize_{tag}"), 1, 1e-10, |xs| {
            normalize(&xs[0], p, 1, 1e-12)
        });
    }
    check_case(&f, "normalize_dim0", 1, 1e-10, |xs| {
        normalize(&xs[0], 2.0, 0, 1e-6)
    });
    check_case(&f, "normalize_last", 1, 1e-10, |xs| {
        normalize(&xs[0], 2.0, -1, 1e-12)
    });
}

#[test]
fn cosine_similarity_matches_pytorch_with_broadcasting_and_tiny_norms() {
    let f = fixture();
    check_case(&f, "cosine_broadcast", 2, 1e-10, |xs| {
        cosine_similarity(&xs[0], &xs[1], -1, 1e-8)
    });
    assert_eq!(
        cosine_similarity(
            &f["cosine_broadcast.x0"],
            &f["cosine_broadcast.x1"],
            -1,
            1e-8
        )
        .unwrap()
        .shape(),
        &[3, 5]
    );
    check_case(&f, "cosine_dim0", 2, 1e-10, |xs| {
        cosine_similarity(&xs[0], &xs[1], 0, 1e-8)
    });
    // Norms below eps: the clamp changes the value but not the gradient's path.
    // The gradients are ~1e8 here; compare relatively.
    check_case(&f, "cosine_small", 2, 1e-9, |xs| {
        cosine_similarity(&xs[0], &xs[1], 1, 1e-8)
    });
}

#[test]
fn gradients_of_first_and_second_order() {
    let x = Tensor::<f64>::randn_seeded(&[3, 4], 1).requires_grad_(true);
    let w = Tensor::<f64>::randn_seeded(&[3, 4], 2);
    for p in [2.0, 3.0, 1.5] {
        let f = |xs: &[Tensor<f64>]| normalize(&xs[0], p, 1, 1e-12).map_err(nn_err)?.try_mul(&w);
        gradcheck(f, std::slice::from_ref(&x), GradCheckOptions::default()).unwrap();
        gradgradcheck(f, std::slice::from_ref(&x), GradCheckOptions::default()).unwrap();
    }
    // Non-contiguous inputs, broadcasting (fan-out of x2 over the batch), both orders.
    let a = Tensor::<f64>::randn_seeded(&[4, 3], 3)
        .t()
        .requires_grad_(true);
    let b = Tensor::<f64>::randn_seeded(&[1, 4], 4).requires_grad_(true);
    assert!(!a.is_contiguous());
    let wc = Tensor::<f64>::randn_seeded(&[3], 5);
    let f = |xs: &[Tensor<f64>]| {
        cosine_similarity(&xs[0], &xs[1], 1, 1e-8)
            .map_err(nn_err)?
            .try_mul(&wc)
    };
    let inputs = [a, b];
    gradcheck(f, &inputs, GradCheckOptions::default()).unwrap();
    gradgradcheck(f, &inputs, GradCheckOptions::default()).unwrap();
}

#[test]
fn zero_vectors_give_zero_not_nan() {
    let x = Tensor::<f64>::zeros(&[2, 3]).requires_grad_(true);
    let y = normalize(&x, 2.0, 1, 1e-12).unwrap();
    assert_eq!(y.to_vec(), vec![0.0; 6]);
    y.try_mul(&Tensor::<f64>::randn_seeded(&[2, 3], 6))
        .unwrap()
        .sum()
        .backward()
        .unwrap();
    // d(x/eps)/dx = 1/eps: finite, as in PyTorch.
    assert!(x.grad().unwrap().to_vec().iter().all(|g| g.is_finite()));
    let a = Tensor::<f64>::zeros(&[3]).requires_grad_(true);
    let b = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
    let s = cosine_similarity(&a, &b, 0, 1e-8).unwrap();
    assert_eq!(s.item().unwrap(), 0.0);
    s.backward().unwrap();
    assert!(a.grad().unwrap().to_vec().iter().all(|g| g.is_finite()));
}

#[test]
fn bad_arguments_are_errors_naming_the_function() {
    let x = Tensor::<f64>::ones(&[2, 3]);
    let err = normalize(&x, 2.0, 2, 1e-12).unwrap_err().to_string();
    assert!(
        err.contains("normalize") && err.contains("dim 2") && err.contains("[2, 3]"),
        "{err}"
    );
    let err = normalize(&x, -1.0, 1, 1e-12).unwrap_err().to_string();
    assert!(err.contains("normalize") && err.contains("-1"), "{err}");
    let err = normalize(&x, 2.0, 1, -1.0).unwrap_err().to_string();
    assert!(err.contains("normalize") && err.contains("eps"), "{err}");
    let err = cosine_similarity(&x, &Tensor::ones(&[4, 3]), 1, 1e-8)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cosine_similarity") && err.contains("[2, 3]") && err.contains("[4, 3]"),
        "{err}"
    );
    let err = cosine_similarity(&x, &x, -3, 1e-8).unwrap_err().to_string();
    assert!(
        err.contains("cosine_similarity") && err.contains("dim -3"),
        "{err}"
    );
}
