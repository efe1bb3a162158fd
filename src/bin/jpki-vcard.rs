//! `jpki-vcard`: create a virtual My Number card's state file, and serve the card to pcscd
//! through vsmartcard's vpcd driver, so real PC/SC clients (jpki, OpenSC) can talk to it.
//!
//! vpcd framing (vsmartcard docs "Creating a virtual smart card"): every message is a 2-byte
//! big-endian length, then the payload. A 1-byte payload from vpcd is a control message
//! (00 power off, 01 power on, 02 reset, 04 get ATR; only the ATR gets an answer); any longer
//! payload is a command APDU, answered with one framed response APDU.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use jpki::card::PinKind;
use jpki::transport::wire::{redacted_hex, spaced_hex};
use jpki::virtual_card::{application_from_id, LockedProbe, Profile, VirtualCard};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The port vpcd listens on by default (/etc/reader.conf.d/vpcd: CHANNELID 0x8C7B).
const VPCD_DEFAULT_PORT: u16 = 35963;

/// A virtual My Number card for tests: create its state file, or serve it to pcscd via vpcd.
#[derive(Debug, Parser)]
#[command(name = "jpki-vcard", version, about, max_term_width = 100)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new state file (test PINs only: the file holds them in clear).
    Init {
        /// adult (four PINs), under-15 (no sign PIN), other-card (no My Number application).
        #[arg(long, default_value = "adult")]
        profile: String,
        /// Set a PIN's value, e.g. `--card-pin auth=4321` (repeatable).
        #[arg(long = "card-pin", value_name = "KIND=VALUE")]
        pins: Vec<String>,
        /// Set a PIN's tries left, e.g. `--tries sign=3`; 0 locks it (repeatable).
        #[arg(long = "tries", value_name = "KIND=N")]
        tries: Vec<String>,
        /// How a locked PIN answers an empty VERIFY: 63C0, 6983 or 6984.
        #[arg(long, default_value = "63C0")]
        locked_probe: String,
        /// Leave an application off the card: jpki, juki or kenhojo (repeatable).
        #[arg(long = "without", value_name = "APPLICATION")]
        without: Vec<String>,
        /// DER file to serve as the user-authentication certificate (EF 00 0A).
        #[arg(long, value_name = "DER_FILE")]
        auth_certificate: Option<PathBuf>,
        /// The state file to write.
        state: PathBuf,
    },
    /// Connect to vpcd on 127.0.0.1 and serve the card until pcscd goes away.
    Serve {
        /// vpcd's port on 127.0.0.1 (loopback only).
        #[arg(long, default_value_t = VPCD_DEFAULT_PORT)]
        port: u16,
        /// How long to keep trying to reach vpcd, in seconds (pcscd may still be starting).
        #[arg(long, default_value_t = 10)]
        connect_timeout: u64,
        /// Print every exchange on stderr as trace lines, PIN bytes redacted.
        #[arg(long)]
        log: bool,
        /// The state file; saved after every command that changes the card.
        state: PathBuf,
    },
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jpki-vcard: error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Init {
            profile,
            pins,
            tries,
            locked_probe,
            without,
            auth_certificate,
            state,
        } => init(
            &profile,
            &pins,
            &tries,
            &locked_probe,
            &without,
            auth_certificate.as_deref(),
            &state,
        ),
        Command::Serve {
            port,
            connect_timeout,
            log,
            state,
        } => serve(port, Duration::from_secs(connect_timeout), log, &state),
    }
}

fn kind_and_value(setting: &str) -> Result<(PinKind, &str)> {
    let (id, value) = setting
        .split_once('=')
        .with_context(|| format!("\"{setting}\" is not KIND=VALUE"))?;
    let kind = PinKind::from_id(id)
        .with_context(|| format!("unknown PIN \"{id}\" (sign, auth, juki, kenhojo)"))?;
    Ok((kind, value))
}

