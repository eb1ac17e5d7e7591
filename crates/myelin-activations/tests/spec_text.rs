//! Parsing and printing activation specs.

use myelin_activations::spec::NAMES;
use myelin_activations::{Activation, ActivationError, Elementwise, Surrogate, SwishBeta};

fn parse(text: &str) -> Activation {
    text.parse()
        .unwrap_or_else(|e| panic!("`{text}` should parse: {e}"))
}

fn error(text: &str) -> ActivationError {
    text.parse::<Activation>()
        .expect_err(&format!("`{text}` should not parse"))
}

#[test]
fn every_default_round_trips() {
    let all = Activation::all_defaults();
    // One per name, in the order of the table, each under its own canonical name.
    let names: Vec<&str> = NAMES.iter().map(|(name, _)| *name).collect();
    assert_eq!(all.iter().map(|a| a.name()).collect::<Vec<_>>(), names);
    for activation in all {
        let printed = activation.to_string();
        assert_eq!(parse(&printed), activation, "{printed}");
    }
}

#[test]
fn parameterised_specs_round_trip() {
    for text in [
        "leaky_relu(0.01)",
        "leaky_relu(slope=0.2)",
        "leaky_relu(-0.3)",
        "elu(alpha=0.5)",
        "celu(2.5)",
        "swish(beta=2)",
        "swish(beta=learnable)",
        "swish(beta=learnable(0.75))",
        "prelu(0.25)",
        "prelu(0.25, num_parameters=8)",
        "softmax(dim=-1)",
        "log_softmax(dim=2)",
        "hardtanh(min=-2,max=2)",
        "softplus(beta=1,threshold=20)",
        "softplus(beta=0.1,threshold=inf)",
        "binary_step(threshold=0,surrogate=ste)",
        "binary_step(threshold=0.5,surrogate=sigmoid(4))",
        "threshold(0.1, 20)",
        "softshrink(0.3)",
        "hardshrink(lambda=1e-3)",
        "leaky_relu(1e-300)",
        "elu(0.1)",
    ] {
        let activation = parse(text);
        let printed = activation.to_string();
        assert_eq!(parse(&printed), activation, "{text} -> {printed}");
    }
}

#[test]
fn parsed_values() {
    use Elementwise as E;
    assert_eq!(parse("relu"), Activation::Elementwise(E::Relu));
    assert_eq!(
        parse("leaky_relu"),
        Activation::Elementwise(E::LeakyRelu { slope: 0.01 })
    );
    assert_eq!(
        parse("  Leaky-ReLU ( slope = 0.2 ) "),
        Activation::Elementwise(E::LeakyRelu { slope: 0.2 })
    );
    assert_eq!(
        parse("prelu(0.1, num_parameters=8)"),
        Activation::Elementwise(E::Prelu {
            init: 0.1,
            num_parameters: 8
        })
    );
    assert_eq!(
        parse("hardtanh(max=3)"),
        Activation::Elementwise(E::HardTanh {
            min: -1.0,
            max: 3.0
        })
    );
    assert_eq!(
        parse("swish(beta=learnable)"),
        Activation::Elementwise(E::Swish {
            beta: SwishBeta::Learnable { init: 1.0 }
        })
    );
    assert_eq!(
        parse("binary_step(surrogate=sigmoid(4))"),
        Activation::Elementwise(E::BinaryStep {
            threshold: 0.0,
            surrogate: Surrogate::Sigmoid { sharpness: 4.0 }
        })
    );
    assert_eq!(parse("softmax"), Activation::Softmax { dim: -1 });
    assert_eq!(
        parse("LogSoftmax(axis=1)"),
        Activation::LogSoftmax { dim: 1 }
    );
    assert_eq!(parse("relu()"), Activation::Elementwise(E::Relu));
}

#[test]
fn aliases_and_case() {
    assert_eq!(parse("logistic"), parse("sigmoid"));
    assert_eq!(parse("SIGMOID"), parse("sigmoid"));
    assert_eq!(parse("linear"), parse("identity"));
    assert_eq!(parse("SiLU"), parse("silu"));
    assert_eq!(parse("step"), parse("binary_step"));
    assert_eq!(parse("hard-swish"), parse("hardswish"));
    assert_eq!(
        parse("leaky_relu(negative_slope=0.2)"),
        parse("leaky_relu(0.2)")
    );
    assert_eq!(parse("softshrink(lambd=0.2)"), parse("softshrink(0.2)"));
}

#[test]
fn printed_forms_are_canonical() {
    assert_eq!(parse("Logistic").to_string(), "sigmoid");
    assert_eq!(parse("leaky_relu").to_string(), "leaky_relu(slope=0.01)");
    assert_eq!(
        parse("hardtanh(-2, 2)").to_string(),
        "hardtanh(min=-2,max=2)"
    );
    assert_eq!(
        parse("softplus").to_string(),
        "softplus(beta=1,threshold=20)"
    );
    assert_eq!(
        parse("binary_step(0, ste)").to_string(),
        "binary_step(threshold=0,surrogate=ste)"
    );
    assert_eq!(parse("softmax").to_string(), "softmax(dim=-1)");
    assert_eq!(
        parse("prelu").to_string(),
        "prelu(init=0.25,num_parameters=1)"
    );
}

