//! The JS surface of the remote client (placeholder — being written).
