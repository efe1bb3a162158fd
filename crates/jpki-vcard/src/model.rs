//! What the virtual card holds: its applications, their elementary files, and each PIN file's
//! value and counter. Sources for every file are in docs/virtual-card.md.

use super::protocol::{self, Ap};
use jpki_card::apdu::StatusWord;
use jpki_card::card::{KeyReference, PinKind};

/// The token EF's content on a My Number card: the name padded with spaces to 32 bytes. jpki/myna
/// reads 32 bytes (src/jpki.rs) and its 0.3.0 crate compares all 32; its Go branch trims the
/// spaces (libmyna/api.go).
pub const TOKEN: &[u8; 32] = b"JPKIAPICCTOKEN2                 ";
/// EF of the token, in the JPKI application.
pub const TOKEN_EF: [u8; 2] = [0x00, 0x06];
/// The 共通 AP's card-information EF (00 01), read by READ RECORD 1.
pub const CARD_INFO_EF: [u8; 2] = [0x00, 0x01];
/// Its record 1, laid out as soltia48/myna-card describes it (the one public source): tag 01,
/// length 1C, then 15 digits of serial, 5 of municipality and the card's expiry YYYYMMDD. The
/// virtual card's are zeros and 2036-03-31.
pub const CARD_INFO: &[u8; 30] = b"\x01\x1C0000000000000000000020360331";
/// EF of the user-authentication certificate, in the JPKI application, readable without a PIN.
pub const AUTH_CERTIFICATE_EF: [u8; 2] = [0x00, 0x0A];

/// The GlobalPlatform Issuer Security Domain's default AID: the DF the card is in when powered
/// up (soltia48/myna-card `src/ap/mod.rs` `DEFAULT_DF`, `src/mf.rs`); soltia48/myna-sign selects
/// it when it is done with the card, and so does jpki after a PIN.
pub const ISSUER_SECURITY_DOMAIN_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

/// 照合番号A or B: numbers printed on the card that the 券面事項確認 and 券面事項入力補助 APs verify.
/// They are never changed, and jpki never sends them; they are modelled so that other clients'
/// counter reads (jpki/myna `pin status`, jpki-rs `surface stat`) find their EFs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// 照合番号A of the 券面事項確認 AP (the 12-digit individual number), EF 00 13.
    KenkakuA,
    /// 照合番号B of the 券面事項確認 AP (birth date, expiry year, security code), EF 00 12.
    KenkakuB,
    /// 照合番号A of the 券面事項入力補助 AP, EF 00 14.
    KenhojoA,
    /// 照合番号B of the 券面事項入力補助 AP, EF 00 15.
    KenhojoB,
}

impl Code {
    /// Every code, in the order state files list them.
    pub const ALL: [Code; 4] = [
        Code::KenkakuA,
        Code::KenkakuB,
        Code::KenhojoA,
        Code::KenhojoB,
    ];

    /// The application holding it.
    pub fn ap(self) -> Ap {
        match self {
            Code::KenkakuA | Code::KenkakuB => Ap::Kenkaku,
            Code::KenhojoA | Code::KenhojoB => Ap::Kenhojo,
        }
    }

    /// Its EF inside that application (jpki/myna src/cli.rs `run_pin_status`; AokiApp/jsapdu
    /// mynacard constants.ts; jpki-rs core/src/ap/surface.rs for the 券面事項確認 AP).
    pub fn ef(self) -> [u8; 2] {
        match self {
            Code::KenkakuA => [0x00, 0x13],
            Code::KenkakuB => [0x00, 0x12],
            Code::KenhojoA => [0x00, 0x14],
            Code::KenhojoB => [0x00, 0x15],
        }
    }

    /// The id in state files.
    pub fn id(self) -> &'static str {
        match self {
            Code::KenkakuA => "kenkaku_a",
            Code::KenkakuB => "kenkaku_b",
            Code::KenhojoA => "kenhojo_a",
            Code::KenhojoB => "kenhojo_b",
        }
    }

    /// The code named `id`.
    pub fn from_id(id: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Tries before it locks: 10 for 照合番号B (デジタル庁 and municipal pages, quoted in
    /// soltia48/myna-card's notes); assumed the same for 照合番号A, which no source states.
    pub fn max_tries(self) -> u8 {
        10
    }

    /// The value a fresh card holds: made up, of the documented shape (A: 12 digits; B: birth date
    /// YYMMDD, expiry year, 4-digit security code).
    pub fn default_value(self) -> &'static str {
        match self {
            Code::KenkakuA | Code::KenhojoA => "123456789012",
            Code::KenkakuB | Code::KenhojoB => "90010120351234",
        }
    }

    /// Whether `value` can be this code: ASCII digits, 1 to 16 of them (sources disagree on B's
    /// length: 14 in AokiApp/jsapdu and myna-card, 16 in jpki-rs).
    pub fn accepts(value: &str) -> bool {
        (1..=16).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
    }
}

