//! Gradient clipping compared with `torch.nn.utils.clip_grad_norm_` /
//! `clip_grad_value_` and with hand-computed values.
//!
//! Reference snippet (PyTorch 2.x, float64 unless stated):
//!
//! ```python
//! a = torch.zeros(2, 2, requires_grad=True); a.grad = torch.tensor([[1.5, -2.0], [0.25, 3.0]])
//! b = torch.zeros(3, requires_grad=True);    b.grad = torch.tensor([-0.5, 4.0, 1.0])
//! c = torch.zeros(2, requires_grad=True)     # no grad
//! t = torch.nn.utils.clip_grad_norm_([a, b, c], max_norm=2.0, norm_type=nt)
//! print(t.item(), a.grad.flatten().tolist(), b.grad.tolist())
//! ```

use myelin_nn::clip::{clip_grad_norm, clip_grad_value};
use myelin_nn::NnError;
use myelin_tensor::{Element, Tensor};

fn params<T: Element>() -> Vec<Tensor<T>> {
    let f = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    let a = Tensor::<T>::zeros(&[2, 2]).requires_grad_(true);
    a.set_grad(Some(
        Tensor::from_vec(f(&[1.5, -2.0, 0.25, 3.0]), &[2, 2]).unwrap(),
    ));
    let b = Tensor::<T>::zeros(&[3]).requires_grad_(true);
    b.set_grad(Some(Tensor::from_vec(f(&[-0.5, 4.0, 1.0]), &[3]).unwrap()));
    let c = Tensor::<T>::zeros(&[2]).requires_grad_(true);
    vec![a, b, c]
}

fn grads(ps: &[Tensor<f64>]) -> Vec<f64> {
    ps.iter()
        .filter_map(|p| p.grad())
        .flat_map(|g| g.to_vec())
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "got {got:?}\nwant {want:?}");
    }
}

#[test]
fn two_norm_is_global_and_matches_torch() {
    let ps = params::<f64>();
    let total = clip_grad_norm(&ps, 2.0, 2.0, true).unwrap();
    // Hand check: sqrt(1.5² + 2² + 0.25² + 3² + 0.5² + 4² + 1²) = sqrt(32.5625).
    assert!((total - 32.5625f64.sqrt()).abs() < 1e-15);
    assert!((total - 5.706356105256663).abs() < 1e-12);
    let want = [
        0.5257294530754861,
        -0.7009726041006482,
        0.08762157551258103,
        1.0514589061509723,
        -0.17524315102516205,
        1.4019452082012964,
        0.3504863020503241,
    ];
    assert_close(&grads(&ps), &want, 1e-12);
    assert!(ps[2].grad().is_none());
    // The clipped global norm is max_norm (up to the 1e-6 guard).
    let after: f64 = grads(&ps).iter().map(|g| g * g).sum::<f64>().sqrt();
    assert!((after - 2.0).abs() < 1e-6);
}

#[test]
fn inf_one_and_three_norms_match_torch() {
    let cases: [(f64, f64, [f64; 7]); 3] = [
        (
            f64::INFINITY,
            4.0,
            [
                0.7499998125000469,
                -0.9999997500000625,
                0.12499996875000781,
                1.4999996250000938,
                -0.24999993750001562,
                1.999999500000125,
                0.49999987500003124,
            ],
        ),
        (
            1.0,
            12.25,
            [
                0.24489793919200498,
                -0.32653058558933995,
                0.040816323198667494,
                0.48979587838400995,
                -0.08163264639733499,
                0.6530611711786799,
                0.16326529279466998,
            ],
        ),
        (
            3.0,
            4.695357192776339,
            [
                0.6389288903699415,
                -0.8519051871599219,
                0.10648814839499024,
                1.277857780739883,
                -0.21297629678998048,
                1.7038103743198438,
                0.42595259357996096,
            ],
        ),
    ];
    for (norm_type, total_want, want) in cases {
        let ps = params::<f64>();
        let total = clip_grad_norm(&ps, 2.0, norm_type, false).unwrap();
        assert!((total - total_want).abs() < 1e-12, "p={norm_type}: {total}");
        assert_close(&grads(&ps), &want, 1e-12);
    }
}

#[test]
fn f32_gradients_match_torch() {
    // Same with dtype=torch.float32: total 5.706356048583984.
    let ps = params::<f32>();
    let total = clip_grad_norm(&ps, 2.0, 2.0, false).unwrap();
    assert!((total - 5.706356048583984).abs() < 1e-6);
    let got: Vec<f64> = ps
        .iter()
        .filter_map(|p| p.grad())
        .flat_map(|g| g.to_f64_vec())
        .collect();
    let want = [
        0.5257294774055481,
        -0.7009726166725159,
        0.08762157708406448,
        1.0514589548110962,
        -0.17524315416812897,
        1.4019452333450317,
        0.35048630833625793,
    ];
    assert_close(&got, &want, 1e-6);
}

#[test]
fn no_clipping_below_max_norm() {
    let ps = params::<f64>();
    let total = clip_grad_norm(&ps, 100.0, 2.0, true).unwrap();
    assert!((total - 5.706356105256663).abs() < 1e-12);
    assert_eq!(grads(&ps), vec![1.5, -2.0, 0.25, 3.0, -0.5, 4.0, 1.0]);
}

#[test]
fn no_gradients_gives_zero() {
    let w = Tensor::<f64>::zeros(&[3]).requires_grad_(true);
    assert_eq!(clip_grad_norm(&[w], 1.0, 2.0, true).unwrap(), 0.0);
    assert_eq!(clip_grad_norm::<f64>(&[], 1.0, 2.0, true).unwrap(), 0.0);
}

