//! The man pages: clap_mangen's NAME, DESCRIPTION, OPTIONS and SUBCOMMANDS from the flags, a
//! SYNOPSIS that shows what each flag takes, and the sections clap knows nothing of: EXIT
//! STATUS, ENVIRONMENT, FILES, EXAMPLES and SEE ALSO. One page per command a person types:
//! neither the hidden `manpage` nor clap's `help` gets one, so SEE ALSO names only pages that
//! exist.

use crate::cli::flags::args::Args;
use clap::{Arg, Command, CommandFactory};
use std::fmt::Write as _;

/// Every exit code and what it means, in roff: the EXIT STATUS section of every page. The list
/// of record is docs/exit-codes.md's table; a test checks the two hold the same codes.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success"),
    (1, "unexpected failure (for example, stdout closed or full)"),
    (2, "bad flags or arguments"),
    (3, "invalid PIN input (wrong length or characters); nothing was sent to the card"),
    (4, "the PC/SC service (pcscd, SCardSvr) is not running"),
    (5, "no reader is connected"),
    (6, "\\-\\-reader matched no reader or several, or cards sit in several readers and none was chosen"),
    (7, "no card in the reader"),
    (8, "the card is not a My Number card"),
    (9, "the card was removed, or reset by another program (or the reader), during the command"),
    (10, "any other reader failure"),
    (11, "a trace file is unreadable or malformed, or the replay diverged from it"),
    (12, "the card answered something jpki cannot use"),
    (13, "the PIN typed (the current PIN) was wrong"),
    (14, "refused by the last\\-try guard (see \\-\\-allow\\-last\\-try)"),
    (15, "the PIN is locked"),
    (16, "outcome unknown: the card was lost, or its answer unreadable, after a PIN was sent; run \\fBjpki status\\fR"),
    (17, "the PIN is not issued on this card"),
    (18, "timed out waiting for a card"),
    (19, "a \\fBjpki doctor\\fR check failed"),
    (20, "the juki PIN was named without \\-\\-experimental; nothing was sent to the card"),
    (21, "the juki PIN is partly changed: one key reference took the new PIN, the other did not; run \\fBjpki status\\fR"),
    (22, "another program holds the card for itself; close it, or wait with \\fB\\-\\-wait\\fR"),
    (23, "\\fBcertificate\\fR: the certificate is absent, empty, truncated, too long, or not DER; the message names which and why"),
    (24, "\\fBcertificate export\\fR: \\fB\\-\\-out\\fR exists (without \\fB\\-\\-force\\fR), is a link or no regular file, or could not be written"),
    (130, "Ctrl\\-C (or SIGTERM, SIGHUP) at a PIN prompt: the terminal is restored, no PIN was sent, and jpki ends by that signal (a shell shows 130, 143 or 129)"),
];

/// What the EXIT STATUS section says before the codes.
const EXIT_LEAD: &str = "Each class of failure has its own code. \\fBstatus\\fR exits 0 whenever \
the card was read, locked PINs included. A pipe whose reader went away (\\fBjpki status | head \
\\-1\\fR) ends jpki quietly with 0; \\fBchange\\-pin\\fR and \\fBverify\\-pin\\fR always exit with \
the card's outcome.";

/// The ENVIRONMENT section, the same on every page: the flags are global.
const ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
.B JPKI_READER
The reader to use, as \fB\-\-reader\fR (which wins over it).
.TP
.BR LC_ALL ", " LC_MESSAGES ", " LANG
The language of help, messages and reports when \fB\-\-lang\fR is not given: Japanese when the first of them that is set and not empty names Japanese (\fBja\fR, \fBja_JP.UTF\-8\fR) and the character set (the first of \fBLC_ALL\fR, \fBLC_CTYPE\fR, \fBLANG\fR) is UTF\-8 or not named; else English. On Windows and macOS with none of them set, the language of the system's settings.
.TP
.B NO_COLOR
Set and not empty: no colour, unless \fB\-\-color always\fR.
.TP
.B CLICOLOR_FORCE
Set, not empty and not \fB0\fR: colour even when stdout is not a terminal, unless \fBNO_COLOR\fR is set or \fB\-\-color never\fR. The first rule that applies decides: \fB\-\-color\fR, \fBNO_COLOR\fR, \fBCLICOLOR_FORCE\fR, \fBTERM=dumb\fR (no colour), whether stdout is a terminal. \fB\-\-json\fR is never coloured.
.TP
.B TERM
\fBdumb\fR: no colour, unless \fBCLICOLOR_FORCE\fR or \fB\-\-color always\fR.
.TP
.B PCSCLITE_CSOCK_NAME
The socket of pcscd, read by the PC/SC library (pcsc\-lite) jpki uses on Linux.
"#;