/// One PIN file: a key reference jpki reads and changes, or a 照合番号 only other clients use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinFile {
    /// One of the five key references of [`KeyReference::ALL`].
    Key(KeyReference),
    /// A 照合番号.
    Code(Code),
}

impl PinFile {
    /// Tries before it locks; a right VERIFY restores them all.
    pub fn max_tries(self) -> u8 {
        match self {
            PinFile::Key(key) => protocol::max_tries(key.kind()),
            PinFile::Code(code) => code.max_tries(),
        }
    }
}

/// One PIN as the card stores it: its value and its retry counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRecord {
    /// The PIN's value as ASCII bytes.
    pub value: Vec<u8>,
    /// Tries left; 0 means locked, and no correct entry unlocks it.
    pub tries_left: u8,
}

/// How a locked PIN answers an empty VERIFY. Sources disagree (docs/protocol.md), so each is a
/// choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedProbe {
    /// 63 C0 (OpenSC, myna, jpki-signer-android, jpki-local-signer, myna-card).
    TriesLeftZero,
    /// 69 83, authentication method blocked (jpki-signer-android).
    AuthenticationBlocked,
    /// 69 84, reference data not usable (myna Go).
    ReferenceDataUnusable,
}

impl LockedProbe {
    /// The status word the card answers.
    pub fn status_word(self) -> StatusWord {
        match self {
            LockedProbe::TriesLeftZero => StatusWord::TriesLeft(0),
            LockedProbe::AuthenticationBlocked => StatusWord::AuthenticationBlocked,
            LockedProbe::ReferenceDataUnusable => StatusWord::ReferenceDataUnusable,
        }
    }

    /// The four hex digits used in the state file ("63C0").
    pub fn hex(self) -> String {
        self.status_word().hex()
    }

    /// The choice named by its four hex digits.
    pub fn from_hex(text: &str) -> Option<LockedProbe> {
        [
            LockedProbe::TriesLeftZero,
            LockedProbe::AuthenticationBlocked,
            LockedProbe::ReferenceDataUnusable,
        ]
        .into_iter()
        .find(|p| p.hex().eq_ignore_ascii_case(text))
    }
}

/// A certificate EF of the JPKI application (OpenSC pkcs15-jpki.c, jpki/myna src/jpki.rs,
/// jpki-rs core/src/ap/crypto.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Certificate {
    /// 利用者証明用電子証明書, EF 00 0A: readable without a PIN.
    Auth,
    /// Its CA's certificate, EF 00 0B.
    AuthCa,
    /// 署名用電子証明書, EF 00 01: readable only after the sign password was verified.
    Sign,
    /// Its CA's certificate, EF 00 02.
    SignCa,
}

impl Certificate {
    /// Every certificate, in the order state files list them.
    pub const ALL: [Certificate; 4] = [
        Certificate::Auth,
        Certificate::AuthCa,
        Certificate::Sign,
        Certificate::SignCa,
    ];

    /// Its EF in the JPKI application.
    pub fn ef(self) -> [u8; 2] {
        match self {
            Certificate::Auth => AUTH_CERTIFICATE_EF,
            Certificate::AuthCa => [0x00, 0x0B],
            Certificate::Sign => [0x00, 0x01],
            Certificate::SignCa => [0x00, 0x02],
        }
    }

    /// The EF of the private key beside it (OpenSC jpki.h `JPKI_AUTH_KEY`, `JPKI_SIGN_KEY`);
    /// CA certificates have none on the card.
    pub fn key_ef(self) -> Option<[u8; 2]> {
        match self {
            Certificate::Auth => Some([0x00, 0x17]),
            Certificate::Sign => Some([0x00, 0x1A]),
            Certificate::AuthCa | Certificate::SignCa => None,
        }
    }

    /// The state-file key of its line.
    pub fn id(self) -> &'static str {
        match self {
            Certificate::Auth => "auth-certificate",
            Certificate::AuthCa => "auth-ca-certificate",
            Certificate::Sign => "sign-certificate",
            Certificate::SignCa => "sign-ca-certificate",
        }
    }
}

/// Everything the card remembers between sessions: what a state file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardState {
    /// The answer to reset.
    pub atr: Vec<u8>,
    /// The applications on the card; a missing one answers 6A 82 to its SELECT.
    pub applications: Vec<Ap>,
    /// The key references whose EF exists, with their value and counter, in
    /// [`KeyReference::ALL`] order.
    pub pins: Vec<(KeyReference, PinRecord)>,
    /// The 照合番号 whose EF exists, in [`Code::ALL`] order.
    pub codes: Vec<(Code, PinRecord)>,
    /// How a locked PIN answers an empty VERIFY.
    pub locked_probe: LockedProbe,
    /// The certificate EFs that exist, with their DER bytes, in [`Certificate::ALL`] order.
    pub certificates: Vec<(Certificate, Vec<u8>)>,
}

