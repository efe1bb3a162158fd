//! T=0 answers completed below the card layer: 61 xx (fetch the rest with GET RESPONSE) and
//! 6C xx (send again with the Le the card asks for). A command whose instruction can carry a PIN
//! (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, CHANGE KEY) is never sent twice, with or
//! without data: a 6C xx to it is handed up unchanged. For VERIFY the byte after the header is
//! Lc, so re-sending the empty counter query "with Le" would announce PIN data; the counter is
//! then reported unreadable instead.

use super::error::TransportError;
use super::reader::{Layer, Transaction};
use crate::apdu::{secret, Outgoing};

/// How many GET RESPONSE rounds one command may take before the card is deemed broken.
const MAX_GET_RESPONSE_ROUNDS: usize = 256;

/// The most data one completed answer may gather: what an extended-length answer can hold
/// (65,536 bytes). A card that sends more than each GET RESPONSE asked for could otherwise make
/// the rounds above gather megabytes.
const MAX_COMPLETED_DATA: usize = 65_536;

/// A layer that completes T=0 answers, so the layers above see whole responses.
#[derive(Debug, Clone, Copy)]
pub struct ResponseCompletion;

fn status(answer: &[u8]) -> Option<(u8, u8)> {
    match answer {
        [.., sw1, sw2] => Some((*sw1, *sw2)),
        _ => None,
    }
}

impl Layer for ResponseCompletion {
    /// Send `command` and follow the card's T=0 requests until it gives a final answer.
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        complete(card, command)
    }
}

/// Send `command` and follow the card's T=0 requests until it gives a final answer.
fn complete(card: &mut dyn Transaction, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
    // 6C xx: the card wants Le = xx. Only a command with no data (header, or header + Le) may be
    // sent again, and never one of an instruction that carries a PIN, even without its data: the
    // header is kept for that before the command goes down.
    let header = match command.bytes() {
        bytes @ ([_, _, _, _] | [_, _, _, _, _]) if !secret::has_pin_instruction(bytes) => {
            Some([bytes[0], bytes[1], bytes[2], bytes[3]])
        }
        _ => None,
    };
    let mut answer = card.transmit(command)?;
    if let (Some((0x6C, le)), 2, Some([cla, ins, p1, p2])) = (status(&answer), answer.len(), header)
    {
        answer = card.transmit(Outgoing::built_here(&[cla, ins, p1, p2, le]))?;
    }
    let mut data = Vec::new();
    for _ in 0..MAX_GET_RESPONSE_ROUNDS {
        match status(&answer) {
            Some((0x61, le)) => {
                data.extend_from_slice(&answer[..answer.len() - 2]);
                too_much(&data)?;
                answer = card.transmit(Outgoing::built_here(&[0x00, 0xC0, 0x00, 0x00, le]))?;
            }
            _ => {
                data.extend_from_slice(&answer);
                too_much(&data[..data.len().saturating_sub(2)])?;
                return Ok(data);
            }
        }
    }
    Err(TransportError::Reader(format!(
        "the card kept answering 61 xx after {MAX_GET_RESPONSE_ROUNDS} GET RESPONSE commands"
    )))
}

