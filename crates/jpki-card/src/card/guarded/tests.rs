//! The guard's tests: every counter read before the first PIN is sent, refusals before anything
//! changes, one VERIFY per key reference and none sent again, and the outcome of what the card
//! answered after, through `change_pins` over replayed traces.

use super::*;
use crate::apdu::{Outgoing, StatusWord};
use crate::card::change::*;
use crate::card::{ChangeCommand, RetryCounter};
use crate::transport::trace::Trace;
use crate::transport::{Layer, Layered, Reader, Replay, Transaction, TransportError};

/// The commands and answers of the guard, as trace lines; the counters' tests read them too.
pub(crate) const SELECT_JPKI: &str = "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
pub(crate) const SELECT_JUKI_AP: &str = "> 00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01";
pub(crate) const SELECT_COMMON_AP: &str = "> 00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00";
pub(crate) const SELECT_KENHOJO_AP: &str = "> 00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
const SELECT_AUTH_EF: &str = "> 00 A4 02 0C 02 00 18";
const SELECT_JUKI_EF: &str = "> 00 A4 02 0C 02 00 1C";
const SELECT_KENHOJO_EF: &str = "> 00 A4 02 0C 02 00 11";
pub(crate) const COUNTER: &str = "> 00 20 00 80";
const VERIFY: &str = "> 00 20 00 80 04 ?? ?? ?? ??";
const CHANGE: &str = "> 00 24 01 80 04 ?? ?? ?? ??";
const CHANGE_KEY: &str = "> 80 32 00 80 04 ?? ?? ?? ??";
pub(crate) const OK: &str = "< 90 00";

/// The experiments these tests run: all of them (the refusal has tests of its own).
const EVERY_EXPERIMENT: &[Experiment] = &[Experiment::JukiVerify, Experiment::JukiChangeKey];

/// The named switch for a test's yes or no.
fn last_try(allow: bool) -> LastTry {
    if allow {
        LastTry::Allow
    } else {
        LastTry::Refuse
    }
}

/// Change `kinds` from 4827 to 6391 over a replay of `lines`, which must be used up.
fn run(kinds: &[PinKind], allow_last_try: bool, lines: &[&str]) -> ChangeReport {
    let text = format!("@source hand-written\n{}\n", lines.join("\n"));
    let mut replay = Replay::new(Trace::parse(&text, "t.trace").unwrap());
    let targets = ChangeTargets::new(kinds).unwrap();
    let change = PinChange::new(&targets, "4827", "6391").unwrap();
    let report = change_pins(
        &mut replay,
        &change,
        last_try(allow_last_try),
        EVERY_EXPERIMENT,
    );
    replay
        .finish()
        .expect("every exchange of the trace is used");
    report
}

/// The guard of one key reference: SELECT AP, SELECT EF, both 90 00, then the counter read
/// answered `counter`.
fn guard<'a>(select_ap: &'a str, select_ef: &'a str, counter: &'a str) -> Vec<&'a str> {
    vec![select_ap, OK, select_ef, OK, COUNTER, counter]
}

/// The change of one key reference, re-selected first: VERIFY and its change command.
fn reselected_change<'a>(select_ap: &'a str, select_ef: &'a str, command: &'a str) -> Vec<&'a str> {
    vec![select_ap, OK, select_ef, OK, VERIFY, OK, command, OK]
}

/// `change-pin juki` as docs/protocol.md writes it: 14 APDUs, all answered as hoped.
fn juki_changed() -> Vec<&'static str> {
    [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C3"),
        reselected_change(SELECT_JUKI_AP, SELECT_JUKI_EF, CHANGE_KEY),
        reselected_change(SELECT_COMMON_AP, SELECT_JUKI_EF, CHANGE_KEY),
    ]
    .concat()
}

/// The trace of a change of the auth PIN: its guard answered `counter`, then `rest`.
fn auth_pin<'a>(counter: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut lines = guard(SELECT_JPKI, SELECT_AUTH_EF, counter);
    lines.extend_from_slice(rest);
    lines
}

fn refused_at(counter: &str, allow_last_try: bool) -> ChangeReport {
    let answer = format!("< {counter}");
    run(&[PinKind::Auth], allow_last_try, &auth_pin(&answer, &[]))
}

fn outcomes(report: &ChangeReport) -> Vec<Outcome> {
    report.outcomes.iter().map(|o| o.outcome).collect()
}

fn key_results(outcome: &PinOutcome) -> Vec<(Application, KeyResult)> {
    outcome
        .keys
        .iter()
        .map(|k| (k.key.application(), k.result))
        .collect()
}

#[test]
fn a_full_counter_leads_to_five_apdus_and_a_change() {
    let report = run(
        &[PinKind::Auth],
        false,
        &auth_pin("< 63 C3", &[VERIFY, OK, CHANGE, OK]),
    );
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.outcomes[0].outcome, Outcome::Changed);
    assert_eq!(report.outcomes[0].tries_left, Some(3));
}

#[test]
fn juki_is_guarded_then_changed_in_both_key_references_with_change_key() {
    let report = run(&[PinKind::Juki], false, &juki_changed());
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(outcomes(&report), [Outcome::Changed]);
    assert_eq!(
        key_results(&report.outcomes[0]),
        [
            (Application::Juki, KeyResult::Done),
            (Application::Common, KeyResult::Done)
        ]
    );
}

