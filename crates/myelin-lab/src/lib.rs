//! Myelin lab.
