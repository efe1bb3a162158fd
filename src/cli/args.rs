//! The flags, as clap sees them. Nothing outside `config` reads these types.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Read the PIN retry counters of a My Number card, and change its PINs without risking a lock.
#[derive(Debug, Parser)]
#[command(name = "jpki", version, about, max_term_width = 100)]
pub struct Args {
    /// Reader to use: exact name, index from `jpki readers`, or a unique part of a name.
    #[arg(long, global = true, env = "JPKI_READER", value_name = "NAME|INDEX")]
    pub reader: Option<String>,

    /// Answer from a recorded trace file instead of a reader (an offline mock reader).
    #[arg(long, global = true, value_name = "FILE")]
    pub replay: Option<PathBuf>,

    /// Use a virtual My Number card whose state lives in this file; the state is saved back
    /// after the run (create one with `jpki-vcard init`).
    #[arg(
        long,
        global = true,
        value_name = "STATE_FILE",
        conflicts_with = "replay"
    )]
    pub virtual_card: Option<PathBuf>,

    /// Write every exchange of this run to a trace file, PIN bytes redacted.
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Language of human output [default: from LC_ALL, LC_MESSAGES or LANG].
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,

    /// Print one JSON object instead of human text.
    #[arg(long, global = true)]
    pub json: bool,

    /// The command.
    #[command(subcommand)]
    pub command: CommandArg,
}

/// A language of human output.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// 日本語
    Ja,
    /// English
    En,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum CommandArg {
    /// List the PC/SC readers and whether a card is in each.
    Readers,
    /// Show how many tries each of the four PINs has left, spending none.
    Status {
        /// Read only the four counters (exactly 11 APDUs), nothing else.
        #[arg(long)]
        pins_only: bool,
    },
}
