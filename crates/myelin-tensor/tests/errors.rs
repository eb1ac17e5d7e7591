//! Errors name the op and the shapes; operator forms panic with the same message;
//! zero-size dimensions work; NaN propagates through max-like ops.

mod common;
use common::*;

use myelin_tensor::{Tensor, TensorError};

fn t(shape: &[usize]) -> Tensor<f64> {
    Tensor::<f64>::ones(shape)
}

fn msg<T: std::fmt::Debug>(r: myelin_tensor::Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

fn assert_mentions(m: &str, parts: &[&str]) {
    for p in parts {
        assert!(m.contains(p), "message {m:?} should mention {p:?}");
    }
}

// ----- Result forms -----------------------------------------------------------------------

#[test]
fn matmul_shape_errors() {
    let m = msg(t(&[2, 3]).try_matmul(&t(&[4, 5])));
    assert_mentions(&m, &["matmul", "[2, 3]", "[4, 5]"]);
    let m = msg(t(&[3]).try_matmul(&t(&[3, 2])));
    assert_mentions(&m, &["matmul", "[3]", "[3, 2]"]);
    // Batch dims that do not broadcast.
    let e = t(&[2, 3, 4]).try_matmul(&t(&[3, 4, 5])).unwrap_err();
    assert!(
        matches!(e, TensorError::Broadcast { op: "matmul", .. }),
        "{e:?}"
    );
    assert_mentions(&e.to_string(), &["matmul", "[2]", "[3]"]);
}

#[test]
fn broadcast_errors() {
    let e = t(&[3]).try_add(&t(&[4])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "add: shapes [3] and [4] cannot be broadcast together"
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_mul(&t(&[3, 2]))),
        &["mul", "[2, 3]", "[3, 2]"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_sub(&t(&[2]))),
        &["sub", "[2, 3]", "[2]"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_div(&t(&[4, 1]))),
        &["div", "[2, 3]", "[4, 1]"],
    );
    assert_mentions(
        &msg(t(&[5]).try_maximum(&t(&[2]))),
        &["maximum", "[5]", "[2]"],
    );
    assert_mentions(
        &msg(t(&[5]).try_minimum(&t(&[2]))),
        &["minimum", "[5]", "[2]"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_broadcast_to(&[3, 3])),
        &["broadcast_to", "[2, 3]", "[3, 3]"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_broadcast_to(&[3])),
        &["broadcast_to", "[2, 3]", "[3]"],
    );
    assert_mentions(
        &msg(Tensor::try_where_(&t(&[2]), &t(&[3]), &t(&[3]))),
        &["where", "[2]", "[3]"],
    );
    assert_mentions(&msg(t(&[2]).try_lt(&t(&[3]))), &["lt", "[2]", "[3]"]);
    assert_mentions(
        &msg(t(&[2]).try_map_binary(&t(&[3]), Hyp)),
        &["hyp", "[2]", "[3]"],
    );
    assert_mentions(&msg(t(&[4]).try_dot(&t(&[3]))), &["dot", "[4]", "[3]"]);
    assert_mentions(
        &msg(t(&[2, 3]).try_sum_to(&[3, 3])),
        &["sum_to", "[2, 3]", "[3, 3]"],
    );
}

struct Hyp;
impl myelin_tensor::BinaryFn<f64> for Hyp {
    fn name(&self) -> &'static str {
        "hyp"
    }
    fn f(&self, a: f64, b: f64) -> f64 {
        a.hypot(b)
    }
    fn df_da(&self, a: f64, b: f64) -> f64 {
        a / a.hypot(b)
    }
    fn df_db(&self, a: f64, b: f64) -> f64 {
        b / a.hypot(b)
    }
}

