//! The terminal and the standard streams: writing output, making outside text printable,
//! colour, taking PINs from the holder, and the process kept out of reach of others.

pub mod colour;
pub mod export;
pub mod hardening;
pub mod output;
pub mod pin_entry;
pub mod pin_entry_error;
pub mod render;
#[cfg(unix)]
pub mod signals;
pub mod warnings;
