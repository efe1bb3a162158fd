//! End to end through pcscd, as a holder with ordinary desktop software meets PC/SC: another
//! program holding the card for itself, holding a transaction, or resetting the card; `--wait`
//! in every command that opens a card, the card put on the reader only later; pcscd stopping
//! during a wait; and a reader whose name is not UTF-8. The other program is this test process,
//! using PC/SC directly (the pcsc crate), as any program would.
//!
//! Needs the Debian packages pcscd and vsmartcard-vpcd, so every test here is `#[ignore]`, as in
//! `e2e_pcscd`: run them with `cargo test -- --include-ignored` (CI does).

use crate::e2e_pcscd::{client, run, start_pcscd, ServedCard, Stack, VPCD_READER};
use crate::util::{json, one_pcscd, outcome, started, Pcscd, Run, JPKI};
use std::ffi::CString;
use std::sync::mpsc;
use std::time::Duration;

/// Another program's connection to the card in vpcd's first slot, in `mode`.
fn other_program(mode: pcsc::ShareMode) -> (pcsc::Context, pcsc::Card) {
    let context = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let reader = CString::new(VPCD_READER).unwrap();
    let card = context
        .connect(&reader, mode, pcsc::Protocols::ANY)
        .unwrap();
    (context, card)
}

/// `jpki ARGS` started now, through this stack's pcscd; its outcome once it ends.
fn jpki_started(args: &[&str], stdin: &str) -> std::process::Child {
    started(client(JPKI).args(args), stdin)
}

fn finished(child: std::process::Child) -> Run {
    outcome(child.wait_with_output().unwrap())
}

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd: run with --include-ignored (CI does)"]
fn a_card_another_program_holds_for_itself_is_named_so_and_waited_for() {
    let _one = one_pcscd();
    let _stack = Stack::start(&[]);
    let (context, card) = other_program(pcsc::ShareMode::Exclusive);
    let Run {
        code, stderr: err, ..
    } = run(&["status"], None);
    assert_eq!(code, 22, "{err}");
    assert!(err.contains("another program is using the card"), "{err}");
    assert!(err.contains("--wait"), "{err}");
    let ja = run(&["--lang", "ja", "status"], None);
    assert_eq!(ja.code, 22);
    assert!(
        ja.stderr.contains("別のプログラムがカードを使用中"),
        "{}",
        ja.stderr
    );
    let json = run(&["--json", "status"], None);
    assert_eq!(json.code, 22);
    assert_eq!(
        crate::util::json(&json.stdout)["error"]["code"],
        "card_in_use"
    );
    // doctor finds the card there, and never says to put it back.
    let Run {
        code, stdout: out, ..
    } = run(&["doctor"], None);
    assert_eq!(code, 19, "{out}");
    assert!(out.contains("close the other program"), "{out}");
    assert!(!out.contains("put the card back"), "{out}");
    // Under --wait, jpki waits for the card to be free, and says so.
    let waiting = jpki_started(&["--wait=15", "status", "--pins-only"], "");
    std::thread::sleep(Duration::from_millis(1500));
    drop(card.disconnect(pcsc::Disposition::LeaveCard));
    drop(context);
    let Run {
        code, stderr: err, ..
    } = finished(waiting);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("waiting for it to be free"), "{err}");
}

