//! The auth certificate reader against arbitrary cards. The input is the card's answers, each a
//! two-byte big-endian length and then that many bytes; once they run out the card is removed.
//! The reader must return a certificate, a problem to report, or (only for the removal) an
//! error; never panic, never ask for more than the largest certificate it accepts, and hand the
//! X.509 parser DER it survives. The raw input goes to the X.509 parser too.
#![no_main]

use jpki_card::apdu::Outgoing;
use jpki_card::card::certificate::{
    not_after_of, read_auth_certificate, read_binary_bound, CertificateRead, MAX_CERTIFICATE_LENGTH,
};
use jpki_card::card::CardError;
use jpki_card::transport::{Transaction, TransportError};
use libfuzzer_sys::fuzz_target;

/// A card that answers every command with the next scripted answer.
struct Scripted<'a> {
    answers: &'a [u8],
    sent: usize,
}

impl Scripted<'_> {
    fn next_answer(&mut self) -> Option<Vec<u8>> {
        let [hi, lo, rest @ ..] = self.answers else {
            return None;
        };
        let length = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (answer, rest) = rest.split_at(length);
        self.answers = rest;
        Some(answer.to_vec())
    }
}

impl Transaction for Scripted<'_> {
    fn transmit(&mut self, _command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        self.next_answer().ok_or(TransportError::CardRemoved)
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = not_after_of(data);
    let mut card = Scripted {
        answers: data,
        sent: 0,
    };
    match read_auth_certificate(&mut card) {
        Ok(CertificateRead::Der(der)) => {
            assert!(der.len() <= MAX_CERTIFICATE_LENGTH);
            let _ = not_after_of(&der);
        }
        Ok(CertificateRead::Problem(_problem)) => {}
        Err(error) => assert!(
            matches!(error, CardError::Transport(TransportError::CardRemoved)),
            "{error}"
        ),
    }
    // SELECT, then at most every piece of the largest certificate accepted, shorter pieces for
    // a reader that fails long answers included.
    assert!(card.sent <= 1 + read_binary_bound(MAX_CERTIFICATE_LENGTH));
});
