//! The My Number card's applications and PINs: what to select, how to read a counter without
//! spending a try. Every operation opens one transaction of a
//! [`Reader`](crate::transport::Reader) and never knows which reader it is; every step that
//! sends a command takes the [`Transaction`](crate::transport::Transaction), so none can run
//! outside one.

mod application;
pub mod card_info;
pub mod certificate;
mod certificates;
mod change;
mod counter;
mod error;
mod exchange;
mod experimental;
mod guarded;
mod guessable;
pub mod guidance;
mod key_reference;
mod pin;
mod status;
pub mod token;
mod verify;

pub use application::Application;
pub use certificates::{read_certificates, read_sign_certificate, SignCertificateReport};
pub use change::{
    change_pins, precheck_change, ChangeInputError, ChangeReport, ChangeTargets, Outcome,
    PinChange, PinOutcome, TypedPin,
};
pub use counter::{KeyCounter, PinState, PinStatus, RetryCounter};
pub use error::CardError;
pub use experimental::{Experiment, NeedsExperimental, PinCommand};
pub use guarded::{KeyOutcome, KeyResult, LastTry};
pub use guessable::{weakness, Weakness};
pub use key_reference::{ChangeCommand, KeyReference};
pub use pin::{Pin, PinFormat, PinFormatError, PinKind};
pub use status::{probe_card_kind, read_card_report, read_pin_statuses, AuthNotAfter, CardReport};
pub use verify::{precheck_verify, verify_pin, VerifyReport};
