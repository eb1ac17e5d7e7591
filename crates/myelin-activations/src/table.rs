//! **The table of elementwise activations: one row per activation.**
//!
//! A row is the single source of an activation's name and aliases, its parameters (type,
//! default, aliases), their validation, its math (the kernel: `f`, `f′` from the output,
//! `f′`, `f″`, each a call into its `functions/<family>.rs` file), its learnable parameter,
//! metadata, PyTorch gain, recommended initialisation and docs-table entry. The
//! [`Elementwise`] enum, the parser, the printer, [`Elementwise::validate`], the scalar
//! evaluation ([`Elementwise::value`], …), the tensor op dispatch
//! ([`Elementwise::visit_kernel`]), [`Elementwise::meta`], [`crate::gain::pytorch_gain`],
//! [`Elementwise::recommended_init`] and [`functions_table_markdown`] are all generated
//! from these rows by the macros in `table/define.rs`.
//!
//! Every section of a row is required, in this order; leaving one out is a compile error:
//!
//! ```text
//! /// Doc comment of the variant.
//! Variant {
//!     name: "canonical_name",
//!     aliases: ["alias", ...],
//!     params: { /// doc
//!               field: f64 = default, aliases ["alias"]; ... },
//!     validate: |c, name| ...,          // Result<(), ActivationError>; c(param, value, Rule)
//!     kernel: (|p| Struct / StructPrime [k = expr, ...] {   // k: kernel parameters as T
//!         f: |x| ..., df: |x, y| ..., d1: |x| ..., d2: |x| ...,
//!     }),                               // or (|p, v| dispatch expr) for hand-made kernels
//!     learnable: None,                  // Option<LearnableParameter>
//!     parameter_derivative: |x, p| None,
//!     meta: |this| declare(...),        // the declared metadata
//!     pytorch_gain: None,               // torch.nn.init.calculate_gain, if defined
//!     init: He,                         // InitFamily
//!     docs: ["f(x)", "f′(x)", "use it for", "watch out for"],
//! }
//! ```
//!
//! In `kernel`, `p` is the learnable parameter as `T` (the initial value when none is
//! supplied); `df` receives `y = f(x)` so that sigmoid, tanh and the ELU family can
//! compute their derivative from the output.

#[macro_use]
mod define;

use crate::functions::elu::{SELU_ALPHA, SELU_SCALE};
use crate::functions::step::Surrogate;
use crate::functions::{
    constant, elu, gelu, identity, relu, shrink, sigmoid, softplus, step, swish, tanh,
};
use crate::meta::{
    declare, end, gated, interval, module, rectifier, shrink_kinks, Saturation as S,
    Smoothness as M, REAL_LINE,
};
use crate::spec::SwishBeta;
use crate::tensor_ops::unary::{BinaryStep, BinaryStepSigmoid, BinaryStepSte};
use crate::LearnableParameter;

/// β of swish: the learned value for a learnable β, the constant otherwise.
#[inline(always)]
fn swish_beta<T: myelin_tensor::Element>(beta: SwishBeta, parameter: T) -> T {
    match beta {
        SwishBeta::Fixed(beta) => constant(beta),
        SwishBeta::Learnable { .. } => parameter,
    }
}

