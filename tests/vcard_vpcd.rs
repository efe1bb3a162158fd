//! `jpki-vcard`: its command line (`init`, help, exit codes), and `serve` against a stand-in for
//! vpcd: the framing (2-byte big-endian length, then a 1-byte control or an APDU), answered over
//! loopback. Needs no pcscd, so it runs everywhere. The command runs in-process, through the
//! jpki-vcard library, exactly as its binary runs it.

use crate::util::{state_line, vcard, vcard_init_run};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

fn send(stream: &mut TcpStream, payload: &[u8]) {
    let mut frame = (payload.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    stream.write_all(&frame).unwrap();
}

fn receive(stream: &mut TcpStream) -> Vec<u8> {
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).unwrap();
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut payload).unwrap();
    payload
}

const JPKI_AP: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];
const COMMON_AP: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00,
];

#[test]
fn serves_the_atr_and_apdus_in_vpcd_framing_and_saves_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    assert!(vcard_init_run(&state, &["--tries", "auth=2"]).success());
    let vpcd = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = vpcd.local_addr().unwrap().port().to_string();
    let served = {
        let state = state.clone();
        std::thread::spawn(move || {
            vcard([
                "serve".into(),
                "--port".into(),
                port.into(),
                std::ffi::OsString::from(state),
            ])
        })
    };
    let (mut card, _) = vpcd.accept().unwrap();
    card.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    send(&mut card, &[0x01]); // power on: no answer
    send(&mut card, &[0x04]); // get ATR
    assert_eq!(
        receive(&mut card),
        [0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01, 0x00, 0x00]
    );
    send(&mut card, &JPKI_AP);
    assert_eq!(receive(&mut card), [0x90, 0x00]);
    send(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]);
    assert_eq!(receive(&mut card), [0x90, 0x00]);
    send(&mut card, &[0x00, 0x20, 0x00, 0x80]);
    assert_eq!(receive(&mut card), [0x63, 0xC2]);
    send(
        &mut card,
        &[0x00, 0x20, 0x00, 0x80, 0x04, b'9', b'9', b'9', b'9'],
    );
    assert_eq!(receive(&mut card), [0x63, 0xC1]);
    // Saved as it was answered, while the card is still served.
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 1");
    // While served, the state file is held: another opener is told so.
    let busy = jpki_vcard::VirtualCard::open_waiting(&state, Duration::from_millis(50));
    assert!(
        matches!(busy, Err(jpki_vcard::StateError::Busy { .. })),
        "{busy:?}"
    );
    // CHANGE KEY on the 共通 AP's juki key reference, right after its VERIFY.
    send(&mut card, &COMMON_AP);
    assert_eq!(receive(&mut card), [0x90, 0x00]);
    send(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1C]);
    assert_eq!(receive(&mut card), [0x90, 0x00]);
    send(
        &mut card,
        &[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'],
    );
    assert_eq!(receive(&mut card), [0x90, 0x00]);
    send(
        &mut card,
        &[0x80, 0x32, 0x00, 0x80, 0x04, b'8', b'6', b'4', b'2'],
    );
    assert_eq!(receive(&mut card), [0x90, 0x00]);
    // A reset forgets the selection: the counter read now has no PIN EF to act on.
    send(&mut card, &[0x02]);
    send(&mut card, &[0x00, 0x20, 0x00, 0x80]);
    assert_eq!(receive(&mut card), [0x69, 0x86]);
    // But not the VERIFY (the pessimistic card): a change with no PIN of its own goes through.
    let change_again = |card: &mut TcpStream| {
        send(card, &COMMON_AP);
        assert_eq!(receive(card), [0x90, 0x00]);
        send(card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1C]);
        assert_eq!(receive(card), [0x90, 0x00]);
        send(
            card,
            &[0x80, 0x32, 0x00, 0x80, 0x04, b'8', b'6', b'4', b'2'],
        );
        receive(card)
    };
    assert_eq!(change_again(&mut card), [0x90, 0x00]);
    // A power-down does forget it: the same change is refused, 69 82.
    send(&mut card, &[0x00]);
    send(&mut card, &[0x01]);
    assert_eq!(change_again(&mut card), [0x69, 0x82]);
    drop(card); // vpcd going away ends the service

    let served = served.join().unwrap();
    assert!(served.success(), "{}", served.stderr);
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 1");
    assert_eq!(
        state_line(&state, "pin juki common_ap"),
        "pin juki common_ap 8642 3"
    );
    assert_eq!(
        state_line(&state, "pin juki juki_ap"),
        "pin juki juki_ap 1234 3"
    );
}

#[test]
fn serve_says_what_to_start_when_vpcd_is_not_listening() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    assert!(vcard_init_run(&state, &[]).success());
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = vcard([
        "serve".into(),
        "--connect-timeout".into(),
        "0".into(),
        "--port".into(),
        port.into(),
        std::ffi::OsString::from(&state),
    ]);
    assert_eq!(out.code, 1);
    let err = &out.stderr;
    assert!(err.contains("vpcd") && err.contains("pcscd"), "{err}");
}

