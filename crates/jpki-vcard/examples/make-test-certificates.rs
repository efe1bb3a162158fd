//! Regenerate the test certificates, and (with `--traces`) the full-status traces that carry
//! their bytes:
//!
//!     cargo run -p jpki-vcard --example make-test-certificates [-- --traces]
//!
//! Writes under crates/jpki-vcard/fixtures/: two test CA certificates (user authentication, EF 00 0B; digital
//! signature, EF 00 02), the user-authentication certificate valid until 2031-03-31 and one that
//! expired on 2025-03-31 (EF 00 0A), and the signature certificate (EF 00 01). All are RSA-2048
//! with SHA-256, shaped like J-LIS's (issuer `C=JP, O=JPKI, OU=JPKI for user authentication,
//! OU=Japan Agency for Local Authority Information Systems`, of a real auth certificate's size)
//! and marked `TEST ONLY` in their names and policy text. The keys are the published test keys
//! in crates/jpki-vcard/fixtures/test-keys/, and RSA PKCS #1 v1.5 signatures are deterministic, so the bytes
//! are the same on every run.
//!
//! An ECDSA P-384 auth certificate, crates/jpki-vcard/fixtures/auth-cert-ec-p384.der, is not
//! made here (ECDSA signatures are not deterministic): it is a committed TEST ONLY fixture made
//! with openssl (fixtures/test-keys/README.md), which `--traces` reads.
//!
//! `--traces` also writes the hand-written traces under apdu-traces/card/ and
//! apdu-traces/guidance/ (the 14-APDU counter exchange of docs/protocol.md after the token and
//! certificate reads). Edit this file, not those traces.

use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName,
    DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
    PKCS_RSA_SHA256,
};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use time::macros::datetime;
use time::OffsetDateTime;

/// The organisational unit J-LIS names itself with in every JPKI certificate.
const JLIS: &str = "Japan Agency for Local Authority Information Systems";
/// What every test certificate says about itself, in its name and its policy.
const TEST_ONLY: &str = "TEST ONLY - jpki test fixture, not issued by J-LIS";

/// One of the published test keys.
fn test_key(package: &Path, name: &str) -> KeyPair {
    let path = package
        .join("fixtures/test-keys")
        .join(format!("{name}.pem"));
    let pem = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    KeyPair::from_pkcs8_pem_and_sign_algo(&pem, &PKCS_RSA_SHA256).unwrap()
}

/// A DER element: tag, length, content.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
const IA5_STRING: u8 = 0x16;
const UTF8_STRING: u8 = 0x0C;

/// certificatePolicies: anyPolicy with a CPS pointer and a notice saying what this is.
fn policies(purpose: &str) -> CustomExtension {
    let any_policy = der(OID, &[0x55, 0x1D, 0x20, 0x00]);
    let cps = der(
        SEQUENCE,
        &[
            der(OID, &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x01]),
            der(IA5_STRING, b"http://jpki-test-fixture.invalid/cps"),
        ]
        .concat(),
    );
    let text = format!(
        "{TEST_ONLY}. A {purpose} certificate made for jpki's tests with a published key; it \
         identifies no one and proves nothing."
    );
    let notice = der(
        SEQUENCE,
        &[
            der(OID, &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x02]),
            der(SEQUENCE, &der(UTF8_STRING, text.as_bytes())),
        ]
        .concat(),
    );
    let qualifiers = der(SEQUENCE, &[cps, notice].concat());
    let info = der(SEQUENCE, &[any_policy, qualifiers].concat());
    CustomExtension::from_oid_content(&[2, 5, 29, 32], der(SEQUENCE, &info))
}

/// authorityInfoAccess: an OCSP responder and the issuer's certificate, as real JPKI
/// end-entity certificates name them.
fn authority_info_access(purpose: &str) -> CustomExtension {
    let access = |method: u8, uri: &str| {
        der(
            SEQUENCE,
            &[
                der(OID, &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, method]),
                der(0x86, uri.as_bytes()),
            ]
            .concat(),
        )
    };
    let slug = purpose.replace(' ', "-");
    let both = [
        access(1, "http://jpki-test-fixture.invalid/ocsp"),
        access(
            2,
            &format!("http://jpki-test-fixture.invalid/ca/{slug}.cer"),
        ),
    ]
    .concat();
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], der(SEQUENCE, &both))
}

