//! The readers PC/SC knows, and which of them to use: the choice is the holder's (a name, an
//! index, or a part of a name) or, without one, the only reader holding a card. Never a guess.
//! A name is kept as the bytes PC/SC gave, which need not be UTF-8, and connected to as such.

use super::error::from_pcsc;
use crate::text::bytes_as_text;
use crate::transport::error::{ReaderChoice, TransportError};
use std::ffi::{CStr, CString};
use std::time::Duration;

/// A reader as PC/SC lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// The reader's name as text: the bytes PC/SC gave, any that are not UTF-8 written `\xNN`
    /// ([`bytes_as_text`]). What is shown, and what `--reader` matches.
    pub name: String,
    /// The name's bytes exactly as PC/SC gave them (no NUL): what a connect must pass back.
    pub pcsc_name: Vec<u8>,
    /// Whether a card sits in (or on) the reader.
    pub card_present: bool,
    /// The card's ATR, when a card is present.
    pub atr: Option<Vec<u8>>,
}

impl ReaderInfo {
    /// A reader PC/SC named `pcsc_name`.
    pub fn new(pcsc_name: &CStr, card_present: bool, atr: Option<Vec<u8>>) -> ReaderInfo {
        ReaderInfo {
            name: bytes_as_text(pcsc_name.to_bytes()),
            pcsc_name: pcsc_name.to_bytes().to_vec(),
            card_present,
            atr,
        }
    }

    /// A reader that only stands for a card source (a replay, the virtual card), by its name.
    pub fn standing_for(name: String, atr: Option<Vec<u8>>) -> ReaderInfo {
        ReaderInfo {
            pcsc_name: name.as_bytes().to_vec(),
            name,
            card_present: true,
            atr,
        }
    }

    /// The name to hand back to PC/SC.
    pub(super) fn c_name(&self) -> Result<CString, TransportError> {
        CString::new(self.pcsc_name.clone()).map_err(|_| {
            TransportError::Reader(format!("reader name \"{}\" holds a NUL byte", self.name))
        })
    }
}

/// A context of the PC/SC service, the handle every call to it goes through.
pub(super) fn context() -> Result<pcsc::Context, TransportError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(from_pcsc)
}

/// Every reader PC/SC knows, with whether a card is present.
pub fn list_readers() -> Result<Vec<ReaderInfo>, TransportError> {
    let ctx = context()?;
    states_of(&ctx, names_in(&ctx)?)
}

/// The names of the readers PC/SC knows (none is no error).
pub(super) fn names_in(ctx: &pcsc::Context) -> Result<Vec<CString>, TransportError> {
    match reader_names(ctx) {
        Ok(names) => Ok(names),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(from_pcsc(e)),
    }
}

/// The readers `names` as they are now: whether each holds a card, and its ATR.
pub(super) fn states_of(
    ctx: &pcsc::Context,
    names: Vec<CString>,
) -> Result<Vec<ReaderInfo>, TransportError> {
    let mut states: Vec<pcsc::ReaderState> = names
        .into_iter()
        .map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE))
        .collect();
    if !states.is_empty() {
        ctx.get_status_change(Duration::ZERO, &mut states)
            .map_err(from_pcsc)?;
    }
    Ok(states
        .iter()
        .map(|s| {
            let present = s.event_state().contains(pcsc::State::PRESENT);
            let atr = (present && !s.atr().is_empty()).then(|| s.atr().to_vec());
            ReaderInfo::new(s.name(), present, atr)
        })
        .collect())
}

/// The longest list of names pcsc-lite gives: 16 readers of at most 128 bytes, each with its
/// NUL, and the list's own NUL.
const NAMES_BUFFER: usize = 16 * 128 + 1;

