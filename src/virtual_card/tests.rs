//! The virtual card against the protocol notes, driven in-process through `Transport`.

use super::*;
use crate::apdu::{Command, Response, StatusWord};
use crate::card::{read_pin_statuses, Application, PinKind, RetryCounter};

fn send(card: &mut VirtualCard, command: &Command) -> Response {
    Response::parse(&card.respond(&command.to_bytes())).unwrap()
}

fn sw(card: &mut VirtualCard, command: &Command) -> StatusWord {
    send(card, command).sw
}

fn select_pin(card: &mut VirtualCard, kind: PinKind) {
    assert_eq!(
        sw(
            card,
            &Command::select_application(kind.key_references()[0].application.aid())
        ),
        StatusWord::Success
    );
    assert_eq!(
        sw(card, &Command::select_file(kind.ef())),
        StatusWord::Success
    );
}

fn adult() -> VirtualCard {
    VirtualCard::new(Profile::Adult.card())
}

#[test]
fn status_reads_every_counter_without_spending_one() {
    let mut state = Profile::Adult.card();
    state.pin_mut(PinKind::Auth).unwrap().tries_left = 1;
    let mut card = VirtualCard::new(state.clone());
    let statuses = read_pin_statuses(&mut card).unwrap();
    let counters: Vec<RetryCounter> = statuses.iter().map(|s| s.counter).collect();
    assert_eq!(
        counters,
        vec![
            RetryCounter::Remaining(5),
            RetryCounter::Remaining(1),
            RetryCounter::Remaining(3),
            RetryCounter::Remaining(3)
        ]
    );
    assert_eq!(card.state(), &state);
}

#[test]
fn a_child_card_and_another_card_answer_6a82() {
    let mut child = VirtualCard::new(Profile::Under15.card());
    let statuses = read_pin_statuses(&mut child).unwrap();
    assert_eq!(statuses[0].counter, RetryCounter::Absent);
    assert_eq!(statuses[1].counter, RetryCounter::Remaining(3));
    let mut other = VirtualCard::new(Profile::OtherCard.card());
    assert_eq!(
        sw(
            &mut other,
            &Command::select_application(Application::Jpki.aid())
        ),
        StatusWord::FileNotFound
    );
}

#[test]
fn a_wrong_pin_spends_a_try_and_a_right_one_restores_them_all() {
    let mut card = adult();
    select_pin(&mut card, PinKind::Auth);
    assert_eq!(
        sw(&mut card, &Command::verify(b"9999")),
        StatusWord::TriesLeft(2)
    );
    assert_eq!(
        sw(&mut card, &Command::read_retry_counter()),
        StatusWord::TriesLeft(2)
    );
    assert_eq!(
        sw(&mut card, &Command::verify(b"1234")),
        StatusWord::Success
    );
    // The card answers 63 Cx to a probe even right after a successful VERIFY (OpenSC PR 959).
    assert_eq!(
        sw(&mut card, &Command::read_retry_counter()),
        StatusWord::TriesLeft(3)
    );
}

#[test]
fn a_locked_pin_stays_locked_even_for_the_right_value() {
    let mut card = adult();
    select_pin(&mut card, PinKind::Juki);
    for left in [2, 1, 0] {
        assert_eq!(
            sw(&mut card, &Command::verify(b"0000")),
            StatusWord::TriesLeft(left)
        );
    }
    assert_eq!(
        sw(&mut card, &Command::read_retry_counter()),
        StatusWord::TriesLeft(0)
    );
    assert_eq!(
        sw(&mut card, &Command::verify(b"1234")),
        StatusWord::AuthenticationBlocked
    );
    assert_eq!(card.state().pin(PinKind::Juki).unwrap().tries_left, 0);
}

