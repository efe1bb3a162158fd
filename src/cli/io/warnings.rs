//! Warnings: a file the run could not write around the card's outcome (a `--record` trace, a
//! virtual card's state file). The exit code and `error` are the card's outcome; a warning is
//! said on stderr when it happens and listed in the run's JSON object
//! (`warnings`), never turned into the failure, so a script never retries a PIN change the card
//! already made.

use serde::Serialize;
use serde_json::Value;
use std::cell::RefCell;

/// A file the run could not write, with the path as given and what the system said. In JSON
/// (docs/json.md, `warning`): `kind` (the variant's name in snake case), `path`, `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The `--record` trace could not be written at the end of the run.
    TraceNotWritten {
        /// The `--record` path.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The virtual card could not save a change to its state file; it answered that command
    /// 65 81 and kept the card as it was.
    StateNotSaved {
        /// The state file.
        path: String,
        /// What the system said.
        reason: String,
    },
}

impl Warning {
    /// The warning as JSON: `kind`, `path`, `reason`.
    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a warning is strings only")
    }
}

thread_local! {
    /// The warnings of this run so far. One run is one thread; a thread of its own keeps the
    /// in-process tests, which run side by side, from seeing each other's.
    static WARNINGS: RefCell<Vec<Warning>> = const { RefCell::new(Vec::new()) };
}

/// Keep `warning` for the run's JSON object.
pub fn keep(warning: Warning) {
    WARNINGS.with(|w| w.borrow_mut().push(warning));
}

/// Whether the run could not write its `--record` trace.
pub fn trace_not_written() -> bool {
    WARNINGS.with(|w| {
        w.borrow()
            .iter()
            .any(|w| matches!(w, Warning::TraceNotWritten { .. }))
    })
}

/// The run's warnings as the JSON `warnings` array (empty when there were none).
pub fn to_json() -> Value {
    WARNINGS.with(|w| Value::Array(w.borrow().iter().map(Warning::to_json).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn warnings_are_kept_for_the_json_in_order() {
        assert_eq!(to_json(), json!([]));
        assert!(!trace_not_written());
        let state = Warning::StateNotSaved {
            path: "card.state".to_string(),
            reason: "cannot write: No space left on device (os error 28)".to_string(),
        };
        let trace = Warning::TraceNotWritten {
            path: "out.trace".to_string(),
            reason: "File too large (os error 27)".to_string(),
        };
        keep(state);
        keep(trace);
        assert!(trace_not_written());
        assert_eq!(
            to_json(),
            json!([
                {"kind": "state_not_saved", "path": "card.state",
                 "reason": "cannot write: No space left on device (os error 28)"},
                {"kind": "trace_not_written", "path": "out.trace",
                 "reason": "File too large (os error 27)"},
            ])
        );
    }
}
