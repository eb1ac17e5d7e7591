//! Loss values against hand-computed numbers, stability, reductions and errors.

use myelin_nn::loss::*;
use myelin_nn::NnError;
use myelin_tensor::Tensor;

fn t(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), shape).unwrap()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12 * b.abs().max(1.0), "{a} vs {b}");
}

#[test]
fn cross_entropy_matches_hand_values() {
    let logits = t(&[1.0, 2.0, 3.0], &[1, 3]);
    // log(e + e² + e³) − 3.
    close(
        cross_entropy(&logits, &[2], Reduction::Mean)
            .unwrap()
            .item()
            .unwrap(),
        0.40760596444438,
    );
    close(
        cross_entropy(&logits, &[0], Reduction::Mean)
            .unwrap()
            .item()
            .unwrap(),
        2.40760596444438,
    );
    let batch = t(&[1.0, 2.0, 3.0, 0.0, 0.0, 0.0], &[2, 3]);
    let none = cross_entropy(&batch, &[2, 1], Reduction::None)
        .unwrap()
        .to_vec();
    close(none[0], 0.40760596444438);
    close(none[1], 3f64.ln());
    let sum = cross_entropy(&batch, &[2, 1], Reduction::Sum)
        .unwrap()
        .item()
        .unwrap();
    close(sum, 0.40760596444438 + 3f64.ln());
    let mean = cross_entropy(&batch, &[2, 1], Reduction::Mean)
        .unwrap()
        .item()
        .unwrap();
    close(mean, sum / 2.0);
}

#[test]
fn label_smoothing_follows_pytorch() {
    let logits = t(&[1.0, 2.0, 3.0], &[1, 3]);
    let eps = 0.1;
    // (1 − ε)·nll + ε·(lse − mean logit) with lse = 3.40760596444438, mean 2.
    let expected = 0.9 * 0.40760596444438 + 0.1 * 1.40760596444438;
    let got = cross_entropy_smoothed(&logits, &[2], eps, Reduction::Mean)
        .unwrap()
        .item()
        .unwrap();
    close(got, expected);
    // Same as a probability target (1 − ε)·onehot + ε/C.
    let target = t(&[eps / 3.0, eps / 3.0, 1.0 - eps + eps / 3.0], &[1, 3]);
    let via_probs = cross_entropy_probs(&logits, &target, 0.0, Reduction::Mean)
        .unwrap()
        .item()
        .unwrap();
    close(via_probs, expected);
    let onehot = t(&[0.0, 0.0, 1.0], &[1, 3]);
    let smoothed_probs = cross_entropy_probs(&logits, &onehot, eps, Reduction::Mean)
        .unwrap()
        .item()
        .unwrap();
    close(smoothed_probs, expected);
    assert!(cross_entropy_smoothed(&logits, &[2], 1.5, Reduction::Mean).is_err());
}

#[test]
fn cross_entropy_is_stable_for_huge_logits() {
    let logits = t(&[1e4, 0.0, -1e4, -1e4, 1e4, 0.0], &[2, 3]);
    let l = cross_entropy(&logits, &[1, 1], Reduction::None)
        .unwrap()
        .to_vec();
    close(l[0], 1e4);
    close(l[1], 0.0);
    let x32 = Tensor::<f32>::from_vec(vec![1e4, 0.0, -1e4], &[1, 3])
        .unwrap()
        .requires_grad_(true);
    let l32 = cross_entropy(&x32, &[2], Reduction::Mean).unwrap();
    assert_eq!(l32.item().unwrap(), 2e4);
    l32.backward().unwrap();
    let g = x32.grad().unwrap().to_vec();
    assert_eq!(g, vec![1.0, 0.0, -1.0]);
}

#[test]
fn cross_entropy_gradient_is_softmax_minus_onehot() {
    let x = t(&[0.5, -1.0, 2.0, 0.1, 0.2, 0.3], &[2, 3]).requires_grad_(true);
    cross_entropy(&x, &[0, 2], Reduction::Mean)
        .unwrap()
        .backward()
        .unwrap();
    let g = x.grad().unwrap().to_vec();
    let v = x.to_vec();
    for row in 0..2 {
        let z: f64 = v[row * 3..row * 3 + 3].iter().map(|a| a.exp()).sum();
        let label = [0, 2][row];
        for c in 0..3 {
            let p = v[row * 3 + c].exp() / z;
            let expected = (p - if c == label { 1.0 } else { 0.0 }) / 2.0;
            assert!((g[row * 3 + c] - expected).abs() < 1e-14);
        }
    }
}

