//! The virtual card against the protocol notes, driven in-process: command by command, and
//! through the card layer as a [`Reader`].

use super::*;
use jpki_card::apdu::{Command, Response};
use jpki_card::card::{read_pin_statuses, Application, KeyReference, PinKind};

/// A command as the virtual card hears it: one built by the library's constructors, or one
/// carrying a PIN, whose bytes these tests build themselves (the library builds those only in
/// its guarded operations).
trait Apdu {
    /// The bytes on the wire.
    fn bytes(&self) -> Vec<u8>;
}

impl Apdu for Command {
    fn bytes(&self) -> Vec<u8> {
        self.to_bytes().to_vec()
    }
}

/// A PIN-bearing command, as bytes; shown with the PIN as `??`.
struct PinApdu(Vec<u8>);

impl std::fmt::Debug for PinApdu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&jpki_card::apdu::secret::redacted_hex(&self.0))
    }
}

impl Apdu for PinApdu {
    fn bytes(&self) -> Vec<u8> {
        self.0.clone()
    }
}

/// `cla ins p1 80 Lc pin`.
fn pin_apdu(cla: u8, ins: u8, p1: u8, pin: &[u8]) -> PinApdu {
    let mut bytes = vec![cla, ins, p1, 0x80, pin.len() as u8];
    bytes.extend_from_slice(pin);
    PinApdu(bytes)
}

/// VERIFY with a PIN: `00 20 00 80 Lc PIN`.
fn verify(pin: &[u8]) -> PinApdu {
    pin_apdu(0x00, 0x20, 0x00, pin)
}

/// CHANGE REFERENCE DATA: `00 24 01 80 Lc NEW`.
fn change_reference_data(pin: &[u8]) -> PinApdu {
    pin_apdu(0x00, 0x24, 0x01, pin)
}

/// CHANGE KEY: `80 32 00 80 Lc NEW`.
fn change_key(pin: &[u8]) -> PinApdu {
    pin_apdu(0x80, 0x32, 0x00, pin)
}

fn send(card: &mut VirtualCard, command: &impl Apdu) -> Response {
    Response::parse(&card.respond(&command.bytes())).unwrap()
}

fn sw(card: &mut VirtualCard, command: &impl Apdu) -> StatusWord {
    send(card, command).sw
}

fn raw(card: &mut VirtualCard, bytes: &[u8]) -> Response {
    Response::parse(&card.respond(bytes)).unwrap()
}

const SIGN: KeyReference = KeyReference::SIGN;
const AUTH: KeyReference = KeyReference::AUTH;
const JUKI_AP: KeyReference = KeyReference::JUKI_AP;
const COMMON_AP: KeyReference = KeyReference::JUKI_COMMON_AP;
const KENHOJO: KeyReference = KeyReference::KENHOJO;

fn select(card: &mut VirtualCard, aid: &[u8], ef: [u8; 2]) {
    assert_eq!(
        sw(card, &Command::select_application(aid)),
        StatusWord::Success
    );
    assert_eq!(sw(card, &Command::select_file(ef)), StatusWord::Success);
}

fn select_key(card: &mut VirtualCard, key: KeyReference) {
    select(card, key.application().aid(), key.ef());
}

fn value(key: KeyReference) -> &'static [u8] {
    match key.kind() {
        PinKind::Sign => b"ABC123",
        _ => b"1234",
    }
}

/// The change command a key reference takes, carrying `new`.
fn change(key: KeyReference, new: &[u8]) -> PinApdu {
    match key.change_command() {
        jpki_card::card::ChangeCommand::ReferenceData => change_reference_data(new),
        jpki_card::card::ChangeCommand::Key => change_key(new),
    }
}

/// The other change command, which this key reference does not take.
fn other_change(key: KeyReference, new: &[u8]) -> PinApdu {
    match key.change_command() {
        jpki_card::card::ChangeCommand::ReferenceData => change_key(new),
        jpki_card::card::ChangeCommand::Key => change_reference_data(new),
    }
}

fn adult() -> VirtualCard {
    VirtualCard::new(Profile::Adult.card())
}

fn tries(card: &VirtualCard, key: KeyReference) -> u8 {
    card.state().pin(key).unwrap().tries_left
}

