//! docs/json.md is the one description of every `--json` object; this test reads its tables and
//! checks the real output of every command against them, in many states: each key listed is
//! there with a value of its type (`null` only where the type says "or null"), no other key is,
//! `schema_version` and `command` come first, and every table is met by some real output.

use crate::util::repository_file;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One key of a documented object.
#[derive(Debug, Clone)]
struct Field {
    /// `integer`, `string`, `boolean`, `object`, `array`, `array of string`.
    kind: String,
    nullable: bool,
    /// For `object` and `array` (of objects): the table describing it.
    table: Option<String>,
}

/// Every table of docs/json.md: its name (`status.pins[]`) and its keys, in order.
fn tables() -> BTreeMap<String, Vec<(String, Field)>> {
    let text = repository_file("docs/json.md");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("### `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            current = Some(name.to_string());
            tables.insert(name.to_string(), Vec::new());
            continue;
        }
        let Some(table) = &current else { continue };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `key` | type | meaning |
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let key = cells[1].trim_matches('`').to_string();
        let type_cell = cells[2];
        let (base, nullable) = match type_cell.strip_suffix(" or null") {
            Some(base) => (base, true),
            None => (type_cell, false),
        };
        let named = base.split('`').nth(1).map(str::to_string);
        let kind = base.split(" (").next().unwrap().trim().to_string();
        let table_name = match kind.as_str() {
            "object" => Some(named.unwrap_or_else(|| format!("{table}.{key}"))),
            "array" => Some(named.unwrap_or_else(|| format!("{table}.{key}[]"))),
            _ => None,
        };
        assert!(
            [
                "integer",
                "string",
                "boolean",
                "object",
                "array",
                "array of string"
            ]
            .contains(&kind.as_str()),
            "docs/json.md, table {table}: unknown type {type_cell:?} for {key}"
        );
        tables.get_mut(table).unwrap().push((
            key,
            Field {
                kind,
                nullable,
                table: table_name,
            },
        ));
    }
    tables
}

/// Check `value` against table `name`; note every table met in `seen`.
fn check(
    tables: &BTreeMap<String, Vec<(String, Field)>>,
    name: &str,
    value: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
) {
    let fields = tables
        .get(name)
        .unwrap_or_else(|| panic!("docs/json.md has no table `{name}` (at {at})"));
    seen.insert(name.to_string());
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{at}: not an object: {value}"));
    let documented: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    let actual: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut sorted_doc = documented.clone();
    sorted_doc.sort_unstable();
    let mut sorted_actual = actual.clone();
    sorted_actual.sort_unstable();
    assert_eq!(
        sorted_actual, sorted_doc,
        "{at}: the keys differ from docs/json.md's table `{name}`\n{value}"
    );
    if documented.first() == Some(&"schema_version") {
        assert_eq!(&actual[..2], ["schema_version", "command"], "{at}: {value}");
        assert_eq!(object["schema_version"], 1, "{at}");
    }
    for (key, field) in fields {
        let v = &object[key.as_str()];
        let here = format!("{at}.{key}");
        if v.is_null() {
            assert!(
                field.nullable,
                "{here} is null, which docs/json.md does not allow"
            );
            continue;
        }
        match field.kind.as_str() {
            "integer" => assert!(v.is_i64() || v.is_u64(), "{here}: not an integer: {v}"),
            "string" => assert!(v.is_string(), "{here}: not a string: {v}"),
            "boolean" => assert!(v.is_boolean(), "{here}: not a boolean: {v}"),
            "array of string" => {
                let items = v
                    .as_array()
                    .unwrap_or_else(|| panic!("{here}: not an array"));
                assert!(items.iter().all(Value::is_string), "{here}: {v}");
            }
            "object" => check(tables, field.table.as_ref().unwrap(), v, &here, seen),
            "array" => {
                let items = v
                    .as_array()
                    .unwrap_or_else(|| panic!("{here}: not an array"));
                for (i, item) in items.iter().enumerate() {
                    let table = field.table.as_ref().unwrap();
                    check(tables, table, item, &format!("{here}[{i}]"), seen);
                }
            }
            other => unreachable!("{other}"),
        }
    }
}

