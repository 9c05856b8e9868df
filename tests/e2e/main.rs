//! End-to-end tests: the real binary on real exports built from `fixtures/`, one module per area.
//!
//! One test binary rather than one per file: each binary links the whole crate and its
//! dependencies (about 128 MB with debug info), and twenty-one of them filled the CI machine's disk.

mod common;

mod batches;
mod claude;
mod completions;
mod crash_safety;
mod datasette;
mod fidelity;
mod fuzz_regressions;
mod hostile_input;
mod ids_and_rough_edges;
mod ingest;
mod maintenance;
mod parquet;
mod partial_exports;
mod providers;
mod queries;
mod query;
mod reading;
mod real_shapes;
mod search;
mod successive;
mod time_zones;
mod upgrade;
