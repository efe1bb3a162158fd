//! Runs of `jpki` where a file cannot be written mid-run: every file past a size limit of 0
//! (`on_full_disk`), or one folder on a file system with no space left (`on_full_folder`).

use super::pcscd::find_program;
use super::run::{english, outcome, started, Run, JPKI};
use std::path::Path;

/// Run `jpki ARGS...` with `stdin` where no regular file can grow (RLIMIT_FSIZE 0 through the
/// shell's `ulimit -f 0`, SIGXFSZ ignored): every write to a file fails with EFBIG mid-run,
/// as on a full disk or past a quota, for root and for anyone else. Stdout and stderr are pipes,
/// which the limit does not touch.
pub fn on_full_disk(args: &[&str], stdin: &str) -> Run {
    let mut shell = english("sh");
    shell
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0 && exec \"$0\" \"$@\"")
        .arg(JPKI)
        .args(args);
    outcome(started(&mut shell, stdin).wait_with_output().unwrap())
}

/// Run `jpki ARGS...` with `stdin` while `folder` is a file system with no space left: a 4 KiB
/// tmpfs, filled, mounted there in a mount namespace of the run's own (`unshare -m`; as another
/// user than root, in a user namespace too: `unshare -r -m`). A write there fails with ENOSPC,
/// the real thing; everywhere else the disk is as it was. None when this machine cannot make
/// such a namespace (no `unshare`, or namespaces not allowed): with `CI=true` that fails the
/// test instead.
pub fn on_full_folder(folder: &Path, args: &[&str], stdin: &str) -> Option<Run> {
    let script = "mount -t tmpfs -o size=4k tmpfs \"$1\" || exit 97; \
                  head -c 4096 /dev/zero >\"$1/filler\" 2>/dev/null; \
                  : >\"$1/probe\" 2>/dev/null; printf x >>\"$1/probe\" 2>/dev/null && exit 98; \
                  rm -f \"$1/probe\"; shift; exec \"$@\"";
    if find_program("unshare").is_none() {
        return cannot_fill("no unshare on PATH");
    }
    let mut unshare = english("unshare");
    if !rustix::process::geteuid().is_root() {
        unshare.arg("-r");
    }
    unshare
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(folder)
        .arg(JPKI)
        .args(args);
    let ran = outcome(started(&mut unshare, stdin).wait_with_output().unwrap());
    match ran.code {
        97 | 98 => cannot_fill(&ran.stderr),
        // unshare itself failed (namespaces not allowed here).
        1 if ran.stdout.is_empty() && ran.stderr.starts_with("unshare:") => {
            cannot_fill(&ran.stderr)
        }
        _ => Some(ran),
    }
}

/// A full folder could not be made here: skip, or under CI fail.
fn cannot_fill(why: &str) -> Option<Run> {
    assert!(
        std::env::var_os("CI").is_none_or(|v| v != "true"),
        "a full file system could not be made for this test (CI=true): {why}"
    );
    eprintln!("skipped: a full file system could not be made: {why}");
    None
}
