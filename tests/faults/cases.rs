//! The commands run under faults, one `Case` each: a base trace of the happy exchange, the
//! command line, the expectation function, and what whole output looks like.

use super::injection::Fault;
use super::model::{Case, Outcome};
use super::oracle::{
    change_pin_outcome, doctor_outcome, plain_status_outcome, readers_json_outcome,
    readers_text_outcome, status_outcome, verify_pin_outcome,
};
use jpki_card::transport::trace::Exchange;
use serde_json::Value;

/// The row labels of the four PINs in `status`'s table, English and Japanese.
pub(super) const PIN_ROWS: [(&str, &str); 4] = [
    ("Signature password (sign)", "署名用電子証明書のパスワード"),
    (
        "User authentication PIN (auth)",
        "利用者証明用電子証明書の暗証番号",
    ),
    ("Resident registry PIN (juki)", "住民基本台帳用暗証番号"),
    (
        "Card info input support PIN (kenhojo)",
        "券面事項入力補助用暗証番号",
    ),
];

/// `status` prints the reader (plain status: the card kind and the certificate too), a header
/// and one row per PIN with its tries (`n/m`, or `-`), then advice when a PIN needs it; or one
/// JSON object with four PINs.
pub(super) fn status_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        return serde_json::from_str::<serde_json::Value>(stdout)
            .is_ok_and(|v| v["pins"].as_array().is_some_and(|p| p.len() == 4));
    }
    PIN_ROWS.iter().all(|(en, ja)| {
        let rows: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with(en) || l.starts_with(ja))
            .collect();
        rows.len() == 1 && (rows[0].contains('/') || rows[0].contains(" - "))
    })
}

/// `readers` prints one row per reader (a replay is one reader), or one JSON object listing
/// them.
pub(super) fn readers_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        return serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["readers"].as_array().is_some_and(|r| r.len() == 1));
    }
    let lines: Vec<&str> = stdout.lines().collect();
    lines.len() == 1 && lines[0].starts_with("0  ") && lines[0].ends_with("card present")
}

/// `doctor` prints one line per check (OK, or FAIL and its fix on the next line), or one JSON
/// object with `ok` and the checks.
pub(super) fn doctor_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        return serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["ok"].is_boolean() && v["checks"].as_array().is_some());
    }
    let lines: Vec<&str> = stdout.lines().collect();
    lines.len() >= 4
        && lines.iter().all(|l| {
            ["OK    ", "FAIL  ", "      → ", "NOTE  "]
                .iter()
                .any(|p| l.starts_with(p))
        })
}

/// The JSON object a command prints when it fails before it has a report (docs/json.md).
pub(super) fn failure_object(stdout: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(stdout)
        .is_ok_and(|v| v["schema_version"] == 1 && v["error"].is_object() && v["pins"].is_null())
}

/// The `status --pins-only` cases: (name, trace, command line).
const STATUS: &[(&str, &str, &[&str])] = &[
    (
        "status --pins-only",
        "status/fresh.trace",
        &["status", "--pins-only"],
    ),
    (
        "status --pins-only, ja",
        "status/fresh.trace",
        &["--lang", "ja", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json",
        "status/fresh.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, tries used",
        "status/some-tries-used.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, locked 69 83",
        "status/locked-6983.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, neither juki application",
        "status/no-juki-application.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, no kenhojo application",
        "status/no-kenhojo-application.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, sign not issued",
        "status/sign-not-issued.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, juki counters differ",
        "status/juki-counters-differ.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, no 住基 AP",
        "status/no-juki-ap.trace",
        &["--json", "status", "--pins-only"],
    ),
    (
        "status --pins-only --json, no 共通 AP",
        "status/no-common-ap.trace",
        &["--json", "status", "--pins-only"],
    ),
];

/// Plain status: the token and the auth certificate are read before the counters. (name,
/// command line), over card/my-number-card.trace.
const PLAIN_STATUS: &[(&str, &[&str])] = &[
    // Plain status: the token and the auth certificate are read before the counters.
    ("status", &["status"]),
    ("status --json", &["--json", "status"]),
];

/// A check outcome of a run.
type Expect = fn(&[Exchange], usize, &Fault) -> Outcome;
/// Whether a run's stdout is whole.
type ValidOutput = fn(&[&str], &str) -> bool;

/// The probes, over card/probe-my-number-card.trace: (name, command line, outcome, output).
const PROBES: &[(&str, &[&str], Expect, ValidOutput)] = &[
    (
        "readers",
        &["readers"],
        readers_text_outcome,
        readers_output,
    ),
    (
        "readers --json",
        &["--json", "readers"],
        readers_json_outcome,
        readers_output,
    ),
    ("doctor", &["doctor"], doctor_outcome, doctor_output),
    (
        "doctor --json",
        &["--json", "doctor"],
        doctor_outcome,
        doctor_output,
    ),
];

/// The PIN commands' cases: (name, trace, command line, stdin, the PINs that may not show).
type PinRow = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
);

