//! `certificate show`'s words; a certificate that could not be read, in English and Japanese;
//! and the Japanese for one that could not be written.

use crate::cli::certificate_facts::{
    ef_text, fingerprint_text, key_text, time_text, CertificateError, Facts, Key, Signature,
};
use crate::cli::io::export::ExportError;
use crate::cli::io::render::printable;
use crate::cli::lang::Lang;
use jpki_card::card::certificate::{CertificateKind, CertificateProblem};
use std::fmt;

/// The certificate's name as the holder knows it.
pub fn certificate_name(kind: CertificateKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (CertificateKind::Auth, Lang::Ja) => "利用者証明用電子証明書",
        (CertificateKind::AuthCa, Lang::Ja) => "利用者証明用認証局の証明書",
        (CertificateKind::Sign, Lang::Ja) => "署名用電子証明書",
        (CertificateKind::SignCa, Lang::Ja) => "署名用認証局の証明書",
        (CertificateKind::Auth, Lang::En) => "User authentication certificate",
        (CertificateKind::AuthCa, Lang::En) => "User authentication CA certificate",
        (CertificateKind::Sign, Lang::En) => "Signature certificate",
        (CertificateKind::SignCa, Lang::En) => "Signature CA certificate",
    }
}

/// `show`'s text: one field a line.
pub fn show_text(facts: &Facts, lang: Lang) -> String {
    let kind = facts.kind;
    let days = facts.expiry.days_left;
    let left = match (lang, days) {
        (Lang::Ja, d) if d < 0 => format!("期限切れ（{} 日前）", -d),
        (Lang::Ja, d) => format!("残り {d} 日"),
        (Lang::En, d) if d < 0 => format!("expired {} days ago", -d),
        (Lang::En, 1) => "1 day left".to_string(),
        (Lang::En, d) => format!("{d} days left"),
    };
    let rows: [(&str, &str, String); 9] = [
        (
            "証明書",
            "Certificate",
            format!(
                "{} ({}, EF {}, {} {})",
                certificate_name(kind, lang),
                kind.id(),
                ef_text(kind),
                facts.length,
                lang.pick("バイト", "bytes")
            ),
        ),
        ("発行先", "Subject", printable(&facts.subject)),
        ("発行者", "Issuer", printable(&facts.issuer)),
        ("シリアル番号", "Serial", facts.serial.clone()),
        ("有効期間の開始", "Valid from", time_text(facts.not_before)),
        (
            "有効期限",
            "Valid until",
            format!("{} ({left})", time_text(facts.not_after)),
        ),
        (
            "鍵",
            "Key",
            format!("{}{}", key_text(&facts.key), key_unit(&facts.key, lang)),
        ),
        ("SHA-256", "SHA-256", fingerprint_text(&facts.sha256)),
        ("署名", "Signature", signature_text(facts, lang)),
    ];
    rows.iter()
        .map(|(ja, en, value)| format!("{}: {value}\n", lang.pick(ja, en)))
        .collect()
}

fn key_unit(key: &Key, lang: Lang) -> &'static str {
    match key {
        Key::Rsa(_) => lang.pick(" ビット", " bits"),
        _ => "",
    }
}

/// Whether the card's CA certificate signed it, in words.
fn signature_text(facts: &Facts, lang: Lang) -> String {
    let ca = facts.checked_against.id();
    let own = facts.checked_against == facts.kind;
    match (&facts.signature, lang) {
        (Signature::Verified, Lang::Ja) if own => "自己署名を検証できました".to_string(),
        (Signature::Verified, Lang::En) if own => "self-signed; the signature verifies".to_string(),
        (Signature::Verified, Lang::Ja) => {
            format!("このカードの {ca} 証明書で検証できました")
        }
        (Signature::Verified, Lang::En) => {
            format!("verified with the {ca} certificate on this card")
        }
        (Signature::Invalid, Lang::Ja) => {
            format!("{ca} 証明書の鍵では検証できません（署名が一致しません）")
        }
        (Signature::Invalid, Lang::En) => {
            format!("does NOT verify with the {ca} certificate's key")
        }
        (Signature::OtherIssuer, Lang::Ja) => {
            format!("発行者がこのカードの {ca} 証明書の発行先と異なります")
        }
        (Signature::OtherIssuer, Lang::En) => {
            format!("its issuer is not the subject of the {ca} certificate on this card")
        }
        (Signature::Unsupported, Lang::Ja) => "署名方式を jpki は検証できません".to_string(),
        (Signature::Unsupported, Lang::En) => {
            "its signature algorithm is not one jpki can check".to_string()
        }
        (Signature::IssuerUnreadable(e), Lang::Ja) => {
            format!("検証できません: {}", certificate_ja(e))
        }
        (Signature::IssuerUnreadable(e), Lang::En) => format!("not checked: {e}"),
    }
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, ef) = (self.kind.id(), ef_text(self.kind));
        write!(
            f,
            "the {kind} certificate (EF {ef}) {}",
            problem_en(&self.problem)
        )
    }
}

