//! Cross-crate tests and benchmarks of conversations-rs live in this package's test and bench
//! targets; the library is empty.

/// The top-level README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
