//! Lossless JSON for `f64` fields that may be non-finite.
//!
//! JSON has no NaN or infinity; `serde_json` writes them as `null` and then refuses to read
//! `null` back into an `f64`, so a result file holding one NaN (the untrained epoch's
//! training loss, an underflowed gradient ratio) could not be resumed or merged. These
//! helpers write finite values as JSON numbers (shortest round-trip form) and the others as
//! the strings `"NaN"`, `"inf"` and `"-inf"`; reading accepts numbers, those strings and
//! `null` (read as NaN, for files written before).
//!
//! Use with `#[serde(with = "crate::json_float::scalar")]` (an `f64`),
//! `…::vec` (a `Vec<f64>`) or `…::samples` (a `Vec<(usize, Vec<f64>)>`).

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// An `f64` with the lossless JSON form described in the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsonF64(pub f64);

impl Serialize for JsonF64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_finite() {
            serializer.serialize_f64(x)
        } else if x.is_nan() {
            serializer.serialize_str("NaN")
        } else if x > 0.0 {
            serializer.serialize_str("inf")
        } else {
            serializer.serialize_str("-inf")
        }
    }
}

struct JsonF64Visitor;

impl Visitor<'_> for JsonF64Visitor {
    type Value = JsonF64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number, \"NaN\", \"inf\", \"-inf\" or null")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonF64, E> {
        Ok(JsonF64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonF64, E> {
        Ok(JsonF64(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonF64, E> {
        Ok(JsonF64(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonF64, E> {
        match v {
            "NaN" | "nan" => Ok(JsonF64(f64::NAN)),
            "inf" | "+inf" | "Infinity" => Ok(JsonF64(f64::INFINITY)),
            "-inf" | "-Infinity" => Ok(JsonF64(f64::NEG_INFINITY)),
            other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<JsonF64, E> {
        Ok(JsonF64(f64::NAN))
    }
    fn visit_none<E: de::Error>(self) -> Result<JsonF64, E> {
        Ok(JsonF64(f64::NAN))
    }
}

impl<'de> Deserialize<'de> for JsonF64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonF64Visitor)
    }
}

/// `#[serde(with = …)]` for one `f64`.
pub mod scalar {
    use super::*;

    /// Writes `x` losslessly.
    pub fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        JsonF64(*x).serialize(serializer)
    }

    /// Reads what [`serialize`] wrote (or `null` as NaN).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(JsonF64::deserialize(deserializer)?.0)
    }
}

/// `#[serde(with = …)]` for a `Vec<f64>`.
pub mod vec {
    use super::*;

    /// Writes every element losslessly.
    pub fn serialize<S: Serializer>(xs: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(xs.iter().map(|&x| JsonF64(x)))
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        let values = Vec::<JsonF64>::deserialize(deserializer)?;
        Ok(values.into_iter().map(|x| x.0).collect())
    }
}

/// `#[serde(with = …)]` for sampled values per layer, `Vec<(usize, Vec<f64>)>`.
pub mod samples {
    use super::*;

    /// Writes every value losslessly.
    pub fn serialize<S: Serializer>(
        samples: &[(usize, Vec<f64>)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(samples.iter().map(|(layer, values)| {
            (
                *layer,
                values.iter().map(|&x| JsonF64(x)).collect::<Vec<_>>(),
            )
        }))
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(usize, Vec<f64>)>, D::Error> {
        let values = Vec::<(usize, Vec<JsonF64>)>::deserialize(deserializer)?;
        Ok(values
            .into_iter()
            .map(|(layer, v)| (layer, v.into_iter().map(|x| x.0).collect()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    struct Record {
        #[serde(with = "scalar")]
        a: f64,
        #[serde(with = "vec")]
        b: Vec<f64>,
        #[serde(with = "samples")]
        c: Vec<(usize, Vec<f64>)>,
    }

    #[test]
    fn non_finite_values_round_trip_and_finite_ones_are_exact() {
        let tricky = 0.1 + 0.2; // needs all 17 digits
        let r = Record {
            a: f64::NAN,
            b: vec![f64::INFINITY, f64::NEG_INFINITY, tricky, -0.0, 1e-310],
            c: vec![(3, vec![f64::NAN, 2.5])],
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(
            text,
            r#"{"a":"NaN","b":["inf","-inf",0.30000000000000004,-0.0,1e-310],"c":[[3,["NaN",2.5]]]}"#
        );
        let back: Record = serde_json::from_str(&text).unwrap();
        assert!(back.a.is_nan());
        assert_eq!(back.b[0], f64::INFINITY);
        assert_eq!(back.b[1], f64::NEG_INFINITY);
        assert_eq!(back.b[2].to_bits(), tricky.to_bits());
        assert_eq!(back.b[3].to_bits(), (-0.0f64).to_bits());
        assert_eq!(back.b[4], 1e-310);
        assert!(back.c[0].1[0].is_nan() && back.c[0].1[1] == 2.5);
    }

    #[test]
    fn null_reads_as_nan_and_junk_is_an_error_naming_the_value() {
        let back: Record = serde_json::from_str(r#"{"a":null,"b":[1,null],"c":[]}"#).unwrap();
        assert!(back.a.is_nan() && back.b[0] == 1.0 && back.b[1].is_nan());
        let error = serde_json::from_str::<Record>(r#"{"a":"many","b":[],"c":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("many"), "{error}");
    }
}