#[test]
fn status_reads_every_counter_without_spending_one() {
    let mut state = Profile::Adult.card();
    state.pin_mut(AUTH).unwrap().tries_left = 1;
    let mut card = VirtualCard::new(state.clone());
    let statuses = read_pin_statuses(&mut card).unwrap();
    for status in &statuses {
        let lowest = state
            .pins
            .iter()
            .filter(|(k, _)| k.kind() == status.kind)
            .map(|(_, r)| r.tries_left)
            .min();
        assert_eq!(status.counter.tries_left(), lowest, "{:?}", status.kind);
    }
    assert_eq!(card.state(), &state);
}

#[test]
fn each_key_reference_answers_its_own_counter_in_its_own_application() {
    let mut state = Profile::Adult.card();
    for (key, tries) in [
        (SIGN, 4),
        (AUTH, 2),
        (JUKI_AP, 1),
        (COMMON_AP, 3),
        (KENHOJO, 0),
    ] {
        state.pin_mut(key).unwrap().tries_left = tries;
    }
    let mut card = VirtualCard::new(state);
    for (key, expected) in [
        (SIGN, StatusWord::TriesLeft(4)),
        (AUTH, StatusWord::TriesLeft(2)),
        (JUKI_AP, StatusWord::TriesLeft(1)),
        (COMMON_AP, StatusWord::TriesLeft(3)),
        (KENHOJO, StatusWord::TriesLeft(0)),
    ] {
        select_key(&mut card, key);
        assert_eq!(
            sw(&mut card, &Command::read_retry_counter()),
            expected,
            "{key:?}"
        );
    }
}

#[test]
fn a_child_card_and_another_card_answer_6a82() {
    let mut child = VirtualCard::new(Profile::Under15.card());
    sw(
        &mut child,
        &Command::select_application(Application::Jpki.aid()),
    );
    assert_eq!(
        sw(&mut child, &Command::select_file(PinKind::Sign.ef())),
        StatusWord::FileNotFound
    );
    for ef in [[0x00, 0x01], [0x00, 0x1A]] {
        assert_eq!(
            sw(&mut child, &Command::select_file(ef)),
            StatusWord::FileNotFound
        );
    }
    let mut other = VirtualCard::new(Profile::OtherCard.card());
    assert_eq!(
        sw(
            &mut other,
            &Command::select_application(Application::Jpki.aid())
        ),
        StatusWord::FileNotFound
    );
    assert_eq!(other.answer_to_reset(), OTHER_CARD_ATR);
    assert_eq!(adult().answer_to_reset(), MY_NUMBER_CARD_ATR);
}

#[test]
fn a_card_without_the_juki_ap_still_has_the_common_one() {
    let mut card = VirtualCard::new(Profile::CommonApOnly.card());
    assert_eq!(
        sw(
            &mut card,
            &Command::select_application(Application::Juki.aid())
        ),
        StatusWord::FileNotFound
    );
    select_key(&mut card, COMMON_AP);
    assert_eq!(
        sw(&mut card, &Command::read_retry_counter()),
        StatusWord::TriesLeft(3)
    );
}

#[test]
fn a_wrong_pin_spends_a_try_and_a_right_one_restores_them_all() {
    for key in KeyReference::ALL {
        let mut card = adult();
        let max = key.kind().max_tries();
        select_key(&mut card, key);
        let wrong: &[u8] = if key.kind() == PinKind::Sign {
            b"ZZZ999"
        } else {
            b"9999"
        };
        assert_eq!(
            sw(&mut card, &verify(wrong)),
            StatusWord::TriesLeft(max - 1)
        );
        assert_eq!(
            sw(&mut card, &Command::read_retry_counter()),
            StatusWord::TriesLeft(max - 1)
        );
        // Only this key reference paid: the juki PIN's other one did not.
        for other in KeyReference::ALL.into_iter().filter(|k| *k != key) {
            assert_eq!(tries(&card, other), other.kind().max_tries(), "{key:?}");
        }
        assert_eq!(sw(&mut card, &verify(value(key))), StatusWord::Success);
        // The card answers 63 Cx to a probe even right after a successful VERIFY (OpenSC PR 959).
        assert_eq!(
            sw(&mut card, &Command::read_retry_counter()),
            StatusWord::TriesLeft(max)
        );
    }
}

