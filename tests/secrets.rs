//! A PIN never shows: not in the Debug output of any type that can hold one, not in an error,
//! not in a recorded trace, not in anything a command prints.

use crate::faults::injection::{Fault, FaultInjection};
use crate::util::{assert_no_pin, jpki, leak_of, trace};
use jpki_card::apdu::Outgoing;
use jpki_card::card::{change_pins, ChangeTargets, LastTry, Pin, PinChange, PinKind};
use jpki_card::transport::trace::{CommandPattern, Exchange, Source, Trace};
use jpki_card::transport::{Layered, Reader, Recorder, Replay, ResponseCompletion};
use jpki_vcard::{Profile, VirtualCard};

/// PIN-like values used nowhere else, so any sighting is a leak.
const FOUR_DIGITS: &str = "4821";
const NEW_FOUR_DIGITS: &str = "7390";
/// Typed in lower case; the card gets it upper-cased, so both forms are scanned for.
const PASSWORD: &str = "kq7zx93w";
const PASSWORDS: [&str; 2] = ["kq7zx93w", "KQ7ZX93W"];
/// The new sign password of the change-pin rows: 8 characters, as success-sign.trace's Lc 08.
const NEW_PASSWORD: &str = "pz5nq2vh";

fn all_pins() -> Vec<&'static str> {
    vec![
        FOUR_DIGITS,
        NEW_FOUR_DIGITS,
        PASSWORDS[0],
        PASSWORDS[1],
        NEW_PASSWORD,
        "PZ5NQ2VH",
    ]
}

fn check(what: &str, text: &str) {
    assert_no_pin(what, text, &all_pins());
}

#[test]
fn the_scanner_finds_every_form_of_a_pin() {
    // The other tests are only as good as this.
    for shown in [
        "4821",
        "34 38 32 31",
        "34383231",
        "[52, 56, 50, 49]",
        "Some(52), Some(56), Some(50), Some(49)",
    ] {
        assert!(leak_of(shown, FOUR_DIGITS).is_some(), "{shown}");
    }
    assert!(leak_of("4b 51 37 5a 58 39 33 57", "KQ7ZX93W").is_some());
}

#[test]
fn debug_output_of_every_type_that_can_hold_a_pin_hides_it() {
    let pin = Pin::new(PinKind::Sign, PASSWORD).unwrap();
    let four = Pin::new(PinKind::Auth, FOUR_DIGITS).unwrap();
    // The PIN-bearing commands themselves are built only inside the library, whose own tests
    // show their Debug output; here, the bytes they put on the wire.
    let verify = [&[0x00, 0x20, 0x00, 0x80, 0x04][..], four.expose()].concat();
    let change_key = [&[0x80, 0x32, 0x00, 0x80, 0x08][..], pin.expose()].concat();
    let pattern = CommandPattern::redacted(&verify);
    let exchange = Exchange {
        command: pattern.clone(),
        answer: jpki_card::transport::trace::Answer::Bytes(vec![0x90, 0x00]),
        line: 0,
    };
    let trace = Trace {
        origin: "t".into(),
        source: Source::HandWritten,
        reader: None,
        atr: None,
        exchanges: vec![exchange.clone()],
    };
    for shown in [
        format!("{pin:?}"),
        format!("{four:?}"),
        format!("{:?}", Outgoing::new(&verify)),
        format!("{:?}", Outgoing::new(&change_key)),
        format!("{:?}", CommandPattern::redacted(&change_key)),
        format!("{pattern:?}"),
        format!("{exchange:?}"),
        format!("{trace:?}"),
        trace.to_text(),
    ] {
        check("Debug output", &shown);
    }
}

/// `change-pin auth` as the library sends it: SELECT AP, SELECT EF, the counter read, VERIFY,
/// CHANGE REFERENCE DATA, PIN bytes redacted.
const CHANGE_TRACE: &str = "@source hand-written\n\
    > 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 90 00\n\
    > 00 A4 02 0C 02 00 18\n< 90 00\n\
    > 00 20 00 80\n< 63 C3\n\
    > 00 20 00 80 04 ?? ?? ?? ??\n< 90 00\n\
    > 00 24 01 80 04 ?? ?? ?? ??\n< 90 00\n";

