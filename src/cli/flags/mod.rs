//! From the command line to a plain config: the flags as clap sees them, the config they
//! become, usage errors, a plain status line read without clap, `--version`, `--record`'s rules, and what clap's definitions generate
//! (completions, man pages).

pub mod args;
pub mod assets;
pub mod config;
pub mod help;
pub mod man;
pub mod record;
pub mod status_args;
pub mod usage;
pub mod version;
