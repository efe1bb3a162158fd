//! The repository's own documents, which tests hold the code to.

/// A file of the repository by its path from the top (`README.md`, `docs/json.md`), as text.
pub fn repository_file(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The exit codes docs/exit-codes.md documents, read from its table.
pub fn documented_exit_codes() -> Vec<i32> {
    let text = repository_file("docs/exit-codes.md");
    let codes: Vec<i32> = text
        .lines()
        .filter_map(|l| l.strip_prefix('|'))
        .filter_map(|l| l.split('|').next())
        .filter_map(|cell| cell.trim().parse().ok())
        .collect();
    assert!(codes.contains(&0) && codes.len() > 5, "{codes:?}");
    codes
}