/// The readers' names, in one call to PC/SC when they fit [`NAMES_BUFFER`] (always, with
/// pcsc-lite), else in two: one for the length, one for the names.
fn reader_names(ctx: &pcsc::Context) -> Result<Vec<CString>, pcsc::Error> {
    let mut buffer = [0u8; NAMES_BUFFER];
    match ctx.list_readers(&mut buffer) {
        Ok(names) => Ok(names.map(CStr::to_owned).collect()),
        Err(pcsc::Error::InsufficientBuffer) => ctx.list_readers_owned(),
        Err(e) => Err(e),
    }
}

/// Pick the reader to use: `wanted` is an exact name (its bytes, or its text form with `\xNN`
/// for bytes that are not UTF-8), the index `jpki readers` shows, or a case-insensitive part of
/// one name's text form. Empty is no choice. Without a choice, the only reader holding a card.
/// Never guesses.
pub fn choose_reader<'r>(
    readers: &'r [ReaderInfo],
    wanted: Option<&str>,
) -> Result<&'r ReaderInfo, TransportError> {
    if readers.is_empty() {
        return Err(TransportError::NoReaders);
    }
    let names = || readers.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    let chosen = match wanted.filter(|w| !w.is_empty()) {
        Some(wanted) => {
            let exact = readers
                .iter()
                .find(|r| r.name == wanted || r.pcsc_name == wanted.as_bytes());
            let by_index = wanted.parse::<usize>().ok().and_then(|i| readers.get(i));
            match exact.or(by_index) {
                Some(r) => r,
                None => {
                    let needle = wanted.to_lowercase();
                    let matches: Vec<&ReaderInfo> = readers
                        .iter()
                        .filter(|r| r.name.to_lowercase().contains(&needle))
                        .collect();
                    match matches.as_slice() {
                        [one] => *one,
                        [] => {
                            return Err(TransportError::ReaderNotFound {
                                wanted: wanted.to_string(),
                                available: names(),
                            })
                        }
                        many => {
                            return Err(TransportError::AmbiguousReader {
                                wanted: wanted.to_string(),
                                matches: many.iter().map(|r| r.name.clone()).collect(),
                            })
                        }
                    }
                }
            }
        }
        None => {
            let with_card: Vec<&ReaderInfo> = readers.iter().filter(|r| r.card_present).collect();
            match with_card.as_slice() {
                [one] => *one,
                [] => {
                    return Err(TransportError::NoCard {
                        reader: match readers {
                            [only] => ReaderChoice::Named(only.name.clone()),
                            _ => ReaderChoice::Any,
                        },
                    })
                }
                many => {
                    return Err(TransportError::SeveralCards {
                        readers: many.iter().map(|r| r.name.clone()).collect(),
                    })
                }
            }
        }
    };
    if !chosen.card_present {
        return Err(TransportError::NoCard {
            reader: ReaderChoice::Named(chosen.name.clone()),
        });
    }
    Ok(chosen)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::transport::pcsc) fn reader(name: &str, card: bool) -> ReaderInfo {
        ReaderInfo::new(&CString::new(name).unwrap(), card, None)
    }

    pub(in crate::transport::pcsc) fn two() -> Vec<ReaderInfo> {
        vec![
            reader("SCM Microsystems SCR 3310 00 00", true),
            reader("Sony FeliCa Port/PaSoRi 4.0 01 00", false),
        ]
    }

    #[test]
    fn without_a_choice_the_only_reader_with_a_card_is_used() {
        assert_eq!(
            choose_reader(&two(), None).unwrap().name,
            "SCM Microsystems SCR 3310 00 00"
        );
    }

    #[test]
    fn several_cards_are_refused_and_listed() {
        let mut readers = two();
        readers[1].card_present = true;
        match choose_reader(&readers, None) {
            Err(TransportError::SeveralCards { readers }) => assert_eq!(readers.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_reader_is_chosen_by_exact_name_index_or_unique_part() {
        let mut readers = two();
        readers[1].card_present = true;
        assert_eq!(choose_reader(&readers, Some("1")).unwrap(), &readers[1]);
        assert_eq!(
            choose_reader(&readers, Some("pasori")).unwrap(),
            &readers[1]
        );
        assert_eq!(
            choose_reader(&readers, Some(&readers[0].name)).unwrap(),
            &readers[0]
        );
    }

    #[test]
    fn a_name_that_is_not_utf8_is_kept_as_bytes_and_chosen_by_its_text_form() {
        // "カードリーダー" in Shift-JIS, as Windows' ANSI API gives it on a Japanese system.
        let sjis = b"\x83J\x81[\x83h\x83\x8a\x81[\x83_\x81[ 00 00".to_vec();
        let readers = vec![
            ReaderInfo::new(&CString::new(sjis.clone()).unwrap(), true, None),
            reader("Sony FeliCa Port/PaSoRi 4.0 01 00", false),
        ];
        let shown = &readers[0].name;
        assert_eq!(
            shown,
            "\\x83J\\x81[\\x83h\\x83\\x8a\\x81[\\x83_\\x81[ 00 00"
        );
        for wanted in [shown.as_str(), "0", "\\x83j\\x81", "00 00"] {
            let chosen = choose_reader(&readers, Some(wanted)).unwrap();
            // What a connect passes back is what PC/SC gave, byte for byte.
            assert_eq!(chosen.pcsc_name, sjis, "{wanted}");
            assert_eq!(chosen.c_name().unwrap().as_bytes(), sjis.as_slice());
        }
        // Without a choice, the one with a card.
        assert_eq!(choose_reader(&readers, None).unwrap().pcsc_name, sjis);
    }

    #[test]
    fn an_empty_choice_is_no_choice() {
        assert_eq!(
            choose_reader(&two(), Some("")).unwrap(),
            choose_reader(&two(), None).unwrap()
        );
        let mut readers = two();
        readers[1].card_present = true;
        assert!(matches!(
            choose_reader(&readers, Some("")),
            Err(TransportError::SeveralCards { .. })
        ));
    }

    #[test]
    fn unknown_ambiguous_and_empty_choices_are_errors() {
        let readers = two();
        assert!(matches!(
            choose_reader(&readers, Some("acr122")),
            Err(TransportError::ReaderNotFound { .. })
        ));
        assert!(matches!(
            choose_reader(&readers, Some("0 0")),
            Err(TransportError::AmbiguousReader { .. })
        ));
        assert!(matches!(
            choose_reader(&readers, Some("7")),
            Err(TransportError::ReaderNotFound { .. })
        ));
        assert!(matches!(
            choose_reader(&[], None),
            Err(TransportError::NoReaders)
        ));
    }

    #[test]
    fn the_only_reader_without_a_card_is_named_in_the_error() {
        match choose_reader(&[reader("SCM Microsystems SCR 3310 00 00", false)], None) {
            Err(TransportError::NoCard {
                reader: ReaderChoice::Named(name),
            }) => assert_eq!(name, "SCM Microsystems SCR 3310 00 00"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_text_form_named_exactly_wins_over_a_longer_name_holding_it() {
        // Matched as a part of a name, the text form would fit both readers.
        let sjis = b"\x83J 00 00".to_vec();
        let readers = vec![
            ReaderInfo::new(&CString::new(sjis.clone()).unwrap(), true, None),
            reader("\\x83J 00 00 (2)", false),
        ];
        let chosen = choose_reader(&readers, Some("\\x83J 00 00")).unwrap();
        assert_eq!(chosen.pcsc_name, sjis);
    }

    #[test]
    fn a_chosen_reader_without_a_card_says_so() {
        match choose_reader(&two(), Some("pasori")) {
            Err(TransportError::NoCard {
                reader: ReaderChoice::Named(reader),
            }) => assert!(reader.contains("PaSoRi")),
            other => panic!("{other:?}"),
        }
        let empty = vec![reader("A", false), reader("B", false)];
        // No reader named, and none of several holds a card: no name to quote.
        match choose_reader(&empty, None) {
            Err(
                error @ TransportError::NoCard {
                    reader: ReaderChoice::Any,
                },
            ) => assert_eq!(error.to_string(), "no card in any reader"),
            other => panic!("{other:?}"),
        }
    }
}
