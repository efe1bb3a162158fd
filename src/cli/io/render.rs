//! Laying out human text: columns that line up with Japanese (double-width) characters, and
//! text from outside jpki made safe to show.

use unicode_width::UnicodeWidthStr;

/// Text from outside jpki (a card, a reader, a file, the user) as human output may show it:
/// every control character (C0, DEL, C1: escape sequences that set a window title or clear the
/// screen), bidirectional control and line separator written as an escape such as `\x1b`, so
/// it shows what it holds without acting on the terminal. The one place that decides; JSON
/// escapes on its own.
pub fn printable(text: &str) -> String {
    jpki_card::text::escaped(text)
}

/// A message of several lines jpki wrote itself, with pieces from outside inside: each line made
/// [`printable`], the line breaks kept.
pub fn printable_lines(text: &str) -> String {
    text.split('\n')
        .map(printable)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Pad `text` with spaces to `width` terminal columns.
pub fn pad(text: &str, width: usize) -> String {
    let shown = UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

/// Lay out rows as columns two spaces apart; the last column is not padded.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| UnicodeWidthStr::width(cell.as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&pad(cell, widths[c]));
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_outside_never_acts_on_the_terminal() {
        let hostile = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}Reader\u{7f} 00 00";
        let shown = printable(hostile);
        assert!(
            !shown.chars().any(jpki_card::text::is_unprintable),
            "{shown}"
        );
        assert_eq!(
            shown,
            "Evil\\x1b]0;pwned\\x07\\x1b[2J\\u{9b}31m\\u{202e}Reader\\x7f 00 00"
        );
        assert_eq!(printable("カードリーダー 00 00"), "カードリーダー 00 00");
        assert_eq!(printable("a\nb"), "a\\nb");
        assert_eq!(printable_lines("a\u{1b}\nb"), "a\\x1b\nb");
    }

    #[test]
    fn japanese_counts_two_columns_a_character() {
        assert_eq!(pad("暗証", 6), "暗証  ");
        let t = table(&[
            vec!["暗証番号".into(), "x".into()],
            vec!["ab".into(), "y".into()],
        ]);
        assert_eq!(t, "暗証番号  x\nab        y\n");
    }
}
