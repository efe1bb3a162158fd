//! The command line: flags, the plain config they become, and what each command prints.
//! Library errors arrive as `anyhow::Error`; each class maps to its own exit code here.

mod args;
mod colour;
mod config;
mod doctor;
mod exit;
mod open;
mod readers;
mod render;
mod status;
mod text;

pub use config::Config;
pub use exit::{describe_error, exit_code_of, Exit};

use config::Action;

/// Run the configured command; `Ok` carries the exit code of a command that ran to its end.
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    match &config.action {
        Action::Readers => readers::run(config),
        Action::Status { pins_only } => status::run(config, *pins_only),
        Action::Doctor => doctor::run(config),
    }
}