/// The FILES section of jpki.1.
const FILES_MAIN: &str = r#".SH FILES
.TP
.I /run/pcscd/pcscd.comm
The socket through which jpki (by pcsc\-lite) reaches pcscd and the readers.
.PP
jpki reads no configuration file and keeps no state of its own; it writes a file only when told to (\fB\-\-record\fR, \fB\-\-virtual\-card\fR).
"#;

/// The FILES section of jpki-completions.1: where the Debian package puts the scripts.
const FILES_COMPLETIONS: &str = r#".SH FILES
.TP
.I /usr/share/bash\-completion/completions/jpki
bash's completions for jpki (read through the bash\-completion package).
.TP
.I /usr/share/zsh/vendor\-completions/_jpki
zsh's.
.TP
.I /usr/share/fish/vendor_completions.d/jpki.fish
fish's.
"#;

/// The examples of a command's page (`""` is jpki.1): each a command line and what it does.
fn examples(command: &str) -> Vec<(&'static str, &'static str)> {
    match command {
        "" => vec![
            ("jpki status", "Show the tries left of the four PINs, spending none."),
            ("jpki \\-\\-lang ja status", "The same in Japanese."),
            ("jpki change\\-pin auth", "Change the 4\\-digit user authentication PIN, asked for hidden on the terminal."),
            ("jpki \\-\\-json status", "One JSON object, for a script."),
            ("jpki doctor", "Find out why jpki cannot reach the card."),
        ],
        "readers" => vec![
            ("jpki readers", "List the readers, with an index for \\fB\\-\\-reader\\fR."),
            ("jpki \\-\\-json readers", "The same as one JSON object."),
        ],
        "status" => vec![
            ("jpki status", "The tries left of every PIN, what to do about a locked one, the card's kind and its certificates' expiry."),
            ("jpki status \\-\\-pins\\-only", "Only the four counters (14 commands to the card)."),
            ("jpki \\-\\-wait=30 \\-\\-reader 1 status", "Wait up to 30 seconds for a card in the reader \\fBjpki readers\\fR lists as 1."),
            ("jpki \\-\\-record card.trace status", "Also write what was said to the card into card.trace; \\fBjpki \\-\\-replay card.trace status\\fR shows it again without the card."),
        ],
        "change-pin" => vec![
            ("jpki change\\-pin sign", "Change the signature password (6 to 16 letters and digits)."),
            ("jpki change\\-pin auth kenhojo", "Set two 4\\-digit PINs to one new value: the current PIN is asked once, for each of them."),
            ("jpki change\\-pin \\-\\-stdin auth < pins", "For a script: the current PIN on the first line of the file pins, the new PIN on the second."),
        ],
        "verify-pin" => vec![
            ("jpki verify\\-pin auth", "Check the user authentication PIN; a right one puts its counter back at 3."),
            ("jpki verify\\-pin \\-\\-allow\\-last\\-try sign", "Check the signature password although only one try is left: a wrong one locks it."),
        ],
        "doctor" => vec![
            ("jpki doctor", "Check pcscd, the readers, the card and its JPKI application, one line each."),
            ("jpki \\-\\-json doctor", "The same checks as one JSON object."),
        ],
        "pins" => vec![
            ("jpki pins", "The four PINs without a card: what each is asked for, its format and tries, and where a locked one is reset."),
            ("jpki \\-\\-lang ja pins", "The same in Japanese, with the official names."),
            ("jpki \\-\\-json pins", "The same as one JSON object."),
        ],
        "completions" => vec![
            ("jpki completions bash > ~/.local/share/bash\\-completion/completions/jpki", "Complete jpki's commands and flags in bash, for this user."),
            ("jpki completions zsh > ~/.zfunc/_jpki", "The same for zsh (with ~/.zfunc in \\fBfpath\\fR)."),
            ("jpki completions fish > ~/.config/fish/completions/jpki.fish", "The same for fish."),
        ],
        // A command without its own examples yet still has a true one.
        _ => vec![],
    }
}

