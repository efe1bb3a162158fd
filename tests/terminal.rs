//! The hidden PIN prompt on a real terminal: a pseudo-terminal this test opens, with jpki (or a
//! shell running it) in a session of its own whose controlling terminal it is, as in a terminal
//! emulator. Ctrl-C typed there, SIGTERM and SIGHUP must leave the terminal's echo on, say that
//! no PIN was sent, send none, and end jpki by the signal. Without a terminal, an interactive
//! run stops before the card is touched.
//!
//! Needs `setsid` (util-linux) and `dash`, both always on Debian (even a minimal one); signals
//! are sent by jpki's process id through `kill(2)`, not by the `kill` program (procps).

use crate::util::{english, JPKI};
use rustix::process::{kill_process, Pid, Signal};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcgetattr, LocalModes};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A pseudo-terminal: the master side this test types on and reads from, and the path of the
/// side the program under test gets as its terminal.
struct Pty {
    master: File,
    slave: PathBuf,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    fn open() -> Pty {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let slave = PathBuf::from(ptsname(&master, Vec::new()).unwrap().into_string().unwrap());
        let master = File::from(master);
        // Everything the program writes to the terminal, collected as it comes.
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // Ends with EIO once no process holds the terminal any more.
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        Pty {
            master,
            slave,
            seen,
        }
    }

    /// Run `program ARGS` in a session of its own with this terminal as its controlling
    /// terminal and its stdin, stdout and stderr.
    fn spawn(&self, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Child {
        let side = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&self.slave)
                .unwrap()
        };
        english("setsid")
            .arg("--ctty")
            .arg(program)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(side())
            .stdout(side())
            .stderr(side())
            .spawn()
            .expect("setsid (util-linux) runs")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned()
    }

    /// Wait until the terminal has shown `what`.
    fn wait_for(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.text().contains(what) {
            assert!(
                Instant::now() < deadline,
                "the terminal never showed {what:?}; it shows:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_keys(&mut self, keys: &[u8]) {
        self.master.write_all(keys).unwrap();
        self.master.flush().unwrap();
    }

    /// Whether the terminal echoes what is typed, as its settings say now.
    fn echo_on(&self) -> bool {
        tcgetattr(&self.master)
            .unwrap()
            .local_modes
            .contains(LocalModes::ECHO)
    }
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the program never ended");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh virtual card in `dir`; its state file.
fn virtual_card(dir: &Path) -> PathBuf {
    let state = dir.join("card.state");
    crate::util::vcard_init(&state, &[]);
    state
}

/// `jpki --virtual-card STATE verify-pin auth` on the terminal, once it asks for the PIN.
fn verify_auth_at_the_prompt(pty: &Pty, state: &Path) -> Child {
    let jpki = pty.spawn(
        JPKI,
        &[
            "--virtual-card",
            state.to_str().unwrap(),
            "verify-pin",
            "auth",
        ],
        &[],
    );
    pty.wait_for("User authentication PIN to check");
    jpki
}

/// The words `stty -a` printed for the echo setting: `echo` or `-echo`.
fn stty_echo(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == ';')
        .filter(|word| *word == "echo" || *word == "-echo")
        .collect()
}

#[test]
fn ctrl_c_under_a_shell_that_survives_it_leaves_the_echo_on() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let mut pty = Pty::open();
    // The reproduction: a shell that traps INT, so it lives on and runs `stty -a` afterwards.
    let script = format!(
        "trap 'echo got-int' INT; '{JPKI}' --virtual-card '{}' change-pin auth; echo \"jpki-ended=$?\"; stty -a",
        state.display()
    );
    let mut shell = pty.spawn("dash", &["-c", &script], &[]);
    pty.wait_for("Current User authentication PIN");
    assert!(!pty.echo_on(), "the prompt hides what is typed");
    pty.type_keys(b"12");
    std::thread::sleep(Duration::from_millis(200));
    pty.type_keys(b"\x03");
    let status = wait(&mut shell);
    assert!(status.success(), "{status:?}\n{}", pty.text());
    pty.wait_for("speed");
    let text = pty.text();
    assert!(
        text.contains("interrupted by SIGINT (Ctrl-C) at the PIN prompt; no PIN was sent"),
        "{text}"
    );
    // Ended by SIGINT: dash reports 128 + 2.
    assert!(text.contains("jpki-ended=130"), "{text}");
    assert_eq!(stty_echo(&text), ["echo"], "{text}");
    assert!(pty.echo_on());
    assert!(!text.contains("12"), "what was typed showed: {text}");
    assert_eq!(
        crate::util::vcard_tries_of(&state, "auth"),
        Some(3),
        "a try was spent"
    );
}

