//! `myna-peer`: reads a My Number card through PC/SC with the `myna` crate (0.3.0), so jpki's
//! end-to-end tests can compare jpki's answers with those of an implementation it did not write.
//!
//!     myna-peer READER pins        one line per PIN: `ID TRIES` or `ID error DETAIL`
//!     myna-peer READER token       `is_mynumber_card true|false` and the token's bytes in hex
//!     myna-peer READER cert FILE   the auth certificate through myna's get_cert, written to FILE
//!
//! Only what myna offers is used: its own routines for the JPKI PINs, the token and the
//! certificate, and its generic SELECT / empty VERIFY for the PINs outside the JPKI application
//! (myna has no routine for them). Nothing here sends a PIN. Exit 0 when the card was reached,
//! 1 when PC/SC failed, 2 on bad arguments.

use myna::card::{Apdu, KeyType};
use myna::error::ApduError;
use std::ffi::CString;

/// The card in one reader, connected in shared mode like any other client.
struct Peer {
    card: pcsc::Card,
}

impl Apdu for Peer {
    type TransErr = pcsc::Error;

    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, pcsc::Error> {
        let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        Ok(self.card.transmit(&command, &mut buffer)?.to_vec())
    }
}

/// The applications and PIN files outside the JPKI application, as the status exchange reads
/// them: the 住基 AP and the 共通 AP (each an EF 00 1C of the juki PIN), the 券面事項入力補助 AP.
const OTHER_PINS: [(&str, [u8; 10], [u8; 2]); 3] = [
    (
        "juki_ap",
        [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01],
        [0x00, 0x1C],
    ),
    (
        "common_ap",
        [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
        [0x00, 0x1C],
    ),
    (
        "kenhojo",
        [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
        [0x00, 0x11],
    ),
];

fn line<T: std::fmt::Debug>(id: &str, result: Result<u8, ApduError<T>>) -> String {
    match result {
        Ok(tries) => format!("{id} {tries}"),
        Err(e) => format!("{id} error {e:?}"),
    }
}

fn pins(peer: &Peer) -> Vec<String> {
    let mut out = vec![
        line("sign", peer.get_retry_counter(KeyType::DigitalSign)),
        line("auth", peer.get_retry_counter(KeyType::UserAuth)),
    ];
    for (id, aid, ef) in OTHER_PINS {
        let tries = peer
            .select_df(&aid)
            .and_then(|()| peer.select_ef(&ef))
            .and_then(|()| peer.lookup_pin());
        out.push(line(id, tries));
    }
    out
}

fn token(peer: &Peer) -> Vec<String> {
    let mut out = vec![match peer.is_mynumber_card() {
        Ok(yes) => format!("is_mynumber_card {yes}"),
        Err(e) => format!("is_mynumber_card error {e:?}"),
    }];
    // The same EF read again, to show what myna compared.
    let bytes = peer
        .select_jpki_ap()
        .and_then(|()| peer.select_jpki_token())
        .and_then(|()| peer.read_binary(32));
    out.push(match bytes {
        Ok(bytes) => format!("token_hex {}", hex(&bytes)),
        Err(e) => format!("token_hex error {e:?}"),
    });
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (reader, what) = match args.as_slice() {
        [reader, what, ..] => (reader.as_str(), what.as_str()),
        _ => {
            eprintln!("usage: myna-peer READER pins|token|cert FILE");
            std::process::exit(2);
        }
    };
    let connected = pcsc::Context::establish(pcsc::Scope::User).and_then(|context| {
        let name = CString::new(reader).map_err(|_| pcsc::Error::InvalidParameter)?;
        context.connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
    });
    let peer = match connected {
        Ok(card) => Peer { card },
        Err(e) => {
            eprintln!("myna-peer: PC/SC: {e}");
            std::process::exit(1);
        }
    };
    let lines = match (what, args.get(2)) {
        ("pins", None) => pins(&peer),
        ("token", None) => token(&peer),
        ("cert", Some(file)) => match peer.get_cert(KeyType::UserAuth) {
            Ok(der) => {
                if let Err(e) = std::fs::write(file, &der) {
                    eprintln!("myna-peer: {file}: {e}");
                    std::process::exit(1);
                }
                vec![format!("cert {} bytes", der.len())]
            }
            Err(e) => vec![format!("cert error {e:?}")],
        },
        _ => {
            eprintln!("usage: myna-peer READER pins|token|cert FILE");
            std::process::exit(2);
        }
    };
    for line in lines {
        println!("{line}");
    }
    // Nothing was verified: leave the card as it was for the other programs sharing it.
    let _ = peer.card.disconnect(pcsc::Disposition::LeaveCard);
}
