//! Opening the card source the config names, with the recorder and T=0 completion around it.

use super::config::{CardSource, Config};
use super::lang::Lang;
use jpki::card::probe_card_kind;
use jpki::card::token::CardKind;
use jpki::transport::pcsc::{card_ready, list_readers, wait_for_card, PcscReader};
use jpki::transport::trace::{Source, Trace};
use jpki::transport::{Layered, Reader, Recorder, Replay, ResponseCompletion, TransportError};
use jpki_vcard::VirtualCard;

/// The card for this run: the reader, replay or virtual card, with the recorder over it (under
/// `--record`) and T=0 completion on top.
pub fn open(config: &Config) -> Result<Box<dyn Reader>, TransportError> {
    open_at(config, None)
}

/// Like [`open`], but on a PC/SC reader connect to `reader` (an exact name) rather than the one
/// `--reader` chooses: `readers` and `doctor` probe the reader they are looking at.
fn open_at(config: &Config, reader: Option<&str>) -> Result<Box<dyn Reader>, TransportError> {
    match &config.source {
        CardSource::Replay(path) => {
            let trace = Trace::load(path)?;
            // A recording of a replay says where the replayed exchange came from.
            let source = trace.source;
            layered(Replay::new(trace), source, config)
        }
        CardSource::Virtual(path) => layered(VirtualCard::open(path)?, Source::Simulator, config),
        CardSource::Reader(wanted) => {
            let reader = PcscReader::connect(reader.or(wanted.as_deref()))?;
            let source = source_of_reader(reader.name());
            layered(reader, source, config)
        }
    }
}

/// `reader` with the layers of this run over it: the recorder under `--record`, which writes
/// what the card itself said, then T=0 completion.
fn layered<R: Reader + 'static>(
    reader: R,
    source: Source,
    config: &Config,
) -> Result<Box<dyn Reader>, TransportError> {
    Ok(match &config.record {
        // Created now, so an unwritable path fails before any command reaches the card.
        Some(path) => {
            let recorder = Recorder::create(path.clone(), source)?;
            Box::new(Layered::new(
                Layered::new(reader, recorder),
                ResponseCompletion,
            ))
        }
        None => Box::new(Layered::new(reader, ResponseCompletion)),
    })
}

/// What a recording through a PC/SC reader may claim to be. vsmartcard's vpcd readers
/// ("Virtual PCD 00 00") carry jpki-vcard's simulated card; they can also relay a real card from
/// a phone, but a trace must never pass a simulation off as a real card, so the doubt goes to
/// `simulator`.
fn source_of_reader(name: &str) -> Source {
    if name.starts_with("Virtual PCD") {
        Source::Simulator
    } else {
        Source::RealCard
    }
}

/// Run `command` over the opened card, then finish it (write the trace, check the replay was
/// used up) even when the command failed; the command's own error wins.
pub fn with_card<R>(
    config: &Config,
    command: impl FnOnce(&mut dyn Reader) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    wait_if_asked(config)?;
    run_on(open(config)?, command)
}

/// Run `command` over `reader`, then finish it; the command's own error wins.
fn run_on<R>(
    mut reader: Box<dyn Reader>,
    command: impl FnOnce(&mut dyn Reader) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    let result = command(reader.as_mut());
    let finished = reader.finish();
    let value = result?;
    finished?;
    Ok(value)
}

/// With `--wait` and a real reader: when no card is there yet, say so on stderr and wait.
pub fn wait_if_asked(config: &Config) -> Result<(), TransportError> {
    let (Some(limit), CardSource::Reader(wanted)) = (config.wait, &config.source) else {
        return Ok(());
    };
    let wanted = wanted.as_deref();
    let readers = match list_readers() {
        Ok(readers) => readers,
        Err(TransportError::NoReaders) => Vec::new(),
        Err(e) => return Err(e),
    };
    if card_ready(&readers, wanted)? {
        return Ok(());
    }
    // `--wait=0` looks once: the look above found no card.
    if limit == Some(std::time::Duration::ZERO) {
        return wait_for_card(wanted, limit);
    }
    let lang = config.lang;
    let line = match limit {
        Some(limit) => format!(
            "{} ({}s)",
            lang.pick(
                "カードをリーダーに置いてください…",
                "Waiting for a card on the reader…"
            ),
            limit.as_secs()
        ),
        None => lang
            .pick(
                "カードをリーダーに置いてください…",
                "Waiting for a card on the reader…",
            )
            .to_string(),
    };
    super::output::note(format!("{line}\n"));
    wait_for_card(wanted, limit)
}

/// The card kind of the card in `reader` (or of the replayed card): SELECT JPKI AP and the
/// token, three APDUs, recorded like any command's under `--record`. Used by `readers` and
/// `doctor`.
pub fn probe(config: &Config, reader: &str) -> anyhow::Result<CardKind> {
    let reader = match config.source {
        CardSource::Reader(_) => Some(reader),
        CardSource::Replay(_) | CardSource::Virtual(_) => None,
    };
    run_on(open_at(config, reader)?, |card| Ok(probe_card_kind(card)?))
}

