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

/// Run jpki with `args` (and `stdin`); its stdout as the one JSON object it must be.
fn object(args: &[&str], stdin: &str) -> Value {
    let out = crate::util::jpki()
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "{args:?}: not one line of JSON:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::util::json(&stdout)
}

fn trace(name: &str) -> String {
    crate::util::trace(name).to_str().unwrap().to_string()
}

#[test]
fn every_json_object_matches_docs_json_md() {
    let tables = tables();
    let mut seen = BTreeSet::new();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    crate::util::vcard_init(&state, &[]);
    let state = state.to_str().unwrap().to_string();
    let four = "4827\n6391\n";
    let eight = "ABCD1234\nWXYZ9876\n";
    // (the table the output is, the arguments, stdin)
    let runs: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "status",
            vec![
                "--replay".into(),
                trace("status/fresh.trace"),
                "status".into(),
                "--pins-only".into(),
            ],
            "",
        ),
        (
            "status",
            vec![
                "--replay".into(),
                trace("status/juki-counters-differ.trace"),
                "status".into(),
                "--pins-only".into(),
            ],
            "",
        ),
        (
            "status",
            vec![
                "--replay".into(),
                trace("status/unexpected-answer.trace"),
                "status".into(),
                "--pins-only".into(),
            ],
            "",
        ),
        (
            "status",
            vec![
                "--replay".into(),
                trace("guidance/last-tries.trace"),
                "status".into(),
            ],
            "",
        ),
        (
            "status",
            vec![
                "--replay".into(),
                trace("card/my-number-card.trace"),
                "status".into(),
            ],
            "",
        ),
        (
            "status",
            vec![
                "--replay".into(),
                trace("card/no-token-no-certificate.trace"),
                "status".into(),
            ],
            "",
        ),
        (
            "status",
            vec!["--virtual-card".into(), state.clone(), "status".into()],
            "",
        ),
        (
            "readers",
            vec![
                "--replay".into(),
                trace("card/probe-my-number-card.trace"),
                "readers".into(),
            ],
            "",
        ),
        (
            "readers",
            vec![
                "--replay".into(),
                trace("card/probe-not-my-number-card.trace"),
                "readers".into(),
            ],
            "",
        ),
        (
            "readers",
            vec!["--virtual-card".into(), state.clone(), "readers".into()],
            "",
        ),
        (
            "doctor",
            vec![
                "--replay".into(),
                trace("card/probe-my-number-card.trace"),
                "doctor".into(),
            ],
            "",
        ),
        (
            "doctor",
            vec![
                "--replay".into(),
                trace("card/probe-not-my-number-card.trace"),
                "doctor".into(),
            ],
            "",
        ),
        (
            "change-pin",
            vec![
                "--replay".into(),
                trace("change-pin/success-auth.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "auth".into(),
            ],
            four,
        ),
        (
            "change-pin",
            vec![
                "--replay".into(),
                trace("change-pin/success-sign.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "sign".into(),
            ],
            eight,
        ),
        (
            "change-pin",
            vec![
                "--replay".into(),
                trace("change-pin/wrong-current-pin.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "auth".into(),
            ],
            four,
        ),
        (
            "change-pin",
            vec![
                "--replay".into(),
                trace("change-pin/locked.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "--experimental".into(),
                "juki".into(),
            ],
            four,
        ),
        (
            "change-pin",
            vec![
                "--replay".into(),
                trace("change-pin/juki-change-key-refused.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "--experimental".into(),
                "juki".into(),
            ],
            four,
        ),
        (
            "change-pin",
            vec![
                "--replay".into(),
                trace("change-pin/juki-kenhojo-auth.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "--experimental".into(),
                "juki".into(),
                "kenhojo".into(),
                "auth".into(),
            ],
            four,
        ),
        (
            "change-pin",
            vec![
                "--replay".into(),
                trace("change-pin/removed-after-verify.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "kenhojo".into(),
            ],
            four,
        ),
        (
            "verify-pin",
            vec![
                "--replay".into(),
                trace("verify-pin/success-auth.trace"),
                "verify-pin".into(),
                "--stdin".into(),
                "auth".into(),
            ],
            "4827\n",
        ),
        (
            "verify-pin",
            vec![
                "--replay".into(),
                trace("verify-pin/wrong-auth.trace"),
                "verify-pin".into(),
                "--stdin".into(),
                "auth".into(),
            ],
            "4827\n",
        ),
        (
            "verify-pin",
            vec![
                "--replay".into(),
                trace("verify-pin/juki-wrong-at-common.trace"),
                "verify-pin".into(),
                "--stdin".into(),
                "--experimental".into(),
                "juki".into(),
            ],
            "4827\n",
        ),
        (
            "verify-pin",
            vec![
                "--replay".into(),
                trace("verify-pin/locked.trace"),
                "verify-pin".into(),
                "--stdin".into(),
                "kenhojo".into(),
            ],
            "4827\n",
        ),
        (
            "verify-pin",
            vec![
                "--replay".into(),
                trace("verify-pin/removed-during-verify.trace"),
                "verify-pin".into(),
                "--stdin".into(),
                "auth".into(),
            ],
            "4827\n",
        ),
        // Failures before a report, one for every command, and usage errors.
        (
            "failure",
            vec![
                "--replay".into(),
                "/nonexistent.trace".into(),
                "status".into(),
            ],
            "",
        ),
        (
            "failure",
            vec![
                "--replay".into(),
                "/nonexistent.trace".into(),
                "readers".into(),
            ],
            "",
        ),
        (
            "failure",
            vec![
                "--replay".into(),
                trace("status/fresh.trace"),
                "change-pin".into(),
                "--stdin".into(),
                "auth".into(),
            ],
            "12\n3456\n",
        ),
        (
            "failure",
            vec![
                "--replay".into(),
                trace("status/fresh.trace"),
                "verify-pin".into(),
                "juki".into(),
            ],
            "",
        ),
        (
            "failure",
            vec![
                "--replay".into(),
                trace("status/fresh.trace"),
                "change-pin".into(),
                "auth".into(),
                "1234".into(),
            ],
            "",
        ),
        (
            "failure",
            vec!["--lang".into(), "ja".into(), "frobnicate".into()],
            "",
        ),
        (
            "failure",
            vec![
                "--replay".into(),
                "/nonexistent.trace".into(),
                "doctor".into(),
                "--bogus".into(),
            ],
            "",
        ),
        ("failure", vec!["completions".into(), "tcsh".into()], ""),
    ];
    for (table, args, stdin) in runs {
        let mut all = vec!["--json".to_string()];
        all.extend(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let value = object(&all, stdin);
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