/// Why, in English. Never the certificate's bytes: the sign certificate's are personal.
fn problem_en(problem: &CertificateProblem) -> String {
    match problem {
        CertificateProblem::NeedsPin => "is shown only after a PIN".to_string(),
        CertificateProblem::Refused(sw) if sw.to_u16() == 0x6A82 => {
            format!("is not on this card (the card answered {sw})")
        }
        CertificateProblem::Refused(sw) => format!("could not be read: the card answered {sw}"),
        CertificateProblem::Malformed => {
            "could not be read: the card's answer had no status word".to_string()
        }
        CertificateProblem::Empty => "is empty: the card gave no bytes".to_string(),
        CertificateProblem::BadHeader => {
            "is not DER: its first bytes are no certificate's header".to_string()
        }
        CertificateProblem::TooLong(n) => format!(
            "claims {n} bytes, more than any certificate has ({} at most)",
            jpki_card::card::certificate::MAX_CERTIFICATE_LENGTH
        ),
        CertificateProblem::Truncated => {
            "is truncated: the card stopped before the length its header gives".to_string()
        }
        CertificateProblem::Unparsable(why) => format!(
            "is not an X.509 certificate ({})",
            jpki_card::text::excerpt(why)
        ),
    }
}

/// A certificate that could not be read, in Japanese. Never its bytes.
pub fn certificate_ja(error: &CertificateError) -> String {
    let name = certificate_name(error.kind, Lang::Ja);
    let ef = ef_text(error.kind);
    let why = match &error.problem {
        CertificateProblem::NeedsPin => "PIN の入力後にしか読めません".to_string(),
        CertificateProblem::Refused(sw) if sw.to_u16() == 0x6A82 => {
            format!("このカードにありません（カードの応答 {sw}）")
        }
        CertificateProblem::Refused(sw) => format!("読み取れません（カードの応答 {sw}）"),
        CertificateProblem::Malformed => {
            "読み取れません（カードの応答にステータスワードがありません）".to_string()
        }
        CertificateProblem::Empty => "空です（カードが 1 バイトも返しません）".to_string(),
        CertificateProblem::BadHeader => {
            "DER ではありません（先頭が証明書のヘッダーではありません）".to_string()
        }
        CertificateProblem::TooLong(n) => {
            format!("ヘッダーが {n} バイトと言っており、証明書として長すぎます")
        }
        CertificateProblem::Truncated => {
            "途中で切れています（ヘッダーの長さまでカードが返しません）".to_string()
        }
        CertificateProblem::Unparsable(why) => format!(
            "X.509 証明書として読めません（{}）",
            jpki_card::text::excerpt(why)
        ),
    };
    format!("{name}（EF {ef}）が{why}")
}

/// A certificate that could not be written, in Japanese.
pub fn export_ja(error: &ExportError) -> String {
    let shown = |p: &std::path::Path| printable(&p.display().to_string());
    match error {
        ExportError::Exists { path } => format!(
            "{} は既にあります。置き換えるのは --force を付けたときだけです",
            shown(path)
        ),
        ExportError::Link { path } => format!(
            "{} はシンボリックリンクです。jpki はリンク越しには書き込みません",
            shown(path)
        ),
        ExportError::NotAFile { path } => format!("{} は通常のファイルではありません", shown(path)),
        ExportError::Unwritable { path, reason } => {
            format!("{} に書き込めません（{}）", shown(path), printable(reason))
        }
        ExportError::BinaryToTerminal => {
            "DER はバイナリで、標準出力が端末です。--out FILE を付けるか、出力をリダイレクトしてください"
                .to_string()
        }
    }
}
