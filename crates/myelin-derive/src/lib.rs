//! `#[derive(Module)]` for Myelin. Import it together with the trait as
//! `use myelin::nn::Module;` (or `use myelin_nn::Module;`); the documentation, with
//! examples, is in `myelin_nn::module::derive` (the `derive` module of `myelin-nn`).
//!
//! The macro reads each field of the struct:
//!
//! | field | what the derive does |
//! |---|---|
//! | a module (`Linear<T>`, `Box<dyn Module<T>>`, your own) | a child named after the field |
//! | `Vec<M>` of modules | children `field.0`, `field.1`, … |
//! | `Option<M>` of a module | a child when `Some` |
//! | `#[module(param)]` `Tensor<T>` / `Option<Tensor<T>>` / `Vec<Tensor<T>>` | a parameter |
//! | `#[module(buffer)]` same types | a buffer (non-learnable state) |
//! | `#[module(training)] bool` | this module's own train/eval flag |
//! | `ForwardHooks<T>` | storage for `register_forward_hook` |
//! | `#[module(skip)]` anything | ignored |
//!
//! A field without a marker must be a module, so a forgotten child is a compile error
//! ("the trait `Module<T>` is not implemented for …") rather than parameters that
//! silently never train.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::{
    parse_macro_input, Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type,
};

/// Implements `myelin_nn::Module` for a struct of modules and parameters; the struct
/// implements `myelin_nn::module::Forward` for the computation itself.
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Child,
    ChildVec,
    ChildOption,
    Param,
    Buffer,
    Training,
    Hooks,
    Skip,
}

struct Field {
    access: TokenStream2,
    name: String,
    kind: Kind,
}

/// `#[module(...)]` on the struct: `crate = "path"` and `element = "f64"`.
struct StructOptions {
    krate: Option<syn::Path>,
    element: Option<Type>,
}

fn struct_options(input: &DeriveInput) -> syn::Result<StructOptions> {
    let mut options = StructOptions {
        krate: None,
        element: None,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("module")) {
        attr.parse_nested_meta(|meta| {
            let value: syn::LitStr = meta.value()?.parse()?;
            if meta.path.is_ident("crate") {
                options.krate = Some(value.parse()?);
            } else if meta.path.is_ident("element") {
                options.element = Some(value.parse()?);
            } else {
                return Err(meta.error("expected `crate = \"…\"` or `element = \"f32\"/\"f64\"`"));
            }
            Ok(())
        })?;
    }
    Ok(options)
}

fn field_kind(field: &syn::Field) -> syn::Result<Kind> {
    let mut kind = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("module")) {
        attr.parse_nested_meta(|meta| {
            let k = if meta.path.is_ident("param") {
                Kind::Param
            } else if meta.path.is_ident("buffer") {
                Kind::Buffer
            } else if meta.path.is_ident("skip") {
                Kind::Skip
            } else if meta.path.is_ident("training") {
                Kind::Training
            } else {
                return Err(meta.error("expected `param`, `buffer`, `training` or `skip`"));
            };
            if kind.replace(k).is_some() {
                return Err(meta.error("a field takes one `#[module(…)]` marker"));
            }
            Ok(())
        })?;
    }
    if let Some(kind) = kind {
        return Ok(kind);
    }
    Ok(match last_segment(&field.ty) {
        Some((name, _)) if name == "ForwardHooks" => Kind::Hooks,
        Some((name, Some(_))) if name == "Vec" => Kind::ChildVec,
        Some((name, Some(_))) if name == "Option" => Kind::ChildOption,
        _ => Kind::Child,
    })
}

/// The last path segment of a type and its first generic type argument.
fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    let arg = match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    };
    Some((segment.ident.to_string(), arg))
}