fn printable(text: &str) -> DnValue {
    DnValue::PrintableString(text.try_into().unwrap())
}

/// `C=JP, O=JPKI, OU=JPKI for <purpose>, OU=<J-LIS>, CN=TEST ONLY ...`: J-LIS's CA name with a
/// common name that says it is a test. rcgen keeps one value per attribute type, so the second OU
/// goes in under its OID as a custom type.
fn ca_params(purpose: &str, serial: u64) -> CertificateParams {
    let mut params = CertificateParams::default();
    // The default name holds a common name, which would then come first.
    params.distinguished_name = DistinguishedName::new();
    let dn = &mut params.distinguished_name;
    dn.push(DnType::CountryName, printable("JP"));
    dn.push(DnType::OrganizationName, printable("JPKI"));
    dn.push(
        DnType::OrganizationalUnitName,
        printable(&format!("JPKI for {purpose}")),
    );
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 11]), printable(JLIS));
    dn.push(
        DnType::CommonName,
        printable(&format!("TEST ONLY JPKI {purpose} CA")),
    );
    // The dates of J-LIS's 2023 CAs; 14:59:59 UTC is 23:59:59 in Japan.
    params.not_before = datetime!(2023-07-16 1:01:04 UTC);
    params.not_after = datetime!(2033-07-15 14:59:59 UTC);
    params.serial_number = Some(SerialNumber::from(serial));
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.custom_extensions = vec![policies(&format!("{purpose} CA"))];
    params
}

/// An end-entity certificate of `purpose`, issued by that purpose's test CA.
fn leaf_params(
    purpose: &str,
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    serial: u64,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    // The default name holds a common name, which would then come first.
    params.distinguished_name = DistinguishedName::new();
    let dn = &mut params.distinguished_name;
    dn.push(DnType::CountryName, printable("JP"));
    dn.push(DnType::OrganizationalUnitName, printable(TEST_ONLY));
    dn.push(DnType::CommonName, printable(common_name));
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(SerialNumber::from(serial));
    params.use_authority_key_identifier_extension = true;
    let slug = purpose.replace(' ', "-");
    params.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![
            format!("http://jpki-test-fixture.invalid/crl/{slug}.crl"),
            format!(
                "ldap://jpki-test-fixture.invalid/cn=CRL,ou=JPKI%20for%20{},o=JPKI,c=JP\
                 ?certificateRevocationList",
                purpose.replace(' ', "%20")
            ),
        ],
    }];
    params.custom_extensions = vec![policies(purpose), authority_info_access(purpose)];
    params
}

/// The five fixtures: (file name, DER).
fn certificates(package: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let auth_ca_key = test_key(package, "auth-ca");
    let sign_ca_key = test_key(package, "sign-ca");
    let auth_key = test_key(package, "auth");
    let sign_key = test_key(package, "sign");

    let auth_ca_params = ca_params("user authentication", 0x7E57_0001);
    let sign_ca_params = ca_params("digital signature", 0x7E57_0002);
    let auth_ca = auth_ca_params.self_signed(&auth_ca_key).unwrap();
    let sign_ca = sign_ca_params.self_signed(&sign_ca_key).unwrap();
    let auth_issuer = Issuer::from_params(&auth_ca_params, &auth_ca_key);
    let sign_issuer = Issuer::from_params(&sign_ca_params, &sign_ca_key);

    let auth = |not_before, not_after, serial| {
        let mut params = leaf_params(
            "user authentication",
            "TEST ONLY user authentication certificate",
            not_before,
            not_after,
            serial,
        );
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params
            .signed_by(&auth_key, &auth_issuer)
            .unwrap()
            .der()
            .to_vec()
    };
    // 14:59:59 UTC is 23:59:59 in Japan, the time of day J-LIS certificates end.
    let valid = auth(
        datetime!(2026-01-05 0:00 UTC),
        datetime!(2031-03-31 14:59:59 UTC),
        1,
    );
    let expired = auth(
        datetime!(2020-01-06 0:00 UTC),
        datetime!(2025-03-31 14:59:59 UTC),
        2,
    );
    let mut sign_params = leaf_params(
        "digital signature",
        "TEST ONLY digital signature certificate",
        datetime!(2026-01-05 0:00 UTC),
        datetime!(2031-03-31 14:59:59 UTC),
        3,
    );
    sign_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    let sign = sign_params.signed_by(&sign_key, &sign_issuer).unwrap();

    vec![
        ("auth-ca-cert.der", auth_ca.der().to_vec()),
        ("sign-ca-cert.der", sign_ca.der().to_vec()),
        ("auth-cert-valid.der", valid),
        ("auth-cert-expired.der", expired),
        ("sign-cert-valid.der", sign.der().to_vec()),
    ]
}