/// The APDUs of [`CHANGE_TRACE`].
const CHANGE_STEPS: usize = 5;

/// A PIN reaches the layers below the card layer only through a guarded operation, so the
/// layers are swept through one: a change of the auth PIN with a fault at every APDU.
#[test]
fn no_fault_makes_a_pin_show_or_be_sent_twice_below_the_card_layer() {
    let targets = ChangeTargets::new(&[PinKind::Auth]).unwrap();
    let change = PinChange::new(&targets, FOUR_DIGITS, NEW_FOUR_DIGITS).unwrap();
    // The catalogue, plus the two T=0 answers the completion layer acts on.
    let mut faults = Fault::catalogue();
    faults.extend([Fault::status(0x6C04), Fault::status(0x6104)]);
    let dir = tempfile::tempdir().unwrap();
    let mut runs = 0;
    for at in 0..CHANGE_STEPS {
        for fault in &faults {
            let replay = Replay::new(Trace::parse(CHANGE_TRACE, "change.trace").unwrap());
            let injected = Layered::new(replay, FaultInjection::new(at, fault.clone()));
            let path = dir.path().join(format!("{at}-{runs}.trace"));
            let recorder = Recorder::new(path.clone(), Source::HandWritten);
            let mut top = Layered::new(Layered::new(injected, recorder), ResponseCompletion);
            let report = change_pins(&mut top, &change, LastTry::Refuse, &[]);
            let mut shown = vec![format!("{top:?}"), format!("{report:?}")];
            if let Some(e) = &report.error {
                shown.push(e.to_string());
                shown.push(format!("{e:?}"));
            }
            let (mut recorded, _) = top.into_parts();
            shown.push(format!("{recorded:?}"));
            shown.push(recorded.layer().trace(recorded.reader()).to_text());
            if let Err(e) = recorded.finish() {
                shown.push(format!("{e} {e:?}"));
            }
            shown.push(std::fs::read_to_string(&path).unwrap());
            let (injected, _) = recorded.into_parts();
            shown.push(format!("{injected:?}"));
            let counts = injected.layer().counts();
            let label = format!("fault {fault} at step {}", at + 1);
            // Two PIN-bearing commands at most; none reaches the card twice, and a lost card
            // hears none after it was lost.
            assert!(counts.secrets_sent <= 2, "{label}: {counts:?}");
            if matches!(fault, Fault::Removed | Fault::Reset) {
                assert_eq!(counts.secrets_after_fault, 0, "{label}: {counts:?}");
            }
            for text in &shown {
                check(&label, text);
            }
            runs += 1;
        }
    }
    println!("secrets below the card layer: {runs} injected runs");
}