#[test]
fn sigterm_and_sighup_at_the_prompt_restore_the_terminal_and_end_jpki_by_the_signal() {
    for (signal, name) in [
        (Signal::TERM, "SIGTERM"),
        (Signal::HUP, "SIGHUP"),
        (Signal::INT, "SIGINT"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let state = virtual_card(dir.path());
        let mut pty = Pty::open();
        let mut jpki = verify_auth_at_the_prompt(&pty, &state);
        assert!(!pty.echo_on());
        pty.type_keys(b"98");
        std::thread::sleep(Duration::from_millis(200));
        kill_process(Pid::from_child(&jpki), signal).unwrap();
        let status = wait(&mut jpki);
        assert_eq!(status.signal(), Some(signal.as_raw()), "{name}: {status:?}");
        assert!(pty.echo_on(), "{name} left the echo off");
        pty.wait_for("no PIN was sent");
        assert!(pty.text().contains(name), "{}", pty.text());
        assert_eq!(
            crate::util::vcard_tries_of(&state, "auth"),
            Some(3),
            "{name}: a try was spent"
        );
    }
}

#[test]
fn a_wrong_entry_is_hidden_sent_once_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let mut pty = Pty::open();
    // A wrong entry, then the run stops there (the card counts it: 2 left); nothing waits.
    let mut jpki = verify_auth_at_the_prompt(&pty, &state);
    pty.type_keys(b"0000\r");
    let status = wait(&mut jpki);
    assert_eq!(status.code(), Some(13), "{}", pty.text());
    assert!(pty.echo_on());
    assert!(!pty.text().contains("0000"), "{}", pty.text());
}

#[test]
fn the_entry_is_read_hidden_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    // The virtual card's state file holds its test PINs in clear: `pin auth 1234 3`.
    let pin = std::fs::read_to_string(&state)
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("pin auth ")?
                .split(' ')
                .next()
                .map(str::to_string)
        })
        .expect("the state file names the auth PIN");
    let mut pty = Pty::open();
    let mut jpki = verify_auth_at_the_prompt(&pty, &state);
    pty.type_keys(format!("{pin}\r").as_bytes());
    let status = wait(&mut jpki);
    assert_eq!(status.code(), Some(0), "{}", pty.text());
    assert!(!pty.text().contains(&pin), "{}", pty.text());
}

#[test]
fn colour_only_on_a_terminal_that_has_it() {
    let locked = crate::util::trace("status/locked-63c0.trace");
    let mut shown = Vec::new();
    for term in ["xterm-256color", "dumb"] {
        let pty = Pty::open();
        let mut jpki = pty.spawn(
            JPKI,
            &[
                "--replay",
                locked.to_str().unwrap(),
                "status",
                "--pins-only",
            ],
            &[("TERM", term), ("NO_COLOR", "")],
        );
        assert_eq!(wait(&mut jpki).code(), Some(0), "{}", pty.text());
        pty.wait_for("kenhojo");
        shown.push(pty.text());
    }
    assert!(
        shown[0].contains("\x1b["),
        "no colour on a colour terminal:\n{}",
        shown[0]
    );
    assert!(
        !shown[1].contains('\x1b'),
        "colour with TERM=dumb:\n{}",
        shown[1]
    );
}

#[test]
fn without_a_terminal_an_interactive_run_touches_no_card() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let trace = dir.path().join("out.trace");
    for args in [&["change-pin", "auth"][..], &["verify-pin", "auth"]] {
        // setsid without --ctty: a session with no controlling terminal, as under cron or CI.
        let out = Command::new("setsid")
            .arg(JPKI)
            .arg("--virtual-card")
            .arg(&state)
            .arg("--record")
            .arg(&trace)
            .args(args)
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot ask for the PIN on a terminal"),
            "{stderr}"
        );
        // Nothing was opened: no trace, not even an empty one.
        assert!(!trace.exists(), "{args:?} opened the card before asking");
    }
}
