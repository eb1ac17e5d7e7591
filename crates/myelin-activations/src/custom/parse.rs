//! The parser of activation expressions: `+ - * / ^` (and `**`), unary minus, numbers,
//! `x`, `pi`, parentheses, the functions of [`Func::PUBLIC`], `min(a, b)`, `max(a, b)`,
//! and every elementwise activation by name (`gelu(x)`, `leaky_relu(x, 0.1)`,
//! `elu(x, alpha=2)`), including named custom activations registered earlier.
//!
//! Precedence, loosest first: `+ -`, `* /`, unary `-`, `^` (right-associative; so
//! `-x^2 = -(x^2)` and `2^-x = 2^(-x)`, as in mathematics and Python).

use super::expr::{Expr, Func};
use crate::error::ActivationError;
use crate::spec::{Activation, NAMES};

/// Parses `source`; error columns are counted from `column_offset` (the position of the
/// expression inside the whole spec the user wrote), 1-based, in characters.
pub(crate) fn parse_expression(
    spec: &str,
    source: &str,
    column_offset: usize,
) -> Result<Expr, ActivationError> {
    let tokens = lex(spec, source, column_offset)?;
    let mut parser = Parser {
        spec,
        tokens,
        position: 0,
        end_column: column_offset + source.chars().count() + 1,
    };
    let expr = parser.sum()?;
    if let Some(token) = parser.peek() {
        return Err(parser.error_at(
            token.column,
            format!(
                "unexpected {} after a complete expression",
                token.kind.describe()
            ),
        ));
    }
    if !expr.has_x() {
        return Err(expression_error(
            spec,
            column_offset + 1,
            "the expression does not use `x` (an activation is a function of x)",
        ));
    }
    Ok(expr)
}

/// An error at a (1-based) column of `spec`, with the spec and a caret under the column.
pub(crate) fn expression_error(
    spec: &str,
    column: usize,
    reason: impl Into<String>,
) -> ActivationError {
    ActivationError::Expression {
        spec: spec.to_string(),
        column,
        reason: reason.into(),
        caret: format!("{}^", " ".repeat(column.saturating_sub(1))),
    }
}

/// Builds a binary node (`Expr::Add` and friends) from its two operands.
type BinaryNode = fn(Box<Expr>, Box<Expr>) -> Expr;

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Number(f64),
    Name(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Open,
    Close,
    Comma,
    Equals,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Number(v) => format!("number `{v}`"),
            Kind::Name(n) => format!("name `{n}`"),
            Kind::Plus => "`+`".into(),
            Kind::Minus => "`-`".into(),
            Kind::Star => "`*`".into(),
            Kind::Slash => "`/`".into(),
            Kind::Caret => "`^`".into(),
            Kind::Open => "`(`".into(),
            Kind::Close => "`)`".into(),
            Kind::Comma => "`,`".into(),
            Kind::Equals => "`=`".into(),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    column: usize,
    /// The token's text (for rebuilding activation parameter lists).
    text: String,
}

fn lex(spec: &str, source: &str, column_offset: usize) -> Result<Vec<Token>, ActivationError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = column_offset + i + 1;
        let single = |kind: Kind| Token {
            kind,
            column,
            text: c.to_string(),
        };
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '+' => tokens.push(single(Kind::Plus)),
            '-' => tokens.push(single(Kind::Minus)),
            '*' if chars.get(i + 1) == Some(&'*') => {
                tokens.push(Token {
                    kind: Kind::Caret,
                    column,
                    text: "**".into(),
                });
                i += 1;
            }
            '*' => tokens.push(single(Kind::Star)),
            '/' => tokens.push(single(Kind::Slash)),
            '^' => tokens.push(single(Kind::Caret)),
            '(' => tokens.push(single(Kind::Open)),
            ')' => tokens.push(single(Kind::Close)),
            ',' => tokens.push(single(Kind::Comma)),
            '=' => tokens.push(single(Kind::Equals)),
            c if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                    let mut j = i + 1;
                    if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                        j += 1;
                    }
                    if j < chars.len() && chars[j].is_ascii_digit() {
                        i = j;
                        while i < chars.len() && chars[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                }
                let text: String = chars[start..i].iter().collect();
                let value: f64 = text.parse().map_err(|_| {
                    expression_error(spec, column, format!("`{text}` is not a number"))
                })?;
                if !value.is_finite() {
                    return Err(expression_error(
                        spec,
                        column,
                        format!("`{text}` is out of range"),
                    ));
                }
                tokens.push(Token {
                    kind: Kind::Number(value),
                    column,
                    text,
                });
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                tokens.push(Token {
                    kind: Kind::Name(text.to_ascii_lowercase()),
                    column,
                    text,
                });
                continue;
            }
            other => {
                return Err(expression_error(
                    spec,
                    column,
                    format!("unexpected character `{other}`"),
                ))
            }
        }
        i += 1;
    }
    Ok(tokens)
}

