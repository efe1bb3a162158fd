//! The hidden PIN prompt on a real terminal: a pseudo-terminal this test opens, with jpki (or a
//! shell running it) in a session of its own whose controlling terminal it is, as in a terminal
//! emulator. Every ending signal at the prompt (Ctrl-C typed there, SIGTERM, SIGHUP, SIGQUIT,
//! SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE) must put the terminal's mode back exactly as it was,
//! leave nothing typed in its input queue, say that no PIN was sent, send none, and end jpki by
//! the signal. A stop and continue, a background start, typeahead while the card is read and a
//! terminal left without CR-to-NL never show the PIN. Without a terminal, an interactive run
//! stops before the card is touched.
//!
//! Needs `setsid` and `flock` (util-linux) and `dash`, all always on Debian (even a minimal
//! one); signals are sent by process id through `kill(2)`, not by the `kill` program (procps).

use crate::util::{english, JPKI};
use rustix::process::{kill_process, Pid, Signal};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcgetattr, tcsetattr, InputModes, LocalModes, OptionalActions, Termios};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
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

    /// The terminal's mode now, as words to compare.
    fn mode(&self) -> String {
        mode_words(&tcgetattr(&self.master).unwrap())
    }

    /// Wait until the terminal's echo is `on`.
    fn wait_for_echo(&self, on: bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.echo_on() != on {
            assert!(Instant::now() < deadline, "the echo never became {on}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How many bytes wait in the terminal's input queue once a newline is typed: 1 when
    /// nothing was left there before it.
    fn queued_with_a_newline(&mut self) -> usize {
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open(&self.slave)
            .unwrap();
        self.type_keys(b"\n");
        std::thread::sleep(Duration::from_millis(100));
        let queued = rustix::io::ioctl_fionread(&slave).unwrap() as usize;
        // Read it out, so the test's newline reaches nothing else.
        let _ = rustix::termios::tcflush(&slave, rustix::termios::QueueSelector::IFlush);
        queued
    }
}

/// A terminal mode as words: every flag set and the special characters.
fn mode_words(mode: &Termios) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?}",
        mode.input_modes,
        mode.output_modes,
        mode.control_modes,
        mode.local_modes,
        mode.special_codes
    )
}

/// Wait until process `pid` is stopped (`T` in /proc/PID/stat).
fn wait_until_stopped(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
        if state == Some('T') {
            return;
        }
        assert!(Instant::now() < deadline, "{pid} never stopped: {stat}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Send the signal named `name` (as `kill -NAME` spells it) to process `pid`, through kill(2).
fn signal(pid: u32, name: &str) {
    let signal = match name {
        "INT" => Signal::INT,
        "TERM" => Signal::TERM,
        "HUP" => Signal::HUP,
        "QUIT" => Signal::QUIT,
        "USR1" => Signal::USR1,
        "USR2" => Signal::USR2,
        "ALRM" => Signal::ALARM,
        "PIPE" => Signal::PIPE,
        "TSTP" => Signal::TSTP,
        "CONT" => Signal::CONT,
        other => panic!("no signal {other} in this test"),
    };
    let pid = Pid::from_raw(i32::try_from(pid).unwrap()).unwrap();
    kill_process(pid, signal).unwrap_or_else(|e| panic!("kill -{name}: {e}"));
}

/// The auth PIN the virtual card in `state` holds: its state file names it in clear
/// (`pin auth 1234 3`).
fn auth_pin(state: &Path) -> String {
    std::fs::read_to_string(state)
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("pin auth ")?
                .split(' ')
                .next()
                .map(str::to_string)
        })
        .expect("the state file names the auth PIN")
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

#[test]
fn ctrl_z_then_fg_restores_the_terminal_while_stopped_and_hides_the_entry_after() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let pin = auth_pin(&state);
    let mut pty = Pty::open();
    let before = pty.mode();
    let mut jpki = verify_auth_at_the_prompt(&pty, &state);
    assert!(!pty.echo_on());
    pty.type_keys(b"12");
    std::thread::sleep(Duration::from_millis(100));
    // Ctrl-Z: the terminal sends SIGTSTP to the foreground group; a shell would then take the
    // terminal back in the mode jpki found.
    signal(jpki.id(), "TSTP");
    wait_until_stopped(jpki.id());
    assert_eq!(
        pty.mode(),
        before,
        "stopped with the prompt's mode in force"
    );
    // `fg`: the prompt's mode comes back and the prompt is shown again, the entry started over.
    signal(jpki.id(), "CONT");
    let deadline = Instant::now() + Duration::from_secs(20);
    while pty
        .text()
        .matches("User authentication PIN to check")
        .count()
        < 2
    {
        assert!(Instant::now() < deadline, "no new prompt: {}", pty.text());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!pty.echo_on(), "the echo is on after fg");
    pty.type_keys(format!("{pin}\r").as_bytes());
    let status = wait(&mut jpki);
    // Only what was typed after fg counts: "12" was dropped, so the PIN is right.
    assert_eq!(status.code(), Some(0), "{}", pty.text());
    assert!(!pty.text().contains(&pin), "{}", pty.text());
    assert_eq!(pty.mode(), before);
}

