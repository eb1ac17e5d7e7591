//! User-defined activations, first-class: an expression (`expr(x * tanh(softplus(x)))`)
//! or a Rust [`UnaryFn`] registered under a name. Both become an
//! [`Elementwise::Custom`] value that works wherever a built-in activation does: the
//! tensor op (with gradients and gradients of gradients), scalar evaluation
//! (`value`/`derivative`/`second_derivative`), metadata, gains, the lab's theory and probe,
//! and the `mlp` builder.
//!
//! **Where the derivatives come from.** A registered [`UnaryFn`] brings its own `df` and
//! [`UnaryFn::derivative`] chain (the custom-op API; the engine differentiates through it
//! like through any built-in). An expression is differentiated by the chain rule on its
//! tree, one rule per node ([`derive`]); those derivatives are themselves compiled
//! expressions, so the kernel of order *k* returns the kernel of order *k + 1* as its
//! [`UnaryFn::derivative`], and `create_graph` backward works to any order the expression
//! supports (built-in activations inside it provide `f`, `f′` and `f″`, so an expression
//! that calls one has two orders of derivatives; one made of elementary functions has
//! [`MAX_ORDER`]). Tests check these derivatives against finite differences and against
//! the engine's autodiff of the same formula written in tensor ops.
//!
//! **Identity.** A custom activation is a small copyable handle into a process-wide
//! registry. Expressions are interned by their canonical text, so `expr(x*x)` and
//! `expr( x * x )` are the same activation, and equal handles mean equal functions.
//!
//! ```
//! use myelin_activations::{Activation, Elementwise};
//!
//! let mish: Activation = "expr(x * tanh(softplus(x)))".parse().unwrap();
//! assert_eq!(mish.to_string(), "expr(x * tanh(softplus(x)))");
//! let e = mish.as_elementwise().unwrap();
//! let builtin: Elementwise = "mish".parse().unwrap();
//! assert!((e.value(0.7f64) - builtin.value(0.7f64)).abs() < 1e-15);
//! assert!((e.derivative(0.7f64) - builtin.derivative(0.7f64)).abs() < 1e-14);
//!
//! // Parse errors point at the column.
//! let err = "expr(x * tanh(x) +)".parse::<Activation>().unwrap_err().to_string();
//! assert!(err.contains("column 19"), "{err}");
//! ```

mod derive;
mod expr;
mod parse;
mod program;

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock, RwLock};

use myelin_tensor::{Element, UnaryFn};

use crate::error::ActivationError;
use crate::meta::{interval, Declared, Saturation, Smoothness};
use crate::spec::{Activation, Elementwise};
use expr::Expr;
use program::Program;

pub(crate) use parse::expression_error;

/// Highest derivative order compiled for an expression made of elementary functions.
pub const MAX_ORDER: usize = 4;

/// Largest derivative expression (in tree nodes) compiled; deeper orders are dropped.
const MAX_NODES: usize = 50_000;

/// A handle to a user-defined activation (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CustomActivation(u32);

/// How an entry was defined.
#[derive(Debug)]
enum Source {
    /// An anonymous expression, printed `expr(<canonical text>)`.
    Anonymous,
    /// A named expression (config file, [`register_expr`]), printed by its name.
    NamedExpr,
    /// A Rust function ([`register_activation`]), printed by its name.
    Rust,
}

/// One registered activation.
struct Entry {
    /// Printed form: `expr(...)` or the registered name.
    display: String,
    /// The defining text (`x * tanh(softplus(x))`; empty for Rust functions).
    expression: String,
    source: Source,
    /// `chain[k]` evaluates the k-th derivative (`f`) and the (k+1)-th (`df`).
    chain: Vec<Arc<dyn UnaryFn<f64>>>,
    kinks: Vec<f64>,
    smoothness: Smoothness,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("display", &self.display)
            .field("source", &self.source)
            .field("orders", &self.chain.len())
            .finish()
    }
}

#[derive(Default)]
struct Registry {
    /// Leaked once per distinct definition; a process defines a handful.
    entries: Vec<&'static Entry>,
    by_name: HashMap<String, u32>,
    by_expression: HashMap<String, u32>,
}

fn registry() -> &'static RwLock<Registry> {
    static REGISTRY: OnceLock<RwLock<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn entry(id: CustomActivation) -> &'static Entry {
    let registry = registry().read().unwrap_or_else(|p| p.into_inner());
    registry.entries[id.0 as usize]
}

fn insert(registry: &mut Registry, entry: Entry) -> CustomActivation {
    let id = registry.entries.len() as u32;
    registry.entries.push(Box::leak(Box::new(entry)));
    CustomActivation(id)
}

