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
