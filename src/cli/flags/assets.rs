//! Shell completions and the man page, generated from the same clap definitions as the flags,
//! so they never describe a flag jpki does not have.

use crate::cli::exit::Exit;
use crate::cli::flags::args::Args;
use crate::cli::io::output::print;
use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

/// The EXIT STATUS section of jpki.1, in roff. clap knows nothing of exit codes; this list
/// follows docs/exit-codes.md, and a test checks every code there appears here.
const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
Each class of failure has its own code. \fBstatus\fR exits 0 whenever the card was read, locked PINs included.
.TP
.B 0
success
.TP
.B 1
unexpected failure (for example, stdout closed)
.TP
.B 2
bad flags or arguments
.TP
.B 3
invalid PIN input (wrong length or characters); nothing was sent to the card
.TP
.B 4
the PC/SC service (pcscd, SCardSvr) is not running
.TP
.B 5
no reader is connected
.TP
.B 6
\-\-reader matched no reader or several, or cards sit in several readers and none was chosen
.TP
.B 7
no card in the reader
.TP
.B 8
the card is not a My Number card
.TP
.B 9
the card was removed or reset during the command
.TP
.B 10
any other reader failure
.TP
.B 11
a trace file is unreadable or malformed, or the replay diverged from it
.TP
.B 12
the card answered something jpki cannot use
.TP
.B 13
the PIN typed (the current PIN) was wrong
.TP
.B 14
refused by the last\-try guard (see \-\-allow\-last\-try)
.TP
.B 15
the PIN is locked
.TP
.B 16
outcome unknown: the card was lost, or its answer unreadable, after a PIN was sent; run \fBjpki status\fR
.TP
.B 17
the PIN is not issued on this card
.TP
.B 18
timed out waiting for a card
.TP
.B 19
a \fBjpki doctor\fR check failed
.TP
.B 20
the juki PIN was named without \-\-experimental; nothing was sent to the card
.TP
.B 21
the juki PIN is partly changed: one key reference took the new PIN, the other did not; run \fBjpki status\fR
.TP
.B 22
\fBjpki certificate\fR: the certificate is absent, empty, truncated, too long or not DER; the message names which and why
.TP
.B 23
\fBjpki certificate export\fR: \-\-out is there (no \-\-force), a symbolic link, not a regular file, or unwritable; or DER onto a terminal
.TP
.B 130
Ctrl\-C (or SIGTERM, SIGHUP) at a PIN prompt: the terminal is restored, no PIN was sent, and jpki ends by that signal (a shell shows 130, 143 or 129)
"#;

/// `jpki completions SHELL`: print the completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> anyhow::Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Args::command(), "jpki", &mut script);
    print(&script)?;
    Ok(Exit::Success)
}

/// `jpki manpage`: print jpki.1 on stdout, or with `--out-dir` write it and a page per command.
pub fn manpage(out_dir: Option<&Path>) -> anyhow::Result<Exit> {
    match out_dir {
        None => print(main_page()?)?,
        Some(dir) => {
            let written = |what: &str| {
                format!(
                    "writing the man pages to {}: {what}",
                    crate::cli::io::render::printable(&dir.display().to_string())
                )
            };
            std::fs::create_dir_all(dir).with_context(|| written("creating the directory"))?;
            clap_mangen::generate_to(Args::command(), dir)
                .with_context(|| written("the per-command pages"))?;
            std::fs::write(dir.join("jpki.1"), main_page()?).with_context(|| written("jpki.1"))?;
        }
    }
    Ok(Exit::Success)
}

/// jpki.1: clap_mangen's page with the exit codes added.
fn main_page() -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Args::command())
        .render(&mut page)
        .context("rendering the man page")?;
    page.extend_from_slice(EXIT_STATUS.as_bytes());
    Ok(page)
}