/// Another program's transaction on the card, held until `release` says how to end it; `held`
/// is told once it has begun.
fn transaction_held(
    held: mpsc::Sender<()>,
    release: mpsc::Receiver<pcsc::Disposition>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (_context, mut card) = other_program(pcsc::ShareMode::Shared);
        let transaction = card.transaction().unwrap();
        held.send(()).unwrap();
        let how = release.recv().unwrap();
        transaction.end(how).map_err(|(_, e)| e).unwrap();
    })
}

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd: run with --include-ignored (CI does)"]
fn a_transaction_of_another_program_keeps_jpki_waiting_and_it_says_so() {
    let _one = one_pcscd();
    let _stack = Stack::start(&[]);
    for args in [
        &["status", "--pins-only"][..],
        &["--json", "status", "--pins-only"],
    ] {
        let (held, begun) = mpsc::channel();
        let (release, released) = mpsc::channel();
        let other = transaction_held(held, released);
        begun.recv().unwrap();
        let waiting = jpki_started(args, "");
        std::thread::sleep(Duration::from_millis(2500));
        release.send(pcsc::Disposition::LeaveCard).unwrap();
        other.join().unwrap();
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = finished(waiting);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(
            err.contains("Waiting for another program to release the card"),
            "{args:?}: {err}"
        );
        if args[0] == "--json" {
            // stdout holds the JSON object alone.
            assert_eq!(json(&out)["command"], "status", "{out}");
        }
    }
}

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd: run with --include-ignored (CI does)"]
fn a_reset_by_another_program_between_connect_and_command_is_named_so() {
    use jpki_card::card::{read_pin_statuses, CardError};
    use jpki_card::transport::TransportError;
    let _one = one_pcscd();
    let _stack = Stack::start(&[]);
    // The command's gap between connecting and its transaction is too short for another program
    // to fall into from outside; the library's reader, used here, leaves it open as long as the
    // test likes. (pcscd makes a connect wait for another program's transaction, so one that
    // ends with a reset is over before jpki is connected.)
    let mut reader = jpki_card::transport::pcsc::PcscReader::connect(Some(VPCD_READER)).unwrap();
    let (_context, mut other) = other_program(pcsc::ShareMode::Shared);
    other
        .reconnect(
            pcsc::ShareMode::Shared,
            pcsc::Protocols::ANY,
            pcsc::Disposition::ResetCard,
        )
        .unwrap();
    let error = read_pin_statuses(&mut reader).unwrap_err();
    assert!(
        matches!(error, CardError::Transport(TransportError::CardReset)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "another program using the card (or the reader) reset it during the command"
    );
    drop(reader);
    // Nothing was sent to it: jpki reads it as before.
    run(&["status", "--pins-only"], None)
        .assert_exit_for(0, format_args!("status after the reset"));
}

/// Remove the card `served` (its connection to vpcd closed), and wait until PC/SC says so.
fn take_away(served: ServedCard, pcscd: &mut Pcscd, slot: u16) {
    drop(served);
    let _ = std::fs::remove_file(pcscd.dir().join(format!("card{slot}.state")));
    let reader = pcscd.reader(slot);
    pcscd.wait_until(|readers| {
        readers
            .iter()
            .any(|r| r["name"] == reader.as_str() && r["card_present"] == false)
    });
}

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd: run with --include-ignored (CI does)"]
fn every_command_that_needs_a_card_waits_for_one() {
    let _one = one_pcscd();
    let mut pcscd = start_pcscd();
    for (args, stdin) in [
        (&["--wait=30", "status"][..], ""),
        (&["--wait=30", "readers"], ""),
        (&["--wait=30", "doctor"], ""),
        (&["--wait=30", "verify-pin", "--stdin", "auth"], "1234\n"),
        (
            &["--wait=30", "change-pin", "--stdin", "kenhojo"],
            "1234\n5678\n",
        ),
    ] {
        let waiting = jpki_started(args, stdin);
        std::thread::sleep(Duration::from_millis(1500));
        let served = ServedCard::serve(&mut pcscd, 0, &[]);
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = finished(waiting);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        assert!(
            err.contains("Waiting for a card on the reader"),
            "{args:?}: {err}"
        );
        if args[1] == "readers" {
            assert!(out.contains("card present"), "{out}");
        }
        take_away(served, &mut pcscd, 0);
    }
    // Without a card ever coming, the wait ends with its own code, in words that count right.
    let Run {
        code, stderr: err, ..
    } = run(
        &["--wait=1", "verify-pin", "--stdin", "auth"],
        Some("1234\n"),
    );
    assert_eq!(code, 18, "{err}");
    assert!(err.contains("within 1 second"), "{err}");
    assert!(!err.contains("1 seconds"), "{err}");
}

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd: run with --include-ignored (CI does)"]
fn a_pcscd_that_stops_during_a_wait_is_a_service_not_running() {
    let _one = one_pcscd();
    let pcscd = start_pcscd();
    let waiting = jpki_started(&["--wait=30", "status"], "");
    std::thread::sleep(Duration::from_millis(1500));
    drop(pcscd);
    let Run {
        code, stderr: err, ..
    } = finished(waiting);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("PC/SC service"), "{err}");
}

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd: run with --include-ignored (CI does)"]
fn a_reader_named_in_shift_jis_is_shown_escaped_and_used_by_its_bytes() {
    let _one = one_pcscd();
    // "カードリーダー" in Shift-JIS, as a Windows system in Japanese names things.
    let sjis = b"\x83J\x81[\x83h\x83\x8a\x81[\x83_\x81[";
    let mut pcscd = Pcscd::start_with_bytes(sjis);
    let _served = ServedCard::serve(&mut pcscd, 0, &[]);
    let shown = pcscd.reader(0);
    assert_eq!(
        shown,
        "\\x83J\\x81[\\x83h\\x83\\x8a\\x81[\\x83_\\x81[ 00 00"
    );
    let readers = run(&["--json", "readers"], None).assert_exit(0);
    let list = json(&readers.stdout);
    assert_eq!(list["readers"][0]["name"], shown.as_str());
    assert_eq!(list["readers"][0]["card_kind"], "my_number_card", "{list}");
    // Chosen by nothing, by its shown name, by an index, by a part, and by its very bytes.
    for choice in [
        None,
        Some(shown.as_str()),
        Some("0"),
        Some("\\x83_\\X81[ 00 00"),
    ] {
        let mut args = vec!["--json"];
        if let Some(choice) = choice {
            args.extend(["--reader", choice]);
        }
        args.push("status");
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = run(&args, None);
        assert_eq!(code, 0, "{choice:?}: {err}");
        assert_eq!(json(&out)["reader"], shown.as_str());
    }
    use std::os::unix::ffi::OsStrExt;
    let mut raw = sjis.to_vec();
    raw.extend_from_slice(b" 00 00");
    let by_bytes = outcome(
        client(JPKI)
            .arg("--reader")
            .arg(std::ffi::OsStr::from_bytes(&raw))
            .arg("status")
            .output()
            .unwrap(),
    );
    assert_eq!(by_bytes.code, 0, "{}", by_bytes.stderr);
    let doctor = run(&["doctor"], None).assert_exit(0);
    assert!(doctor.stdout.contains(&shown), "{}", doctor.stdout);
    // Set but empty, JPKI_READER (or --reader '') is no choice: the one reader with a card.
    for (variable, flag) in [(Some(""), None), (None, Some(""))] {
        let mut command = client(JPKI);
        if let Some(value) = variable {
            command.env("JPKI_READER", value);
        }
        if let Some(value) = flag {
            command.args(["--reader", value]);
        }
        let ran = outcome(command.arg("status").output().unwrap());
        assert_eq!(ran.code, 0, "{variable:?} {flag:?}: {}", ran.stderr);
    }
}
