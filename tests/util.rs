//! Helpers shared by the test modules, one file a topic: running the built `jpki` and checking
//! what it gave (`run`), runs where a file cannot be written (`disk`), reading its JSON reports
//! and their PIN entries (`json`), the JSON Schema and its validator (`schema`), bundled and
//! hand-made traces (`traces`), finding a PIN in any text (`pins`), the virtual card's command
//! line and state file (`vcard`), the documents the tests hold the code to (`docs`), and a pcscd
//! of the tests' own for the end-to-end tests (`pcscd`).
//! Everything is re-exported here: a module writes `crate::util::replay`.

mod disk;
mod docs;
mod json;
mod pcscd;
mod pins;
mod run;
mod schema;
mod traces;
mod vcard;

pub use disk::*;
pub use docs::*;
pub use json::*;
pub use pcscd::*;
pub use pins::*;
pub use run::*;
pub use schema::*;
pub use traces::*;
pub use vcard::*;
