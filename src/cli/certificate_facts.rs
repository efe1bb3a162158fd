//! What `certificate show` tells of a certificate: its fields, its key, its SHA-256
//! fingerprint, and whether the CA certificate read from the same card signed it (a CA
//! certificate: whether it signed itself). Parsed and checked here, in the command: the library
//! only reads the bytes.

use jpki_card::card::certificate::{CertificateKind, CertificateProblem, Expiry};
use time::{Date, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
#[cfg(feature = "signature-check")]
use x509_parser::error::X509Error;
use x509_parser::public_key::PublicKey;

/// Dates and times are shown as in Japan (UTC+9), where the card holder lives.
const JST_HOURS: i8 = 9;

/// A certificate of the card that could not be read or parsed: which one, and why. Its words,
/// English (`Display`) and Japanese, are in `words::certificate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateError {
    /// Which certificate.
    pub kind: CertificateKind,
    /// Why no certificate came of it.
    pub problem: CertificateProblem,
}

impl std::error::Error for CertificateError {}

/// The EF as docs/protocol.md writes it: `00 0A`.
pub fn ef_text(kind: CertificateKind) -> String {
    let [hi, lo] = kind.ef();
    format!("{hi:02X} {lo:02X}")
}

/// The certificate's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// RSA, of this many bits (2048 on today's cards).
    Rsa(usize),
    /// ECDSA on a named curve (P-384 expected on the next card), or an unnamed one's OID.
    Ec(Curve),
    /// Another algorithm, by its OID.
    Other(String),
}

/// An elliptic curve, by name when jpki knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256, P-384 or P-521.
    Named(&'static str, usize),
    /// Another curve's OID.
    Oid(String),
}

/// What the CA certificate on the card says of this one's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
// Without `signature-check` nothing is verified, so neither verdict is ever made.
#[cfg_attr(not(feature = "signature-check"), allow(dead_code))]
pub enum Signature {
    /// The CA certificate's key verifies it (for a CA certificate: its own key).
    Verified,
    /// The signature does not verify with that key.
    Invalid,
    /// The certificate names another issuer than the CA certificate's subject.
    OtherIssuer,
    /// Its signature algorithm is not one jpki can check.
    Unsupported,
    /// The CA certificate could not be read: why.
    IssuerUnreadable(CertificateError),
}

impl Signature {
    /// The id used in JSON.
    pub fn id(&self) -> &'static str {
        match self {
            Signature::Verified => "verified",
            Signature::Invalid => "invalid",
            Signature::OtherIssuer => "other_issuer",
            Signature::Unsupported => "unsupported",
            Signature::IssuerUnreadable(_) => "issuer_unreadable",
        }
    }
}

/// Everything `show` says of a certificate.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Which certificate.
    pub kind: CertificateKind,
    /// Its length in bytes.
    pub length: usize,
    /// The subject, as RFC 4514 text (the sign certificate's holds the holder's name).
    pub subject: String,
    /// The issuer, as RFC 4514 text.
    pub issuer: String,
    /// The serial number, upper-case hex.
    pub serial: String,
    /// notBefore and notAfter, in Japan.
    pub not_before: OffsetDateTime,
    /// The last moment it is valid, in Japan.
    pub not_after: OffsetDateTime,
    /// notAfter against today.
    pub expiry: Expiry,
    /// The key.
    pub key: Key,
    /// SHA-256 of the DER.
    pub sha256: [u8; 32],
    /// Which certificate it was checked against: its issuer on the card.
    pub checked_against: CertificateKind,
    /// What that check said.
    pub signature: Signature,
}

