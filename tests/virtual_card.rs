//! `jpki --virtual-card STATE`: the virtual card as a card source, its state kept across runs,
//! safely when runs share one state file (docs/virtual-card.md).

use crate::util::{
    english, jpki, json, on_virtual_card, outcome, started, state_line, vcard_init, vcard_tries,
    vcard_tries_of, Run, JPKI,
};
use std::path::Path;
use std::process::Child;
use std::time::Duration;

/// `jpki --virtual-card STATE ARGS`.
fn on(state: &Path, args: &[&str], stdin: &str) -> Run {
    on_virtual_card(state, args, stdin)
}

/// `jpki --virtual-card STATE ARGS`, started and left running, stdin fed and closed.
fn spawn(state: &Path, args: &[&str], stdin: &str) -> Child {
    started(
        english(JPKI).arg("--virtual-card").arg(state).args(args),
        stdin,
    )
}

fn finished(child: Child) -> Run {
    outcome(child.wait_with_output().unwrap())
}

/// Every entry of a folder, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn status_reads_the_state_file_and_readers_shows_the_virtual_reader() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, &["--profile", "under-15", "--tries", "kenhojo=1"]);
    assert_eq!(
        vcard_tries(&state),
        [
            ("sign".to_string(), None),
            ("auth".to_string(), Some(3)),
            ("juki".to_string(), Some(3)),
            ("kenhojo".to_string(), Some(1)),
        ]
    );
    let Run {
        code, stdout: out, ..
    } = on(&state, &["--json", "readers"], "");
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["readers"][0]["name"], "jpki Virtual Card 00 00");
    // A My Number card's ATR from pcsc-tools' list, not the 住基カード one.
    assert_eq!(v["readers"][0]["atr"], "3BC5FF8131FB458073C6010000");
    assert_eq!(v["readers"][0]["card_kind"], "my_number_card");
}

#[test]
fn plain_status_reads_the_rsa_test_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    let trace = dir.path().join("out.trace");
    vcard_init(&state, &[]);
    let Run { stdout: out, .. } = on(
        &state,
        &["--json", "--record", trace.to_str().unwrap(), "status"],
        "",
    )
    .assert_exit(0);
    let v = json(&out);
    assert_eq!(v["card_kind"], "my_number_card");
    assert_eq!(v["auth_certificate"]["not_after"], "2031-03-31");
    // The token is read whole, 32 bytes padded with spaces, and the 1.6 KB certificate takes
    // seven READ BINARY of 256 bytes after its 4-byte header, as a real card's does.
    let text = std::fs::read_to_string(&trace).unwrap();
    let answers: Vec<&str> = text.lines().filter(|l| l.starts_with('<')).collect();
    let token = "4A 50 4B 49 41 50 49 43 43 54 4F 4B 45 4E 32 20";
    assert!(answers.iter().any(|a| a.starts_with(&format!("< {token}"))));
    let reads = text.lines().filter(|l| l.starts_with("> 00 B0")).count();
    assert_eq!(reads, 1 + 1 + 7, "{text}");
}

#[test]
fn recording_over_the_virtual_card_is_labelled_simulator_and_replays_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    let trace = dir.path().join("out.trace");
    vcard_init(&state, &["--tries", "auth=2"]);
    let Run { stdout: live, .. } = on(
        &state,
        &["--record", trace.to_str().unwrap(), "status", "--pins-only"],
        "",
    )
    .assert_exit(0);
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.starts_with("@source simulator\n"), "{text}");
    let replayed = jpki()
        .arg("--replay")
        .arg(&trace)
        .args(["status", "--pins-only"])
        .output()
        .unwrap();
    assert!(replayed.status.success());
    assert_eq!(String::from_utf8_lossy(&replayed.stdout), live);
}

