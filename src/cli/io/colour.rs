//! Colour for state words only, as plain ANSI: no dependency for five escape codes.

use jpki_card::card::PinState;

/// `text` in the colour of `state`, or unchanged when colour is off.
pub fn paint(text: &str, state: PinState, on: bool) -> String {
    let code = match state {
        PinState::Ok => "32",        // green
        PinState::LastTry => "1;33", // bold yellow
        PinState::Locked => "1;31",  // bold red
        PinState::NotIssued => "2",  // dim
        PinState::Error => "35",     // magenta
    };
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_wraps_only_when_on() {
        assert_eq!(paint("LOCKED", PinState::Locked, false), "LOCKED");
        assert_eq!(
            paint("LOCKED", PinState::Locked, true),
            "\x1b[1;31mLOCKED\x1b[0m"
        );
    }
}
