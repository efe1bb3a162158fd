//! docs/json.md is the one description of every `--json` object; this test reads its tables and
//! checks the real output of every command against them, in many states: each key listed is
//! there with a value of its type (`null` only where the type says "or null"), no other key is,
//! `schema_version` and `command` come first, and every table is met by some real output.
//!
//! docs/jpki.schema.json says the same to a machine, with the value sets: every real output is
//! valid against it (as every report any test reads is, through `util::json`), the schema and
//! the tables agree key for key and type for type, and an output with a wrong id is refused:
//! every string of every real output that is not free text, spelled otherwise.

use crate::util::{json_schema, repository_file, validate, validate_def};
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
    /// The meaning column, in words.
    meaning: String,
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
                meaning: cells[3].to_string(),
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
    ("pins", Card::Named, &["pins"], ""),
    (
        "failure",
        Card::Trace("status/not-my-number-card.trace"),
        &["status"],
        "",
    ),
];

#[test]
fn every_json_object_matches_docs_json_md() {
    let tables = tables();
    let schema = json_schema();
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
        let def = definition_of(&schema, table);
        if let Err(errors) = validate_def(&schema, &def, &value) {
            panic!("{all:?}: not a valid {table} object:\n{errors:#?}\n{value}");
        }
        every_id_is_held_to_its_value_set(&schema, &value, &format!("{all:?}"));
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

/// The name in the schema's `$defs` of the definition whose `title` is docs/json.md's table
/// `table`.
fn definition_of(schema: &Value, table: &str) -> String {
    let defs = schema["$defs"].as_object().unwrap();
    let names: Vec<&String> = defs
        .iter()
        .filter(|(_, def)| def["title"] == table)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        names.len(),
        1,
        "docs/jpki.schema.json: not one definition titled {table:?}: {names:?}"
    );
    names[0].clone()
}

/// The definition a `{"$ref": "#/$defs/NAME"}` names.
fn referenced<'a>(schema: &'a Value, reference: &Value) -> &'a Value {
    let name = reference["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .unwrap_or_else(|| panic!("not a $ref: {reference}"));
    &schema["$defs"][name]
}

/// What docs/json.md would write for `property`'s type: (kind, nullable, table).
fn documented_type(schema: &Value, property: &Value) -> (String, bool, Option<String>) {
    let title = |reference: &Value| {
        referenced(schema, reference)["title"]
            .as_str()
            .map(str::to_string)
    };
    if property.get("$ref").is_some() {
        let target = referenced(schema, property);
        if target.get("const").is_some() {
            // schema_version.
            return ("integer".into(), false, None);
        }
        return ("object".into(), false, title(property));
    }
    if let Some(options) = property["anyOf"].as_array() {
        assert_eq!(options.len(), 2, "{property}");
        assert_eq!(
            options[1],
            serde_json::json!({"type": "null"}),
            "{property}"
        );
        return ("object".into(), true, title(&options[0]));
    }
    if let Some(constant) = property.get("const") {
        let kind = if constant.is_string() {
            "string"
        } else {
            "integer"
        };
        return (kind.into(), false, None);
    }
    let types: Vec<&str> = match &property["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        other => panic!("no type: {other} in {property}"),
    };
    let nullable = types.contains(&"null");
    let base: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    match base.as_slice() {
        [] => ("null".into(), true, None),
        ["array"] if property["items"]["type"] == "string" => {
            ("array of string".into(), nullable, None)
        }
        ["array"] => ("array".into(), nullable, title(&property["items"])),
        [kind] => (kind.to_string(), nullable, None),
        more => panic!("several types {more:?} in {property}"),
    }
}

#[test]
fn the_schema_and_docs_json_md_agree() {
    let tables = tables();
    let schema = json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    // The version the code writes is the one the schema and docs/json.md describe.
    assert_eq!(schema["$defs"]["schema_version"]["const"], 1);
    assert!(repository_file("docs/json.md").contains("This document describes version\n  **1**."));
    let titled: BTreeSet<String> = schema["$defs"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|def| def["title"].as_str().map(str::to_string))
        .collect();
    let documented: BTreeSet<String> = tables.keys().cloned().collect();
    assert_eq!(
        titled, documented,
        "schema definitions and docs/json.md tables differ"
    );
    // The whole schema is one of the objects that start with `schema_version`: every one.
    let objects: BTreeSet<String> = schema["$defs"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, def)| def["properties"].get("schema_version").is_some())
        .map(|(name, _)| format!("#/$defs/{name}"))
        .collect();
    let listed: BTreeSet<String> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["$ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, objects, "the schema's oneOf and its objects differ");
    for (table, fields) in &tables {
        let def = &schema["$defs"][definition_of(&schema, table).as_str()];
        assert_eq!(def["type"], "object", "{table}");
        assert_eq!(
            def["additionalProperties"], false,
            "{table}: a closed object"
        );
        let properties = def["properties"].as_object().unwrap();
        let keys: Vec<&String> = properties.keys().collect();
        let doc_keys: Vec<&String> = fields.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, doc_keys, "{table}: the keys differ (or their order)");
        let required: Vec<&str> = def["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(
            required,
            doc_keys.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "{table}: a key is never missing"
        );
        for (key, field) in fields {
            let (kind, nullable, target) = documented_type(&schema, &properties[key.as_str()]);
            let here = format!("{table}.{key}");
            if kind == "null" {
                // `error` of a report that prints a failure object instead: always null.
                assert!(field.nullable, "{here}: the schema allows only null");
                continue;
            }
            assert_eq!(kind, field.kind, "{here}: the type differs");
            assert_eq!(nullable, field.nullable, "{here}: \"or null\" differs");
            assert_eq!(
                target, field.table,
                "{here}: the table it points to differs"
            );
            documents_every_id(&properties[key.as_str()], field, &here);
        }
    }
}

