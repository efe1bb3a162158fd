//! A reader with a layer over it: every transaction it opens passes through the layer.

use super::error::TransportError;
use super::reader::{Layer, Reader, Transaction};
use crate::apdu::Outgoing;

/// A reader whose every transaction passes through a layer. Layers stack by nesting:
/// `Layered::new(Layered::new(reader, recorder), completion)` completes T=0 answers above the
/// recorder, which writes what the card itself said.
#[derive(Debug)]
pub struct Layered<R, L> {
    reader: R,
    layer: L,
}

impl<R, L> Layered<R, L> {
    /// Lay `layer` over `reader`.
    pub fn new(reader: R, layer: L) -> Layered<R, L> {
        Layered { reader, layer }
    }

    /// The reader below.
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// The layer.
    pub fn layer(&self) -> &L {
        &self.layer
    }

    /// The reader and the layer, apart again.
    pub fn into_parts(self) -> (R, L) {
        (self.reader, self.layer)
    }
}

impl<R: Reader, L: Layer> Reader for Layered<R, L> {
    fn name(&self) -> &str {
        self.reader.name()
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.reader.atr()
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        let card = self.reader.transaction()?;
        Ok(Box::new(Through {
            card,
            layer: &mut self.layer,
        }))
    }

    /// The reader finishes first, then the layer; the layer's failure is reported first (a
    /// trace that could not be written says more than the replay under it).
    fn finish(&mut self) -> Result<(), TransportError> {
        let below = self.reader.finish();
        self.layer.finish(&self.reader)?;
        below
    }
}

/// A transaction of the reader below, seen through the layer.
struct Through<'a, L> {
    card: Box<dyn Transaction + 'a>,
    layer: &'a mut L,
}

impl<L: Layer> Transaction for Through<'_, L> {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        self.layer.transmit(self.card.as_mut(), command)
    }

    fn note(&mut self, text: &str) {
        self.layer.note(text);
        self.card.note(text);
    }

    fn end(self: Box<Self>) -> Result<(), TransportError> {
        self.card.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::Trace;
    use crate::transport::Replay;

    /// A layer that passes every command through as it is.
    struct Plain;

    impl Layer for Plain {
        fn transmit(
            &mut self,
            card: &mut dyn Transaction,
            command: Outgoing<'_>,
        ) -> Result<Vec<u8>, TransportError> {
            card.transmit(command)
        }
    }

    /// A transaction whose end fails, under a reader that names it.
    struct Ending;

    impl Transaction for Ending {
        fn transmit(&mut self, _: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x90, 0x00])
        }

        fn end(self: Box<Self>) -> Result<(), TransportError> {
            Err(TransportError::Reader("the end failed".to_string()))
        }
    }

    struct EndingReader;

    impl Reader for EndingReader {
        fn name(&self) -> &str {
            "Ending 00 00"
        }

        fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
            Ok(Box::new(Ending))
        }
    }

    #[test]
    fn a_layered_reader_is_the_reader_below_by_name_atr_and_transaction_end() {
        let text = "@source hand-written\n@reader ACS ACR39U 00 00\n@atr 3B 8F 80 01\n";
        let layered = Layered::new(Replay::new(Trace::parse(text, "t").unwrap()), Plain);
        assert_eq!(layered.name(), "ACS ACR39U 00 00");
        assert_eq!(layered.atr(), Some(vec![0x3B, 0x8F, 0x80, 0x01]));
        // A reader that knows no ATR says none, through the layer too.
        let mut layered = Layered::new(EndingReader, Plain);
        assert_eq!(layered.atr(), None);
        let card = layered.transaction().unwrap();
        assert!(matches!(card.end(), Err(TransportError::Reader(_))));
    }
}