/// The `change-pin` cases.
const CHANGES: &[PinRow] = &[
    // Both 8 characters: the trace's VERIFY and CHANGE carry Lc 08.
    (
        "change-pin sign",
        "change-pin/success-sign.trace",
        &["--json", "change-pin", "--stdin", "sign"],
        "kq7zx93w\npz5nq2vh\n",
        &["kq7zx93w", "KQ7ZX93W", "pz5nq2vh", "PZ5NQ2VH"],
    ),
    (
        "change-pin auth",
        "change-pin/success-auth.trace",
        &["--json", "change-pin", "--stdin", "auth"],
        FOUR_DIGIT_STDIN,
        FOUR_DIGIT_PINS,
    ),
    (
        "change-pin juki",
        "change-pin/success-juki.trace",
        &["--json", "change-pin", "--stdin", "--experimental", "juki"],
        FOUR_DIGIT_STDIN,
        FOUR_DIGIT_PINS,
    ),
    (
        "change-pin juki, text",
        "change-pin/success-juki.trace",
        &["change-pin", "--stdin", "--experimental", "juki"],
        FOUR_DIGIT_STDIN,
        FOUR_DIGIT_PINS,
    ),
    (
        "change-pin kenhojo",
        "change-pin/success-kenhojo.trace",
        &["--json", "change-pin", "--stdin", "kenhojo"],
        FOUR_DIGIT_STDIN,
        FOUR_DIGIT_PINS,
    ),
    (
        "change-pin juki kenhojo auth",
        "change-pin/juki-kenhojo-auth.trace",
        &[
            "--json",
            "change-pin",
            "--stdin",
            "--experimental",
            "juki",
            "kenhojo",
            "auth",
        ],
        FOUR_DIGIT_STDIN,
        FOUR_DIGIT_PINS,
    ),
    (
        "change-pin juki kenhojo auth, text",
        "change-pin/juki-kenhojo-auth.trace",
        &[
            "change-pin",
            "--stdin",
            "--experimental",
            "juki",
            "kenhojo",
            "auth",
        ],
        FOUR_DIGIT_STDIN,
        FOUR_DIGIT_PINS,
    ),
];

/// The `verify-pin` cases.
const VERIFIES: &[PinRow] = &[
    (
        "verify-pin auth",
        "verify-pin/success-auth.trace",
        &["--json", "verify-pin", "--stdin", "auth"],
        "4821\n",
        FOUR_DIGIT_PINS,
    ),
    (
        "verify-pin auth, text",
        "verify-pin/success-auth.trace",
        &["verify-pin", "--stdin", "auth"],
        "4821\n",
        FOUR_DIGIT_PINS,
    ),
    (
        "verify-pin sign",
        "verify-pin/success-sign.trace",
        &["--json", "verify-pin", "--stdin", "sign"],
        "kq7zx93w\n",
        &["kq7zx93w", "KQ7ZX93W"],
    ),
    (
        "verify-pin juki",
        "verify-pin/success-juki.trace",
        &["--json", "verify-pin", "--stdin", "--experimental", "juki"],
        "4821\n",
        FOUR_DIGIT_PINS,
    ),
    (
        "verify-pin juki, text",
        "verify-pin/success-juki.trace",
        &["verify-pin", "--stdin", "--experimental", "juki"],
        "4821\n",
        FOUR_DIGIT_PINS,
    ),
];

