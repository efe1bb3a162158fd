//! The terminal and the standard streams: writing output, making outside text printable,
//! colour, and taking PINs from the holder.

pub mod colour;
pub mod export;
pub mod output;
pub mod pin_entry;
pub mod render;
pub mod warnings;
