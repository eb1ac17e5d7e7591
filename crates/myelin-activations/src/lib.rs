//! Myelin activations.
