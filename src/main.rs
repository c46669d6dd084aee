fn main() -> std::process::ExitCode {
    takedown::cli::main()
}