fn jst() -> UtcOffset {
    UtcOffset::from_hms(JST_HOURS, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Parse `der` as the `kind` certificate.
pub fn parse(kind: CertificateKind, der: &[u8]) -> Result<X509Certificate<'_>, CertificateError> {
    match x509_parser::parse_x509_certificate(der) {
        Ok(([], certificate)) => Ok(certificate),
        Ok(_) => Err(CertificateError {
            kind,
            problem: CertificateProblem::Unparsable(
                "bytes follow the certificate inside its length".to_string(),
            ),
        }),
        Err(e) => Err(CertificateError {
            kind,
            problem: CertificateProblem::Unparsable(e.to_string()),
        }),
    }
}

/// The facts of `der`, the `kind` certificate, checked against `issuer` (its CA certificate's
/// DER, or why it could not be read; ignored for a CA certificate, which is checked against
/// itself), with days left counted from `today`.
pub fn facts(
    kind: CertificateKind,
    der: &[u8],
    issuer: Result<&[u8], CertificateError>,
    today: Date,
) -> Result<Facts, CertificateError> {
    let certificate = parse(kind, der)?;
    let checked_against = kind.issuer();
    let signature = if checked_against == kind {
        check(&certificate, &certificate)
    } else {
        match issuer.and_then(|ca| parse(checked_against, ca)) {
            Ok(ca) => check(&certificate, &ca),
            Err(e) => Signature::IssuerUnreadable(e),
        }
    };
    let validity = certificate.validity();
    let not_before = validity.not_before.to_datetime().to_offset(jst());
    let not_after = validity.not_after.to_datetime().to_offset(jst());
    let sha256: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(der).into();
    Ok(Facts {
        kind,
        length: der.len(),
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        serial: hex::encode_upper(certificate.raw_serial()),
        not_before,
        not_after,
        expiry: Expiry::on(not_after.date(), today),
        key: key_of(&certificate),
        sha256,
        checked_against,
        signature,
    })
}

/// Whether `ca` signed `certificate`.
fn check(certificate: &X509Certificate<'_>, ca: &X509Certificate<'_>) -> Signature {
    if certificate.issuer() != ca.subject() {
        return Signature::OtherIssuer;
    }
    verified(certificate, ca)
}

/// The signature checked with `ca`'s key.
#[cfg(feature = "signature-check")]
fn verified(certificate: &X509Certificate<'_>, ca: &X509Certificate<'_>) -> Signature {
    match certificate.verify_signature(Some(ca.public_key())) {
        Ok(()) => Signature::Verified,
        Err(X509Error::SignatureUnsupportedAlgorithm) => Signature::Unsupported,
        Err(_) => Signature::Invalid,
    }
}

/// A build without `signature-check` checks no signature: it says so, never "verified".
#[cfg(not(feature = "signature-check"))]
fn verified(_certificate: &X509Certificate<'_>, _ca: &X509Certificate<'_>) -> Signature {
    Signature::Unsupported
}

fn key_of(certificate: &X509Certificate<'_>) -> Key {
    let info = certificate.public_key();
    match info.parsed() {
        Ok(PublicKey::RSA(rsa)) => Key::Rsa(rsa.key_size()),
        Ok(PublicKey::EC(_)) => {
            let oid = info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string())
                .unwrap_or_default();
            Key::Ec(match oid.as_str() {
                "1.2.840.10045.3.1.7" => Curve::Named("P-256", 256),
                "1.3.132.0.34" => Curve::Named("P-384", 384),
                "1.3.132.0.35" => Curve::Named("P-521", 521),
                _ => Curve::Oid(oid),
            })
        }
        _ => Key::Other(info.algorithm.algorithm.to_id_string()),
    }
}

/// The key as one phrase in either language: `RSA 2048`, `ECDSA P-384`.
pub fn key_text(key: &Key) -> String {
    match key {
        Key::Rsa(bits) => format!("RSA {bits}"),
        Key::Ec(Curve::Named(name, _)) => format!("ECDSA {name}"),
        Key::Ec(Curve::Oid(oid)) => format!("ECDSA ({oid})"),
        Key::Other(oid) => oid.clone(),
    }
}

/// A date and time in Japan as `YYYY-MM-DD HH:MM:SS JST`.
pub fn time_text(at: OffsetDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02} JST",
        jpki_card::card::certificate::date_text(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A date and time in Japan as RFC 3339 (`2031-03-31T23:59:59+09:00`), for JSON.
pub fn time_rfc3339(at: OffsetDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}+09:00",
        jpki_card::card::certificate::date_text(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The fingerprint as `AB:CD:...` (text); JSON has it without colons.
pub fn fingerprint_text(sha256: &[u8; 32]) -> String {
    sha256
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpki_vcard::{
        TEST_AUTH_CA_CERTIFICATE, TEST_AUTH_CERTIFICATE, TEST_SIGN_CA_CERTIFICATE,
        TEST_SIGN_CERTIFICATE,
    };
    use time::Month;

    fn today() -> Date {
        Date::from_calendar_date(2026, Month::December, 7).unwrap()
    }

    #[test]
    fn the_test_certificates_chain_and_carry_rsa_2048() {
        let auth = facts(
            CertificateKind::Auth,
            TEST_AUTH_CERTIFICATE,
            Ok(TEST_AUTH_CA_CERTIFICATE),
            today(),
        )
        .unwrap();
        assert_eq!(auth.signature, Signature::Verified);
        assert_eq!(auth.key, Key::Rsa(2048));
        assert_eq!(auth.checked_against, CertificateKind::AuthCa);
        let ca = facts(
            CertificateKind::SignCa,
            TEST_SIGN_CA_CERTIFICATE,
            Ok(&[]),
            today(),
        );
        assert_eq!(ca.unwrap().signature, Signature::Verified);
    }

    #[test]
    fn a_certificate_checked_against_the_other_ca_is_not_verified() {
        let sign = facts(
            CertificateKind::Sign,
            TEST_SIGN_CERTIFICATE,
            Ok(TEST_AUTH_CA_CERTIFICATE),
            today(),
        )
        .unwrap();
        assert_ne!(sign.signature, Signature::Verified);
        let unreadable = CertificateError {
            kind: CertificateKind::SignCa,
            problem: CertificateProblem::Empty,
        };
        let sign = facts(
            CertificateKind::Sign,
            TEST_SIGN_CERTIFICATE,
            Err(unreadable.clone()),
            today(),
        )
        .unwrap();
        assert_eq!(sign.signature, Signature::IssuerUnreadable(unreadable));
    }

    #[test]
    fn garbage_and_trailing_bytes_are_named_errors() {
        let error = facts(
            CertificateKind::Auth,
            &[0x30, 0x03, 1, 2, 3],
            Ok(&[]),
            today(),
        )
        .unwrap_err();
        assert_eq!(error.kind, CertificateKind::Auth);
        assert!(error
            .to_string()
            .starts_with("the auth certificate (EF 00 0A) is not an X.509"));
        let mut long = TEST_AUTH_CA_CERTIFICATE.to_vec();
        long.push(0);
        assert!(parse(CertificateKind::AuthCa, &long).is_err());
    }
}
