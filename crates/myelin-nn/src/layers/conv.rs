//! Convolution layers: `Conv1d`, `Conv2d`, `ConvTranspose2d` (PyTorch's names, weight
//! layouts, default initialisation and `repr`).

use myelin_tensor::{
    seeded_rng, Conv1dOptions, Conv2dOptions, ConvOptions, ConvTranspose2dOptions, Element,
    Padding, Spatial, Tensor, TensorError,
};
use rand::Rng;

use crate::error::{NnError, Result};
use crate::init::{calculate_fan_in_and_fan_out, kaiming_uniform_, uniform_, FanMode};
use crate::module::{parameter, Module};

/// PyTorch's default convolution initialisation: `kaiming_uniform_(a=√5)` for the
/// weight, i.e. U(±1/√fan_in), and U(±1/√fan_in) for the bias, with `fan_in` computed
/// from the weight's shape (`shape[1]·kh·kw`).
fn init_params<T: Element>(
    layer: &str,
    weight_shape: &[usize],
    bias_len: Option<usize>,
    rng: &mut impl Rng,
) -> Result<(Tensor<T>, Option<Tensor<T>>)> {
    if weight_shape.contains(&0) {
        return Err(NnError::InvalidArgument(format!(
            "{layer}: channels and kernel sizes must be positive, the weight would have shape {weight_shape:?}"
        )));
    }
    let weight = Tensor::zeros(weight_shape).requires_grad_(true);
    kaiming_uniform_(&weight, 5f64.sqrt(), FanMode::FanIn, "leaky_relu", rng)?;
    let bias = match bias_len {
        Some(n) => {
            let b = Tensor::zeros(&[n]).requires_grad_(true);
            let (fan_in, _) = calculate_fan_in_and_fan_out(weight_shape)?;
            let bound = 1.0 / (fan_in as f64).sqrt();
            uniform_(&b, -bound, bound, rng)?;
            Some(b)
        }
        None => None,
    };
    Ok((weight, bias))
}

/// Checks channel counts against `groups` (PyTorch's constructor errors).
fn check_groups(layer: &str, in_channels: usize, out_channels: usize, groups: usize) -> Result<()> {
    if groups == 0 || !in_channels.is_multiple_of(groups) || !out_channels.is_multiple_of(groups) {
        return Err(NnError::InvalidArgument(format!(
            "{layer}: in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by groups ({groups})"
        )));
    }
    Ok(())
}

/// Copies given values into fresh parameters, checking the weight's rank and the bias.
fn copy_params<T: Element>(
    layer: &str,
    weight: &Tensor<T>,
    bias: Option<&Tensor<T>>,
    rank: usize,
    bias_len: impl Fn(&[usize]) -> usize,
) -> Result<(Tensor<T>, Option<Tensor<T>>)> {
    if weight.ndim() != rank {
        return Err(NnError::Shape {
            op: layer.into(),
            detail: format!("weight must be {rank}-D, got {:?}", weight.shape()),
        });
    }
    let n = bias_len(weight.shape());
    if let Some(b) = bias {
        if b.shape() != [n] {
            return Err(NnError::Shape {
                op: layer.into(),
                detail: format!("bias must have shape [{n}], got {:?}", b.shape()),
            });
        }
    }
    let copy = |t: &Tensor<T>| parameter(t.to_vec(), t.shape());
    Ok((copy(weight)?, bias.map(copy).transpose()?))
}

