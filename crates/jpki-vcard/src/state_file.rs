//! The state file's text: a virtual card's memory as a few lines, so a PIN changed by one `jpki`
//! run is still changed for the next (docs/virtual-card.md, "The state file"). How the file is
//! locked, read and replaced is `store`'s business.
//!
//! ```text
//! # comment
//! atr 3BC5FF8131FB458073C6010000
//! applications jpki juki_ap common_ap kenhojo kenkaku
//! pin sign ABC123 5
//! pin juki juki_ap 1234 3
//! code kenkaku_a 123456789012 10
//! locked-probe 63C0
//! auth-certificate 3003020100
//! ```

use super::model::{CardState, Certificate, Code, LockedProbe, PinRecord};
use super::profile::{MY_NUMBER_CARD_ATR, OTHER_CARD_ATR};
use super::protocol::Ap;
use jpki_card::card::{KeyReference, Pin, PinKind};
use std::fmt::Write as _;
use thiserror::Error;

/// A state file that cannot be read, parsed, locked or written.
#[non_exhaustive]
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
    /// The path names a device, a directory or a pipe, not a file.
    #[error("virtual card state {origin}: not a regular file")]
    NotAFile {
        /// The path.
        origin: String,
    },
    /// The file is far larger than any state file.
    #[error("virtual card state {origin}: larger than {limit} bytes, so not a state file")]
    TooLarge {
        /// The file.
        origin: String,
        /// The most a state file may hold.
        limit: u64,
    },
    /// Another process held the file for longer than a run waits.
    #[error(
        "virtual card state {origin}: in use by another process (a jpki run or jpki-vcard serve) \
         for more than {waited_secs} s"
    )]
    Busy {
        /// The file.
        origin: String,
        /// How long this run waited.
        waited_secs: u64,
    },
    /// A new state file was to be created where one exists.
    #[error("virtual card state {origin}: already exists")]
    Exists {
        /// The file.
        origin: String,
    },
}

/// The id of an application in state files: its [`Ap::id`].
pub fn application_id(ap: Ap) -> &'static str {
    ap.id()
}

/// The applications an id names in a state file or on the command line. `juki` names both juki
/// applications: until the two key references were modelled, state files said `juki` for the
/// one application jpki read.
pub fn applications_from_id(id: &str) -> Option<Vec<Ap>> {
    match id {
        "juki" => Some(vec![Ap::Juki, Ap::Common]),
        _ => Ap::from_id(id).map(|ap| vec![ap]),
    }
}

/// The state as text in the format [`parse`] reads.
pub fn to_text(state: &CardState) -> String {
    let mut out = String::from(
        "# A jpki virtual My Number card (docs/virtual-card.md). Test PINs only: this file holds them in clear.\n",
    );
    let _ = writeln!(out, "atr {}", hex::encode_upper(&state.atr));
    let apps: Vec<&str> = state.applications.iter().map(|a| a.id()).collect();
    let _ = writeln!(out, "applications {}", apps.join(" "));
    for (key, record) in &state.pins {
        let value = String::from_utf8_lossy(&record.value);
        // A PIN held in one application needs no application word; juki's two do.
        if key.kind().key_references().len() > 1 {
            let _ = writeln!(
                out,
                "pin {} {} {value} {}",
                key.kind(),
                key.application().id(),
                record.tries_left
            );
        } else {
            let _ = writeln!(out, "pin {} {value} {}", key.kind(), record.tries_left);
        }
    }
    for (code, record) in &state.codes {
        let value = String::from_utf8_lossy(&record.value);
        let _ = writeln!(out, "code {} {value} {}", code.id(), record.tries_left);
    }
    let _ = writeln!(out, "locked-probe {}", state.locked_probe.hex());
    for (certificate, der) in &state.certificates {
        let _ = writeln!(out, "{} {}", certificate.id(), hex::encode_upper(der));
    }
    out
}

/// The number of tries `text` gives, when it is one a PIN file of `max` tries can have.
fn tries(text: &str, max: u8) -> Option<u8> {
    text.parse::<u8>().ok().filter(|t| *t <= max)
}