#[test]
fn a_refused_change_key_on_the_second_key_reference_is_a_partial_change() {
    let mut lines = juki_changed();
    let last = lines.len() - 1;
    lines[last] = "< 6D 00";
    let report = run(&[PinKind::Juki], false, &lines);
    assert_eq!(outcomes(&report), [Outcome::PartlyChanged]);
    assert_eq!(report.outcomes[0].outcome.changed(), None);
    match report.error {
        Some(CardError::PartlyChanged {
            kind: PinKind::Juki,
            ref changed,
            ref unchanged,
            ref unknown,
            ref source,
        }) => {
            assert_eq!(changed, &[Application::Juki]);
            assert_eq!(unchanged, &[Application::Common]);
            assert!(unknown.is_empty());
            assert!(matches!(
                **source,
                CardError::ChangeRejected {
                    command: ChangeCommand::Key,
                    ..
                }
            ));
        }
        ref other => panic!("{other:?}"),
    }
    let shown = report.error.unwrap().to_string();
    assert!(shown.contains("住基AP holds the new PIN"), "{shown}");
    assert!(
        shown.contains("共通AP still holds the current PIN"),
        "{shown}"
    );
}

#[test]
fn a_wrong_pin_at_the_second_key_reference_is_a_partial_change_too() {
    let mut lines = juki_changed();
    let n = lines.len();
    lines.truncate(n - 2);
    lines[n - 3] = "< 63 C2";
    let report = run(&[PinKind::Juki], false, &lines);
    assert_eq!(outcomes(&report), [Outcome::PartlyChanged]);
    let keys = &report.outcomes[0].keys;
    assert_eq!(
        keys.iter().map(|k| k.tries_left).collect::<Vec<_>>(),
        [Some(3), Some(2)]
    );
    assert_eq!(report.outcomes[0].tries_left, Some(2));
    assert!(matches!(
        report.error,
        Some(CardError::PartlyChanged { ref source, .. })
            if matches!(**source, CardError::WrongPin { tries_left: 2, .. })
    ));
}

#[test]
fn a_wrong_pin_at_the_first_key_reference_changes_nothing() {
    let mut lines = [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C3"),
    ]
    .concat();
    lines.extend([SELECT_JUKI_AP, OK, SELECT_JUKI_EF, OK, VERIFY, "< 63 C2"]);
    let report = run(&[PinKind::Juki], false, &lines);
    assert_eq!(outcomes(&report), [Outcome::NotChanged]);
    assert!(matches!(report.error, Some(CardError::WrongPin { .. })));
    assert_eq!(
        key_results(&report.outcomes[0]),
        [
            (Application::Juki, KeyResult::NotDone),
            (Application::Common, KeyResult::NotAttempted)
        ]
    );
}

#[test]
fn a_juki_key_reference_not_on_the_card_is_skipped_and_the_other_changed() {
    // No 住基 AP: the 共通 AP is the one selected last, so it is not selected again.
    let lines = [
        vec![SELECT_JUKI_AP, "< 6A 82"],
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C3"),
        vec![VERIFY, OK, CHANGE_KEY, OK],
    ]
    .concat();
    let report = run(&[PinKind::Juki], false, &lines);
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(
        key_results(&report.outcomes[0]),
        [
            (Application::Juki, KeyResult::NotOnCard),
            (Application::Common, KeyResult::Done)
        ]
    );
    let neither = run(
        &[PinKind::Juki],
        false,
        &[SELECT_JUKI_AP, "< 6A 82", SELECT_COMMON_AP, "< 6A 82"],
    );
    assert!(matches!(
        neither.error,
        Some(CardError::PinNotIssued {
            kind: PinKind::Juki
        })
    ));
}

#[test]
fn the_guard_refuses_a_locked_pin_before_any_pin_is_sent() {
    for sw in ["63 C0", "69 83", "69 84"] {
        let report = refused_at(sw, true);
        assert!(
            matches!(
                report.error,
                Some(CardError::PinLocked {
                    kind: PinKind::Auth,
                    ..
                })
            ),
            "{sw}: {:?}",
            report.error
        );
        assert_eq!(report.outcomes[0].tries_left, Some(0));
    }
}

#[test]
fn the_guard_refuses_the_last_try_unless_allowed() {
    let report = refused_at("63 C1", false);
    assert!(matches!(
        report.error,
        Some(CardError::LastTryRefused {
            kind: PinKind::Auth
        })
    ));
    assert_eq!(report.outcomes[0].tries_left, Some(1));
    let allowed = run(
        &[PinKind::Auth],
        true,
        &auth_pin("< 63 C1", &[VERIFY, OK, CHANGE, OK]),
    );
    assert!(allowed.error.is_none());
    assert_eq!(allowed.outcomes[0].tries_left, Some(3));
}

#[test]
fn every_counter_is_read_before_the_first_pin_is_sent() {
    // auth kenhojo, kenhojo at its last try: no VERIFY at all, auth included.
    let lines = [
        guard(SELECT_JPKI, SELECT_AUTH_EF, "< 63 C3"),
        guard(SELECT_KENHOJO_AP, SELECT_KENHOJO_EF, "< 63 C1"),
    ]
    .concat();
    let report = run(&[PinKind::Auth, PinKind::Kenhojo], false, &lines);
    assert!(matches!(
        report.error,
        Some(CardError::LastTryRefused {
            kind: PinKind::Kenhojo
        })
    ));
    assert_eq!(
        outcomes(&report),
        [Outcome::NotAttempted, Outcome::NotChanged]
    );
    // A juki key reference at its last try stops the batch the same way.
    let lines = [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C1"),
    ]
    .concat();
    let report = run(&[PinKind::Juki, PinKind::Auth], false, &lines);
    assert!(matches!(
        report.error,
        Some(CardError::LastTryRefused {
            kind: PinKind::Juki
        })
    ));
    assert_eq!(report.stopped_at, Some(KeyReference::ALL[3]));
    assert_eq!(report.outcomes[0].tries_left, Some(1));
}

