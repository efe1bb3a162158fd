//! Finding a PIN in anything a test can see: output, errors, Debug text, recorded traces.

/// Where `pin` shows in `text`, in any form a program might print bytes: as typed, as hex
/// (spaced or not, either case), or as a Rust byte list. `None` when it does not.
pub fn leak_of(text: &str, pin: &str) -> Option<String> {
    let bytes = pin.as_bytes();
    let spaced = |upper: bool| {
        bytes
            .iter()
            .map(|b| {
                if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                }
            })
            .collect::<Vec<_>>()
    };
    let decimal: Vec<String> = bytes.iter().map(u8::to_string).collect();
    let forms = [
        pin.to_string(),
        spaced(true).join(" "),
        spaced(false).join(" "),
        spaced(true).join(""),
        spaced(false).join(""),
        decimal.join(", "),
        decimal
            .iter()
            .map(|d| format!("Some({d})"))
            .collect::<Vec<_>>()
            .join(", "),
    ];
    forms.into_iter().find(|form| text.contains(form.as_str()))
}

/// Panic when any PIN of `pins` shows in `text`; `what` names the text.
pub fn assert_no_pin(what: &str, text: &str, pins: &[&str]) {
    for pin in pins {
        if let Some(form) = leak_of(text, pin) {
            panic!("{what} shows a PIN as {form:?}:\n{text}");
        }
    }
}

/// The experiments the in-process tests run through the library: all of them, as
/// `--experimental` names them.
pub const EVERY_EXPERIMENT: &[jpki_card::card::Experiment] = &[
    jpki_card::card::Experiment::JukiVerify,
    jpki_card::card::Experiment::JukiChangeKey,
];

/// The library's named last-try switch for a test's yes or no.
pub fn last_try(allow: bool) -> jpki_card::card::LastTry {
    if allow {
        jpki_card::card::LastTry::Allow
    } else {
        jpki_card::card::LastTry::Refuse
    }
}
