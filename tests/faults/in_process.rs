//! The same faults in process, on the card layer over the fault-injection layer: over a replay,
//! and over the virtual card with a witness noting what reached the card itself.

use super::figures::{
    assert_documented, IN_PROCESS_CHANGE, IN_PROCESS_INTERACTIVE_CHANGE,
    IN_PROCESS_INTERACTIVE_VERIFY, IN_PROCESS_PLAIN_STATUS, IN_PROCESS_STATUS, IN_PROCESS_VERIFY,
};
use super::injection::Fault;
use super::injection::{FaultCounts, FaultInjection};
use super::runner::Tally;
use crate::util::leak_of;
use crate::util::trace;
use jpki_card::transport::trace::Trace;
use jpki_card::transport::{Reader, TransportError};
use std::time::Instant;

/// The same faults in process, on the card layer over `FaultInjection`: reading the counters
/// never sends a PIN, never asks the card more than the 14 APDUs, and stops at once when the
/// card is gone.
#[test]
fn status_in_process_never_sends_a_pin_and_stops_when_the_card_is_gone() {
    use jpki_card::transport::Replay;
    let base = Trace::load(&trace("status/fresh.trace")).unwrap();
    let steps = base.exchanges.len();
    let tally = reading_sweep(
        steps,
        || Replay::new(base.clone()),
        |card| read_pin_statuses(card),
        |at, fault, result, counts, label| {
            if matches!(fault, Fault::Removed | Fault::Reset) {
                assert!(result.is_err(), "{label}");
                assert_eq!(counts.transmits, at + 1, "{label}");
            }
        },
    );
    println!("{}", tally.line("in process, status --pins-only"));
    assert_documented(IN_PROCESS_STATUS, tally.faults);
}

/// The most APDUs a certificate read may add to a clean run's: a 67 00 or 6C xx to a 256-byte
/// READ BINARY is asked again in shorter pieces (no PIN is involved), and the rest of a 2 KB
/// certificate then comes in 128-byte pieces: 1 re-ask and 7 more pieces at most.
const SHORTER_PIECES: usize = 8;

/// A read that sends no PIN, swept: every fault of the catalogue at every one of its `steps`
/// APDUs, over a fresh `reader` each time. Every run must fire its fault, send no PIN and ask
/// the card no more than `steps` APDUs (and [`SHORTER_PIECES`] more); `check` then judges the run by its step, fault, result,
/// counts and label.
fn reading_sweep<R: Reader, T: std::fmt::Debug>(
    steps: usize,
    reader: impl Fn() -> R,
    read: impl Fn(&mut Layered<R, FaultInjection>) -> T,
    mut check: impl FnMut(usize, &Fault, &T, &FaultCounts, &str),
) -> Tally {
    let mut tally = Tally::default();
    for at in 0..steps {
        for fault in Fault::catalogue() {
            let mut card = Layered::new(reader(), FaultInjection::new(at, fault.clone()));
            let result = read(&mut card);
            let counts = card.layer().counts().clone();
            assert!(
                tally.count(&counts),
                "the fault at step {} never fired",
                at + 1
            );
            let label = format!("step {} | {fault}: {result:?}", at + 1);
            assert_eq!(counts.secrets_sent, 0, "{label}");
            assert!(counts.transmits <= steps + SHORTER_PIECES, "{label}");
            check(at, &fault, &result, &counts, &label);
        }
    }
    tally
}

// ---------------------------------------------------------------------------------------------
// In process, over the virtual card: what a fault does to the card itself

use super::pin_bytes::carries_pin;
use jpki_card::apdu::Outgoing;
use jpki_card::card::{
    change_pins, precheck_change, precheck_verify, read_card_report, read_pin_statuses, verify_pin,
    ChangeTargets, KeyReference, Pin, PinChange, PinKind,
};
use jpki_card::transport::{Layer, Layered, Transaction};
use jpki_vcard::protocol::{ap_of, pin_ef};
use jpki_vcard::{Ap, CardState, Profile, VirtualCard};

/// The values the virtual card holds, and the other ones typed: none of them may show.
pub(super) const CARD_FOUR_DIGITS: &str = "4821";
pub(super) const CARD_PASSWORD: &str = "KQ7ZX93W";
pub(super) const WRONG_FOUR_DIGITS: &str = "4822";
pub(super) const WRONG_PASSWORD: &str = "kq7zx93x";
pub(super) const NEW_FOUR_DIGITS: &str = "7390";
pub(super) const NEW_PASSWORD: &str = "pz5nq2vh";
pub(super) const IN_PROCESS_PINS: &[&str] = &[
    "4821", "4822", "7390", "kq7zx93w", "KQ7ZX93W", "kq7zx93x", "KQ7ZX93X", "pz5nq2vh", "PZ5NQ2VH",
];