#[test]
fn help_is_jpki_vcards_own() {
    let out = vcard(["--help"]);
    assert!(out.success());
    let help = &out.stdout;
    assert!(help.contains("virtual My Number card"), "{help}");
    assert!(help.contains("init") && help.contains("serve"), "{help}");
    assert!(help.contains("test PINs only"), "{help}");
    // Not the description of the jpki package it is built from.
    assert!(!help.contains("without risking a lock"), "{help}");
    let out = vcard(["init", "--help"]);
    let help = &out.stdout;
    for word in [
        "juki-counters-differ",
        "common-ap-only",
        "--force",
        "--atr",
        "juki_ap",
    ] {
        assert!(help.contains(word), "{word}: {help}");
    }
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    for (args, expected) in [
        (
            &["--profile", "under-15", "--tries", "sign=3"][..],
            "no sign PIN",
        ),
        (
            &["--profile", "common-ap-only", "--tries", "juki_ap=1"],
            "no juki_ap",
        ),
        (&["--tries", "auth=4"], "0 to 3"),
        (&["--tries", "kenkaku_b=11"], "0 to 10"),
        (&["--tries", "auth"], "KEY=VALUE"),
        (&["--tries", "pin=1"], "unknown key"),
        (&["--card-pin", "auth=12345"], "4 digits"),
        (&["--card-pin", "kenkaku_a=12ab"], "digits"),
        (&["--profile", "child"], "child"),
        (&["--locked-probe", "9000"], "9000"),
        (&["--without", "mf"], "unknown application"),
        (&["--atr", "9000"], "3B or 3F"),
        (&["--no-such-flag"], "--no-such-flag"),
    ] {
        let out = vcard_init_run(&state, args);
        assert_eq!(out.code, 2, "{args:?}");
        let err = &out.stderr;
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!state.exists(), "{args:?} wrote a state file");
    }
    // Not a usage error, but refused at once: nothing to read without end.
    let out = vcard_init_run(&state, &["--auth-certificate", "/dev/zero"]);
    if Path::new("/dev/zero").exists() {
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("not a regular file"));
        assert!(!state.exists());
    }
    assert_eq!(vcard(["frobnicate"]).code, 2);
    assert_eq!(vcard::<&str>([]).code, 2);
}

#[test]
fn init_refuses_to_replace_a_state_file_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    assert!(vcard_init_run(&state, &["--tries", "auth=1"]).success());
    let out = vcard_init_run(&state, &[]);
    assert_eq!(out.code, 1);
    let err = &out.stderr;
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 1");
    let out = vcard_init_run(&state, &["--force"]);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 3");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn juki_settings_name_both_key_references_unless_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    // The narrower setting wins, whichever comes first.
    let out = vcard_init_run(
        &state,
        &[
            "--tries",
            "common_ap=3",
            "--tries",
            "juki=1",
            "--card-pin",
            "juki=4711",
            "--card-pin",
            "juki_ap=9999",
        ],
    );
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(
        state_line(&state, "pin juki juki_ap"),
        "pin juki juki_ap 9999 1"
    );
    assert_eq!(
        state_line(&state, "pin juki common_ap"),
        "pin juki common_ap 4711 3"
    );
}

#[test]
fn init_offers_the_juki_profiles_the_applications_and_the_atrs() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    assert!(vcard_init_run(&path("a"), &["--profile", "juki-counters-differ"]).success());
    assert_eq!(
        state_line(&path("a"), "pin juki juki_ap"),
        "pin juki juki_ap 1234 3"
    );
    assert_eq!(
        state_line(&path("a"), "pin juki common_ap"),
        "pin juki common_ap 1234 2"
    );
    assert!(vcard_init_run(&path("b"), &["--profile", "common-ap-only"]).success());
    assert_eq!(
        state_line(&path("b"), "applications"),
        "applications jpki common_ap kenhojo kenkaku"
    );
    assert!(!std::fs::read_to_string(path("b"))
        .unwrap()
        .contains("juki_ap"));
    assert!(vcard_init_run(&path("c"), &["--without", "juki", "--without", "kenkaku"]).success());
    assert_eq!(
        state_line(&path("c"), "applications"),
        "applications jpki kenhojo"
    );
    assert!(vcard_init_run(&path("d"), &["--atr", "juki-card"]).success());
    assert_eq!(state_line(&path("d"), "atr"), "atr 3BE000FF8131FE4514");
    assert!(vcard_init_run(
        &path("e"),
        &["--atr", "3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F"]
    )
    .success());
    assert_eq!(
        state_line(&path("e"), "atr"),
        "atr 3B888001000005E0B381A1007F"
    );
    assert!(vcard_init_run(&path("f"), &["--profile", "other-card"]).success());
    assert_eq!(state_line(&path("f"), "atr"), "atr 3B80800101");
}