#[test]
fn concat_stack_reshape_errors() {
    assert_mentions(
        &msg(Tensor::try_concat(&[&t(&[2, 3]), &t(&[3, 2])], 0)),
        &["concat", "[2, 3]", "[3, 2]"],
    );
    assert_mentions(
        &msg(Tensor::try_concat(&[&t(&[2, 3]), &t(&[2, 3, 1])], 0)),
        &["concat", "[2, 3]", "[2, 3, 1]"],
    );
    assert_mentions(&msg(Tensor::<f64>::try_concat(&[], 0)), &["concat"]);
    assert_mentions(
        &msg(Tensor::try_concat(&[&t(&[2]), &t(&[2])], 1)),
        &["concat", "dimension 1"],
    );
    assert_mentions(
        &msg(Tensor::try_stack(&[&t(&[2, 3]), &t(&[3, 2])], 0)),
        &["stack", "[2, 3]", "[3, 2]"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_reshape(&[4, 2])),
        &["reshape", "[2, 3]", "[4, 2]"],
    );
    assert_mentions(
        &msg(Tensor::<f64>::from_vec(vec![1.0; 5], &[2, 3])),
        &["from_vec", "[2, 3]", "5"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_permute(&[0, 0])),
        &["permute", "[0, 0]", "[2, 3]"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).try_permute(&[0, 1, 2])),
        &["permute", "[2, 3]"],
    );
    // Zero-dimensional tensors cannot be concatenated (there is no dimension to join).
    let s = Tensor::<f64>::scalar(1.0);
    assert_mentions(&msg(Tensor::try_concat(&[&s, &s], 0)), &["concat"]);
}

#[test]
fn index_errors() {
    let x = t(&[2, 3]);
    let e = x.try_gather(1, &[0, 5, 1, 1], &[2, 2]).unwrap_err();
    assert!(
        matches!(
            e,
            TensorError::IndexOutOfRange {
                op: "gather",
                index: 5,
                dim: 1,
                size: 3
            }
        ),
        "{e:?}"
    );
    assert_mentions(&e.to_string(), &["gather", "5", "3"]);
    assert_mentions(
        &msg(x.try_gather(1, &[0, 1], &[3, 1])),
        &["gather", "[3, 1]", "[2, 3]"],
    );
    assert_mentions(
        &msg(x.try_gather(1, &[0, 1, 2], &[2, 1])),
        &["gather", "[2, 1]", "3 values"],
    );
    assert_mentions(
        &msg(x.try_index_select(0, &[0, 2])),
        &["index_select", "2", "size 2"],
    );
    assert_mentions(&msg(x.try_narrow(1, 2, 2)), &["narrow", "size 3"]);
    assert_mentions(&msg(x.try_narrow(1, usize::MAX, 2)), &["narrow"]);
    assert_mentions(&msg(x.try_slice(1, 2, 1)), &["slice", "end 1", "start 2"]);
    assert_mentions(&msg(x.get(&[2, 0])), &["get", "index 2", "size 2"]);
    assert_mentions(&msg(x.get(&[0])), &["get", "[0]", "[2, 3]"]);
    assert_mentions(&msg(x.item()), &["item", "[2, 3]"]);
    assert_mentions(
        &msg(Tensor::<f64>::try_one_hot(&[0, 3], 3)),
        &["one_hot", "3"],
    );
}

#[test]
fn dim_errors() {
    let x = t(&[2, 3]);
    let e = x.try_sum_dims(&[2], false).unwrap_err();
    assert_eq!(
        e,
        TensorError::DimOutOfRange {
            op: "sum",
            dim: 2,
            ndim: 2
        }
    );
    assert_eq!(
        e.to_string(),
        "sum: dimension 2 is out of range for a tensor with 2 dimensions"
    );
    assert_mentions(
        &msg(x.try_sum_dims(&[-3], false)),
        &["sum", "-3", "2 dimensions"],
    );
    assert_mentions(
        &msg(x.try_sum_dims(&[0, -2], false)),
        &["sum", "more than once"],
    );
    assert_mentions(&msg(x.try_mean_dims(&[5], false)), &["mean", "5"]);
    assert_mentions(&msg(x.try_max_dims(&[5], false)), &["max", "5"]);
    assert_mentions(&msg(x.try_min_dims(&[5], false)), &["min", "5"]);
    assert_mentions(&msg(x.try_var_dims(&[5], 1, false)), &["var", "5"]);
    assert_mentions(&msg(x.try_logsumexp(&[5], false)), &["5"]);
    assert_mentions(&msg(x.try_argmax(2)), &["argmax", "2"]);
    assert_mentions(&msg(x.try_transpose(0, 2)), &["transpose", "2"]);
    assert_mentions(&msg(x.try_unsqueeze(4)), &["unsqueeze", "4"]);
    assert_mentions(&msg(x.try_squeeze(-3)), &["squeeze", "-3"]);
    assert_mentions(&msg(x.try_flatten(1, 0)), &["flatten"]);
    assert_mentions(&msg(x.try_index_select(2, &[0])), &["index_select", "2"]);
    assert_mentions(&msg(x.try_gather(-3, &[0], &[1, 1])), &["gather", "-3"]);
    assert_mentions(&msg(x.try_narrow(3, 0, 1)), &["narrow", "3"]);
}