/// Parse state text; `origin` names it in errors. Words taken from the file are quoted with
/// their control characters escaped, so an error never carries them to a terminal.
pub fn parse(text: &str, origin: &str) -> Result<CardState, StateError> {
    let malformed = |line: usize, problem: String| StateError::Malformed {
        origin: origin.to_string(),
        line,
        problem,
    };
    let mut atr = None;
    let mut applications = None;
    let mut pins: Vec<(KeyReference, PinRecord)> = Vec::new();
    let mut codes: Vec<(Code, PinRecord)> = Vec::new();
    let mut locked_probe = LockedProbe::TriesLeftZero;
    let mut certificates: Vec<(Certificate, Vec<u8>)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else { continue };
        let values: Vec<&str> = words.collect();
        match key {
            "atr" => {
                let bytes = hex::decode(values.concat())
                    .ok()
                    .filter(|b| (2..=33).contains(&b.len()) && matches!(b[0], 0x3B | 0x3F))
                    .ok_or_else(|| {
                        malformed(
                            number,
                            "atr must be 2 to 33 bytes of hex starting 3B or 3F".into(),
                        )
                    })?;
                atr = Some(bytes);
            }
            "applications" => {
                let mut list = Vec::new();
                for id in &values {
                    let aps = applications_from_id(id).ok_or_else(|| {
                        malformed(
                            number,
                            format!(
                                "unknown application {id:?} (jpki, juki_ap, common_ap, kenhojo, \
                                 kenkaku; juki names both juki_ap and common_ap)"
                            ),
                        )
                    })?;
                    for ap in aps {
                        if !list.contains(&ap) {
                            list.push(ap);
                        }
                    }
                }
                list.sort_by_key(|ap| Ap::ALL.iter().position(|a| a == ap));
                applications = Some(list);
            }
            "pin" => {
                let (id, application, value, count) = match values[..] {
                    [id, value, count] => (id, None, value, count),
                    [id, application, value, count] => (id, Some(application), value, count),
                    _ => {
                        return Err(malformed(
                            number,
                            "expected: pin KIND [APPLICATION] VALUE TRIES_LEFT".into(),
                        ))
                    }
                };
                let kind = PinKind::from_id(id).ok_or_else(|| {
                    malformed(
                        number,
                        format!("unknown PIN {id:?} (sign, auth, juki, kenhojo)"),
                    )
                })?;
                let keys: Vec<KeyReference> = match application {
                    // One line for a PIN held twice sets both (how files read before juki had
                    // two key references).
                    None => kind.key_references(),
                    Some(app) => {
                        let key = kind
                            .key_references()
                            .into_iter()
                            .find(|k| k.application().id() == app);
                        let ids: Vec<&str> = kind
                            .key_references()
                            .iter()
                            .map(|k| k.application().id())
                            .collect();
                        vec![key.ok_or_else(|| {
                            malformed(
                                number,
                                format!(
                                    "the {kind} PIN is not held in {app:?} (only in {})",
                                    ids.join(", ")
                                ),
                            )
                        })?]
                    }
                };
                let pin = Pin::new(kind, value).map_err(|e| malformed(number, e.to_string()))?;
                let tries_left =
                    tries(count, crate::protocol::max_tries(kind)).ok_or_else(|| {
                        malformed(
                            number,
                            format!(
                                "tries left of {kind} must be 0 to {}, not {count:?}",
                                crate::protocol::max_tries(kind)
                            ),
                        )
                    })?;
                for key in keys {
                    if pins.iter().any(|(k, _)| *k == key) {
                        return Err(malformed(
                            number,
                            format!(
                                "a second line for the {kind} PIN in {}",
                                key.application().id()
                            ),
                        ));
                    }
                    let record = PinRecord {
                        value: pin.expose().to_vec(),
                        tries_left,
                    };
                    pins.push((key, record));
                }
            }
            "code" => {
                let [id, value, count] = values[..] else {
                    return Err(malformed(
                        number,
                        "expected: code CODE VALUE TRIES_LEFT".into(),
                    ));
                };
                let code = Code::from_id(id).ok_or_else(|| {
                    malformed(
                        number,
                        format!("unknown code {id:?} (kenkaku_a, kenkaku_b, kenhojo_a, kenhojo_b)"),
                    )
                })?;
                if !Code::accepts(value) {
                    return Err(malformed(
                        number,
                        format!("{} must be 1 to 16 digits", code.id()),
                    ));
                }
                let tries_left = tries(count, code.max_tries()).ok_or_else(|| {
                    malformed(
                        number,
                        format!(
                            "tries left of {} must be 0 to {}, not {count:?}",
                            code.id(),
                            code.max_tries()
                        ),
                    )
                })?;
                if codes.iter().any(|(c, _)| *c == code) {
                    return Err(malformed(
                        number,
                        format!("a second line for {}", code.id()),
                    ));
                }
                let record = PinRecord {
                    value: value.as_bytes().to_vec(),
                    tries_left,
                };
                codes.push((code, record));
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
                        format!("locked-probe must be 63C0, 6983 or 6984, not {sw:?}"),
                    )
                })?;
            }
            other => {
                let Some(certificate) = Certificate::ALL.into_iter().find(|c| c.id() == other)
                else {
                    return Err(malformed(
                        number,
                        format!(
                            "unknown key {other:?} (atr, applications, pin, code, locked-probe, \
                             auth-certificate, auth-ca-certificate, sign-certificate, \
                             sign-ca-certificate)"
                        ),
                    ));
                };
                let der = hex::decode(values.concat())
                    .map_err(|e| malformed(number, format!("{other} is not hex: {e}")))?;
                if certificates.iter().any(|(c, _)| *c == certificate) {
                    return Err(malformed(number, format!("a second {other} line")));
                }
                certificates.push((certificate, der));
            }
        }
    }
    let applications =
        applications.ok_or_else(|| malformed(0, "no \"applications\" line".into()))?;
    // A file written before the ATR was a setting: a My Number card's, unless it has no JPKI AP.
    let atr = atr.unwrap_or_else(|| {
        if applications.contains(&Ap::Jpki) {
            MY_NUMBER_CARD_ATR.to_vec()
        } else {
            OTHER_CARD_ATR.to_vec()
        }
    });
    pins.sort_by_key(|(key, _)| KeyReference::ALL.iter().position(|k| k == key));
    codes.sort_by_key(|(code, _)| Code::ALL.iter().position(|c| c == code));
    certificates.sort_by_key(|(c, _)| Certificate::ALL.iter().position(|x| x == c));
    Ok(CardState {
        atr,
        applications,
        pins,
        codes,
        locked_probe,
        certificates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;

    #[test]
    fn text_round_trips() {
        for profile in Profile::ALL {
            let mut state = profile.card();
            if let Some(record) = state.pin_mut(KeyReference::JUKI_COMMON_AP) {
                record.tries_left = 1;
                record.value = b"9876".to_vec();
            }
            state.locked_probe = LockedProbe::AuthenticationBlocked;
            assert_eq!(parse(&to_text(&state), "s").unwrap(), state, "{profile:?}");
        }
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
        assert_eq!(line("applications jpki\npin auth kenhojo 1234 3\n"), 2);
        assert_eq!(
            line("applications jpki\npin juki 1234 3\npin juki common_ap 1234 3\n"),
            3
        );
        assert_eq!(line("applications jpki\ncode kenkaku_a 12ab 10\n"), 2);
        assert_eq!(line("applications jpki\ncode kenkaku_a 1234 11\n"), 2);
        assert_eq!(line("atr 9000\napplications jpki\n"), 1);
        assert_eq!(line("applications jpki\nsign-certificate zz\n"), 2);
    }

    #[test]
    fn words_from_the_file_reach_errors_escaped() {
        let error = parse("applications jpki\n\u{1b}]0;pwned\u{7} 1\n", "s").unwrap_err();
        let shown = error.to_string();
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
    }

    #[test]
    fn a_lower_case_password_is_stored_as_the_card_knows_it() {
        let state = parse("applications jpki\npin sign abc123 5\n", "s").unwrap();
        let sign = KeyReference::SIGN;
        assert_eq!(state.pin(sign).unwrap().value, b"ABC123");
    }

    /// A file written before juki had two key references: `applications ... juki ...` and one
    /// `pin juki` line. Both key references hold that PIN and that counter.
    #[test]
    fn an_old_file_gives_both_juki_key_references_its_one_pin() {
        let old = "applications jpki juki kenhojo\npin sign ABC123 5\npin auth 1234 3\n\
                   pin juki 4711 1\npin kenhojo 1234 3\nlocked-probe 63C0\n\
                   auth-certificate 3003020100\n";
        let state = parse(old, "s").unwrap();
        assert_eq!(
            state.applications,
            [Ap::Jpki, Ap::Juki, Ap::Common, Ap::Kenhojo]
        );
        for key in [KeyReference::JUKI_AP, KeyReference::JUKI_COMMON_AP] {
            let record = state.pin(key).unwrap();
            assert_eq!(
                (record.value.as_slice(), record.tries_left),
                (&b"4711"[..], 1)
            );
        }
        assert_eq!(state.atr, MY_NUMBER_CARD_ATR);
        assert_eq!(
            state.certificate(Certificate::Auth),
            Some(&[0x30, 0x03, 0x02, 0x01, 0x00][..])
        );
        assert!(state.certificate(Certificate::Sign).is_none());
        // Written back, each key reference gets its own line.
        let text = to_text(&state);
        assert!(text.contains("pin juki juki_ap 4711 1\npin juki common_ap 4711 1\n"));
    }
}
