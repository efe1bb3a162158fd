//! Advice, not a rule: 4-digit PINs that a finder of the card would try first.

use super::pin::{Pin, PinFormat};

/// Why a 4-digit PIN is easy to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// One digit four times (0000, 7777).
    Repeated,
    /// Digits counting up or down (1234, 9876, 7890).
    Sequential,
    /// A year such as a birth year (1985, 2001): the card itself shows the birth date.
    YearLike,
}

/// How guessable a 4-digit PIN is; passwords are long enough that jpki does not judge them.
pub fn weakness(pin: &Pin) -> Option<Weakness> {
    if pin.kind().format() != PinFormat::FourDigits {
        return None;
    }
    let digits: Vec<u8> = pin.expose().iter().map(|b| b - b'0').collect();
    let steps_all = |step: u8| digits.windows(2).all(|w| (w[0] + step) % 10 == w[1]);
    if steps_all(0) {
        Some(Weakness::Repeated)
    } else if steps_all(1) || steps_all(9) {
        Some(Weakness::Sequential)
    } else if matches!(digits[..2], [1, 9] | [2, 0]) {
        Some(Weakness::YearLike)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::PinKind;

    fn of(typed: &str) -> Option<Weakness> {
        weakness(&Pin::new(PinKind::Juki, typed).unwrap())
    }

    #[test]
    fn guessable_pins_are_named() {
        assert_eq!(of("0000"), Some(Weakness::Repeated));
        assert_eq!(of("1234"), Some(Weakness::Sequential));
        assert_eq!(of("9876"), Some(Weakness::Sequential));
        assert_eq!(of("7890"), Some(Weakness::Sequential));
        assert_eq!(of("1985"), Some(Weakness::YearLike));
        assert_eq!(of("2004"), Some(Weakness::YearLike));
        assert_eq!(of("4827"), None);
        assert_eq!(of("3095"), None);
    }

    #[test]
    fn passwords_are_not_judged() {
        assert_eq!(weakness(&Pin::new(PinKind::Sign, "ABC123").unwrap()), None);
    }
}
