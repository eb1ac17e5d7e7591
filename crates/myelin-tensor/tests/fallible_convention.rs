//! The one fallible-op convention (docs/design.md, "Errors"): `try_x` returns an error
//! naming the op and the shapes, and `x` panics with exactly that error's message.

use std::panic::{catch_unwind, AssertUnwindSafe};

use myelin_tensor::{
    scaled_dot_product_attention, scaled_dot_product_attention_with_weights,
    try_scaled_dot_product_attention, try_scaled_dot_product_attention_with_weights, ClosureBinary,
    FoldOptions, MaxPool1dOptions, MaxPool2dOptions, Result, SdpaOptions, Tensor,
};

fn t(shape: &[usize]) -> Tensor<f64> {
    Tensor::<f64>::ones(shape)
}

/// The message a panic carried (`panic!("{e}")` carries a `String`).
fn payload(p: Box<dyn std::any::Any + Send>) -> String {
    match p.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => match p.downcast::<&'static str>() {
            Ok(s) => s.to_string(),
            Err(_) => panic!("the panic carried neither a String nor a &str"),
        },
    }
}

/// `fallible` must fail with a message that mentions every one of `parts`, and `plain`
/// (the same op on the same inputs) must panic with that message, word for word.
fn check<A: std::fmt::Debug, B: std::fmt::Debug>(
    parts: &[&str],
    fallible: impl FnOnce() -> Result<A>,
    plain: impl FnOnce() -> B,
) {
    let message = fallible()
        .expect_err(&format!("the try_ form should fail ({parts:?})"))
        .to_string();
    for p in parts {
        assert!(message.contains(p), "{message:?} should mention {p:?}");
    }
    let outcome = catch_unwind(AssertUnwindSafe(plain));
    let panicked = match outcome {
        Ok(value) => panic!("the plain form returned {value:?} instead of panicking ({message:?})"),
        Err(p) => payload(p),
    };
    assert_eq!(
        panicked, message,
        "the plain form must panic with the try_ form's message"
    );
}

#[test]
fn reductions() {
    let x = t(&[2, 3]);
    let empty = t(&[0, 3]);
    check(
        &["sum", "dimension 2", "2 dimensions"],
        || x.try_sum_dims(&[2], false),
        || x.sum_dims(&[2], false),
    );
    check(
        &["mean", "dimension -3", "2 dimensions"],
        || x.try_mean_dims(&[-3], true),
        || x.mean_dims(&[-3], true),
    );
    check(
        &["max", "[0, 3]"],
        || empty.try_max_dims(&[0], false),
        || empty.max_dims(&[0], false),
    );
    check(
        &["min", "[0, 3]"],
        || empty.try_min_dims(&[0], true),
        || empty.min_dims(&[0], true),
    );
    check(
        &["argmax", "[0, 3]"],
        || empty.try_argmax(0),
        || empty.argmax(0),
    );
    check(
        &["argmin", "[0, 3]"],
        || empty.try_argmin(0),
        || empty.argmin(0),
    );
    check(
        &["var", "dimension -3", "2 dimensions"],
        || x.try_var_dims(&[-3], 1, false),
        || x.var_dims(&[-3], 1, false),
    );
    check(
        &["norm", "dimension 2"],
        || x.try_norm_dims(&[2], false),
        || x.norm_dims(&[2], false),
    );
    check(
        &["logsumexp", "dimension 3", "2 dimensions"],
        || x.try_logsumexp(&[3], false),
        || x.logsumexp(&[3], false),
    );
    check(
        &["dot", "[3]", "[4]"],
        || t(&[3]).try_dot(&t(&[4])),
        || t(&[3]).dot(&t(&[4])),
    );
    check(
        &["cumsum", "dimension -3", "2 dimensions"],
        || x.try_cumsum(-3),
        || x.cumsum(-3),
    );
}

#[test]
fn shape_ops() {
    let (a, b) = (t(&[2, 3]), t(&[2, 4]));
    check(
        &["concat", "[2, 4]", "[2, 3]"],
        || Tensor::try_concat(&[&a, &b], 0),
        || Tensor::concat(&[&a, &b], 0),
    );
    let c = t(&[3, 2]);
    check(
        &["stack", "[3, 2]", "[2, 3]"],
        || Tensor::try_stack(&[&a, &c], 0),
        || Tensor::stack(&[&a, &c], 0),
    );
    check(
        &["transpose", "dimension 2", "2 dimensions"],
        || a.try_transpose(0, 2),
        || a.transpose(0, 2),
    );
    check(
        &["squeeze", "dimension 2"],
        || a.try_squeeze(2),
        || a.squeeze(2),
    );
    check(
        &["unsqueeze", "dimension 4"],
        || a.try_unsqueeze(4),
        || a.unsqueeze(4),
    );
    check(
        &["flatten", "start dim 1"],
        || a.try_flatten(1, 0),
        || a.flatten(1, 0),
    );
    check(
        &["slice", "index 5", "size 3"],
        || a.try_slice(1, 2, 5),
        || a.slice(1, 2, 5),
    );
    check(
        &["split_with_sizes", "[1, 1]", "[2, 3]"],
        || a.try_split_sizes(&[1, 1], 1),
        || a.split_sizes(&[1, 1], 1),
    );
    check(&["chunk", "[2, 3]"], || a.try_chunk(0, 1), || a.chunk(0, 1));
    check(
        &["split", "dimension 2"],
        || a.try_split(1, 2),
        || a.split(1, 2),
    );
    check(
        &["flip", "[0, 0]"],
        || a.try_flip(&[0, 0]),
        || a.flip(&[0, 0]),
    );
    check(&["tril", "[3]"], || t(&[3]).try_tril(0), || t(&[3]).tril(0));
    check(&["triu", "[3]"], || t(&[3]).try_triu(1), || t(&[3]).triu(1));
}

