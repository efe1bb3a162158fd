//! What `jpki --version` says: jpki's version, then the PC/SC library it talks to, since a bug
//! report about a reader is only useful with both.

use jpki_card::transport::pcsc_library::pcsc_library;

/// The text after `jpki ` in `jpki --version` (`-V` prints the version alone).
pub fn long_version() -> String {
    format!("{}\nPC/SC: {}", env!("CARGO_PKG_VERSION"), pcsc_library())
}
