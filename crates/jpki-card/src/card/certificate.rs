//! The auth certificate (利用者証明用電子証明書, EF 00 0A): read without a PIN, for its expiry.
//! Only the DER length and the validity are read, so RSA (today's cards) and EC certificates
//! (ECDSA P-384, reported for the next-generation card) are taken alike.

use super::error::CardError;
use super::exchange::{answer_to, CardAnswer};
use crate::apdu::{Command, Response, StatusWord};
use crate::transport::{Transaction, TransportError};
use time::{Date, UtcOffset};

/// The auth certificate EF inside the JPKI AP (OpenSC card-jpki.c, jpki/myna).
pub const AUTH_CERTIFICATE_EF: [u8; 2] = [0x00, 0x0A];

/// One of the four certificates of the JPKI AP (docs/protocol.md; OpenSC `pkcs15-jpki.c`,
/// jpki-rs and myna-card name the same EFs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateKind {
    /// 利用者証明用電子証明書 (EF 00 0A): read without a PIN.
    Auth,
    /// The CA certificate that issued the auth certificate (EF 00 0B).
    AuthCa,
    /// 署名用電子証明書 (EF 00 01): the holder's name, address and date of birth; the card
    /// answers 69 82 until the sign password is verified.
    Sign,
    /// The CA certificate that issued the sign certificate (EF 00 02).
    SignCa,
}

impl CertificateKind {
    /// All four, in the order of the command line's help.
    pub const ALL: [CertificateKind; 4] = [
        CertificateKind::Auth,
        CertificateKind::AuthCa,
        CertificateKind::Sign,
        CertificateKind::SignCa,
    ];

    /// The EF inside the JPKI AP.
    pub fn ef(self) -> [u8; 2] {
        match self {
            CertificateKind::Auth => AUTH_CERTIFICATE_EF,
            CertificateKind::AuthCa => [0x00, 0x0B],
            CertificateKind::Sign => [0x00, 0x01],
            CertificateKind::SignCa => [0x00, 0x02],
        }
    }

    /// The id used on the command line and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            CertificateKind::Auth => "auth",
            CertificateKind::AuthCa => "auth-ca",
            CertificateKind::Sign => "sign",
            CertificateKind::SignCa => "sign-ca",
        }
    }

    /// Whether the card shows it only after the sign password: the sign certificate.
    pub fn needs_sign_password(self) -> bool {
        self == CertificateKind::Sign
    }

    /// The certificate on the same card that issued this one; a CA certificate is its own.
    pub fn issuer(self) -> CertificateKind {
        match self {
            CertificateKind::Auth | CertificateKind::AuthCa => CertificateKind::AuthCa,
            CertificateKind::Sign | CertificateKind::SignCa => CertificateKind::SignCa,
        }
    }
}
/// Bytes of the DER header read first; OpenSC reads these 4 to size the file.
const HEADER_LENGTH: u8 = 4;
/// The largest chunk a short READ BINARY asks for: Le = 00 means 256 (myna and OpenSC alike).
pub(crate) const CHUNK: usize = 256;
/// A real auth certificate is about 1.5-2 KB; a header claiming more is a lie, not a reason to
/// read a card for minutes.
pub const MAX_CERTIFICATE_LENGTH: usize = 8 * 1024;
/// Warn when fewer days than this are left.
pub const WARN_DAYS: i64 = 90;
/// Holders live by the Japanese calendar: dates are taken at UTC+9 (JST, no summer time).
const JST_HOURS: i8 = 9;

/// Why the certificate's expiry could not be told. The PIN counters are read all the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateProblem {
    /// A smartphone token asks for the auth PIN before showing it; jpki does not ask.
    NeedsPin,
    /// SELECT or READ BINARY answered this status word.
    Refused(StatusWord),
    /// SELECT or READ BINARY got an answer too short to hold a status word.
    Malformed,
    /// The first bytes are not a DER SEQUENCE header.
    BadHeader,
    /// The EF answered no bytes at all.
    Empty,
    /// The header claims more bytes than any certificate has.
    TooLong(usize),
    /// The card stopped giving bytes before the length the header promised.
    Truncated,
    /// The bytes are not an X.509 certificate.
    Unparsable(String),
}

