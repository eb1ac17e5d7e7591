//! Pooling layers: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool1d/2d` (no
//! parameters; PyTorch's names and `repr`).

use myelin_tensor::{
    AvgPool1dOptions, AvgPool2dOptions, Element, MaxPool1dOptions, MaxPool2dOptions, Tensor,
    TensorError,
};

use crate::error::{NnError, Result};
use crate::module::Module;

/// `2` for `[2, 2]`, `(2, 3)` otherwise, as PyTorch prints what it was given.
fn size(v: &[usize]) -> String {
    if v.iter().all(|&x| x == v[0]) {
        v[0].to_string()
    } else {
        format!(
            "({})",
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn wrap(layer: String, e: TensorError) -> NnError {
    NnError::Shape {
        op: layer,
        detail: e.to_string(),
    }
}

macro_rules! pool_layer {
    ($(#[$doc:meta])* $name:ident, $opts:ty, |$s:ident, $x:ident| $forward:expr, |$d:ident| $describe:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            options: $opts,
            training: bool,
        }

        impl $name {
            /// A layer with these options.
            pub fn new(options: $opts) -> Self {
                $name {
                    options,
                    training: true,
                }
            }
            /// The options.
            pub fn options(&self) -> $opts {
                self.options
            }
        }

        impl<T: Element> Module<T> for $name {
            fn forward(&self, $x: &Tensor<T>) -> Result<Tensor<T>> {
                let $s = &self.options;
                $forward.map_err(|e| wrap(<Self as Module<T>>::describe(self), e))
            }
            training_flag!();
            fn describe(&self) -> String {
                let $d = &self.options;
                $describe
            }
        }
    };
}

pool_layer!(
    /// PyTorch's `nn.MaxPool2d` over `[N, C, H, W]` (or `[C, H, W]`); see
    /// [`Tensor::max_pool2d`].
    ///
    /// ```
    /// use myelin_nn::{layers::MaxPool2d, Module};
    /// use myelin_tensor::{MaxPool2dOptions, Tensor};
    /// let pool = MaxPool2d::new(MaxPool2dOptions::new(2));
    /// assert_eq!(Module::<f32>::describe(&pool), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    /// assert_eq!(pool.forward(&Tensor::<f32>::zeros(&[1, 3, 8, 6]))?.shape(), &[1, 3, 4, 3]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    MaxPool2d,
    MaxPool2dOptions,
    |o, x| x.try_max_pool2d(*o),
    |o| format!(
        "MaxPool2d(kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={})",
        size(&o.kernel_size),
        size(&o.stride),
        size(&o.padding),
        size(&o.dilation),
        py_bool(o.ceil_mode)
    )
);

pool_layer!(
    /// PyTorch's `nn.MaxPool1d` over `[N, C, L]` (or `[C, L]`); see
    /// [`Tensor::max_pool1d`].
    ///
    /// ```
    /// use myelin_nn::{layers::MaxPool1d, Module};
    /// use myelin_tensor::{MaxPool1dOptions, Tensor};
    /// let pool = MaxPool1d::new(MaxPool1dOptions::new(3).stride(1));
    /// assert_eq!(pool.forward(&Tensor::<f32>::zeros(&[2, 4, 9]))?.shape(), &[2, 4, 7]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    MaxPool1d,
    MaxPool1dOptions,
    |o, x| x.try_max_pool1d(*o),
    |o| format!(
        "MaxPool1d(kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={})",
        o.kernel_size[0],
        o.stride[0],
        o.padding[0],
        o.dilation[0],
        py_bool(o.ceil_mode)
    )
);

pool_layer!(
    /// PyTorch's `nn.AvgPool2d` over `[N, C, H, W]` (or `[C, H, W]`); see
    /// [`Tensor::avg_pool2d`].
    ///
    /// ```
    /// use myelin_nn::{layers::AvgPool2d, Module};
    /// use myelin_tensor::{AvgPool2dOptions, Tensor};
    /// let pool = AvgPool2d::new(AvgPool2dOptions::new(2));
    /// assert_eq!(Module::<f32>::describe(&pool), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
    /// assert_eq!(pool.forward(&Tensor::<f32>::ones(&[1, 1, 4, 4]))?.to_vec(), vec![1.0; 4]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    AvgPool2d,
    AvgPool2dOptions,
    |o, x| x.try_avg_pool2d(*o),
    |o| {
        let mut s = format!(
            "AvgPool2d(kernel_size={}, stride={}, padding={}",
            size(&o.kernel_size),
            size(&o.stride),
            size(&o.padding)
        );
        if o.ceil_mode {
            s.push_str(", ceil_mode=True");
        }
        if !o.count_include_pad {
            s.push_str(", count_include_pad=False");
        }
        if let Some(d) = o.divisor_override {
            s.push_str(&format!(", divisor_override={d}"));
        }
        s.push(')');
        s
    }
);

pool_layer!(
    /// PyTorch's `nn.AvgPool1d` over `[N, C, L]` (or `[C, L]`); see
    /// [`Tensor::avg_pool1d`].
    ///
    /// ```
    /// use myelin_nn::{layers::AvgPool1d, Module};
    /// use myelin_tensor::{AvgPool1dOptions, Tensor};
    /// let pool = AvgPool1d::new(AvgPool1dOptions::new(2));
    /// assert_eq!(Module::<f32>::describe(&pool), "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))");
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    AvgPool1d,
    AvgPool1dOptions,
    |o, x| x.try_avg_pool1d(*o),
    |o| format!(
        "AvgPool1d(kernel_size=({},), stride=({},), padding=({},))",
        o.kernel_size[0], o.stride[0], o.padding[0]
    )
);

pool_layer!(
    /// PyTorch's `nn.AdaptiveAvgPool2d(output_size)`: `[1, 1]` is global average
    /// pooling. See [`Tensor::adaptive_avg_pool2d`].
    ///
    /// ```
    /// use myelin_nn::{layers::AdaptiveAvgPool2d, Module};
    /// use myelin_tensor::Tensor;
    /// let gap = AdaptiveAvgPool2d::new([1, 1]);
    /// assert_eq!(Module::<f32>::describe(&gap), "AdaptiveAvgPool2d(output_size=(1, 1))");
    /// assert_eq!(gap.forward(&Tensor::<f32>::ones(&[2, 5, 7, 3]))?.shape(), &[2, 5, 1, 1]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    AdaptiveAvgPool2d,
    [usize; 2],
    |o, x| x.try_adaptive_avg_pool2d(*o),
    |o| format!("AdaptiveAvgPool2d(output_size=({}, {}))", o[0], o[1])
);

pool_layer!(
    /// PyTorch's `nn.AdaptiveAvgPool1d(output_size)`. See
    /// [`Tensor::adaptive_avg_pool1d`].
    ///
    /// ```
    /// use myelin_nn::{layers::AdaptiveAvgPool1d, Module};
    /// use myelin_tensor::Tensor;
    /// let pool = AdaptiveAvgPool1d::new(2);
    /// assert_eq!(pool.forward(&Tensor::<f32>::ones(&[2, 5, 7]))?.shape(), &[2, 5, 2]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    AdaptiveAvgPool1d,
    usize,
    |o, x| x.try_adaptive_avg_pool1d(*o),
    |o| format!("AdaptiveAvgPool1d(output_size={o})")
);
