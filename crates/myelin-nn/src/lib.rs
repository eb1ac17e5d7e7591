//! Myelin nn.