/// One order of an expression's derivative chain: `f` is the k-th derivative, `df` the
/// (k+1)-th, `derivative()` the next link.
struct ExprFn {
    name: &'static str,
    value: Program,
    slope: Program,
    next: Option<Arc<dyn UnaryFn<f64>>>,
}

impl UnaryFn<f64> for ExprFn {
    fn name(&self) -> &'static str {
        self.name
    }
    fn f(&self, x: f64) -> f64 {
        self.value.eval(x)
    }
    fn df(&self, x: f64, _y: f64) -> f64 {
        self.slope.eval(x)
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<f64>>> {
        self.next.clone()
    }
    fn saves_output(&self) -> bool {
        false
    }
}

/// Compiles the derivative chain of `e`.
fn expression_chain(name: &'static str, e: &Expr) -> Vec<Arc<dyn UnaryFn<f64>>> {
    let mut programs = Vec::new();
    let mut current = e.clone();
    // Orders 0..=MAX_ORDER as far as they exist and stay small.
    for _ in 0..=MAX_ORDER {
        let Some(program) = Program::compile(&current) else {
            break;
        };
        programs.push(program);
        match derive::derivative(&current) {
            Some(next) if next.size() <= MAX_NODES => current = next,
            _ => break,
        }
    }
    // Link from the top: link k needs programs k and k + 1.
    let mut chain: Vec<Arc<dyn UnaryFn<f64>>> = Vec::new();
    let mut next: Option<Arc<dyn UnaryFn<f64>>> = None;
    for k in (0..programs.len().saturating_sub(1)).rev() {
        let link: Arc<dyn UnaryFn<f64>> = Arc::new(ExprFn {
            name,
            value: programs[k].clone(),
            slope: programs[k + 1].clone(),
            next: next.clone(),
        });
        chain.push(link.clone());
        next = Some(link);
    }
    chain.reverse();
    chain
}

/// Points where an expression is not smooth, when they can be located: the argument of
/// `abs`, `min`/`max` and a built-in activation's kinks, where that argument is affine in `x`.
fn expression_kinks(e: &Expr, out: &mut Vec<f64>) {
    let affine_root = |u: &Expr, target: f64| -> Option<f64> {
        let slope = derive::derivative(u)?;
        if slope.has_x() {
            return None;
        }
        let slope = slope.eval(0.0);
        (slope != 0.0 && slope.is_finite()).then(|| (target - u.eval(0.0)) / slope)
    };
    match e {
        Expr::Call(f, a) if !f.is_smooth() => out.extend(affine_root(a, 0.0)),
        Expr::Act {
            activation, arg, ..
        } => {
            for k in activation.meta().kinks {
                out.extend(affine_root(arg, k));
            }
        }
        Expr::Min(a, c) | Expr::Max(a, c) => {
            out.extend(affine_root(&derive::sub((**a).clone(), (**c).clone()), 0.0));
        }
        _ => {}
    }
    for child in e.children() {
        expression_kinks(child, out);
    }
}

/// The least smooth part of an expression.
fn expression_smoothness(e: &Expr) -> Smoothness {
    let own = match e {
        Expr::Call(f, _) if !f.is_smooth() => Smoothness::C0,
        Expr::Min(..) | Expr::Max(..) => Smoothness::C0,
        Expr::Act { activation, .. } => activation.meta().smoothness,
        Expr::IfLess { .. } => Smoothness::Discontinuous,
        _ => Smoothness::CInfinity,
    };
    e.children()
        .into_iter()
        .map(expression_smoothness)
        .fold(own, Smoothness::min)
}

fn sorted_unique(mut kinks: Vec<f64>) -> Vec<f64> {
    kinks.retain(|k| k.is_finite());
    kinks.sort_by(f64::total_cmp);
    kinks.dedup();
    kinks
}

/// Parses `text` (the inside of `expr(...)`) and interns it. `spec` and `column_offset`
/// place error columns in what the user wrote.
pub(crate) fn intern_expression(
    spec: &str,
    text: &str,
    column_offset: usize,
) -> Result<CustomActivation, ActivationError> {
    let tree = parse::parse_expression(spec, text, column_offset)?;
    let canonical = tree.to_string();
    if let Some(&id) = registry()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .by_expression
        .get(&canonical)
    {
        return Ok(CustomActivation(id));
    }
    let chain = expression_chain("expr", &tree);
    if chain.is_empty() {
        return Err(expression_error(
            spec,
            column_offset + 1,
            "the expression is too large to differentiate",
        ));
    }
    let mut kinks = Vec::new();
    expression_kinks(&tree, &mut kinks);
    let new = Entry {
        display: format!("expr({canonical})"),
        expression: canonical.clone(),
        source: Source::Anonymous,
        chain,
        kinks: sorted_unique(kinks),
        smoothness: expression_smoothness(&tree),
    };
    let mut registry = registry().write().unwrap_or_else(|p| p.into_inner());
    if let Some(&id) = registry.by_expression.get(&canonical) {
        return Ok(CustomActivation(id));
    }
    let id = insert(&mut registry, new);
    registry.by_expression.insert(canonical, id.0);
    Ok(id)
}