/// Run jpki with `args` (and `stdin`), on a full disk when `full_disk`; its stdout as the one
/// JSON object it must be.
fn object(args: &[&str], stdin: &str, full_disk: bool) -> Value {
    let out = if full_disk {
        crate::util::on_full_disk(args, stdin)
    } else {
        crate::util::run(
            crate::util::jpki()
                .args(args)
                .write_stdin(stdin.to_string()),
        )
    };
    assert_eq!(
        out.stdout.lines().count(),
        1,
        "{args:?}: not one line of JSON:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    crate::util::json(&out.stdout)
}

fn trace(name: &str) -> String {
    crate::util::trace(name).to_str().unwrap().to_string()
}

/// Where a run's card is: a bundled trace (`--replay`), the test's virtual card
/// (`--virtual-card`), or whatever the arguments name; or a bundled trace replayed with
/// `--record` on a full disk, where the trace cannot be written (a warning).
#[derive(Clone, Copy)]
enum Card {
    Trace(&'static str),
    Virtual,
    Named,
    FullDisk(&'static str),
}

/// A current and a new 4-digit PIN, a current and a new password, and one 4-digit PIN.
const FOUR: &str = "4827\n6391\n";
const EIGHT: &str = "ABCD1234\nWXYZ9876\n";
const ONE: &str = "4827\n";

/// The runs whose JSON is checked: (the table the output is, the card, the arguments after
/// it, stdin).
const RUNS: &[(&str, Card, &[&str], &str)] = &[
    (
        "status",
        Card::Trace("status/fresh.trace"),
        &["status", "--pins-only"],
        "",
    ),
    (
        "status",
        Card::Trace("status/juki-counters-differ.trace"),
        &["status", "--pins-only"],
        "",
    ),
    (
        "status",
        Card::Trace("status/unexpected-answer.trace"),
        &["status", "--pins-only"],
        "",
    ),
    (
        "status",
        Card::Trace("guidance/last-tries.trace"),
        &["status"],
        "",
    ),
    (
        "status",
        Card::Trace("card/my-number-card.trace"),
        &["status"],
        "",
    ),
    (
        "status",
        Card::Trace("card/no-token-no-certificate.trace"),
        &["status"],
        "",
    ),
    ("status", Card::Virtual, &["status"], ""),
    (
        "status",
        Card::FullDisk("status/fresh.trace"),
        &["status", "--pins-only"],
        "",
    ),
    (
        "readers",
        Card::Trace("card/probe-my-number-card.trace"),
        &["readers"],
        "",
    ),
    (
        "readers",
        Card::Trace("card/probe-not-my-number-card.trace"),
        &["readers"],
        "",
    ),
    ("readers", Card::Virtual, &["readers"], ""),
    (
        "readers",
        Card::FullDisk("card/probe-my-number-card.trace"),
        &["readers"],
        "",
    ),
    (
        "doctor",
        Card::FullDisk("card/probe-my-number-card.trace"),
        &["doctor"],
        "",
    ),
    (
        "doctor",
        Card::Trace("card/probe-my-number-card.trace"),
        &["doctor"],
        "",
    ),
    (
        "doctor",
        Card::Trace("card/probe-not-my-number-card.trace"),
        &["doctor"],
        "",
    ),
    (
        "change-pin",
        Card::Trace("change-pin/success-auth.trace"),
        &["change-pin", "--stdin", "auth"],
        FOUR,
    ),
    (
        "change-pin",
        Card::Trace("change-pin/success-sign.trace"),
        &["change-pin", "--stdin", "sign"],
        EIGHT,
    ),
    (
        "change-pin",
        Card::Trace("change-pin/wrong-current-pin.trace"),
        &["change-pin", "--stdin", "auth"],
        FOUR,
    ),
    (
        "change-pin",
        Card::FullDisk("change-pin/success-auth.trace"),
        &["change-pin", "--stdin", "auth"],
        FOUR,
    ),
    (
        "change-pin",
        Card::Trace("change-pin/locked.trace"),
        &["change-pin", "--stdin", "--experimental", "juki"],
        FOUR,
    ),
    (
        "change-pin",
        Card::Trace("change-pin/juki-change-key-refused.trace"),
        &["change-pin", "--stdin", "--experimental", "juki"],
        FOUR,
    ),
    (
        "change-pin",
        Card::Trace("change-pin/juki-kenhojo-auth.trace"),
        &[
            "change-pin",
            "--stdin",
            "--experimental",
            "juki",
            "kenhojo",
            "auth",
        ],
        FOUR,
    ),
    (
        "change-pin",
        Card::Trace("change-pin/removed-after-verify.trace"),
        &["change-pin", "--stdin", "kenhojo"],
        FOUR,
    ),
    (
        "verify-pin",
        Card::Trace("verify-pin/success-auth.trace"),
        &["verify-pin", "--stdin", "auth"],
        ONE,
    ),
    (
        "verify-pin",
        Card::Trace("verify-pin/wrong-auth.trace"),
        &["verify-pin", "--stdin", "auth"],
        ONE,
    ),
    (
        "verify-pin",
        Card::FullDisk("verify-pin/success-auth.trace"),
        &["verify-pin", "--stdin", "auth"],
        ONE,
    ),
    (
        "verify-pin",
        Card::Trace("verify-pin/juki-wrong-at-common.trace"),
        &["verify-pin", "--stdin", "--experimental", "juki"],
        ONE,
    ),
    (
        "verify-pin",
        Card::Trace("verify-pin/locked.trace"),
        &["verify-pin", "--stdin", "kenhojo"],
        ONE,
    ),
    (
        "verify-pin",
        Card::Trace("verify-pin/removed-during-verify.trace"),
        &["verify-pin", "--stdin", "auth"],
        ONE,
    ),
    (
        "certificate",
        Card::Virtual,
        &["certificate", "show", "auth"],
        "",
    ),
    (
        "certificate",
        Card::Virtual,
        &["certificate", "export", "auth-ca"],
        "",
    ),
    (
        "certificate",
        Card::Virtual,
        &["certificate", "show", "sign", "--stdin"],
        "ABC123\n",
    ),
    (
        "certificate",
        Card::Virtual,
        &["certificate", "export", "sign", "--stdin"],
        "ABC999\n",
    ),
    (
        "failure",
        Card::Virtual,
        &["certificate", "show", "nope"],
        "",
    ),
    // Failures before a report, one for every command, and usage errors.
    (
        "failure",
        Card::Named,
        &["--replay", "/nonexistent.trace", "status"],
        "",
    ),
    (
        "failure",
        Card::Named,
        &["--replay", "/nonexistent.trace", "readers"],
        "",
    ),
    (
        "failure",
        Card::Trace("status/fresh.trace"),
        &["change-pin", "--stdin", "auth"],
        "12\n3456\n",
    ),
    (
        "failure",
        Card::Trace("status/fresh.trace"),
        &["verify-pin", "juki"],
        "",
    ),
    (
        "failure",
        Card::Trace("status/fresh.trace"),
        &["change-pin", "auth", "1234"],
        "",
    ),
    ("failure", Card::Named, &["--lang", "ja", "frobnicate"], ""),
    (
        "failure",
        Card::Named,
        &["--replay", "/nonexistent.trace", "doctor", "--bogus"],
        "",
    ),
    ("failure", Card::Named, &["completions", "tcsh"], ""),
    // A replay not used up is the failure; the trace that could not be written is a warning.
    (
        "failure",
        Card::FullDisk("card/my-number-card.trace"),
        &["status", "--pins-only"],
        "",
    ),
];

#[test]
fn every_json_object_matches_docs_json_md() {
    let tables = tables();
    let mut seen = BTreeSet::new();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    crate::util::vcard_init(&state, &[]);
    let state = state.to_str().unwrap().to_string();
    let recorded = dir.path().join("recorded.trace");
    let recorded = recorded.to_str().unwrap().to_string();
    for &(table, card, args, stdin) in RUNS {
        let mut all = vec!["--json".to_string()];
        match card {
            Card::Trace(name) => all.extend(["--replay".to_string(), trace(name)]),
            Card::Virtual => all.extend(["--virtual-card".to_string(), state.clone()]),
            Card::Named => {}
            Card::FullDisk(name) => all.extend([
                "--replay".to_string(),
                trace(name),
                "--record".to_string(),
                recorded.clone(),
            ]),
        }
        all.extend(args.iter().map(|a| a.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let full_disk = matches!(card, Card::FullDisk(_));
        let value = object(&all, stdin, full_disk);
        if full_disk {
            assert_eq!(value["warnings"][0]["kind"], "trace_not_written", "{all:?}");
        }
        check(&tables, table, &value, &format!("{all:?}"), &mut seen);
        if table != "failure" {
            assert_eq!(value["command"], table, "{all:?}");
        }
    }
    let unseen: Vec<&String> = tables.keys().filter(|t| !seen.contains(*t)).collect();
    assert!(unseen.is_empty(), "tables no real output met: {unseen:?}");
}

#[test]
fn the_documented_error_codes_are_the_exit_codes() {
    // Every exit code in docs/exit-codes.md is named in docs/json.md's `error.code`.
    let doc = repository_file("docs/json.md");
    let codes_line = doc
        .lines()
        .find(|l| l.starts_with("| `code` |"))
        .expect("the error table's code row");
    for code in crate::util::documented_exit_codes() {
        if code == 0 {
            continue;
        }
        assert!(
            codes_line.contains(&format!("({code})")),
            "exit code {code} is not named in docs/json.md's error.code"
        );
    }
}