#[test]
fn unknown_names_list_valid_ones_and_suggest_the_closest() {
    let message = error("rleu").to_string();
    assert!(message.contains("did you mean `relu`"), "{message}");
    assert!(
        message.contains("gelu_tanh") && message.contains("softmax"),
        "{message}"
    );
    let message = error("leaky_rleu(0.1)").to_string();
    assert!(message.contains("did you mean `leaky_relu`"), "{message}");
    let message = error("sofplus").to_string();
    assert!(message.contains("did you mean `softplus`"), "{message}");
    let message = error("transformer").to_string();
    assert!(!message.contains("did you mean"), "{message}");
    assert!(matches!(
        error("transformer"),
        ActivationError::UnknownName { .. }
    ));
}

#[test]
fn bad_parameters_say_which_and_why() {
    let e = error("hardtanh(min=2,max=-2)");
    assert!(
        matches!(&e, ActivationError::InvalidParameter { parameter, .. } if parameter == "min")
    );
    assert!(e.to_string().contains("less than max"), "{e}");

    let e = error("softplus(beta=0)");
    assert!(
        e.to_string().contains("beta") && e.to_string().contains("greater than 0"),
        "{e}"
    );
    let e = error("softplus(beta=-1)");
    assert!(matches!(e, ActivationError::InvalidParameter { .. }));

    let e = error("elu(alpha=nan)");
    assert!(e.to_string().contains("NaN"), "{e}");
    let e = error("leaky_relu(slope=inf)");
    assert!(e.to_string().contains("finite"), "{e}");
    let e = error("leaky_relu(slope=abc)");
    assert!(e.to_string().contains("not a number"), "{e}");

    let e = error("elu(beta=1)");
    assert!(
        matches!(&e, ActivationError::UnknownArgument { argument, .. } if argument == "beta"),
        "{e}"
    );
    assert!(e.to_string().contains("accepts: alpha"), "{e}");
    let e = error("relu(0.5)");
    assert!(matches!(e, ActivationError::ArgumentCount { .. }), "{e}");
    let e = error("hardtanh(-1, 1, 2)");
    assert!(e.to_string().contains("at most 2"), "{e}");
    let e = error("elu(0.5, alpha=0.7)");
    assert!(e.to_string().contains("given twice"), "{e}");

    assert!(error("celu(alpha=0)").to_string().contains("alpha"));
    assert!(error("swish(beta=-2)").to_string().contains("beta"));
    assert!(error("softshrink(-0.5)")
        .to_string()
        .contains("0 or greater"));
    assert!(error("prelu(num_parameters=0)")
        .to_string()
        .contains("at least 1"));
    assert!(error("prelu(num_parameters=2.5)")
        .to_string()
        .contains("whole number"));
    assert!(error("binary_step(surrogate=magic)")
        .to_string()
        .contains("sigmoid(k)"));
    assert!(error("binary_step(surrogate=sigmoid(-1))")
        .to_string()
        .contains("sharpness"));
}

#[test]
fn malformed_syntax() {
    for text in [
        "",
        "relu(",
        "(0.1)",
        "leaky_relu(0.1,)",
        "elu(alpha=)",
        "elu(=1)",
        "relu x",
        "elu(alpha=1, 0.5)",
        "swish(beta=learnable(1)",
    ] {
        assert!(
            text.parse::<Activation>().is_err(),
            "`{text}` should not parse"
        );
    }
    assert!(matches!(error("relu("), ActivationError::Syntax { .. }));
    assert!(error("elu(alpha=1, 0.5)")
        .to_string()
        .contains("positional argument after"));
}

#[test]
fn elementwise_parsing_rejects_softmax() {
    let e = "softmax(dim=1)".parse::<Elementwise>().unwrap_err();
    assert!(matches!(e, ActivationError::NotElementwise { .. }));
    assert_eq!("gelu".parse::<Elementwise>().unwrap(), Elementwise::Gelu);
    // Every name but softmax and log_softmax is elementwise.
    assert_eq!(Elementwise::all_defaults().len(), NAMES.len() - 2);
}

#[test]
fn suggestions_rank_by_edit_distance_with_transpositions() {
    // `gleu` is one transposition from `gelu` (Levenshtein: 2 from both gelu and elu).
    let message = error("gleu").to_string();
    assert!(message.contains("did you mean `gelu`"), "{message}");
    let message = error("rleu").to_string();
    assert!(message.contains("did you mean `relu`"), "{message}");
    let message = error("sigmiod").to_string();
    assert!(message.contains("did you mean `sigmoid`"), "{message}");
}