#[test]
fn indexing_and_sorting() {
    let x = t(&[2, 3]);
    check(
        &["index_select", "index 3", "size 3"],
        || x.try_index_select(1, &[0, 3]),
        || x.index_select(1, &[0, 3]),
    );
    check(
        &["gather", "[3, 1]", "[2, 3]"],
        || x.try_gather(1, &[0, 1, 2], &[3, 1]),
        || x.gather(1, &[0, 1, 2], &[3, 1]),
    );
    check(
        &["one_hot", "index 4", "size 3"],
        || Tensor::<f64>::try_one_hot(&[0, 4], 3),
        || Tensor::<f64>::one_hot(&[0, 4], 3),
    );
    let mask = t(&[4]);
    check(
        &["masked_select", "[2, 3]", "[4]"],
        || x.try_masked_select(&mask),
        || x.masked_select(&mask),
    );
    check(
        &["topk", "k = 4", "[2, 3]"],
        || x.try_topk(4, 1, true),
        || x.topk(4, 1, true),
    );
    check(
        &["sort", "dimension 2"],
        || x.try_sort(2, false),
        || x.sort(2, false),
    );
    check(
        &["argsort", "dimension -3"],
        || x.try_argsort(-3, true),
        || x.argsort(-3, true),
    );
}

#[test]
fn pooling_and_folding() {
    let flat = t(&[2, 3]);
    check(
        &["max_pool2d", "[2, 3]"],
        || flat.try_max_pool2d_with_indices(MaxPool2dOptions::new(2)),
        || flat.max_pool2d_with_indices(MaxPool2dOptions::new(2)),
    );
    let short = t(&[1, 1, 3]);
    check(
        &["max_pool1d", "[1, 1, 3]"],
        || short.try_max_pool1d_with_indices(MaxPool1dOptions::new(5)),
        || short.max_pool1d_with_indices(MaxPool1dOptions::new(5)),
    );
    check(
        &["unfold", "[2, 3]"],
        || flat.try_unfold(FoldOptions::new(2)),
        || flat.unfold(FoldOptions::new(2)),
    );
    let cols = t(&[1, 4, 3]);
    check(
        &["fold", "[1, 4, 3]", "[2, 2]"],
        || cols.try_fold([2, 2], FoldOptions::new(3)),
        || cols.fold([2, 2], FoldOptions::new(3)),
    );
}

#[test]
fn attention_and_linear() {
    let (q, k, v) = (t(&[2, 3, 4]), t(&[2, 5, 3]), t(&[2, 5, 6]));
    let opts = SdpaOptions::default();
    check(
        &[
            "scaled_dot_product_attention",
            "[2, 3, 4]",
            "[2, 5, 3]",
            "[2, 5, 6]",
        ],
        || try_scaled_dot_product_attention(&q, &k, &v, &opts),
        || scaled_dot_product_attention(&q, &k, &v, &opts),
    );
    let (k, v) = (t(&[2, 5, 4]), t(&[2, 4, 6]));
    check(
        &["scaled_dot_product_attention", "[2, 5, 4]", "[2, 4, 6]"],
        || try_scaled_dot_product_attention_with_weights(&q, &k, &v, &opts),
        || scaled_dot_product_attention_with_weights(&q, &k, &v, &opts),
    );
    let (x, w) = (t(&[2, 3]), t(&[4, 2]));
    check(
        &["linear", "[2, 3]", "[4, 2]"],
        || x.try_linear(&w, None),
        || x.linear(&w, None),
    );
}

#[test]
fn elementwise_selection_and_comparison() {
    let (a, b, c) = (t(&[2, 3]), t(&[4]), t(&[3]));
    check(
        &["where", "[2, 3]", "[4]"],
        || Tensor::try_where_(&a, &b, &c),
        || Tensor::where_(&a, &b, &c),
    );
    let add = ClosureBinary::new(
        "my_add",
        |x: f64, y: f64| x + y,
        |_: f64, _: f64| 1.0,
        |_: f64, _: f64| 1.0,
    );
    check(
        &["my_add", "[2, 3]", "[4]"],
        || a.try_map_binary(&b, add.clone()),
        || a.map_binary(&b, add.clone()),
    );
    check(&["eq", "[2, 3]", "[4]"], || a.try_eq(&b), || a.eq(&b));
    check(&["ne", "[2, 3]", "[4]"], || a.try_ne(&b), || a.ne(&b));
    check(&["lt", "[2, 3]", "[4]"], || a.try_lt(&b), || a.lt(&b));
    check(&["le", "[2, 3]", "[4]"], || a.try_le(&b), || a.le(&b));
    check(&["gt", "[2, 3]", "[4]"], || a.try_gt(&b), || a.gt(&b));
    check(&["ge", "[2, 3]", "[4]"], || a.try_ge(&b), || a.ge(&b));
}

/// The checker itself can fail: a plain form that does not panic, or panics with other
/// words, is caught.
#[test]
fn the_check_rejects_a_plain_form_with_other_words() {
    let x = t(&[2, 3]);
    let wrong_words = catch_unwind(AssertUnwindSafe(|| {
        check(
            &["sum"],
            || x.try_sum_dims(&[2], false),
            || -> Tensor<f64> { panic!("something else") },
        )
    }));
    assert!(wrong_words.is_err());
    let no_panic = catch_unwind(AssertUnwindSafe(|| {
        check(
            &["sum"],
            || x.try_sum_dims(&[2], false),
            || x.sum_dims(&[1], false),
        )
    }));
    assert!(no_panic.is_err());
}