struct Parser<'a> {
    spec: &'a str,
    tokens: Vec<Token>,
    position: usize,
    end_column: usize,
}

/// Deepest nesting accepted (keeps the recursive-descent parser far from the stack limit).
const MAX_DEPTH: usize = 200;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn error_at(&self, column: usize, reason: impl Into<String>) -> ActivationError {
        expression_error(self.spec, column, reason)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |t| t.column)
    }

    fn eat(&mut self, kind: &Kind) -> bool {
        if self.peek().map(|t| &t.kind) == Some(kind) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: Kind, what: &str) -> Result<(), ActivationError> {
        if self.eat(&kind) {
            return Ok(());
        }
        let found = self
            .peek()
            .map_or("the end of the expression".to_string(), |t| {
                t.kind.describe()
            });
        Err(self.error_at(self.column(), format!("expected {what}, found {found}")))
    }

    fn sum(&mut self) -> Result<Expr, ActivationError> {
        self.sum_at(0)
    }

    fn sum_at(&mut self, depth: usize) -> Result<Expr, ActivationError> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(self.column(), "expression is nested too deeply"));
        }
        self.left_assoc(
            depth,
            Self::product,
            [(Kind::Plus, Expr::Add), (Kind::Minus, Expr::Sub)],
        )
    }

    fn product(&mut self, depth: usize) -> Result<Expr, ActivationError> {
        self.left_assoc(
            depth,
            Self::unary,
            [(Kind::Star, Expr::Mul), (Kind::Slash, Expr::Div)],
        )
    }

    /// `operand (op operand)*`, folded to the left: `a - b - c` is `(a - b) - c`.
    fn left_assoc(
        &mut self,
        depth: usize,
        operand: fn(&mut Self, usize) -> Result<Expr, ActivationError>,
        ops: [(Kind, BinaryNode); 2],
    ) -> Result<Expr, ActivationError> {
        let mut left = operand(self, depth)?;
        'next: loop {
            for (kind, build) in &ops {
                if self.eat(kind) {
                    left = build(Box::new(left), Box::new(operand(self, depth)?));
                    continue 'next;
                }
            }
            return Ok(left);
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ActivationError> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(self.column(), "expression is nested too deeply"));
        }
        if self.eat(&Kind::Minus) {
            let operand = self.unary(depth + 1)?;
            return Ok(match operand {
                // `-2` is the number −2 (so it prints back as written).
                Expr::Num(v) => Expr::Num(-v),
                other => Expr::Neg(Box::new(other)),
            });
        }
        if self.eat(&Kind::Plus) {
            return self.unary(depth + 1);
        }
        let base = self.atom(depth)?;
        if self.eat(&Kind::Caret) {
            let exponent = self.unary(depth + 1)?;
            return Ok(Expr::Pow(Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn atom(&mut self, depth: usize) -> Result<Expr, ActivationError> {
        let column = self.column();
        let Some(token) = self.next() else {
            return Err(self.error_at(
                column,
                "expected an expression, found the end of the expression",
            ));
        };
        match token.kind {
            Kind::Number(v) => Ok(Expr::Num(v)),
            Kind::Open => {
                let inner = self.sum_at(depth + 1)?;
                self.expect(Kind::Close, "`)`")?;
                Ok(inner)
            }
            Kind::Name(name) => {
                if self.peek().map(|t| &t.kind) == Some(&Kind::Open) {
                    self.position += 1;
                    self.call(&name, token.column, depth)
                } else {
                    match name.as_str() {
                        "x" => Ok(Expr::X),
                        "pi" => Ok(Expr::Num(std::f64::consts::PI)),
                        _ => Err(self.error_at(
                            token.column,
                            format!(
                                "unknown variable `{name}` (the input is `x`; functions need `(`)"
                            ),
                        )),
                    }
                }
            }
            other => Err(self.error_at(
                token.column,
                format!("expected an expression, found {}", other.describe()),
            )),
        }
    }

    /// A call `name(...)` after its `(`.
    fn call(&mut self, name: &str, column: usize, depth: usize) -> Result<Expr, ActivationError> {
        let first = self.sum_at(depth + 1)?;
        if let Some((_, func)) = Func::PUBLIC.iter().find(|(n, _)| *n == name) {
            if self.eat(&Kind::Close) {
                return Ok(Expr::Call(*func, Box::new(first)));
            }
            // `softplus(x, 2)` and `sigmoid(x, ..)` go on to the activation of that name.
            if NAMES.iter().all(|(n, _)| *n != name) {
                return Err(self.error_at(
                    self.column(),
                    format!("`{name}` takes one argument; expected `)`"),
                ));
            }
        }
        if name == "min" || name == "max" {
            self.expect(Kind::Comma, &format!("`,` (`{name}` takes two arguments)"))?;
            let second = self.sum_at(depth + 1)?;
            self.expect(Kind::Close, &format!("`)` (`{name}` takes two arguments)"))?;
            let (a, b) = (Box::new(first), Box::new(second));
            return Ok(if name == "min" {
                Expr::Min(a, b)
            } else {
                Expr::Max(a, b)
            });
        }
        // An activation: the first argument is its input, the rest its parameters, as
        // text (`leaky_relu(x, 0.1)` → `leaky_relu(0.1)`).
        let mut parameters = Vec::new();
        while self.eat(&Kind::Comma) {
            parameters.push(self.parameter_text(name)?);
        }
        self.expect(Kind::Close, "`,` or `)`")?;
        let spec = if parameters.is_empty() {
            name.to_string()
        } else {
            format!("{name}({})", parameters.join(", "))
        };
        let activation = match super::parse_named(&spec) {
            Ok(Activation::Elementwise(e)) => e,
            Ok(other) => {
                return Err(self.error_at(
                    column,
                    format!("`{other}` is not elementwise and cannot be used in an expression"),
                ))
            }
            Err(ActivationError::UnknownName { suggestion, .. }) => {
                return Err(self.error_at(
                    column,
                    format!(
                        "unknown function `{name}`{suggestion}; functions: {}, min, max, and every elementwise activation",
                        Func::PUBLIC.map(|(n, _)| n).join(", ")
                    ),
                ))
            }
            Err(err) => return Err(self.error_at(column, err.to_string())),
        };
        Ok(Expr::Act {
            activation,
            order: 0,
            arg: Box::new(first),
        })
    }

    /// The raw text of one activation parameter: tokens up to the next top-level `,` or `)`.
    fn parameter_text(&mut self, name: &str) -> Result<String, ActivationError> {
        let mut text = String::new();
        let mut depth = 0usize;
        let start = self.column();
        while let Some(token) = self.peek() {
            match token.kind {
                Kind::Comma | Kind::Close if depth == 0 => break,
                Kind::Open => depth += 1,
                Kind::Close => depth -= 1,
                _ => {}
            }
            text.push_str(&token.text);
            self.position += 1;
        }
        if text.is_empty() {
            return Err(self.error_at(start, format!("empty parameter of `{name}`")));
        }
        Ok(text)
    }
}
