//! Dropout and AlphaDropout: statistics, scaling, eval identity, seeding, errors.

use myelin_nn::layers::{AlphaDropout, Dropout};
use myelin_nn::Module;
use myelin_tensor::Tensor;

#[test]
fn dropout_zeroes_p_and_scales_survivors() {
    let drop = Dropout::new(0.3, 11).unwrap();
    let n = 100_000;
    let y: Vec<f64> = drop.forward(&Tensor::ones(&[n])).unwrap().to_vec();
    let zeros = y.iter().filter(|&&v| v == 0.0).count() as f64 / n as f64;
    assert!((zeros - 0.3).abs() < 0.01, "{zeros}");
    let scale = 1.0 / 0.7;
    assert!(y.iter().all(|&v| v == 0.0 || (v - scale).abs() < 1e-12));
    let mean = y.iter().sum::<f64>() / n as f64;
    assert!((mean - 1.0).abs() < 0.02, "{mean}");
}

#[test]
fn dropout_gradient_is_the_mask_times_the_scale() {
    let drop = Dropout::new(0.5, 1).unwrap();
    let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[6])
        .unwrap()
        .requires_grad_(true);
    let y = drop.forward(&x).unwrap();
    y.sum().backward().unwrap();
    let g = x.grad().unwrap().to_vec();
    for ((yi, xi), gi) in y.to_vec().iter().zip(x.to_vec()).zip(g) {
        assert_eq!(*yi, xi * gi);
        assert!(gi == 0.0 || gi == 2.0);
    }
}

#[test]
fn dropout_is_seeded_and_identity_in_eval() {
    let x = Tensor::<f32>::ones(&[64]);
    let a = Dropout::new(0.5, 9).unwrap().forward(&x).unwrap().to_vec();
    let b = Dropout::new(0.5, 9).unwrap().forward(&x).unwrap().to_vec();
    let c = Dropout::new(0.5, 10).unwrap().forward(&x).unwrap().to_vec();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let mut drop = Dropout::new(0.5, 9).unwrap();
    let first = drop.forward(&x).unwrap().to_vec();
    let second = drop.forward(&x).unwrap().to_vec();
    assert_ne!(first, second, "each forward draws a new mask");
    drop.eval();
    assert!(!drop.is_training());
    assert_eq!(drop.forward(&x).unwrap().to_vec(), x.to_vec());
    let all = Dropout::new(1.0, 0).unwrap();
    assert_eq!(all.forward(&x).unwrap().to_vec(), vec![0.0; 64]);
    let none = Dropout::new(0.0, 0).unwrap();
    assert_eq!(none.forward(&x).unwrap().to_vec(), x.to_vec());
}

#[test]
fn dropout_probability_is_validated() {
    for p in [-0.1, 1.5, f64::NAN] {
        let err = Dropout::new(p, 0).err().expect("invalid p");
        assert!(err.to_string().contains("Dropout"), "{err}");
        assert!(AlphaDropout::new(p, 0).is_err());
    }
}

#[test]
fn alpha_dropout_keeps_zero_mean_and_unit_variance() {
    let n = 200_000;
    let x = Tensor::<f64>::randn_seeded(&[n], 123);
    for p in [0.05, 0.2, 0.5] {
        let drop = AlphaDropout::new(p, 7).unwrap();
        let y = drop.forward(&x).unwrap();
        let mean = y.mean().item().unwrap();
        let var = y.var(0).item().unwrap();
        assert!(mean.abs() < 0.015, "p = {p}: mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "p = {p}: var {var}");
    }
}

#[test]
fn alpha_dropout_sets_dropped_values_to_the_affine_saturation() {
    let p = 0.25;
    let alpha_prime: f64 = -1.0507009873554805 * 1.6732632423543772;
    let a = ((1.0 - p) * (1.0 + p * alpha_prime * alpha_prime)).powf(-0.5);
    let b = -a * alpha_prime * p;
    assert_eq!(AlphaDropout::affine(p), (a, b));
    let x =
        Tensor::<f64>::from_vec((0..1000).map(|i| i as f64 / 100.0).collect(), &[1000]).unwrap();
    let mut drop = AlphaDropout::new(p, 3).unwrap();
    let y = drop.forward(&x).unwrap().to_vec();
    let mut dropped = 0;
    for (yi, xi) in y.iter().zip(x.to_vec()) {
        if (yi - (a * xi + b)).abs() > 1e-12 {
            assert!((yi - (a * alpha_prime + b)).abs() < 1e-12);
            dropped += 1;
        }
    }
    assert!((180..320).contains(&dropped), "{dropped}");
    drop.eval();
    assert_eq!(drop.forward(&x).unwrap().to_vec(), x.to_vec());
}