/// Sits between the fault and the virtual card and notes which PIN-bearing commands reached the
/// card (VERIFY with data, CHANGE REFERENCE DATA, CHANGE KEY), each with the key reference whose
/// application and EF were selected: both told from the bytes by the harness and the virtual
/// card's own protocol table, not by the library under test.
#[derive(Default)]
pub(super) struct Witness {
    pub(super) seen: Seen,
}

/// The virtual card with the witness over it: the card's own transactions, so it resets after a
/// PIN as a real reader does.
pub(super) type Watched = Layered<VirtualCard, Witness>;

/// The watched card with a fault over it.
pub(super) type Faulted = Layered<Watched, FaultInjection>;

#[derive(Default)]
pub(super) struct Seen {
    pub(super) application: Option<Ap>,
    pub(super) selected: Option<KeyReference>,
    pub(super) pin_commands: Vec<(u8, Option<KeyReference>)>,
}

impl Seen {
    fn note(&mut self, command: &[u8]) {
        match command {
            [0x00, 0xA4, 0x04, _, _, aid @ ..] => {
                self.application = Ap::ALL.into_iter().find(|a| a.aid() == aid);
                self.selected = None;
            }
            [0x00, 0xA4, 0x02, _, 0x02, hi, lo, ..] => {
                self.selected = KeyReference::ALL
                    .into_iter()
                    .find(|k| Some(ap_of(*k)) == self.application && pin_ef(*k) == [*hi, *lo]);
            }
            [_, ins, ..] if carries_pin(command) => {
                self.pin_commands.push((*ins, self.selected));
            }
            _ => {}
        }
    }

    /// How many commands with one of `ins` carried a PIN to `key`.
    fn count(&self, ins: &[u8], key: KeyReference) -> usize {
        self.pin_commands
            .iter()
            .filter(|(i, k)| ins.contains(i) && *k == Some(key))
            .count()
    }
}

impl Layer for Witness {
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        self.seen.note(command.bytes());
        card.transmit(command)
    }
}

/// An adult's card holding the test values, every counter at `tries` (or its maximum).
pub(super) fn card_with(tries: Option<u8>) -> CardState {
    let mut state = Profile::Adult.card();
    for (kind, record) in &mut state.pins {
        record.value = match kind.kind() {
            PinKind::Sign => CARD_PASSWORD,
            _ => CARD_FOUR_DIGITS,
        }
        .as_bytes()
        .to_vec();
        record.tries_left = tries.unwrap_or(kind.kind().max_tries());
    }
    state
}

/// What one in-process run of a PIN command left to check, beyond the card's counters.
pub(super) struct Ran {
    /// Every text the run produced that could show a PIN: the report's Debug, the error's
    /// Display and Debug.
    pub(super) shown: Vec<String>,
    /// Whether the run stopped before any PIN could be sent (an interactive run refused before
    /// the prompt).
    pub(super) stopped_before_the_prompt: bool,
}

impl Ran {
    /// A run that went on to send what was typed: what its report and error show.
    fn sent(report: &dyn std::fmt::Debug, error: Option<&jpki_card::card::CardError>) -> Ran {
        Ran {
            shown: shown_by(report, error),
            stopped_before_the_prompt: false,
        }
    }

    /// A run that stopped before its prompt, so before any PIN could be sent.
    fn stopped(report: &dyn std::fmt::Debug, error: Option<&jpki_card::card::CardError>) -> Ran {
        Ran {
            shown: shown_by(report, error),
            stopped_before_the_prompt: true,
        }
    }
}