#[test]
fn the_locked_probe_answer_is_a_choice_of_the_card() {
    for (probe, expected) in [
        (LockedProbe::TriesLeftZero, 0x63C0),
        (LockedProbe::AuthenticationBlocked, 0x6983),
        (LockedProbe::ReferenceDataUnusable, 0x6984),
    ] {
        let mut state = Profile::Adult.card();
        state.locked_probe = probe;
        state.pin_mut(PinKind::Sign).unwrap().tries_left = 0;
        let mut card = VirtualCard::new(state);
        select_pin(&mut card, PinKind::Sign);
        assert_eq!(
            sw(&mut card, &Command::read_retry_counter()).to_u16(),
            expected
        );
    }
}

#[test]
fn change_needs_a_verify_of_that_pin_just_before() {
    let mut card = adult();
    select_pin(&mut card, PinKind::Kenhojo);
    let change = Command::change_reference_data(b"5678");
    assert_eq!(sw(&mut card, &change), StatusWord::SecurityNotSatisfied);
    assert_eq!(
        sw(&mut card, &Command::verify(b"1234")),
        StatusWord::Success
    );
    assert_eq!(
        sw(&mut card, &Command::read_retry_counter()),
        StatusWord::TriesLeft(3)
    );
    assert_eq!(sw(&mut card, &change), StatusWord::SecurityNotSatisfied);
    assert_eq!(
        sw(&mut card, &Command::verify(b"1234")),
        StatusWord::Success
    );
    assert_eq!(sw(&mut card, &change), StatusWord::Success);
    assert_eq!(card.state().pin(PinKind::Kenhojo).unwrap().value, b"5678");
    assert_eq!(
        sw(&mut card, &Command::verify(b"1234")),
        StatusWord::TriesLeft(2)
    );
}

#[test]
fn reselecting_forgets_the_verified_pin() {
    let mut card = adult();
    select_pin(&mut card, PinKind::Sign);
    assert_eq!(
        sw(&mut card, &Command::verify(b"ABC123")),
        StatusWord::Success
    );
    select_pin(&mut card, PinKind::Sign);
    assert_eq!(
        sw(&mut card, &Command::change_reference_data(b"XYZ789")),
        StatusWord::SecurityNotSatisfied
    );
}

#[test]
fn a_hold_that_carried_a_pin_ends_with_a_reset() {
    let mut card = adult();
    card.exclusive(&mut |t| {
        for c in [
            Command::select_application(Application::Jpki.aid()),
            Command::select_file(PinKind::Auth.ef()),
            Command::verify(b"1234"),
        ] {
            t.transmit(&c.to_bytes()).unwrap();
        }
    })
    .unwrap();
    // Nothing is selected any more, so CHANGE has no PIN to act on.
    assert_eq!(
        sw(&mut card, &Command::change_reference_data(b"4321")),
        StatusWord::Other(0x6986)
    );
}

#[test]
fn a_new_pin_of_the_wrong_format_is_refused() {
    let mut card = adult();
    select_pin(&mut card, PinKind::Sign);
    assert_eq!(
        sw(&mut card, &Command::verify(b"ABC123")),
        StatusWord::Success
    );
    assert_eq!(
        sw(&mut card, &Command::change_reference_data(b"abc123")),
        StatusWord::Other(0x6A80)
    );
    assert_eq!(card.state().pin(PinKind::Sign).unwrap().value, b"ABC123");
}

#[test]
fn read_binary_serves_the_token_and_the_auth_certificate_in_chunks() {
    let mut state = Profile::Adult.card();
    state.auth_certificate = (0..=255u8).chain(0..44).collect();
    let mut card = VirtualCard::new(state.clone());
    sw(
        &mut card,
        &Command::select_application(Application::Jpki.aid()),
    );
    sw(&mut card, &Command::select_file(TOKEN_EF));
    assert_eq!(send(&mut card, &Command::read_binary(0, 0x0F)).data, TOKEN);
    sw(&mut card, &Command::select_file(AUTH_CERTIFICATE_EF));
    let mut read = send(&mut card, &Command::read_binary(0, 0xFF)).data;
    read.extend(send(&mut card, &Command::read_binary(0xFF, 0)).data);
    assert_eq!(read, state.auth_certificate);
    assert_eq!(
        sw(&mut card, &Command::read_binary(400, 1)),
        StatusWord::Other(0x6B00)
    );
}

