//! The `dbridge` binary: the command line of [`data_bridge::cli`].

use std::process::ExitCode;

/// mimalloc instead of the system allocator: the schema commands allocate millions of small
/// strings on several threads, where glibc's per-thread arenas grow by many small steps.
/// (With the `python` feature the library sets the same allocator itself.)
#[cfg(not(feature = "python"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(data_bridge::cli::run(std::env::args_os()))
}