/// Checks that `name` can name a custom activation (not a built-in, a plain identifier).
fn check_name(name: &str) -> Result<String, ActivationError> {
    let lower = name.trim().to_ascii_lowercase();
    let valid = !lower.is_empty()
        && lower.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !lower.starts_with(|c: char| c.is_ascii_digit());
    if !valid {
        return Err(ActivationError::Custom {
            name: name.to_string(),
            reason:
                "a custom activation's name is letters, digits and `_`, not starting with a digit"
                    .into(),
        });
    }
    let builtin = crate::spec::NAMES
        .iter()
        .any(|(n, aliases)| *n == lower || aliases.contains(&lower.as_str()));
    let reserved =
        lower == "expr" || lower == "x" || lower == "pi" || lower == "min" || lower == "max";
    if builtin || reserved || expr::Func::PUBLIC.iter().any(|(n, _)| *n == lower) {
        return Err(ActivationError::Custom {
            name: name.to_string(),
            reason: "the name is taken by a built-in activation or function".into(),
        });
    }
    Ok(lower)
}

/// The activation already under `lower`: `Some(Ok)` when it has the same `expression`
/// text, `Some(Err)` when it is another definition, `None` when the name is free.
fn already_named(
    registry: &Registry,
    name: &str,
    lower: &str,
    expression: &str,
) -> Option<Result<Elementwise, ActivationError>> {
    let &id = registry.by_name.get(lower)?;
    let existing = registry.entries[id as usize];
    if matches!(existing.source, Source::NamedExpr) && existing.expression == expression {
        return Some(Ok(Elementwise::Custom(CustomActivation(id))));
    }
    Some(Err(ActivationError::Custom {
        name: name.to_string(),
        reason: format!(
            "already registered as a different activation ({})",
            if existing.expression.is_empty() {
                "a Rust function".to_string()
            } else {
                format!("expr({})", existing.expression)
            }
        ),
    }))
}

/// Registers `name` for a new definition (built by `make` outside the lock, since building
/// reads the registry), or returns the activation already under that name when it has the
/// same `expression` text; another definition under the name is an error.
fn register_named(
    name: &str,
    expression: &str,
    make: impl FnOnce(String) -> Result<Entry, ActivationError>,
) -> Result<Elementwise, ActivationError> {
    let lower = check_name(name)?;
    {
        let registry = registry().read().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = already_named(&registry, name, &lower, expression) {
            return found;
        }
    }
    let entry = make(lower.clone())?;
    let mut registry = registry().write().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = already_named(&registry, name, &lower, expression) {
        return found;
    }
    let id = insert(&mut registry, entry);
    registry.by_name.insert(lower, id.0);
    Ok(Elementwise::Custom(id))
}

/// Registers a named expression activation, e.g. `register_expr("mish2", "x *
/// tanh(softplus(x))")`; afterwards the spec `mish2` parses to it everywhere (CLI,
/// configuration files, `mlp` builder). Registering the same name with the same
/// expression again returns the same activation.
///
/// # Errors
/// A parse error in the expression (with its column), a name taken by a built-in, or a
/// name already registered with another definition.
///
/// ```
/// use myelin_activations::{custom, Activation};
/// let act = custom::register_expr("doc_swish2", "x * sigmoid(2 * x)").unwrap();
/// let parsed: Activation = "doc_swish2".parse().unwrap();
/// assert_eq!(parsed, Activation::Elementwise(act));
/// assert_eq!(parsed.to_string(), "doc_swish2");
/// assert!(custom::register_expr("doc_swish2", "x").is_err());
/// ```
pub fn register_expr(name: &str, expression: &str) -> Result<Elementwise, ActivationError> {
    let tree = parse::parse_expression(expression, expression, 0)?;
    let canonical = tree.to_string();
    register_named(name, &canonical.clone(), |lower| {
        let op_name: &'static str = Box::leak(lower.clone().into_boxed_str());
        let chain = expression_chain(op_name, &tree);
        if chain.is_empty() {
            return Err(expression_error(
                expression,
                1,
                "the expression is too large to differentiate",
            ));
        }
        let mut kinks = Vec::new();
        expression_kinks(&tree, &mut kinks);
        Ok(Entry {
            display: lower,
            expression: canonical,
            source: Source::NamedExpr,
            chain,
            kinks: sorted_unique(kinks),
            smoothness: expression_smoothness(&tree),
        })
    })
}

