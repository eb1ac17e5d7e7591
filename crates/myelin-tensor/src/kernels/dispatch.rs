//! Runtime instruction-set dispatch: the one place where kernels pick their SIMD level.
//!
//! Every slice kernel (elementwise maps, reductions, the activation crate's softmax rows)
//! is a [`Kernel`]: a struct whose `run` is `#[inline(always)]`. [`dispatch`] compiles it
//! once per instruction-set level through [`pulp`]'s `vectorize` (a
//! `#[target_feature]` function the kernel is inlined into, so its loops — and the
//! `f32` fastmath polynomials inlined into them — are vectorised for that level) and runs
//! the best version the CPU supports. A binary built for baseline x86-64 therefore runs
//! AVX-512 or AVX2 code on CPUs that have it, and a crate depending on Myelin gets the
//! same speed as this workspace, whatever its own build flags.
//!
//! Levels on x86-64: [`SimdLevel::Avx512`] (pulp's `V4`: AVX-512 F/BW/CD/DQ/VL),
//! [`SimdLevel::Avx2`] (`V3`: AVX2 + FMA + BMI), [`SimdLevel::Baseline`] (what the build
//! target guarantees: SSE2 for plain x86-64). Other architectures run the baseline
//! (NEON is part of the aarch64 baseline).
//!
//! The level is chosen on first use: the best detected, unless the environment variable
//! `MYELIN_SIMD` asks for a lower one (`baseline` (aliases `sse2`, `scalar`), `avx2`,
//! `avx512`; `auto` or unset: the best). [`set_simd_level`] changes it at run time.
//!
//! Results agree bitwise across levels: the kernels never let the compiler reassociate
//! (sums use explicit independent accumulators whose order is fixed in the source), and
//! there is no floating-point contraction (`a * b + c` stays two roundings; `mul_add` is
//! a correctly rounded fused multiply-add at every level). `tests/simd_levels.rs` checks
//! this on every level the machine can run.
//!
//! ```
//! use myelin_tensor::simd::{dispatch, Kernel};
//!
//! /// Doubles a slice in place.
//! struct Double<'a>(&'a mut [f32]);
//! impl Kernel for Double<'_> {
//!     type Output = ();
//!     #[inline(always)]
//!     fn run(self) {
//!         for v in self.0.iter_mut() {
//!             *v *= 2.0;
//!         }
//!     }
//! }
//!
//! let mut values = vec![1.0, 2.0, 3.0];
//! dispatch(Double(&mut values));
//! assert_eq!(values, [2.0, 4.0, 6.0]);
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

/// A SIMD instruction-set level kernels can be compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// The build target's own instruction set (SSE2 on plain x86-64, NEON on aarch64).
    Baseline,
    /// x86-64-v3: AVX2, FMA, BMI1/2, LZCNT.
    Avx2,
    /// x86-64-v4: AVX-512 F, BW, CD, DQ, VL (and everything in `Avx2`).
    Avx512,
}

impl SimdLevel {
    /// Every level, lowest first.
    pub const ALL: [SimdLevel; 3] = [SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512];

