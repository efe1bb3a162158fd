//! Shell completions and the man pages, generated from the same clap definitions as the flags,
//! so they never describe a flag jpki does not have (the pages' own sections: `man`).

use crate::cli::exit::Exit;
use crate::cli::flags::args::Args;
use crate::cli::flags::man;
use crate::cli::io::output::print;
use anyhow::Context;
use clap::{Arg, Command, CommandFactory};
use clap_complete::Shell;
use std::path::Path;

/// `jpki completions SHELL`: print the completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> anyhow::Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut visible(&Args::command()), "jpki", &mut script);
    print(&script)?;
    Ok(Exit::Success)
}

/// `command` without its hidden flags and commands, for the completion scripts: clap_complete's
/// generators offer hidden ones too (`--today`, `manpage`), which are not for people to type.
fn visible(command: &Command) -> Command {
    let shown = |arg: &&Arg| !arg.is_hide_set();
    let mut copy = Command::new(command.get_name().to_string())
        .subcommand_required(command.is_subcommand_required_set())
        .args(command.get_arguments().filter(shown).cloned())
        .subcommands(
            command
                .get_subcommands()
                .filter(|sub| !sub.is_hide_set())
                .map(visible),
        );
    if let Some(about) = command.get_about() {
        copy = copy.about(about.clone());
    }
    if let Some(version) = command.get_version() {
        copy = copy.version(version.to_string());
    }
    copy
}

/// `jpki manpage`: print jpki.1 on stdout, or with `--out-dir` write it and a page per command.
pub fn manpage(out_dir: Option<&Path>) -> anyhow::Result<Exit> {
    let pages = man::pages().context("rendering the man pages")?;
    match out_dir {
        None => print(&pages[0].1)?,
        Some(dir) => {
            let written = |what: &str| {
                format!(
                    "writing the man pages to {}: {what}",
                    crate::cli::io::render::printable(&dir.display().to_string())
                )
            };
            std::fs::create_dir_all(dir).with_context(|| written("creating the directory"))?;
            for (name, page) in &pages {
                std::fs::write(dir.join(name), page).with_context(|| written(name))?;
            }
        }
    }
    Ok(Exit::Success)
}