/// One PIN's part of the exchange, as the card answers it.
#[derive(Clone, Copy)]
enum Pin {
    /// SELECT of the EF answers 90 00; the empty VERIFY answers this.
    Counter(&'static str),
    /// SELECT of the EF answers 6A 82.
    NoFile,
}

/// An application with one PIN: present with this PIN, or missing (6A 82).
#[derive(Clone, Copy)]
enum App {
    With(Pin),
    Missing,
}

/// The token EF: 32 bytes of this name, or missing.
#[derive(Clone, Copy)]
enum Token {
    Name(&'static str),
    Missing,
}

/// What the auth certificate EF holds.
#[derive(Clone, Copy)]
enum Cert<'a> {
    Der(&'a [u8]),
    /// A header claiming 0x7FFF bytes.
    Lying,
    Missing,
    /// Not read at all (a smartphone token).
    Skipped,
}

struct Card<'a> {
    comment: &'a str,
    token: Token,
    cert: Cert<'a>,
    sign: Pin,
    auth: Pin,
    /// The juki PIN's two key references: the 住基 AP's, then the 共通 AP's.
    juki: [App; 2],
    kenhojo: App,
    /// What the 共通 AP's EF 00 01 answers (read when the 共通 AP is there).
    info: Info,
}

/// The 共通 AP's card-information EF: record 1 with this expiry (YYYYMMDD), this SELECT
/// answer, or a READ RECORD answer of this hex.
#[derive(Clone, Copy)]
enum Info {
    Expiry(&'static str),
    SelectAnswers(&'static str),
    ReadAnswers(&'static str),
}

fn spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

struct Writer(String);

impl Writer {
    fn new(comment: &str) -> Writer {
        let mut text = String::new();
        for line in comment.lines() {
            writeln!(text, "# {line}").unwrap();
        }
        text.push_str(
            "# Generated by crates/jpki-vcard/examples/make-test-certificates.rs: edit that, not this file.\n",
        );
        text.push_str("@source hand-written\n@reader Hand-written Reader 00 00\n\n");
        Writer(text)
    }

    fn x(&mut self, command: &str, answer: &str, note: &str) {
        writeln!(self.0, "> {command}   # {note}\n< {answer}").unwrap();
    }

    fn pin(&mut self, ef: &str, pin: Pin, name: &str) {
        match pin {
            Pin::Counter(sw) => {
                self.x(
                    &format!("00 A4 02 0C 02 {ef}"),
                    "90 00",
                    &format!("SELECT {name} PIN EF"),
                );
                self.x(
                    "00 20 00 80",
                    sw,
                    &format!("VERIFY, no data: {name} counter"),
                );
            }
            Pin::NoFile => self.x(
                &format!("00 A4 02 0C 02 {ef}"),
                "6A 82",
                &format!("SELECT {name} PIN EF: not found"),
            ),
        }
    }

    fn info(&mut self, info: Info) {
        let select = match info {
            Info::SelectAnswers(sw) => sw,
            _ => "90 00",
        };
        self.x("00 A4 02 0C 02 00 01", select, "SELECT card information EF");
        if select != "90 00" {
            return;
        }
        let answer = match info {
            Info::Expiry(date) => {
                let record = format!("\x01\x1C{}{date}", "0".repeat(20));
                format!("{} 90 00", spaced(record.as_bytes()))
            }
            Info::ReadAnswers(answer) => answer.to_string(),
            Info::SelectAnswers(_) => unreachable!(),
        };
        self.x("00 B2 01 04 00", &answer, "READ RECORD 1: card information");
    }

    fn app(&mut self, aid: &str, app: App, ef: &str, name: &str, info: Option<Info>) {
        match app {
            App::With(pin) => {
                self.x(
                    &format!("00 A4 04 0C 0A {aid}"),
                    "90 00",
                    &format!("SELECT {name} AP"),
                );
                if let Some(info) = info {
                    self.info(info);
                }
                self.pin(ef, pin, name);
            }
            App::Missing => self.x(
                &format!("00 A4 04 0C 0A {aid}"),
                "6A 82",
                &format!("SELECT {name} AP: not found"),
            ),
        }
    }

    fn token(&mut self, token: Token) {
        match token {
            Token::Name(name) => {
                self.x("00 A4 02 0C 02 00 06", "90 00", "SELECT token EF");
                let mut bytes = name.as_bytes().to_vec();
                bytes.resize(32, b' ');
                self.x(
                    "00 B0 00 00 20",
                    &format!("{} 90 00", spaced(&bytes)),
                    &format!("READ BINARY 32: \"{name}\""),
                );
            }
            Token::Missing => self.x(
                "00 A4 02 0C 02 00 06",
                "6A 82",
                "SELECT token EF: not found",
            ),
        }
    }

    fn cert(&mut self, cert: Cert) {
        match cert {
            Cert::Der(der) => {
                self.x(
                    "00 A4 02 0C 02 00 0A",
                    "90 00",
                    "SELECT auth certificate EF",
                );
                self.x(
                    "00 B0 00 00 04",
                    &format!("{} 90 00", spaced(&der[..4])),
                    "READ BINARY: DER header",
                );
                let mut offset = 4;
                while offset < der.len() {
                    let n = (der.len() - offset).min(256);
                    let le = if n == 256 { 0 } else { n as u8 };
                    let [hi, lo] = (offset as u16).to_be_bytes();
                    self.x(
                        &format!("00 B0 {hi:02X} {lo:02X} {le:02X}"),
                        &format!("{} 90 00", spaced(&der[offset..offset + n])),
                        &format!("READ BINARY {n} at {offset}"),
                    );
                    offset += n;
                }
            }
            Cert::Lying => {
                self.x(
                    "00 A4 02 0C 02 00 0A",
                    "90 00",
                    "SELECT auth certificate EF",
                );
                self.x(
                    "00 B0 00 00 04",
                    "30 82 7F FF 90 00",
                    "READ BINARY: a header claiming 32 KB",
                );
            }
            Cert::Missing => self.x(
                "00 A4 02 0C 02 00 0A",
                "6A 82",
                "SELECT auth certificate EF: not found",
            ),
            Cert::Skipped => {}
        }
    }
}

const JPKI: &str = "D3 92 F0 00 26 01 00 00 00 01";
const JUKI_AP: &str = "D3 92 10 00 31 00 01 01 04 01";
const COMMON_AP: &str = "D3 92 10 00 31 00 01 01 01 00";
const KENHOJO: &str = "D3 92 10 00 31 00 01 01 04 08";

fn full_status(card: &Card) -> String {
    let mut w = Writer::new(card.comment);
    w.x(&format!("00 A4 04 0C 0A {JPKI}"), "90 00", "SELECT JPKI AP");
    w.token(card.token);
    w.cert(card.cert);
    w.pin("00 1B", card.sign, "sign");
    w.pin("00 18", card.auth, "auth");
    w.app(JUKI_AP, card.juki[0], "00 1C", "juki (住基)", None);
    w.app(
        COMMON_AP,
        card.juki[1],
        "00 1C",
        "juki (共通)",
        Some(card.info),
    );
    w.app(KENHOJO, card.kenhojo, "00 11", "kenhojo", None);
    w.0
}

fn probe(comment: &str, jpki_answer: &str, token: Option<Token>) -> String {
    let mut w = Writer::new(comment);
    w.x(
        &format!("00 A4 04 0C 0A {JPKI}"),
        jpki_answer,
        "SELECT JPKI AP",
    );
    if let Some(token) = token {
        w.token(token);
    }
    w.0
}

fn write_traces(root: &Path, valid: &[u8], expired: &[u8], ec: &[u8]) -> usize {
    let ok = |sw| Pin::Counter(sw);
    let both = |pin| [App::With(pin); 2];
    let fresh = Card {
        comment: "",
        token: Token::Name("JPKIAPICCTOKEN2"),
        cert: Cert::Der(valid),
        sign: ok("63 C5"),
        auth: ok("63 C3"),
        juki: both(ok("63 C3")),
        kenhojo: App::With(ok("63 C3")),
        info: Info::Expiry("20360331"),
    };
    let cards: Vec<(&str, Card)> = vec![
        ("card/my-number-card.trace", Card { comment: "Plain status of a My Number card: token, auth certificate (valid to 2031-03-31), counters.", ..fresh }),
        ("card/expired-certificate.trace", Card { comment: "A My Number card whose auth certificate ended on 2025-03-31.", cert: Cert::Der(expired), ..fresh }),
        ("card/juki-card.trace", Card { comment: "An old 住基カード: token JPKIAPICCTOKEN, no 券面事項入力補助 AP.", token: Token::Name("JPKIAPICCTOKEN"), kenhojo: App::Missing, ..fresh }),
        ("card/smartphone.trace", Card { comment: "A smartphone's JPKI (JPKIAPGPSETOKEN): its auth certificate needs a PIN, so it is not read.\nNo juki or kenhojo application.", token: Token::Name("JPKIAPGPSETOKEN"), cert: Cert::Skipped, juki: [App::Missing; 2], kenhojo: App::Missing, ..fresh }),
        ("card/iphone.trace", Card { comment: "An iPhone's JPKI (JPKIAPIOSTOKEN, named by one public source): read as the Android one, no auth certificate.\nNo juki or kenhojo application.", token: Token::Name("JPKIAPIOSTOKEN"), cert: Cert::Skipped, juki: [App::Missing; 2], kenhojo: App::Missing, ..fresh }),
        ("card/ec-certificate.trace", Card { comment: "A card whose auth certificate is ECDSA P-384 (fixtures/auth-cert-ec-p384.der, valid to 2031-03-31).", cert: Cert::Der(ec), ..fresh }),
        ("card/card-expiry-refused.trace", Card { comment: "The 共通 AP has no card-information EF: no card expiry, no error.", info: Info::SelectAnswers("6A 82"), ..fresh }),
        ("card/card-expiry-odd-record.trace", Card { comment: "The card-information record is not the one known layout: no date is shown.", info: Info::ReadAnswers("01 1C 41 42 90 00"), ..fresh }),
        ("card/card-expiry-no-sw.trace", Card { comment: "READ RECORD of the card information gets one byte, no status word.", info: Info::ReadAnswers("90"), ..fresh }),
        ("card/unknown-token.trace", Card { comment: "A JPKI AP whose token names something jpki does not know, and no auth certificate EF.", token: Token::Name("SOMETHINGELSE"), cert: Cert::Missing, ..fresh }),
        ("card/no-token-no-certificate.trace", Card { comment: "Neither the token EF nor the auth certificate EF can be selected: status still shows the PINs.", token: Token::Missing, cert: Cert::Missing, ..fresh }),
        ("card/lying-certificate-header.trace", Card { comment: "The certificate header claims 32 KB: jpki stops there and still shows the PINs.", cert: Cert::Lying, ..fresh }),
        ("guidance/sign-locked.trace", Card { comment: "Sign locked, auth works: kiosk reset.", sign: ok("63 C0"), ..fresh }),
        ("guidance/auth-locked.trace", Card { comment: "Auth locked, sign works: kiosk reset; juki and kenhojo still work (same-value hint).", auth: ok("63 C0"), ..fresh }),
        ("guidance/both-jpki-locked.trace", Card { comment: "Sign and auth both locked: city office.", sign: ok("63 C0"), auth: ok("69 83"), ..fresh }),
        ("guidance/juki-locked.trace", Card { comment: "Juki locked (both key references): city office only; auth and kenhojo still work (same-value hint).", juki: both(ok("63 C0")), ..fresh }),
        ("guidance/all-four-digit-locked.trace", Card { comment: "All three 4-digit PINs locked, sign works: auth by kiosk, the others at the city office, no hint.", auth: ok("63 C0"), juki: both(ok("63 C0")), kenhojo: App::With(ok("69 83")), ..fresh }),
        ("guidance/last-tries.trace", Card { comment: "Sign and kenhojo on their last try.", sign: ok("63 C1"), kenhojo: App::With(ok("63 C1")), ..fresh }),
        ("guidance/auth-last-try-sign-locked.trace", Card { comment: "Auth on its last try while sign is locked: a lock would need the city office.", sign: ok("63 C0"), auth: ok("63 C1"), ..fresh }),
        ("guidance/sign-not-issued.trace", Card { comment: "A child's card: no sign PIN EF (no signature certificate).", sign: Pin::NoFile, ..fresh }),
        ("guidance/sign-6984.trace", Card { comment: "The sign PIN answers 69 84: blocked, as every source that names 69 84 reads it; auth works: kiosk reset.", sign: ok("69 84"), ..fresh }),
        ("guidance/no-sign-auth-locked.trace", Card { comment: "No sign PIN EF and auth locked: what a 顔認証マイナンバーカード may look like (no public trace shows one). No kiosk.", sign: Pin::NoFile, auth: ok("63 C0"), ..fresh }),
        ("guidance/expired-sign-locked.trace", Card { comment: "Auth certificate expired (2025-03-31), sign locked, auth works: no kiosk, the city office.", cert: Cert::Der(expired), sign: ok("63 C0"), ..fresh }),
        ("guidance/expired-auth-last-try.trace", Card { comment: "Auth certificate expired (2025-03-31), auth on its last try: a lock would need the city office.", cert: Cert::Der(expired), auth: ok("63 C1"), ..fresh }),
        ("guidance/expires-soon.trace", Card { comment: "Valid certificate; run with --today 2031-02-01 to be within 90 days.", ..fresh }),
    ];
    for (path, card) in &cards {
        fs::write(root.join("apdu-traces").join(path), full_status(card)).unwrap();
    }
    let probes = [
        (
            "card/probe-my-number-card.trace",
            probe(
                "What `readers` and `doctor` send: SELECT JPKI AP, then the token.",
                "90 00",
                Some(Token::Name("JPKIAPICCTOKEN2")),
            ),
        ),
        (
            "card/probe-smartphone.trace",
            probe(
                "A smartphone token, probed by `readers` and `doctor`.",
                "90 00",
                Some(Token::Name("JPKIAPGPSETOKEN")),
            ),
        ),
        (
            "card/probe-not-my-number-card.trace",
            probe(
                "A card without the JPKI AP, probed by `readers` and `doctor`.",
                "6A 82",
                None,
            ),
        ),
    ];
    for (path, text) in probes {
        fs::write(root.join("apdu-traces").join(path), text).unwrap();
    }
    cards.len() + 3
}

fn main() {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The traces belong to the whole repository, two folders up.
    let root = &package.join("../..");
    let traces = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--traces") => true,
        Some(other) => {
            eprintln!("usage: cargo run -p jpki-vcard --example make-test-certificates [-- --traces] ({other}?)");
            std::process::exit(2);
        }
    };
    let certificates = certificates(package);
    for (name, der) in &certificates {
        fs::write(package.join("fixtures").join(name), der).unwrap();
        println!("crates/jpki-vcard/fixtures/{name}: {} bytes", der.len());
    }
    if traces {
        let der = |wanted: &str| {
            certificates
                .iter()
                .find(|(name, _)| *name == wanted)
                .map(|(_, der)| der.clone())
                .unwrap()
        };
        // The EC certificate is a committed fixture: ECDSA signatures differ on every run.
        let ec = fs::read(package.join("fixtures/auth-cert-ec-p384.der")).unwrap();
        let written = write_traces(
            root,
            &der("auth-cert-valid.der"),
            &der("auth-cert-expired.der"),
            &ec,
        );
        println!("{written} traces under apdu-traces/");
    }
}
