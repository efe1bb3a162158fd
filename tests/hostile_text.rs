//! Text from outside jpki never reaches the terminal raw: a card's token name, a real PC/SC
//! reader's name (any bytes its driver configuration holds), arguments the user typed. Human
//! output shows their control characters (ESC, BEL, C1 such as CSI U+009B, DEL) and
//! bidirectional controls as escapes; JSON writes them as `\u` escapes.
//!
//! The reader-name test runs a pcscd of its own, on a private socket, with a vpcd reader whose
//! FRIENDLYNAME holds a window-title sequence, a screen clear and a C1 CSI. It needs the Debian
//! packages pcscd and vsmartcard-vpcd, so it is `#[ignore]`d unless asked for, like the other
//! end-to-end tests (`cargo test -- --include-ignored`; CI does, under the machine-wide lock).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Every character a terminal may act on: C0, DEL, C1, bidirectional and line separators.
fn acts_on_terminal(c: char) -> bool {
    jpki::transport::is_unprintable(c) && c != '\n'
}

fn assert_inert(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|c| acts_on_terminal(*c)) {
        panic!("{what} holds {c:?} raw:\n{text:?}");
    }
}

/// `bytes` as a trace writes an answer: spaced upper-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bundled unknown-token trace with its token answered by `token` (padded to 32 bytes).
fn trace_with_token(dir: &Path, token: &[u8]) -> PathBuf {
    let mut padded = token.to_vec();
    padded.resize(32, b' ');
    let original = std::fs::read_to_string(crate::util::trace("card/unknown-token.trace")).unwrap();
    let text: String = original
        .lines()
        .map(|line| {
            if line.starts_with("< 53 4F 4D 45") {
                format!("< {} 90 00\n", hex(&padded))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    let path = dir.join("token.trace");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_token_name_from_the_card_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // A title-setting sequence, a bidirectional override and DEL, in the card's own answer.
    let token = b"Evil\x1b]0;pwned\x07\xe2\x80\xaeX\x7f";
    let trace = trace_with_token(dir.path(), token);
    for lang in ["en", "ja"] {
        let out = crate::util::jpki()
            .args(["--lang", lang, "--replay"])
            .arg(&trace)
            .arg("status")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert_inert("status", &stdout);
        assert!(stdout.contains("\\u{202e}X"), "{stdout}");
    }
    let out = crate::util::jpki()
        .args(["--json", "--replay"])
        .arg(&trace)
        .arg("status")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_inert("status --json", &stdout);
    let token = crate::util::json(&stdout)["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        token.contains('\u{202e}'),
        "JSON keeps the value: {token:?}"
    );
}

#[test]
fn arguments_the_user_typed_are_echoed_escaped() {
    for args in [
        &["\u{1b}]0;pwned\u{7}\u{9b}2J"][..],
        &["status", "--\u{1b}[2J"],
        &["--reader", "x", "change-pin", "\u{202e}nigol"],
        &["--lang", "ja", "\u{1b}]0;pwned\u{7}"],
    ] {
        let out = crate::util::jpki().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_inert("a usage error", &stderr);
        assert!(
            stderr.contains("\\x1b") || stderr.contains("\\u{202e}"),
            "{stderr}"
        );
    }
}

// ---- a real PC/SC reader whose name holds terminal controls ----

/// The vpcd driver pcscd loads (Debian's vsmartcard-vpcd).
const VPCD_DRIVERS: [&str; 2] = [
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so",
];

/// The reader's FRIENDLYNAME: a window title, a screen clear, a C1 CSI in UTF-8, a bidi override.
const HOSTILE_NAME: &str = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}Reader";

/// A pcscd of this test's own, on a private socket, with one vpcd reader named HOSTILE_NAME.
struct Pcscd {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        // By PID, the one this test started.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pcscd {
    fn start() -> Pcscd {
        let pcscd = ["/usr/sbin/pcscd", "/sbin/pcscd", "/usr/bin/pcscd"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .expect("this test needs pcscd: sudo apt-get install pcscd vsmartcard-vpcd");
        let driver = VPCD_DRIVERS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("this test needs vsmartcard-vpcd: sudo apt-get install vsmartcard-vpcd");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port_pair();
        let conf = dir.path().join("reader.conf.d");
        std::fs::create_dir(&conf).unwrap();
        std::fs::write(
            conf.join("vpcd"),
            format!(
                "FRIENDLYNAME \"{HOSTILE_NAME}\"\nDEVICENAME /dev/null:{port}\nLIBPATH {}\nCHANNELID {port}\n",
                driver.display()
            ),
        )
        .unwrap();
        // Socket activation, as systemd does it: the listening socket is fd 3, LISTEN_FDS=1.
        let socket = dir.path().join("pcscd.comm");
        let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let log = std::fs::File::create(dir.path().join("pcscd.log")).unwrap();
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@" 3<&0 0</dev/null"#)
            .arg(pcscd)
            .args(["--foreground", "--config"])
            .arg(&conf)
            .stdin(Stdio::from(std::os::fd::OwnedFd::from(listener)))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let pcscd = Pcscd { child, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (code, out, _) = pcscd.jpki(&["--json", "readers"]);
            if code == 0 && out.contains("Reader 00 00") {
                return pcscd;
            }
            assert!(
                Instant::now() < deadline,
                "pcscd never showed the reader: {out}\n{}",
                std::fs::read_to_string(pcscd.dir.path().join("pcscd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn jpki(&self, args: &[&str]) -> (i32, String, String) {
        let out = crate::util::jpki()
            .env("PCSCLITE_CSOCK_NAME", self.dir.path().join("pcscd.comm"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A free loopback port p with p + 1 free too (vpcd's second slot listens there).
fn free_port_pair() -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

#[test]
#[ignore = "needs pcscd and vsmartcard-vpcd; run with --include-ignored"]
fn a_reader_name_with_terminal_controls_is_shown_escaped_everywhere() {
    let _one = crate::util::one_pcscd();
    let pcscd = Pcscd::start();
    let escaped = "Evil\\x1b]0;pwned\\x07\\x1b[2J\\u{9b}31m\\u{202e}Reader 00 00";
    for lang in ["en", "ja"] {
        let with_lang = |args: &[&str]| {
            let mut all = vec!["--lang", lang];
            all.extend_from_slice(args);
            pcscd.jpki(&all)
        };
        let (code, out, err) = with_lang(&["readers"]);
        assert_eq!(code, 0, "{err}");
        assert_inert("readers", &out);
        assert!(out.contains(escaped), "{out}");
        let (_, out, err) = with_lang(&["doctor"]);
        assert_inert("doctor", &out);
        assert_inert("doctor's stderr", &err);
        assert!(out.contains(escaped), "{out}");
        // No card: the reader is named in the error.
        let (code, out, err) = with_lang(&["status"]);
        assert_eq!(code, 7, "{out}{err}");
        assert_inert("status's error", &err);
        // A --reader that matches nothing lists the readers there are.
        let (code, _, err) = with_lang(&["--reader", "nothing\u{1b}[2J", "status"]);
        assert_eq!(code, 6, "{err}");
        assert_inert("the reader-choice error", &err);
        assert!(err.contains(escaped), "{err}");
        assert!(err.contains("nothing\\x1b[2J"), "{err}");
        // By its index, the reader is chosen and named.
        let (code, _, err) = with_lang(&["--reader", "0", "status"]);
        assert_eq!(code, 7, "{err}");
        assert_inert("the no-card error", &err);
    }
    // JSON keeps the name as it is, every control as a \u escape.
    let (code, out, _) = pcscd.jpki(&["--json", "readers"]);
    assert_eq!(code, 0);
    assert_inert("readers --json", &out);
    let name = crate::util::json(&out)["readers"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(name, format!("{HOSTILE_NAME} 00 00"));
}