#[test]
fn a_missing_pin_file_or_application_is_not_issued() {
    let report = run(
        &[PinKind::Auth],
        false,
        &[SELECT_JPKI, OK, SELECT_AUTH_EF, "< 6A 82"],
    );
    assert!(matches!(
        report.error,
        Some(CardError::PinNotIssued {
            kind: PinKind::Auth
        })
    ));
    let report = run(&[PinKind::Auth], false, &[SELECT_JPKI, "< 6A 82"]);
    assert!(matches!(
        report.error,
        Some(CardError::NotMyNumberCard { .. })
    ));
}

#[test]
fn an_unreadable_counter_stops_before_any_pin_is_sent() {
    for sw in ["90 00", "6F 00"] {
        let report = refused_at(sw, true);
        assert!(
            matches!(report.error, Some(CardError::UnexpectedAnswer { .. })),
            "{sw}"
        );
    }
}

#[test]
fn guard_a_count_above_the_maximum_is_refused_before_any_pin_is_sent() {
    // 63 C4 for a 3-try PIN, 63 C6 and 63 CF for the 5-try password: no count the card can
    // hold. The replay holds nothing after the counter, so a VERIFY would fail it.
    for (kind, select_ef, answer) in [
        (PinKind::Auth, SELECT_AUTH_EF, "< 63 C4"),
        (PinKind::Sign, "> 00 A4 02 0C 02 00 1B", "< 63 C6"),
        (PinKind::Sign, "> 00 A4 02 0C 02 00 1B", "< 63 CF"),
    ] {
        let lines = guard(SELECT_JPKI, select_ef, answer);
        let text = format!("@source hand-written\n{}\n", lines.join("\n"));
        let mut replay = Replay::new(Trace::parse(&text, "t.trace").unwrap());
        let typed = if kind == PinKind::Sign {
            ("kq7zx93w", "pz5nq2vh")
        } else {
            ("4827", "6391")
        };
        let targets = ChangeTargets::new(&[kind]).unwrap();
        let change = PinChange::new(&targets, typed.0, typed.1).unwrap();
        // With the last try allowed too: above the maximum is no count at all.
        let report = change_pins(&mut replay, &change, LastTry::Allow, EVERY_EXPERIMENT);
        replay.finish().expect("nothing sent after the counter");
        assert!(
            matches!(report.error, Some(CardError::UnexpectedAnswer { .. })),
            "{kind} {answer}: {:?}",
            report.error
        );
        assert_eq!(report.outcomes[0].tries_left, None, "{kind} {answer}");
        let mut replay = Replay::new(Trace::parse(&text, "t.trace").unwrap());
        let pin = Pin::new(kind, typed.0).unwrap();
        let checked = crate::card::verify_pin(&mut replay, &pin, LastTry::Allow, EVERY_EXPERIMENT);
        replay.finish().expect("nothing sent after the counter");
        assert!(
            matches!(checked.error, Some(CardError::UnexpectedAnswer { .. })),
            "{kind} {answer}: {:?}",
            checked.error
        );
    }
}

#[test]
fn a_wrong_pin_reports_the_tries_the_card_counted() {
    let report = run(
        &[PinKind::Auth],
        false,
        &auth_pin("< 63 C3", &[VERIFY, "< 63 C2"]),
    );
    assert!(matches!(
        report.error,
        Some(CardError::WrongPin {
            kind: PinKind::Auth,
            tries_left: 2
        })
    ));
    assert_eq!(report.outcomes[0].outcome, Outcome::NotChanged);
    assert_eq!(report.outcomes[0].tries_left, Some(2));
}

#[test]
fn a_wrong_pin_on_the_last_try_says_the_pin_is_now_locked() {
    let report = run(
        &[PinKind::Auth],
        true,
        &auth_pin("< 63 C1", &[VERIFY, "< 63 C0"]),
    );
    let error = report.error.unwrap();
    assert!(error.to_string().contains("now locked"), "{error}");
    assert_eq!(report.outcomes[0].tries_left, Some(0));
}

#[test]
fn losing_the_card_before_a_pin_is_sent_is_a_plain_removal() {
    let report = run(&[PinKind::Auth], false, &auth_pin("< !removed", &[]));
    assert!(matches!(
        report.error,
        Some(CardError::Transport(TransportError::CardRemoved))
    ));
    assert_eq!(report.outcomes[0].outcome, Outcome::NotChanged);
}

#[test]
fn losing_the_card_after_a_pin_is_sent_leaves_the_outcome_unknown() {
    for (verify, change) in [("< !removed", None), (OK, Some("< !reset"))] {
        let mut rest = vec![VERIFY, verify];
        if let Some(change) = change {
            rest.extend([CHANGE, change]);
        }
        let report = run(&[PinKind::Auth], false, &auth_pin("< 63 C3", &rest));
        assert!(matches!(
            report.error,
            Some(CardError::OutcomeUnknown {
                kind: PinKind::Auth,
                changing: true,
                ..
            })
        ));
        assert_eq!(report.outcomes[0].outcome, Outcome::Unknown);
        assert_eq!(report.outcomes[0].outcome.changed(), None);
    }
}

