//! Colour for state words only, as plain ANSI: no dependency for five escape codes.

use jpki_card::card::PinState;

/// `--color`: what the person asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourChoice {
    /// No `--color`, or `--color auto`: the environment and the terminal decide.
    Auto,
    /// `--color always`.
    Always,
    /// `--color never`.
    Never,
}

/// Whether to colour, first rule that applies: `--color always|never`; NO_COLOR set and not
/// empty turns it off (https://no-color.org); CLICOLOR_FORCE set, not empty and not `0` turns it
/// on (https://bixense.com/clicolors/); TERM=dumb (Emacs's shell, some CI logs) turns it off;
/// else colour when stdout is a terminal.
pub fn wanted(
    choice: ColourChoice,
    env: &impl Fn(&str) -> Option<String>,
    stdout_is_terminal: bool,
) -> bool {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    match choice {
        ColourChoice::Always => true,
        ColourChoice::Never => false,
        ColourChoice::Auto if set("NO_COLOR").is_some() => false,
        ColourChoice::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColourChoice::Auto if env("TERM").as_deref() == Some("dumb") => false,
        ColourChoice::Auto => stdout_is_terminal,
    }
}

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

    fn decide(choice: ColourChoice, vars: &[(&str, &str)], terminal: bool) -> bool {
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        wanted(choice, &env, terminal)
    }

    #[test]
    fn the_flag_then_no_color_then_clicolor_force_then_term_then_the_terminal() {
        use ColourChoice::{Always, Auto, Never};
        let all = [("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1"), ("TERM", "dumb")];
        assert!(decide(Always, &all, false));
        assert!(!decide(Never, &[("CLICOLOR_FORCE", "1")], true));
        assert!(!decide(Auto, &all, true));
        assert!(decide(
            Auto,
            &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
            false
        ));
        assert!(decide(
            Auto,
            &[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")],
            false
        ));
        assert!(!decide(Auto, &[("CLICOLOR_FORCE", "0")], false));
        assert!(!decide(Auto, &[("CLICOLOR_FORCE", "")], false));
        assert!(!decide(Auto, &[("TERM", "dumb")], true));
        assert!(decide(Auto, &[("TERM", "xterm-256color")], true));
        assert!(!decide(Auto, &[], false));
    }

    #[test]
    fn colour_wraps_only_when_on() {
        assert_eq!(paint("LOCKED", PinState::Locked, false), "LOCKED");
        assert_eq!(
            paint("LOCKED", PinState::Locked, true),
            "\x1b[1;31mLOCKED\x1b[0m"
        );
    }
}