    /// The name `MYELIN_SIMD` accepts for this level.
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Baseline => "baseline",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    /// Parses a `MYELIN_SIMD` value; `None` for `auto` (the best level) and unknown names
    /// are an `Err` with the accepted ones.
    pub fn parse(name: &str) -> Result<Option<SimdLevel>, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "auto" | "native" => Ok(None),
            "baseline" | "sse2" | "scalar" | "neon" => Ok(Some(SimdLevel::Baseline)),
            "avx2" | "v3" | "x86-64-v3" => Ok(Some(SimdLevel::Avx2)),
            "avx512" | "v4" | "x86-64-v4" => Ok(Some(SimdLevel::Avx512)),
            other => Err(format!(
                "MYELIN_SIMD={other:?} is not a SIMD level; use auto, baseline (sse2), avx2 or avx512"
            )),
        }
    }

    /// Whether this CPU can run kernels compiled for this level.
    pub fn is_supported(self) -> bool {
        match self {
            SimdLevel::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => pulp::x86::V3::is_available(),
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 => pulp::x86::V4::is_available(),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The best level this CPU supports.
    pub fn detected() -> SimdLevel {
        SimdLevel::ALL
            .into_iter()
            .rev()
            .find(|level| level.is_supported())
            .unwrap_or(SimdLevel::Baseline)
    }

    /// Every level this CPU supports, lowest first.
    pub fn supported() -> Vec<SimdLevel> {
        SimdLevel::ALL
            .into_iter()
            .filter(|level| level.is_supported())
            .collect()
    }

    fn from_u8(v: u8) -> SimdLevel {
        match v {
            2 => SimdLevel::Avx512,
            1 => SimdLevel::Avx2,
            _ => SimdLevel::Baseline,
        }
    }
}

impl fmt::Display for SimdLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const UNSET: u8 = u8::MAX;
static LEVEL: AtomicU8 = AtomicU8::new(UNSET);

/// The level kernels run at now (chosen on first use; see the module docs).
#[inline]
pub fn simd_level() -> SimdLevel {
    match LEVEL.load(Ordering::Relaxed) {
        UNSET => init_level(),
        v => SimdLevel::from_u8(v),
    }
}

#[cold]
fn init_level() -> SimdLevel {
    let best = SimdLevel::detected();
    let level = match std::env::var("MYELIN_SIMD") {
        Err(_) => best,
        Ok(value) => match SimdLevel::parse(&value) {
            Ok(None) => best,
            Ok(Some(requested)) if requested <= best => requested,
            Ok(Some(requested)) => {
                eprintln!(
                    "myelin: MYELIN_SIMD={requested} is not supported by this CPU; using {best}"
                );
                best
            }
            Err(message) => {
                eprintln!("myelin: {message}; using {best}");
                best
            }
        },
    };
    // A concurrent first use computes the same value.
    LEVEL.store(level as u8, Ordering::Relaxed);
    level
}

/// Makes every later kernel run at `level` (for comparing levels, or working around a
/// CPU problem). Fails, changing nothing, when this CPU cannot run `level`.
///
/// The level is process-wide; kernels already running finish at the old one.
pub fn set_simd_level(level: SimdLevel) -> Result<(), String> {
    if !level.is_supported() {
        return Err(format!(
            "set_simd_level: this CPU does not support {level} (best: {})",
            SimdLevel::detected()
        ));
    }
    LEVEL.store(level as u8, Ordering::Relaxed);
    Ok(())
}

/// A slice kernel [`dispatch`] can compile per SIMD level. `run` must be
/// `#[inline(always)]` (and so must everything it calls in its loops), or its body is
/// compiled for the baseline only.
pub trait Kernel {
    /// What the kernel returns.
    type Output;
    /// Runs the kernel.
    fn run(self) -> Self::Output;
}

/// Adapts a [`Kernel`] to pulp's nullary-function interface.
struct Vectorized<K>(K);

impl<K: Kernel> pulp::NullaryFnOnce for Vectorized<K> {
    type Output = K::Output;
    #[inline(always)]
    fn call(self) -> K::Output {
        self.0.run()
    }
}

/// Runs `kernel` compiled for the current [`simd_level`].
#[inline(always)]
pub fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    {
        match simd_level() {
            SimdLevel::Avx512 => {
                if let Some(simd) = pulp::x86::V4::try_new() {
                    return simd.vectorize(Vectorized(kernel));
                }
            }
            SimdLevel::Avx2 => {
                if let Some(simd) = pulp::x86::V3::try_new() {
                    return simd.vectorize(Vectorized(kernel));
                }
            }
            SimdLevel::Baseline => {}
        }
    }
    kernel.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_names_are_refused() {
        for level in SimdLevel::ALL {
            assert_eq!(SimdLevel::parse(level.name()), Ok(Some(level)));
        }
        assert_eq!(SimdLevel::parse("sse2"), Ok(Some(SimdLevel::Baseline)));
        assert_eq!(SimdLevel::parse(" AVX512 "), Ok(Some(SimdLevel::Avx512)));
        assert_eq!(SimdLevel::parse("auto"), Ok(None));
        let err = SimdLevel::parse("avx1024").unwrap_err();
        assert!(err.contains("avx1024") && err.contains("baseline"), "{err}");
    }

    #[test]
    fn detection_is_consistent() {
        let supported = SimdLevel::supported();
        assert_eq!(supported[0], SimdLevel::Baseline);
        assert_eq!(*supported.last().unwrap(), SimdLevel::detected());
        // Levels are nested: supporting one means supporting all below it.
        for w in SimdLevel::ALL.windows(2) {
            assert!(!w[1].is_supported() || w[0].is_supported());
        }
    }
}