#[test]
fn a_card_lost_at_the_second_juki_key_reference_names_the_unknown_one() {
    let mut lines = juki_changed();
    let n = lines.len();
    lines.truncate(n - 2);
    lines[n - 3] = "< !removed";
    let report = run(&[PinKind::Juki], false, &lines);
    assert_eq!(outcomes(&report), [Outcome::PartlyChanged]);
    assert!(matches!(
        report.error,
        Some(CardError::PartlyChanged { ref unknown, ref unchanged, .. })
            if unknown == &[Application::Common] && unchanged.is_empty()
    ));
}

#[test]
fn an_answer_without_a_status_word_after_a_pin_leaves_the_outcome_unknown() {
    for (verify, change) in [("< 90", None), (OK, Some("<"))] {
        let mut rest = vec![VERIFY, verify];
        if let Some(change) = change {
            rest.extend([CHANGE, change]);
        }
        let report = run(&[PinKind::Auth], false, &auth_pin("< 63 C3", &rest));
        let error = report.error.unwrap();
        assert!(
            matches!(
                error,
                CardError::AnswerUnknown {
                    kind: PinKind::Auth,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("may have been counted"));
        assert_eq!(report.outcomes[0].outcome, Outcome::Unknown);
    }
}

/// `change-pin juki kenhojo auth`: the twelve guard APDUs, then each key reference
/// re-selected and changed; `kenhojo` answers its VERIFY with `kenhojo_verify`.
fn batch(kenhojo_verify: &'static str) -> Vec<&'static str> {
    let mut lines = [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_KENHOJO_AP, SELECT_KENHOJO_EF, "< 63 C3"),
        guard(SELECT_JPKI, SELECT_AUTH_EF, "< 63 C3"),
        reselected_change(SELECT_JUKI_AP, SELECT_JUKI_EF, CHANGE_KEY),
        reselected_change(SELECT_COMMON_AP, SELECT_JUKI_EF, CHANGE_KEY),
    ]
    .concat();
    lines.extend([
        SELECT_KENHOJO_AP,
        OK,
        SELECT_KENHOJO_EF,
        OK,
        VERIFY,
        kenhojo_verify,
    ]);
    if kenhojo_verify == OK {
        lines.extend([CHANGE, OK]);
        lines.extend(reselected_change(SELECT_JPKI, SELECT_AUTH_EF, CHANGE));
    }
    lines
}

#[test]
fn several_pins_are_guarded_first_and_changed_in_order() {
    let report = run(
        &[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
        false,
        &batch(OK),
    );
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(outcomes(&report), [Outcome::Changed; 3]);
}

#[test]
fn several_pins_stop_at_the_first_failure() {
    let report = run(
        &[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
        false,
        &batch("< 63 C2"),
    );
    assert_eq!(
        outcomes(&report),
        [Outcome::Changed, Outcome::NotChanged, Outcome::NotAttempted]
    );
    assert!(matches!(
        report.error,
        Some(CardError::WrongPin {
            kind: PinKind::Kenhojo,
            tries_left: 2
        })
    ));
    // auth was not tried, but its counter was read by the guard.
    assert_eq!(report.outcomes[2].tries_left, Some(3));
}

/// A replay that counts the transactions opened on it.
struct Transactions {
    inner: Replay,
    opened: usize,
}

impl Reader for Transactions {
    fn name(&self) -> &str {
        "transactions"
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        self.opened += 1;
        self.inner.transaction()
    }
}

#[test]
fn several_pins_change_inside_one_transaction() {
    let lines = batch(OK);
    let text = format!("@source hand-written\n{}\n", lines.join("\n"));
    let mut card = Transactions {
        inner: Replay::new(Trace::parse(&text, "t.trace").unwrap()),
        opened: 0,
    };
    let targets = ChangeTargets::new(&[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth]).unwrap();
    let change = PinChange::new(&targets, "4827", "6391").unwrap();
    let report = change_pins(&mut card, &change, LastTry::Refuse, EVERY_EXPERIMENT);
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(card.opened, 1);
    card.inner.finish().unwrap();
}

/// A PIN whose every key reference answered `sw` to the counter read.
fn status(kind: PinKind, sw: u16) -> PinStatus {
    PinStatus::uniform(kind, RetryCounter::from_probe(StatusWord::from(sw)))
}

/// Counters read before anything was typed: sign at 5, auth at its last try, juki at 3, kenhojo
/// locked.
fn read_before() -> [PinStatus; 4] {
    [
        status(PinKind::Sign, 0x63C5),
        status(PinKind::Auth, 0x63C1),
        status(PinKind::Juki, 0x63C3),
        status(PinKind::Kenhojo, 0x6983),
    ]
}

#[test]
fn precheck_refuses_the_whole_run_when_any_key_reference_would_be_refused() {
    let statuses = read_before();
    let targets = ChangeTargets::new(&[PinKind::Juki, PinKind::Auth]).unwrap();
    let report = precheck_change(&targets, &statuses, LastTry::Refuse).unwrap();
    assert!(matches!(
        report.error,
        Some(CardError::LastTryRefused {
            kind: PinKind::Auth
        })
    ));
    let outcomes: Vec<(Outcome, Option<u8>)> = report
        .outcomes
        .iter()
        .map(|o| (o.outcome, o.tries_left))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Outcome::NotAttempted, Some(3)),
            (Outcome::NotChanged, Some(1))
        ]
    );
    assert!(precheck_change(&targets, &statuses, LastTry::Allow).is_none());
    let kenhojo = ChangeTargets::new(&[PinKind::Kenhojo]).unwrap();
    assert!(matches!(
        precheck_change(&kenhojo, &statuses, LastTry::Allow)
            .unwrap()
            .error,
        Some(CardError::PinLocked { .. })
    ));
    // One juki key reference locked refuses juki, whatever the other says.
    let mut juki = status(PinKind::Juki, 0x63C3);
    juki.keys[1].counter = RetryCounter::Blocked(StatusWord::TriesLeft(0));
    let juki_only = ChangeTargets::new(&[PinKind::Juki]).unwrap();
    assert!(matches!(
        precheck_change(&juki_only, &[juki], LastTry::Allow)
            .unwrap()
            .error,
        Some(CardError::PinLocked { .. })
    ));
}

/// Every command a run sent, in order.
#[derive(Default)]
struct Sent(Vec<Vec<u8>>);

impl Layer for Sent {
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        self.0.push(command.bytes().to_vec());
        card.transmit(command)
    }
}

