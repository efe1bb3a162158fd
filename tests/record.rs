//! `--record` on every command: a command that sends something to a card writes what it sent,
//! and one that cannot record (it sends nothing) refuses the flag with exit code 2, before any
//! card is touched. The PC/SC side of the same rules is in e2e_pcscd.rs.

use crate::util::{recorded, replay_recorded, trace, Run};

#[test]
fn readers_and_doctor_record_their_probe() {
    for command in ["readers", "doctor"] {
        let (
            Run {
                code, stderr: err, ..
            },
            written,
        ) = replay_recorded(&trace("card/probe-my-number-card.trace"), &[command], "");
        assert_eq!(code, 0, "{command}: {err}");
        let trace = written.unwrap_or_else(|| panic!("`{command}` wrote no trace"));
        // The probe: SELECT JPKI AP, SELECT EF 00 06, READ BINARY 32.
        let sent: Vec<&str> = trace.lines().filter(|l| l.starts_with("> ")).collect();
        assert_eq!(sent.len(), 3, "{command}:\n{trace}");
        assert!(sent[0].starts_with("> 00 A4 04 0C 0A D3 92 F0"), "{trace}");
        assert!(sent[2].starts_with("> 00 B0 00 00 20"), "{trace}");
        assert!(trace.contains("@source"), "{trace}");
    }
}

#[test]
fn commands_that_talk_to_no_card_refuse_record() {
    for args in [
        &["completions", "bash"][..],
        &["--lang", "ja", "completions", "zsh"],
    ] {
        let (
            Run {
                code,
                stdout: out,
                stderr: err,
            },
            trace,
        ) = recorded(args, "");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("--record"), "{err}");
        assert!(trace.is_none(), "a trace was written for {args:?}");
    }
    let (Run { stderr: err, .. }, _) = recorded(&["completions", "bash"], "");
    assert!(err.contains("sends nothing to a card"), "{err}");
}