#[test]
fn classification_errors_name_the_problem() {
    let logits = t(&[0.0; 6], &[2, 3]);
    let err = cross_entropy(&logits, &[0, 5], Reduction::Mean).unwrap_err();
    match &err {
        NnError::InvalidLabel {
            label,
            position,
            classes,
            ..
        } => {
            assert_eq!((*label, *position, *classes), (5, 1, 3));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("label 5 at position 1"), "{err}");
    assert!(err.to_string().contains("cross_entropy"), "{err}");
    let err = cross_entropy(&logits, &[0], Reduction::Mean).unwrap_err();
    assert!(
        matches!(err, NnError::Shape { .. }) && err.to_string().contains("[2, 3]"),
        "{err}"
    );
    // An unbatched [C] input takes one label, as in PyTorch.
    let one = cross_entropy(&t(&[0.0; 3], &[3]), &[0], Reduction::Mean).unwrap();
    assert!((one.item().unwrap() - 3f64.ln()).abs() < 1e-12);
    assert!(nll_loss(&logits, &[3, 0], Reduction::Mean).is_err());
    let empty = Tensor::<f64>::zeros(&[0, 3]);
    let err = cross_entropy(&empty, &[], Reduction::Mean).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(
        cross_entropy(&empty, &[], Reduction::Sum)
            .unwrap()
            .item()
            .unwrap(),
        0.0
    );
    assert!(cross_entropy_probs(&logits, &t(&[0.0; 3], &[1, 3]), 0.0, Reduction::Mean).is_err());
}

#[test]
fn nll_loss_picks_negative_log_probabilities() {
    let lp = t(&[-0.1, -2.0, -3.0, -0.5], &[2, 2]);
    assert_eq!(
        nll_loss(&lp, &[1, 0], Reduction::None).unwrap().to_vec(),
        vec![2.0, 3.0]
    );
    close(
        nll_loss(&lp, &[1, 0], Reduction::Mean)
            .unwrap()
            .item()
            .unwrap(),
        2.5,
    );
}

#[test]
fn regression_losses_match_hand_values() {
    let x = t(&[0.5, -2.0, 3.0, 1.0], &[2, 2]);
    let y = t(&[0.0, 0.0, 1.0, 1.0], &[2, 2]);
    // Differences 0.5, −2, 2, 0.
    close(
        mse_loss(&x, &y, Reduction::Mean).unwrap().item().unwrap(),
        (0.25 + 4.0 + 4.0) / 4.0,
    );
    close(
        mse_loss(&x, &y, Reduction::Sum).unwrap().item().unwrap(),
        8.25,
    );
    close(
        l1_loss(&x, &y, Reduction::Mean).unwrap().item().unwrap(),
        4.5 / 4.0,
    );
    assert_eq!(
        huber_loss(&x, &y, 1.0, Reduction::None).unwrap().to_vec(),
        vec![0.125, 1.5, 1.5, 0.0]
    );
    assert_eq!(
        huber_loss(&x, &y, 2.5, Reduction::None).unwrap().to_vec(),
        vec![0.125, 2.0, 2.0, 0.0]
    );
    assert_eq!(
        smooth_l1_loss(&x, &y, 1.0, Reduction::None)
            .unwrap()
            .to_vec(),
        vec![0.125, 1.5, 1.5, 0.0]
    );
    let s = smooth_l1_loss(&x, &y, 4.0, Reduction::None)
        .unwrap()
        .to_vec();
    assert_eq!(s, vec![0.25 / 8.0, 0.5, 0.5, 0.0]);
    // smooth_l1(β) = huber(δ = β)/β; β = 0 is L1.
    let h = huber_loss(&x, &y, 4.0, Reduction::Sum)
        .unwrap()
        .item()
        .unwrap();
    close(
        smooth_l1_loss(&x, &y, 4.0, Reduction::Sum)
            .unwrap()
            .item()
            .unwrap(),
        h / 4.0,
    );
    close(
        smooth_l1_loss(&x, &y, 0.0, Reduction::Sum)
            .unwrap()
            .item()
            .unwrap(),
        l1_loss(&x, &y, Reduction::Sum).unwrap().item().unwrap(),
    );
    assert!(huber_loss(&x, &y, 0.0, Reduction::Mean).is_err());
    assert!(smooth_l1_loss(&x, &y, -1.0, Reduction::Mean).is_err());
    let err = mse_loss(&x, &t(&[0.0; 4], &[4]), Reduction::Mean).unwrap_err();
    assert!(
        err.to_string().contains("mse_loss")
            && err.to_string().contains("[2, 2]")
            && err.to_string().contains("[4]"),
        "{err}"
    );
    let empty = Tensor::<f64>::zeros(&[0]);
    assert!(mse_loss(&empty, &empty, Reduction::Mean).is_err());
    assert_eq!(
        l1_loss(&empty, &empty, Reduction::Sum)
            .unwrap()
            .item()
            .unwrap(),
        0.0
    );
}

#[test]
fn binary_cross_entropy_with_logits_is_stable_and_correct() {
    let x = t(&[-3.0, -0.5, 0.0, 0.7, 4.0], &[5]);
    let y = t(&[0.0, 1.0, 0.3, 1.0, 0.0], &[5]);
    let got = binary_cross_entropy_with_logits(&x, &y, Reduction::None)
        .unwrap()
        .to_vec();
    for ((g, xi), yi) in got.iter().zip(x.to_vec()).zip(y.to_vec()) {
        let p = 1.0 / (1.0 + (-xi).exp());
        let naive = -(yi * p.ln() + (1.0 - yi) * (1.0 - p).ln());
        assert!((g - naive).abs() < 1e-12, "{xi}: {g} vs {naive}");
    }
    let big = t(&[1000.0, -1000.0, 1000.0, -1000.0], &[4]);
    let yb = t(&[1.0, 1.0, 0.0, 0.0], &[4]);
    assert_eq!(
        binary_cross_entropy_with_logits(&big, &yb, Reduction::None)
            .unwrap()
            .to_vec(),
        vec![0.0, 1000.0, 1000.0, 0.0]
    );
    // Gradient σ(x) − y, exact at x = 0.
    let x0 = t(&[0.0], &[1]).requires_grad_(true);
    binary_cross_entropy_with_logits(&x0, &t(&[1.0], &[1]), Reduction::Sum)
        .unwrap()
        .backward()
        .unwrap();
    assert_eq!(x0.grad().unwrap().to_vec(), vec![-0.5]);
    assert!(binary_cross_entropy_with_logits(&x, &t(&[0.0; 4], &[4]), Reduction::Mean).is_err());
}

#[test]
fn binary_cross_entropy_clamps_logs_like_pytorch() {
    let p = t(&[0.2, 0.9, 0.0, 1.0, 0.5], &[5]).requires_grad_(true);
    let y = t(&[0.0, 1.0, 1.0, 1.0, 0.25], &[5]);
    let l = binary_cross_entropy(&p, &y, Reduction::None).unwrap();
    let v = l.to_vec();
    close(v[0], -(0.8f64).ln());
    close(v[1], -(0.9f64).ln());
    assert_eq!(v[2], 100.0);
    assert_eq!(v[3], 0.0);
    close(v[4], 2f64.ln());
    l.sum().backward().unwrap();
    let g = p.grad().unwrap().to_vec();
    assert!(g.iter().all(|v| v.is_finite()), "{g:?}");
    close(g[0], 0.2 / (0.2 * 0.8));
    // (0 − 1)/max(0, eps) with PyTorch's eps, the f32 value of 1e-12.
    assert_eq!(g[2], -1.0 / f64::from(1e-12f32));
    for bad in [-0.1, 1.1, f64::NAN] {
        let err = binary_cross_entropy(
            &t(&[0.5, bad], &[2]),
            &t(&[0.0, 0.0], &[2]),
            Reduction::Mean,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("between 0 and 1") && err.to_string().contains("element 1"),
            "{err}"
        );
    }
}