/// Where a row's card comes from.
enum Card {
    /// A bundled trace, replayed.
    Replay(&'static str),
    /// A fresh virtual card whose PINs are the test values: the current PIN typed is right.
    Virtual,
}

/// One command line run with --record. `stdin` is fed to it (ignored by commands that read no
/// PIN); no PIN of `all_pins()` may show in stdout, stderr or the recorded trace. `exit` is the
/// code the run must end with, so a scan is never of a run that stopped early by mistake.
struct Row {
    card: Card,
    args: Vec<&'static str>,
    stdin: String,
    exit: i32,
}

/// Line 1 the current PIN, line 2 the new one, as `change-pin --stdin` reads them.
fn change_stdin(kind: &str) -> String {
    if kind == "sign" {
        format!("{PASSWORD}\n{NEW_PASSWORD}\n")
    } else {
        format!("{FOUR_DIGITS}\n{NEW_FOUR_DIGITS}\n")
    }
}

/// jpki has no logging flag (no --verbose, no --debug, no log environment variable): stdout,
/// stderr and the --record trace are every channel it writes to, so the rows scan all three.
fn rows() -> Vec<Row> {
    let stdin = format!("{FOUR_DIGITS}\n{NEW_FOUR_DIGITS}\n{PASSWORD}\n");
    let row = |card, args: &[&'static str], stdin: &str, exit| Row {
        card,
        args: args.to_vec(),
        stdin: stdin.to_string(),
        exit,
    };
    let mut rows = Vec::new();
    for trace in ["status/fresh.trace", "status/unexpected-answer.trace"] {
        for args in [
            &["status", "--pins-only"][..],
            &["--json", "status", "--pins-only"],
            &["--lang", "ja", "status", "--pins-only"],
            &["readers"],
            &["--json", "readers"],
        ] {
            rows.push(row(Card::Replay(trace), args, &stdin, 0));
        }
    }
    for args in [
        &["status"][..],
        &["--json", "status"],
        &["--lang", "ja", "status"],
    ] {
        rows.push(row(
            Card::Replay("card/my-number-card.trace"),
            args,
            &stdin,
            0,
        ));
        rows.push(row(Card::Virtual, args, &stdin, 0));
    }
    for args in [&["doctor"][..], &["--json", "doctor"], &["readers"]] {
        rows.push(row(
            Card::Replay("card/probe-my-number-card.trace"),
            args,
            &stdin,
            0,
        ));
        rows.push(row(Card::Virtual, args, &stdin, 0));
    }
    for kind in ["sign", "auth", "juki", "kenhojo"] {
        let trace = match kind {
            "sign" => "change-pin/success-sign.trace",
            "auth" => "change-pin/success-auth.trace",
            "juki" => "change-pin/success-juki.trace",
            _ => "change-pin/success-kenhojo.trace",
        };
        let input = change_stdin(kind);
        for lead in [&[][..], &["--json"], &["--lang", "ja"]] {
            let mut args = lead.to_vec();
            args.extend(["change-pin", "--stdin", "--experimental", kind]);
            rows.push(row(Card::Replay(trace), &args, &input, 0));
            rows.push(row(Card::Virtual, &args, &input, 0));
        }
    }
    // verify-pin of each PIN: one line, the PIN the virtual card holds.
    for kind in ["sign", "auth", "juki", "kenhojo"] {
        let input = if kind == "sign" {
            format!("{PASSWORD}\n")
        } else {
            format!("{FOUR_DIGITS}\n")
        };
        for lead in [&[][..], &["--json"], &["--lang", "ja"]] {
            let mut args = lead.to_vec();
            args.extend(["verify-pin", "--stdin", "--experimental", kind]);
            rows.push(row(Card::Virtual, &args, &input, 0));
        }
    }
    let one = format!("{FOUR_DIGITS}\n");
    for (trace, kind, exit) in [
        ("verify-pin/success-auth.trace", "auth", 0),
        ("verify-pin/success-juki.trace", "juki", 0),
        ("verify-pin/wrong-auth.trace", "auth", 13),
        ("verify-pin/juki-wrong-at-common.trace", "juki", 13),
        ("verify-pin/last-try-refused.trace", "auth", 14),
        ("verify-pin/locked.trace", "kenhojo", 15),
        ("verify-pin/removed-during-verify.trace", "kenhojo", 16),
    ] {
        for lead in [&[][..], &["--json"], &["--lang", "ja"]] {
            let mut args = lead.to_vec();
            args.extend(["verify-pin", "--stdin", "--experimental", kind]);
            rows.push(row(Card::Replay(trace), &args, &one, exit));
        }
    }
    // The sign password in lower case, and refused before any card is touched.
    rows.push(row(
        Card::Replay("verify-pin/success-sign.trace"),
        &["verify-pin", "--stdin", "sign"],
        &format!("{PASSWORD}\n"),
        0,
    ));
    rows.push(row(
        Card::Virtual,
        &["verify-pin", "--stdin", "auth"],
        &format!("{FOUR_DIGITS}\n{NEW_FOUR_DIGITS}\n"),
        3,
    ));
    let four = change_stdin("auth");
    let three = [
        "change-pin",
        "--stdin",
        "--experimental",
        "juki",
        "kenhojo",
        "auth",
    ];
    rows.push(row(
        Card::Replay("change-pin/juki-kenhojo-auth.trace"),
        &three,
        &four,
        0,
    ));
    rows.push(row(Card::Virtual, &three, &four, 0));
    // The failures: their messages are where a careless PIN would show.
    for (trace, args, exit) in [
        (
            "change-pin/wrong-current-pin.trace",
            &["change-pin", "--stdin", "auth"][..],
            13,
        ),
        (
            "change-pin/removed-after-verify.trace",
            &["change-pin", "--stdin", "kenhojo"],
            16,
        ),
        ("change-pin/second-of-three-fails.trace", &three, 13),
        (
            "change-pin/last-try-refused.trace",
            &["change-pin", "--stdin", "auth"],
            14,
        ),
        (
            "change-pin/locked.trace",
            &["change-pin", "--stdin", "--experimental", "juki"],
            15,
        ),
        (
            "change-pin/auth-kenhojo-last-try.trace",
            &["change-pin", "--stdin", "auth", "kenhojo"],
            14,
        ),
    ] {
        rows.push(row(Card::Replay(trace), args, &four, exit));
    }
    // A juki PIN left partly changed: the report names the key references, never the PINs.
    for trace in [
        "change-pin/juki-change-key-refused.trace",
        "change-pin/juki-wrong-at-common.trace",
    ] {
        for lead in [&[][..], &["--json"], &["--lang", "ja"]] {
            let mut args = lead.to_vec();
            args.extend(["change-pin", "--stdin", "--experimental", "juki"]);
            rows.push(row(Card::Replay(trace), &args, &four, 21));
        }
    }
    // The experimental refusal, before any card is touched.
    rows.push(row(
        Card::Virtual,
        &["change-pin", "--stdin", "juki"],
        &four,
        20,
    ));
    // Refused before any card is touched: a PIN not in its format, stdin of three lines.
    rows.push(row(
        Card::Virtual,
        &["change-pin", "--stdin", "auth"],
        "4821\n73900\n",
        3,
    ));
    rows.push(row(
        Card::Virtual,
        &["change-pin", "--stdin", "auth"],
        &stdin,
        3,
    ));
    rows
}

/// A virtual card whose PINs are the test values (the sign password upper-cased, as sent).
fn virtual_card_state(path: &std::path::Path) {
    let mut state = Profile::Adult.card();
    for (kind, record) in &mut state.pins {
        let value = match kind.kind() {
            PinKind::Sign => PASSWORDS[1],
            _ => FOUR_DIGITS,
        };
        record.value = value.as_bytes().to_vec();
    }
    VirtualCard::save_state(&state, path).unwrap();
}

#[test]
fn every_command_with_record_shows_no_pin_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows();
    for (i, row) in rows.iter().enumerate() {
        let recorded = dir.path().join(format!("{i}.trace"));
        let mut cmd = jpki();
        let source = match row.card {
            Card::Replay(trace_name) => {
                cmd.arg("--replay").arg(trace(trace_name));
                trace_name
            }
            Card::Virtual => {
                let state = dir.path().join(format!("{i}.state"));
                virtual_card_state(&state);
                cmd.arg("--virtual-card").arg(&state);
                "virtual card"
            }
        };
        let out = cmd
            .arg("--record")
            .arg(&recorded)
            .args(&row.args)
            .write_stdin(row.stdin.clone())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let label = format!("{source} {:?}", row.args);
        assert_eq!(
            out.status.code(),
            Some(row.exit),
            "{label}\nstdout: {stdout}\nstderr: {stderr}"
        );
        check(&label, &stdout);
        check(&label, &stderr);
        if let Ok(written) = std::fs::read_to_string(&recorded) {
            check(&label, &written);
        }
    }
    println!(
        "secrets: {} command lines scanned (stdout, stderr, trace)",
        rows.len()
    );
}
