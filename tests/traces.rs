//! Every bundled trace parses, and its `@source` is honest: `real-card` only under
//! apdu-traces/real/, and everything there is `real-card`.

use crate::util::{bundled_traces, repository_file};
use jpki_card::transport::trace::{Source, Trace, MAX_LINE_BYTES, MAX_TRACE_BYTES};
use std::path::{Path, PathBuf};

/// Every *.trace file under `dir`, at any depth.
fn traces_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(traces_under(&path));
        } else if path.extension().is_some_and(|e| e == "trace") {
            found.push(path);
        }
    }
    found
}

#[test]
fn every_bundled_trace_parses_and_names_its_source_honestly() {
    let root = bundled_traces();
    let real = root.join("real");
    let traces = traces_under(&root);
    assert!(!traces.is_empty());
    for path in traces {
        let trace = Trace::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let in_real = path.starts_with(&real);
        assert_eq!(
            trace.source == Source::RealCard,
            in_real,
            "{}: @source real-card belongs exactly to apdu-traces/real/",
            path.display()
        );
    }
}

/// The size limits sit far above any real exchange: the largest bundled trace (plain `status`,
/// certificate included) is a few KB, hundreds of times under the file limit.
#[test]
fn the_trace_limits_are_far_above_every_bundled_trace() {
    let root = bundled_traces();
    for path in traces_under(&root) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.len() * 100 < MAX_TRACE_BYTES, "{}", path.display());
        let longest = text.lines().map(str::len).max().unwrap_or(0);
        assert!(longest * 100 < MAX_LINE_BYTES, "{}", path.display());
    }
}

/// README.md's first command for a fresh machine (`... && cargo run -- ARGS`) must keep working.
#[test]
fn the_readme_replay_command_runs() {
    let readme = repository_file("README.md");
    let line = readme
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .find_map(|l| Some(l.split_once("cargo run -- ")?.1))
        .expect("README.md shows an indented `cargo run -- ...` command");
    let out = crate::util::jpki()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(line.split_whitespace())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kenhojo"));
}