#[test]
fn every_ending_signal_at_the_prompt_restores_the_mode_and_leaves_no_digit_queued() {
    for (name, number) in [
        ("TERM", 15),
        ("HUP", 1),
        ("INT", 2),
        ("QUIT", 3),
        ("USR1", 10),
        ("USR2", 12),
        ("ALRM", 14),
        ("PIPE", 13),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let state = virtual_card(dir.path());
        let mut pty = Pty::open();
        let before = pty.mode();
        let mut jpki = verify_auth_at_the_prompt(&pty, &state);
        pty.type_keys(b"98");
        std::thread::sleep(Duration::from_millis(100));
        signal(jpki.id(), name);
        let status = wait(&mut jpki);
        assert_eq!(status.signal(), Some(number), "SIG{name}: {status:?}");
        assert!(!status.core_dumped(), "SIG{name} dumped a core");
        assert_eq!(pty.mode(), before, "SIG{name} left another mode");
        pty.wait_for("no PIN was sent");
        assert!(!pty.text().contains("98"), "SIG{name}: {}", pty.text());
        // "98" typed without Enter would otherwise reach the shell's command line.
        assert_eq!(
            pty.queued_with_a_newline(),
            1,
            "SIG{name} left the digits queued"
        );
        assert_eq!(
            crate::util::vcard_tries_of(&state, "auth"),
            Some(3),
            "SIG{name}"
        );
    }
}

#[test]
fn typeahead_while_the_card_is_busy_is_neither_shown_nor_taken() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let pin = auth_pin(&state);
    let mut pty = Pty::open();
    let before = pty.mode();
    // Another program holds the card (the virtual card's state file) for a while.
    let mut holder = Command::new("flock")
        .arg(&state)
        .args(["sleep", "1.5"])
        .spawn()
        .expect("flock (util-linux) runs");
    std::thread::sleep(Duration::from_millis(200));
    let mut jpki = pty.spawn(
        JPKI,
        &[
            "--virtual-card",
            state.to_str().unwrap(),
            "verify-pin",
            "auth",
        ],
        &[],
    );
    // The terminal is taken (echo off) before the card is touched.
    pty.wait_for_echo(false);
    assert!(!pty.text().contains("to check"), "the prompt came early");
    pty.type_keys(b"5678\r");
    pty.wait_for("User authentication PIN to check");
    assert!(holder.wait().unwrap().success());
    pty.type_keys(format!("{pin}\r").as_bytes());
    let status = wait(&mut jpki);
    // The typeahead was discarded, not taken as a wrong PIN (that would exit 13).
    assert_eq!(status.code(), Some(0), "{}", pty.text());
    let text = pty.text();
    assert!(!text.contains("5678") && !text.contains(&pin), "{text}");
    assert_eq!(crate::util::vcard_tries_of(&state, "auth"), Some(3));
    assert_eq!(pty.mode(), before);
}

#[test]
fn enter_ends_the_entry_on_a_terminal_left_without_cr_to_nl() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let pin = auth_pin(&state);
    let mut pty = Pty::open();
    // As a shell's line editor leaves it: no canonical input, CR not mapped to NL.
    let mut raw = tcgetattr(&pty.master).unwrap();
    raw.input_modes.remove(InputModes::ICRNL);
    raw.local_modes.remove(LocalModes::ICANON);
    tcsetattr(&pty.master, OptionalActions::Now, &raw).unwrap();
    let before = pty.mode();
    let mut jpki = verify_auth_at_the_prompt(&pty, &state);
    pty.type_keys(format!("{pin}\r").as_bytes());
    let status = wait(&mut jpki);
    assert_eq!(status.code(), Some(0), "{}", pty.text());
    assert!(!pty.text().contains(&pin), "{}", pty.text());
    assert_eq!(
        pty.mode(),
        before,
        "the terminal's own mode is not put back"
    );
}

#[test]
fn a_background_start_waits_for_the_foreground_and_takes_the_terminal_then() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let pin = auth_pin(&state);
    let mut pty = Pty::open();
    // A job-control shell: jpki started with `&` while the shell's line editor has the terminal
    // raw, then brought to the foreground with `fg`, the raw mode still in force.
    let script = format!(
        "set -m; stty -icanon -icrnl; '{JPKI}' --virtual-card '{}' verify-pin auth & sleep 1; echo bg-jpki-is-$(cut -d' ' -f3 /proc/$!/stat); stty -a; echo before-fg; fg; echo \"jpki-ended=$?\"; stty -a",
        state.display()
    );
    let mut shell = pty.spawn("dash", &["-c", &script], &[]);
    pty.wait_for("before-fg");
    // Stopped in the background rather than prompting there.
    assert!(pty.text().contains("bg-jpki-is-T"), "{}", pty.text());
    assert!(!pty.text().contains("to check"), "{}", pty.text());
    pty.wait_for("User authentication PIN to check");
    assert!(!pty.echo_on());
    pty.type_keys(format!("{pin}\r").as_bytes());
    let status = wait(&mut shell);
    assert!(status.success(), "{status:?}\n{}", pty.text());
    pty.wait_for("jpki-ended=0");
    let text = pty.text();
    assert!(!text.contains(&pin), "{text}");
    // `stty -a` before and after jpki: the same mode.
    let before = &text[text.find("speed").unwrap()..text.find("before-fg").unwrap()];
    let after = &text[text.rfind("speed").unwrap()..];
    assert_eq!(before.trim(), after.trim(), "{text}");
}