#[test]
fn a_locked_pin_stays_locked_and_refuses_a_verify_with_6984() {
    let mut card = adult();
    select_key(&mut card, JUKI_AP);
    for left in [2, 1, 0] {
        assert_eq!(sw(&mut card, &verify(b"0000")), StatusWord::TriesLeft(left));
    }
    assert_eq!(
        sw(&mut card, &Command::read_retry_counter()),
        StatusWord::TriesLeft(0)
    );
    assert_eq!(
        sw(&mut card, &verify(b"1234")),
        StatusWord::ReferenceDataUnusable
    );
    assert_eq!(tries(&card, JUKI_AP), 0);
    assert_eq!(tries(&card, COMMON_AP), 3);
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
        state.pin_mut(SIGN).unwrap().tries_left = 0;
        let mut card = VirtualCard::new(state);
        select_key(&mut card, SIGN);
        assert_eq!(
            sw(&mut card, &Command::read_retry_counter()).to_u16(),
            expected
        );
    }
}

#[test]
fn each_key_reference_takes_its_own_change_command_and_refuses_the_other_with_6d00() {
    for key in KeyReference::ALL {
        let mut card = adult();
        let new: &[u8] = if key.kind() == PinKind::Sign {
            b"XYZ789"
        } else {
            b"5678"
        };
        select_key(&mut card, key);
        assert_eq!(sw(&mut card, &verify(value(key))), StatusWord::Success);
        assert_eq!(
            sw(&mut card, &other_change(key, new)),
            StatusWord::InstructionNotSupported,
            "{key:?}"
        );
        assert_eq!(card.state().pin(key).unwrap().value, value(key));
        assert_eq!(sw(&mut card, &verify(value(key))), StatusWord::Success);
        assert_eq!(sw(&mut card, &change(key, new)), StatusWord::Success);
        assert_eq!(card.state().pin(key).unwrap().value, new, "{key:?}");
        // The juki PIN's other key reference keeps its own value.
        for other in KeyReference::ALL.into_iter().filter(|k| *k != key) {
            assert_eq!(card.state().pin(other).unwrap().value, value(other));
        }
    }
    // CHANGE KEY is 80 32 00 80: another P1 is refused like CHANGE REFERENCE DATA's.
    let mut card = adult();
    select_key(&mut card, COMMON_AP);
    sw(&mut card, &verify(b"1234"));
    assert_eq!(
        raw(
            &mut card,
            &[0x80, 0x32, 0x01, 0x80, 0x04, b'5', b'6', b'7', b'8']
        )
        .sw,
        StatusWord::IncorrectParameters
    );
}

#[test]
fn change_needs_a_live_verify_of_that_pin() {
    for key in [KENHOJO, JUKI_AP] {
        let mut card = adult();
        select_key(&mut card, key);
        let change = change(key, b"5678");
        assert_eq!(sw(&mut card, &change), StatusWord::SecurityNotSatisfied);
        // A right VERIFY of another PIN does not allow it.
        let other = if key == KENHOJO { AUTH } else { KENHOJO };
        select_key(&mut card, other);
        assert_eq!(sw(&mut card, &verify(b"1234")), StatusWord::Success);
        select_key(&mut card, key);
        assert_eq!(sw(&mut card, &change), StatusWord::SecurityNotSatisfied);
        // A wrong VERIFY of this one neither.
        assert_eq!(sw(&mut card, &verify(b"0000")), StatusWord::TriesLeft(2));
        assert_eq!(sw(&mut card, &change), StatusWord::SecurityNotSatisfied);
        assert_eq!(sw(&mut card, &verify(b"1234")), StatusWord::Success);
        // The pessimistic card: commands in between do not end the VERIFY.
        assert_eq!(
            sw(&mut card, &Command::read_retry_counter()),
            StatusWord::TriesLeft(3)
        );
        assert_eq!(sw(&mut card, &change), StatusWord::Success);
        assert_eq!(card.state().pin(key).unwrap().value, b"5678");
        assert_eq!(sw(&mut card, &verify(b"1234")), StatusWord::TriesLeft(2));
    }
}

/// SELECT of the GlobalPlatform Issuer Security Domain's default AID, in literal bytes.
const SELECT_ISD: [u8; 12] = [
    0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00,
];

#[test]
fn a_verify_survives_reselecting_another_application_the_isd_and_a_warm_reset() {
    // Only a power-down clears it (soltia48/myna-card); selecting another application does in
    // soltia48/myna-sign's README, and the card modelled is the pessimistic one.
    let mut card = adult();
    select_key(&mut card, SIGN);
    assert_eq!(sw(&mut card, &verify(b"ABC123")), StatusWord::Success);
    select_key(&mut card, SIGN);
    select_key(&mut card, KENHOJO);
    assert_eq!(raw(&mut card, &SELECT_ISD).sw, StatusWord::Success);
    // The ISD leaves nothing selected.
    assert_eq!(
        sw(&mut card, &change_reference_data(b"XYZ789")),
        StatusWord::Other(0x6986)
    );
    card.warm_reset();
    select_key(&mut card, SIGN);
    assert_eq!(
        sw(&mut card, &change_reference_data(b"XYZ789")),
        StatusWord::Success
    );
    card.power_off();
    select_key(&mut card, SIGN);
    assert_eq!(
        sw(&mut card, &change_reference_data(b"QWE456")),
        StatusWord::SecurityNotSatisfied
    );
}

