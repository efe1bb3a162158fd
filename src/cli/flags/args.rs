//! The flags, as clap sees them. Nothing outside `config` reads these types.

use clap::{Parser, Subcommand, ValueEnum, ValueHint};
use std::path::PathBuf;

/// Read the PIN retry counters of a My Number card, and change its PINs without risking a lock.
#[derive(Debug, Parser)]
#[command(name = "jpki", version, about, max_term_width = 100)]
pub struct Args {
    /// Reader to use: exact name, index from `jpki readers`, or a unique part of a name.
    // ValueHint::Other: a reader's name is no file name, so a shell does not offer files. An
    // OsString: a reader's name need not be UTF-8, and is matched by its bytes too.
    #[arg(long, global = true, env = "JPKI_READER", value_name = "NAME|INDEX", value_hint = ValueHint::Other)]
    pub reader: Option<std::ffi::OsString>,

    /// Answer from a recorded trace file instead of a reader (an offline mock reader).
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub replay: Option<PathBuf>,

    /// Use a virtual My Number card whose state lives in this file; the state is saved back
    /// after the run (create one with `jpki-vcard init`).
    #[arg(
        long,
        global = true,
        value_name = "STATE_FILE",
        conflicts_with = "replay"
    )]
    pub virtual_card: Option<PathBuf>,

    /// Write every exchange of this run to a trace file, PIN bytes redacted.
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Language of human output [default: from LC_ALL, LC_MESSAGES or LANG].
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,

    /// Colour the PIN states: auto (a terminal, unless NO_COLOR; CLICOLOR_FORCE forces it),
    /// always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto, hide_default_value = true)]
    pub color: ColorArg,

    /// Print one JSON object instead of human text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Wait for a card to be presented, at most SECONDS (no limit without a value; 0 looks once).
    #[arg(long, global = true, value_name = "SECONDS", num_args = 0..=1, require_equals = true)]
    // clap's shape for a flag with an optional value; config.rs makes it a `Wait` at once.
    pub wait: Option<Option<u64>>,

    /// For tests only: take this date (YYYY-MM-DD) as today when telling days left.
    #[arg(long, global = true, hide = true, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub today: Option<time::Date>,

    /// The command.
    #[command(subcommand)]
    pub command: CommandArg,
}

