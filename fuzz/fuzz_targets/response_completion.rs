//! The T=0 completion layer (61 xx: GET RESPONSE for the rest; 6C xx: send again with the Le
//! the card asks for) over a card that answers from the input. The input is one byte giving the
//! command's length, the command, then the card's answers, each a two-byte big-endian length and
//! then that many bytes; once they run out the card is removed. A length with its top bit set
//! stands for that many (up to 32,767) copies of the next byte, then the two bytes after it as
//! SW1 SW2: so a short input can make a card that sends far more than any answer holds.
//!
//! Whatever the card answers, the layer must: send the command first and as it was given; after
//! it send only GET RESPONSE, or once the same header with the card's Le for a command without
//! data; never send a command of a PIN-bearing instruction twice; stop after a bounded number of
//! commands; and hand up at most what one extended answer holds, or an error.
#![no_main]

use jpki_card::apdu::Outgoing;
use jpki_card::transport::{Layer, ResponseCompletion, Transaction, TransportError};
use libfuzzer_sys::fuzz_target;

/// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and CHANGE KEY: their data is a PIN (or a
/// PUK), so none of them may reach the card twice, with data or without. Written out here, not
/// taken from the library under test.
const PIN_BEARING_INS: [u8; 4] = [0x20, 0x24, 0x2C, 0x32];
/// The most data a completed answer may hold (an extended answer), then SW1 SW2.
const MAX_ANSWER: usize = 65_536 + 2;
/// The command, one re-send for 6C xx, and 256 GET RESPONSE rounds.
const MAX_SENT: usize = 2 + 256;

/// A card that answers every command with the next scripted answer, and keeps what it was sent
/// and what it answered.
struct Scripted<'a> {
    script: &'a [u8],
    sent: Vec<Vec<u8>>,
    answered: Vec<Vec<u8>>,
}

impl Transaction for Scripted<'_> {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.bytes().to_vec());
        let answer = match *self.script {
            [hi, lo, fill, sw1, sw2, ref rest @ ..] if hi & 0x80 != 0 => {
                let mut answer = vec![fill; usize::from(u16::from_be_bytes([hi & 0x7F, lo]))];
                answer.extend_from_slice(&[sw1, sw2]);
                self.script = rest;
                answer
            }
            [hi, lo, ref rest @ ..] => {
                let length = usize::from(u16::from_be_bytes([hi, lo])).min(rest.len());
                let (answer, rest) = rest.split_at(length);
                self.script = rest;
                answer.to_vec()
            }
            _ => return Err(TransportError::CardRemoved),
        };
        self.answered.push(answer.clone());
        Ok(answer)
    }
}

fn is_get_response(command: &[u8]) -> bool {
    matches!(command, [0x00, 0xC0, 0x00, 0x00, _])
}

fuzz_target!(|data: &[u8]| {
    let Some((&length, rest)) = data.split_first() else {
        return;
    };
    let (command, script) = rest.split_at(usize::from(length).min(rest.len()));
    // A command has at least a header; the card layer never sends less.
    if command.len() < 4 {
        return;
    }
    // Outside the library only a command without a PIN can be built (a PIN instruction's header
    // alone, the counter read among them, can): the library's own property test covers the rest.
    let Ok(outgoing) = Outgoing::new(command) else {
        return;
    };
    let mut card = Scripted {
        script,
        sent: Vec::new(),
        answered: Vec::new(),
    };
    let result = ResponseCompletion.transmit(&mut card, outgoing);
    let Scripted { sent, answered, .. } = &card;

    assert!(sent.len() <= MAX_SENT, "{} commands sent", sent.len());
    assert_eq!(sent[0], command, "the command first, as given");
    // 6C xx to a command without data: the same header once more, with Le = xx.
    let resent = match (answered.first().map(Vec::as_slice), sent.get(1)) {
        (Some(&[0x6C, le]), Some(again)) if matches!(command.len(), 4 | 5) => {
            let mut expected = command[..4].to_vec();
            expected.push(le);
            *again == expected
        }
        _ => false,
    };
    let chain_starts = usize::from(resent);
    for (index, later) in sent.iter().enumerate().skip(1 + chain_starts) {
        assert!(
            is_get_response(later),
            "command {index} is {later:02X?}, after {command:02X?}"
        );
        // Each GET RESPONSE asks for what the 61 xx before it announced.
        let before = &answered[index - 1];
        assert_eq!(before[before.len() - 2..], [0x61, later[4]]);
    }
    if PIN_BEARING_INS.contains(&command[1]) {
        let same_ins = sent.iter().filter(|c| c[1] == command[1]).count();
        assert_eq!(
            same_ins, 1,
            "a PIN-bearing command was sent {same_ins} times"
        );
    }
    match result {
        Ok(answer) => {
            assert!(
                answer.len() <= MAX_ANSWER,
                "{} bytes handed up",
                answer.len()
            );
            // The data of every 61 xx answer in the chain, then the last answer whole.
            let (last, chain) = answered[chain_starts..].split_last().expect("an answer");
            let mut expected: Vec<u8> = chain
                .iter()
                .flat_map(|a| a[..a.len() - 2].iter().copied())
                .collect();
            expected.extend_from_slice(last);
            assert_eq!(answer, expected);
        }
        Err(TransportError::CardRemoved) => assert!(card.script.len() < 2),
        Err(TransportError::Reader(_)) => {
            // Only a chain that gathered more than any answer holds, or that never ended.
            let gathered: usize = answered[chain_starts..]
                .iter()
                .map(|a| a.len().saturating_sub(2))
                .sum();
            assert!(
                gathered > MAX_ANSWER - 2 || sent.len() == chain_starts + 1 + 256,
                "a reader error after {gathered} bytes in {} commands",
                sent.len()
            );
        }
        Err(other) => panic!("an error the card cannot cause: {other}"),
    }
});
