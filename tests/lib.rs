//! Cross-crate tests and benchmarks of conversations-rs live in this package's test and bench
//! targets; the library is empty.