/// A replay of `text` that notes every command sent.
fn sent_over(text: &str) -> Layered<Replay, Sent> {
    Layered::new(
        Replay::new(Trace::parse(text, "t.trace").unwrap()),
        Sent::default(),
    )
}

/// Change `kinds` from 4827 to 6391 over `lines`; the report and every command sent. The
/// replay must be used up and nothing may have run past it.
fn run_sent(kinds: &[PinKind], lines: &[&str]) -> (ChangeReport, Vec<Vec<u8>>) {
    let text = format!("@source hand-written\n{}\n", lines.join("\n"));
    let mut card = sent_over(&text);
    let targets = ChangeTargets::new(kinds).unwrap();
    let change = PinChange::new(&targets, "4827", "6391").unwrap();
    let report = change_pins(&mut card, &change, LastTry::Refuse, EVERY_EXPERIMENT);
    card.finish().expect("exactly the exchanges of the trace");
    (report, card.into_parts().1 .0)
}

/// How many commands of `sent` carry a PIN (VERIFY with data, CHANGE REFERENCE DATA, CHANGE
/// KEY).
fn pin_commands(sent: &[Vec<u8>]) -> usize {
    sent.iter()
        .filter(|c| crate::apdu::secret::carries_pin(c))
        .count()
}

#[test]
fn outcome_a_change_answered_63c2_or_6a80_is_not_changed() {
    for sw in ["63 C2", "6A 80"] {
        let refused = format!("< {sw}");
        let (report, sent) = run_sent(
            &[PinKind::Auth],
            &auth_pin("< 63 C3", &[VERIFY, OK, CHANGE, &refused]),
        );
        assert_eq!(outcomes(&report), [Outcome::NotChanged], "{sw}");
        assert_eq!(report.outcomes[0].outcome.changed(), Some(false), "{sw}");
        assert!(
            matches!(
                report.error,
                Some(CardError::ChangeRejected {
                    kind: PinKind::Auth,
                    command: ChangeCommand::ReferenceData,
                    sw: answered,
                }) if answered.to_u16() == u16::from_str_radix(&sw.replace(' ', ""), 16).unwrap()
            ),
            "{sw}: {:?}",
            report.error
        );
        // The VERIFY and the CHANGE, once each: the refusal is not retried.
        assert_eq!(pin_commands(&sent), 2, "{sw}");
    }
    // At the juki PIN's first key reference: nothing changed anywhere, never "partly".
    let mut lines = [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C3"),
    ]
    .concat();
    lines.extend([
        SELECT_JUKI_AP,
        OK,
        SELECT_JUKI_EF,
        OK,
        VERIFY,
        OK,
        CHANGE_KEY,
    ]);
    lines.push("< 63 C2");
    let (report, _) = run_sent(&[PinKind::Juki], &lines);
    assert_eq!(outcomes(&report), [Outcome::NotChanged]);
    assert!(matches!(
        report.error,
        Some(CardError::ChangeRejected {
            command: ChangeCommand::Key,
            ..
        })
    ));
}

#[test]
fn retry_a_verify_answered_6d00_is_never_sent_again() {
    let (report, sent) = run_sent(&[PinKind::Auth], &auth_pin("< 63 C3", &[VERIFY, "< 6D 00"]));
    assert_eq!(pin_commands(&sent), 1);
    assert_eq!(sent.len(), 4);
    assert!(
        matches!(
            report.error,
            Some(CardError::UnexpectedAnswer {
                kind: PinKind::Auth,
                command: "VERIFY",
                sw: StatusWord::InstructionNotSupported,
            })
        ),
        "{:?}",
        report.error
    );
    assert_eq!(outcomes(&report), [Outcome::NotChanged]);
    // Nor at the juki PIN's first key reference: its second is then not tried at all.
    let mut lines = [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C3"),
    ]
    .concat();
    lines.extend([SELECT_JUKI_AP, OK, SELECT_JUKI_EF, OK, VERIFY, "< 6D 00"]);
    let (report, sent) = run_sent(&[PinKind::Juki], &lines);
    assert_eq!(pin_commands(&sent), 1);
    assert_eq!(
        key_results(&report.outcomes[0]),
        [
            (Application::Juki, KeyResult::NotDone),
            (Application::Common, KeyResult::NotAttempted)
        ]
    );
}

