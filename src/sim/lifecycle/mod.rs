//! The lifecycle on one cluster: which plan nodes and links each stage
//! keeps busy ([`usage`]).

pub mod usage;