/// Where the words list a key's ids (not "as in" another table), every id of the schema's
/// value set is among them, in backticks.
fn documents_every_id(property: &Value, field: &Field, here: &str) {
    let values = property["enum"]
        .as_array()
        .or_else(|| property["items"]["enum"].as_array());
    let Some(values) = values else { return };
    if field.meaning.contains("as in ") {
        return;
    }
    for id in values.iter().filter_map(Value::as_str) {
        assert!(
            field.meaning.contains(&format!("`{id}`")),
            "{here}: docs/json.md does not name the id `{id}` the schema lists"
        );
    }
}

/// The keys whose strings are free: words, names, dates, hex, paths. Every other string of a
/// real output is an id, which the schema must hold to its value set.
const FREE_TEXT: &[&str] = &[
    "name",
    "message",
    "hint",
    "detail",
    "fix",
    "reader",
    "token",
    "atr",
    "aid",
    "sw",
    "path",
    "probe_error",
    "not_after",
    "renewal_opens",
    "date",
    "kiosk_stores_as_of",
    "caveats",
    // A certificate's own fields: names, numbers and its bytes, not ids.
    "subject",
    "issuer",
    "serial",
    "not_before",
    "sha256",
    "algorithm",
    "curve",
    "problem",
    "out",
    "data",
];

/// Every string of `value` that is not free text, spelled otherwise, makes it invalid.
fn every_id_is_held_to_its_value_set(schema: &Value, value: &Value, at: &str) {
    let mut strings = Vec::new();
    string_leaves(value, String::new(), &mut strings);
    for (pointer, key) in strings {
        let mut mutated = value.clone();
        let leaf = mutated.pointer_mut(&pointer).unwrap();
        *leaf = format!("{}_otherwise", leaf.as_str().unwrap()).into();
        // A warning's reason is what the system said.
        let free = FREE_TEXT.contains(&key.as_str())
            || (key == "reason" && pointer.starts_with("/warnings/"));
        match (validate(schema, &mutated).is_ok(), free) {
            (true, false) => panic!("{at}: {pointer} is an id the schema does not hold"),
            (false, true) => panic!("{at}: {pointer} is free text the schema holds"),
            _ => {}
        }
    }
}

/// The JSON pointer of every string in `value`, with the key it is under (an array's items
/// are under the array's key).
fn string_leaves(value: &Value, pointer: String, out: &mut Vec<(String, String)>) {
    let key = |p: &str| {
        p.rsplit('/')
            .find(|part| part.parse::<usize>().is_err())
            .unwrap_or_default()
            .to_string()
    };
    match value {
        Value::String(_) => out.push((pointer.clone(), key(&pointer))),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                string_leaves(item, format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                string_leaves(item, format!("{pointer}/{k}"), out);
            }
        }
        _ => {}
    }
}

/// A real `status` report, valid against the schema.
fn status_report() -> Value {
    let trace = trace("guidance/last-tries.trace");
    object(&["--json", "--replay", &trace, "status"], "", false)
}

/// What a mutation does to a valid report, and how.
type Mutation = (&'static str, fn(&mut Value));

#[test]
fn the_schema_refuses_a_wrong_id_or_key() {
    let schema = json_schema();
    let report = status_report();
    assert_eq!(validate(&schema, &report), Ok(()));
    let mutations: [Mutation; 9] = [
        ("a state in another spelling", |v| {
            v["pins"][0]["state"] = "OK".into()
        }),
        ("an unknown state", |v| {
            v["pins"][1]["state"] = "blocked".into()
        }),
        ("an unknown next_step", |v| {
            v["pins"][0]["next_step"] = "reset".into()
        }),
        ("an unknown card_kind", |v| {
            v["card_kind"] = "mynumber".into()
        }),
        ("another schema_version", |v| v["schema_version"] = 2.into()),
        ("an extra key", |v| v["extra"] = true.into()),
        ("a key missing", |v| {
            v["pins"][0].as_object_mut().unwrap().remove("reason");
        }),
        ("an unknown warning kind", |v| {
            v["warnings"] = serde_json::json!([{"kind": "disk_full", "path": "x", "reason": "y"}]);
        }),
        ("a string where an integer goes", |v| {
            v["pins"][0]["tries_left"] = "3".into()
        }),
    ];
    for (what, mutate) in mutations {
        let mut mutated = report.clone();
        mutate(&mut mutated);
        assert!(
            validate(&schema, &mutated).is_err(),
            "{what}: the schema took {mutated}"
        );
    }
    // A failure object with a wrong error code is refused too.
    let mut failure = serde_json::json!({
        "schema_version": 1, "command": "status",
        "error": {"code": "no_card", "exit": 7, "message": "m", "hint": null,
                  "card_kind": null, "reason": null},
        "warnings": []
    });
    assert_eq!(validate(&schema, &failure), Ok(()));
    failure["error"]["code"] = "nocard".into();
    assert!(validate(&schema, &failure).is_err());
}
