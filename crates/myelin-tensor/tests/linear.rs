//! `linear` (x·Wᵀ + b as one op): values against matmul + add, gradients by gradcheck
//! (first and second order), batched inputs, and shape errors.

use myelin_tensor::{gradcheck, gradgradcheck, seeded_rng, GradCheckOptions, Tensor};

#[test]
fn linear_matches_matmul_plus_bias() {
    let mut rng = seeded_rng(11);
    let x = Tensor::<f64>::randn(&[5, 3], &mut rng);
    let w = Tensor::<f64>::randn(&[4, 3], &mut rng);
    let b = Tensor::<f64>::randn(&[4], &mut rng);
    let fused = x.linear(&w, Some(&b)).to_vec();
    let composed = (&x.matmul(&w.t()) + &b).to_vec();
    for (a, c) in fused.iter().zip(&composed) {
        assert!((a - c).abs() < 1e-12);
    }
    let no_bias = x.linear(&w, None).to_vec();
    for (a, c) in no_bias.iter().zip(x.matmul(&w.t()).to_vec()) {
        assert!((a - c).abs() < 1e-12);
    }
}

#[test]
fn linear_gradients_check_in_2d_3d_and_second_order() {
    let mut rng = seeded_rng(12);
    let x = Tensor::<f64>::randn(&[4, 3], &mut rng).requires_grad_(true);
    let w = Tensor::<f64>::randn(&[2, 3], &mut rng).requires_grad_(true);
    let b = Tensor::<f64>::randn(&[2], &mut rng).requires_grad_(true);
    let f = |t: &[Tensor<f64>]| t[0].try_linear(&t[1], Some(&t[2]));
    gradcheck(
        f,
        &[x.clone(), w.clone(), b.clone()],
        GradCheckOptions::default(),
    )
    .unwrap();
    // Through a nonlinearity so the second derivative is not trivially zero.
    let g = |t: &[Tensor<f64>]| Ok(t[0].try_linear(&t[1], Some(&t[2]))?.tanh());
    gradgradcheck(g, &[x, w.clone(), b.clone()], GradCheckOptions::default()).unwrap();
    // A batch of sequences: [2, 3, 3] input, weight shared.
    let x3 = Tensor::<f64>::randn(&[2, 3, 3], &mut rng).requires_grad_(true);
    gradcheck(f, &[x3, w.clone(), b], GradCheckOptions::default()).unwrap();
    // Non-contiguous input (a transposed view).
    let xt = Tensor::<f64>::randn(&[3, 4], &mut rng)
        .t()
        .requires_grad_(true);
    let h = |t: &[Tensor<f64>]| t[0].try_linear(&t[1], None);
    gradcheck(h, &[xt, w], GradCheckOptions::default()).unwrap();
}

#[test]
fn linear_weight_gradient_is_contiguous_out_by_in() {
    let x = Tensor::<f32>::ones(&[8, 5]);
    let w = Tensor::<f32>::ones(&[3, 5]).requires_grad_(true);
    x.linear(&w, None).sum().backward().unwrap();
    let gw = w.grad().unwrap();
    assert_eq!(gw.shape(), &[3, 5]);
    assert!(gw.is_contiguous());
    assert!(gw.to_vec().iter().all(|&v| v == 8.0));
}

#[test]
fn linear_shape_errors_name_the_op_and_shapes() {
    let x = Tensor::<f32>::ones(&[2, 3]);
    let w = Tensor::<f32>::ones(&[4, 5]);
    let err = x.try_linear(&w, None).unwrap_err().to_string();
    assert!(
        err.contains("linear") && err.contains("[2, 3]") && err.contains("[4, 5]"),
        "{err}"
    );
    let w = Tensor::<f32>::ones(&[4, 3]);
    let b = Tensor::<f32>::ones(&[3]);
    assert!(x
        .try_linear(&w, Some(&b))
        .unwrap_err()
        .to_string()
        .contains("bias [3]"));
}
