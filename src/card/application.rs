//! The card's applications and the elementary files jpki uses (shared/docs/protocol.md).

/// An application (DF) on the My Number card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Application {
    /// 公的個人認証 (JPKI) AP: the signature password and the user-authentication PIN.
    Jpki,
    /// 住基 AP: the 住民基本台帳用暗証番号.
    Juki,
    /// 券面事項入力補助 AP: the 券面事項入力補助用暗証番号.
    Kenhojo,
}

impl Application {
    /// Every application whose PINs jpki reads, in the order of the status exchange.
    pub const ALL: [Application; 3] = [Application::Jpki, Application::Juki, Application::Kenhojo];

    /// The DF name (AID) to SELECT.
    pub fn aid(self) -> &'static [u8] {
        match self {
            // OpenSC card-jpki.c, jpki/myna, TRETJapanNFCReader, jpki-signer-android.
            Application::Jpki => &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01],
            // TRETJapanNFCReader only (single source): jpki reports honestly when it is absent.
            Application::Juki => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
            // jpki/myna, TRETJapanNFCReader.
            Application::Kenhojo => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
        }
    }
}