/// What reading the auth certificate gave: its bytes, or why the card gave none to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateRead {
    /// The certificate's DER, as long as its header announced.
    Der(Vec<u8>),
    /// The card answered, but with no certificate: what went wrong.
    Problem(CertificateProblem),
}

/// When the certificate stops working, and how that compares with today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// The last day it works (notAfter, as a date in Japan).
    pub not_after: Date,
    /// Days from today to `not_after`; negative once it has expired.
    pub days_left: i64,
}

/// What a holder should make of the expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryState {
    /// More than [`WARN_DAYS`] days left.
    Valid,
    /// Within [`WARN_DAYS`] days: renew soon.
    ExpiresSoon,
    /// Past `not_after`: a correct PIN still fails; renew at the city office.
    Expired,
}

impl ExpiryState {
    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            ExpiryState::Valid => "valid",
            ExpiryState::ExpiresSoon => "expires_soon",
            ExpiryState::Expired => "expired",
        }
    }
}

impl Expiry {
    /// Compare `not_after` with `today` (both dates in Japan).
    pub fn on(not_after: Date, today: Date) -> Expiry {
        Expiry {
            not_after,
            days_left: (not_after - today).whole_days(),
        }
    }

    /// Valid, expiring soon, or expired.
    pub fn state(self) -> ExpiryState {
        if self.days_left < 0 {
            ExpiryState::Expired
        } else if self.days_left <= WARN_DAYS {
            ExpiryState::ExpiresSoon
        } else {
            ExpiryState::Valid
        }
    }

    /// `not_after` as `YYYY-MM-DD`.
    pub fn not_after_text(self) -> String {
        date_text(self.not_after)
    }

    /// The first day the certificates can be renewed ([`renewal_opens`]).
    pub fn renewal_opens(self) -> Date {
        renewal_opens(self.not_after)
    }

    /// Whether today is within the renewal window: on or after [`Expiry::renewal_opens`], not
    /// yet expired.
    pub fn renewal_is_open(self) -> bool {
        let today = self.not_after - time::Duration::days(self.days_left);
        self.days_left >= 0 && today >= self.renewal_opens()
    }
}

/// The first day a certificate ending on `not_after` can be renewed: "from three months before"
/// (J-LIS, jpki.go.jp), which municipalities count as the day after the date three months
/// earlier, or the 1st of the next month when that month has no such date (練馬区: 2023-07-07
/// opens 2023-04-08, 2023-05-28 opens 2023-03-01; 亀山市, 西ノ島町: "3か月前の翌日から").
pub fn renewal_opens(not_after: Date) -> Date {
    let month = not_after.month().nth_prev(3);
    let year = if u8::from(not_after.month()) <= 3 {
        not_after.year() - 1
    } else {
        not_after.year()
    };
    match Date::from_calendar_date(year, month, not_after.day()) {
        Ok(same_day) => same_day.next_day().unwrap_or(same_day),
        // No such day (the 29th-31st in a shorter month): the 1st of the month after.
        Err(_) => {
            let next = month.next();
            let year = if next == time::Month::January {
                year + 1
            } else {
                year
            };
            Date::from_calendar_date(year, next, 1).unwrap_or(not_after)
        }
    }
}

/// A date as `YYYY-MM-DD`.
pub fn date_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Today's date in Japan, from the system clock.
pub fn today_in_japan() -> Date {
    time::OffsetDateTime::now_utc().to_offset(jst()).date()
}

fn jst() -> UtcOffset {
    UtcOffset::from_hms(JST_HOURS, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The last day (in Japan) a DER certificate is valid.
pub fn not_after_of(der: &[u8]) -> Result<Date, CertificateProblem> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| CertificateProblem::Unparsable(e.to_string()))?;
    Ok(certificate
        .validity()
        .not_after
        .to_datetime()
        .to_offset(jst())
        .date())
}