/// Registers a Rust activation under `name`: `function` gives `f` and `df` (and, through
/// [`UnaryFn::derivative`], higher derivatives for `create_graph`); `kinks` lists the points
/// where `f` or `f′` is not smooth (they make the lab's Gaussian quadrature exact; pass
/// `&[]` for a smooth function). The activation then parses by name and works in every
/// part of Myelin that takes an activation spec. The second derivative (`f″`, used by
/// gradients of gradients) is `function.derivative()`'s `df`, NaN when it has none.
///
/// # Errors
/// A name taken by a built-in activation or function, or already registered.
///
/// ```
/// use std::sync::Arc;
/// use myelin_activations::{custom, Activation};
/// use myelin_tensor::UnaryFn;
///
/// /// `x + sin(x)`.
/// struct Wavy;
/// impl UnaryFn<f64> for Wavy {
///     fn name(&self) -> &'static str { "wavy" }
///     fn f(&self, x: f64) -> f64 { x + x.sin() }
///     fn df(&self, x: f64, _y: f64) -> f64 { 1.0 + x.cos() }
/// }
/// let wavy = custom::register_activation("doc_wavy", Arc::new(Wavy), &[]).unwrap();
/// assert_eq!(wavy.derivative(0.0f64), 2.0);
/// let parsed: Activation = "doc_wavy".parse().unwrap();
/// assert_eq!(parsed.as_elementwise(), Some(&wavy));
/// ```
pub fn register_activation(
    name: &str,
    function: Arc<dyn UnaryFn<f64>>,
    kinks: &[f64],
) -> Result<Elementwise, ActivationError> {
    register_named(name, "", |lower| {
        let mut chain = vec![function.clone()];
        while chain.len() < MAX_ORDER {
            match chain.last().and_then(|f| f.derivative()) {
                Some(next) => chain.push(next),
                None => break,
            }
        }
        let kinks = sorted_unique(kinks.to_vec());
        Ok(Entry {
            display: lower,
            expression: String::new(),
            source: Source::Rust,
            chain,
            smoothness: if kinks.is_empty() {
                Smoothness::CInfinity
            } else {
                Smoothness::C0
            },
            kinks,
        })
    })
}

/// The custom activation registered under `name` (lower-cased), if any.
pub(crate) fn lookup(name: &str) -> Option<Elementwise> {
    let registry = registry().read().unwrap_or_else(|p| p.into_inner());
    registry
        .by_name
        .get(name)
        .map(|&id| Elementwise::Custom(CustomActivation(id)))
}

/// Names of the registered named custom activations (for error messages).
pub(crate) fn registered_names() -> Vec<String> {
    let registry = registry().read().unwrap_or_else(|p| p.into_inner());
    let mut names: Vec<String> = registry.by_name.keys().cloned().collect();
    names.sort();
    names
}

/// Parses a whole spec that is not `expr(...)`: used by the expression parser for calls
/// of activations by name (built-in or registered).
pub(crate) fn parse_named(spec: &str) -> Result<Activation, ActivationError> {
    spec.parse()
}