/// `--record` refused: the command would send nothing to a card, or more than one trace can hold.
/// Refused before any card is touched; exit code 2, like any other misuse of the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRefused {
    /// The command never talks to a card.
    NoCard {
        /// The command, as typed.
        command: &'static str,
    },
    /// `readers` found no card to probe, so it would send nothing.
    NoCardPresent,
    /// `readers` would probe several cards; a trace holds one reader's exchange.
    SeveralCards {
        /// How many readers hold a card.
        count: usize,
    },
    /// The path is a file this run reads (through any name, link or hard link): recording
    /// would replace it.
    SameAsInput {
        /// Which input: `--replay` or `--virtual-card`.
        flag: &'static str,
    },
    /// The path is a symbolic link: a trace is never written through one.
    Link,
}

/// Refuse a `--record` path that would replace an input of this run, or that is a symbolic
/// link. An existing regular file is replaced (renamed over, never written into); a folder,
/// a device or a pipe there is refused by the recorder as unwritable (src/transport/recorder.rs).
/// Checked before anything is opened.
pub fn check_record_path(config: &Config) -> Result<(), RecordRefused> {
    let Some(record) = &config.record else {
        return Ok(());
    };
    let Ok(there) = std::fs::symlink_metadata(record) else {
        // Nothing there yet: the recorder creates it.
        return Ok(());
    };
    let input = match &config.source {
        CardSource::Replay(path) => Some(("--replay", path)),
        CardSource::Virtual(path) => Some(("--virtual-card", path)),
        CardSource::Reader(_) => None,
    };
    if let Some((flag, input)) = input {
        // Through the link too: `--record` naming a link to the input is the input.
        if same_file(record, input) {
            return Err(RecordRefused::SameAsInput { flag });
        }
    }
    if there.file_type().is_symlink() {
        return Err(RecordRefused::Link);
    }
    Ok(())
}

/// Whether two paths name one file: the same device and inode (hard links, links, `./x` and
/// `x` alike); elsewhere than Unix, the same canonical path.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

impl RecordRefused {
    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (RecordRefused::NoCard { command }, Lang::En) => format!(
                "--record: `{command}` sends nothing to a card, so there is nothing to record"
            ),
            (RecordRefused::NoCard { command }, Lang::Ja) => format!(
                "--record: `{command}` はカードに何も送らないため、記録するものがありません"
            ),
            (RecordRefused::NoCardPresent, Lang::En) => "--record: no reader holds a card, so \
                `readers` would send nothing to record; put the card on the reader and run it again"
                .to_string(),
            (RecordRefused::NoCardPresent, Lang::Ja) => "--record: カードのあるリーダーがないため、\
                `readers` は何も送らず、記録するものがありません。カードを置いてからもう一度実行してください"
                .to_string(),
            (RecordRefused::SeveralCards { count }, Lang::En) => format!(
                "--record: {count} readers hold a card and a trace records one; take the other \
                 cards away, or record `jpki --record FILE --reader NAME doctor`, which probes one"
            ),
            (RecordRefused::SeveralCards { count }, Lang::Ja) => format!(
                "--record: カードのあるリーダーが {count} 台ありますが、トレースには 1 枚分しか記録できません。\
                 ほかのカードを外すか、`jpki --record ファイル --reader 名前 doctor` で 1 枚を記録してください"
            ),
            (RecordRefused::SameAsInput { flag }, Lang::En) => format!(
                "--record: that file is the one {flag} reads in this run; recording would replace \
                 it. Record to another path"
            ),
            (RecordRefused::SameAsInput { flag }, Lang::Ja) => format!(
                "--record: そのファイルはこの実行で {flag} が読むファイルです。記録すると置き換わってしまうため、別のパスを指定してください"
            ),
            (RecordRefused::Link, Lang::En) => "--record: the path is a symbolic link, and jpki \
                never writes a trace through one; name the file itself or a new path"
                .to_string(),
            (RecordRefused::Link, Lang::Ja) => "--record: そのパスはシンボリックリンクです。jpki はリンクを通してトレースを書きません。\
                ファイルそのものか、新しいパスを指定してください"
                .to_string(),

        }
    }
}

impl std::fmt::Display for RecordRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for RecordRefused {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_through_vpcd_are_never_labelled_real_card() {
        assert_eq!(source_of_reader("Virtual PCD 00 00"), Source::Simulator);
        assert_eq!(source_of_reader("Virtual PCD 00 01"), Source::Simulator);
        assert_eq!(
            source_of_reader("SCM Microsystems Inc. SCR 3310 [CCID Interface] 00 00"),
            Source::RealCard
        );
    }
}