/// The total length (header included) a DER SEQUENCE header announces, from its first bytes.
fn announced_length(header: &[u8]) -> Result<usize, CertificateProblem> {
    match header {
        [0x30, 0x82, hi, lo, ..] => Ok(4 + usize::from(u16::from_be_bytes([*hi, *lo]))),
        [0x30, 0x81, len, ..] => Ok(3 + usize::from(*len)),
        [0x30, len, ..] if *len < 0x80 => Ok(2 + usize::from(*len)),
        _ => Err(CertificateProblem::BadHeader),
    }
}

/// With the JPKI AP selected: SELECT EF 00 0A, READ BINARY its 4 header bytes, then the rest in
/// chunks of up to 256 bytes. Card failures below the card's answers (removal) are errors;
/// anything the card answers is a [`CertificateProblem`], so `status` still shows the PINs.
pub fn read_auth_certificate(card: &mut dyn Transaction) -> Result<CertificateRead, CardError> {
    Ok(match read_der(card, AUTH_CERTIFICATE_EF, HEADER_LENGTH)? {
        Ok(der) => CertificateRead::Der(der),
        Err(problem) => CertificateRead::Problem(problem),
    })
}

/// With the JPKI AP selected: SELECT the certificate's EF, then READ BINARY with Le = 00 (256
/// bytes, the DER header among them) and the rest in 256-byte pieces: a certificate of `n`
/// bytes in `ceil(n / 256)` READ BINARYs ([`certificate_read_count`]). A reader that fails a
/// 256-byte answer (67 00, 6C xx, a reader error) gets the same piece again in shorter ones:
/// no PIN is involved, so asking again is safe. The sign certificate answers 69 82 unless the
/// sign password was verified in this session.
pub fn read_certificate_in(
    card: &mut dyn Transaction,
    kind: CertificateKind,
) -> Result<CertificateRead, CardError> {
    Ok(match read_der(card, kind.ef(), 0)? {
        Ok(der) => CertificateRead::Der(der),
        Err(problem) => CertificateRead::Problem(problem),
    })
}

