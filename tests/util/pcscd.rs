//! A pcscd of the tests' own, for the end-to-end tests: on a private socket it gets by
//! systemd-style socket activation (LISTEN_FDS), with vsmartcard's vpcd driver as its reader on
//! a free loopback port pair, stopped by its process id. Every client finds it through
//! PCSCLITE_CSOCK_NAME (pcsc-lite 1.9.9 honours both), so no machine-wide pcscd is touched and
//! no root is needed. One runs at a time in this process ([`one_pcscd`]): this process's PC/SC
//! library keeps the first socket name it sees, so every pcscd reuses one path.
//!
//! Needs the Debian packages pcscd and vsmartcard-vpcd; a missing one fails the test ([`missing`])
//! with what to install.

use super::json::json;
use super::run::{jpki, run, Run};
use rustix::process::{kill_process, Pid, Signal};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Where Debian's vsmartcard-vpcd puts the driver pcscd loads.
const VPCD_DRIVERS: [&str; 2] = [
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so",
];

/// A missing tool fails the test (these tests only run when asked for).
pub fn missing(what: &str) -> ! {
    panic!(
        "this end-to-end test needs {what}; the end-to-end tests need the Debian packages pcscd, \
         vsmartcard-vpcd and opensc (sudo apt-get install pcscd vsmartcard-vpcd opensc), and \
         cargo on PATH"
    )
}

/// A program on PATH, or in /usr/sbin or /sbin where Debian puts pcscd.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The first of `paths` that exists.
pub fn first_existing(paths: &[&str]) -> Option<PathBuf> {
    paths.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Hold this while a pcscd of a test's own runs: one at a time in this process, as when each
/// test file was a process of its own. The end-to-end tests also point this process's PC/SC
/// library at their pcscd, which keeps the first socket it is given.
pub fn one_pcscd() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The private socket path every pcscd of this process uses; set for this process's own PC/SC
/// calls on first use (while [`one_pcscd`] is held, so no other test thread uses PC/SC
/// in-process).
pub fn socket_path() -> &'static Path {
    static SOCKET: OnceLock<PathBuf> = OnceLock::new();
    SOCKET.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("jpki-e2e-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pcscd.comm");
        std::env::set_var("PCSCLITE_CSOCK_NAME", &path);
        path
    })
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

/// Stop a child we started: SIGTERM by its PID, then SIGKILL.
fn stop(child: &mut Child) {
    let _ = kill_process(Pid::from_child(child), Signal::TERM);
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

/// pcscd on this process's private socket, with one vpcd reader of two slots on a private port
/// pair; stopped when dropped.
pub struct Pcscd {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    /// The reader's name as jpki shows it (bytes that are not UTF-8 written `\xNN`).
    shown: String,
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        stop(&mut self.child);
        let _ = std::fs::remove_file(socket_path());
    }
}

impl Pcscd {
    /// Start pcscd with vpcd's reader named `friendly_name` (FRIENDLYNAME in reader.conf), and
    /// wait until jpki lists both its slots, `NAME 00 00` and `NAME 00 01`.
    pub fn start(friendly_name: &str) -> Pcscd {
        Pcscd::start_with_bytes(friendly_name.as_bytes())
    }

    /// Like [`Pcscd::start`], with a FRIENDLYNAME of any bytes: pcscd passes them through as
    /// the reader's name, UTF-8 or not.
    pub fn start_with_bytes(friendly_name: &[u8]) -> Pcscd {
        let pcscd = find_program("pcscd").unwrap_or_else(|| missing("pcscd"));
        let driver = first_existing(&VPCD_DRIVERS)
            .unwrap_or_else(|| missing("vsmartcard-vpcd (libifdvpcd.so)"));
        let dir = tempfile::tempdir().unwrap();
        // A reader.conf.d of our own: only vpcd, on a port no other program uses.
        let port = free_port_pair();
        let conf = dir.path().join("reader.conf.d");
        std::fs::create_dir(&conf).unwrap();
        let mut config = b"FRIENDLYNAME \"".to_vec();
        config.extend_from_slice(friendly_name);
        config.extend_from_slice(
            format!(
                "\"\nDEVICENAME /dev/null:{port}\nLIBPATH {}\nCHANNELID {port}\n",
                driver.display()
            )
            .as_bytes(),
        );
        std::fs::write(conf.join("vpcd"), config).unwrap();
        let shown = jpki_card::text::bytes_as_text(friendly_name);
        // The listening socket is handed to pcscd as fd 3 with LISTEN_FDS=1, as systemd does;
        // sh sets LISTEN_PID to its own PID, which exec keeps for pcscd.
        let socket = socket_path();
        let _ = std::fs::remove_file(socket);
        let listener = UnixListener::bind(socket).unwrap();
        let log = std::fs::File::create(dir.path().join("pcscd.log")).unwrap();
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@" 3<&0 0</dev/null"#)
            .arg(pcscd)
            .args(["--foreground", "--apdu", "--config"])
            .arg(&conf)
            .stdin(Stdio::from(std::os::fd::OwnedFd::from(listener)))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut pcscd = Pcscd {
            child,
            dir,
            port,
            shown,
        };
        let slots = [0, 1].map(|slot| pcscd.reader(slot));
        pcscd.wait_until(|readers| {
            slots
                .iter()
                .all(|slot| readers.iter().any(|r| r["name"] == slot.as_str()))
        });
        pcscd
    }

    /// The name of vpcd's slot `slot` as jpki shows it: `NAME 00 0SLOT`.
    pub fn reader(&self, slot: u16) -> String {
        format!("{} 00 {slot:02}", self.shown)
    }

    /// A folder that lives as long as this pcscd, for state files, logs and traces.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The port of vpcd's first slot; the second slot's is the next one.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What pcscd has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pcscd.log")).unwrap_or_default()
    }

    /// Run `jpki ARGS...` through this pcscd: what it gave.
    pub fn jpki(&self, args: &[&str]) -> Run {
        run(jpki().env("PCSCLITE_CSOCK_NAME", socket_path()).args(args))
    }

    /// Wait until `jpki --json readers` shows what `ready` looks for.
    pub fn wait_until(&mut self, ready: impl Fn(&[serde_json::Value]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("pcscd exited ({status}) at start:\n{}", self.log());
            }
            let Run {
                code, stdout: out, ..
            } = self.jpki(&["--json", "readers"]);
            if code == 0 && ready(json(&out)["readers"].as_array().unwrap()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "pcscd never showed the readers expected (last: {out})\npcscd log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
