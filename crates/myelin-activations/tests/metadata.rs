//! Metadata table checks.

use myelin_activations::{Activation, Application, Saturation, Smoothness};

fn meta(text: &str) -> myelin_activations::ActivationMeta {
    text.parse::<Activation>().unwrap().meta()
}

#[test]
fn ranges() {
    let sigmoid = meta("sigmoid").output_range;
    assert_eq!(
        (sigmoid.low, sigmoid.high, sigmoid.text.as_str()),
        (0.0, 1.0, "(0, 1)")
    );
    assert_eq!(meta("relu").output_range.text, "[0, ∞)");
    assert_eq!(meta("relu6").output_range.text, "[0, 6]");
    assert_eq!(meta("tanh").output_range.text, "(-1, 1)");
    assert_eq!(meta("elu(0.5)").output_range.low, -0.5);
    assert_eq!(meta("binary_step").output_range.text, "{0, 1}");
    assert_eq!(meta("log_softmax").output_range.text, "(-∞, 0]");
    let gelu = meta("gelu").output_range;
    assert!((gelu.low + 0.169_971_5).abs() < 1e-6, "{}", gelu.low);
    assert_eq!(gelu.text, "[-0.1700, ∞)");
    assert!((meta("silu").output_range.low + 0.278_464_5).abs() < 1e-6);
    assert!((meta("mish").output_range.low + 0.308_84).abs() < 1e-4);
    assert!((meta("hardswish").output_range.low + 0.375).abs() < 1e-12);
    let selu = meta("selu").output_range.low;
    assert!((selu + 1.758_099_3).abs() < 1e-6, "{selu}");
}

#[test]
fn properties() {
    assert!(meta("tanh").zero_centred);
    assert!(!meta("sigmoid").zero_centred);
    assert!(!meta("relu").zero_centred);
    assert!(meta("elu").zero_centred);
    assert!(meta("relu").monotonic);
    assert!(!meta("gelu").monotonic);
    assert!(!meta("mish").monotonic);
    assert!(!meta("leaky_relu(-0.2)").monotonic);
    assert!(!meta("threshold(0.1, 20)").monotonic);
    assert!(meta("threshold(0.1, 0)").monotonic);
    assert_eq!(meta("relu").smoothness, Smoothness::C0);
    assert_eq!(meta("squared_relu").smoothness, Smoothness::C1);
    assert_eq!(meta("celu(0.3)").smoothness, Smoothness::C1);
    assert_eq!(meta("elu").smoothness, Smoothness::C1);
    assert_eq!(meta("elu(0.5)").smoothness, Smoothness::C0);
    assert_eq!(meta("binary_step").smoothness, Smoothness::Discontinuous);
    assert_eq!(meta("gelu").smoothness, Smoothness::CInfinity);
    assert_eq!(meta("sigmoid").saturation, Saturation::Both);
    assert_eq!(meta("relu").saturation, Saturation::Negative);
    assert_eq!(meta("log_sigmoid").saturation, Saturation::Positive);
    assert_eq!(meta("identity").saturation, Saturation::None);
    assert!(meta("silu").self_gated && meta("hardswish").self_gated);
    assert!(!meta("relu").self_gated);
    assert_eq!(meta("prelu").learnable_parameters, vec!["weight"]);
    assert_eq!(
        meta("swish(beta=learnable)").learnable_parameters,
        vec!["beta"]
    );
    assert!(meta("swish(beta=2)").learnable_parameters.is_empty());
    assert_eq!(
        meta("gelu_tanh").pytorch,
        "torch.nn.GELU(approximate='tanh')"
    );
    assert_eq!(
        meta("leaky_relu").pytorch,
        "torch.nn.LeakyReLU(negative_slope=0.01)"
    );
    assert_eq!(meta("softmax(dim=1)").application, Application::AlongDim(1));
    assert_eq!(meta("relu").application, Application::Elementwise);
}

#[test]
fn every_default_has_complete_metadata() {
    for a in Activation::all_defaults() {
        let m = a.meta();
        assert!(!m.pytorch.is_empty(), "{a}");
        assert!(!m.output_range.text.is_empty(), "{a}");
        assert!(m.output_range.low <= m.output_range.high, "{a}");
        assert!(m.kinks.windows(2).all(|w| w[0] < w[1]), "{a}: kinks sorted");
        if let Some(e) = a.as_elementwise() {
            // Sampled outputs lie inside the declared range.
            for i in -400..=400 {
                let y = e.value(i as f64 * 0.05);
                assert!(
                    y >= m.output_range.low - 1e-12 && y <= m.output_range.high + 1e-12,
                    "{a}: {y} outside {}",
                    m.output_range.text
                );
            }
        }
    }
}