/// Send `commands` (none carrying a PIN) in one transaction of the card as a reader, then end it.
fn in_one_transaction(card: &mut VirtualCard, commands: &[Command]) {
    let mut t = card.transaction().unwrap();
    for c in commands {
        let bytes = c.to_bytes();
        t.transmit(jpki_card::apdu::Outgoing::new(&bytes).unwrap())
            .unwrap();
    }
    t.end().unwrap();
}

#[test]
fn a_transaction_that_carried_a_pin_ends_with_the_card_powered_down() {
    let mut card = adult();
    // The library's guarded VERIFY: the one way a reader's transaction carries a PIN.
    let pin = jpki_card::card::Pin::new(PinKind::Auth, "1234").unwrap();
    let report =
        jpki_card::card::verify_pin(&mut card, &pin, jpki_card::card::LastTry::Refuse, &[]);
    assert!(report.is_right(), "{report:?}");
    // Nothing is selected any more, so CHANGE has no PIN to act on; and nothing is verified.
    assert_eq!(
        sw(&mut card, &change_reference_data(b"4321")),
        StatusWord::Other(0x6986)
    );
    select_key(&mut card, AUTH);
    assert_eq!(
        sw(&mut card, &change_reference_data(b"4321")),
        StatusWord::SecurityNotSatisfied
    );
}

#[test]
fn a_transaction_without_a_pin_leaves_the_card_as_it_was() {
    let mut card = adult();
    select_key(&mut card, AUTH);
    assert_eq!(sw(&mut card, &verify(b"1234")), StatusWord::Success);
    in_one_transaction(
        &mut card,
        &[
            Command::select_file(PinKind::Auth.ef()),
            Command::read_retry_counter(),
        ],
    );
    assert_eq!(
        sw(&mut card, &change_reference_data(b"4321")),
        StatusWord::Success
    );
}

