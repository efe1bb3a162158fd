//! A card's answer: data, then the status word.

use super::status_word::StatusWord;
use thiserror::Error;

/// A response APDU, split into its data and its status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The data bytes before the status word (often empty).
    pub data: Vec<u8>,
    /// The trailing status word.
    pub sw: StatusWord,
}

/// An answer that is not a response APDU at all.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ResponseError {
    /// Fewer than the two status bytes every answer must end with.
    #[error("the card's answer has {0} byte(s); every answer ends with two status bytes")]
    TooShort(usize),
}

impl Response {
    /// Split raw answer bytes into data and status word.
    pub fn parse(bytes: &[u8]) -> Result<Response, ResponseError> {
        // apdu-core reads fewer than two bytes as status 00 00; a short answer is an error here.
        if bytes.len() < 2 {
            return Err(ResponseError::TooShort(bytes.len()));
        }
        let parsed = iso_apdu::Response::from(bytes);
        let (sw1, sw2) = parsed.trailer;
        Ok(Response {
            data: parsed.payload.to_vec(),
            sw: StatusWord::from(u16::from_be_bytes([sw1, sw2])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_data_from_status() {
        let r = Response::parse(&[0x01, 0x02, 0x90, 0x00]).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert_eq!(r.sw, StatusWord::Success);
    }

    #[test]
    fn short_answers_are_errors_not_panics() {
        assert_eq!(Response::parse(&[]), Err(ResponseError::TooShort(0)));
        assert_eq!(Response::parse(&[0x90]), Err(ResponseError::TooShort(1)));
    }
}
