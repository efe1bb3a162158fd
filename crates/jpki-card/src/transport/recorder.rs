//! The recorder: a layer that writes what passed through it as a trace, PIN bytes replaced by
//! `??` before they are ever stored, and the sign certificate's bytes kept as their length only
//! (`< !redacted 256 bytes 90 00`).
//!
//! The trace is written into a new file of its own, created exclusively next to the path asked
//! for, and then renamed onto that path: a file already there is replaced, never written into,
//! so no symbolic link or hard link at the path ever carries the trace into another file.

use super::error::TransportError;
use super::reader::{Layer, Reader, Transaction};
use super::trace::{Answer, CommandPattern, Exchange, Source, Trace, TraceError};
use crate::apdu::secret::PersonalFile;
use crate::apdu::Outgoing;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A layer that remembers every exchange and writes a trace file when the run is over.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    source: Source,
    exchanges: Vec<Exchange>,
    /// Notes from the card layer, each with the index of the exchange it comes before.
    notes: Vec<(usize, String)>,
    /// Whether the answers now carry the sign certificate's bytes (kept as their length only).
    personal: PersonalFile,
    /// The file the trace is written into before it is renamed onto `path`, created by
    /// [`Recorder::create`]; `None` for [`Recorder::new`], which creates it when finishing.
    partial: Option<(PathBuf, std::fs::File)>,
}

impl Recorder {
    /// Record what passes through into `path`; `source` says what is below.
    pub fn new(path: PathBuf, source: Source) -> Recorder {
        Recorder {
            path,
            source,
            exchanges: Vec::new(),
            notes: Vec::new(),
            personal: PersonalFile::default(),
            partial: None,
        }
    }

    /// Like [`Recorder::new`], but first check that the trace file can be written, by creating
    /// the new file it is written into. A command that changed the card must not end in an
    /// error only because its trace could not be saved afterwards; so an unwritable folder fails
    /// here, before any command is sent.
    pub fn create(path: PathBuf, source: Source) -> Result<Recorder, TransportError> {
        // A folder, a device or a pipe at the path is never replaced.
        if let Ok(there) = std::fs::symlink_metadata(&path) {
            let kind = there.file_type();
            if !kind.is_file() && !kind.is_symlink() {
                let e = std::io::Error::other("it is not a regular file");
                return Err(unwritable(&path, &e));
            }
        }
        let partial = create_partial(&path).map_err(|e| unwritable(&path, &e))?;
        let mut recorder = Recorder::new(path, source);
        recorder.partial = Some(partial);
        Ok(recorder)
    }

    /// The trace so far, of a card in `reader`.
    pub fn trace(&self, reader: &dyn Reader) -> Trace {
        Trace {
            origin: self.path.display().to_string(),
            source: self.source,
            reader: Some(reader.name().to_string()),
            atr: reader.atr(),
            exchanges: self.exchanges.clone(),
        }
    }
}

