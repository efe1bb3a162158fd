//! docs/jpki.schema.json and a validator for the part of JSON Schema draft 2020-12 it uses:
//! `type` (one or a list), `enum`, `const`, `required`, `properties`, `additionalProperties`,
//! `items`, `$ref` into `$defs`, `anyOf` and `oneOf`. A keyword outside that set is refused, so
//! the schema cannot say something this validator would silently not check.

use serde_json::Value;

/// The keywords [`validate`] checks, and the annotations it reads past.
const KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "$ref",
    "anyOf",
    "oneOf",
    "$defs",
    "$schema",
    "$id",
    "title",
    "description",
];

/// The schema of every `--json` object, parsed.
pub fn json_schema() -> Value {
    let text = crate::util::repository_file("docs/jpki.schema.json");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("docs/jpki.schema.json: {e}"))
}

/// Check `value` against the whole schema `root`; every way it fails, each with its place.
pub fn validate(root: &Value, value: &Value) -> Result<(), Vec<String>> {
    validate_at(root, root, value)
}

/// Check `value` against the definition `name` of `root`'s `$defs`.
pub fn validate_def(root: &Value, name: &str, value: &Value) -> Result<(), Vec<String>> {
    let schema = root["$defs"]
        .get(name)
        .unwrap_or_else(|| panic!("docs/jpki.schema.json has no $defs/{name}"));
    validate_at(root, schema, value)
}

fn validate_at(root: &Value, schema: &Value, value: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    check(root, schema, value, "$", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The definition a `$ref` names: only `#/$defs/NAME`.
fn resolve<'a>(root: &'a Value, reference: &str) -> &'a Value {
    let name = reference
        .strip_prefix("#/$defs/")
        .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
    root["$defs"]
        .get(name)
        .unwrap_or_else(|| panic!("$ref to a missing definition: {reference}"))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    let actual = type_name(value);
    actual == name || (name == "number" && actual == "integer")
}

fn check(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return errors.push(format!("{at}: nothing is allowed here")),
        Value::Object(schema) => schema,
        other => panic!("not a schema: {other}"),
    };
    for keyword in schema.keys() {
        assert!(
            KEYWORDS.contains(&keyword.as_str()),
            "docs/jpki.schema.json uses `{keyword}`, which the tests' validator does not check"
        );
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        check(root, resolve(root, reference), value, at, errors);
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            other => panic!("bad type {other}"),
        };
        if !allowed.iter().any(|t| has_type(value, t)) {
            errors.push(format!("{at}: {value} is not of type {types}"));
            return;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            errors.push(format!("{at}: {value} is not one of {}", schema["enum"]));
        }
    }
    if let Some(expected) = schema.get("const") {
        if expected != value {
            errors.push(format!("{at}: {value} is not {expected}"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(key) {
                    errors.push(format!("{at}: the key `{key}` is missing"));
                }
            }
        }
        for (key, item) in object {
            let here = format!("{at}.{key}");
            match (
                properties.and_then(|p| p.get(key)),
                schema.get("additionalProperties"),
            ) {
                (Some(property), _) => check(root, property, item, &here, errors),
                (None, Some(additional)) => check(root, additional, item, &here, errors),
                (None, None) => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(root, items, item, &format!("{at}[{i}]"), errors);
        }
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        let failures: Vec<Vec<String>> = options
            .iter()
            .filter_map(|option| validate_at(root, option, value).err())
            .collect();
        if failures.len() == options.len() {
            errors.push(format!("{at}: matches none of anyOf: {failures:?}"));
        }
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let failures: Vec<Vec<String>> = options
            .iter()
            .filter_map(|option| validate_at(root, option, value).err())
            .collect();
        match options.len() - failures.len() {
            1 => {}
            0 => errors.push(format!("{at}: matches none of oneOf: {failures:?}")),
            n => errors.push(format!("{at}: matches {n} of oneOf, not exactly one")),
        }
    }
}
