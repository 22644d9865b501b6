//! Integration tests, one binary (see the project rules).

mod sim_core;