/// Every page: jpki.1 first, then one per command a person types, as (file name, roff).
pub fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut jpki = Args::command().disable_help_subcommand(true);
    jpki.build();
    let commands: Vec<&Command> = jpki
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .collect();
    let page_names: Vec<String> = commands
        .iter()
        .map(|c| format!("jpki-{}", c.get_name()))
        .collect();
    let version = jpki.get_version().unwrap_or_default().to_string();
    let mut pages = vec![(
        "jpki.1".to_string(),
        page(&jpki, "jpki", "", &version, &page_names, FILES_MAIN)?,
    )];
    for command in commands {
        let name = format!("jpki-{}", command.get_name());
        let files = if command.get_name() == "completions" {
            FILES_COMPLETIONS
        } else {
            ""
        };
        let text = page(
            command,
            &name,
            command.get_name(),
            &version,
            &page_names,
            files,
        )?;
        pages.push((format!("{name}.1"), text));
    }
    Ok(pages)
}

/// One page: clap_mangen's with jpki's SYNOPSIS, and jpki's sections before VERSION.
fn page(
    command: &Command,
    name: &str,
    command_name: &str,
    version: &str,
    page_names: &[String],
    files: &str,
) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command.clone())
        .title(name)
        .source(format!("jpki {version}"))
        .manual("User Commands");
    let mut rendered = Vec::new();
    man.render(&mut rendered)?;
    let rendered = String::from_utf8_lossy(&rendered).into_owned();

    let typed = if command_name.is_empty() {
        "jpki".to_string()
    } else {
        format!("jpki {command_name}")
    };
    // A command's own subcommands (certificate's show and export) have no page of their own:
    // name them as they are typed, not as pages that do not exist.
    let mut rendered = rendered;
    for sub in command.get_subcommands() {
        let as_page = format!("{}\\-{}(1)", roff(name), roff(sub.get_name()));
        let as_typed = format!("\\fB{} {}\\fR", roff(&typed), roff(sub.get_name()));
        rendered = rendered.replace(&as_page, &as_typed);
    }
    let text = replace_section(&rendered, "SYNOPSIS", &synopsis(command, &typed));
    let mut ours = String::new();
    ours.push_str(&exit_status());
    ours.push_str(ENVIRONMENT);
    ours.push_str(files);
    ours.push_str(&examples_section(&typed, command_name));
    ours.push_str(&see_also(name, page_names));
    let text = match text.find(".SH VERSION\n") {
        Some(at) => format!("{}{ours}{}", &text[..at], &text[at..]),
        None => format!("{text}{ours}"),
    };
    Ok(text.into_bytes())
}

/// `text` with the section `heading` (up to the next `.SH`) replaced by `section`.
fn replace_section(text: &str, heading: &str, section: &str) -> String {
    let start_marker = format!(".SH {heading}\n");
    let Some(start) = text.find(&start_marker) else {
        return text.to_string();
    };
    let after = start + start_marker.len();
    let end = text[after..].find(".SH ").map_or(text.len(), |i| after + i);
    format!("{}{section}{}", &text[..start], &text[end..])
}

