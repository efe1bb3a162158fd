//! Text from outside jpki never reaches the terminal raw: a card's token name, a real PC/SC
//! reader's name (any bytes its driver configuration holds), arguments the user typed. Human
//! output shows their control characters (ESC, BEL, C1 such as CSI U+009B, DEL) and
//! bidirectional controls as escapes; JSON writes them as `\u` escapes.
//!
//! The reader-name test runs a pcscd of its own, on a private socket, with a vpcd reader whose
//! FRIENDLYNAME holds a window-title sequence, a screen clear and a C1 CSI. It needs the Debian
//! packages pcscd and vsmartcard-vpcd, so it is `#[ignore]`d unless asked for, like the other
//! end-to-end tests (`cargo test -- --include-ignored`; CI does, under the machine-wide lock).

use crate::util::{jpki, json, replay_text, trace_text, Run};

/// Every character a terminal may act on: C0, DEL, C1, bidirectional and line separators.
fn acts_on_terminal(c: char) -> bool {
    jpki_card::text::is_unprintable(c) && c != '\n'
}

fn assert_inert(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|c| acts_on_terminal(*c)) {
        panic!("{what} holds {c:?} raw:\n{text:?}");
    }
}

/// `bytes` as a trace writes an answer: spaced upper-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bundled unknown-token trace with its token answered by `token` (padded to 32 bytes).
fn trace_with_token(token: &[u8]) -> String {
    let mut padded = token.to_vec();
    padded.resize(32, b' ');
    trace_text("card/unknown-token.trace")
        .lines()
        .map(|line| {
            if line.starts_with("< 53 4F 4D 45") {
                format!("< {} 90 00\n", hex(&padded))
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

#[test]
fn a_token_name_from_the_card_is_shown_escaped() {
    // A title-setting sequence, a bidirectional override and DEL, in the card's own answer.
    let token = b"Evil\x1b]0;pwned\x07\xe2\x80\xaeX\x7f";
    let trace = trace_with_token(token);
    for lang in ["en", "ja"] {
        let Run { stdout, .. } =
            replay_text(&trace, &["--lang", lang, "status"], "").assert_exit(0);
        assert_inert("status", &stdout);
        assert!(stdout.contains("\\u{202e}X"), "{stdout}");
    }
    let Run { stdout, .. } = replay_text(&trace, &["--json", "status"], "");
    assert_inert("status --json", &stdout);
    let token = json(&stdout)["token"].as_str().unwrap().to_string();
    assert!(
        token.contains('\u{202e}'),
        "JSON keeps the value: {token:?}"
    );
}

#[test]
fn arguments_the_user_typed_are_echoed_escaped() {
    for args in [
        &["\u{1b}]0;pwned\u{7}\u{9b}2J"][..],
        &["status", "--\u{1b}[2J"],
        &["--reader", "x", "change-pin", "\u{202e}nigol"],
        &["--lang", "ja", "\u{1b}]0;pwned\u{7}"],
    ] {
        let out = jpki().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_inert("a usage error", &stderr);
        assert!(
            stderr.contains("\\x1b") || stderr.contains("\\u{202e}"),
            "{stderr}"
        );
    }
}

// ---- a real PC/SC reader whose name holds terminal controls ----

/// The reader's FRIENDLYNAME: a window title, a screen clear, a C1 CSI in UTF-8, a bidi override.
const HOSTILE_NAME: &str = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}Reader";

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd; run with --include-ignored"]
fn a_reader_name_with_terminal_controls_is_shown_escaped_everywhere() {
    let _one = crate::util::one_pcscd();
    let pcscd = crate::util::Pcscd::start(HOSTILE_NAME);
    let escaped = "Evil\\x1b]0;pwned\\x07\\x1b[2J\\u{9b}31m\\u{202e}Reader 00 00";
    for lang in ["en", "ja"] {
        let with_lang = |args: &[&str]| {
            let mut all = vec!["--lang", lang];
            all.extend_from_slice(args);
            pcscd.jpki(&all)
        };
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = with_lang(&["readers"]);
        assert_eq!(code, 0, "{err}");
        assert_inert("readers", &out);
        assert!(out.contains(escaped), "{out}");
        let Run {
            stdout: out,
            stderr: err,
            ..
        } = with_lang(&["doctor"]);
        assert_inert("doctor", &out);
        assert_inert("doctor's stderr", &err);
        assert!(out.contains(escaped), "{out}");
        // No card: the reader is named in the error.
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = with_lang(&["status"]);
        assert_eq!(code, 7, "{out}{err}");
        assert_inert("status's error", &err);
        // A --reader that matches nothing lists the readers there are.
        let Run {
            code, stderr: err, ..
        } = with_lang(&["--reader", "nothing\u{1b}[2J", "status"]);
        assert_eq!(code, 6, "{err}");
        assert_inert("the reader-choice error", &err);
        assert!(err.contains(escaped), "{err}");
        assert!(err.contains("nothing\\x1b[2J"), "{err}");
        // By its index, the reader is chosen and named.
        let Run {
            code, stderr: err, ..
        } = with_lang(&["--reader", "0", "status"]);
        assert_eq!(code, 7, "{err}");
        assert_inert("the no-card error", &err);
    }
    // JSON keeps the name as it is, every control as a \u escape.
    let Run {
        code, stdout: out, ..
    } = pcscd.jpki(&["--json", "readers"]);
    assert_eq!(code, 0);
    assert_inert("readers --json", &out);
    let name = json(&out)["readers"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(name, format!("{HOSTILE_NAME} 00 00"));
}
