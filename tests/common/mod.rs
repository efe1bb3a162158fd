//! Helpers shared by the integration tests: run the built `jpki` against bundled traces.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::PathBuf;

/// A bundled trace by its path under apdu-traces/.
pub fn trace(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("apdu-traces")
        .join(name)
}

/// The `jpki` binary with a clean, English, reader-less environment.
pub fn jpki() -> Command {
    let mut cmd = Command::cargo_bin("jpki").unwrap();
    cmd.env_remove("JPKI_READER")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    cmd
}

/// Run `jpki --replay TRACE ARGS...` and return (exit code, stdout, stderr).
pub fn replay(trace_name: &str, args: &[&str]) -> (i32, String, String) {
    let out = jpki()
        .arg("--replay")
        .arg(trace(trace_name))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parse stdout as JSON.
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}