#[test]
fn huge_gradients_do_not_overflow_the_two_norm() {
    let w = Tensor::<f64>::zeros(&[2]).requires_grad_(true);
    w.set_grad(Some(Tensor::from_vec(vec![3e200, 4e200], &[2]).unwrap()));
    let total = clip_grad_norm(std::slice::from_ref(&w), 1.0, 2.0, true).unwrap();
    assert!((total / 5e200 - 1.0).abs() < 1e-14, "{total}");
    let g = w.grad().unwrap().to_vec();
    assert!((g[0] - 0.6).abs() < 1e-12 && (g[1] - 0.8).abs() < 1e-12);
    // Tiny ones do not underflow either.
    let w = Tensor::<f64>::zeros(&[2]).requires_grad_(true);
    w.set_grad(Some(Tensor::from_vec(vec![3e-200, 4e-200], &[2]).unwrap()));
    let total = clip_grad_norm(&[w], 1.0, 2.0, true).unwrap();
    assert!((total / 5e-200 - 1.0).abs() < 1e-14, "{total}");
}

#[test]
fn nan_gradient_errors_or_poisons_like_torch() {
    let ps = params::<f64>();
    ps[1]
        .grad()
        .unwrap()
        .update_data(|g| g[0] = f64::NAN)
        .unwrap();
    let err = clip_grad_norm(&ps, 1.0, 2.0, true).unwrap_err();
    assert!(matches!(err, NnError::NonFiniteGradNorm { norm, .. } if norm.is_nan()));
    assert_eq!(
        grads(&ps)[0],
        1.5,
        "an error must leave the gradients alone"
    );
    // torch (error_if_nonfinite=False): total nan, every gradient becomes nan.
    let total = clip_grad_norm(&ps, 1.0, 2.0, false).unwrap();
    assert!(total.is_nan());
    assert!(grads(&ps).iter().all(|g| g.is_nan()));
}

#[test]
fn inf_gradient_errors_or_zeroes_like_torch() {
    for norm_type in [2.0, f64::INFINITY] {
        let ps = params::<f64>();
        ps[1]
            .grad()
            .unwrap()
            .update_data(|g| g[0] = f64::INFINITY)
            .unwrap();
        let err = clip_grad_norm(&ps, 1.0, norm_type, true).unwrap_err();
        assert!(err.to_string().contains("non-finite"), "{err}");
        // torch: total inf; a.grad = [0, -0, 0, 0], b.grad = [nan, 0, 0].
        let total = clip_grad_norm(&ps, 1.0, norm_type, false).unwrap();
        assert_eq!(total, f64::INFINITY);
        let g = grads(&ps);
        assert_eq!(&g[..4], &[0.0, 0.0, 0.0, 0.0]);
        assert!(g[1].is_sign_negative());
        assert!(g[4].is_nan());
        assert_eq!(&g[5..], &[0.0, 0.0]);
    }
}

#[test]
fn invalid_arguments_are_errors() {
    let ps = params::<f64>();
    assert!(clip_grad_norm(&ps, f64::NAN, 2.0, false).is_err());
    assert!(clip_grad_norm(&ps, -1.0, 2.0, false).is_err());
    assert!(clip_grad_norm(&ps, 1.0, 0.0, false).is_err());
    assert!(clip_grad_norm(&ps, 1.0, f64::NAN, false).is_err());
    assert!(clip_grad_value(&ps, -1.0).is_err());
    assert!(clip_grad_value(&ps, f64::NAN).is_err());
    let w = Tensor::<f64>::zeros(&[2]).requires_grad_(true);
    w.set_grad(Some(Tensor::zeros(&[3])));
    assert!(clip_grad_norm(std::slice::from_ref(&w), 1.0, 2.0, false).is_err());
    assert!(clip_grad_value(&[w], 1.0).is_err());
    // Nothing was modified by the failed calls.
    assert_eq!(grads(&ps), vec![1.5, -2.0, 0.25, 3.0, -0.5, 4.0, 1.0]);
}

#[test]
fn clip_value_matches_torch() {
    // torch.nn.utils.clip_grad_value_([a, b, c], 1.0)
    let ps = params::<f64>();
    clip_grad_value(&ps, 1.0).unwrap();
    assert_eq!(grads(&ps), vec![1.0, -1.0, 0.25, 1.0, -0.5, 1.0, 1.0]);
    let w = Tensor::<f64>::zeros(&[3]).requires_grad_(true);
    w.set_grad(Some(
        Tensor::from_vec(vec![f64::NAN, f64::NEG_INFINITY, 0.5], &[3]).unwrap(),
    ));
    clip_grad_value(std::slice::from_ref(&w), 0.25).unwrap();
    let g = w.grad().unwrap().to_vec();
    assert!(g[0].is_nan());
    assert_eq!(&g[1..], &[-0.25, 0.25]);
}

#[test]
fn non_contiguous_gradients_are_clipped() {
    let w = Tensor::<f64>::zeros(&[2, 2]).requires_grad_(true);
    let g = Tensor::<f64>::from_vec(vec![3.0, 0.0, 4.0, 0.0], &[2, 2])
        .unwrap()
        .t();
    w.set_grad(Some(g));
    let total = clip_grad_norm(std::slice::from_ref(&w), 1.0, 2.0, false).unwrap();
    assert_eq!(total, 5.0);
    let got = w.grad().unwrap().to_vec();
    let s = 1.0 / (5.0 + 1e-6);
    assert_eq!(got, vec![3.0 * s, 4.0 * s, 0.0, 0.0]);
}
