//! The JPKI token EF (00 06): what is answering as the JPKI application.

use super::error::CardError;
use super::exchange::{answer_to, CardAnswer};
use crate::apdu::{Command, StatusWord};
use crate::transport::Transaction;

/// The token EF inside the JPKI AP (jpki/myna Go libmyna/api.go, AokiApp mynacard `JPKI_AP_TOKEN`).
pub const TOKEN_EF: [u8; 2] = [0x00, 0x06];
/// The token is a 32-byte space-padded ASCII name (myna reads `0x20` bytes and trims spaces).
pub(crate) const TOKEN_LENGTH: u8 = 0x20;

/// Which phone a smartphone token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phone {
    /// `JPKIAPGPSETOKEN`: the certificate in an Android phone's secure element (jpki/myna,
    /// soltia48/myna-card: two sources).
    Android,
    /// `JPKIAPIOSTOKEN`: the certificate in an iPhone (soltia48/myna-card only: one source).
    /// jpki treats it as the Android one, the cautious reading: no auth certificate read.
    Iphone,
}

impl Phone {
    /// The token name the phone writes.
    pub fn token_name(self) -> &'static str {
        match self {
            Phone::Android => "JPKIAPGPSETOKEN",
            Phone::Iphone => "JPKIAPIOSTOKEN",
        }
    }
}

/// What kind of JPKI holder the token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardKind {
    /// `JPKIAPICCTOKEN2`: a My Number card (マイナンバーカード).
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: an old 住基カード (basic resident registry card).
    JukiCard,
    /// `JPKIAPGPSETOKEN` (Android) or `JPKIAPIOSTOKEN` (iPhone): a smartphone's JPKI
    /// certificate (スマホ用電子証明書), which has its own PINs, not the card's.
    Smartphone(Phone),
    /// A token name jpki does not know: not a JPKI card it understands. Kept as read.
    NotJpki(String),
    /// The token EF could not be selected or read; the status word says why (none when the
    /// answer had no status word).
    Unreadable(Option<StatusWord>),
}

impl CardKind {
    /// Name the kind from the token EF's bytes: ASCII, padded with spaces (or NULs) to 32.
    pub(crate) fn from_token(bytes: &[u8]) -> CardKind {
        let name = String::from_utf8_lossy(bytes)
            .trim_end_matches([' ', '\0'])
            .to_string();
        match name.as_str() {
            "JPKIAPICCTOKEN2" => CardKind::MyNumberCard,
            "JPKIAPICCTOKEN" => CardKind::JukiCard,
            "JPKIAPGPSETOKEN" => CardKind::Smartphone(Phone::Android),
            "JPKIAPIOSTOKEN" => CardKind::Smartphone(Phone::Iphone),
            _ => CardKind::NotJpki(name.chars().filter(|c| !c.is_control()).collect()),
        }
    }

    /// The id used in JSON.
    pub fn id(&self) -> &'static str {
        match self {
            CardKind::MyNumberCard => "my_number_card",
            CardKind::JukiCard => "juki_card",
            CardKind::Smartphone(_) => "smartphone",
            CardKind::NotJpki(_) => "not_jpki",
            CardKind::Unreadable(_) => "unreadable",
        }
    }

    /// The token name as the card wrote it, when it wrote one.
    pub fn token_name(&self) -> Option<&str> {
        match self {
            CardKind::MyNumberCard => Some("JPKIAPICCTOKEN2"),
            CardKind::JukiCard => Some("JPKIAPICCTOKEN"),
            CardKind::Smartphone(phone) => Some(phone.token_name()),
            CardKind::NotJpki(name) => Some(name),
            CardKind::Unreadable(_) => None,
        }
    }

    /// Whether the auth certificate can be read without a PIN. An Android token asks for the
    /// auth PIN first (jpki/myna src/cli.rs and Go cmd/jpki.go verify it before reading EF
    /// 00 0A), and no source says an iPhone token does not, so jpki tries on neither.
    pub(crate) fn auth_certificate_is_public(&self) -> bool {
        !self.is_smartphone()
    }

    /// Whether the token is a smartphone's (Android or iPhone).
    pub fn is_smartphone(&self) -> bool {
        matches!(self, CardKind::Smartphone(_))
    }
}

