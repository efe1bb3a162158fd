//! The command line: flags, the plain config they become, and what each command prints.
//! Library errors arrive as `anyhow::Error`; each class maps to its own exit code here.

mod advice;
mod args;
mod assets;
mod change_pin;
mod colour;
mod config;
mod doctor;
mod exit;
mod failure;
mod lang;
mod open;
mod output;
mod pin_entry;
mod pin_outcome;
mod readers;
mod record;
mod render;
mod status;
mod status_args;
mod usage;
mod verify_pin;
mod version;
mod words;

pub use config::Config;
pub use exit::Exit;
pub use failure::{classify, describe_error};
pub use output::json_printed;

/// Print the JSON object of a command that failed before it had a report: `schema_version`,
/// `command`, and `error` (docs/json.md).
pub fn print_error_json(config: &Config, error: &anyhow::Error) -> anyhow::Result<()> {
    let mut object = output::json_object(Some(config.action.name()));
    object["error"] = failure::error_json(error, config.lang);
    output::print(output::json_line(&object))
}

use config::Action;

/// Run the configured command; `Ok` carries the exit code of a command that ran to its end.
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    // Before anything is opened: --record where it cannot record.
    record::check(config)?;
    match &config.action {
        Action::Readers => readers::run(config),
        Action::Status { pins_only } => status::run(config, *pins_only),
        Action::Completions { shell } => assets::completions(*shell),
        Action::Manpage { out_dir } => assets::manpage(out_dir.as_deref()),
        Action::ChangePin {
            pins,
            input,
            allow_last_try,
            experimental,
        } => change_pin::run(config, pins, *input, *allow_last_try, *experimental),
        Action::VerifyPin {
            pin,
            input,
            allow_last_try,
            experimental,
        } => verify_pin::run(config, *pin, *input, *allow_last_try, *experimental),
        Action::Doctor => doctor::run(config),
    }
}
