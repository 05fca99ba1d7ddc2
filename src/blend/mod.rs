//! The 30 blend modes of SPEC 2.5 and the blend + mask composite kernels.

mod mode;

pub use mode::BlendMode;