/// An elementary file the card can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    /// A PIN file: VERIFY and the change commands act on it.
    Pin(PinFile),
    /// The token EF (00 06).
    Token,
    /// A certificate EF.
    Certificate(Certificate),
    /// The private key EF beside a certificate: selectable, for the signing command; never read.
    PrivateKey(Certificate),
    /// The 共通 AP's card-information EF (00 01): one record, read by READ RECORD.
    CardInfo,
}

impl CardState {
    /// Whether the application is on the card.
    pub fn has(&self, ap: Ap) -> bool {
        self.applications.contains(&ap)
    }

    /// The application whose DF name is `aid`, if the card has it.
    pub fn ap_by_aid(&self, aid: &[u8]) -> Option<Ap> {
        self.applications.iter().copied().find(|a| a.aid() == aid)
    }

    /// The file `ef` inside `ap`, if the card has it.
    pub fn file(&self, ap: Ap, ef: [u8; 2]) -> Option<File> {
        if let Some((key, _)) = self
            .pins
            .iter()
            .find(|(k, _)| protocol::ap_of(*k) == ap && protocol::pin_ef(*k) == ef)
        {
            return Some(File::Pin(PinFile::Key(*key)));
        }
        if let Some((code, _)) = self
            .codes
            .iter()
            .find(|(c, _)| c.ap() == ap && c.ef() == ef)
        {
            return Some(File::Pin(PinFile::Code(*code)));
        }
        if ap == Ap::Common && ef == CARD_INFO_EF {
            return Some(File::CardInfo);
        }
        if ap != Ap::Jpki {
            return None;
        }
        if ef == TOKEN_EF {
            return Some(File::Token);
        }
        self.certificates.iter().find_map(|(c, _)| {
            if c.ef() == ef {
                Some(File::Certificate(*c))
            } else if c.key_ef() == Some(ef) {
                Some(File::PrivateKey(*c))
            } else {
                None
            }
        })
    }

    /// The key reference's record, when its EF exists.
    pub fn pin(&self, key: KeyReference) -> Option<&PinRecord> {
        self.pins.iter().find(|(k, _)| *k == key).map(|(_, r)| r)
    }

    /// The key reference's record for changing, when its EF exists.
    pub fn pin_mut(&mut self, key: KeyReference) -> Option<&mut PinRecord> {
        self.pins
            .iter_mut()
            .find(|(k, _)| *k == key)
            .map(|(_, r)| r)
    }

    /// The records of every key reference of `kind` whose EF exists (juki has up to two).
    pub fn pins_of(&mut self, kind: PinKind) -> impl Iterator<Item = &mut PinRecord> {
        self.pins
            .iter_mut()
            .filter(move |(k, _)| k.kind() == kind)
            .map(|(_, r)| r)
    }

    /// The record of a PIN file, when its EF exists.
    pub fn record(&self, file: PinFile) -> Option<&PinRecord> {
        match file {
            PinFile::Key(key) => self.pin(key),
            PinFile::Code(code) => self.codes.iter().find(|(c, _)| *c == code).map(|(_, r)| r),
        }
    }

    /// The record of a PIN file for changing, when its EF exists.
    pub fn record_mut(&mut self, file: PinFile) -> Option<&mut PinRecord> {
        match file {
            PinFile::Key(key) => self.pin_mut(key),
            PinFile::Code(code) => self
                .codes
                .iter_mut()
                .find(|(c, _)| *c == code)
                .map(|(_, r)| r),
        }
    }

    /// The DER bytes of a certificate EF, when it exists.
    pub fn certificate(&self, certificate: Certificate) -> Option<&[u8]> {
        self.certificates
            .iter()
            .find(|(c, _)| *c == certificate)
            .map(|(_, der)| der.as_slice())
    }

    /// Put `der` in a certificate EF, or (`None`) remove the EF and the key EF beside it.
    pub fn set_certificate(&mut self, certificate: Certificate, der: Option<Vec<u8>>) {
        self.certificates.retain(|(c, _)| *c != certificate);
        if let Some(der) = der {
            self.certificates.push((certificate, der));
            self.certificates
                .sort_by_key(|(c, _)| Certificate::ALL.iter().position(|x| x == c));
        }
    }

    /// Take an application off the card, with every PIN file in it.
    pub fn remove(&mut self, ap: Ap) {
        self.applications.retain(|a| *a != ap);
        self.pins.retain(|(k, _)| protocol::ap_of(*k) != ap);
        self.codes.retain(|(c, _)| c.ap() != ap);
    }

    /// The bytes READ BINARY serves from a data file; PIN and key EFs have none.
    pub fn contents(&self, file: File) -> Option<&[u8]> {
        match file {
            File::Token => Some(TOKEN),
            File::Certificate(c) => self.certificate(c),
            File::Pin(_) | File::PrivateKey(_) | File::CardInfo => None,
        }
    }
}