/// roff for plain text: a backslash and a hyphen-minus as roff wants them.
fn roff(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// SYNOPSIS: each flag with what it takes (`[\-\-reader NAME|INDEX]`, `[\-\-wait[=SECONDS]]`,
/// `[\-\-lang ja|en]`), then the arguments and, for jpki.1, the command.
fn synopsis(command: &Command, typed: &str) -> String {
    let mut text = format!(".SH SYNOPSIS\n\\fB{}\\fR", roff(typed));
    let shown = |arg: &&Arg| !arg.is_hide_set();
    for arg in command
        .get_arguments()
        .filter(shown)
        .filter(|a| !a.is_positional())
    {
        let _ = write!(text, " [{}{}]", flag_names(arg), flag_value(arg));
    }
    for arg in command
        .get_arguments()
        .filter(shown)
        .filter(|a| a.is_positional())
    {
        let name = roff(&value_name(arg, false));
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        let dots = if many { "..." } else { "" };
        if arg.is_required_set() {
            let _ = write!(text, " \\fI{name}\\fR{dots}");
        } else {
            let _ = write!(text, " [\\fI{name}\\fR{dots}]");
        }
    }
    if command.has_subcommands() {
        text.push_str(" \\fICOMMAND\\fR");
    }
    text.push('\n');
    text
}

/// `\fB\-h\fR|\fB\-\-help\fR`.
fn flag_names(arg: &Arg) -> String {
    let short = arg
        .get_short()
        .map(|s| format!("\\fB\\-{}\\fR", roff(&s.to_string())));
    let long = arg.get_long().map(|l| format!("\\fB\\-\\-{}\\fR", roff(l)));
    [short, long]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("|")
}

/// What a flag takes: nothing, ` \fIVALUE\fR`, or `[=\fIVALUE\fR]` for an optional value.
fn flag_value(arg: &Arg) -> String {
    if !arg.get_action().takes_values() {
        return String::new();
    }
    let value = roff(&value_name(arg, true));
    let optional = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
    match (optional, arg.is_require_equals_set()) {
        (true, _) => format!("[=\\fI{value}\\fR]"),
        (false, true) => format!("=\\fI{value}\\fR"),
        (false, false) => format!(" \\fI{value}\\fR"),
    }
}

/// A flag's value as the synopsis shows it: its possible values (`ja|en`) when it has a few,
/// else its value name (`FILE`).
fn value_name(arg: &Arg, values: bool) -> String {
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if values && !possible.is_empty() && possible.len() <= 4 {
        return possible.join("|");
    }
    arg.get_value_names()
        .and_then(|names| names.first())
        .map(|name| name.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_ascii_uppercase())
}

/// EXIT STATUS from [`EXIT_CODES`].
fn exit_status() -> String {
    let mut text = format!(".SH \"EXIT STATUS\"\n{EXIT_LEAD}\n");
    for (code, meaning) in EXIT_CODES {
        let _ = write!(text, ".TP\n.B {code}\n{meaning}\n");
    }
    text
}

/// EXAMPLES: the command's own, or for a command without any yet, where its flags are.
fn examples_section(typed: &str, command_name: &str) -> String {
    let mut text = String::from(".SH EXAMPLES\n");
    let mut listed = examples(command_name);
    let help = format!("{} \\-\\-help", roff(typed));
    if listed.is_empty() {
        let _ = write!(
            text,
            ".TP\n.B {help}\nThe command's flags, in the language of the locale.\n"
        );
    }
    for (line, what) in listed.drain(..) {
        let _ = write!(text, ".TP\n.B {line}\n{what}\n");
    }
    text
}

/// SEE ALSO: the other jpki pages, pcscd(8) and OpenSC's pkcs15-tool(1).
fn see_also(this: &str, page_names: &[String]) -> String {
    let mut names: Vec<String> = std::iter::once("jpki".to_string())
        .chain(page_names.iter().cloned())
        .filter(|name| name != this)
        .map(|name| format!(".BR {} (1),", roff(&name)))
        .collect();
    names.push(".BR pcscd (8),".to_string());
    names.push(".BR pkcs15\\-tool (1)".to_string());
    format!(".SH \"SEE ALSO\"\n{}\n", names.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synopsis_shows_what_each_flag_takes() {
        let pages = pages().unwrap();
        let (_, main) = &pages[0];
        let main = String::from_utf8_lossy(main);
        for shown in [
            "[\\fB\\-\\-reader\\fR \\fINAME|INDEX\\fR]",
            "[\\fB\\-\\-wait\\fR[=\\fISECONDS\\fR]]",
            "[\\fB\\-\\-lang\\fR \\fIja|en\\fR]",
            "\\fICOMMAND\\fR",
        ] {
            assert!(main.contains(shown), "{shown} not in {main}");
        }
        let change = pages
            .iter()
            .find(|(n, _)| n == "jpki-change-pin.1")
            .unwrap();
        let change = String::from_utf8_lossy(&change.1);
        assert!(change.contains("\\fBjpki change\\-pin\\fR"), "{change}");
        assert!(change.contains(" \\fIPIN\\fR...\n"), "{change}");
    }

    #[test]
    fn roff_escapes_hyphens_and_backslashes() {
        assert_eq!(roff("a-b\\c"), "a\\-b\\ec");
    }
}