fn init(
    profile: &str,
    pins: &[String],
    tries: &[String],
    locked_probe: &str,
    without: &[String],
    auth_certificate: Option<&Path>,
    path: &Path,
) -> Result<()> {
    let profile = Profile::from_id(profile)
        .with_context(|| format!("unknown profile \"{profile}\" (adult, under-15, other-card)"))?;
    let mut state = profile.card();
    for setting in pins {
        let (kind, value) = kind_and_value(setting)?;
        let pin =
            jpki::card::Pin::new(kind, value).with_context(|| format!("--card-pin {kind}"))?;
        match state.pin_mut(kind) {
            Some(record) => record.value = pin.expose().to_vec(),
            None => bail!(
                "--card-pin {kind}: the {} profile has no {kind} PIN",
                profile.id()
            ),
        }
    }
    for setting in tries {
        let (kind, value) = kind_and_value(setting)?;
        let n: u8 = value
            .parse()
            .ok()
            .filter(|n| *n <= kind.max_tries())
            .with_context(|| format!("--tries {kind}: must be 0 to {}", kind.max_tries()))?;
        match state.pin_mut(kind) {
            Some(record) => record.tries_left = n,
            None => bail!(
                "--tries {kind}: the {} profile has no {kind} PIN",
                profile.id()
            ),
        }
    }
    state.locked_probe = LockedProbe::from_hex(locked_probe).with_context(|| {
        format!("--locked-probe must be 63C0, 6983 or 6984, not {locked_probe}")
    })?;
    for id in without {
        let application = application_from_id(id)
            .with_context(|| format!("--without: unknown application \"{id}\""))?;
        state.applications.retain(|a| *a != application);
        state.pins.retain(|(k, _)| {
            k.key_references()
                .iter()
                .any(|r| state.applications.contains(&r.application))
        });
    }
    if let Some(der) = auth_certificate {
        state.auth_certificate =
            std::fs::read(der).with_context(|| format!("reading {}", der.display()))?;
    }
    VirtualCard::save_state(&state, path)?;
    Ok(())
}

/// Connect to vpcd, retrying while pcscd starts; loopback only, by design.
fn connect(port: u16, timeout: Duration) -> Result<TcpStream> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    loop {
        match TcpStream::connect(address) {
            Ok(stream) => return Ok(stream),
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

/// Ask the kernel to acknowledge what arrives at once, not after the delayed-ACK timer.
///
/// vpcd writes a message's 2-byte length and its body in two sends without TCP_NODELAY, so
/// Nagle holds the body until the length is acknowledged; with the ACK delayed (up to 40 ms on
/// Linux) every APDU would cost ~40 ms that no real reader adds. Linux clears the flag after
/// use, so it is set again before every read.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor, a c_int option value and its exact size.
    let _ = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
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

fn serve(port: u16, timeout: Duration, log: bool, path: &Path) -> Result<()> {
    let mut card = VirtualCard::open(path)?;
    let mut stream = connect(port, timeout)?;
    stream.set_nodelay(true).ok();
    while let Some(message) = read_message(&mut stream)? {
        match message.as_slice() {
            // Power off, power on, reset: the card forgets its selection and verified PIN.
            [control @ 0x00..=0x02] => {
                card.reset();
                if log {
                    eprintln!("# vpcd control {control:02X}: the card forgets its session");
                }
            }
            [0x04] => write_message(&mut stream, &card.answer_to_reset())?,
            [other] => eprintln!("jpki-vcard: ignoring unknown vpcd control {other:02X}"),
            [] => {}
            command => {
                let before = card.state().clone();
                let answer = card.respond(command);
                write_message(&mut stream, &answer)?;
                if log {
                    eprintln!("> {}\n< {}", redacted_hex(command), spaced_hex(&answer));
                }
                if card.state() != &before {
                    card.save()?;
                }
            }
        }
    }
    card.save()?;
    Ok(())
}
