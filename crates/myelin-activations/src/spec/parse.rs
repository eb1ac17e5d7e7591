//! Parsing activation specs: `name`, `name(positional, key=value, ...)`.

use std::str::FromStr;

use super::suggest::closest;
use super::{Activation, Elementwise, SwishBeta, NAMES};
use crate::error::ActivationError;
use crate::functions::step::Surrogate;

/// One parameter an activation accepts: its canonical name and accepted aliases.
type Parameter = (&'static str, &'static [&'static str]);

/// The parameters of each activation, in positional order (elementwise ones from the
/// table in [`crate::table`]).
fn parameters_of(activation: &str) -> &'static [Parameter] {
    const DIM: &[Parameter] = &[("dim", &["axis"])];
    if let Some(parameters) = crate::table::elementwise_parameters(activation) {
        return parameters;
    }
    match activation {
        "softmax" | "log_softmax" => DIM,
        _ => &[],
    }
}

/// One argument as written: `value` or `key=value`.
struct Argument {
    key: Option<String>,
    value: String,
}

/// Arguments bound to parameters: `values[i]` is the text given for parameter `i`.
pub(crate) struct Bound {
    activation: &'static str,
    parameters: &'static [Parameter],
    values: Vec<Option<String>>,
}

impl FromStr for Activation {
    type Err = ActivationError;

    /// Parses `name` or `name(args)`: names are case-insensitive (`-` reads as `_`),
    /// whitespace around tokens is ignored, arguments are positional (in the documented
    /// order) and/or `key=value`, positional ones first.
    ///
    /// `expr(<expression in x>)` is a user-defined activation ([`crate::custom`]), and the
    /// name of a registered custom activation parses to it.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some((inner, column_offset)) = expression_body(text) {
            let custom = crate::custom::intern_expression(text, inner, column_offset)?;
            return Ok(Activation::Elementwise(Elementwise::Custom(custom)));
        }
        let (raw_name, arguments) = split_call(text)?;
        let activation = match resolve_name(&raw_name) {
            Ok(activation) => activation,
            Err(unknown) => {
                return match crate::custom::lookup(&raw_name) {
                    Some(custom) if arguments.is_empty() => Ok(Activation::Elementwise(custom)),
                    Some(_) => Err(ActivationError::ArgumentCount {
                        activation: raw_name,
                        reason: "a custom activation takes no parameters".to_string(),
                    }),
                    None => Err(unknown),
                }
            }
        };
        let bound = bind(activation, arguments)?;
        build(&bound)
    }
}

impl FromStr for Elementwise {
    type Err = ActivationError;

    /// Parses like [`Activation`], rejecting softmax-like activations.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.parse::<Activation>()? {
            Activation::Elementwise(e) => Ok(e),
            other => Err(ActivationError::NotElementwise {
                activation: other.to_string(),
            }),
        }
    }
}

/// For `expr(<body>)` (any case, spaces allowed before `(`): the body and the number of
/// characters of `text` before it.
fn expression_body(text: &str) -> Option<(&str, usize)> {
    let start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let head = trimmed.get(..4)?;
    if !head.eq_ignore_ascii_case("expr") {
        return None;
    }
    let after = &trimmed[4..];
    let open = after.len() - after.trim_start().len();
    if !after[open..].starts_with('(') {
        return None;
    }
    let body_start = start + 4 + open + 1;
    let body = match trimmed.strip_suffix(')') {
        Some(_) => &text[body_start..start + trimmed.len() - 1],
        None => &text[body_start..start + trimmed.len()],
    };
    Some((body, text[..body_start].chars().count()))
}

fn syntax(text: &str, reason: impl Into<String>) -> ActivationError {
    ActivationError::Syntax {
        spec: text.to_string(),
        reason: reason.into(),
    }
}