/// PyTorch-style tuple: `(3, 3)` or `(3,)`.
fn tuple(v: &[usize]) -> String {
    match v {
        [a] => format!("({a},)"),
        _ => format!(
            "({})",
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The `repr` arguments after the kernel size, printed as PyTorch does: stride always,
/// the others only when not the default.
fn conv_repr<const D: usize>(o: &ConvOptions<D>, bias: bool) -> String {
    let mut s = format!(", stride={}", tuple(&o.stride));
    match o.padding {
        Padding::Same => s.push_str(", padding=same"),
        Padding::Valid => s.push_str(", padding=valid"),
        Padding::Explicit(p) => {
            if p.iter().any(|&(a, b)| a != b) {
                let sides: Vec<String> = p.iter().map(|(a, b)| format!("({a}, {b})")).collect();
                s.push_str(&format!(", padding=({})", sides.join(", ")));
            } else if p.iter().any(|&(a, _)| a != 0) {
                let sym: Vec<usize> = p.iter().map(|&(a, _)| a).collect();
                s.push_str(&format!(", padding={}", tuple(&sym)));
            }
        }
    }
    if o.dilation.iter().any(|&d| d != 1) {
        s.push_str(&format!(", dilation={}", tuple(&o.dilation)));
    }
    if o.groups != 1 {
        s.push_str(&format!(", groups={}", o.groups));
    }
    if !bias {
        s.push_str(", bias=False");
    }
    s
}

fn shape_error(layer: String, e: TensorError) -> NnError {
    NnError::Shape {
        op: layer,
        detail: e.to_string(),
    }
}

macro_rules! module_boilerplate {
    () => {
        fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
            super::norm::affine_parameters(Some(&self.weight), self.bias.as_ref())
        }
        training_flag!();
    };
}

/// PyTorch's `nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
/// dilation, groups, bias)` over `[N, C_in, H, W]` (or unbatched `[C_in, H, W]`):
/// parameters `weight` `[out, in/groups, kh, kw]` and `bias` `[out]`, initialised as
/// PyTorch does (U(±1/√fan_in) for both, `fan_in = in/groups·kh·kw`). The forward is
/// [`Tensor::conv2d`]. Only zero padding (`padding_mode='zeros'`); pad with
/// [`Tensor::pad`] first for the other modes.
///
/// ```
/// use myelin_nn::{layers::Conv2d, Module};
/// use myelin_tensor::{Conv2dOptions, Tensor};
/// let conv = Conv2d::<f32>::new(3, 8, 3, Conv2dOptions::default().padding(1), 0)?;
/// assert_eq!(conv.weight().shape(), &[8, 3, 3, 3]);
/// assert_eq!(conv.describe(), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
/// let y = conv.forward(&Tensor::zeros(&[2, 3, 10, 10]))?;
/// assert_eq!(y.shape(), &[2, 8, 10, 10]);
/// assert!(conv.weight().to_vec().iter().all(|w| w.abs() <= 1.0 / 27f32.sqrt()));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Conv2d<T: Element> {
    weight: Tensor<T>,
    bias: Option<Tensor<T>>,
    options: Conv2dOptions,
    training: bool,
}

impl<T: Element> Conv2d<T> {
    /// A layer with a bias and PyTorch's default initialisation, seeded with `seed`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for zero sizes or channels not divisible by
    /// `options.groups`.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Spatial<2>>,
        options: Conv2dOptions,
        seed: u64,
    ) -> Result<Self> {
        Self::with_init(
            in_channels,
            out_channels,
            kernel_size,
            options,
            true,
            &mut seeded_rng(seed),
        )
    }

    /// As [`Conv2d::new`], with or without a bias and drawing from `rng`.
    ///
    /// # Errors
    /// As [`Conv2d::new`].
    pub fn with_init(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Spatial<2>>,
        options: Conv2dOptions,
        bias: bool,
        rng: &mut impl Rng,
    ) -> Result<Self> {
        check_groups("Conv2d", in_channels, out_channels, options.groups)?;
        let [kh, kw] = kernel_size.into().0;
        let shape = [out_channels, in_channels / options.groups, kh, kw];
        let (weight, bias) = init_params("Conv2d", &shape, bias.then_some(out_channels), rng)?;
        Ok(Conv2d {
            weight,
            bias,
            options,
            training: true,
        })
    }

    /// A layer holding copies of `weight` `[out, in/groups, kh, kw]` and `bias` `[out]`.
    ///
    /// # Errors
    /// [`NnError::Shape`] when the shapes do not fit together.
    pub fn from_tensors(
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: Conv2dOptions,
    ) -> Result<Self> {
        let (weight, bias) = copy_params("Conv2d", weight, bias, 4, |s| s[0])?;
        Ok(Conv2d {
            weight,
            bias,
            options,
            training: true,
        })
    }

    /// The weight, `[out_channels, in_channels/groups, kh, kw]`.
    pub fn weight(&self) -> &Tensor<T> {
        &self.weight
    }
    /// The bias, `[out_channels]`, if any.
    pub fn bias(&self) -> Option<&Tensor<T>> {
        self.bias.as_ref()
    }
    /// The convolution options.
    pub fn options(&self) -> Conv2dOptions {
        self.options
    }
}

impl<T: Element> Module<T> for Conv2d<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        x.try_conv2d(&self.weight, self.bias.as_ref(), self.options)
            .map_err(|e| shape_error(self.describe(), e))
    }
    module_boilerplate!();
    fn describe(&self) -> String {
        let s = self.weight.shape();
        format!(
            "Conv2d({}, {}, kernel_size={}{})",
            s[1] * self.options.groups,
            s[0],
            tuple(&s[2..]),
            conv_repr(&self.options, self.bias.is_some())
        )
    }
}