/// An error once the gathered data is more than any answer holds.
fn too_much(data: &[u8]) -> Result<(), TransportError> {
    if data.len() > MAX_COMPLETED_DATA {
        return Err(TransportError::Reader(format!(
            "the card's answer grew past {MAX_COMPLETED_DATA} bytes through GET RESPONSE"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::{Trace, TraceError};
    use crate::transport::{Layered, Reader, Replay};

    type Completed = Layered<Replay, ResponseCompletion>;

    fn over(text: &str) -> Completed {
        Layered::new(
            Replay::new(Trace::parse(text, "t").unwrap()),
            ResponseCompletion,
        )
    }

    /// Send one command in a transaction of its own.
    fn send(reader: &mut Completed, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        reader
            .transaction()?
            .transmit(Outgoing::built_here(command))
    }

    #[test]
    fn get_response_collects_the_rest() {
        let mut t = over("@source hand-written\n> 00 B0 00 00 00\n< 01 02 61 02\n> 00 C0 00 00 02\n< 03 04 90 00\n");
        assert_eq!(
            send(&mut t, &[0, 0xB0, 0, 0, 0]).unwrap(),
            vec![1, 2, 3, 4, 0x90, 0]
        );
        t.finish().unwrap();
    }

    #[test]
    fn wrong_le_is_sent_again_with_the_right_one() {
        let mut t = over("@source hand-written\n> 00 B0 00 00 FF\n< 6C 04\n> 00 B0 00 00 04\n< 01 02 03 04 90 00\n");
        assert_eq!(send(&mut t, &[0, 0xB0, 0, 0, 0xFF]).unwrap().len(), 6);
        t.finish().unwrap();
    }

    #[test]
    fn a_pin_is_never_sent_twice() {
        // The trace holds one exchange: a re-send would run past its end.
        let mut t = over("@source hand-written\n> 00 20 00 80 04 ?? ?? ?? ??\n< 6C 04\n");
        assert_eq!(
            send(&mut t, &[0, 0x20, 0, 0x80, 4, 1, 2, 3, 4]).unwrap(),
            vec![0x6C, 4]
        );
        t.finish().unwrap();
    }

    #[test]
    fn no_pin_instruction_is_sent_again_even_without_data() {
        // The empty VERIFY (the counter query), CHANGE REFERENCE DATA, RESET RETRY COUNTER and
        // CHANGE KEY headers, with and without a trailing byte: each trace holds one exchange.
        for command in [
            "00 20 00 80",
            "00 20 00 80 00",
            "00 21 00 80",
            "00 24 01 80",
            "00 2C 00 80",
            "00 2C 00 80 00",
            "80 32 00 81",
        ] {
            let mut t = over(&format!("@source hand-written\n> {command}\n< 6C 04\n"));
            let bytes = hex::decode(command.replace(' ', "")).unwrap();
            assert_eq!(send(&mut t, &bytes).unwrap(), vec![0x6C, 4], "{command}");
            t.finish().unwrap();
        }
    }

    #[test]
    fn an_answer_gathered_past_what_any_answer_holds_is_an_error() {
        // Each part is within what PC/SC carries; together they are more than one answer holds.
        let part = vec!["AB"; 40_000].join(" ");
        let mut t = over(&format!("@source hand-written\n> 00 B0 00 00 00\n< {part} 61 00\n> 00 C0 00 00 00\n< {part} 61 00\n"));
        let err = send(&mut t, &[0, 0xB0, 0, 0, 0]).unwrap_err();
        assert!(err.to_string().contains("grew past 65536 bytes"), "{err}");
        // Exactly 65,536 bytes of data is a whole answer.
        let mut t = over(&format!(
            "@source hand-written\n> 00 B0 00 00 00\n< {} 61 00\n> 00 C0 00 00 00\n< {} 90 00\n",
            vec!["AB"; 65_535].join(" "),
            "CD"
        ));
        assert_eq!(send(&mut t, &[0, 0xB0, 0, 0, 0]).unwrap().len(), 65_538);
        t.finish().unwrap();
    }

    #[test]
    fn a_replay_error_dropped_under_completion_still_fails_the_run() {
        // The GET RESPONSE the card asks for is not in the trace; the caller drops the error.
        let mut t = over("@source hand-written\n> 00 B0 00 00 00\n< 01 61 02\n");
        let _ = send(&mut t, &[0, 0xB0, 0, 0, 0]);
        assert!(matches!(
            t.finish(),
            Err(TransportError::Trace(TraceError::PastEnd { step: 2, .. }))
        ));
    }

    #[test]
    fn a_card_that_never_stops_asking_is_an_error_not_a_hang() {
        let mut text = String::from("@source hand-written\n> 00 B0 00 00 00\n< 61 01\n");
        for _ in 0..MAX_GET_RESPONSE_ROUNDS {
            text.push_str("> 00 C0 00 00 01\n< 61 01\n");
        }
        let err = send(&mut over(&text), &[0, 0xB0, 0, 0, 0]).unwrap_err();
        assert!(
            !matches!(err, TransportError::Trace(TraceError::PastEnd { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("61 xx"));
    }

    /// A card that answers from a script, then with `then` (removed from the reader when
    /// `None`); it notes every command it hears.
    struct ScriptedCard {
        answers: std::vec::IntoIter<Vec<u8>>,
        then: Option<Vec<u8>>,
        heard: Vec<Vec<u8>>,
    }

    impl Transaction for ScriptedCard {
        fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
            self.heard.push(command.bytes().to_vec());
            self.answers
                .next()
                .or_else(|| self.then.clone())
                .ok_or(TransportError::CardRemoved)
        }
    }

    mod properties {
        use super::*;
        use crate::apdu::secret::pin_range;
        use proptest::prelude::*;

        /// Commands of every kind the completion layer may see: PIN-bearing ones included,
        /// which only the library can build (this test lives inside it for that reason).
        fn any_command() -> impl Strategy<Value = Vec<u8>> {
            (
                prop::sample::select(vec![
                    0x20u8, 0x21, 0x24, 0x25, 0x2C, 0x2D, 0x32, 0xA4, 0xB0, 0xC0, 0x00,
                ]),
                prop::collection::vec(any::<u8>(), 4..30),
            )
                .prop_map(|(ins, mut bytes)| {
                    bytes[1] = ins;
                    bytes
                })
        }

        /// Answers that exercise T=0 completion: 61 xx, 6C xx, data, short answers.
        fn t0_answer() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                any::<u8>().prop_map(|n| vec![0x61, n]),
                any::<u8>().prop_map(|n| vec![0x6C, n]),
                prop::collection::vec(any::<u8>(), 0..8),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            #[test]
            fn completion_never_sends_a_pin_twice_and_always_ends(
                command in any_command(),
                answers in prop::collection::vec(t0_answer(), 0..300),
            ) {
                let mut card = ScriptedCard {
                    answers: answers.into_iter(),
                    then: Some(vec![0x90, 0x00]),
                    heard: Vec::new(),
                };
                let _ = ResponseCompletion.transmit(&mut card, Outgoing::built_here(&command));
                // At most: one re-send for 6C xx, then 256 GET RESPONSE rounds.
                prop_assert!(card.heard.len() <= 258, "{} commands", card.heard.len());
                prop_assert_eq!(&card.heard[0], &command);
                let secrets = card.heard.iter().filter(|c| pin_range(c).is_some()).count();
                prop_assert!(secrets <= 1, "a PIN was sent {} times", secrets);
                if secret::has_pin_instruction(&command) {
                    // Nothing after a command of a PIN instruction, with or without its data,
                    // resembles it: no re-send in any form.
                    prop_assert!(card.heard[1..].iter().all(|c| c[1] == 0xC0));
                }
            }
        }
    }
}
