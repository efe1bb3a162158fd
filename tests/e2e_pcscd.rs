//! End to end through the real PC/SC stack: a pcscd this harness starts and stops by PID, the
//! virtual card attached through vsmartcard's vpcd driver by `jpki-vcard serve`, then the `jpki`
//! binary (through the pcsc crate) and OpenSC's `pkcs15-tool` as a peer client.
//!
//! Needs the Debian packages pcscd, vsmartcard-vpcd and opensc. Outside CI a missing one skips
//! these tests with a message; with CI=true it fails them. The tests take one lock, so only one
//! pcscd runs at a time, whatever `cargo test` runs in parallel.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One pcscd at a time: pcscd's socket (/run/pcscd/pcscd.comm) is one per machine.
static ONE_PCSCD: Mutex<()> = Mutex::new(());

/// Where Debian's vsmartcard-vpcd puts the driver pcscd loads.
const VPCD_DRIVERS: [&str; 2] = [
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so",
];
/// pcscd's socket; a live one means another pcscd already runs.
const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";
/// The reader vpcd offers, as /etc/reader.conf.d/vpcd names it (slot 0).
const VPCD_READER: &str = "Virtual PCD 00 00";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skip (outside CI) or fail (in CI) with `why`; returns None so callers can `?`-style return.
fn unavailable<T>(why: &str) -> Option<T> {
    let message = format!(
        "e2e test needs pcscd, vsmartcard-vpcd and opensc: {why}\n\
         install them with: sudo apt-get install pcscd vsmartcard-vpcd opensc"
    );
    if in_ci() {
        panic!("{message} (CI=true: not skipping)");
    }
    eprintln!("SKIPPED: {message}");
    None
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A free loopback port p with p + 1 free too (vpcd's second slot listens there).
fn free_port_pair() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// Stop a child we started: SIGTERM by its PID so pcscd removes its socket, then SIGKILL.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// pcscd with vpcd on a private port, and the virtual card served into it.
struct Stack {
    pcscd: Child,
    vcard: Child,
    dir: tempfile::TempDir,
    state: PathBuf,
}

impl Drop for Stack {
    fn drop(&mut self) {
        stop(&mut self.vcard);
        stop(&mut self.pcscd);
    }
}

impl Stack {
    /// Start pcscd and attach a virtual card made by `jpki-vcard init INIT_ARGS`.
    fn start(init_args: &[&str]) -> Option<Stack> {
        let Some(pcscd) = find_program("pcscd") else {
            return unavailable("no pcscd program");
        };
        let Some(driver) = VPCD_DRIVERS.iter().find(|d| Path::new(d).exists()) else {
            return unavailable("no vpcd driver (libifdvpcd.so)");
        };
        if find_program("pkcs15-tool").is_none() {
            return unavailable("no pkcs15-tool (OpenSC)");
        }
        let uid = Command::new("id").arg("-u").output().ok();
        if uid.is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() != "0") {
            return unavailable("pcscd must run as root here (it creates /run/pcscd)");
        }
        if Path::new(PCSCD_SOCKET).exists()
            && std::os::unix::net::UnixStream::connect(PCSCD_SOCKET).is_ok()
        {
            return unavailable(
                "another pcscd is running; stop it first (sudo systemctl stop pcscd.socket pcscd)",
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("card.state");
        let init = Command::new(env!("CARGO_BIN_EXE_jpki-vcard"))
            .arg("init")
            .args(init_args)
            .arg(&state)
            .status()
            .unwrap();
        assert!(init.success(), "jpki-vcard init {init_args:?}");

        // A reader.conf.d of our own: only vpcd, on a port no other program uses.
        let port = free_port_pair();
        let conf = dir.path().join("reader.conf.d");
        std::fs::create_dir(&conf).unwrap();
        std::fs::write(
            conf.join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:{port}\nLIBPATH {driver}\nCHANNELID {port}\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("pcscd.log")).unwrap();
        let pcscd = Command::new(pcscd)
            .args(["--foreground", "--apdu", "--config"])
            .arg(&conf)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let vcard = Command::new(env!("CARGO_BIN_EXE_jpki-vcard"))
            .args(["serve", "--port", &port.to_string()])
            .arg(&state)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stack = Stack {
            pcscd,
            vcard,
            dir,
            state,
        };
        stack.wait_for_card();
        Some(stack)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pcscd.log")).unwrap_or_default()
    }

    /// Wait until PC/SC shows the card in vpcd's reader.
    fn wait_for_card(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.pcscd.try_wait() {
                panic!("pcscd exited ({status}) at start:\n{}", self.log());
            }
            if let Ok(Some(status)) = self.vcard.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = self.vcard.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!(
                    "jpki-vcard exited ({status}): {err}\npcscd log:\n{}",
                    self.log()
                );
            }
            let (code, out, _) = run(&["--json", "readers"], None);
            if code == 0
                && common::json(&out)["readers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["name"] == VPCD_READER && r["card_present"] == true)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the virtual card never showed up in pcscd (last readers: {out})\npcscd log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Run the `jpki` binary against the system PC/SC service, optionally feeding stdin.
fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jpki"))
        .env_remove("JPKI_READER")
        .env_remove("PCSCLITE_CSOCK_NAME")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Tries left per PIN id, from `jpki --json status` through pcscd.
fn jpki_tries() -> Vec<(String, Option<u64>)> {
    let (code, out, err) = run(&["--json", "status", "--pins-only"], None);
    assert_eq!(code, 0, "{err}");
    let v = common::json(&out);
    assert_eq!(v["reader"], VPCD_READER);
    v["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["tries_left"].as_u64(),
            )
        })
        .collect()
}

fn tries_of(tries: &[(String, Option<u64>)], id: &str) -> Option<u64> {
    tries.iter().find(|(i, _)| i == id).and_then(|(_, t)| *t)
}

/// `change-pin` is written on another branch; this branch runs that part only once it exists.
fn change_pin_available() -> bool {
    let (code, _, _) = run(&["change-pin", "--help"], None);
    if code != 0 {
        eprintln!("NOTE: `jpki change-pin` is not built on this branch; its e2e steps are skipped");
    }
    code == 0
}

#[test]
fn readers_status_change_pin_and_status_again_through_pcscd() {
    let _one = ONE_PCSCD.lock().unwrap_or_else(|e| e.into_inner());
    let Some(stack) = Stack::start(&["--tries", "sign=4", "--tries", "auth=2"]) else {
        return;
    };

    let (code, out, err) = run(&["readers"], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().any(
            |l| l.contains(VPCD_READER) && l.contains("3B C5 FF 81 31 FB 45 80 73 C6 01 00 00")
        ),
        "{out}"
    );

    let before = jpki_tries();
    assert_eq!(
        before,
        vec![
            ("sign".to_string(), Some(4)),
            ("auth".to_string(), Some(2)),
            ("juki".to_string(), Some(3)),
            ("kenhojo".to_string(), Some(3)),
        ]
    );

    if change_pin_available() {
        // A right current PIN: the change goes through and the counter is full again.
        let (code, _, err) = run(&["change-pin", "--stdin", "auth"], Some("1234\n5678\n"));
        assert_eq!(
            code,
            0,
            "change-pin auth: {err}\npcscd log:\n{}",
            stack.log()
        );
        // A wrong current PIN: exit 13, one try spent, nothing changed.
        let (code, _, err) = run(&["change-pin", "--stdin", "kenhojo"], Some("0000\n5678\n"));
        assert_eq!(code, 13, "change-pin kenhojo with a wrong PIN: {err}");

        let after = jpki_tries();
        assert_eq!(tries_of(&after, "auth"), Some(3), "{after:?}");
        assert_eq!(tries_of(&after, "kenhojo"), Some(2), "{after:?}");
        assert_eq!(tries_of(&after, "sign"), Some(4), "{after:?}");
        let saved = std::fs::read_to_string(&stack.state).unwrap();
        assert!(saved.contains("pin auth 5678 3"), "{saved}");
        assert!(saved.contains("pin kenhojo 1234 2"), "{saved}");
    } else {
        assert_eq!(jpki_tries(), before, "status spends no try");
    }
}

/// The tries left `pkcs15-tool --list-pins` prints, by OpenSC's PIN label.
fn opensc_tries() -> Vec<(String, u64)> {
    let out = Command::new("pkcs15-tool")
        .args(["--list-pins", "--reader", VPCD_READER])
        .env_remove("PCSCLITE_CSOCK_NAME")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pkcs15-tool: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut found = Vec::new();
    let mut label = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("PIN [") {
            label = rest.strip_suffix(']').map(str::to_string);
        } else if let Some((key, value)) = line.trim().split_once(':') {
            if key.trim() == "Tries left" {
                let n = value.trim().parse().unwrap();
                found.push((label.clone().expect("a PIN label before its tries"), n));
            }
        }
    }
    found
}

#[test]
fn opensc_reports_the_same_tries_left_as_jpki() {
    let _one = ONE_PCSCD.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_stack) = Stack::start(&["--tries", "sign=2", "--tries", "auth=1"]) else {
        return;
    };
    let ours = jpki_tries();
    let theirs = opensc_tries();
    // OpenSC's JPKI emulator (pkcs15-jpki.c) labels the auth and sign PINs so.
    let label = |l: &str| theirs.iter().find(|(t, _)| t == l).map(|(_, n)| *n);
    assert_eq!(
        label("User Authentication PIN"),
        tries_of(&ours, "auth"),
        "{theirs:?}"
    );
    assert_eq!(
        label("Digital Signature PIN"),
        tries_of(&ours, "sign"),
        "{theirs:?}"
    );
    assert_eq!(tries_of(&ours, "auth"), Some(1));
    assert_eq!(tries_of(&ours, "sign"), Some(2));
}

/// Send `commands` inside one PC/SC transaction through the library's real reader; the status
/// word of each.
fn in_one_hold(commands: &[jpki::apdu::Command]) -> Vec<jpki::apdu::StatusWord> {
    use jpki::transport::Transport;
    let mut reader = jpki::transport::pcsc::PcscReader::connect(Some(VPCD_READER)).unwrap();
    let mut words = Vec::new();
    reader
        .exclusive(&mut |held| {
            for command in commands {
                let answer = held.transmit(&command.to_bytes()).unwrap();
                words.push(jpki::apdu::Response::parse(&answer).unwrap().sw);
            }
        })
        .unwrap();
    words
}

#[test]
fn a_pin_change_through_pcsc_holds_and_the_reset_after_it() {
    use jpki::apdu::{Command, StatusWord};
    use jpki::card::{Application, PinKind};
    let _one = ONE_PCSCD.lock().unwrap_or_else(|e| e.into_inner());
    let Some(stack) = Stack::start(&[]) else {
        return;
    };
    let select = [
        Command::select_application(Application::Common.aid()),
        Command::select_file(PinKind::Juki.ef()),
    ];
    // The change-pin exchange: select, read the counter, VERIFY, CHANGE, in one transaction.
    let words = in_one_hold(&[
        select[0].clone(),
        select[1].clone(),
        Command::read_retry_counter(),
        Command::verify(b"1234"),
        Command::change_key(b"8642"),
    ]);
    assert_eq!(
        words,
        vec![
            StatusWord::Success,
            StatusWord::Success,
            StatusWord::TriesLeft(3),
            StatusWord::Success,
            StatusWord::Success
        ]
    );
    // That hold carried a PIN, so it ended with a card reset: nothing is selected or verified in
    // the next one, and CHANGE without a VERIFY is refused.
    let words = in_one_hold(&[
        Command::change_key(b"1111"),
        select[0].clone(),
        select[1].clone(),
        Command::change_key(b"1111"),
        Command::verify(b"1234"),
    ]);
    assert_eq!(
        words,
        vec![
            StatusWord::Other(0x6986),
            StatusWord::Success,
            StatusWord::Success,
            StatusWord::SecurityNotSatisfied,
            StatusWord::TriesLeft(2)
        ]
    );
    let saved = std::fs::read_to_string(&stack.state).unwrap();
    assert!(saved.contains("pin juki common_ap 8642 2"), "{saved}");
    assert_eq!(tries_of(&jpki_tries(), "juki"), Some(2));
}