/// The reading itself, with `first` bytes asked first (0 = 256): the DER, or the problem that
/// stopped it; only a lost card is an error.
fn read_der(
    card: &mut dyn Transaction,
    ef: [u8; 2],
    first: u8,
) -> Result<Result<Vec<u8>, CertificateProblem>, CardError> {
    if let Err(problem) = ask(card, &Command::select_file(ef))? {
        return Ok(Err(problem));
    }
    let mut piece = Piece {
        size: CHUNK,
        asked: 0,
    };
    let first = if first == 0 {
        CHUNK
    } else {
        usize::from(first)
    };
    let mut head = match piece.read(card, 0, first)? {
        Ok(head) => head,
        Err(problem) => return Ok(Err(problem)),
    };
    // Bytes beyond those asked for are not the certificate's (a card that sends more than Le).
    head.truncate(piece.asked);
    if head.is_empty() {
        return Ok(Err(CertificateProblem::Empty));
    }
    let total = match announced_length(&head) {
        Ok(total) if total > MAX_CERTIFICATE_LENGTH => {
            return Ok(Err(CertificateProblem::TooLong(total)))
        }
        Ok(total) => total,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut der = head;
    der.truncate(total);
    while der.len() < total {
        let want = (total - der.len()).min(piece.size);
        // `total` is at most MAX_CERTIFICATE_LENGTH, so the offset fits P1-P2's 15 bits.
        let offset = der.len() as u16;
        let chunk = match piece.read(card, offset, want)? {
            Ok(chunk) => chunk,
            Err(problem) => return Ok(Err(problem)),
        };
        if chunk.is_empty() {
            return Ok(Err(CertificateProblem::Truncated));
        }
        der.extend_from_slice(&chunk[..chunk.len().min(want)]);
    }
    Ok(Ok(der))
}

/// The shortest piece asked for after readers failed longer ones: shorter than this, the
/// reader is not worth asking again.
const SHORTEST_PIECE: usize = 32;

/// How long a piece a READ BINARY asks for: 256 at first, shorter once the reader failed that.
struct Piece {
    /// The length asked for next (1-256).
    size: usize,
    /// The length the last successful READ BINARY asked for.
    asked: usize,
}

impl Piece {
    /// READ BINARY of `want` bytes at `offset`; a reader that fails that length (67 00, 6C xx,
    /// a reader error) is asked again for shorter pieces, each half as long (or the length a
    /// 6C xx names), down to [`SHORTEST_PIECE`]. The data, or why none came.
    fn read(
        &mut self,
        card: &mut dyn Transaction,
        offset: u16,
        want: usize,
    ) -> Result<Result<Vec<u8>, CertificateProblem>, CardError> {
        let mut want = want;
        loop {
            // 256 goes on the wire as Le = 00.
            let command = Command::read_binary(offset, want as u8);
            let failed = match answer_to(card, &command) {
                Ok(CardAnswer::Response(answer)) if answer.sw == StatusWord::Success => {
                    self.asked = want;
                    return Ok(Ok(answer.data));
                }
                Ok(CardAnswer::Response(answer)) => match answer.sw {
                    StatusWord::WrongLength => (StatusWord::WrongLength, None),
                    StatusWord::CorrectLength(n) => (answer.sw, Some(usize::from(n))),
                    sw => return Ok(Err(CertificateProblem::Refused(sw))),
                },
                Ok(CardAnswer::NoStatusWord(_)) => return Ok(Err(CertificateProblem::Malformed)),
                Err(CardError::Transport(TransportError::Reader(reason))) => {
                    if want <= SHORTEST_PIECE {
                        return Err(CardError::Transport(TransportError::Reader(reason)));
                    }
                    (StatusWord::WrongLength, None)
                }
                Err(other) => return Err(other),
            };
            let (sw, named) = failed;
            let shorter = match named {
                Some(n) if n > 0 && n < want => n,
                _ => want / 2,
            };
            if want <= SHORTEST_PIECE || shorter == 0 {
                return Ok(Err(CertificateProblem::Refused(sw)));
            }
            card.note(&format!(
                "READ BINARY of {} bytes failed ({}): asking for {shorter} at a time",
                want,
                sw.hex()
            ));
            want = shorter;
            self.size = shorter;
        }
    }
}

/// Send one command: a 90 00 answer, or the problem to report instead. Only a lost card is an
/// error.
fn ask(
    card: &mut dyn Transaction,
    command: &Command,
) -> Result<Result<Response, CertificateProblem>, CardError> {
    Ok(match answer_to(card, command)? {
        CardAnswer::Response(answer) if answer.sw == StatusWord::Success => Ok(answer),
        CardAnswer::Response(answer) => Err(CertificateProblem::Refused(answer.sw)),
        CardAnswer::NoStatusWord(_) => Err(CertificateProblem::Malformed),
    })
}

/// The most READ BINARY commands any certificate read of `total` bytes sends, on a reader that
/// fails every length down to the shortest piece: the re-asks (256, 128, 64 failing), then
/// every piece 32 bytes long. Memory and time stay bounded whatever the card answers.
pub fn read_binary_bound(total: usize) -> usize {
    let re_asks = (CHUNK / SHORTEST_PIECE).ilog2() as usize;
    1 + re_asks + total.div_ceil(SHORTEST_PIECE)
}

/// How many READ BINARY commands [`read_certificate_in`] takes for a certificate of `total`
/// bytes on a reader that takes 256-byte answers.
pub fn certificate_read_count(total: usize) -> usize {
    total.div_ceil(CHUNK).max(1)
}

/// How many READ BINARY commands a certificate of `total` bytes takes: the header, then chunks.
pub fn read_binary_count(total: usize) -> usize {
    1 + total
        .saturating_sub(usize::from(HEADER_LENGTH))
        .div_ceil(CHUNK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Reader;
    use time::Month;

    fn date(y: i32, m: Month, d: u8) -> Date {
        Date::from_calendar_date(y, m, d).unwrap()
    }

    #[test]
    fn headers_announce_lengths_and_lies_are_refused() {
        assert_eq!(announced_length(&[0x30, 0x82, 0x06, 0x00]), Ok(0x604));
        assert_eq!(announced_length(&[0x30, 0x81, 0x90, 0x00]), Ok(0x93));
        assert_eq!(announced_length(&[0x30, 0x10]), Ok(0x12));
        assert_eq!(
            announced_length(&[0x31, 0x82, 0, 0]),
            Err(CertificateProblem::BadHeader)
        );
        assert_eq!(announced_length(&[]), Err(CertificateProblem::BadHeader));
        assert_eq!(
            announced_length(&[0x30, 0x83, 1, 2]),
            Err(CertificateProblem::BadHeader)
        );
    }

    #[test]
    fn expiry_states_follow_the_90_day_warning() {
        let today = date(2026, Month::November, 25);
        let state = |d| Expiry::on(d, today).state();
        assert_eq!(state(date(2031, Month::January, 1)), ExpiryState::Valid);
        assert_eq!(
            state(date(2027, Month::February, 23)),
            ExpiryState::ExpiresSoon
        );
        assert_eq!(state(today), ExpiryState::ExpiresSoon);
        assert_eq!(state(date(2026, Month::November, 24)), ExpiryState::Expired);
        assert_eq!(
            Expiry::on(date(2026, Month::December, 5), today).days_left,
            10
        );
        assert_eq!(date_text(date(2031, Month::March, 9)), "2031-03-09");
    }

    #[test]
    fn renewal_opens_the_day_after_three_months_before() {
        // 練馬区's two examples, then the year boundary and a day no shorter month has.
        let cases = [
            ((2023, Month::July, 7), (2023, Month::April, 8)),
            ((2023, Month::May, 28), (2023, Month::March, 1)),
            ((2031, Month::March, 31), (2031, Month::January, 1)),
            ((2031, Month::February, 10), (2030, Month::November, 11)),
            ((2031, Month::May, 31), (2031, Month::March, 1)),
            ((2030, Month::December, 31), (2030, Month::October, 1)),
        ];
        for ((y, m, d), (oy, om, od)) in cases {
            assert_eq!(
                renewal_opens(date(y, m, d)),
                date(oy, om, od),
                "{y}-{m}-{d}"
            );
        }
    }

    #[test]
    fn the_renewal_window_opens_three_months_before_and_closes_at_expiry() {
        let end = date(2031, Month::March, 31);
        let open = |today| Expiry::on(end, today).renewal_is_open();
        assert!(!open(date(2030, Month::December, 31)));
        assert!(open(date(2031, Month::January, 1)));
        assert!(open(end));
        assert!(!open(date(2031, Month::April, 1)));
    }

    #[test]
    fn read_counts_include_the_header_read() {
        assert_eq!(read_binary_count(4), 1);
        assert_eq!(read_binary_count(260), 2);
        assert_eq!(read_binary_count(261), 3);
    }

    fn read(answers: &[&str]) -> Result<Vec<u8>, CertificateProblem> {
        let mut text = String::from("@source hand-written\n> 00 A4 02 0C 02 00 0A\n< 90 00\n");
        let mut offset = 0usize;
        for (i, answer) in answers.iter().enumerate() {
            // The Le byte is `??`: these tests are about the answers, not the chunk sizes.
            let p = if i == 0 { 0 } else { offset };
            text.push_str(&format!(
                "> 00 B0 {:02X} {:02X} ??\n< {answer}\n",
                p >> 8,
                p & 0xFF
            ));
            offset = if i == 0 { 4 } else { offset + 256 };
        }
        let trace = crate::transport::trace::Trace::parse(&text, "unit").unwrap();
        let mut replay = crate::transport::Replay::new(trace);
        let read = read_auth_certificate(replay.transaction().unwrap().as_mut());
        match read.unwrap() {
            CertificateRead::Der(der) => Ok(der),
            CertificateRead::Problem(problem) => Err(problem),
        }
    }

    #[test]
    fn a_card_that_stops_early_is_truncated_not_a_loop() {
        assert_eq!(
            read(&["30 10 AA BB 90 00", "90 00"]),
            Err(CertificateProblem::Truncated)
        );
    }

    #[test]
    fn extra_bytes_beyond_the_asked_length_are_dropped() {
        let got = read(&["30 03 01 02 90 00", "03 04 05 06 90 00"]).unwrap();
        assert_eq!(got, vec![0x30, 0x03, 0x01, 0x02, 0x03]);
    }

    #[test]
    fn refusals_and_lies_are_reported() {
        assert_eq!(
            read(&["69 82"]),
            Err(CertificateProblem::Refused(
                StatusWord::SecurityNotSatisfied
            ))
        );
        assert_eq!(
            read(&["30 82 7F FF 90 00"]),
            Err(CertificateProblem::TooLong(0x7FFF + 4))
        );
        assert_eq!(
            read(&["04 82 00 10 90 00"]),
            Err(CertificateProblem::BadHeader)
        );
    }

    #[test]
    fn an_answer_without_a_status_word_is_reported_and_extra_header_bytes_are_dropped() {
        assert_eq!(read(&["90"]), Err(CertificateProblem::Malformed));
        assert_eq!(
            read(&["30 10 AA BB 90 00", ""]),
            Err(CertificateProblem::Malformed)
        );
        // The header read asked for 4 bytes; the 5th and 6th are not the certificate's.
        let got = read(&["30 03 01 02 EE EE 90 00", "03 90 00"]).unwrap();
        assert_eq!(got, vec![0x30, 0x03, 0x01, 0x02, 0x03]);
    }

    #[test]
    fn garbage_is_unparsable_not_a_panic() {
        assert!(matches!(
            not_after_of(&[0x30, 0x03, 1, 2, 3]),
            Err(CertificateProblem::Unparsable(_))
        ));
    }

    /// Read `kind` from a trace: the SELECT of its EF, then `exchanges` (command, answer).
    fn read_whole(kind: CertificateKind, exchanges: &[(&str, &str)]) -> CertificateRead {
        let [hi, lo] = kind.ef();
        let mut text =
            format!("@source hand-written\n> 00 A4 02 0C 02 {hi:02X} {lo:02X}\n< 90 00\n");
        for (command, answer) in exchanges {
            text.push_str(&format!("> {command}\n< {answer}\n"));
        }
        let trace = crate::transport::trace::Trace::parse(&text, "unit").unwrap();
        let mut replay = crate::transport::Replay::new(trace);
        let read = read_certificate_in(replay.transaction().unwrap().as_mut(), kind).unwrap();
        replay.finish().unwrap();
        read
    }

    fn hex_of(bytes: &[u8]) -> String {
        crate::apdu::secret::spaced_hex(bytes)
    }

    /// A DER SEQUENCE of `total` bytes (header included), its content counting up.
    fn der_of(total: usize) -> Vec<u8> {
        let body = total - 4;
        let mut der = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
        der.extend((0..body).map(|i| i as u8));
        der
    }

    #[test]
    fn a_certificate_is_read_in_256_byte_pieces_the_header_among_the_first() {
        let der = der_of(600);
        let read = read_whole(
            CertificateKind::AuthCa,
            &[
                ("00 B0 00 00 00", &format!("{} 90 00", hex_of(&der[..256]))),
                (
                    "00 B0 01 00 00",
                    &format!("{} 90 00", hex_of(&der[256..512])),
                ),
                ("00 B0 02 00 58", &format!("{} 90 00", hex_of(&der[512..]))),
            ],
        );
        assert_eq!(read, CertificateRead::Der(der));
        assert_eq!(certificate_read_count(600), 3);
        assert_eq!(certificate_read_count(256), 1);
        assert_eq!(certificate_read_count(0), 1);
    }

    #[test]
    fn a_short_certificate_takes_one_read_and_the_rest_of_the_ef_is_not_its() {
        let der = der_of(100);
        let mut ef = der.clone();
        ef.extend([0xFF; 156]);
        let read = read_whole(
            CertificateKind::SignCa,
            &[("00 B0 00 00 00", &format!("{} 90 00", hex_of(&ef)))],
        );
        assert_eq!(read, CertificateRead::Der(der));
    }

    #[test]
    fn a_reader_that_fails_256_bytes_is_asked_for_shorter_pieces() {
        let der = der_of(300);
        let read = read_whole(
            CertificateKind::Auth,
            &[
                ("00 B0 00 00 00", "67 00"),
                ("00 B0 00 00 80", &format!("{} 90 00", hex_of(&der[..128]))),
                (
                    "00 B0 00 80 80",
                    &format!("{} 90 00", hex_of(&der[128..256])),
                ),
                ("00 B0 01 00 2C", "6C 20"),
                (
                    "00 B0 01 00 20",
                    &format!("{} 90 00", hex_of(&der[256..288])),
                ),
                ("00 B0 01 20 0C", &format!("{} 90 00", hex_of(&der[288..]))),
            ],
        );
        assert_eq!(read, CertificateRead::Der(der));
    }

    #[test]
    fn a_reader_that_fails_every_length_gives_up() {
        let read = read_whole(
            CertificateKind::Auth,
            &[
                ("00 B0 00 00 00", "67 00"),
                ("00 B0 00 00 80", "67 00"),
                ("00 B0 00 00 40", "67 00"),
                ("00 B0 00 00 20", "67 00"),
            ],
        );
        assert_eq!(
            read,
            CertificateRead::Problem(CertificateProblem::Refused(StatusWord::WrongLength))
        );
    }

    #[test]
    fn absent_empty_and_refused_efs_are_problems_not_panics() {
        let absent = "@source hand-written\n> 00 A4 02 0C 02 00 0B\n< 6A 82\n";
        let trace = crate::transport::trace::Trace::parse(absent, "unit").unwrap();
        let mut replay = crate::transport::Replay::new(trace);
        let read = read_certificate_in(
            replay.transaction().unwrap().as_mut(),
            CertificateKind::AuthCa,
        );
        assert_eq!(
            read.unwrap(),
            CertificateRead::Problem(CertificateProblem::Refused(StatusWord::FileNotFound))
        );
        let empty = read_whole(CertificateKind::Auth, &[("00 B0 00 00 00", "90 00")]);
        assert_eq!(empty, CertificateRead::Problem(CertificateProblem::Empty));
        let refused = read_whole(CertificateKind::Sign, &[("00 B0 00 00 00", "69 82")]);
        assert_eq!(
            refused,
            CertificateRead::Problem(CertificateProblem::Refused(
                StatusWord::SecurityNotSatisfied
            ))
        );
        let truncated = read_whole(
            CertificateKind::Auth,
            &[
                (
                    "00 B0 00 00 00",
                    &format!("{} 90 00", hex_of(&der_of(600)[..256])),
                ),
                ("00 B0 01 00 00", "90 00"),
            ],
        );
        assert_eq!(
            truncated,
            CertificateRead::Problem(CertificateProblem::Truncated)
        );
    }

    #[test]
    fn the_four_kinds_name_their_efs_and_issuers() {
        let efs: Vec<[u8; 2]> = CertificateKind::ALL.iter().map(|k| k.ef()).collect();
        assert_eq!(efs, [[0, 0x0A], [0, 0x0B], [0, 0x01], [0, 0x02]]);
        assert_eq!(CertificateKind::Auth.issuer(), CertificateKind::AuthCa);
        assert_eq!(CertificateKind::Sign.issuer(), CertificateKind::SignCa);
        assert_eq!(CertificateKind::SignCa.issuer(), CertificateKind::SignCa);
        assert!(CertificateKind::Sign.needs_sign_password());
        assert!(!CertificateKind::SignCa.needs_sign_password());
    }
}