#[test]
fn size_overflow_and_invalid_arguments() {
    let e = Tensor::<f64>::try_full(&[usize::MAX, 2], 0.0).unwrap_err();
    assert!(
        matches!(&e, TensorError::SizeOverflow { op: "full", .. }),
        "{e:?}"
    );
    assert_mentions(
        &e.to_string(),
        &["full", &format!("[{}, 2]", usize::MAX), "overflows"],
    );
    assert_mentions(
        &msg(t(&[2]).try_reshape(&[usize::MAX, 3])),
        &["reshape", "overflows"],
    );
    assert_mentions(&msg(t(&[2]).try_clamp(1.0, 0.0)), &["clamp", "min", "max"]);
    assert_mentions(
        &msg(Tensor::<f64>::arange(0.0, 1.0, 0.0)),
        &["arange", "step"],
    );
    assert_mentions(
        &msg(Tensor::<f64>::uniform(
            &[2],
            1.0,
            0.0,
            &mut myelin_tensor::seeded_rng(0),
        )),
        &["uniform"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).t().update_data(|_| {})),
        &["update_data", "contiguous"],
    );
    assert_mentions(
        &msg(t(&[2, 3]).assign(&t(&[3, 2]))),
        &["assign", "[3, 2]", "[2, 3]"],
    );
    assert_mentions(
        &msg(t(&[0, 3]).try_max_dims(&[0], false)),
        &["max", "empty", "[0, 3]"],
    );
    assert_mentions(&msg(t(&[0, 3]).try_argmin(0)), &["argmin", "empty"]);
}

#[test]
fn backward_seed_error() {
    let x = leaf(&[1.0, 2.0], &[2]);
    let e = x.exp().backward_with(&t(&[2, 1])).unwrap_err();
    assert_mentions(&e.to_string(), &["backward", "[2, 1]", "[2]"]);
}

// ----- operator forms panic with the same message ----------------------------------------

#[test]
#[should_panic(expected = "add: shapes [3] and [4] cannot be broadcast together")]
fn add_operator_panics_with_message() {
    let _ = &t(&[3]) + &t(&[4]);
}

#[test]
#[should_panic(expected = "mul: shapes [2, 3] and [3, 2] cannot be broadcast together")]
fn mul_operator_panics_with_message() {
    let _ = t(&[2, 3]) * t(&[3, 2]);
}

#[test]
#[should_panic(expected = "sub: shapes [2] and [5] cannot be broadcast together")]
fn sub_operator_panics_with_message() {
    let _ = &t(&[2]) - t(&[5]);
}

#[test]
#[should_panic(expected = "div: shapes [2] and [5] cannot be broadcast together")]
fn div_operator_panics_with_message() {
    let _ = t(&[2]) / &t(&[5]);
}

#[test]
#[should_panic(expected = "matmul: shape mismatch: cannot multiply shapes [2, 3] and [4, 5]")]
fn matmul_panics_with_message() {
    let _ = t(&[2, 3]).matmul(&t(&[4, 5]));
}

#[test]
#[should_panic(expected = "reshape: shape mismatch: cannot reshape a tensor of shape [2, 3]")]
fn reshape_panics_with_message() {
    let _ = t(&[2, 3]).reshape(&[5]);
}

#[test]
#[should_panic(expected = "broadcast_to: shapes [2, 3] and [3, 3] cannot be broadcast together")]
fn broadcast_to_panics_with_message() {
    let _ = t(&[2, 3]).broadcast_to(&[3, 3]);
}

#[test]
#[should_panic(expected = "maximum: shapes [2] and [3] cannot be broadcast together")]
fn maximum_panics_with_message() {
    let _ = t(&[2]).maximum(&t(&[3]));
}

#[test]
#[should_panic(expected = "permute: invalid argument")]
fn permute_panics_with_message() {
    let _ = t(&[2]).permute(&[1]);
}

#[test]
#[should_panic(expected = "full: the size of shape")]
fn full_overflow_panics_with_message() {
    let _ = Tensor::<f32>::full(&[usize::MAX, 2], 0.0);
}