/// A new file next to `path`, created exclusively (never an existing file, never through a
/// link): `.NAME.PID-N.partial`.
fn create_partial(path: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?
        .to_string_lossy();
    let folder = path.parent().unwrap_or(Path::new(""));
    let mut attempt = 0;
    loop {
        let partial = folder.join(format!(".{name}.{}-{attempt}.partial", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
        {
            Ok(file) => return Ok((partial, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Write `text` into the new file, then put it in place of whatever `path` names (a link
/// itself, not its target, is what gets replaced).
fn write_trace(path: &Path, partial: (PathBuf, std::fs::File), text: &str) -> std::io::Result<()> {
    let (partial_path, mut file) = partial;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&partial_path, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial_path);
    }
    written
}

fn unwritable(path: &std::path::Path, e: &std::io::Error) -> TransportError {
    TransportError::Trace(TraceError::Unwritable {
        origin: path.display().to_string(),
        reason: e.to_string(),
    })
}

impl Layer for Recorder {
    /// Send through `card` and log the exchange, redacted.
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        let pattern = CommandPattern::redacted(command.bytes());
        let personal = self.personal.follow(command.bytes());
        let result = card.transmit(command);
        let answer = match &result {
            Ok(bytes) => Answer::recorded(bytes, personal),
            Err(TransportError::CardRemoved) => Answer::Removed,
            Err(TransportError::CardReset) => Answer::Reset,
            // Nothing reached the card, or nothing is known of it: no exchange to write down.
            Err(_) => return result,
        };
        self.exchanges.push(Exchange {
            command: pattern,
            answer,
            line: 0,
        });
        result
    }

    fn note(&mut self, text: &str) {
        self.notes.push((self.exchanges.len(), text.to_string()));
    }

    /// Writes the trace even when the command failed: a failed run is the one worth a bug report.
    fn finish(&mut self, reader: &dyn Reader) -> Result<(), TransportError> {
        let partial = match self.partial.take() {
            Some(partial) => partial,
            None => create_partial(&self.path).map_err(|e| unwritable(&self.path, &e))?,
        };
        write_trace(
            &self.path,
            partial,
            &self.trace(reader).to_text_with_notes(&self.notes),
        )
        .map_err(|e| unwritable(&self.path, &e))
    }
}

impl Drop for Recorder {
    /// A recorder dropped without finishing leaves no half-made file behind.
    fn drop(&mut self) {
        if let Some((partial, _)) = self.partial.take() {
            let _ = std::fs::remove_file(partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Layered, Replay};

    #[test]
    fn recorded_trace_hides_pins_and_replays() {
        let text = "@source hand-written\n> 00 20 00 80 04 ?? ?? ?? ??\n< 90 00\n> 00 24 01 80 04 ?? ?? ?? ??\n< 90 00\n";
        let replay = Replay::new(Trace::parse(text, "t").unwrap());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.trace");
        let mut rec = Layered::new(replay, Recorder::new(path.clone(), Source::HandWritten));
        let mut t = rec.transaction().unwrap();
        t.transmit(Outgoing::built_here(&[
            0, 0x20, 0, 0x80, 4, b'1', b'2', b'3', b'4',
        ]))
        .unwrap();
        t.transmit(Outgoing::built_here(&[
            0, 0x24, 1, 0x80, 4, b'9', b'8', b'7', b'6',
        ]))
        .unwrap();
        t.end().unwrap();
        rec.finish().unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.contains("> 00 20 00 80 04 ?? ?? ?? ??"),
            "{written}"
        );
        assert!(
            !written.contains("31 32") && !written.contains("39 38"),
            "{written}"
        );
        let again = Trace::parse(&written, "out").unwrap();
        assert_eq!(again.exchanges.len(), 2);
    }

    #[test]
    fn a_link_at_the_path_is_replaced_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let precious = dir.path().join("precious.txt");
        std::fs::write(&precious, "keep me").unwrap();
        let path = dir.path().join("out.trace");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&precious, &path).unwrap();
        #[cfg(not(unix))]
        std::fs::hard_link(&precious, &path).unwrap();
        let replay = Replay::new(Trace::parse("@source hand-written\n", "t").unwrap());
        let recorder = Recorder::create(path.clone(), Source::HandWritten).unwrap();
        Layered::new(replay, recorder).finish().unwrap();
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("@source"));
        assert!(!std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
        // Nothing else is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_recorder_dropped_unfinished_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::create(dir.path().join("out.trace"), Source::HandWritten).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(recorder);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_partial_file_left_by_an_earlier_run_is_passed_over_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.trace");
        // A run killed before its rename, under the same process id, left this one.
        let left = dir
            .path()
            .join(format!(".out.trace.{}-0.partial", std::process::id()));
        std::fs::write(&left, "an earlier run's").unwrap();
        let replay = Replay::new(Trace::parse("@source hand-written\n", "t").unwrap());
        let recorder = Recorder::create(path.clone(), Source::HandWritten).unwrap();
        Layered::new(replay, recorder).finish().unwrap();
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("@source"));
        assert_eq!(std::fs::read_to_string(&left).unwrap(), "an earlier run's");
    }

    #[test]
    fn an_unwritable_path_fails_before_any_command() {
        let dir = tempfile::tempdir().unwrap();
        let err = Recorder::create(dir.path().to_path_buf(), Source::HandWritten)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot write trace"), "{err}");
    }

    #[test]
    fn the_sign_certificate_is_recorded_as_its_length_only_and_notes_as_comments() {
        let text = "@source hand-written
> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
< 90 00
> 00 A4 02 0C 02 00 01
< 90 00
> 00 B0 00 00 00
< 30 03 4E 41 4D 90 00
> 00 A4 02 0C 02 00 02
< 90 00
> 00 B0 00 00 00
< 30 01 CA 90 00
";
        let replay = Replay::new(Trace::parse(text, "t").unwrap());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.trace");
        let mut rec = Layered::new(replay, Recorder::new(path.clone(), Source::HandWritten));
        let mut t = rec.transaction().unwrap();
        for command in [
            &[
                0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
                0x01,
            ][..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01],
            &[0x00, 0xB0, 0x00, 0x00, 0x00],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02],
        ] {
            t.transmit(Outgoing::built_here(command)).unwrap();
        }
        t.note("asked again");
        t.transmit(Outgoing::built_here(&[0x00, 0xB0, 0x00, 0x00, 0x00]))
            .unwrap();
        t.end().unwrap();
        rec.finish().unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.contains("< !redacted 5 bytes 90 00"), "{written}");
        assert!(!written.contains("4E 41 4D"), "{written}");
        // The sign CA certificate after it is no one's personal data: recorded whole.
        assert!(
            written.contains("# asked again\n> 00 B0 00 00 00\n< 30 01 CA 90 00"),
            "{written}"
        );
        let again = Replay::new(Trace::parse(&written, "out").unwrap());
        let mut again = again;
        let mut t = again.transaction().unwrap();
        t.transmit(Outgoing::built_here(&[
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
            0x01,
        ]))
        .unwrap();
        t.transmit(Outgoing::built_here(&[
            0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01,
        ]))
        .unwrap();
        let zeros = t
            .transmit(Outgoing::built_here(&[0x00, 0xB0, 0x00, 0x00, 0x00]))
            .unwrap();
        assert_eq!(zeros, [0, 0, 0, 0, 0, 0x90, 0x00]);
    }

    #[test]
    fn only_the_jpki_aps_ef_00_01_is_personal() {
        let mut personal = PersonalFile::default();
        let jpki = [
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
            0x01,
        ];
        let other = [
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01,
            0x00,
        ];
        let ef_01 = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01];
        let read = [0x00, 0xB0, 0x00, 0x00, 0x00];
        assert!(!personal.follow(&other));
        assert!(!personal.follow(&ef_01));
        assert!(!personal.follow(&read));
        assert!(!personal.follow(&jpki));
        assert!(!personal.follow(&ef_01));
        assert!(personal.follow(&read));
        assert!(personal.follow(&[0x00, 0xC0, 0x00, 0x00, 0x10]));
        assert!(!personal.follow(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]));
        assert!(!personal.follow(&read));
    }
}