/// PyTorch's `nn.Conv1d` over `[N, C_in, L]` (or `[C_in, L]`): `weight` `[out,
/// in/groups, k]`, `bias` `[out]`, PyTorch's default initialisation. The forward is
/// [`Tensor::conv1d`].
///
/// ```
/// use myelin_nn::{layers::Conv1d, Module};
/// use myelin_tensor::{Conv1dOptions, Tensor};
/// let conv = Conv1d::<f64>::new(4, 2, 5, Conv1dOptions::default().stride(2).groups(2), 1)?;
/// assert_eq!(conv.weight().shape(), &[2, 2, 5]);
/// assert_eq!(conv.describe(), "Conv1d(4, 2, kernel_size=(5,), stride=(2,), groups=2)");
/// assert_eq!(conv.forward(&Tensor::zeros(&[3, 4, 11]))?.shape(), &[3, 2, 4]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Conv1d<T: Element> {
    weight: Tensor<T>,
    bias: Option<Tensor<T>>,
    options: Conv1dOptions,
    training: bool,
}

impl<T: Element> Conv1d<T> {
    /// A layer with a bias and PyTorch's default initialisation, seeded with `seed`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for zero sizes or channels not divisible by
    /// `options.groups`.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: usize,
        options: Conv1dOptions,
        seed: u64,
    ) -> Result<Self> {
        Self::with_init(
            in_channels,
            out_channels,
            kernel_size,
            options,
            true,
            &mut seeded_rng(seed),
        )
    }

    /// As [`Conv1d::new`], with or without a bias and drawing from `rng`.
    ///
    /// # Errors
    /// As [`Conv1d::new`].
    pub fn with_init(
        in_channels: usize,
        out_channels: usize,
        kernel_size: usize,
        options: Conv1dOptions,
        bias: bool,
        rng: &mut impl Rng,
    ) -> Result<Self> {
        check_groups("Conv1d", in_channels, out_channels, options.groups)?;
        let shape = [out_channels, in_channels / options.groups, kernel_size];
        let (weight, bias) = init_params("Conv1d", &shape, bias.then_some(out_channels), rng)?;
        Ok(Conv1d {
            weight,
            bias,
            options,
            training: true,
        })
    }

    /// A layer holding copies of `weight` `[out, in/groups, k]` and `bias` `[out]`.
    ///
    /// # Errors
    /// [`NnError::Shape`] when the shapes do not fit together.
    pub fn from_tensors(
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: Conv1dOptions,
    ) -> Result<Self> {
        let (weight, bias) = copy_params("Conv1d", weight, bias, 3, |s| s[0])?;
        Ok(Conv1d {
            weight,
            bias,
            options,
            training: true,
        })
    }

    /// The weight, `[out_channels, in_channels/groups, k]`.
    pub fn weight(&self) -> &Tensor<T> {
        &self.weight
    }
    /// The bias, `[out_channels]`, if any.
    pub fn bias(&self) -> Option<&Tensor<T>> {
        self.bias.as_ref()
    }
}

impl<T: Element> Module<T> for Conv1d<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        x.try_conv1d(&self.weight, self.bias.as_ref(), self.options)
            .map_err(|e| shape_error(self.describe(), e))
    }
    module_boilerplate!();
    fn describe(&self) -> String {
        let s = self.weight.shape();
        format!(
            "Conv1d({}, {}, kernel_size={}{})",
            s[1] * self.options.groups,
            s[0],
            tuple(&s[2..]),
            conv_repr(&self.options, self.bias.is_some())
        )
    }
}

/// PyTorch's `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride,
/// padding, output_padding, groups, bias, dilation)`: `weight` `[in, out/groups, kh,
/// kw]` (PyTorch's transposed layout), `bias` `[out]`, PyTorch's default
/// initialisation (its `fan_in` is computed from the weight shape: `out/groups·kh·kw`).
/// The forward is [`Tensor::conv_transpose2d`].
///
/// ```
/// use myelin_nn::{layers::ConvTranspose2d, Module};
/// use myelin_tensor::{ConvTranspose2dOptions, Tensor};
/// let up = ConvTranspose2d::<f32>::new(8, 4, 3, ConvTranspose2dOptions::default().stride(2).padding(1).output_padding(1), 0)?;
/// assert_eq!(up.weight().shape(), &[8, 4, 3, 3]);
/// assert_eq!(up.forward(&Tensor::zeros(&[1, 8, 5, 5]))?.shape(), &[1, 4, 10, 10]);
/// assert_eq!(up.describe(), "ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))");
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct ConvTranspose2d<T: Element> {
    weight: Tensor<T>,
    bias: Option<Tensor<T>>,
    options: ConvTranspose2dOptions,
    training: bool,
}