#[test]
fn a_bad_state_file_names_its_line_and_exits_11() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    std::fs::write(&state, "applications jpki\npin auth 12 3\n").unwrap();
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = on(&state, &["status"], "");
    assert_eq!(code, 11, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("card.state:2"), "{err}");
    assert!(err.contains("4 digits"), "{err}");
    // `readers` opens the state file itself: the same failure, the same code.
    let Run {
        code, stderr: err, ..
    } = on(&state, &["readers"], "");
    assert_eq!(code, 11, "{err}");
    assert!(err.contains("card.state:2"), "{err}");
    let Run { stderr: err, .. } =
        on(&dir.path().join("missing.state"), &["status"], "").assert_exit(11);
    assert!(err.contains("missing.state"), "{err}");
}

#[test]
fn a_device_as_state_file_ends_at_once_with_exit_11() {
    for device in ["/dev/zero", "/dev/urandom"] {
        if !Path::new(device).exists() {
            continue; // not a Unix system: nothing to read endlessly
        }
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = on(Path::new(device), &["status"], "");
        assert_eq!(code, 11, "{device}: {err}");
        assert!(out.is_empty());
        assert!(err.contains("not a regular file"), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.state");
    std::fs::write(&big, vec![b'#'; 2 << 20]).unwrap();
    on(&big, &["status"], "")
        .assert_exit(11)
        .assert_stderr_contains("larger than");
}

#[test]
fn a_virtual_card_and_a_replay_cannot_both_be_the_card() {
    let out = jpki()
        .args(["--virtual-card", "a.state", "--replay", "b.trace", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_change_made_by_one_run_is_seen_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, &["--tries", "kenhojo=2"]);
    let Run {
        code, stderr: err, ..
    } = on(
        &state,
        &["change-pin", "--stdin", "kenhojo"],
        "1234\n2468\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(vcard_tries_of(&state, "kenhojo"), Some(3));
    assert_eq!(state_line(&state, "pin kenhojo"), "pin kenhojo 2468 3");
    // The old PIN is wrong now: one try spent, exit 13.
    on(
        &state,
        &["change-pin", "--stdin", "kenhojo"],
        "1234\n1357\n",
    )
    .assert_exit(13);
    assert_eq!(vcard_tries_of(&state, "kenhojo"), Some(2));
}

#[test]
fn an_old_state_file_with_one_juki_line_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("old.state");
    let mut old = String::from(
        "applications jpki juki kenhojo\npin sign ABC123 5\npin auth 1234 3\n\
         pin juki 1234 1\npin kenhojo 1234 3\nlocked-probe 63C0\nauth-certificate ",
    );
    let der = jpki_vcard::TEST_AUTH_CERTIFICATE;
    old.push_str(&der.iter().map(|b| format!("{b:02X}")).collect::<String>());
    old.push('\n');
    std::fs::write(&state, &old).unwrap();
    assert_eq!(vcard_tries_of(&state, "juki"), Some(1));
    // Read, not rewritten: nothing changed.
    assert_eq!(std::fs::read_to_string(&state).unwrap(), old);
}

#[test]
fn forty_parallel_status_runs_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, &["--tries", "sign=4"]);
    let before = std::fs::read_to_string(&state).unwrap();
    let runs: Vec<Child> = (0..40)
        .map(|_| spawn(&state, &["--json", "status", "--pins-only"], ""))
        .collect();
    for run in runs {
        let Run { stdout: out, .. } = finished(run).assert_exit(0);
        assert_eq!(json(&out)["pins"][0]["tries_left"], 4, "{out}");
    }
    assert_eq!(std::fs::read_to_string(&state).unwrap(), before);
    assert_eq!(names(dir.path()), ["card.state"]);
}

#[test]
fn parallel_changes_of_different_pins_all_land() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("card.state");
        vcard_init(&state, &[]);
        let runs = [
            spawn(&state, &["change-pin", "--stdin", "auth"], "1234\n1111\n"),
            spawn(
                &state,
                &["change-pin", "--stdin", "kenhojo"],
                "1234\n2222\n",
            ),
            spawn(
                &state,
                &["change-pin", "--stdin", "sign"],
                "ABC123\nXYZ789\n",
            ),
        ];
        for run in runs {
            let Run { stdout: out, .. } =
                finished(run).assert_exit_for(0, format_args!("round {round}"));
            assert!(out.contains("changed"), "{out}");
        }
        assert_eq!(state_line(&state, "pin auth"), "pin auth 1111 3");
        assert_eq!(state_line(&state, "pin kenhojo"), "pin kenhojo 2222 3");
        assert_eq!(state_line(&state, "pin sign"), "pin sign XYZ789 5");
    }
}