#[test]
fn a_pin_is_recognised_from_the_bytes() {
    for command in [
        &[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'][..],
        &[0x00, 0x24, 0x01, 0x80, 0x04, b'1', b'2', b'3', b'4'],
        &[0x80, 0x32, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'],
        &[0x00, 0x2C, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'],
        &[0x00, 0x21, 0x00, 0x80, 0x03, 0x80, 0x01, b'1'],
        &[0x00, 0x25, 0x01, 0x80, 0x03, 0x80, 0x01, b'1'],
        &[0x00, 0x2D, 0x00, 0x80, 0x03, 0x80, 0x01, b'1'],
    ] {
        assert!(protocol::carries_pin(command), "{command:02X?}");
    }
    for command in [
        &[0x00, 0x20, 0x00, 0x80][..],
        &[0x00, 0x20, 0x00, 0x80, 0x00],
        &SELECT_ISD,
        &[0x00, 0xB0, 0x00, 0x00, 0x04],
    ] {
        assert!(!protocol::carries_pin(command), "{command:02X?}");
    }
}

#[test]
fn a_new_pin_of_the_wrong_format_is_refused() {
    let mut card = adult();
    select_key(&mut card, SIGN);
    assert_eq!(sw(&mut card, &verify(b"ABC123")), StatusWord::Success);
    assert_eq!(
        sw(&mut card, &change_reference_data(b"abc123")),
        StatusWord::Other(0x6A80)
    );
    assert_eq!(card.state().pin(SIGN).unwrap().value, b"ABC123");
    select_key(&mut card, JUKI_AP);
    sw(&mut card, &verify(b"1234"));
    assert_eq!(
        sw(&mut card, &change_key(b"12345")),
        StatusWord::Other(0x6A80)
    );
}

/// Read a whole EF the way jpki and OpenSC do: 4-byte header, then chunks of at most 256.
fn read_all(card: &mut VirtualCard) -> Result<Vec<u8>, StatusWord> {
    let header = send(card, &Command::read_binary(0, 4));
    if header.sw != StatusWord::Success {
        return Err(header.sw);
    }
    let mut out = header.data.clone();
    loop {
        let chunk = send(card, &Command::read_binary(out.len() as u16, 0));
        if chunk.sw != StatusWord::Success {
            return Err(chunk.sw);
        }
        if chunk.data.is_empty() {
            return Ok(out);
        }
        out.extend(chunk.data);
    }
}

#[test]
fn read_binary_serves_the_token_and_the_public_certificates_in_chunks() {
    let mut card = adult();
    sw(
        &mut card,
        &Command::select_application(Application::Jpki.aid()),
    );
    sw(&mut card, &Command::select_file(TOKEN_EF));
    let token = send(&mut card, &Command::read_binary(0, 0x20));
    assert_eq!(token.data, b"JPKIAPICCTOKEN2                 ");
    for (certificate, expected) in [
        (Certificate::Auth, TEST_AUTH_CERTIFICATE),
        (Certificate::AuthCa, TEST_AUTH_CA_CERTIFICATE),
        (Certificate::SignCa, TEST_SIGN_CA_CERTIFICATE),
    ] {
        assert_eq!(
            sw(&mut card, &Command::select_file(certificate.ef())),
            StatusWord::Success
        );
        assert_eq!(
            read_all(&mut card).as_deref(),
            Ok(expected),
            "{certificate:?}"
        );
    }
    assert_eq!(
        sw(&mut card, &Command::read_binary(0x7000, 1)),
        StatusWord::Other(0x6B00)
    );
}

#[test]
fn the_sign_certificate_opens_only_after_the_sign_password_until_a_power_down() {
    let mut card = adult();
    let sign_certificate = Certificate::Sign.ef();
    select(&mut card, Application::Jpki.aid(), sign_certificate);
    assert_eq!(
        sw(&mut card, &Command::read_binary(0, 4)),
        StatusWord::SecurityNotSatisfied
    );
    // A right auth PIN does not open it; a right sign password does, until a wrong one.
    select_key(&mut card, AUTH);
    sw(&mut card, &verify(b"1234"));
    sw(&mut card, &Command::select_file(sign_certificate));
    assert_eq!(read_all(&mut card), Err(StatusWord::SecurityNotSatisfied));
    select_key(&mut card, SIGN);
    assert_eq!(sw(&mut card, &verify(b"ABC123")), StatusWord::Success);
    sw(&mut card, &Command::select_file(sign_certificate));
    assert_eq!(read_all(&mut card).as_deref(), Ok(TEST_SIGN_CERTIFICATE));
    sw(&mut card, &Command::select_file(SIGN.ef()));
    sw(&mut card, &verify(b"WRONG1"));
    sw(&mut card, &Command::select_file(sign_certificate));
    assert_eq!(read_all(&mut card), Err(StatusWord::SecurityNotSatisfied));
    // Selecting the application again, or a warm reset, leaves it open; a power-down closes it.
    select_key(&mut card, SIGN);
    sw(&mut card, &verify(b"ABC123"));
    select(&mut card, Application::Jpki.aid(), sign_certificate);
    assert_eq!(read_all(&mut card).as_deref(), Ok(TEST_SIGN_CERTIFICATE));
    card.warm_reset();
    select(&mut card, Application::Jpki.aid(), sign_certificate);
    assert_eq!(read_all(&mut card).as_deref(), Ok(TEST_SIGN_CERTIFICATE));
    card.power_off();
    select(&mut card, Application::Jpki.aid(), sign_certificate);
    assert_eq!(read_all(&mut card), Err(StatusWord::SecurityNotSatisfied));
}

#[test]
fn key_and_pin_efs_are_selected_but_never_read() {
    let mut card = adult();
    sw(
        &mut card,
        &Command::select_application(Application::Jpki.aid()),
    );
    for ef in [[0x00, 0x17], [0x00, 0x1A], PinKind::Auth.ef()] {
        assert_eq!(
            sw(&mut card, &Command::select_file(ef)),
            StatusWord::Success
        );
        assert_eq!(
            sw(&mut card, &Command::read_binary(0, 4)),
            StatusWord::Other(0x6981),
            "{ef:?}"
        );
    }
    // Even with the sign password verified.
    select_key(&mut card, SIGN);
    sw(&mut card, &verify(b"ABC123"));
    sw(&mut card, &Command::select_file([0x00, 0x1A]));
    assert_eq!(
        sw(&mut card, &Command::read_binary(0, 4)),
        StatusWord::Other(0x6981)
    );
}

#[test]
fn the_kenkaku_ap_and_the_codes_answer_their_counters() {
    let mut card = adult();
    for code in Code::ALL {
        select(&mut card, code.ap().aid(), code.ef());
        assert_eq!(
            sw(&mut card, &Command::read_retry_counter()),
            StatusWord::TriesLeft(10),
            "{code:?}"
        );
    }
    // A code is verified like a PIN, and never changed.
    select(&mut card, &KENKAKU_AID, Code::KenkakuB.ef());
    assert_eq!(
        sw(&mut card, &verify(b"00000000000000")),
        StatusWord::TriesLeft(9)
    );
    assert_eq!(
        sw(&mut card, &verify(b"90010120351234")),
        StatusWord::Success
    );
    assert_eq!(
        sw(&mut card, &change_reference_data(b"1234")),
        StatusWord::InstructionNotSupported
    );
    // The JPKI AP holds no 00 13.
    sw(
        &mut card,
        &Command::select_application(Application::Jpki.aid()),
    );
    assert_eq!(
        sw(&mut card, &Command::select_file([0x00, 0x13])),
        StatusWord::FileNotFound
    );
}

#[test]
fn unknown_commands_get_iso_errors() {
    let mut card = adult();
    let sw = |card: &mut VirtualCard, bytes: &[u8]| raw(card, bytes).sw;
    assert_eq!(
        sw(&mut card, &[0x00, 0xCA, 0x00, 0x00]),
        StatusWord::InstructionNotSupported
    );
    // CLA 80 is the card's own class (CHANGE KEY); SELECT is not one of its commands.
    assert_eq!(
        sw(&mut card, &[0x80, 0xA4, 0x04, 0x0C]),
        StatusWord::InstructionNotSupported
    );
    assert_eq!(
        sw(&mut card, &[0x90, 0xA4, 0x04, 0x0C]),
        StatusWord::ClassNotSupported
    );
    let jpki_with_fci: Vec<u8> = [0x00, 0xA4, 0x04, 0x00, 0x0A]
        .into_iter()
        .chain(Application::Jpki.aid().iter().copied())
        .collect();
    assert_eq!(
        sw(&mut card, &jpki_with_fci),
        StatusWord::IncorrectParameters
    );
    assert_eq!(
        sw(&mut card, &[0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]),
        StatusWord::FileNotFound
    );
    assert_eq!(
        sw(&mut card, &[0x00, 0xA4, 0x02, 0x00, 0x02, 0x00, 0x18]),
        StatusWord::IncorrectParameters
    );
    assert_eq!(
        sw(&mut card, &[0x00, 0xA4, 0x04, 0x0C, 0x05, 0x01]),
        StatusWord::WrongLength
    );
    assert_eq!(sw(&mut card, &[0x00]), StatusWord::WrongLength);
    assert_eq!(
        sw(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B]),
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
            let key = KeyReference::ALL[rng.next(5)];
            let command = match rng.next(7) {
                0 => PinApdu(Command::select_application(key.application().aid()).bytes()),
                1 => PinApdu(Command::select_file(key.ef()).bytes()),
                2 => PinApdu(Command::read_retry_counter().bytes()),
                3 => verify(value(key)),
                4 => verify(if key.kind() == PinKind::Sign {
                    b"ZZZ999"
                } else {
                    b"0000"
                }),
                5 => change(key, value(key)),
                _ => other_change(key, value(key)),
            };
            let before = card.state().clone();
            let answer = send(&mut card, &command).sw;
            for (key, record) in &card.state().pins {
                let old = before.pin(*key).unwrap().tries_left;
                assert!(record.tries_left <= key.kind().max_tries());
                // A locked PIN never comes back, whatever was sent.
                if old == 0 {
                    assert_eq!(record.tries_left, 0, "{command:?} -> {answer}");
                }
                // One command spends at most one try, on one key reference.
                assert!(old <= record.tries_left + 1, "{command:?} -> {answer}");
            }
        }
        // Whatever happened, each key reference answers what the card holds.
        for (key, record) in card.state().pins.clone() {
            select_key(&mut card, key);
            assert_eq!(
                sw(&mut card, &Command::read_retry_counter()),
                StatusWord::TriesLeft(record.tries_left)
            );
        }
    }
}

#[test]
fn a_state_file_carries_a_change_to_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.state");
    VirtualCard::save_state(&Profile::Adult.card(), &path).unwrap();
    let mut card = VirtualCard::open(&path).unwrap();
    select_key(&mut card, AUTH);
    sw(&mut card, &verify(b"0000"));
    // Saved as the command was answered, not at the end of the run.
    let meanwhile = std::fs::read_to_string(&path).unwrap();
    assert!(meanwhile.contains("pin auth 1234 2"), "{meanwhile}");
    card.finish().unwrap();
    drop(card);
    let again = VirtualCard::open(&path).unwrap();
    assert_eq!(tries(&again, AUTH), 2);
}

