//! The state file: a virtual card's memory as a few lines of text, so a PIN changed by one `jpki`
//! run is still changed for the next (docs/virtual-card.md).
//!
//! ```text
//! # comment
//! applications jpki juki kenhojo
//! pin sign ABC123 5
//! pin auth 1234 3
//! locked-probe 63C0
//! auth-certificate 3003020100
//! ```

use super::model::{CardState, LockedProbe, PinRecord};
use crate::card::{Application, Pin, PinKind};
use crate::transport::wire::spaced_hex;
use std::fmt::Write as _;
use std::path::Path;
use thiserror::Error;

/// A state file that cannot be read, parsed or written.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StateError {
    /// The file could not be read or written.
    #[error("virtual card state {origin}: {reason}")]
    Io {
        /// The file.
        origin: String,
        /// What the OS said.
        reason: String,
    },
    /// A line is not valid state-file syntax.
    #[error("virtual card state {origin}:{line}: {problem}")]
    Malformed {
        /// The file.
        origin: String,
        /// 1-based line number (0: the file as a whole).
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// The id of an application in state files.
pub fn application_id(application: Application) -> &'static str {
    match application {
        Application::Jpki => "jpki",
        Application::Juki => "juki",
        Application::Common => "common",
        Application::Kenhojo => "kenhojo",
    }
}

/// The application named `id` in a state file.
pub fn application_from_id(id: &str) -> Option<Application> {
    Application::ALL
        .into_iter()
        .find(|a| application_id(*a) == id)
}

/// Read a state file.
pub fn load(path: &Path) -> Result<CardState, StateError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| StateError::Io {
        origin: origin.clone(),
        reason: e.to_string(),
    })?;
    parse(&text, &origin)
}

/// Write a state file, replacing it whole so a crash never leaves half a card.
pub fn save(state: &CardState, path: &Path) -> Result<(), StateError> {
    let io = |e: std::io::Error| StateError::Io {
        origin: path.display().to_string(),
        reason: format!("cannot write: {e}"),
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, to_text(state)).map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

/// The state as text in the format [`parse`] reads.
pub fn to_text(state: &CardState) -> String {
    let mut out = String::from(
        "# A jpki virtual My Number card (docs/virtual-card.md). Test PINs only: this file holds them in clear.\n",
    );
    let apps: Vec<&str> = state
        .applications
        .iter()
        .map(|a| application_id(*a))
        .collect();
    let _ = writeln!(out, "applications {}", apps.join(" "));
    for (kind, record) in &state.pins {
        let _ = writeln!(
            out,
            "pin {kind} {} {}",
            String::from_utf8_lossy(&record.value),
            record.tries_left
        );
    }
    let _ = writeln!(out, "locked-probe {}", state.locked_probe.hex());
    let _ = writeln!(
        out,
        "auth-certificate {}",
        spaced_hex(&state.auth_certificate).replace(' ', "")
    );
    out
}

/// Parse state text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<CardState, StateError> {
    let malformed = |line: usize, problem: String| StateError::Malformed {
        origin: origin.to_string(),
        line,
        problem,
    };
    let mut applications = None;
    let mut pins: Vec<(PinKind, PinRecord)> = Vec::new();
    let mut locked_probe = LockedProbe::TriesLeftZero;
    let mut auth_certificate = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else { continue };
        let values: Vec<&str> = words.collect();
        match key {
            "applications" => {
                let mut list = Vec::new();
                for id in &values {
                    let app = application_from_id(id).ok_or_else(|| {
                        malformed(
                            number,
                            format!("unknown application \"{id}\" (jpki, juki, kenhojo)"),
                        )
                    })?;
                    if !list.contains(&app) {
                        list.push(app);
                    }
                }
                applications = Some(list);
            }
            "pin" => {
                let [id, value, tries] = values[..] else {
                    return Err(malformed(
                        number,
                        "expected: pin KIND VALUE TRIES_LEFT".into(),
                    ));
                };
                let kind = PinKind::from_id(id).ok_or_else(|| {
                    malformed(
                        number,
                        format!("unknown PIN \"{id}\" (sign, auth, juki, kenhojo)"),
                    )
                })?;
                let pin = Pin::new(kind, value).map_err(|e| malformed(number, e.to_string()))?;
                let tries_left = tries
                    .parse::<u8>()
                    .ok()
                    .filter(|t| *t <= kind.max_tries())
                    .ok_or_else(|| {
                        malformed(
                            number,
                            format!(
                                "tries left of {kind} must be 0 to {}, not \"{tries}\"",
                                kind.max_tries()
                            ),
                        )
                    })?;
                if pins.iter().any(|(k, _)| *k == kind) {
                    return Err(malformed(
                        number,
                        format!("a second line for the {kind} PIN"),
                    ));
                }
                pins.push((
                    kind,
                    PinRecord {
                        value: pin.expose().to_vec(),
                        tries_left,
                    },
                ));
            }
            "locked-probe" => {
                let [sw] = values[..] else {
                    return Err(malformed(
                        number,
                        "expected: locked-probe 63C0|6983|6984".into(),
                    ));
                };
                locked_probe = LockedProbe::from_hex(sw).ok_or_else(|| {
                    malformed(
                        number,
                        format!("locked-probe must be 63C0, 6983 or 6984, not \"{sw}\""),
                    )
                })?;
            }
            "auth-certificate" => {
                auth_certificate = hex::decode(values.concat())
                    .map_err(|e| malformed(number, format!("auth-certificate is not hex: {e}")))?;
            }
            other => {
                return Err(malformed(
                    number,
                    format!(
                    "unknown key \"{other}\" (applications, pin, locked-probe, auth-certificate)"
                ),
                ))
            }
        }
    }
    let applications =
        applications.ok_or_else(|| malformed(0, "no \"applications\" line".into()))?;
    pins.sort_by_key(|(kind, _)| PinKind::ALL.iter().position(|k| k == kind));
    Ok(CardState {
        applications,
        pins,
        locked_probe,
        auth_certificate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virtual_card::Profile;

    #[test]
    fn text_round_trips() {
        let mut state = Profile::Under15.card();
        state.pin_mut(PinKind::Auth).unwrap().tries_left = 1;
        state.locked_probe = LockedProbe::AuthenticationBlocked;
        assert_eq!(parse(&to_text(&state), "s").unwrap(), state);
    }

    #[test]
    fn bad_lines_are_named_by_number() {
        let line = |text: &str| match parse(text, "s").unwrap_err() {
            StateError::Malformed { line, .. } => line,
            other => panic!("{other:?}"),
        };
        assert_eq!(line("applications jpki\npin auth 12345 3\n"), 2);
        assert_eq!(line("applications jpki\npin auth 1234 4\n"), 2);
        assert_eq!(line("applications jpki\npin sign abc 5\n"), 2);
        assert_eq!(line("applications mf\n"), 1);
        assert_eq!(line("applications jpki\n\nlocked-probe 9000\n"), 3);
        assert_eq!(line("pin auth 1234 3\n"), 0);
        assert_eq!(line("applications jpki\ncolour blue\n"), 2);
    }

    #[test]
    fn a_lower_case_password_is_stored_as_the_card_knows_it() {
        let state = parse("applications jpki\npin sign abc123 5\n", "s").unwrap();
        assert_eq!(state.pin(PinKind::Sign).unwrap().value, b"ABC123");
    }
}
