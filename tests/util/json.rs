//! Reading jpki's `--json` reports: the document, and its `pins` entries by position or by id.

use serde_json::Value;
use std::sync::OnceLock;

/// Parse stdout as JSON. A jpki object (one with `schema_version`) must also be valid against
/// docs/jpki.schema.json, so every report a test reads is checked against the schema.
#[track_caller]
pub fn json(stdout: &str) -> Value {
    let value: Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    if value.get("schema_version").is_some() {
        static SCHEMA: OnceLock<Value> = OnceLock::new();
        let schema = SCHEMA.get_or_init(crate::util::json_schema);
        if let Err(errors) = crate::util::validate(schema, &value) {
            panic!("not valid against docs/jpki.schema.json:\n{errors:#?}\n{stdout}");
        }
    }
    value
}

/// The entries of a report's `pins` list, in order.
#[track_caller]
pub fn pin_entries(report: &Value) -> &[Value] {
    report["pins"]
        .as_array()
        .unwrap_or_else(|| panic!("no pins list in {report}"))
}

/// The entry of the PIN `id` in a report's `pins` list, if there is one.
pub fn find_pin<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["pins"].as_array()?.iter().find(|p| p["id"] == id)
}

/// The entry of the PIN `id` in a report's `pins` list, which must be there.
#[track_caller]
pub fn pin_entry<'a>(report: &'a Value, id: &str) -> &'a Value {
    find_pin(report, id).unwrap_or_else(|| panic!("no PIN {id} in {report}"))
}

/// An entry's `id`.
#[track_caller]
pub fn id_of(entry: &Value) -> String {
    entry["id"].as_str().unwrap().to_string()
}

/// Tries left of each PIN by id, from `status --json` (None: not readable, or not on the card).
pub fn tries_by_id(status: &Value) -> Vec<(String, Option<u64>)> {
    pin_entries(status)
        .iter()
        .map(|p| (id_of(p), p["tries_left"].as_u64()))
        .collect()
}

/// The tries left of the PIN `id` in a list from [`tries_by_id`].
pub fn tries_of(tries: &[(String, Option<u64>)], id: &str) -> Option<u64> {
    tries.iter().find(|(i, _)| i == id).and_then(|(_, t)| *t)
}
