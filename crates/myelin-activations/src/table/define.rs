//! The macros that turn the rows of [`crate::table`] into the [`Elementwise`] enum and
//! every per-activation `match` (names, parser, printer, validation, evaluation, op
//! dispatch, metadata, gains, recommended initialisation, docs table).
//!
//! Every row must spell out every section in a fixed order; a missing or misspelled
//! section does not match the macro's pattern and is a compile error.
//!
//! [`Elementwise`]: crate::spec::Elementwise

/// Defines `$name<T>` (the function) and `$prime<T>` (its derivative as a function), both
/// `UnaryFn<T>` with the listed parameters stored as `T`, and implements
/// [`Kernel`](crate::tensor_ops::unary::Kernel) for `$name`.
macro_rules! activation_fn {
    (
        $(#[$doc:meta])*
        $name:ident, $prime:ident, $label:literal, [$($p:ident),*],
        f: |$x:ident| $f:expr,
        df: |$dx:ident, $y:ident| $df:expr,
        d1: |$x1:ident| $d1:expr,
        d2: |$x2:ident| $d2:expr $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<T> {
            $(
                #[doc = concat!("The `", stringify!($p), "` parameter.")]
                pub $p: T,
            )*
            _element: ::std::marker::PhantomData<T>,
        }

        impl<T: ::myelin_tensor::Element> $name<T> {
            /// The function with these parameters.
            #[allow(clippy::new_without_default)]
            pub fn new($($p: T),*) -> Self {
                $name { $($p,)* _element: ::std::marker::PhantomData }
            }
        }

        #[doc = concat!("The derivative of [`", stringify!($name), "`] as a function (its `df` is the second derivative).")]
        #[derive(Clone, Copy, Debug)]
        pub struct $prime<T> {
            $(
                #[doc = concat!("The `", stringify!($p), "` parameter.")]
                pub $p: T,
            )*
            _element: ::std::marker::PhantomData<T>,
        }

        impl<T: ::myelin_tensor::Element> ::myelin_tensor::UnaryFn<T> for $name<T> {
            fn name(&self) -> &'static str {
                $label
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn f(&self, $x: T) -> T {
                let $name { $($p,)* .. } = *self;
                $f
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn df(&self, $dx: T, $y: T) -> T {
                let $name { $($p,)* .. } = *self;
                $df
            }
            fn derivative(&self) -> Option<::std::sync::Arc<dyn ::myelin_tensor::UnaryFn<T>>> {
                Some(::std::sync::Arc::new($prime { $($p: self.$p,)* _element: ::std::marker::PhantomData }))
            }
        }

        impl<T: ::myelin_tensor::Element> $crate::tensor_ops::unary::Kernel<T> for $name<T> {
            #[inline(always)]
            #[allow(unused_variables)]
            fn first(&self, $x1: T) -> T {
                let $name { $($p,)* .. } = *self;
                $d1
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn second(&self, $x2: T) -> T {
                let $name { $($p,)* .. } = *self;
                $d2
            }
        }

        impl<T: ::myelin_tensor::Element> ::myelin_tensor::UnaryFn<T> for $prime<T> {
            fn name(&self) -> &'static str {
                concat!($label, "_backward")
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn f(&self, $x1: T) -> T {
                let $prime { $($p,)* .. } = *self;
                $d1
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn df(&self, $x2: T, _y: T) -> T {
                let $prime { $($p,)* .. } = *self;
                $d2
            }
        }
    };
}

/// The kernel struct(s) of one row: `kernel: (|p| Struct / Prime [k = expr, ..] { f, df,
/// d1, d2 })` defines them; `kernel: (|p, v| dispatch expr)` uses kernels defined by hand.
macro_rules! row_kernel_struct {
    ($(#[$doc:meta])* $label:literal, (|$p:ident| $Struct:ident / $Prime:ident [$($k:ident = $kexpr:expr),* $(,)?] {
        f: |$x:ident| $f:expr,
        df: |$dx:ident, $y:ident| $df:expr,
        d1: |$x1:ident| $d1:expr,
        d2: |$x2:ident| $d2:expr $(,)?
    })) => {
        activation_fn!($(#[$doc])* $Struct, $Prime, $label, [$($k),*],
            f: |$x| $f, df: |$dx, $y| $df, d1: |$x1| $d1, d2: |$x2| $d2);
    };
    ($(#[$doc:meta])* $label:literal, (|$p:ident, $v:ident| dispatch $body:expr)) => {};
}

/// The expression that hands a row's kernel to the visitor `$visitor` (parameters
/// converted to `$T`, the learnable parameter `$parameter`).
macro_rules! row_kernel_visit {
    ($T:ty, $parameter:expr, $visitor:expr, (|$p:ident| $Struct:ident / $Prime:ident [$($k:ident = $kexpr:expr),* $(,)?] { $($math:tt)* })) => {{
        #[allow(unused_variables)]
        let $p: $T = $parameter;
        $visitor.visit(kernels::$Struct::<$T>::new($($kexpr),*))
    }};
    ($T:ty, $parameter:expr, $visitor:expr, (|$p:ident, $v:ident| dispatch $body:expr)) => {{
        #[allow(unused_variables)]
        let $p: $T = $parameter;
        let $v = $visitor;
        $body
    }};
}

/// Builds the enum: unit variants for rows without parameters, struct variants otherwise
/// (a tt-muncher, since a macro cannot be called inside an `enum` body).
macro_rules! elementwise_enum {
    (@done [$($variants:tt)*] [$($extra:tt)*]) => {
        /// An activation applied to each element independently, with its parameters.
        ///
        /// Generated from the table in [`crate::table`] (one row per activation).
        /// Defaults (PyTorch's where it has the function) are those of
        /// [`Activation::all_defaults`](crate::Activation::all_defaults).
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Elementwise {
            $($variants)*
            $($extra)*
        }
    };
    (@acc [$($done:tt)*] [$($extra:tt)*]) => {
        elementwise_enum!(@done [$($done)*] [$($extra)*]);
    };
    (@acc [$($done:tt)*] [$($extra:tt)*] $(#[$doc:meta])* $V:ident {} ; $($rest:tt)*) => {
        elementwise_enum!(@acc [$($done)* $(#[$doc])* $V,] [$($extra)*] $($rest)*);
    };
    (@acc [$($done:tt)*] [$($extra:tt)*] $(#[$doc:meta])* $V:ident { $($fields:tt)+ } ; $($rest:tt)*) => {
        elementwise_enum!(@acc [$($done)* $(#[$doc])* $V { $($fields)+ },] [$($extra)*] $($rest)*);
    };
}

/// The table macro: one row per elementwise activation.
macro_rules! define_elementwise {
    (
        $(
            $(#[$doc:meta])*
            $Variant:ident {
                name: $name:literal,
                aliases: [$($alias:literal),* $(,)?],
                params: { $( $(#[$pdoc:meta])* $field:ident : $ty:ty = $default:expr, aliases [$($palias:literal),* $(,)?]; )* },
                validate: |$check:ident, $vname:ident| $validate:expr,
                kernel: $kernel:tt,
                learnable: $learnable:expr,
                parameter_derivative: |$lx:ident, $lp:ident| $pd:expr,
                meta: |$this:ident| $meta:expr,
                pytorch_gain: $gain:expr,
                init: $init:ident,
                docs: [$formula:literal, $dformula:literal, $use_for:literal, $watch:literal $(,)?],
            }
        )*
    ) => {
        elementwise_enum!(@acc [] [
            /// A user-defined activation: an expression (`expr(...)`) or a registered
            /// function ([`crate::custom`]).
            Custom($crate::custom::CustomActivation),
        ] $( $(#[$doc])* $Variant { $( $(#[$pdoc])* $field: $ty, )* } ; )*);

        /// The kernels ([`UnaryFn`](myelin_tensor::UnaryFn)s) generated from the table.
        pub mod kernels {
            #[allow(unused_imports)]
            use super::*;
            $( row_kernel_struct!($(#[$doc])* $name, $kernel); )*
        }

        /// Canonical names, each with its accepted aliases (all lower case; `-` is read as
        /// `_`): the elementwise rows of the table in order, then softmax and log-softmax.
        pub const NAMES: &[(&str, &[&str])] = &[
            $( ($name, &[$($alias),*]), )*
            ("softmax", &[]),
            ("log_softmax", &["logsoftmax"]),
        ];

        /// The docs row of every elementwise activation: (formula, derivative, use it for,
        /// watch out for), in table order.
        pub(crate) const ELEMENTWISE_DOCS: &[[&str; 4]] = &[
            $( [$formula, $dformula, $use_for, $watch], )*
        ];

        impl Elementwise {
            /// The canonical name, e.g. `"leaky_relu"`.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Elementwise::$Variant { .. } => $name, )*
                    // An anonymous expression's name is its whole spec, so the name parses back.
                    Elementwise::Custom(c) => c.spec(),
                }
            }

            /// The parameters as `(name, printed value)`, in positional order.
            pub(crate) fn spec_arguments(&self) -> Vec<(&'static str, String)> {
                match self {
                    $( Elementwise::$Variant { $($field),* } => vec![
                        $( (stringify!($field), $crate::spec::SpecValue::show($field)), )*
                    ], )*
                    Elementwise::Custom(_) => vec![],
                }
            }

            /// Checks the parameters: the same rules the text parser applies (for example
            /// `hardtanh` needs `min < max`, `softplus` a finite `beta > 0`, the shrinks a
            /// finite `lambda ≥ 0`). Called by the parser, by [`crate::apply`] and by
            /// [`crate::ActivationOp::try_new`].
            ///
            /// ```
            /// use myelin_activations::spec::Elementwise;
            /// let bad = Elementwise::HardTanh { min: 2.0, max: 1.0 };
            /// let err = bad.validate().unwrap_err().to_string();
            /// assert!(err.contains("hardtanh") && err.contains("less than max"), "{err}");
            /// assert!(Elementwise::HardTanh { min: -1.0, max: 1.0 }.validate().is_ok());
            /// ```
            pub fn validate(&self) -> Result<(), $crate::ActivationError> {
                #[allow(unused_imports)]
                use $crate::spec::Rule::*;
                match *self {
                    $( #[allow(unused_variables)] Elementwise::$Variant { $($field),* } => {
                        let $vname: &'static str = $name;
                        #[allow(unused_variables)]
                        let $check = |parameter: &str, value: f64, rule: $crate::spec::Rule| {
                            $crate::spec::check($vname, parameter, value, rule)
                        };
                        $validate
                    } )*
                    Elementwise::Custom(_) => Ok(()),
                }
            }

            /// The learnable parameter, if the activation has one: PReLU's `weight` and
            /// `swish(beta=learnable)`'s `beta`.
            pub fn learnable_parameter(&self) -> Option<$crate::LearnableParameter> {
                match *self {
                    $( #[allow(unused_variables)] Elementwise::$Variant { $($field),* } => $learnable, )*
                    Elementwise::Custom(_) => None,
                }
            }

            /// `∂f/∂p (x, p)` for the learnable parameter `p` (PReLU: `x` for `x ≤ 0`, else 0;
            /// swish: `x²σ'(βx)`), or `None` when the activation has no learnable parameter.
            #[inline]
            pub fn parameter_derivative<T: ::myelin_tensor::Element>(&self, x: T, parameter: T) -> Option<T> {
                match *self {
                    $( #[allow(unused_variables)] Elementwise::$Variant { $($field),* } => {
                        #[allow(unused_variables)]
                        let ($lx, $lp) = (x, parameter);
                        $pd
                    } )*
                    Elementwise::Custom(_) => None,
                }
            }

            /// Hands the activation's monomorphic kernel (parameters converted to `T`, a
            /// learnable parameter set to `parameter`) to `visitor`: one `match`, outside any
            /// per-element loop.
            #[inline]
            pub fn visit_kernel<T: ::myelin_tensor::Element, V: $crate::tensor_ops::unary::KernelVisitor<T>>(
                &self,
                parameter: T,
                visitor: V,
            ) -> V::Output {
                match *self {
                    $( #[allow(unused_variables)] Elementwise::$Variant { $($field),* } => {
                        row_kernel_visit!(T, parameter, visitor, $kernel)
                    } )*
                    Elementwise::Custom(c) => visitor.visit(c.kernel::<T>()),
                }
            }

            /// The declared part of the metadata.
            pub(crate) fn declared(&self) -> $crate::meta::Declared {
                match *self {
                    $( #[allow(unused_variables)] Elementwise::$Variant { $($field),* } => {
                        let $this = self;
                        $meta
                    } )*
                    Elementwise::Custom(c) => c.declared(),
                }
            }

            /// `torch.nn.init.calculate_gain`'s value, where PyTorch defines one.
            pub(crate) fn table_pytorch_gain(&self) -> Option<f64> {
                match *self {
                    $( #[allow(unused_variables)] Elementwise::$Variant { $($field),* } => $gain, )*
                    Elementwise::Custom(_) => None,
                }
            }

            /// The weight initialisation practitioners start with for this activation.
            pub fn recommended_init(&self) -> $crate::meta::InitFamily {
                match *self {
                    $( Elementwise::$Variant { .. } => $crate::meta::InitFamily::$init, )*
                    // Unbounded by assumption; the lab gives custom activations the critical init.
                    Elementwise::Custom(_) => $crate::meta::InitFamily::He,
                }
            }
        }

        /// Builds the elementwise activation named `name` (canonical) from its bound
        /// arguments, or `None` when `name` is not an elementwise activation.
        pub(crate) fn build_elementwise(
            name: &str,
            bound: &$crate::spec::Bound,
        ) -> Result<Option<Elementwise>, $crate::ActivationError> {
            Ok(Some(match name {
                $( $name => Elementwise::$Variant {
                    $( $field: <$ty as $crate::spec::SpecValue>::read(bound, stringify!($field), $default)?, )*
                }, )*
                _ => return Ok(None),
            }))
        }

        /// The parameters (canonical name, aliases) of the elementwise activation `name`, in
        /// positional order, or `None` when `name` is not one.
        pub(crate) fn elementwise_parameters(name: &str) -> Option<&'static [(&'static str, &'static [&'static str])]> {
            match name {
                $( $name => Some(&[ $( (stringify!($field), &[$($palias),*]), )* ]), )*
                _ => None,
            }
        }
    };
}
