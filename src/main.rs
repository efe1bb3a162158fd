//! The `jpki` command: parse flags once into a plain config, run it, map errors to exit codes.

mod cli;

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let config = cli::Config::from_env_args();
    match cli::run(&config) {
        Ok(code) => ExitCode::from(code as u8),
        Err(error) => {
            // Not eprintln!: a closed stderr must not turn a clean exit code into a panic.
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                cli::describe_error(&error, config.lang)
            );
            ExitCode::from(cli::exit_code_of(&error) as u8)
        }
    }
}