#[test]
fn unknown_commands_get_iso_errors() {
    let mut card = adult();
    let raw =
        |card: &mut VirtualCard, bytes: &[u8]| Response::parse(&card.respond(bytes)).unwrap().sw;
    assert_eq!(
        raw(&mut card, &[0x00, 0xCA, 0x00, 0x00]),
        StatusWord::InstructionNotSupported
    );
    assert_eq!(
        raw(&mut card, &[0x80, 0xA4, 0x04, 0x0C]),
        StatusWord::ClassNotSupported
    );
    let jpki_with_fci: Vec<u8> = [0x00, 0xA4, 0x04, 0x00, 0x0A]
        .into_iter()
        .chain(Application::Jpki.aid().iter().copied())
        .collect();
    assert_eq!(
        raw(&mut card, &jpki_with_fci),
        StatusWord::IncorrectParameters
    );
    assert_eq!(
        raw(&mut card, &[0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]),
        StatusWord::FileNotFound
    );
    assert_eq!(
        raw(&mut card, &[0x00, 0xA4, 0x02, 0x00, 0x02, 0x00, 0x18]),
        StatusWord::IncorrectParameters
    );
    assert_eq!(
        raw(&mut card, &[0x00, 0xA4, 0x04, 0x0C, 0x05, 0x01]),
        StatusWord::WrongLength
    );
    assert_eq!(raw(&mut card, &[0x00]), StatusWord::WrongLength);
    assert_eq!(
        raw(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B]),
        StatusWord::FileNotFound
    );
}

/// A small deterministic generator, so the random walk below needs no extra crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

#[test]
fn random_walks_keep_the_counters_honest() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..200 {
        let mut card = adult();
        for _ in 0..40 {
            let kind = PinKind::ALL[rng.next(4)];
            let command = match rng.next(6) {
                0 => Command::select_application(kind.key_references()[0].application.aid()),
                1 => Command::select_file(kind.ef()),
                2 => Command::read_retry_counter(),
                3 => Command::verify(if kind == PinKind::Sign {
                    b"ABC123"
                } else {
                    b"1234"
                }),
                4 => Command::verify(if kind == PinKind::Sign {
                    b"ZZZ999"
                } else {
                    b"0000"
                }),
                _ => Command::change_reference_data(if kind == PinKind::Sign {
                    b"ABC123"
                } else {
                    b"1234"
                }),
            };
            let before = card.state().clone();
            let answer = send(&mut card, &command).sw;
            for (kind, record) in &card.state().pins {
                let old = before.pin(*kind).unwrap().tries_left;
                assert!(record.tries_left <= kind.max_tries());
                // A locked PIN never comes back, whatever was sent.
                if old == 0 {
                    assert_eq!(record.tries_left, 0, "{command:?} -> {answer}");
                }
            }
        }
        // Whatever happened, status reads what the card holds.
        let statuses = read_pin_statuses(&mut card).unwrap();
        for status in statuses {
            let held = card.state().pin(status.kind).unwrap().tries_left;
            assert_eq!(status.counter.tries_left(), Some(held));
        }
    }
}

#[test]
fn a_state_file_carries_a_change_to_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.state");
    VirtualCard::save_state(&Profile::Adult.card(), &path).unwrap();
    let mut card = VirtualCard::open(&path).unwrap();
    select_pin(&mut card, PinKind::Auth);
    sw(&mut card, &Command::verify(b"0000"));
    card.finish().unwrap();
    let again = VirtualCard::open(&path).unwrap();
    assert_eq!(again.state().pin(PinKind::Auth).unwrap().tries_left, 2);
}