impl<T: Element> ConvTranspose2d<T> {
    /// A layer with a bias and PyTorch's default initialisation, seeded with `seed`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for zero sizes or channels not divisible by
    /// `options.groups`.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Spatial<2>>,
        options: ConvTranspose2dOptions,
        seed: u64,
    ) -> Result<Self> {
        Self::with_init(
            in_channels,
            out_channels,
            kernel_size,
            options,
            true,
            &mut seeded_rng(seed),
        )
    }

    /// As [`ConvTranspose2d::new`], with or without a bias and drawing from `rng`.
    ///
    /// # Errors
    /// As [`ConvTranspose2d::new`].
    pub fn with_init(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Spatial<2>>,
        options: ConvTranspose2dOptions,
        bias: bool,
        rng: &mut impl Rng,
    ) -> Result<Self> {
        check_groups("ConvTranspose2d", in_channels, out_channels, options.groups)?;
        let [kh, kw] = kernel_size.into().0;
        let shape = [in_channels, out_channels / options.groups, kh, kw];
        let (weight, bias) =
            init_params("ConvTranspose2d", &shape, bias.then_some(out_channels), rng)?;
        Ok(ConvTranspose2d {
            weight,
            bias,
            options,
            training: true,
        })
    }

    /// A layer holding copies of `weight` `[in, out/groups, kh, kw]` and `bias` `[out]`.
    ///
    /// # Errors
    /// [`NnError::Shape`] when the shapes do not fit together.
    pub fn from_tensors(
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: ConvTranspose2dOptions,
    ) -> Result<Self> {
        let groups = options.groups.max(1);
        let (weight, bias) = copy_params("ConvTranspose2d", weight, bias, 4, |s| s[1] * groups)?;
        Ok(ConvTranspose2d {
            weight,
            bias,
            options,
            training: true,
        })
    }

    /// The weight, `[in_channels, out_channels/groups, kh, kw]`.
    pub fn weight(&self) -> &Tensor<T> {
        &self.weight
    }
    /// The bias, `[out_channels]`, if any.
    pub fn bias(&self) -> Option<&Tensor<T>> {
        self.bias.as_ref()
    }
}

impl<T: Element> Module<T> for ConvTranspose2d<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        x.try_conv_transpose2d(&self.weight, self.bias.as_ref(), self.options)
            .map_err(|e| shape_error(self.describe(), e))
    }
    module_boilerplate!();
    fn describe(&self) -> String {
        let s = self.weight.shape();
        let o = &self.options;
        let mut r = format!(
            "ConvTranspose2d({}, {}, kernel_size={}, stride={}",
            s[0],
            s[1] * o.groups,
            tuple(&s[2..]),
            tuple(&o.stride)
        );
        if o.padding != [0, 0] {
            r.push_str(&format!(", padding={}", tuple(&o.padding)));
        }
        if o.output_padding != [0, 0] {
            r.push_str(&format!(", output_padding={}", tuple(&o.output_padding)));
        }
        if o.groups != 1 {
            r.push_str(&format!(", groups={}", o.groups));
        }
        if self.bias.is_none() {
            r.push_str(", bias=False");
        }
        if o.dilation != [1, 1] {
            r.push_str(&format!(", dilation={}", tuple(&o.dilation)));
        }
        r.push(')');
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_init_bounds_and_names() {
        let c = Conv2d::<f64>::new(6, 8, (3, 2), Conv2dOptions::default().groups(2), 3).unwrap();
        // fan_in = 6/2 · 3 · 2 = 18.
        let bound = 1.0 / 18f64.sqrt();
        let w = c.weight().to_vec();
        assert!(w.iter().all(|v| v.abs() <= bound));
        // Spread over the whole range (a wrong fan would shrink or widen it).
        assert!(w.iter().any(|v| v.abs() > 0.8 * bound));
        let b = c.bias().unwrap().to_vec();
        assert!(b.iter().all(|v| v.abs() <= bound) && b.iter().any(|v| v.abs() > 0.5 * bound));
        let names: Vec<String> = c.named_parameters().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["weight", "bias"]);
        let t =
            ConvTranspose2d::<f64>::new(4, 6, 3, ConvTranspose2dOptions::default().groups(2), 0)
                .unwrap();
        assert_eq!(t.weight().shape(), &[4, 3, 3, 3]);
        let tb = 1.0 / 27f64.sqrt();
        assert!(t.weight().to_vec().iter().all(|v| v.abs() <= tb));
        assert!(Conv2d::<f32>::new(3, 4, 3, Conv2dOptions::default().groups(2), 0).is_err());
    }

    #[test]
    fn repr_follows_pytorch() {
        let c = Conv2d::<f32>::with_init(
            4,
            4,
            3,
            Conv2dOptions::default()
                .stride(2)
                .padding([(0, 1), (1, 1)])
                .dilation(2)
                .groups(4),
            false,
            &mut seeded_rng(0),
        )
        .unwrap();
        assert_eq!(
            c.describe(),
            "Conv2d(4, 4, kernel_size=(3, 3), stride=(2, 2), padding=((0, 1), (1, 1)), dilation=(2, 2), groups=4, bias=False)"
        );
        let e = c
            .forward(&Tensor::zeros(&[1, 3, 8, 8]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Conv2d(4, 4") && e.contains("conv2d") && e.contains("[1, 3, 8, 8]"),
            "{e}"
        );
    }
}