#[test]
fn a_run_that_changes_nothing_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.state");
    VirtualCard::save_state(&Profile::Adult.card(), &path).unwrap();
    let before = std::fs::metadata(&path).unwrap();
    let mut card = VirtualCard::open(&path).unwrap();
    read_pin_statuses(&mut card).unwrap();
    // A right PIN with the counter full changes nothing either.
    select_key(&mut card, AUTH);
    sw(&mut card, &verify(b"1234"));
    card.finish().unwrap();
    drop(card);
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(before.modified().unwrap(), after.modified().unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(before.ino(), after.ino());
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_change_that_cannot_be_saved_is_undone_and_answered_6581() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cards");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("card.state");
    VirtualCard::save_state(&Profile::Adult.card(), &path).unwrap();
    let mut card = VirtualCard::open(&path).unwrap();
    select_key(&mut card, KENHOJO);
    assert_eq!(sw(&mut card, &verify(b"1234")), StatusWord::Success);
    // The folder goes away under the card (as root, a read-only folder would not stop a write).
    std::fs::rename(&folder, dir.path().join("elsewhere")).unwrap();
    assert_eq!(
        sw(&mut card, &change_reference_data(b"5678")),
        StatusWord::Other(0x6581)
    );
    assert_eq!(card.state().pin(KENHOJO).unwrap().value, b"1234");
    assert_eq!(sw(&mut card, &verify(b"0000")), StatusWord::Other(0x6581));
    assert_eq!(tries(&card, KENHOJO), 3);
    match card.finish() {
        Err(TransportError::Backend(error)) => match error.downcast_ref::<StateError>() {
            Some(StateError::Io { reason, .. }) => {
                assert!(reason.starts_with("cannot write"), "{reason}")
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // Reported once.
    assert!(card.finish().is_ok());
}

#[test]
fn a_second_opener_waits_for_the_first_and_then_gives_up_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.state");
    VirtualCard::save_state(&Profile::Adult.card(), &path).unwrap();
    let first = VirtualCard::open(&path).unwrap();
    let second = VirtualCard::open_waiting(&path, Duration::from_millis(50)).unwrap_err();
    assert_eq!(
        second,
        StateError::Busy {
            origin: path.display().to_string(),
            waited_secs: 0
        }
    );
    assert!(second.to_string().contains("in use by another process"));
    drop(first);
    VirtualCard::open_waiting(&path, Duration::from_millis(50)).unwrap();
}

#[test]
fn a_writer_that_replaced_the_file_hands_its_lock_to_the_next_opener() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.state");
    VirtualCard::save_state(&Profile::Adult.card(), &path).unwrap();
    let mut first = VirtualCard::open(&path).unwrap();
    select_key(&mut first, AUTH);
    sw(&mut first, &verify(b"0000"));
    // The file at the path is a new one now, and the first card holds its lock.
    assert!(VirtualCard::open_waiting(&path, Duration::from_millis(30)).is_err());
    let waiter = std::thread::spawn({
        let path = path.clone();
        move || VirtualCard::open_waiting(&path, Duration::from_secs(20))
    });
    std::thread::sleep(Duration::from_millis(50));
    sw(&mut first, &verify(b"0000"));
    drop(first);
    let second = waiter.join().unwrap().unwrap();
    assert_eq!(tries(&second, AUTH), 1);
}

#[cfg(unix)]
#[test]
fn a_symlinked_state_file_updates_its_target_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.state");
    let link = dir.path().join("link.state");
    VirtualCard::save_state(&Profile::Adult.card(), &target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.state", &link).unwrap();
    let mut card = VirtualCard::open(&link).unwrap();
    select_key(&mut card, AUTH);
    sw(&mut card, &verify(b"0000"));
    drop(card);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let saved = std::fs::read_to_string(&target).unwrap();
    assert!(saved.contains("pin auth 1234 2"), "{saved}");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn devices_and_huge_files_are_refused_quickly() {
    #[cfg(unix)]
    for device in ["/dev/zero", "/dev/urandom"] {
        let error = VirtualCard::open(Path::new(device)).unwrap_err();
        assert_eq!(
            error,
            StateError::NotAFile {
                origin: device.to_string()
            }
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.state");
    std::fs::write(&big, vec![b'#'; MAX_STATE_BYTES as usize + 1]).unwrap();
    assert!(matches!(
        VirtualCard::open(&big),
        Err(StateError::TooLarge { .. })
    ));
    let folder = dir.path().join("folder.state");
    std::fs::create_dir(&folder).unwrap();
    assert!(matches!(
        VirtualCard::open(&folder),
        Err(StateError::NotAFile { .. })
    ));
}

#[test]
fn create_state_refuses_to_replace_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.state");
    let adult = Profile::Adult.card();
    VirtualCard::create_state(&adult, &path, false).unwrap();
    let child = Profile::Under15.card();
    assert_eq!(
        VirtualCard::create_state(&child, &path, false),
        Err(StateError::Exists {
            origin: path.display().to_string()
        })
    );
    assert_eq!(VirtualCard::load_state(&path).unwrap(), adult);
    VirtualCard::create_state(&child, &path, true).unwrap();
    assert_eq!(VirtualCard::load_state(&path).unwrap(), child);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
}

#[test]
fn ec_and_rsa_auth_certificates_are_read_alike() {
    // TEST ONLY fixtures: RSA-2048 (as today's cards) and ECDSA P-384 (as the next-generation
    // card is reported to use): the card layer reads both through EF 00 0A, and the expiry does
    // not depend on the key.
    use jpki_card::card::certificate::not_after_of;
    use jpki_card::card::read_card_report;
    let ec = include_bytes!("../fixtures/auth-cert-ec-p384.der").to_vec();
    let last_day = time::Date::from_calendar_date(2031, time::Month::March, 31).unwrap();
    assert_eq!(not_after_of(TEST_AUTH_CERTIFICATE), Ok(last_day));
    assert_eq!(not_after_of(&ec), Ok(last_day));
    let mut state = Profile::Adult.card();
    state.set_certificate(Certificate::Auth, Some(ec));
    let report = read_card_report(&mut VirtualCard::new(state)).unwrap();
    assert_eq!(
        report.auth_not_after,
        jpki_card::card::AuthNotAfter::Date(last_day)
    );
    assert_eq!(
        report.card_expiry,
        jpki_card::card::card_info::CardExpiry::Date(
            time::Date::from_calendar_date(2036, time::Month::March, 31).unwrap()
        )
    );
}

#[test]
fn the_library_agrees_with_the_virtual_cards_own_protocol_table() {
    // The virtual card's table is written from docs/protocol.md; a constant of the library that
    // drifted from it shows here by name, before the integration tests fail on it.
    for ap in Ap::ALL {
        if let Some(application) = ap.application() {
            assert_eq!(application.aid(), ap.aid(), "AID of {ap:?}");
        }
    }
    for key in KeyReference::ALL {
        assert_eq!(Ap::of(key.application()), protocol::ap_of(key), "{key:?}");
        assert_eq!(key.ef(), protocol::pin_ef(key), "EF of {key:?}");
        assert_eq!(
            key.kind().max_tries(),
            protocol::max_tries(key.kind()),
            "{key:?}"
        );
        let header = match key.change_command() {
            jpki_card::card::ChangeCommand::ReferenceData => [0x00, 0x24, 0x01, 0x80],
            jpki_card::card::ChangeCommand::Key => [0x80, 0x32, 0x00, 0x80],
        };
        assert_eq!(header, protocol::change_of(key).header(), "{key:?}");
    }
    for (kind, value, taken) in [
        (PinKind::Auth, &b"1234"[..], true),
        (PinKind::Auth, b"12345", false),
        (PinKind::Auth, b"123", false),
        (PinKind::Auth, b"12a4", false),
        (PinKind::Sign, b"ABC123", true),
        (PinKind::Sign, b"ABCDEFGHIJ123456", true),
        (PinKind::Sign, b"ABCDEFGHIJ1234567", false),
        (PinKind::Sign, b"AB123", false),
        (PinKind::Sign, b"abc123", false),
        (PinKind::Sign, b"ABCDEF", false),
        (PinKind::Sign, b"123456", false),
    ] {
        assert_eq!(
            protocol::accepts_pin(kind, value),
            taken,
            "{kind} {value:?}"
        );
        let text = std::str::from_utf8(value).unwrap();
        let library = jpki_card::card::Pin::new(kind, text).is_ok_and(|p| p.expose() == value);
        assert_eq!(library, taken, "the library on {kind} {value:?}");
    }
}