define_elementwise! {
    /// `x` (aliases `linear`).
    Identity {
        name: "identity",
        aliases: ["linear"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Identity / IdentityPrime [] {
            f: |x| identity::identity(x),
            df: |x, y| identity::identity_derivative(x),
            d1: |x| identity::identity_derivative(x),
            d2: |x| identity::identity_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(REAL_LINE.0, REAL_LINE.1, false, false),
            M::CInfinity,
            S::None,
            module("torch.nn.Identity()"),
            vec![],
        ),
        pytorch_gain: Some(1.0),
        init: Glorot,
        docs: ["x", "1", "regression outputs, linear bottlenecks", "no non-linearity: a stack of linear layers is one linear map"],
    }

    /// `max(x, 0)`.
    Relu {
        name: "relu",
        aliases: [],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Relu / ReluPrime [] {
            f: |x| relu::relu(x),
            df: |x, y| relu::relu_derivative(x),
            d1: |x| relu::relu_derivative(x),
            d2: |x| relu::relu_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| rectifier(0.0, module("torch.nn.ReLU()")),
        pytorch_gain: Some(std::f64::consts::SQRT_2),
        init: He,
        docs: ["max(x, 0)", "1 if x > 0 else 0", "default hidden activation of MLPs and CNNs", "dying ReLU: a unit whose input stays negative never gets gradient again; not zero-centred"],
    }

    /// `x` for `x > 0`, `slope·x` otherwise; default slope 0.01.
    LeakyRelu {
        name: "leaky_relu",
        aliases: ["leakyrelu", "lrelu"],
        params: {
            /// Slope for `x ≤ 0`, any sign.
            slope: f64 = 0.01, aliases ["negative_slope"];
        },
        validate: |c, name| c("slope", slope, Finite),
        kernel: (|p| LeakyRelu / LeakyReluPrime [slope = constant(slope)] {
            f: |x| relu::leaky_relu(x, slope),
            df: |x, y| relu::leaky_relu_derivative(x, slope),
            d1: |x| relu::leaky_relu_derivative(x, slope),
            d2: |x| relu::leaky_relu_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| rectifier(slope, format!("torch.nn.LeakyReLU(negative_slope={slope})")),
        pytorch_gain: Some((2.0 / (1.0 + slope * slope)).sqrt()),
        init: He,
        docs: ["x if x > 0 else slope·x", "1 or slope", "ReLU nets that lose units to dying ReLU", "small slope = small gradient on the negative side"],
    }

    /// Leaky ReLU with learned slope(s).
    Prelu {
        name: "prelu",
        aliases: [],
        params: {
            /// Initial slope (PyTorch: 0.25).
            init: f64 = 0.25, aliases ["weight"];
            /// Number of slopes: 1 (shared) or one per channel.
            num_parameters: usize = 1, aliases [];
        },
        validate: |c, name| {
            if num_parameters == 0 {
                return Err(crate::spec::invalid(name, "num_parameters", 0, "must be at least 1"));
            }
            c("init", init, Finite)
        },
        kernel: (|p| PreluFixed / PreluFixedPrime [weight = p] {
            f: |x| relu::prelu(x, weight),
            df: |x, y| relu::prelu_derivative(x, weight),
            d1: |x| relu::prelu_derivative(x, weight),
            d2: |x| relu::prelu_second_derivative(x),
        }),
        learnable: Some(LearnableParameter {
            name: "weight",
            initial_value: init,
            count: num_parameters,
        }),
        parameter_derivative: |x, p| Some(relu::prelu_weight_derivative(x)),
        meta: |this| rectifier(
            init,
            format!("torch.nn.PReLU(num_parameters={num_parameters}, init={init})"),
        ),
        pytorch_gain: None,
        init: He,
        docs: ["like leaky ReLU, slope learned", "1 or w; ∂f/∂w = x for x ≤ 0", "CNNs (per-channel slopes)", "the slope can grow past 1 and overfit small data"],
    }

    /// `clamp(x, 0, 6)`.
    Relu6 {
        name: "relu6",
        aliases: [],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Relu6 / Relu6Prime [] {
            f: |x| relu::relu6(x),
            df: |x, y| relu::relu6_derivative(x),
            d1: |x| relu::relu6_derivative(x),
            d2: |x| relu::relu6_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(0.0, 6.0, true, true),
            M::C0,
            S::Both,
            module("torch.nn.ReLU6()"),
            vec![0.0, 6.0],
        ),
        pytorch_gain: None,
        init: He,
        docs: ["clamp(x, 0, 6)", "1 on (0, 6)", "mobile / quantised nets (bounded range)", "saturates at 6: no gradient above it"],
    }

    /// `max(x, 0)²`.
    SquaredRelu {
        name: "squared_relu",
        aliases: ["relu2", "relu_squared", "squaredrelu"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| SquaredRelu / SquaredReluPrime [] {
            f: |x| relu::squared_relu(x),
            df: |x, y| relu::squared_relu_derivative(x),
            d1: |x| relu::squared_relu_derivative(x),
            d2: |x| relu::squared_relu_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(0.0, f64::INFINITY, true, false),
            M::C1,
            S::Negative,
            module("torch.square(torch.relu(x))"),
            vec![0.0],
        ),
        pytorch_gain: None,
        init: He,
        docs: ["max(x, 0)²", "2·max(x, 0)", "Primer-style transformer FFNs", "unbounded quadratic growth; dying side as ReLU"],
    }

    /// `1/(1 + e^{−x})` (alias `logistic`).
    Sigmoid {
        name: "sigmoid",
        aliases: ["logistic"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Sigmoid / SigmoidPrime [] {
            f: |x| sigmoid::sigmoid(x),
            df: |x, y| sigmoid::sigmoid_derivative_from_output(y),
            d1: |x| sigmoid::sigmoid_derivative(x),
            d2: |x| sigmoid::sigmoid_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(0.0, 1.0, false, false),
            M::CInfinity,
            S::Both,
            module("torch.nn.Sigmoid()"),
            vec![],
        ),
        pytorch_gain: Some(1.0),
        init: Glorot,
        docs: ["1/(1 + e^−x)", "σ(x)σ(−x) ≤ 1/4", "binary / multi-label outputs, gates", "vanishing gradients in deep stacks (f′ ≤ 1/4, saturates both ways); not zero-centred"],
    }

    /// `ln σ(x)`.
    LogSigmoid {
        name: "log_sigmoid",
        aliases: ["logsigmoid"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| LogSigmoid / LogSigmoidPrime [] {
            f: |x| sigmoid::log_sigmoid(x),
            df: |x, y| sigmoid::log_sigmoid_derivative(x),
            d1: |x| sigmoid::log_sigmoid_derivative(x),
            d2: |x| sigmoid::log_sigmoid_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(f64::NEG_INFINITY, 0.0, false, false),
            M::CInfinity,
            S::Positive,
            module("torch.nn.LogSigmoid()"),
            vec![],
        ),
        pytorch_gain: None,
        init: Glorot,
        docs: ["ln σ(x)", "σ(−x)", "log-probabilities of binary events, losses", "saturates for large x"],
    }

    /// `clamp(x/6 + 1/2, 0, 1)`.
    HardSigmoid {
        name: "hardsigmoid",
        aliases: ["hard_sigmoid"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| HardSigmoid / HardSigmoidPrime [] {
            f: |x| sigmoid::hardsigmoid(x),
            df: |x, y| sigmoid::hardsigmoid_derivative(x),
            d1: |x| sigmoid::hardsigmoid_derivative(x),
            d2: |x| sigmoid::hardsigmoid_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(0.0, 1.0, true, true),
            M::C0,
            S::Both,
            module("torch.nn.Hardsigmoid()"),
            vec![-3.0, 3.0],
        ),
        pytorch_gain: None,
        init: Glorot,
        docs: ["clamp(x/6 + 1/2, 0, 1)", "1/6 on (−3, 3)", "cheap gates on mobile", "zero gradient outside (−3, 3)"],
    }

    /// `tanh x`.
    Tanh {
        name: "tanh",
        aliases: [],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Tanh / TanhPrime [] {
            f: |x| tanh::tanh(x),
            df: |x, y| tanh::tanh_derivative_from_output(y),
            d1: |x| tanh::tanh_derivative(x),
            d2: |x| tanh::tanh_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(-1.0, 1.0, false, false),
            M::CInfinity,
            S::Both,
            module("torch.nn.Tanh()"),
            vec![],
        ),
        pytorch_gain: Some(5.0 / 3.0),
        init: Glorot,
        docs: ["tanh x", "1 − tanh² x", "RNN states, zero-centred bounded outputs", "vanishing gradients (saturates both ways)"],
    }

    /// `x − tanh x`.
    TanhShrink {
        name: "tanhshrink",
        aliases: ["tanh_shrink"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| TanhShrink / TanhShrinkPrime [] {
            f: |x| tanh::tanhshrink(x),
            df: |x, y| tanh::tanhshrink_derivative(x),
            d1: |x| tanh::tanhshrink_derivative(x),
            d2: |x| tanh::tanhshrink_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(REAL_LINE.0, REAL_LINE.1, false, false),
            M::CInfinity,
            S::None,
            module("torch.nn.Tanhshrink()"),
            vec![],
        ),
        pytorch_gain: None,
        init: Glorot,
        docs: ["x − tanh x", "tanh² x", "sparse coding", "flat near 0 (f′(0) = 0)"],
    }

    /// `x/(1 + |x|)`.
    Softsign {
        name: "softsign",
        aliases: ["soft_sign"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Softsign / SoftsignPrime [] {
            f: |x| tanh::softsign(x),
            df: |x, y| tanh::softsign_derivative(x),
            d1: |x| tanh::softsign_derivative(x),
            d2: |x| tanh::softsign_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(-1.0, 1.0, false, false),
            M::C1,
            S::Both,
            module("torch.nn.Softsign()"),
            vec![0.0],
        ),
        pytorch_gain: None,
        init: Glorot,
        docs: ["x/(1 + \\|x\\|)", "1/(1 + \\|x\\|)²", "tanh-like with polynomial tails", "slow (polynomial) saturation still shrinks gradients"],
    }

    /// `clamp(x, min, max)`.
    HardTanh {
        name: "hardtanh",
        aliases: ["hard_tanh"],
        params: {
            /// Lower bound (default −1).
            min: f64 = -1.0, aliases ["min_val"];
            /// Upper bound (default 1), `> min`.
            max: f64 = 1.0, aliases ["max_val"];
        },
        validate: |c, name| {
            c("min", min, NotNan)?;
            c("max", max, NotNan)?;
            if min >= max {
                return Err(crate::spec::invalid(
                    name,
                    "min",
                    min,
                    &format!("must be less than max = {max}"),
                ));
            }
            Ok(())
        },
        kernel: (|p| HardTanh / HardTanhPrime [min = constant(min), max = constant(max)] {
            f: |x| tanh::hardtanh(x, min, max),
            df: |x, y| tanh::hardtanh_derivative(x, min, max),
            d1: |x| tanh::hardtanh_derivative(x, min, max),
            d2: |x| tanh::hardtanh_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| {
            let saturation = match (min.is_finite(), max.is_finite()) {
                (true, true) => S::Both,
                (true, false) => S::Negative,
                (false, true) => S::Positive,
                (false, false) => S::None,
            };
            declare(
                interval(min, max, true, true),
                M::C0,
                saturation,
                format!("torch.nn.Hardtanh(min_val={min}, max_val={max})"),
                [min, max].into_iter().filter(|v| v.is_finite()).collect(),
            )
        },
        pytorch_gain: None,
        init: Glorot,
        docs: ["clamp(x, min, max)", "1 on (min, max)", "bounded linear units, QAT", "no gradient outside the interval"],
    }

    /// `x` for `x > 0`, `α(eˣ − 1)` otherwise.
    Elu {
        name: "elu",
        aliases: [],
        params: {
            /// α (default 1), any finite value.
            alpha: f64 = 1.0, aliases [];
        },
        validate: |c, name| c("alpha", alpha, Finite),
        kernel: (|p| Elu / EluPrime [alpha = constant(alpha)] {
            f: |x| elu::elu(x, alpha),
            df: |x, y| elu::elu_derivative_from_output(x, y, alpha),
            d1: |x| elu::elu_derivative(x, alpha),
            d2: |x| elu::elu_second_derivative(x, alpha),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| {
            let range = if alpha > 0.0 {
                interval(-alpha, f64::INFINITY, false, false)
            } else {
                interval(0.0, f64::INFINITY, true, false)
            };
            let smoothness = if alpha == 1.0 { M::C1 } else { M::C0 };
            declare(
                range,
                smoothness,
                S::Negative,
                format!("torch.nn.ELU(alpha={alpha})"),
                vec![0.0],
            )
        },
        pytorch_gain: None,
        init: He,
        docs: ["x if x > 0 else α(eˣ − 1)", "1 or α·eˣ", "deeper MLPs wanting mean ≈ 0 without BN", "exp cost; C¹ only for α = 1"],
    }

    /// `max(0, x) + min(0, α(e^{x/α} − 1))`.
    Celu {
        name: "celu",
        aliases: [],
        params: {
            /// α (default 1), `> 0`.
            alpha: f64 = 1.0, aliases [];
        },
        validate: |c, name| c("alpha", alpha, Positive),
        kernel: (|p| Celu / CeluPrime [alpha = constant(alpha)] {
            f: |x| elu::celu(x, alpha),
            df: |x, y| elu::celu_derivative(x, alpha),
            d1: |x| elu::celu_derivative(x, alpha),
            d2: |x| elu::celu_second_derivative(x, alpha),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(-alpha, f64::INFINITY, false, false),
            M::C1,
            S::Negative,
            format!("torch.nn.CELU(alpha={alpha})"),
            vec![0.0],
        ),
        pytorch_gain: None,
        init: He,
        docs: ["max(0,x) + min(0, α(e^{x/α} − 1))", "1 or e^{x/α}", "ELU that is C¹ for every α", "as ELU"],
    }

    /// Scaled ELU with the self-normalising constants.
    Selu {
        name: "selu",
        aliases: [],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Selu / SeluPrime [] {
            f: |x| elu::selu(x),
            df: |x, y| elu::selu_derivative_from_output(x, y),
            d1: |x| elu::selu_derivative(x),
            d2: |x| elu::selu_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(-SELU_SCALE * SELU_ALPHA, f64::INFINITY, false, false),
            M::C0,
            S::Negative,
            module("torch.nn.SELU()"),
            vec![0.0],
        ),
        pytorch_gain: Some(0.75),
        init: LeCun,
        docs: ["λ·elu(x, α) with λ ≈ 1.0507, α ≈ 1.6733", "λ or λα·eˣ", "self-normalising MLPs (LeCun-normal init, no BN, alpha-dropout)", "the self-normalisation argument needs those conditions; breaks with BN, ordinary dropout, or skip connections"],
    }

    /// `x·Φ(x)`.
    Gelu {
        name: "gelu",
        aliases: [],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Gelu / GeluPrime [] {
            f: |x| gelu::gelu(x),
            df: |x, y| gelu::gelu_derivative(x),
            d1: |x| gelu::gelu_derivative(x),
            d2: |x| gelu::gelu_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| gated(this, module("torch.nn.GELU()"), M::CInfinity, vec![]),
        pytorch_gain: None,
        init: He,
        docs: ["x·Φ(x)", "Φ(x) + x·φ(x)", "transformers (BERT, ViT)", "non-monotonic dip to −0.17; erf cost"],
    }

    /// GELU, tanh approximation.
    GeluTanh {
        name: "gelu_tanh",
        aliases: ["gelu_approx", "gelu_new"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| GeluTanh / GeluTanhPrime [] {
            f: |x| gelu::gelu_tanh(x),
            df: |x, y| gelu::gelu_tanh_derivative(x),
            d1: |x| gelu::gelu_tanh_derivative(x),
            d2: |x| gelu::gelu_tanh_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| gated(
            this,
            module("torch.nn.GELU(approximate='tanh')"),
            M::CInfinity,
            vec![],
        ),
        pytorch_gain: None,
        init: He,
        docs: ["tanh approximation of GELU", "its exact derivative", "GPT-2-style models (match checkpoints)", "differs from `gelu` by < 5e−4"],
    }

    /// `x·σ(1.702x)`.
    QuickGelu {
        name: "quick_gelu",
        aliases: ["quickgelu"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| QuickGelu / QuickGeluPrime [] {
            f: |x| gelu::quick_gelu(x),
            df: |x, y| gelu::quick_gelu_derivative(x),
            d1: |x| gelu::quick_gelu_derivative(x),
            d2: |x| gelu::quick_gelu_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| gated(
            this,
            module("x * torch.sigmoid(1.702 * x)"),
            M::CInfinity,
            vec![],
        ),
        pytorch_gain: None,
        init: He,
        docs: ["x·σ(1.702x)", "σ(1.702x) + 1.702x·σ′(1.702x)", "CLIP checkpoints", "a cruder GELU approximation"],
    }

    /// `x·σ(x)`.
    Silu {
        name: "silu",
        aliases: [],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Silu / SiluPrime [] {
            f: |x| swish::silu(x),
            df: |x, y| swish::silu_derivative(x),
            d1: |x| swish::silu_derivative(x),
            d2: |x| swish::silu_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| gated(this, module("torch.nn.SiLU()"), M::CInfinity, vec![]),
        pytorch_gain: None,
        init: He,
        docs: ["x·σ(x)", "σ(x)(1 + x·σ(−x))", "EfficientNet, LLaMA-style FFNs (SwiGLU)", "non-monotonic dip to −0.28"],
    }

    /// `x·σ(βx)`.
    Swish {
        name: "swish",
        aliases: [],
        params: {
            /// Fixed or learnable β (`> 0`).
            beta: SwishBeta = SwishBeta::Fixed(1.0), aliases [];
        },
        validate: |c, name| match beta {
            SwishBeta::Fixed(beta) => c("beta", beta, Positive),
            SwishBeta::Learnable { init } => c("beta", init, Positive),
        },
        kernel: (|p| Swish / SwishPrime [beta = swish_beta(beta, p)] {
            f: |x| swish::swish(x, beta),
            df: |x, y| swish::swish_derivative(x, beta),
            d1: |x| swish::swish_derivative(x, beta),
            d2: |x| swish::swish_second_derivative(x, beta),
        }),
        learnable: match beta {
            SwishBeta::Learnable { init } => Some(LearnableParameter {
                name: "beta",
                initial_value: init,
                count: 1,
            }),
            SwishBeta::Fixed(_) => None,
        },
        parameter_derivative: |x, p| match beta {
            SwishBeta::Learnable { .. } => Some(swish::swish_beta_derivative(x, p)),
            SwishBeta::Fixed(_) => None,
        },
        meta: |this| {
            let pytorch = match beta {
                SwishBeta::Fixed(b) => format!("x * torch.sigmoid({b} * x)"),
                SwishBeta::Learnable { init } => format!(
                    "x * torch.sigmoid(beta * x), beta = torch.nn.Parameter(torch.tensor({init}))"
                ),
            };
            gated(this, pytorch, M::CInfinity, vec![])
        },
        pytorch_gain: None,
        init: He,
        docs: ["x·σ(βx) (β fixed or `learnable`)", "σ(βx) + βx·σ′(βx); ∂f/∂β = x²σ′(βx)", "SiLU with a tunable/learned sharpness", "β → ∞ tends to ReLU, β → 0 to x/2"],
    }

    /// `x·tanh(softplus(x))`.
    Mish {
        name: "mish",
        aliases: [],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| Mish / MishPrime [] {
            f: |x| swish::mish(x),
            df: |x, y| swish::mish_derivative(x),
            d1: |x| swish::mish_derivative(x),
            d2: |x| swish::mish_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| gated(this, module("torch.nn.Mish()"), M::CInfinity, vec![]),
        pytorch_gain: None,
        init: He,
        docs: ["x·tanh(softplus(x))", "see rustdoc", "YOLOv4-style detectors", "costlier than SiLU for similar behaviour"],
    }

    /// `x·relu6(x + 3)/6`.
    HardSwish {
        name: "hardswish",
        aliases: ["hard_swish"],
        params: {},
        validate: |c, name| Ok(()),
        kernel: (|p| HardSwish / HardSwishPrime [] {
            f: |x| swish::hardswish(x),
            df: |x, y| swish::hardswish_derivative(x),
            d1: |x| swish::hardswish_derivative(x),
            d2: |x| swish::hardswish_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| gated(this, module("torch.nn.Hardswish()"), M::C0, vec![-3.0, 3.0]),
        pytorch_gain: None,
        init: He,
        docs: ["x·relu6(x + 3)/6", "(2x + 3)/6 on (−3, 3)", "MobileNetV3", "kinks at ±3"],
    }

    /// `ln(1 + e^{βx})/β`, linear where `βx > threshold`.
    Softplus {
        name: "softplus",
        aliases: ["soft_plus"],
        params: {
            /// β (default 1), `> 0`.
            beta: f64 = 1.0, aliases [];
            /// Linear above this value of `βx` (default 20).
            threshold: f64 = 20.0, aliases [];
        },
        validate: |c, name| {
            c("beta", beta, Positive)?;
            c("threshold", threshold, NotNan)
        },
        kernel: (|p| Softplus / SoftplusPrime [beta = constant(beta), threshold = constant(threshold)] {
            f: |x| softplus::softplus(x, beta, threshold),
            df: |x, y| softplus::softplus_derivative(x, beta, threshold),
            d1: |x| softplus::softplus_derivative(x, beta, threshold),
            d2: |x| softplus::softplus_second_derivative(x, beta, threshold),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| {
            let switch = threshold / beta;
            let (smoothness, kinks) = if switch.is_finite() {
                (M::Discontinuous, vec![switch])
            } else {
                (M::CInfinity, vec![])
            };
            declare(
                interval(0.0, f64::INFINITY, false, false),
                smoothness,
                S::Negative,
                format!("torch.nn.Softplus(beta={beta}, threshold={threshold})"),
                kinks,
            )
        },
        pytorch_gain: None,
        init: He,
        docs: ["ln(1 + e^{βx})/β, x above the threshold", "σ(βx)", "smooth ReLU; mapping to positive numbers (variances)", "PyTorch's threshold switch is a jump of ≈ 2e−9, so it is formally discontinuous and not monotonic"],
    }

    /// `(x + √(x² + b))/2` (Barron 2021): an algebraic, everywhere-smooth softplus
    /// without exponentials or a threshold switch.
    Squareplus {
        name: "squareplus",
        aliases: ["square_plus"],
        params: {
            /// `b` (default 4), finite and `> 0`: the curvature near 0 (`f(0) = √b/2`).
            b: f64 = 4.0, aliases [];
        },
        validate: |c, name| c("b", b, Positive),
        kernel: (|p| Squareplus / SquareplusPrime [b = constant(b)] {
            f: |x| softplus::squareplus(x, b),
            df: |x, y| softplus::squareplus_derivative(x, b),
            d1: |x| softplus::squareplus_derivative(x, b),
            d2: |x| softplus::squareplus_second_derivative(x, b),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(0.0, f64::INFINITY, false, false),
            M::CInfinity,
            S::Negative,
            format!("(x + torch.sqrt(x * x + {b})) / 2"),
            vec![],
        ),
        pytorch_gain: None,
        init: He,
        docs: ["(x + √(x² + b))/2", "(1 + x/√(x² + b))/2", "a cheap smooth ReLU (no exp, no threshold switch)", "f(0) = √b/2 > 0: not zero-centred; polynomial (not exponential) approach to 0"],
    }

    /// `1` for `x ≥ threshold`, else `0`, with a chosen backward gradient.
    BinaryStep {
        name: "binary_step",
        aliases: ["step", "heaviside"],
        params: {
            /// Where the step happens (default 0).
            threshold: f64 = 0.0, aliases [];
            /// The gradient reported in backward (default [`Surrogate::None`]).
            surrogate: Surrogate = Surrogate::None, aliases ["gradient"];
        },
        validate: |c, name| {
            c("threshold", threshold, Finite)?;
            match surrogate {
                Surrogate::Sigmoid { sharpness } => c("surrogate", sharpness, Positive)
                    .map_err(|_| {
                        crate::spec::invalid(
                            name,
                            "surrogate",
                            surrogate,
                            "sigmoid sharpness must be finite and > 0",
                        )
                    }),
                Surrogate::None | Surrogate::StraightThrough => Ok(()),
            }
        },
        kernel: (|p, v| dispatch match surrogate {
            Surrogate::None => v.visit(BinaryStep::new(constant(threshold))),
            Surrogate::StraightThrough => v.visit(BinaryStepSte::new(constant(threshold))),
            Surrogate::Sigmoid { sharpness } => v.visit(BinaryStepSigmoid::new(
                constant(threshold),
                constant(sharpness),
            )),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            (0.0, 1.0, "{0, 1}".to_string()),
            M::Discontinuous,
            S::Both,
            format!("torch.heaviside(x - {threshold}, torch.tensor(1.0))"),
            vec![threshold],
        ),
        pytorch_gain: None,
        init: Glorot,
        docs: ["1 if x ≥ t else 0", "the surrogate (see below)", "binarised / spiking nets", "true gradient is 0: use `ste` or `sigmoid(k)`"],
    }

    /// `x` for `x > threshold`, else `value` (PyTorch `Threshold`).
    Threshold {
        name: "threshold",
        aliases: [],
        params: {
            /// The threshold (default 0.1).
            threshold: f64 = 0.1, aliases [];
            /// The replacement value (default 0).
            value: f64 = 0.0, aliases [];
        },
        validate: |c, name| {
            c("threshold", threshold, Finite)?;
            c("value", value, Finite)
        },
        kernel: (|p| Threshold / ThresholdPrime [threshold = constant(threshold), value = constant(value)] {
            f: |x| step::threshold(x, threshold, value),
            df: |x, y| step::threshold_derivative(x, threshold),
            d1: |x| step::threshold_derivative(x, threshold),
            d2: |x| step::threshold_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            (
                value.min(threshold),
                f64::INFINITY,
                format!("{{{}}} ∪ ({}, ∞)", end(value), end(threshold)),
            ),
            if value == threshold {
                M::C0
            } else {
                M::Discontinuous
            },
            S::Negative,
            format!("torch.nn.Threshold(threshold={threshold}, value={value})"),
            vec![threshold],
        ),
        pytorch_gain: None,
        init: He,
        docs: ["x if x > t else value", "1 or 0", "PyTorch `Threshold` ports", "jump at t unless value = t"],
    }

    /// Soft shrinkage by λ.
    SoftShrink {
        name: "softshrink",
        aliases: ["soft_shrink"],
        params: {
            /// λ (default 0.5), `≥ 0`.
            lambda: f64 = 0.5, aliases ["lambd"];
        },
        validate: |c, name| c("lambda", lambda, NonNegative),
        kernel: (|p| SoftShrink / SoftShrinkPrime [lambda = constant(lambda)] {
            f: |x| shrink::softshrink(x, lambda),
            df: |x, y| shrink::softshrink_derivative(x, lambda),
            d1: |x| shrink::softshrink_derivative(x, lambda),
            d2: |x| shrink::shrink_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| declare(
            interval(REAL_LINE.0, REAL_LINE.1, false, false),
            M::C0,
            S::None,
            format!("torch.nn.Softshrink(lambd={lambda})"),
            shrink_kinks(lambda),
        ),
        pytorch_gain: None,
        init: Glorot,
        docs: ["x ∓ λ outside [−λ, λ], else 0", "1 or 0", "sparse coding, denoising", "dead zone of width 2λ"],
    }

    /// Hard shrinkage at λ.
    HardShrink {
        name: "hardshrink",
        aliases: ["hard_shrink"],
        params: {
            /// λ (default 0.5), `≥ 0`.
            lambda: f64 = 0.5, aliases ["lambd"];
        },
        validate: |c, name| c("lambda", lambda, NonNegative),
        kernel: (|p| HardShrink / HardShrinkPrime [lambda = constant(lambda)] {
            f: |x| shrink::hardshrink(x, lambda),
            df: |x, y| shrink::hardshrink_derivative(x, lambda),
            d1: |x| shrink::hardshrink_derivative(x, lambda),
            d2: |x| shrink::shrink_second_derivative(x),
        }),
        learnable: None,
        parameter_derivative: |x, p| None,
        meta: |this| {
            let text = if lambda > 0.0 {
                format!("(-∞, {}) ∪ {{0}} ∪ ({}, ∞)", end(-lambda), end(lambda))
            } else {
                "(-∞, ∞)".to_string()
            };
            declare(
                (f64::NEG_INFINITY, f64::INFINITY, text),
                if lambda > 0.0 {
                    M::Discontinuous
                } else {
                    M::CInfinity
                },
                S::None,
                format!("torch.nn.Hardshrink(lambd={lambda})"),
                shrink_kinks(lambda),
            )
        },
        pytorch_gain: None,
        init: Glorot,
        docs: ["x outside [−λ, λ], else 0", "1 or 0", "sparse coding", "jumps at ±λ"],
    }
}

/// The docs row of the softmax-like activations (not elementwise, so not in the table).
const ALONG_DIM_DOCS: &[(&str, [&str; 4])] = &[
    (
        "softmax(dim=-1)",
        [
            "e^{xᵢ}/Σⱼe^{xⱼ}",
            "diag(y) − yyᵀ",
            "multi-class outputs, attention",
            "saturates: large logit gaps kill gradients; for losses use `log_softmax`",
        ],
    ),
    (
        "log_softmax(dim=-1)",
        [
            "xᵢ − logΣⱼe^{xⱼ}",
            "I − 1·yᵀ (y = softmax)",
            "cross-entropy losses",
            "—",
        ],
    ),
];

/// The "functions" table of `docs/activations.md` (spec with defaults, `f`, `f′`, use,
/// caveats), generated from the table's `docs` entries; a test keeps the docs equal to it.
///
/// ```
/// let table = myelin_activations::table::functions_table_markdown();
/// assert!(table.starts_with("| spec | f(x) | f′(x) | use it for | watch out for |\n"));
/// assert!(table.contains("| `squareplus(b=4)` | (x + √(x² + b))/2 |"));
/// ```
pub fn functions_table_markdown() -> String {
    let mut out = String::from(
        "| spec | f(x) | f′(x) | use it for | watch out for |\n| --- | --- | --- | --- | --- |\n",
    );
    let elementwise = Elementwise::all_defaults()
        .into_iter()
        .map(|e| e.to_string())
        .zip(ELEMENTWISE_DOCS.iter().copied());
    let along_dim = ALONG_DIM_DOCS
        .iter()
        .map(|(spec, docs)| (spec.to_string(), *docs));
    for (spec, [f, df, use_for, watch]) in elementwise.chain(along_dim) {
        out.push_str(&format!(
            "| `{spec}` | {f} | {df} | {use_for} | {watch} |\n"
        ));
    }
    out
}