impl CustomActivation {
    /// The printed spec: `expr(<canonical expression>)`, or the registered name.
    pub fn spec(&self) -> &'static str {
        &entry(*self).display
    }

    /// The defining expression in canonical form (empty for a Rust function).
    pub fn expression(&self) -> &'static str {
        &entry(*self).expression
    }

    /// How many derivatives are available beyond `f` (at least 1: `f′`).
    pub fn derivative_orders(&self) -> usize {
        entry(*self).chain.len()
    }

    pub(crate) fn kernel<T: Element>(&self) -> CustomKernel<T> {
        CustomKernel {
            chain: &entry(*self).chain,
            order: 0,
            _element: PhantomData,
        }
    }

    /// Sampled metadata: range and saturation from a grid, smoothness and kinks from the
    /// expression (declared for a Rust function).
    pub(crate) fn declared(&self) -> Declared {
        let entry = entry(*self);
        let f = &entry.chain[0];
        let grid: Vec<f64> = (-4000..=4000).map(|i| i as f64 * 0.0125).collect();
        let values: Vec<f64> = grid.iter().map(|&x| f.f(x)).collect();
        // The extremes on [−50, 50]; one reached at the edge of the grid is approached, not
        // attained (an asymptote like sigmoid's 0 and 1), or unbounded if it keeps growing.
        let extreme = |better: fn(f64, f64) -> bool, far: [f64; 2], unbounded: f64| {
            let (mut best, mut at) = (f64::NAN, 0);
            for (i, &v) in values.iter().enumerate() {
                if v.is_finite() && (best.is_nan() || better(v, best)) {
                    best = v;
                    at = i;
                }
            }
            let at_edge = values[0] == best || values[values.len() - 1] == best;
            if far.iter().any(|&x| {
                let v = f.f(x);
                v.is_infinite() || better(v, best + if better(1.0, 0.0) { 1.0 } else { -1.0 })
            }) {
                (unbounded, false)
            } else if at_edge {
                ((best * 1e6).round() / 1e6, false)
            } else {
                (refine(&|x| f.f(x), grid[at], better), true)
            }
        };
        let (low, closed_low) = extreme(|a, b| a < b, [-1e4, 1e4], f64::NEG_INFINITY);
        let (high, closed_high) = extreme(|a, b| a > b, [-1e4, 1e4], f64::INFINITY);
        let slope = |x: f64| f.df(x, f.f(x)).abs();
        let flat_left = slope(-50.0) < 1e-6;
        let flat_right = slope(50.0) < 1e-6;
        let saturation = match (flat_left, flat_right) {
            (true, true) => Saturation::Both,
            (true, false) => Saturation::Negative,
            (false, true) => Saturation::Positive,
            (false, false) => Saturation::None,
        };
        crate::meta::declare(
            interval(low, high, closed_low, closed_high),
            entry.smoothness,
            saturation,
            match entry.source {
                Source::Rust => format!("(no PyTorch module: Rust function `{}`)", entry.display),
                _ => format!("(no PyTorch module: {})", entry.expression),
            },
            entry.kinks.clone(),
        )
    }
}

/// The extreme of `f` near `x0` (a grid point within 0.0125 of it), refined by
/// golden-section search; `better(a, b)` says whether `a` is more extreme than `b`.
fn refine(f: &dyn Fn(f64) -> f64, x0: f64, better: fn(f64, f64) -> bool) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (x0 - 0.0125, x0 + 0.0125);
    for _ in 0..80 {
        let c = b - ratio * (b - a);
        let d = a + ratio * (b - a);
        if better(f(c), f(d)) {
            b = d;
        } else {
            a = c;
        }
    }
    let refined = f(0.5 * (a + b));
    if better(f(x0), refined) {
        f(x0)
    } else {
        refined
    }
}

/// The kernel of a custom activation at derivative order `order`: a copyable view of the
/// registry's derivative chain (evaluated in f64, rounded to `T`).
pub struct CustomKernel<T> {
    chain: &'static [Arc<dyn UnaryFn<f64>>],
    order: usize,
    _element: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for CustomKernel<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CustomKernel({}, order {})",
            self.chain[self.order].name(),
            self.order
        )
    }
}

impl<T> Clone for CustomKernel<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for CustomKernel<T> {}

impl<T: Element> UnaryFn<T> for CustomKernel<T> {
    fn name(&self) -> &'static str {
        self.chain[self.order].name()
    }
    #[inline]
    fn f(&self, x: T) -> T {
        T::from_f64(self.chain[self.order].f(x.to_f64()))
    }
    #[inline]
    fn df(&self, x: T, y: T) -> T {
        T::from_f64(self.chain[self.order].df(x.to_f64(), y.to_f64()))
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        (self.order + 1 < self.chain.len()).then(|| {
            Arc::new(CustomKernel::<T> {
                chain: self.chain,
                order: self.order + 1,
                _element: PhantomData,
            }) as Arc<dyn UnaryFn<T>>
        })
    }
    fn saves_output(&self) -> bool {
        self.chain[self.order].saves_output()
    }
    fn saves_input(&self) -> bool {
        self.chain[self.order].saves_input()
    }
}

impl<T: Element> crate::tensor_ops::unary::Kernel<T> for CustomKernel<T> {
    #[inline]
    fn first(&self, x: T) -> T {
        let link = &self.chain[self.order];
        let x = x.to_f64();
        T::from_f64(link.df(x, link.f(x)))
    }
    #[inline]
    fn second(&self, x: T) -> T {
        match self.chain.get(self.order + 1) {
            Some(link) => {
                let x = x.to_f64();
                T::from_f64(link.df(x, link.f(x)))
            }
            None => T::from_f64(f64::NAN),
        }
    }
}

#[cfg(test)]
mod tests;
