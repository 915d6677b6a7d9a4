//! Truora Checks (catalogue §2).

pub mod rules;
