//! Process exit codes shared by the CLI and the GUI launcher, so scripts
//! can tell "the plan has problems" from "you called it wrong".

/// Success.
pub const EXIT_OK: u8 = 0;
/// The plan has errors, a comparison found a regression, or a file failed.
pub const EXIT_PROBLEMS: u8 = 1;
/// Bad arguments or an unreadable input.
pub const EXIT_USAGE: u8 = 2;
