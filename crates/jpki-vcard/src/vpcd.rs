//! The virtual card served to pcscd through vsmartcard's vpcd driver, so real PC/SC clients
//! (jpki, OpenSC) can talk to it.
//!
//! vpcd framing (vsmartcard docs "Creating a virtual smart card"): every message is a 2-byte
//! big-endian length, then the payload. A 1-byte payload from vpcd is a control message
//! (00 power off, 01 power on, 02 reset, 04 get ATR; only the ATR gets an answer); any longer
//! payload is a command APDU, answered with one framed response APDU.

use crate::VirtualCard;
use anyhow::{Context, Result};
use jpki_card::apdu::secret::{redacted_hex, spaced_hex};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The port vpcd listens on by default (/etc/reader.conf.d/vpcd: CHANNELID 0x8C7B).
pub const DEFAULT_PORT: u16 = 35963;

/// Connect to vpcd on 127.0.0.1, retrying while pcscd starts; loopback only, by design.
pub fn connect(port: u16, timeout: Duration) -> Result<TcpStream> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    loop {
        match TcpStream::connect(address) {
            Ok(stream) => {
                stream.set_nodelay(true).ok();
                return Ok(stream);
            }
            // vpcd listens only once pcscd has loaded the driver: keep knocking until the deadline.
            Err(_) if started.elapsed() < timeout => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot reach vpcd on {address}; is pcscd running with vsmartcard-vpcd?"
                    )
                })
            }
        }
    }
}

/// Serve `card` over `stream` until vpcd closes the connection (or the stream is shut down).
/// With `log`, every exchange goes to `err` as trace lines, PIN bytes redacted, and so does
/// every power or reset; a control message jpki-vcard does not know and a change that could not
/// be saved always do.
pub fn serve(
    card: &mut VirtualCard,
    stream: &mut TcpStream,
    log: bool,
    err: &mut dyn Write,
) -> Result<()> {
    while let Some(message) = read_message(stream)? {
        match message.as_slice() {
            // Power off: the card forgets its selection and every verified PIN.
            [0x00] => {
                card.power_off();
                if log {
                    let _ = writeln!(
                        err,
                        "# vpcd control 00: power off, the card forgets its selection and verified PINs"
                    );
                }
            }
            // Power on (after a power off, or of a card already on) and warm reset: the card
            // starts again from the DF it powers up in; what was verified stays verified.
            [control @ (0x01 | 0x02)] => {
                card.warm_reset();
                if log {
                    let _ = writeln!(
                        err,
                        "# vpcd control {control:02X}: {}, the card forgets its selection",
                        if *control == 1 { "power on" } else { "reset" }
                    );
                }
            }
            [0x04] => write_message(stream, &card.answer_to_reset())?,
            [other] => {
                let _ = writeln!(err, "jpki-vcard: ignoring unknown vpcd control {other:02X}");
            }
            [] => {}
            command => {
                let answer = card.respond(command);
                write_message(stream, &answer)?;
                if log {
                    let _ = writeln!(
                        err,
                        "> {}\n< {}",
                        redacted_hex(command),
                        spaced_hex(&answer)
                    );
                }
                if let Some(error) = card.take_save_error() {
                    let _ = writeln!(
                        err,
                        "jpki-vcard: {error}; the card answered 65 81 and kept its state"
                    );
                }
            }
        }
    }
    Ok(())
}

/// Ask the kernel to acknowledge what arrives at once, not after the delayed-ACK timer.
///
/// vpcd writes a message's 2-byte length and its body in two sends without TCP_NODELAY, so
/// Nagle holds the body until the length is acknowledged; with the ACK delayed (up to 40 ms on
/// Linux) every APDU would cost ~40 ms that no real reader adds. Linux clears the flag after
/// use, so it is set again before every read.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    let _ = rustix::net::sockopt::set_tcp_quickack(stream, true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}

/// Read one framed message; `None` when vpcd closed the connection.
fn read_message(stream: &mut TcpStream) -> Result<Option<Vec<u8>>> {
    quick_ack(stream);
    let mut length = [0u8; 2];
    match stream.read_exact(&mut length) {
        Ok(()) => {}
        // pcscd stopping closes or resets the connection: the card's work is done.
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
            ) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e).context("reading from vpcd"),
    }
    quick_ack(stream);
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream
        .read_exact(&mut payload)
        .context("reading a message body from vpcd")?;
    Ok(Some(payload))
}

fn write_message(stream: &mut TcpStream, payload: &[u8]) -> Result<()> {
    let length = u16::try_from(payload.len()).context("an answer longer than 65535 bytes")?;
    let mut frame = length.to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    stream.write_all(&frame).context("writing to vpcd")
}