pub(super) fn cases() -> Vec<Case> {
    let status = |name, trace, args| Case {
        name,
        trace,
        args,
        stdin: None,
        pins: &[],
        expect: status_outcome,
        valid_output: status_output,
        faults: Fault::catalogue,
        reports_on_stdout: false,
    };
    let plain_status = |name, args| Case {
        expect: plain_status_outcome,
        ..status(name, "card/my-number-card.trace", args)
    };
    let probe = |name, args, expect, valid_output| Case {
        name,
        trace: "card/probe-my-number-card.trace",
        args,
        stdin: None,
        pins: &[],
        expect,
        valid_output,
        faults: Fault::catalogue,
        reports_on_stdout: true,
    };
    let change = |name, trace, args, stdin, pins| Case {
        name,
        trace,
        args,
        stdin: Some(stdin),
        pins,
        expect: change_pin_outcome,
        valid_output: change_pin_output,
        faults: change_pin_faults,
        reports_on_stdout: false,
    };
    let verify = |name, trace, args, stdin, pins| Case {
        name,
        trace,
        args,
        stdin: Some(stdin),
        pins,
        expect: verify_pin_outcome,
        valid_output: verify_pin_output,
        faults: change_pin_faults,
        reports_on_stdout: false,
    };
    let mut cases: Vec<Case> = STATUS
        .iter()
        .map(|&(name, trace, args)| status(name, trace, args))
        .collect();
    cases.extend(
        PLAIN_STATUS
            .iter()
            .map(|&(name, args)| plain_status(name, args)),
    );
    cases.extend(
        PROBES
            .iter()
            .map(|&(name, args, expect, valid_output)| probe(name, args, expect, valid_output)),
    );
    cases.extend(
        CHANGES
            .iter()
            .map(|&(name, trace, args, stdin, pins)| change(name, trace, args, stdin, pins)),
    );
    cases.extend(
        VERIFIES
            .iter()
            .map(|&(name, trace, args, stdin, pins)| verify(name, trace, args, stdin, pins)),
    );
    cases
}

/// The 4-digit PINs of the change-pin cases, current then new: values used nowhere else.
pub(super) const FOUR_DIGIT_STDIN: &str = "4821\n7390\n";
pub(super) const FOUR_DIGIT_PINS: &[&str] = &["4821", "7390"];

/// `change-pin` prints one line per PIN named (a partly changed one followed by a line per key
/// reference), or one JSON object with an entry per PIN.
pub(super) fn change_pin_output(args: &[&str], stdout: &str) -> bool {
    let named = args
        .iter()
        .filter(|a| ["sign", "auth", "juki", "kenhojo"].contains(a))
        .count();
    if args.contains(&"--json") {
        serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["pins"].as_array().is_some_and(|p| p.len() == named))
    } else {
        // The PINs' lines, before the advice that may follow an empty line.
        let lines: Vec<&str> = stdout.lines().take_while(|l| !l.is_empty()).collect();
        let pins = lines.iter().filter(|l| !l.starts_with("  ")).count();
        pins == named && lines.iter().all(|l| l.contains(": "))
    }
}

/// `verify-pin` prints the PIN's line first (then its key references, then advice), or one
/// JSON object with one entry.
pub(super) fn verify_pin_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["pins"].as_array().is_some_and(|p| p.len() == 1))
    } else {
        stdout
            .lines()
            .next()
            .is_some_and(|l| l.contains(": ") && !l.starts_with(' '))
    }
}

/// The catalogue, plus the counter answers the guard acts on and a wrong-PIN answer, so the
/// rules for 13, 14 and 15 are exercised at every step too.
pub(super) fn change_pin_faults() -> Vec<Fault> {
    let mut faults = Fault::catalogue();
    faults.extend([0x63C0, 0x6983, 0x6984, 0x63C1, 0x63C2].map(Fault::status));
    faults
}