#[test]
#[should_panic(expected = "clamp: invalid argument: min (1) must not exceed max (0)")]
fn clamp_panics_with_message() {
    let _ = t(&[2]).clamp(1.0, 0.0);
}

// ----- zero-size dimensions ---------------------------------------------------------------

#[test]
fn zero_size_dims_work() {
    let e = Tensor::<f64>::zeros(&[0, 3]);
    assert_eq!(e.numel(), 0);
    assert_eq!(e.sum().item().unwrap(), 0.0);
    assert_eq!(Tensor::<f64>::zeros(&[0]).sum().item().unwrap(), 0.0);
    assert_eq!(e.sum_dims(&[0], false).to_vec(), vec![0.0; 3]);
    assert_eq!(e.sum_dims(&[1], false).shape(), &[0]);
    assert!(
        e.mean().item().unwrap().is_nan(),
        "mean of nothing is NaN (PyTorch)"
    );
    assert_eq!((&e + &Tensor::ones(&[3])).shape(), &[0, 3]);
    assert_eq!(e.exp().shape(), &[0, 3]);
    assert_eq!(e.t().shape(), &[3, 0]);
    assert_eq!(e.reshape(&[3, 0, 5]).shape(), &[3, 0, 5]);
    // matmul with k = 0 is all zeros.
    let a = Tensor::<f64>::ones(&[2, 0]);
    let b = Tensor::<f64>::ones(&[0, 3]);
    assert_eq!(a.matmul(&b).to_vec(), vec![0.0; 6]);
    let a = Tensor::<f32>::full(&[2, 4, 0], 7.0);
    let b = Tensor::<f32>::full(&[2, 0, 3], 7.0);
    let c = a.matmul(&b);
    assert_eq!(c.shape(), &[2, 4, 3]);
    assert_eq!(c.to_vec(), vec![0.0; 24]);
    // m = 0 and n = 0, 2-D and batched.
    assert_eq!(
        Tensor::<f64>::ones(&[0, 3])
            .matmul(&Tensor::ones(&[3, 4]))
            .shape(),
        &[0, 4]
    );
    assert_eq!(
        Tensor::<f64>::ones(&[2, 3])
            .matmul(&Tensor::ones(&[3, 0]))
            .shape(),
        &[2, 0]
    );
    assert_eq!(
        Tensor::<f64>::ones(&[2, 0, 3])
            .matmul(&Tensor::ones(&[2, 3, 4]))
            .shape(),
        &[2, 0, 4]
    );
    assert_eq!(
        Tensor::<f64>::ones(&[2, 5, 3])
            .matmul(&Tensor::ones(&[3, 0]))
            .shape(),
        &[2, 5, 0]
    );
    assert_eq!(
        Tensor::<f64>::ones(&[0, 5, 3])
            .matmul(&Tensor::ones(&[3, 2]))
            .shape(),
        &[0, 5, 2]
    );
    // concat with an empty piece, index_select with no indices.
    let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]).unwrap();
    assert_eq!(Tensor::concat(&[&e, &x], 0).to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(x.index_select(1, &[]).shape(), &[1, 0]);
    assert_eq!(Tensor::<f64>::arange(1.0, 1.0, 1.0).unwrap().shape(), &[0]);
    assert_eq!(Tensor::<f64>::linspace(0.0, 1.0, 0).shape(), &[0]);
    assert_eq!(Tensor::<f64>::eye(0).shape(), &[0, 0]);
}

#[test]
fn zero_size_gradients() {
    let x = Tensor::<f64>::zeros(&[0, 3]).requires_grad_(true);
    let w = leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
    let loss = &x.matmul(&w).sum() + &w.sum();
    loss.backward().unwrap();
    assert_eq!(x.grad().unwrap().shape(), &[0, 3]);
    assert_eq!(w.grad().unwrap().to_vec(), vec![1.0; 6]);
    let a = Tensor::<f64>::zeros(&[2, 0]).requires_grad_(true);
    let b = leaf(&[], &[0, 3]);
    a.matmul(&b).sum().backward().unwrap();
    assert_eq!(a.grad().unwrap().shape(), &[2, 0]);
    assert_eq!(b.grad().unwrap().shape(), &[0, 3]);
}

// ----- NaN propagation --------------------------------------------------------------------