/// A run holds the card from its first command to its last: another run waits for it, then
/// sees every try it spent. Nothing spent meanwhile is refunded, nothing is lost.
#[test]
fn a_run_holding_the_card_makes_the_next_wait_and_loses_nothing() {
    use jpki_card::apdu::{Command as Apdu, Response, StatusWord};
    use jpki_card::card::{Application, PinKind};
    use jpki_vcard::VirtualCard;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, &[]);
    let mut holder = VirtualCard::open(&state).unwrap();
    let waiting = spawn(&state, &["change-pin", "--stdin", "auth"], "9999\n1111\n");
    std::thread::sleep(Duration::from_millis(300));
    let mut send = |c: &[u8]| Response::parse(&holder.respond(c)).unwrap().sw;
    send(&Apdu::select_application(Application::Kenhojo.aid()).to_bytes());
    send(&Apdu::select_file(PinKind::Kenhojo.ef()).to_bytes());
    // A wrong VERIFY, as another program sends it to the card.
    let verify = [0x00, 0x20, 0x00, 0x80, 0x04, b'0', b'0', b'0', b'0'];
    assert_eq!(send(&verify), StatusWord::TriesLeft(2));
    assert_eq!(state_line(&state, "pin kenhojo"), "pin kenhojo 1234 2");
    // The other run is still waiting: it has touched nothing.
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 3");
    drop(holder);
    finished(waiting).assert_exit(13);
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 2");
    assert_eq!(state_line(&state, "pin kenhojo"), "pin kenhojo 1234 2");
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_beside_the_state_file_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me\n").unwrap();
    vcard_init(&state, &[]);
    for planted in ["card.state.partial", ".card.state.tmp", "card.state.tmp"] {
        std::os::unix::fs::symlink(&precious, dir.path().join(planted)).unwrap();
    }
    let Run {
        code, stderr: err, ..
    } = on(&state, &["status"], "");
    assert_eq!(code, 0, "{err}");
    on(&state, &["change-pin", "--stdin", "auth"], "1234\n5678\n").assert_exit(0);
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
    assert_eq!(state_line(&state, "pin auth"), "pin auth 5678 3");
    assert_eq!(
        names(dir.path()),
        [
            ".card.state.tmp",
            "card.state",
            "card.state.partial",
            "card.state.tmp",
            "precious.txt"
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_state_file_keeps_its_link_and_its_target_changes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("cards").join("real.state");
    std::fs::create_dir(target.parent().unwrap()).unwrap();
    vcard_init(&target, &[]);
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o604)).unwrap();
    let link = dir.path().join("card.state");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    on(&link, &["change-pin", "--stdin", "kenhojo"], "1234\n8642\n").assert_exit(0);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(state_line(&target, "pin kenhojo"), "pin kenhojo 8642 3");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o604);
}

/// Reading a card writes nothing: the file keeps its inode and time, and no other file appears.
/// Where the folder's mode binds (not as root), status also works in a read-only folder.
#[cfg(unix)]
#[test]
fn status_writes_nothing_and_works_in_a_read_only_folder() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cards");
    std::fs::create_dir(&folder).unwrap();
    let state = folder.join("card.state");
    vcard_init(&state, &["--tries", "juki=2"]);
    let before = std::fs::metadata(&state).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = on(&state, &["--json", "status"], "");
    let Run {
        code: readers_code,
        stderr: readers_err,
        ..
    } = on(&state, &["readers"], "");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["pins"][2]["tries_left"], 2);
    assert_eq!(readers_code, 0, "{readers_err}");
    let after = std::fs::metadata(&state).unwrap();
    assert_eq!((before.ino(), before.mtime()), (after.ino(), after.mtime()));
    assert_eq!(names(&folder), ["card.state"]);
}

