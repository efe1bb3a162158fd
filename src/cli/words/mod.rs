//! Every human word jpki prints, in Japanese and English, by topic. The commands decide what
//! to say; these modules say it. Text from outside jpki (a reader's name, a card's answer, an
//! argument typed) is made printable where it is put into words.

pub mod certificate;
pub mod doctor;
pub mod failure;
pub mod guidance;
pub mod known_readers;
pub mod pin_commands;
pub mod pins;
pub mod readers;
pub mod status;
pub mod warnings;

use crate::cli::lang::Lang;
use jpki_card::card::{PinFormat, PinKind};

/// The PIN's name as the holder knows it.
pub fn pin_name(kind: PinKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => kind.official_name(),
        Lang::En => match kind {
            PinKind::Sign => "Signature password",
            PinKind::Auth => "User authentication PIN",
            PinKind::Juki => "Resident registry PIN",
            PinKind::Kenhojo => "Card info input support PIN",
        },
    }
}

/// The PIN as a line of output starts with it: the official name in Japanese, the English name
/// and the id typed on the command line in English.
pub fn pin_label(kind: PinKind, lang: Lang) -> String {
    match lang {
        Lang::Ja => pin_name(kind, lang).to_string(),
        Lang::En => format!("{} ({})", pin_name(kind, lang), kind.id()),
    }
}

/// The names of the PINs one prompt is for, joined.
pub fn pin_names(kinds: &[PinKind], lang: Lang) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| pin_name(*k, lang)).collect();
    names.join(lang.pick("・", " / "))
}

/// What a PIN must look like, as the prompt says it.
pub fn format_hint(format: PinFormat, lang: Lang) -> &'static str {
    match format {
        PinFormat::FourDigits => lang.pick("数字4桁", "4 digits"),
        PinFormat::Password => lang.pick(
            "英大文字と数字を両方含む6〜16文字",
            "6-16 of A-Z and 0-9, with a letter and a digit",
        ),
    }
}
