//! The `dbridge` command: a thin entry point into [`data_bridge::cli`].

fn main() -> std::process::ExitCode {
    data_bridge::cli::main()
}