/// The grid every in-process PIN run goes through, for the PINs `kinds`: from counters full,
/// at 2 and at 1; with and without --allow-last-try; with the right and a wrong PIN typed; at
/// every APDU index below `steps`; for every fault of the catalogue, striking after the card
/// heard the command and before. `run` runs the command over the faulted card with the PIN
/// typed and the last try allowed or not. Per run: the card's counters fall by at most one per
/// user entry (one VERIFY per key reference) and never to 0 unless the last try was allowed; a
/// PIN-bearing command reaches a key reference at most once; no change command when
/// `changes` is false; nothing sent when the run stopped before its prompt; no PIN in anything
/// shown. Runs where the fault never fired are not counted.
///
/// Not the extra 63 Cx faults of the binary harness: a reader that answers 63 C2 for a card at
/// 1 try forges the counter, and no guard can see through that (a malicious reader is out of
/// scope, docs/security.md). Tried: with them, a wrong PIN then locks the card, as it must.
/// For the same reason, no 90 00 for a command that never reached the card ([`forges_success`]):
/// tried, a SELECT of the 住基 AP "answered" so sends the juki PIN to the 共通 AP's key reference,
/// the one still selected, since both PIN files are EF 00 1C.
pub(super) fn pin_grid(
    kinds: &[PinKind],
    steps: usize,
    changes: bool,
    run: &mut dyn FnMut(&mut Faulted, &str, bool) -> Ran,
) -> Tally {
    let (right, wrong) = if kinds == [PinKind::Sign] {
        (CARD_PASSWORD, WRONG_PASSWORD)
    } else {
        (CARD_FOUR_DIGITS, WRONG_FOUR_DIGITS)
    };
    let mut tally = Tally::default();
    for tries in [None, Some(2), Some(1)] {
        for allow_last_try in [false, true] {
            for typed in [right, wrong] {
                for at in 0..steps {
                    for fault in Fault::catalogue() {
                        for reaches_card in [true, false] {
                            if forges_success(&fault, reaches_card) {
                                continue;
                            }
                            let watched = Layered::new(
                                VirtualCard::new(card_with(tries)),
                                Witness::default(),
                            );
                            let injection = if reaches_card {
                                FaultInjection::new(at, fault.clone())
                            } else {
                                FaultInjection::before_card(at, fault.clone())
                            };
                            let mut card = Layered::new(watched, injection);
                            let ran = run(&mut card, typed, allow_last_try);
                            if !tally.count(card.layer().counts()) {
                                continue;
                            }
                            let label = format!(
                                "{kinds:?} from {tries:?}, allow {allow_last_try}, {} PIN, \
                                 step {} | {fault} (reaches card: {reaches_card}): {}",
                                if typed == right { "right" } else { "wrong" },
                                at + 1,
                                ran.shown.first().map_or("", String::as_str)
                            );
                            let (watched, _) = card.into_parts();
                            check_key_references(&watched, tries, allow_last_try, &label);
                            let witness = watched.layer();
                            if !changes {
                                let sent: usize = KeyReference::ALL
                                    .into_iter()
                                    .map(|key| witness.seen.count(&[0x24, 0x32], key))
                                    .sum();
                                assert_eq!(sent, 0, "a change command: {label}");
                            }
                            if ran.stopped_before_the_prompt {
                                assert!(
                                    witness.seen.pin_commands.is_empty(),
                                    "a PIN before the prompt: {label}"
                                );
                            }
                            for text in &ran.shown {
                                for pin in IN_PROCESS_PINS {
                                    assert!(leak_of(text, pin).is_none(), "{pin} in {text}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    tally
}

/// What a run's report and error show.
pub(super) fn shown_by(
    report: &dyn std::fmt::Debug,
    error: Option<&jpki_card::card::CardError>,
) -> Vec<String> {
    let mut shown = vec![format!("{report:?}")];
    if let Some(error) = error {
        shown.extend([error.to_string(), format!("{error:?}")]);
    }
    shown
}

/// The PINs changed in process, one run each: each PIN alone, and the three 4-digit ones at
/// once.
pub(super) const CHANGE_TARGETS: [&[PinKind]; 5] = [
    &[PinKind::Sign],
    &[PinKind::Auth],
    &[PinKind::Juki],
    &[PinKind::Kenhojo],
    &[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
];

/// The APDUs a change or check may take: the guard's 3 and the act's 4 per key reference.
pub(super) fn pin_run_steps(kinds: &[PinKind]) -> usize {
    7 * kinds
        .iter()
        .map(|k| k.key_references().len())
        .sum::<usize>()
}

/// The new value for `kinds`.
pub(super) fn new_value(kinds: &[PinKind]) -> &'static str {
    if kinds == [PinKind::Sign] {
        NEW_PASSWORD
    } else {
        NEW_FOUR_DIGITS
    }
}

/// change-pin --stdin, in process: `change_pins` over the faulted virtual card, for each PIN
/// and the three 4-digit ones at once, through [`pin_grid`].
#[test]
fn change_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let started = Instant::now();
    let mut total = Tally::default();
    for kinds in CHANGE_TARGETS {
        let targets = ChangeTargets::new(kinds).unwrap();
        let tally = pin_grid(
            kinds,
            pin_run_steps(kinds),
            true,
            &mut |card, typed, allow| {
                let change = PinChange::new(&targets, typed, new_value(kinds)).unwrap();
                let report = change_pins(
                    card,
                    &change,
                    crate::util::last_try(allow),
                    crate::util::EVERY_EXPERIMENT,
                );
                Ran::sent(&report, report.error.as_ref())
            },
        );
        println!(
            "{}",
            tally.line(&format!("virtual card, change-pin {kinds:?}"))
        );
        total.add(tally);
    }
    println!(
        "{} in {:.1} s",
        total.line("virtual card, change-pin"),
        started.elapsed().as_secs_f64()
    );
    assert_documented(IN_PROCESS_CHANGE, total.faults);
}

/// verify-pin --stdin, in process: `verify_pin` over the faulted virtual card for each PIN,
/// through [`pin_grid`], and no change command at all.
#[test]
fn verify_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let mut total = Tally::default();
    for kind in PinKind::ALL {
        // The guard's 3 and the VERIFY's 3 (SELECT AP and EF again, VERIFY) per key reference.
        let steps = 6 * kind.key_references().len();
        total.add(pin_grid(
            &[kind],
            steps,
            false,
            &mut |card, typed, allow| {
                let pin = Pin::new(kind, typed).unwrap();
                let report = verify_pin(
                    card,
                    &pin,
                    crate::util::last_try(allow),
                    crate::util::EVERY_EXPERIMENT,
                );
                Ran::sent(&report, report.error.as_ref())
            },
        ));
    }
    println!("{}", total.line("virtual card, verify-pin"));
    assert_documented(IN_PROCESS_VERIFY, total.faults);
}

/// The interactive runs in process: the password, the PIN with two key references, and the
/// batch (auth and kenhojo alone take the same paths as sign, one key reference each).
pub(super) const INTERACTIVE_CHANGE_TARGETS: [&[PinKind]; 3] = [
    &[PinKind::Sign],
    &[PinKind::Juki],
    &[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
];

/// The APDUs of `read_pin_statuses`, which an interactive run sends before its prompt.
pub(super) const STATUS_APDUS: usize = 14;

/// Interactive change-pin, in process, through the card-layer seam src/cli/commands/change_pin.rs uses
/// between its prompts (no terminal): the counters read in one transaction
/// (`read_pin_statuses`), the guard applied to them before the holder is asked anything
/// (`precheck_change`), then `change_pins` in a second transaction; the fault at every APDU of both,
/// through [`pin_grid`]. A run that stops before the prompt (the counters unreadable, or the
/// guard refusing) sends no PIN.
#[test]
fn interactive_change_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let mut total = Tally::default();
    for kinds in INTERACTIVE_CHANGE_TARGETS {
        let targets = ChangeTargets::new(kinds).unwrap();
        let steps = STATUS_APDUS + pin_run_steps(kinds);
        total.add(pin_grid(kinds, steps, true, &mut |card, typed, allow| {
            let statuses = match read_pin_statuses(card) {
                Ok(statuses) => statuses,
                Err(error) => return Ran::stopped(&error, Some(&error)),
            };
            if let Some(refused) =
                precheck_change(&targets, &statuses, crate::util::last_try(allow))
            {
                return Ran::stopped(&refused, refused.error.as_ref());
            }
            let change = PinChange::new(&targets, typed, new_value(kinds)).unwrap();
            let report = change_pins(
                card,
                &change,
                crate::util::last_try(allow),
                crate::util::EVERY_EXPERIMENT,
            );
            Ran::sent(&report, report.error.as_ref())
        }));
    }
    println!("{}", total.line("virtual card, interactive change-pin"));
    assert_documented(IN_PROCESS_INTERACTIVE_CHANGE, total.faults);
}

/// Interactive verify-pin, in process, through the same seam: `read_pin_statuses`,
/// `precheck_verify`, then `verify_pin`, the fault at every APDU of both transactions; for the
/// password and for the PIN with two key references.
#[test]
fn interactive_verify_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let mut total = Tally::default();
    for kind in [PinKind::Sign, PinKind::Juki] {
        let steps = STATUS_APDUS + 6 * kind.key_references().len();
        total.add(pin_grid(
            &[kind],
            steps,
            false,
            &mut |card, typed, allow| {
                let statuses = match read_pin_statuses(card) {
                    Ok(statuses) => statuses,
                    Err(error) => return Ran::stopped(&error, Some(&error)),
                };
                if let Some(refused) =
                    precheck_verify(kind, &statuses, crate::util::last_try(allow))
                {
                    return Ran::stopped(&refused, refused.error.as_ref());
                }
                let pin = Pin::new(kind, typed).unwrap();
                let report = verify_pin(
                    card,
                    &pin,
                    crate::util::last_try(allow),
                    crate::util::EVERY_EXPERIMENT,
                );
                Ran::sent(&report, report.error.as_ref())
            },
        ));
    }
    println!("{}", total.line("virtual card, interactive verify-pin"));
    assert_documented(IN_PROCESS_INTERACTIVE_VERIFY, total.faults);
}

/// A reader answering 90 00 to a command it never passed to the card: a forged success, out of
/// scope as forged counters are.
pub(super) fn forges_success(fault: &Fault, reaches_card: bool) -> bool {
    !reaches_card && *fault == Fault::status(0x9000)
}

/// Per key reference: at most one VERIFY with data and one change command reached the card; its
/// counter fell by at most the VERIFYs that reached it (at most one per user entry); it reached
/// 0 only when it stood at 1 and the last try was allowed.
pub(super) fn check_key_references(
    watched: &Watched,
    tries: Option<u8>,
    allow_last_try: bool,
    label: &str,
) {
    let witness = watched.layer();
    for key in KeyReference::ALL {
        let verifies = witness.seen.count(&[0x20], key);
        let changes = witness.seen.count(&[0x24, 0x32], key);
        assert!(verifies <= 1 && changes <= 1, "sent twice: {label}");
        let before = tries.unwrap_or(key.kind().max_tries());
        let after = watched.reader().state().pin(key).unwrap().tries_left;
        let fell = before.saturating_sub(after);
        assert!(
            usize::from(fell) <= verifies,
            "{key:?} fell by {fell} after {verifies} VERIFY: {label}"
        );
        assert!(
            after > 0 || (allow_last_try && before == 1),
            "{key:?} reached 0: {label}"
        );
    }
}

/// The counter exchange after the JPKI AP: sign and auth (SELECT EF, counter read each), then
/// juki twice (住基 AP, 共通 AP) and kenhojo (SELECT AP, SELECT EF, counter read each).
pub(super) const COUNTER_APDUS_AFTER_JPKI: usize = 13;

/// Plain status's card-information reads in the 共通 AP: SELECT EF 00 01, READ RECORD 1.
const CARD_INFO_APDUS: usize = 2;

/// Plain status (token, auth certificate, counters) over the virtual card, every fault at every
/// step: never a PIN, never more than the exchange's commands, a lost card is an error and
/// stops at once, and anything the card answers to the token or certificate reads leaves the
/// counters read.
#[test]
fn plain_status_over_the_virtual_card_reports_certificate_faults_and_sends_no_pin() {
    let clean = || VirtualCard::new(card_with(None));
    let mut probe = Layered::new(clean(), FaultInjection::new(usize::MAX, Fault::Removed));
    let whole = read_card_report(&mut probe).unwrap();
    let steps = probe.layer().counts().transmits;
    let tally = reading_sweep(
        steps,
        clean,
        |card| read_card_report(card),
        |at, fault, result, counts, label| {
            // The token and certificate reads sit after SELECT JPKI and before the counters; the
            // card-information reads (SELECT EF 00 01, READ RECORD) right after SELECT 共通 AP,
            // before its PIN EF (two APDUs) and the kenhojo AP (three).
            let card_info = steps - CARD_INFO_APDUS - 5..steps - 5;
            let in_extras = (at >= 1 && at < steps - COUNTER_APDUS_AFTER_JPKI - CARD_INFO_APDUS)
                || card_info.contains(&at);
            match (&fault, &result) {
                (Fault::Removed | Fault::Reset, Err(_)) => {
                    assert_eq!(counts.transmits, at + 1, "{label}")
                }
                (Fault::Removed | Fault::Reset, Ok(_)) => panic!("a lost card read: {label}"),
                // Whatever the card answers to an extra, the counters are all read.
                (_, Ok(report)) if in_extras => assert_eq!(report.pins, whole.pins, "{label}"),
                (_, Err(_)) if in_extras => panic!("an extra's answer was fatal: {label}"),
                _ => {}
            }
        },
    );
    println!(
        "{} over {steps} steps",
        tally.line("virtual card, plain status")
    );
    assert_documented(IN_PROCESS_PLAIN_STATUS, tally.faults);
}