/// Splits `name(a, b=c)` into the name and its arguments.
fn split_call(text: &str) -> Result<(String, Vec<Argument>), ActivationError> {
    let trimmed = text.trim();
    let (name, inner) = match trimmed.find('(') {
        None => (trimmed, None),
        Some(open) => {
            let Some(inner) = trimmed[open + 1..].strip_suffix(')') else {
                return Err(syntax(text, "missing closing `)` at the end"));
            };
            (trimmed[..open].trim(), Some(inner))
        }
    };
    if name.is_empty() {
        return Err(syntax(text, "empty activation name"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(syntax(
            text,
            format!("`{name}` is not a name (letters, digits, `_`)"),
        ));
    }
    let arguments = match inner {
        None => Vec::new(),
        Some(inner) => split_arguments(text, inner)?,
    };
    Ok((name.to_ascii_lowercase().replace('-', "_"), arguments))
}

/// Splits an argument list at top-level commas (`sigmoid(4)` stays one argument).
fn split_arguments(text: &str, inner: &str) -> Result<Vec<Argument>, ActivationError> {
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut pieces = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(syntax(text, "unbalanced `)`"));
        }
    }
    if depth != 0 {
        return Err(syntax(text, "unbalanced `(`"));
    }
    pieces.push(&inner[start..]);
    let mut arguments = Vec::new();
    for piece in pieces {
        let piece = piece.trim();
        if piece.is_empty() {
            return Err(syntax(text, "empty argument (stray comma?)"));
        }
        let argument = match piece.split_once('=') {
            Some((key, value)) => {
                let (key, value) = (key.trim(), value.trim());
                if key.is_empty() || value.is_empty() {
                    return Err(syntax(
                        text,
                        format!("`{piece}` needs both a name and a value"),
                    ));
                }
                Argument {
                    key: Some(key.to_ascii_lowercase()),
                    value: value.to_string(),
                }
            }
            None => Argument {
                key: None,
                value: piece.to_string(),
            },
        };
        if argument.key.is_none() && arguments.iter().any(|a: &Argument| a.key.is_some()) {
            return Err(syntax(text, "positional argument after a named one"));
        }
        arguments.push(argument);
    }
    Ok(arguments)
}

/// Comma-separated canonical names.
fn valid_names() -> String {
    let mut names: Vec<String> = NAMES.iter().map(|(name, _)| name.to_string()).collect();
    names.extend(crate::custom::registered_names());
    names.push("expr(<expression in x>)".to_string());
    names.join(", ")
}

/// Maps a (lower-cased) name or alias to its canonical name.
fn resolve_name(name: &str) -> Result<&'static str, ActivationError> {
    for (canonical, aliases) in NAMES {
        if *canonical == name || aliases.contains(&name) {
            return Ok(canonical);
        }
    }
    let every_spelling = NAMES.iter().flat_map(|(canonical, aliases)| {
        std::iter::once(*canonical).chain(aliases.iter().copied())
    });
    let suggestion = closest(name, every_spelling)
        .map(|s| format!(", did you mean `{s}`?"))
        .unwrap_or_default();
    Err(ActivationError::UnknownName {
        name: name.to_string(),
        suggestion,
        valid: valid_names(),
    })
}

/// Assigns positional and named arguments to the activation's parameters.
fn bind(activation: &'static str, arguments: Vec<Argument>) -> Result<Bound, ActivationError> {
    let parameters = parameters_of(activation);
    let mut values: Vec<Option<String>> = vec![None; parameters.len()];
    let positional = arguments.iter().filter(|a| a.key.is_none()).count();
    if positional > parameters.len() {
        return Err(ActivationError::ArgumentCount {
            activation: activation.to_string(),
            reason: format!(
                "takes at most {} argument(s), got {positional}",
                parameters.len()
            ),
        });
    }
    for (index, argument) in arguments.into_iter().enumerate() {
        let slot = match &argument.key {
            None => index,
            Some(key) => parameters
                .iter()
                .position(|p| p.0 == key || p.1.contains(&key.as_str()))
                .ok_or_else(|| ActivationError::UnknownArgument {
                    activation: activation.to_string(),
                    argument: key.clone(),
                    accepted: accepted_names(parameters),
                })?,
        };
        if values[slot].is_some() {
            return Err(ActivationError::ArgumentCount {
                activation: activation.to_string(),
                reason: format!("parameter `{}` given twice", parameters[slot].0),
            });
        }
        values[slot] = Some(argument.value);
    }
    Ok(Bound {
        activation,
        parameters,
        values,
    })
}