#[test]
fn stdin_on_a_terminal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    for lang in ["C.UTF-8", "ja_JP.UTF-8"] {
        let pty = Pty::open();
        let mut jpki = pty.spawn(
            JPKI,
            &[
                "--virtual-card",
                state.to_str().unwrap(),
                "verify-pin",
                "auth",
                "--stdin",
            ],
            &[("LANG", lang)],
        );
        let status = wait(&mut jpki);
        assert_eq!(status.code(), Some(3), "{}", pty.text());
        let expected = match lang {
            "C.UTF-8" => "--stdin is for pipes; drop it to be asked on a hidden prompt",
            _ => "--stdin はパイプ用です",
        };
        pty.wait_for(expected);
    }
    assert_eq!(crate::util::vcard_tries_of(&state, "auth"), Some(3));
}

#[test]
fn full_width_digits_and_spaces_are_named_in_the_refusal() {
    for (typed, lang, words) in [
        ("１２３４", "C.UTF-8", "full-width"),
        ("1234 ", "C.UTF-8", "space"),
        ("１２３４", "ja_JP.UTF-8", "全角"),
        ("1234 ", "ja_JP.UTF-8", "空白"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let state = virtual_card(dir.path());
        let mut pty = Pty::open();
        let mut jpki = pty.spawn(
            JPKI,
            &[
                "--virtual-card",
                state.to_str().unwrap(),
                "verify-pin",
                "auth",
            ],
            &[("LANG", lang)],
        );
        pty.wait_for(match lang {
            "C.UTF-8" => "User authentication PIN to check",
            _ => "確認する利用者証明用電子証明書の暗証番号",
        });
        pty.type_keys(format!("{typed}\r").as_bytes());
        let status = wait(&mut jpki);
        assert_eq!(status.code(), Some(3), "{typed:?}: {}", pty.text());
        pty.wait_for(words);
        assert!(!pty.text().contains(typed.trim()), "{}", pty.text());
        assert_eq!(crate::util::vcard_tries_of(&state, "auth"), Some(3));
    }
}

#[test]
fn sigquit_at_the_prompt_writes_no_core_even_when_cores_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let work = dir.path().join("cwd");
    std::fs::create_dir(&work).unwrap();
    let mut pty = Pty::open();
    // The shell allows cores of any size, then is replaced by jpki (same process).
    let script = format!(
        "cd '{}' && ulimit -c unlimited && exec '{JPKI}' --virtual-card '{}' verify-pin auth",
        work.display(),
        state.display()
    );
    let mut jpki = pty.spawn("dash", &["-c", &script], &[]);
    pty.wait_for("User authentication PIN to check");
    // jpki took the core limit to 0 itself.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", jpki.id())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(
        core.split_whitespace().collect::<Vec<_>>()[4..6],
        ["0", "0"],
        "{core}"
    );
    pty.type_keys(b"4827");
    std::thread::sleep(Duration::from_millis(100));
    signal(jpki.id(), "QUIT");
    let status = wait(&mut jpki);
    assert_eq!(status.signal(), Some(3), "{status:?}");
    assert!(!status.core_dumped(), "a core was dumped");
    let left: Vec<_> = std::fs::read_dir(&work).unwrap().collect();
    assert!(left.is_empty(), "files appeared: {left:?}");
    // Where the system writes cores to a file of its own naming, none names jpki's process.
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    let pattern = pattern.trim();
    if pattern.starts_with('/') {
        let path = pattern
            .replace("%p", &jpki.id().to_string())
            .replace("%e", "jpki");
        if !path.contains('%') {
            assert!(!Path::new(&path).exists(), "{path}");
        }
    }
}

#[test]
fn an_ending_signal_while_the_card_is_read_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let state = virtual_card(dir.path());
    let mut pty = Pty::open();
    let before = pty.mode();
    // Another program holds the card: jpki has taken the terminal and waits for the card.
    let mut holder = Command::new("flock")
        .arg(&state)
        .args(["sleep", "3"])
        .spawn()
        .expect("flock (util-linux) runs");
    std::thread::sleep(Duration::from_millis(200));
    let mut jpki = pty.spawn(
        JPKI,
        &[
            "--virtual-card",
            state.to_str().unwrap(),
            "verify-pin",
            "auth",
        ],
        &[],
    );
    pty.wait_for_echo(false);
    pty.type_keys(b"56");
    std::thread::sleep(Duration::from_millis(100));
    signal(jpki.id(), "TERM");
    let status = wait(&mut jpki);
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(pty.mode(), before);
    assert_eq!(
        pty.queued_with_a_newline(),
        1,
        "the typeahead was left queued"
    );
    assert!(!pty.text().contains("56"), "{}", pty.text());
    let _ = holder.kill();
    let _ = holder.wait();
}