/// Where `myelin_nn` is for the crate being compiled: a direct `myelin-nn` dependency,
/// or the `myelin` facade's `nn`.
fn crate_path() -> syn::Path {
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    if package == "myelin-nn" || package == "myelin" {
        return syn::parse_quote!(::myelin_nn);
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .ok()
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok())
        .unwrap_or_default();
    let declares = |name: &str| {
        manifest.lines().any(|line| {
            let line = line.trim();
            let table = format!("[dependencies.{name}]");
            line == table
                || line.strip_prefix(name).is_some_and(|rest| {
                    let rest = rest.trim_start();
                    rest.starts_with('=') || rest.starts_with(".workspace")
                })
        })
    };
    if !declares("myelin-nn") && declares("myelin") {
        syn::parse_quote!(::myelin::nn)
    } else {
        syn::parse_quote!(::myelin_nn)
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let options = struct_options(input)?;
    let krate = options.krate.unwrap_or_else(crate_path);
    let element: Type = match (options.element, input.generics.type_params().next()) {
        (Some(e), _) => e,
        (None, Some(p)) => {
            let ident = &p.ident;
            syn::parse_quote!(#ident)
        }
        (None, None) => syn::parse_quote!(f32),
    };
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "#[derive(Module)] needs a struct",
        ));
    };
    let mut fields = Vec::new();
    match &data.fields {
        Fields::Named(named) => {
            for f in &named.named {
                let ident = f.ident.as_ref().expect("named field");
                fields.push(Field {
                    access: quote!(#ident),
                    name: ident.to_string().trim_start_matches("r#").to_string(),
                    kind: field_kind(f)?,
                });
            }
        }
        Fields::Unnamed(unnamed) => {
            for (i, f) in unnamed.unnamed.iter().enumerate() {
                let index = syn::Index::from(i);
                fields.push(Field {
                    access: quote!(#index),
                    name: i.to_string(),
                    kind: field_kind(f)?,
                });
            }
        }
        Fields::Unit => {}
    }
    let has = |k: Kind| fields.iter().any(|f| f.kind == k);
    if has(Kind::Training) && fields.iter().filter(|f| f.kind == Kind::Training).count() > 1 {
        return Err(syn::Error::new_spanned(
            name,
            "only one field can be `#[module(training)]`",
        ));
    }
    let is_child = |k: Kind| matches!(k, Kind::Child | Kind::ChildVec | Kind::ChildOption);
    if !has(Kind::Training) && !fields.iter().any(|f| is_child(f.kind)) {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("#[derive(Module)] on `{name}`: a module without child modules needs a `#[module(training)] training: bool` field to hold its train/eval mode"),
        ));
    }

    let m = quote!(#krate::Module::<#element>);
    let p = quote!(#krate::__private);
    let tensor = quote!(#p::Tensor<#element>);

    // Every child, in declaration order, through `body(name, child)`.
    let each_child = |body: &dyn Fn(TokenStream2, TokenStream2) -> TokenStream2, mutable: bool| {
        fields
            .iter()
            .filter(|f| is_child(f.kind))
            .map(|f| child_visit(f, body, mutable))
            .collect::<TokenStream2>()
    };
    // Parameters (or buffers): own tensors and children's, in declaration order (the
    // analogue of PyTorch's registration order), children's names prefixed.
    let named = |method: Ident, own: Kind| {
        let mut ordered = TokenStream2::new();
        for f in &fields {
            let access = &f.access;
            let label = &f.name;
            if f.kind == own {
                ordered.extend(quote! { #p::TensorField::<#element>::push_named(&self.#access, #label, &mut out); });
            } else if is_child(f.kind) {
                ordered.extend(child_visit(
                    f,
                    &|label, child| quote! { #p::extend_prefixed(&mut out, &#label, #m::#method(#child)); },
                    false,
                ));
            }
        }
        quote! {
            fn #method(&self) -> ::std::vec::Vec<(::std::string::String, #tensor)> {
                let mut out = ::std::vec::Vec::new();
                #ordered
                out
            }
        }
    };
    let named_parameters = named(format_ident!("named_parameters"), Kind::Param);
    let named_buffers = named(format_ident!("named_buffers"), Kind::Buffer);

    let train_children = each_child(&|_, child| quote! { #m::train(#child, mode); }, true);
    let set_flag = fields.iter().filter(|f| f.kind == Kind::Training).map(|f| {
        let access = &f.access;
        quote! { self.#access = mode; }
    });
    let is_training = match fields.iter().find(|f| f.kind == Kind::Training) {
        Some(f) => {
            let access = &f.access;
            quote! { self.#access }
        }
        None => {
            let first = each_child(
                &|_, child| quote! { return #m::is_training(#child); },
                false,
            );
            quote! { #first true }
        }
    };
    let describe_children = each_child(
        &|label, child| quote! { parts.push(::std::format!("({}): {}", #label, #m::describe(#child))); },
        false,
    );
    let title = name.to_string();
    let (forward_body, hooks_method) = match fields.iter().find(|f| f.kind == Kind::Hooks) {
        Some(f) => {
            let access = &f.access;
            (
                quote! { ::std::result::Result::Ok(self.#access.run(self, x, y)) },
                quote! {
                    fn register_forward_hook_boxed(&self, hook: #p::ForwardHook<#element>) -> #krate::Result<#p::HookHandle> {
                        ::std::result::Result::Ok(self.#access.register(hook))
                    }
                },
            )
        }
        None => (quote! { ::std::result::Result::Ok(y) }, quote! {}),
    };
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #name #ty_generics #where_clause {
            /// Runs the module: its `Forward::forward`, then its forward hooks (the
            /// same as `Module::forward`; generated by `#[derive(Module)]`).
            #[allow(dead_code)]
            pub fn forward(&self, x: &#tensor) -> #krate::Result<#tensor> {
                <Self as #krate::Module<#element>>::forward(self, x)
            }
        }

        impl #impl_generics #krate::Module<#element> for #name #ty_generics #where_clause {
            fn forward(&self, x: &#tensor) -> #krate::Result<#tensor> {
                let y: #tensor = <Self as #krate::module::Forward<#element>>::forward(self, x)?;
                #forward_body
            }
            #named_parameters
            #named_buffers
            fn train(&mut self, mode: bool) {
                #train_children
                #(#set_flag)*
            }
            #[allow(unreachable_code)]
            fn is_training(&self) -> bool {
                #is_training
            }
            fn describe(&self) -> ::std::string::String {
                let mut parts: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::new();
                #describe_children
                ::std::format!("{}({})", #title, parts.join(", "))
            }
            #hooks_method
        }
    })
}

/// Visits one child field (a module, `Vec` of modules or `Option` of a module).
fn child_visit(
    f: &Field,
    body: &dyn Fn(TokenStream2, TokenStream2) -> TokenStream2,
    mutable: bool,
) -> TokenStream2 {
    let access = &f.access;
    let label = &f.name;
    let (reference, iter, some) = if mutable {
        (
            quote!(&mut self.#access),
            quote!(iter_mut()),
            quote!(Some(child) = &mut self.#access),
        )
    } else {
        (
            quote!(&self.#access),
            quote!(iter()),
            quote!(Some(child) = &self.#access),
        )
    };
    match f.kind {
        Kind::Child => body(quote!(::std::string::String::from(#label)), reference),
        Kind::ChildVec => {
            let inner = body(
                quote!(::std::format!("{}.{}", #label, index)),
                quote!(child),
            );
            quote! { for (index, child) in self.#access.#iter.enumerate() { #inner } }
        }
        _ => {
            let inner = body(quote!(::std::string::String::from(#label)), quote!(child));
            quote! { if let #some { #inner } }
        }
    }
}
