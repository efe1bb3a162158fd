//! Traces in tests: the bundled ones under apdu-traces/, what their commands are, and
//! hand-made exchanges one APDU off the right one.

use std::path::PathBuf;

/// The folder of the bundled traces, apdu-traces/.
pub fn bundled_traces() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("apdu-traces")
}

/// A bundled trace by its path under apdu-traces/.
pub fn trace(name: &str) -> PathBuf {
    bundled_traces().join(name)
}

/// The text of a bundled trace.
pub fn trace_text(name: &str) -> String {
    std::fs::read_to_string(trace(name)).unwrap()
}

/// The commands of a trace, in order: each `> ` line's bytes, its comment cut off.
pub fn commands_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("> "))
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .collect()
}

/// The command lines of a trace that carry a PIN (its bytes written `??`), as written.
pub fn pin_commands(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with('>') && l.contains("??"))
        .collect()
}

/// A hand-written trace answering `commands` in order: a counter read (`00 20 00 80`) with
/// 63 C3, anything else with 90 00.
pub fn answering(commands: &[&str]) -> String {
    let mut text = String::from("@source hand-written\n");
    for command in commands {
        let answer = if *command == "00 20 00 80" {
            "63 C3"
        } else {
            "90 00"
        };
        text.push_str(&format!("> {command}\n< {answer}\n"));
    }
    text
}

/// Every exchange one APDU off `exchange`: each step left out, each step sent twice, and each
/// two neighbours that are not `same` swapped.
pub fn one_apdu_off<T: Clone>(exchange: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<Vec<T>> {
    let mut variants = Vec::new();
    for i in 0..exchange.len() {
        let mut missing = exchange.to_vec();
        missing.remove(i);
        variants.push(missing);
        let mut added = exchange.to_vec();
        added.insert(i, exchange[i].clone());
        variants.push(added);
        if i + 1 < exchange.len() && !same(&exchange[i], &exchange[i + 1]) {
            let mut swapped = exchange.to_vec();
            swapped.swap(i, i + 1);
            variants.push(swapped);
        }
    }
    variants
}
