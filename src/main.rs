//! The `jpki` command: parse flags once into a plain config, run it, map errors to exit codes.

mod cli;

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything is read: no core file and no same-user debugger may see a PIN.
    cli::harden_process();
    let config = cli::Config::from_env_args();
    let outcome = cli::run(&config);
    // A signal that arrived while a PIN was on its way to the card: the report of what the
    // card said is out (or the error below says it), then the process ends by the signal.
    let deferred = cli::deferred_signal();
    if let Some(signal) = deferred {
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            cli::held_signal_note(&config, signal)
        );
    }
    match outcome {
        Ok(code) => match deferred {
            Some(signal) => end_by_signal(signal),
            None => ExitCode::from(code as u8),
        },
        Err(error) => {
            if config.json && !cli::json_printed() {
                // A script reading stdout gets an object saying what went wrong; a failed write
                // changes nothing more (the message below and the exit code still tell).
                let _ = cli::print_error_json(&config, &error);
            }
            // Not eprintln!: a closed stderr must not turn a clean exit code into a panic.
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                cli::describe_error(&error, config.lang)
            );
            let failure = cli::classify(&error);
            if let Some(signal) = deferred.or(failure.signal()) {
                return end_by_signal(signal);
            }
            ExitCode::from(failure.exit() as u8)
        }
    }
}

/// End the process by `signal`, now that the terminal is restored and the run cleaned up, so the
/// program that started jpki sees what ended it (a shell script stops on Ctrl-C as it should).
fn end_by_signal(signal: i32) -> ExitCode {
    #[cfg(unix)]
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    // Only reached when the signal could not end the process: its number, as a shell shows it.
    ExitCode::from(128u8.saturating_add(signal as u8))
}