/// A change that cannot be saved is not reported as made: the card answers 65 81 (memory
/// failure), the change report says the PIN is unchanged, and the file still holds the old PIN.
/// The folder is taken away under the open card: as root, a read-only folder would not stop it.
#[test]
fn a_change_that_cannot_be_saved_is_reported_unchanged() {
    use jpki_card::card::{change_pins, ChangeTargets, Outcome, PinChange, PinKind};
    use jpki_card::transport::Reader;
    use jpki_vcard::VirtualCard;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cards");
    std::fs::create_dir(&folder).unwrap();
    let state = folder.join("card.state");
    vcard_init(&state, &[]);
    let mut card = VirtualCard::open(&state).unwrap();
    let moved = dir.path().join("moved");
    std::fs::rename(&folder, &moved).unwrap();
    let targets = ChangeTargets::new(&[PinKind::Kenhojo]).unwrap();
    let change = PinChange::new(&targets, "1234", "5678").unwrap();
    let report = change_pins(
        &mut card,
        &change,
        crate::util::last_try(false),
        crate::util::EVERY_EXPERIMENT,
    );
    assert_eq!(
        report.outcomes[0].outcome,
        Outcome::NotChanged,
        "{report:?}"
    );
    let error = report
        .error
        .expect("the refusal is the run's error")
        .to_string();
    assert!(
        error.contains("65 81") && error.contains("unchanged"),
        "{error}"
    );
    assert!(card.finish().is_err());
    drop(card);
    assert_eq!(
        state_line(&moved.join("card.state"), "pin kenhojo"),
        "pin kenhojo 1234 3"
    );
}

/// A program that uses only the library's public API cannot spend a try past the guard: the
/// three raw VERIFYs that would lock the auth PIN are refused before they reach the card, and
/// the card's counter is where it was.
#[test]
fn a_program_using_the_library_cannot_send_a_raw_verify() {
    use jpki_card::apdu::{Command, Outgoing, Response, StatusWord, UnguardedPin};
    use jpki_card::card::{read_pin_statuses, Application, PinKind, RetryCounter};
    use jpki_card::transport::Reader;
    use jpki_vcard::VirtualCard;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, &[]);
    let mut card = VirtualCard::open(&state).unwrap();
    {
        let mut t = card.transaction().unwrap();
        for command in [
            Command::select_application(Application::Jpki.aid()),
            Command::select_file(PinKind::Auth.ef()),
        ] {
            let bytes = command.to_bytes();
            let answer = t.transmit(Outgoing::new(&bytes).unwrap()).unwrap();
            assert_eq!(Response::parse(&answer).unwrap().sw, StatusWord::Success);
        }
        // VERIFY, CHANGE REFERENCE DATA, CHANGE KEY and RESET RETRY COUNTER, by hand, in any
        // class: none can be made into something a transaction sends.
        let wrong = [b'0', b'0', b'0', b'0'];
        for header in [
            [0x00, 0x20, 0x00, 0x80],
            [0x00, 0x20, 0x00, 0x80],
            [0x00, 0x20, 0x00, 0x80],
            [0x0C, 0x20, 0x00, 0x80],
            [0x00, 0x24, 0x01, 0x80],
            [0x80, 0x32, 0x00, 0x80],
            [0x00, 0x2C, 0x00, 0x80],
        ] {
            let bytes = [&header[..], &[0x04], &wrong[..]].concat();
            assert_eq!(
                Outgoing::new(&bytes).unwrap_err(),
                UnguardedPin { ins: header[1] }
            );
            assert!(Outgoing::try_from(&bytes[..]).is_err());
        }
        t.end().unwrap();
    }
    let statuses = read_pin_statuses(&mut card).unwrap();
    let auth = statuses.iter().find(|s| s.kind == PinKind::Auth).unwrap();
    assert_eq!(auth.keys[0].counter, RetryCounter::Remaining(3));
    drop(card);
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 3");
}
