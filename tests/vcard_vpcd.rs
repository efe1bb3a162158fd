//! `jpki-vcard serve` against a stand-in for vpcd: the framing (2-byte big-endian length, then a
//! 1-byte control or an APDU), answered over loopback. Needs no pcscd, so it runs everywhere.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
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

fn vcard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jpki-vcard"))
}

#[test]
fn serves_the_atr_and_apdus_in_vpcd_framing_and_saves_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    assert!(vcard()
        .args(["init", "--tries", "auth=2"])
        .arg(&state)
        .status()
        .unwrap()
        .success());
    let vpcd = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = vpcd.local_addr().unwrap().port().to_string();
    let mut served = vcard()
        .args(["serve", "--port", &port])
        .arg(&state)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut card, _) = vpcd.accept().unwrap();
    card.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    send(&mut card, &[0x01]); // power on: no answer
    send(&mut card, &[0x04]); // get ATR
    assert_eq!(
        receive(&mut card),
        [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
    );
    let jpki_ap = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    send(&mut card, &jpki_ap);
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
    // A reset forgets the selection: the counter read now has no PIN EF to act on.
    send(&mut card, &[0x02]);
    send(&mut card, &[0x00, 0x20, 0x00, 0x80]);
    assert_eq!(receive(&mut card), [0x69, 0x86]);
    drop(card); // vpcd going away ends the service

    let status = served.wait().unwrap();
    let mut err = String::new();
    served
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("pin auth 1234 1"), "{saved}");
}

#[test]
fn serve_says_what_to_start_when_vpcd_is_not_listening() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    assert!(vcard().arg("init").arg(&state).status().unwrap().success());
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = vcard()
        .args(["serve", "--connect-timeout", "0", "--port", &port])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("vpcd") && err.contains("pcscd"), "{err}");
}

#[test]
fn init_refuses_what_the_profile_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    for (args, expected) in [
        (
            &["--profile", "under-15", "--tries", "sign=3"][..],
            "no sign PIN",
        ),
        (&["--tries", "auth=4"][..], "0 to 3"),
        (&["--card-pin", "auth=12345"][..], "4 digits"),
        (&["--profile", "child"][..], "unknown profile"),
        (&["--locked-probe", "9000"][..], "63C0, 6983 or 6984"),
    ] {
        let out = vcard().arg("init").args(args).arg(&state).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!state.exists(), "{args:?} wrote a state file");
    }
}