#[test]
fn retry_no_pin_bearing_command_is_sent_again_after_any_other_answer() {
    // Every status word that is neither success nor a counter, to the VERIFY and to the
    // CHANGE: the run stops with what it sent, one VERIFY and at most one CHANGE.
    for sw in [
        "6D 00", "6E 00", "6F 00", "6A 82", "69 82", "67 00", "62 83", "6C 04",
    ] {
        let answer = format!("< {sw}");
        let (_, sent) = run_sent(&[PinKind::Auth], &auth_pin("< 63 C3", &[VERIFY, &answer]));
        assert_eq!(pin_commands(&sent), 1, "VERIFY answered {sw}");
        let (report, sent) = run_sent(
            &[PinKind::Auth],
            &auth_pin("< 63 C3", &[VERIFY, OK, CHANGE, &answer]),
        );
        assert_eq!(pin_commands(&sent), 2, "CHANGE answered {sw}");
        assert_eq!(
            outcomes(&report),
            [Outcome::NotChanged],
            "CHANGE answered {sw}"
        );
    }
}

#[test]
fn not_issued_a_card_without_the_kenhojo_application_is_never_locked() {
    let missing_application = vec![SELECT_KENHOJO_AP, "< 6A 82"];
    let missing_file = vec![SELECT_KENHOJO_AP, OK, SELECT_KENHOJO_EF, "< 6A 82"];
    for lines in [missing_application, missing_file] {
        let (report, sent) = run_sent(&[PinKind::Kenhojo], &lines);
        assert!(
            matches!(
                report.error,
                Some(CardError::PinNotIssued {
                    kind: PinKind::Kenhojo
                })
            ),
            "{lines:?}: {:?}",
            report.error
        );
        assert_eq!(outcomes(&report), [Outcome::NotChanged]);
        // Not a count of 0: the card has no such counter.
        assert_eq!(report.outcomes[0].tries_left, None);
        assert_eq!(
            key_results(&report.outcomes[0]),
            [(Application::Kenhojo, KeyResult::NotOnCard)]
        );
        assert_eq!(pin_commands(&sent), 0);
    }
}

#[test]
fn guard_first_no_verify_when_any_juki_key_reference_would_be_refused() {
    // Either key reference locked, at its last try, or unreadable: the run ends after the
    // guard, so the replay (which holds nothing more) proves no VERIFY was sent.
    for refused in [
        "< 63 C1", "< 63 C0", "< 69 83", "< 69 84", "< 6F 00", "< 90 00",
    ] {
        let first = [guard(SELECT_JUKI_AP, SELECT_JUKI_EF, refused)].concat();
        let second = [
            guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
            guard(SELECT_COMMON_AP, SELECT_JUKI_EF, refused),
        ]
        .concat();
        for (which, lines) in [("住基", first), ("共通", second)] {
            let (report, sent) = run_sent(&[PinKind::Juki], &lines);
            let label = format!("{which} AP answering {refused}: {:?}", report.error);
            assert_eq!(pin_commands(&sent), 0, "{label}");
            assert_eq!(outcomes(&report), [Outcome::NotChanged], "{label}");
            let expected_error = match refused {
                "< 63 C1" => matches!(report.error, Some(CardError::LastTryRefused { .. })),
                "< 63 C0" | "< 69 83" | "< 69 84" => {
                    matches!(report.error, Some(CardError::PinLocked { .. }))
                }
                _ => matches!(report.error, Some(CardError::UnexpectedAnswer { .. })),
            };
            assert!(expected_error, "{label}");
        }
    }
    // And in a batch: a juki key reference refused stops kenhojo and auth too, named
    // after it, before any of them is sent.
    let lines = [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C0"),
    ]
    .concat();
    let (report, sent) = run_sent(&[PinKind::Kenhojo, PinKind::Juki], &{
        let mut all = guard(SELECT_KENHOJO_AP, SELECT_KENHOJO_EF, "< 63 C3");
        all.extend(lines);
        all
    });
    assert_eq!(pin_commands(&sent), 0);
    assert_eq!(
        outcomes(&report),
        [Outcome::NotAttempted, Outcome::NotChanged]
    );
}

