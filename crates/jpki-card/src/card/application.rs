//! The card's applications (DFs) and their AIDs (docs/protocol.md, "Applications").

/// An application (DF) on the My Number card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Application {
    /// 公的個人認証 (JPKI) AP: the signature password and the user-authentication PIN.
    Jpki,
    /// 住基 AP: the first key reference of the 住民基本台帳用暗証番号.
    Juki,
    /// 共通 AP: the second key reference of the 住民基本台帳用暗証番号.
    Common,
    /// 券面事項入力補助 AP: the 券面事項入力補助用暗証番号.
    Kenhojo,
}

impl Application {
    /// Every application whose PINs jpki reads, in the order of the status exchange.
    pub const ALL: [Application; 4] = [
        Application::Jpki,
        Application::Juki,
        Application::Common,
        Application::Kenhojo,
    ];

    /// The DF name (AID) to SELECT.
    pub fn aid(self) -> &'static [u8] {
        match self {
            // OpenSC card-jpki.c, jpki/myna, TRETJapanNFCReader, jpki-signer-android.
            Application::Jpki => &crate::apdu::secret::JPKI_AID,
            // soltia48/myna-card src/ap/juki.rs; jpki/myna tool.go at 6d7eb5e ("住基?").
            Application::Juki => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01],
            // soltia48/myna-card src/ap/common.rs; TRETJapanNFCReader reads its PIN as juki's.
            Application::Common => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
            // jpki/myna, TRETJapanNFCReader.
            Application::Kenhojo => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
        }
    }

    /// The name holders and the sources use, in Japanese and English text alike ("住基AP").
    pub fn label(self) -> &'static str {
        match self {
            Application::Jpki => "公的個人認証AP",
            Application::Juki => "住基AP",
            Application::Common => "共通AP",
            Application::Kenhojo => "券面事項入力補助AP",
        }
    }

    /// The id used in JSON (`application`).
    pub fn id(self) -> &'static str {
        match self {
            Application::Jpki => "jpki",
            Application::Juki => "juki_ap",
            Application::Common => "common_ap",
            Application::Kenhojo => "kenhojo",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_application_has_its_own_aid_and_id() {
        for (i, a) in Application::ALL.iter().enumerate() {
            for b in &Application::ALL[i + 1..] {
                assert_ne!(a.aid(), b.aid());
                assert_ne!(a.id(), b.id());
            }
        }
    }
}
