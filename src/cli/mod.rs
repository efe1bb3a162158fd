//! The command line: flags, the plain config they become, and what each command prints.
//! Library errors arrive as `anyhow::Error`; each class maps to its own exit code here.

mod certificate_facts;
mod commands;
mod exit;
mod failure;
mod flags;
mod io;
mod lang;
#[cfg(test)]
mod schema_ids;
mod words;

use commands::{certificate, change_pin, doctor, pins, readers, status, verify_pin};
use flags::{assets, record};
use io::output;

pub use exit::Exit;
pub use failure::{classify, describe_error};
pub use flags::config::Config;
pub use io::hardening::harden_process;

/// Why the run ends by `signal` after the card answered, in the run's language.
pub fn held_signal_note(config: &Config, signal: i32) -> String {
    words::failure::held_signal(signal, config.lang)
}

/// The ending signal that arrived while a PIN was on its way to the card, if any: the run ends
/// by it once it has reported what the card said.
pub fn deferred_signal() -> Option<i32> {
    #[cfg(unix)]
    return io::signals::deferred();
    #[cfg(not(unix))]
    None
}
pub use output::json_printed;

/// Print the JSON object of a command that failed before it had a report: `schema_version`,
/// `command`, and `error` (docs/json.md).
pub fn print_error_json(config: &Config, error: &anyhow::Error) -> anyhow::Result<()> {
    let mut object = output::json_object(Some(config.action.name()));
    object["error"] = failure::error_json(error, config.lang);
    output::print(output::report_line(&object))
}

use flags::config::Action;

/// Run the configured command; `Ok` carries the exit code of a command that ran to its end.
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    // Before anything is opened: --record where it cannot record.
    record::check(config)?;
    let outcome = match &config.action {
        Action::Readers => readers::run(config),
        Action::Status { pins_only } => status::run(config, *pins_only),
        Action::Completions { shell } => assets::completions(*shell),
        Action::Manpage { out_dir } => assets::manpage(out_dir.as_deref()),
        Action::ChangePin { pins, options } => change_pin::run(config, pins, *options),
        Action::VerifyPin { pin, options } => verify_pin::run(config, *pin, *options),
        Action::Certificate {
            kind,
            output,
            options,
        } => certificate::run(config, *kind, output, *options),
        Action::Doctor => doctor::run(config),
        Action::Pins => pins::run(config),
    };
    // The reader of a pipe went away (`jpki status | head -1`): it took what it wanted, so the
    // run ends quietly with 0, as ripgrep's does. Not for a PIN command, whose report goes to
    // stderr when stdout fails and whose exit code stays the card's outcome (docs/exit-codes.md).
    let pin_command = matches!(
        config.action,
        Action::ChangePin { .. } | Action::VerifyPin { .. }
    );
    match outcome {
        Err(error) if !pin_command && output::reader_went_away(&error) => Ok(Exit::Success),
        outcome => outcome,
    }
}
