//! jpki's integration tests, one binary with a module per area (so one link, not one per file).
//! A new file in this folder is not a test until it is declared here. Shared helpers are in
//! `util`; `faults` is the fault-injection harness, a module tree of its own. docs/testing.md says
//! what each kind of test proves.

mod util;

mod assets;
mod card_checks;
mod certificate;
mod change_pin;
mod e2e_pcscd;
mod e2e_sharing;
mod faults;
mod full_disk;
mod guidance;
mod hardening;
mod hostile_text;
mod japanese;
mod json_schema;
mod output;
mod pins;
mod properties;
mod record;
mod replay;
mod secrets;
mod status;
#[cfg(unix)]
mod terminal;
mod traces;
mod vcard_vpcd;
mod verify_pin;
mod virtual_card;
mod wiped;
