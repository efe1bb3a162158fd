//! The commands, one module each, and what they share: opening the card, the PIN commands'
//! run, and the advice after a PIN command.

pub mod advice;
pub mod certificate;
pub mod change_pin;
pub mod doctor;
pub mod open;
pub mod pin_command;
pub mod pins;
pub mod readers;
pub mod status;
pub mod verify_pin;