/// With the JPKI AP selected: SELECT EF 00 06 and READ BINARY its 32 bytes (two APDUs). Only a
/// lost card is an error: whatever the card answers is a kind, `Unreadable` included.
pub(crate) fn read_card_kind(card: &mut dyn Transaction) -> Result<CardKind, CardError> {
    let CardAnswer::Response(selected) = answer_to(card, &Command::select_file(TOKEN_EF))? else {
        return Ok(CardKind::Unreadable(None));
    };
    if selected.sw != StatusWord::Success {
        return Ok(CardKind::Unreadable(Some(selected.sw)));
    }
    let CardAnswer::Response(answer) = answer_to(card, &Command::read_binary(0, TOKEN_LENGTH))?
    else {
        return Ok(CardKind::Unreadable(None));
    };
    Ok(match answer.sw {
        // Bytes beyond the 32 asked for are not the token: a card that sends more is ignored
        // past Le, as the certificate reader does.
        StatusWord::Success => {
            CardKind::from_token(&answer.data[..answer.data.len().min(usize::from(TOKEN_LENGTH))])
        }
        other => CardKind::Unreadable(Some(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Reader;

    fn padded(name: &str) -> Vec<u8> {
        let mut bytes = name.as_bytes().to_vec();
        bytes.resize(32, b' ');
        bytes
    }

    #[test]
    fn the_four_token_names_are_known() {
        assert_eq!(
            CardKind::from_token(&padded("JPKIAPICCTOKEN2")),
            CardKind::MyNumberCard
        );
        assert_eq!(
            CardKind::from_token(&padded("JPKIAPICCTOKEN")),
            CardKind::JukiCard
        );
        assert_eq!(
            CardKind::from_token(&padded("JPKIAPGPSETOKEN")),
            CardKind::Smartphone(Phone::Android)
        );
        let iphone = CardKind::from_token(&padded("JPKIAPIOSTOKEN"));
        assert_eq!(iphone, CardKind::Smartphone(Phone::Iphone));
        assert_eq!(iphone.token_name(), Some("JPKIAPIOSTOKEN"));
        assert!(!iphone.auth_certificate_is_public());
        assert_eq!(
            CardKind::from_token(b"JPKIAPICCTOKEN\0\0\0"),
            CardKind::JukiCard
        );
    }

    #[test]
    fn each_kind_has_the_json_id_docs_json_md_names_and_only_a_phone_is_a_smartphone() {
        let kinds = [
            (CardKind::MyNumberCard, "my_number_card", false),
            (CardKind::JukiCard, "juki_card", false),
            (CardKind::Smartphone(Phone::Android), "smartphone", true),
            (CardKind::NotJpki("X".to_string()), "not_jpki", false),
            (CardKind::Unreadable(None), "unreadable", false),
        ];
        for (kind, id, phone) in kinds {
            assert_eq!((kind.id(), kind.is_smartphone()), (id, phone), "{kind:?}");
            assert_eq!(kind.auth_certificate_is_public(), !phone, "{kind:?}");
        }
    }

    #[test]
    fn anything_else_is_not_jpki_and_never_panics() {
        assert_eq!(
            CardKind::from_token(&padded("HELLO")),
            CardKind::NotJpki("HELLO".into())
        );
        assert_eq!(CardKind::from_token(&[]), CardKind::NotJpki(String::new()));
        assert!(matches!(
            CardKind::from_token(&[0xFF, 0x07, b'A']),
            CardKind::NotJpki(_)
        ));
    }

    /// Read the kind over a replay of the two answers (or one, when the SELECT fails).
    fn read(select: &str, read: Option<&str>) -> CardKind {
        let mut text = format!("@source hand-written\n> 00 A4 02 0C 02 00 06\n< {select}\n");
        if let Some(read) = read {
            text.push_str(&format!("> 00 B0 00 00 20\n< {read}\n"));
        }
        let trace = crate::transport::trace::Trace::parse(&text, "unit").unwrap();
        let mut replay = crate::transport::Replay::new(trace);
        let kind = read_card_kind(replay.transaction().unwrap().as_mut()).unwrap();
        replay.finish().unwrap();
        kind
    }

    #[test]
    fn an_answer_without_a_status_word_is_unreadable_not_an_error() {
        assert_eq!(read("90", None), CardKind::Unreadable(None));
        assert_eq!(read("90 00", Some("")), CardKind::Unreadable(None));
        assert_eq!(
            read("6A 82", None),
            CardKind::Unreadable(Some(StatusWord::FileNotFound))
        );
    }

    #[test]
    fn bytes_beyond_the_32_asked_for_are_ignored() {
        let mut answer: Vec<String> = padded("JPKIAPICCTOKEN2")
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        answer.extend(std::iter::repeat_n("A5".to_string(), 300));
        answer.extend(["90".to_string(), "00".to_string()]);
        assert_eq!(
            read("90 00", Some(&answer.join(" "))),
            CardKind::MyNumberCard
        );
    }
}
