//! The words of a warning: a file the run could not write, said after "jpki: warning:". The
//! path and the system's words come from outside, so they are made printable here.

use crate::cli::io::render::printable;
use crate::cli::io::warnings::Warning;
use crate::cli::lang::Lang;

/// What starts every warning on stderr.
pub fn warning_prefix(lang: Lang) -> &'static str {
    lang.pick("jpki: 警告", "jpki: warning")
}

/// The warning's line on stderr, in `lang`.
pub fn warning_text(warning: &Warning, lang: Lang) -> String {
    let prefix = warning_prefix(lang);
    match warning {
        Warning::TraceNotWritten { path, reason } => {
            let (path, reason) = (printable(path), printable(reason));
            match lang {
                Lang::Ja => format!(
                    "{prefix}: トレースを {path} に書き込めませんでした ({reason})。\
                     カードで起きたことと終了コードは、トレースとは関係なくカードの結果です"
                ),
                Lang::En => format!(
                    "{prefix}: the trace could not be written to {path} ({reason}); what \
                     happened on the card, and the exit code, are the card's outcome all the same"
                ),
            }
        }
        Warning::StateNotSaved { path, reason } => {
            let (path, reason) = (printable(path), printable(reason));
            match lang {
                Lang::Ja => format!(
                    "{prefix}: 仮想カードが状態ファイル {path} に変更を保存できませんでした \
                     ({reason})。カードはそのコマンドに 65 81 (メモリー障害) と答え、その変更をしていません"
                ),
                Lang::En => format!(
                    "{prefix}: the virtual card could not save a change to its state file {path} \
                     ({reason}), so it answered that command 65 81 (memory failure) and did not \
                     make the change"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_or_reason_from_outside_cannot_act_on_the_terminal() {
        let warning = Warning::TraceNotWritten {
            path: "out\u{1b}]0;x\u{7}.trace".to_string(),
            reason: "disk\nfull".to_string(),
        };
        for lang in [Lang::En, Lang::Ja] {
            let text = warning_text(&warning, lang);
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert!(text.starts_with(warning_prefix(lang)), "{text}");
        }
    }
}