#[test]
fn nan_propagates_through_max_like_ops() {
    let nan = f64::NAN;
    let x = Tensor::<f64>::from_vec(vec![nan, 1.0, -1.0, 2.0], &[2, 2]).unwrap();
    let zeros = Tensor::<f64>::zeros(&[2, 2]);
    let mx = x.maximum(&zeros).to_vec();
    assert!(
        mx[0].is_nan() && mx[1] == 1.0 && mx[2] == 0.0 && mx[3] == 2.0,
        "{mx:?}"
    );
    let mx = zeros.maximum(&x).to_vec();
    assert!(mx[0].is_nan(), "NaN on the right side too: {mx:?}");
    let mn = x.minimum(&zeros).to_vec();
    assert!(mn[0].is_nan() && mn[2] == -1.0, "{mn:?}");
    assert!(zeros.minimum(&x).to_vec()[0].is_nan());
    assert!(x.maximum_scalar(0.0).to_vec()[0].is_nan());
    assert!(x.minimum_scalar(0.0).to_vec()[0].is_nan());
    let r = x.relu().to_vec();
    assert!(r[0].is_nan() && r[2] == 0.0);
    let c = x.clamp(-0.5, 0.5).to_vec();
    assert!(c[0].is_nan() && c[1] == 0.5 && c[2] == -0.5);
    assert!(x.max().item().unwrap().is_nan());
    assert!(x.min().item().unwrap().is_nan());
    let rows = x.max_dims(&[1], false).to_vec();
    assert!(rows[0].is_nan() && rows[1] == 2.0, "{rows:?}");
    let rows = x.min_dims(&[1], false).to_vec();
    assert!(rows[0].is_nan() && rows[1] == -1.0, "{rows:?}");
    let cols = x.max_dims(&[0], false).to_vec();
    assert!(cols[0].is_nan() && cols[1] == 2.0, "{cols:?}");
    // NaN last in a row too (a fold that starts from the first element must still see it).
    let y = Tensor::<f32>::from_vec(vec![1.0, 5.0, f32::NAN], &[3]).unwrap();
    assert!(y.max().item().unwrap().is_nan());
    assert!(y.min().item().unwrap().is_nan());
    assert!(y.logsumexp(&[], false).item().unwrap().is_nan());
    assert!(y.sign().to_vec()[2].is_nan());
    // Large (parallel-path) tensors too.
    let mut big = vec![0.5f32; 1 << 16];
    big[40_000] = f32::NAN;
    let big = Tensor::from_vec(big, &[1 << 16]).unwrap();
    assert!(big.max().item().unwrap().is_nan());
    assert!(big.relu().to_vec()[40_000].is_nan());
    assert!(big.maximum_scalar(1.0).to_vec()[40_000].is_nan());
    assert!(big.clamp(0.0, 1.0).to_vec()[40_000].is_nan());
}

#[test]
fn dims_on_zero_dimensional_tensors_do_not_panic() {
    let s = Tensor::<f64>::scalar(2.5);
    let r = std::panic::catch_unwind(|| {
        let s = Tensor::<f64>::scalar(2.5);
        vec![
            s.try_sum_dims(&[0], false).map(|t| t.to_vec()),
            s.try_mean_dims(&[0], false).map(|t| t.to_vec()),
            s.try_max_dims(&[0], false).map(|t| t.to_vec()),
            s.try_logsumexp(&[0], false).map(|t| t.to_vec()),
            s.try_var_dims(&[0], 0, false).map(|t| t.to_vec()),
            s.try_argmax(0)
                .map(|v| v.iter().map(|&i| i as f64).collect()),
            s.try_squeeze(0).map(|t| t.to_vec()),
            s.try_transpose(0, 0).map(|t| t.to_vec()),
            s.try_index_select(0, &[0]).map(|t| t.to_vec()),
            s.try_narrow(0, 0, 1).map(|t| t.to_vec()),
            s.try_gather(0, &[0], &[]).map(|t| t.to_vec()),
        ]
    });
    let results = r.expect("a dim argument on a 0-d tensor must not panic");
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(v) => assert!(v.len() <= 1, "case {i}: {v:?}"),
            Err(e) => assert!(e.to_string().contains("dimension"), "case {i}: {e}"),
        }
    }
    // Whole-tensor reductions of a scalar are the scalar.
    assert_eq!(s.sum().item().unwrap(), 2.5);
    assert_eq!(s.max().item().unwrap(), 2.5);
    assert_eq!(s.logsumexp(&[], false).item().unwrap(), 2.5);
}