#[test]
fn change_key_goes_to_the_juki_key_references_only() {
    // juki kenhojo auth, then sign: every change command, with the application selected
    // when it was sent.
    let (report, mut sent) = run_sent(
        &[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
        &batch(OK),
    );
    assert!(report.error.is_none(), "{:?}", report.error);
    let sign = [
        guard(SELECT_JPKI, "> 00 A4 02 0C 02 00 1B", "< 63 C5"),
        vec![
            "> 00 20 00 80 08 ?? ?? ?? ?? ?? ?? ?? ??",
            OK,
            "> 00 24 01 80 08 ?? ?? ?? ?? ?? ?? ?? ??",
            OK,
        ],
    ]
    .concat();
    let text = format!("@source hand-written\n{}\n", sign.join("\n"));
    let mut card = sent_over(&text);
    let targets = ChangeTargets::new(&[PinKind::Sign]).unwrap();
    let change = PinChange::new(&targets, "kq7zx93w", "pz5nq2vh").unwrap();
    assert!(
        change_pins(&mut card, &change, LastTry::Refuse, EVERY_EXPERIMENT)
            .error
            .is_none()
    );
    card.finish().unwrap();
    sent.extend(card.into_parts().1 .0);
    let mut application = None;
    let mut changes = Vec::new();
    for command in &sent {
        match command.as_slice() {
            [0x00, 0xA4, 0x04, _, _, aid @ ..] => {
                application = Application::ALL.into_iter().find(|a| a.aid() == aid)
            }
            [cla, 0x24 | 0x32, ..] => changes.push((application, *cla, command[1])),
            _ => {}
        }
    }
    let key = (0x80, 0x32);
    let reference_data = (0x00, 0x24);
    let expected = [
        (Application::Juki, key),
        (Application::Common, key),
        (Application::Kenhojo, reference_data),
        (Application::Jpki, reference_data),
        (Application::Jpki, reference_data),
    ];
    assert_eq!(changes, expected.map(|(a, (cla, ins))| (Some(a), cla, ins)));
}

/// A reader with nothing to say: any transaction it opens is a failure of the test.
struct Untouchable;

impl Reader for Untouchable {
    fn name(&self) -> &str {
        "untouchable"
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        panic!("a transaction was opened")
    }
}

#[test]
fn an_experiment_the_caller_did_not_name_is_refused_before_any_transaction() {
    let juki = ChangeTargets::new(&[PinKind::Juki]).unwrap();
    let change = PinChange::new(&juki, "4827", "6391").unwrap();
    let pin = Pin::new(PinKind::Juki, "4827").unwrap();
    // Naming the other experiment is not naming this one.
    for named in [&[][..], &[Experiment::JukiVerify]] {
        let report = change_pins(&mut Untouchable, &change, LastTry::Allow, named);
        assert!(matches!(
            report.error,
            Some(CardError::NeedsExperimental(NeedsExperimental {
                kind: PinKind::Juki,
                command: PinCommand::Change,
            }))
        ));
        assert!(report
            .outcomes
            .iter()
            .all(|o| o.outcome == Outcome::NotAttempted));
    }
    for named in [&[][..], &[Experiment::JukiChangeKey]] {
        let report = crate::card::verify_pin(&mut Untouchable, &pin, LastTry::Allow, named);
        assert!(matches!(
            report.error,
            Some(CardError::NeedsExperimental(NeedsExperimental {
                kind: PinKind::Juki,
                command: PinCommand::Verify,
            }))
        ));
    }
    // Its message is the library's: no flag of the command line.
    let shown = change_pins(&mut Untouchable, &change, LastTry::Allow, &[])
        .error
        .unwrap()
        .to_string();
    assert!(!shown.contains("--"), "{shown}");
}

#[test]
fn a_run_with_a_juki_pin_among_others_is_refused_whole_without_its_experiment() {
    let targets = ChangeTargets::new(&[PinKind::Auth, PinKind::Juki]).unwrap();
    let change = PinChange::new(&targets, "4827", "6391").unwrap();
    let report = change_pins(&mut Untouchable, &change, LastTry::Allow, &[]);
    assert!(matches!(
        report.error,
        Some(CardError::NeedsExperimental(_))
    ));
}

#[test]
fn the_last_try_is_refused_unless_allowed_by_name() {
    assert_eq!(LastTry::default(), LastTry::Refuse);
    let at_one = "63 C1";
    assert!(matches!(
        refused_at(at_one, false).error,
        Some(CardError::LastTryRefused {
            kind: PinKind::Auth
        })
    ));
}

#[test]
fn no_message_of_the_library_names_the_command_line() {
    let errors = [
        CardError::LastTryRefused {
            kind: PinKind::Auth,
        },
        CardError::OutcomeUnknown {
            kind: PinKind::Auth,
            cause: TransportError::CardRemoved,
            changing: true,
        },
        CardError::AnswerUnknown {
            kind: PinKind::Auth,
            problem: crate::apdu::ResponseError::TooShort(1),
            changing: false,
        },
        CardError::UnexpectedAnswer {
            kind: PinKind::Auth,
            command: "VERIFY",
            sw: StatusWord::Other(0x6F00),
        },
        CardError::Transport(TransportError::SeveralCards {
            readers: vec!["A".into(), "B".into()],
        }),
        CardError::NeedsExperimental(NeedsExperimental {
            kind: PinKind::Juki,
            command: PinCommand::Verify,
        }),
    ];
    for error in errors {
        let shown = error.to_string();
        for word in ["--", "jpki", "run `"] {
            assert!(!shown.contains(word), "{word:?} in {shown}");
        }
    }
}

/// A command with the PIN bytes `pin` in its data, as the card receives it.
fn with_pin(header: [u8; 4], pin: &[u8]) -> Vec<u8> {
    let mut command = header.to_vec();
    command.push(pin.len() as u8);
    command.extend_from_slice(pin);
    command
}

/// The commands of `sent` that carry a PIN, whole, in order.
fn pin_bearing(sent: &[Vec<u8>]) -> Vec<Vec<u8>> {
    sent.iter()
        .filter(|c| c.len() > 5 && [0x20, 0x24, 0x32].contains(&c[1]))
        .cloned()
        .collect()
}

#[test]
fn value_the_verify_carries_the_current_pin_and_the_change_the_new_one() {
    // The traces show PIN bytes as ??, so only the bytes seen on their way tell which went where.
    let (report, sent) = run_sent(
        &[PinKind::Auth],
        &auth_pin("< 63 C3", &[VERIFY, OK, CHANGE, OK]),
    );
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(
        pin_bearing(&sent),
        [
            with_pin([0x00, 0x20, 0x00, 0x80], b"4827"),
            with_pin([0x00, 0x24, 0x01, 0x80], b"6391"),
        ]
    );
    // The juki PIN: the current one to each key reference's VERIFY, the new one to its CHANGE KEY.
    let (report, sent) = run_sent(&[PinKind::Juki], &juki_changed());
    assert!(report.error.is_none(), "{:?}", report.error);
    let verify = with_pin([0x00, 0x20, 0x00, 0x80], b"4827");
    let change_key = with_pin([0x80, 0x32, 0x00, 0x80], b"6391");
    assert_eq!(
        pin_bearing(&sent),
        [verify.clone(), change_key.clone(), verify, change_key]
    );
}

#[test]
fn value_the_sign_password_goes_upper_cased_current_then_new() {
    let text = [
        "@source hand-written",
        SELECT_JPKI,
        OK,
        "> 00 A4 02 0C 02 00 1B",
        OK,
        COUNTER,
        "< 63 C5",
        "> 00 20 00 80 06 ?? ?? ?? ?? ?? ??",
        OK,
        "> 00 24 01 80 07 ?? ?? ?? ?? ?? ?? ??",
        OK,
        "",
    ]
    .join("\n");
    let mut card = sent_over(&text);
    let targets = ChangeTargets::new(&[PinKind::Sign]).unwrap();
    let change = PinChange::new(&targets, "abc123", "xyz7890").unwrap();
    let report = change_pins(&mut card, &change, LastTry::Refuse, EVERY_EXPERIMENT);
    card.finish().expect("exactly the exchanges of the trace");
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(
        pin_bearing(&card.into_parts().1 .0),
        [
            with_pin([0x00, 0x20, 0x00, 0x80], b"ABC123"),
            with_pin([0x00, 0x24, 0x01, 0x80], b"XYZ7890"),
        ]
    );
}

#[test]
fn value_a_check_sends_the_pin_it_was_given_and_nothing_else() {
    let text = format!(
        "@source hand-written\n{}\n",
        auth_pin("< 63 C3", &[VERIFY, OK]).join("\n")
    );
    let mut card = sent_over(&text);
    let pin = Pin::new(PinKind::Auth, "5902").unwrap();
    let checked = crate::card::verify_pin(&mut card, &pin, LastTry::Refuse, EVERY_EXPERIMENT);
    card.finish().expect("exactly the exchanges of the trace");
    assert!(checked.is_right(), "{:?}", checked.error);
    assert_eq!(checked.tries_left, Some(3));
    assert_eq!(
        pin_bearing(&card.into_parts().1 .0),
        [with_pin([0x00, 0x20, 0x00, 0x80], b"5902")]
    );
    // The juki PIN: the same value to both of its key references.
    let lines = [
        guard(SELECT_JUKI_AP, SELECT_JUKI_EF, "< 63 C3"),
        guard(SELECT_COMMON_AP, SELECT_JUKI_EF, "< 63 C3"),
        vec![SELECT_JUKI_AP, OK, SELECT_JUKI_EF, OK, VERIFY, OK],
        vec![SELECT_COMMON_AP, OK, SELECT_JUKI_EF, OK, VERIFY, OK],
    ]
    .concat();
    let mut card = sent_over(&format!("@source hand-written\n{}\n", lines.join("\n")));
    let pin = Pin::new(PinKind::Juki, "1357").unwrap();
    let checked = crate::card::verify_pin(&mut card, &pin, LastTry::Refuse, EVERY_EXPERIMENT);
    card.finish().expect("exactly the exchanges of the trace");
    assert!(checked.is_right(), "{:?}", checked.error);
    let verify = with_pin([0x00, 0x20, 0x00, 0x80], b"1357");
    assert_eq!(
        pin_bearing(&card.into_parts().1 .0),
        [verify.clone(), verify]
    );
}

#[test]
fn precheck_of_a_check_refuses_a_locked_pin_and_an_unallowed_last_try() {
    let statuses = read_before();
    let refused = crate::card::precheck_verify(PinKind::Auth, &statuses, LastTry::Refuse)
        .expect("the last try is refused unless allowed");
    assert_eq!(refused.kind, PinKind::Auth);
    assert_eq!(refused.tries_left, Some(1));
    assert!(!refused.is_right());
    assert!(matches!(
        refused.error,
        Some(CardError::LastTryRefused {
            kind: PinKind::Auth
        })
    ));
    assert_eq!(refused.stopped_at, Some(KeyReference::AUTH));
    assert!(crate::card::precheck_verify(PinKind::Auth, &statuses, LastTry::Allow).is_none());
    assert!(crate::card::precheck_verify(PinKind::Sign, &statuses, LastTry::Refuse).is_none());
    let locked = crate::card::precheck_verify(PinKind::Kenhojo, &statuses, LastTry::Allow)
        .expect("a locked PIN is refused");
    assert_eq!(locked.tries_left, Some(0));
    assert!(matches!(
        locked.error,
        Some(CardError::PinLocked {
            pin_sent: false,
            ..
        })
    ));
}

#[test]
fn a_verify_answered_with_the_full_count_is_no_wrong_pin() {
    // After a wrong entry fewer tries than the maximum are left: 63 C3 to an auth VERIFY is no
    // count this card gives, so it is shown as the answer it is, never as "wrong, 3 left".
    for answer in ["< 63 C3", "< 63 C4"] {
        let report = run(
            &[PinKind::Auth],
            false,
            &auth_pin("< 63 C3", &[VERIFY, answer]),
        );
        assert!(
            matches!(
                report.error,
                Some(CardError::UnexpectedAnswer {
                    kind: PinKind::Auth,
                    command: "VERIFY",
                    ..
                })
            ),
            "{answer}: {:?}",
            report.error
        );
        assert_eq!(report.outcomes[0].tries_left, None, "{answer}");
    }
    // One below the maximum is a wrong PIN with its count:
    // a_wrong_pin_reports_the_tries_the_card_counted.
}