/// A language of human output.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// 日本語
    Ja,
    /// English
    En,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When stdout is a terminal, unless NO_COLOR is set (CLICOLOR_FORCE colours a pipe too)
    Auto,
    /// Always, even into a pipe or a file
    Always,
    /// Never
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum CommandArg {
    /// List the PC/SC readers and whether a card is in each.
    Readers,
    /// Show how many tries each of the four PINs has left, spending none, what to do about
    /// any that is locked, and the card's kind and certificate expiry.
    Status {
        /// Read only the counters (exactly 14 APDUs: five key references), nothing else.
        #[arg(long)]
        pins_only: bool,
    },
    /// Change a PIN, or several 4-digit PINs to one new value, without risking a lock.
    ///
    /// Shows the tries left, then asks on the terminal, hidden, for the current PIN once and the
    /// new PIN twice. Every counter is read before any PIN is sent: a PIN with one try left is
    /// refused unless --allow-last-try, a locked one always, and then nothing changes. The juki
    /// PIN needs --experimental.
    ChangePin {
        /// Read the PINs from stdin: line 1 the current PIN, line 2 the new PIN, nothing else.
        #[arg(long)]
        stdin: bool,
        /// Go ahead when only one try is left (a wrong current PIN then locks the PIN).
        #[arg(long)]
        allow_last_try: bool,
        /// Allow the juki PIN, whose change rests on a single public source (docs/protocol.md).
        #[arg(long)]
        experimental: bool,
        /// The PINs to change, in order. Several at once only of the 4-digit ones.
        #[arg(required = true, value_enum, value_name = "PIN")]
        pins: Vec<PinArg>,
    },
    /// Check that a PIN is right, without changing it; a right PIN puts its counter back at
    /// its maximum.
    ///
    /// Shows the tries left, then asks on the terminal, hidden, for the PIN. Its counter is read
    /// before it is sent, once: one try left is refused unless --allow-last-try, a locked PIN
    /// always. The juki PIN needs --experimental.
    VerifyPin {
        /// Read the PIN from stdin: exactly one line.
        #[arg(long)]
        stdin: bool,
        /// Go ahead when only one try is left (a wrong PIN then locks it).
        #[arg(long)]
        allow_last_try: bool,
        /// Allow the juki PIN, held in two key references of which no public source says which
        /// a municipal terminal checks (docs/protocol.md).
        #[arg(long)]
        experimental: bool,
        /// The PIN to check.
        #[arg(value_enum, value_name = "PIN")]
        pin: PinArg,
    },
    /// Show or export a certificate of the JPKI application; the sign certificate only after
    /// the signature password, with the guards of verify-pin.
    Certificate {
        /// Show or export.
        #[command(subcommand)]
        action: CertificateArg,
    },
    /// Check the PC/SC service, the readers, the card and its JPKI application, one line each.
    Doctor,
    /// Explain the four PINs, no card needed: each one's name, format, tries, what it is asked
    /// for, and where a locked one is reset.
    Pins,
    /// Print a shell completion script for bash, zsh, fish, PowerShell or elvish.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    #[command(hide = true)]
    Manpage {
        /// Write jpki.1 and a page per subcommand here instead of printing jpki.1.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// What `certificate` does.
#[derive(Debug, Subcommand)]
pub enum CertificateArg {
    /// Show a certificate: subject, issuer, serial, validity and days left, key, SHA-256
    /// fingerprint, and whether its CA certificate on the same card signed it.
    ///
    /// auth, auth-ca and sign-ca need no PIN. sign asks for the signature password, as
    /// verify-pin does: its counter is read first, one try left is refused unless
    /// --allow-last-try, a locked password always, and a wrong one spends one try.
    Show {
        /// The certificate.
        #[arg(value_enum, value_name = "KIND")]
        kind: CertificateKindArg,
        /// sign: read the signature password from stdin, exactly one line.
        #[arg(long)]
        stdin: bool,
        /// sign: go ahead when only one try is left (a wrong password then locks it).
        #[arg(long)]
        allow_last_try: bool,
    },
    /// Export a certificate: PEM on stdout, or DER with --der, or into a file with --out.
    ///
    /// sign asks for the signature password with the guards of verify-pin. --out never writes
    /// through a symbolic link and never replaces a file unless --force.
    Export {
        /// The certificate.
        #[arg(value_enum, value_name = "KIND")]
        kind: CertificateKindArg,
        /// Write DER (binary) instead of PEM.
        #[arg(long)]
        der: bool,
        /// Write into this new file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// With --out: replace a regular file already there (never a link, never a folder).
        #[arg(long, requires = "out")]
        force: bool,
        /// sign: read the signature password from stdin, exactly one line.
        #[arg(long)]
        stdin: bool,
        /// sign: go ahead when only one try is left (a wrong password then locks it).
        #[arg(long)]
        allow_last_try: bool,
    },
}

/// A certificate of the JPKI application, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CertificateKindArg {
    /// 利用者証明用電子証明書 (user authentication certificate, EF 00 0A; no PIN)
    Auth,
    /// its CA certificate (EF 00 0B; no PIN)
    AuthCa,
    /// 署名用電子証明書 (signature certificate, EF 00 01; asks for the signature password)
    Sign,
    /// its CA certificate (EF 00 02; no PIN)
    SignCa,
}

/// A PIN, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PinArg {
    /// 署名用電子証明書のパスワード (signature password, 6-16 letters and digits)
    Sign,
    /// 利用者証明用電子証明書の暗証番号 (user authentication PIN, 4 digits)
    Auth,
    /// 住民基本台帳用暗証番号 (resident registry PIN, 4 digits)
    Juki,
    /// 券面事項入力補助用暗証番号 (card info input support PIN, 4 digits)
    Kenhojo,
}

/// Parse `YYYY-MM-DD`.
fn parse_date(text: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}
