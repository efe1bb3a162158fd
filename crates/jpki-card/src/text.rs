//! Text from outside (a file, a reader, a card) as a message may show it: every character that
//! could act on a terminal written as an escape, and a long piece cut short.

/// How many characters of text from outside (a file, a reader) an error quotes before it cuts
/// the rest off with an ellipsis: enough to recognise a line, never a screenful.
pub(crate) const MAX_QUOTED_CHARS: usize = 80;

/// True for a character that must not reach a terminal as it is: the C0 controls, DEL and the
/// C1 controls (escape sequences can set a window title or clear the screen), the Unicode
/// bidirectional controls (they reorder what is shown, so a line can read as something it is
/// not) and the Unicode line and paragraph separators (some programs break lines there).
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// How an unprintable character is written in a message: `\t`, `\n`, `\r`, `\x1b` for the
/// other ASCII controls, `\u{202e}` beyond ASCII.
fn escape(c: char) -> String {
    match c {
        '\t' => "\\t".to_string(),
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        c if c.is_ascii() => format!("\\x{:02x}", u32::from(c)),
        c => format!("\\u{{{:x}}}", u32::from(c)),
    }
}

/// `text` with every unprintable character written as an escape: it shows what the text holds
/// without acting on the terminal. For text already bounded in length (a path, a reader name).
pub fn escaped(text: &str) -> String {
    text.chars()
        .map(|c| {
            if is_unprintable(c) {
                escape(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Bytes from outside that should be text (a reader's name as PC/SC gives it) as text: valid
/// UTF-8 stays as it is, every byte that is not written `\xNN`. Names from pcsc-lite are bytes,
/// and Windows' ANSI API gives them in the system code page (Shift-JIS on a Japanese system), so
/// a name need not be UTF-8; this form shows it, and tells apart names that differ in any byte.
pub fn bytes_as_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&format!("\\x{byte:02x}"));
        }
    }
    text
}

/// A piece of a file as a message quotes it: escaped, and cut to 80 characters with an
/// ellipsis. Reads no further than it shows, so a long line costs nothing.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for c in text.chars() {
        let piece = if is_unprintable(c) {
            escape(c)
        } else {
            c.to_string()
        };
        let width = piece.chars().count();
        if shown + width > MAX_QUOTED_CHARS {
            out.push('…');
            return out;
        }
        shown += width;
        out.push_str(&piece);
    }
    out
}

/// How a message names an unprintable character: what kind it is, and its escape.
pub(crate) fn describe_unprintable(c: char) -> String {
    let kind = if c.is_control() {
        "a control character"
    } else if matches!(c, '\u{2028}' | '\u{2029}') {
        "a Unicode line separator"
    } else {
        "a bidirectional control"
    };
    format!("{kind} ({})", escape(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_utf8_are_written_as_escapes() {
        // "カード" in Shift-JIS, then valid UTF-8.
        let name = b"\x83J\x81[\x83h R 00 00 \xe3\x82\xab";
        assert_eq!(bytes_as_text(name), "\\x83J\\x81[\\x83h R 00 00 カ");
        assert_eq!(bytes_as_text(b"SCR 3310 00 00"), "SCR 3310 00 00");
    }

    #[test]
    fn terminal_controls_are_written_as_escapes() {
        assert_eq!(
            escaped("a\u{1b}]0;pwned\u{7}\u{1b}[2J\tb\r\n\u{7f}\u{9b}\u{202e}z"),
            "a\\x1b]0;pwned\\x07\\x1b[2J\\tb\\r\\n\\x7f\\u{9b}\\u{202e}z"
        );
        assert_eq!(escaped("カードリーダー 00 00"), "カードリーダー 00 00");
        for c in [
            '\u{0}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{202d}', '\u{2066}',
        ] {
            assert!(is_unprintable(c), "{c:?}");
        }
        for c in [' ', 'é', 'ー', '\u{a0}', '#'] {
            assert!(!is_unprintable(c), "{c:?}");
        }
    }

    #[test]
    fn an_excerpt_is_cut_to_its_limit_with_an_ellipsis() {
        let long = "> 00".repeat(10_000);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
        let exact = "x".repeat(MAX_QUOTED_CHARS);
        assert_eq!(excerpt(&exact), exact);
        // An escape is never split: it is shown whole or not at all.
        let controls = "\u{1b}".repeat(100);
        let cut = excerpt(&controls);
        assert_eq!(cut, format!("{}…", "\\x1b".repeat(MAX_QUOTED_CHARS / 4)));
    }
}