fn accepted_names(parameters: &[Parameter]) -> String {
    if parameters.is_empty() {
        "none (it takes no parameters)".to_string()
    } else {
        parameters
            .iter()
            .map(|p| p.0)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Bound {
    fn invalid(&self, parameter: &str, value: impl ToString, reason: &str) -> ActivationError {
        ActivationError::InvalidParameter {
            activation: self.activation.to_string(),
            parameter: parameter.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The text given for `name`, if any.
    fn text(&self, name: &str) -> Option<&str> {
        let index = self.parameters.iter().position(|p| p.0 == name)?;
        self.values[index].as_deref()
    }

    /// A number that must not be NaN (infinities allowed).
    pub(crate) fn number(&self, name: &str, default: f64) -> Result<f64, ActivationError> {
        let Some(text) = self.text(name) else {
            return Ok(default);
        };
        let value: f64 = text
            .parse()
            .map_err(|_| self.invalid(name, text, "not a number"))?;
        if value.is_nan() {
            return Err(self.invalid(name, text, "must not be NaN"));
        }
        Ok(value)
    }

    /// A whole number.
    pub(crate) fn integer<I: FromStr>(&self, name: &str, default: I) -> Result<I, ActivationError> {
        match self.text(name) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| self.invalid(name, text, "not a whole number in range")),
        }
    }

    pub(crate) fn surrogate(
        &self,
        name: &str,
        default: Surrogate,
    ) -> Result<Surrogate, ActivationError> {
        let Some(text) = self.text(name) else {
            return Ok(default);
        };
        let lower = text.to_ascii_lowercase().replace(' ', "");
        match lower.as_str() {
            "none" | "zero" => Ok(Surrogate::None),
            "ste" | "straight_through" => Ok(Surrogate::StraightThrough),
            "sigmoid" => Ok(Surrogate::Sigmoid { sharpness: 1.0 }),
            _ => {
                let sharpness = call_argument(&lower, "sigmoid").ok_or_else(|| {
                    self.invalid(
                        name,
                        text,
                        "expected `none`, `ste` or `sigmoid(k)` with k > 0",
                    )
                })?;
                Ok(Surrogate::Sigmoid { sharpness })
            }
        }
    }

    pub(crate) fn swish_beta(
        &self,
        name: &str,
        default: SwishBeta,
    ) -> Result<SwishBeta, ActivationError> {
        let Some(text) = self.text(name) else {
            return Ok(default);
        };
        let lower = text.to_ascii_lowercase().replace(' ', "");
        let (beta, learnable) = if lower == "learnable" {
            (1.0, true)
        } else if let Some(init) = call_argument(&lower, "learnable") {
            (init, true)
        } else {
            (self.number(name, default.value())?, false)
        };
        Ok(if learnable {
            SwishBeta::Learnable { init: beta }
        } else {
            SwishBeta::Fixed(beta)
        })
    }
}

/// For `text = "name(number)"` returns the number.
fn call_argument(text: &str, name: &str) -> Option<f64> {
    text.strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')?
        .parse()
        .ok()
}

/// Builds the activation from its bound parameters and validates it.
fn build(bound: &Bound) -> Result<Activation, ActivationError> {
    let elementwise = match crate::table::build_elementwise(bound.activation, bound)? {
        Some(elementwise) => elementwise,
        None => {
            return match bound.activation {
                "softmax" => Ok(Activation::Softmax {
                    dim: bound.integer("dim", -1isize)?,
                }),
                "log_softmax" => Ok(Activation::LogSoftmax {
                    dim: bound.integer("dim", -1isize)?,
                }),
                other => unreachable!("`{other}` is in NAMES but has no builder"),
            }
        }
    };
    // The one validation, shared with `apply` and the constructors.
    elementwise.validate()?;
    Ok(Activation::Elementwise(elementwise))
}
