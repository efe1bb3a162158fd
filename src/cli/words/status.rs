//! The words of `status`: the state of each counter, the card's kind, the auth certificate's
//! expiry, and the table's headings.

use crate::cli::io::render::printable;
use crate::cli::lang::Lang;
use jpki_card::card::card_info::{CardExpiry, CardInfoProblem};
use jpki_card::card::certificate::{date_text, CertificateProblem, Expiry, ExpiryState};
use jpki_card::card::token::{CardKind, Phone};
use jpki_card::card::{PinState, PinStatus, RetryCounter};
use time::Date;

/// One key reference's counter, short: the number, or what stands in for one.
fn key_counter_word(counter: RetryCounter, lang: Lang) -> String {
    match counter {
        RetryCounter::Remaining(n) => n.to_string(),
        RetryCounter::Blocked(_) => state_word(PinState::Locked, lang).to_string(),
        RetryCounter::Absent => lang.pick("なし", "not on card").to_string(),
        RetryCounter::Unreadable(sw) => format!("SW {sw}"),
        RetryCounter::NoStatusWord(_) => lang.pick("SW なし", "no SW").to_string(),
    }
}

/// What the card said when a counter is unreadable, after the state word: `SW 90 00`, or that
/// the answer had no status word. `None` for a counter that reads as one.
pub fn unreadable_detail(counter: RetryCounter, lang: Lang) -> Option<String> {
    match counter {
        RetryCounter::Unreadable(sw) => Some(format!("SW {sw}")),
        RetryCounter::NoStatusWord(length) => Some(match lang {
            Lang::Ja => format!("応答が{length}バイトで、ステータスバイトがありません"),
            Lang::En => format!("an answer of {length} byte(s), no status word"),
        }),
        _ => None,
    }
}

/// Each key reference's counter when they differ ("住基AP 3 / 共通AP 2"); `None` when the PIN
/// has one key reference or all say the same.
pub fn key_counters_text(status: &PinStatus, lang: Lang) -> Option<String> {
    if !status.keys_differ() {
        return None;
    }
    let parts: Vec<String> = status
        .keys
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                k.key.application().label(),
                key_counter_word(k.counter, lang)
            )
        })
        .collect();
    Some(parts.join(" / "))
}

/// The state word of the status table.
pub fn state_word(state: PinState, lang: Lang) -> &'static str {
    match (state, lang) {
        (PinState::Ok, Lang::Ja) => "正常",
        (PinState::Ok, Lang::En) => "ok",
        (PinState::LastTry, Lang::Ja) => "残り1回",
        (PinState::LastTry, Lang::En) => "LAST TRY",
        (PinState::Locked, Lang::Ja) => "ロック中",
        (PinState::Locked, Lang::En) => "LOCKED",
        (PinState::NotIssued, Lang::Ja) => "未発行",
        (PinState::NotIssued, Lang::En) => "not issued",
        (PinState::Error, Lang::Ja) => "読み取りエラー",
        (PinState::Error, Lang::En) => "unreadable",
    }
}

/// What the token says the card is.
pub fn card_kind_text(kind: &CardKind, lang: Lang) -> String {
    match kind {
        CardKind::MyNumberCard => lang
            .pick("マイナンバーカード", "My Number card")
            .to_string(),
        CardKind::JukiCard => lang
            .pick(
                "住民基本台帳カード (住基カード)",
                "Basic resident registry card (住基カード)",
            )
            .to_string(),
        CardKind::Smartphone(Phone::Android) => lang
            .pick("スマートフォン用電子証明書", "Smartphone JPKI certificate")
            .to_string(),
        // One source names this token: say so, and what jpki does about it.
        CardKind::Smartphone(Phone::Iphone) => lang
            .pick(
                "スマートフォン用電子証明書 (iPhone、JPKIAPIOSTOKEN。情報源は1つだけのため、Android と同じく暗証番号なしでは証明書を読みません)",
                "Smartphone JPKI certificate (iPhone, JPKIAPIOSTOKEN; one public source names it, so jpki reads it as the Android one: no certificate without a PIN)",
            )
            .to_string(),
        CardKind::NotJpki(name) => format!(
            "{} \"{}\"",
            lang.pick(
                "公的個人認証のカードではありません: トークン",
                "not a JPKI card: token"
            ),
            printable(name)
        ),
        CardKind::Unreadable(Some(sw)) => format!(
            "{} (SW {sw})",
            lang.pick("種類を読み取れませんでした", "kind unreadable")
        ),
        CardKind::Unreadable(None) => format!(
            "{} ({})",
            lang.pick("種類を読み取れませんでした", "kind unreadable"),
            lang.pick(
                "応答にステータスバイトがありません",
                "no status bytes in the answer"
            )
        ),
    }
}

/// The auth certificate line of `status`, and a warning line when it is close to or past its end.
pub fn certificate_lines(
    certificate: &Result<Expiry, CertificateProblem>,
    lang: Lang,
) -> Vec<String> {
    let label = lang.pick("利用者証明用電子証明書", "Auth certificate");
    let expiry = match certificate {
        Ok(expiry) => *expiry,
        Err(problem) => {
            let why = match problem {
                CertificateProblem::NeedsPin => lang
                    .pick(
                        "スマートフォンでは暗証番号なしでは読めないため、読みませんでした",
                        "not read: a smartphone shows it only after its PIN",
                    )
                    .to_string(),
                CertificateProblem::Refused(sw) => format!(
                    "{} (SW {sw})",
                    lang.pick("読み取れませんでした", "could not be read")
                ),
                CertificateProblem::Malformed
                | CertificateProblem::BadHeader
                | CertificateProblem::Empty
                | CertificateProblem::TooLong(_)
                | CertificateProblem::Truncated => lang
                    .pick(
                        "カードの応答が証明書の形をしていません",
                        "the card's answer is not a certificate",
                    )
                    .to_string(),
                CertificateProblem::Unparsable(_) => lang
                    .pick(
                        "証明書を解析できませんでした",
                        "the certificate could not be parsed",
                    )
                    .to_string(),
            };
            return vec![format!("{label}: {why}")];
        }
    };
    let date = expiry.not_after_text();
    let days = expiry.days_left;
    let opens = date_text(expiry.renewal_opens());
    let renewal = if expiry.days_left < 0 {
        None
    } else if expiry.renewal_is_open() {
        Some(match lang {
            Lang::Ja => format!("  更新手続きは{opens}から受け付けています (有効期限の3か月前の翌日から、市区町村の窓口で)。"),
            Lang::En => format!("  Renewal is open since {opens} (from three months before the end, at your city office)."),
        })
    } else {
        Some(match lang {
            Lang::Ja => format!(
                "  更新手続きは{opens}から (有効期限の3か月前の翌日から、市区町村の窓口で)。"
            ),
            Lang::En => format!(
                "  Renewal opens on {opens} (three months before the end, at your city office)."
            ),
        })
    };
    let mut lines = match expiry.state() {
        ExpiryState::Valid => vec![match lang {
            Lang::Ja => format!("{label}の有効期限: {date} (あと{days}日)"),
            Lang::En => format!("{label} valid until {date} ({days} days left)"),
        }],
        ExpiryState::ExpiresSoon => vec![
            match lang {
                Lang::Ja => format!("{label}の有効期限: {date} (あと{days}日)"),
                Lang::En => format!("{label} valid until {date} ({days} days left)"),
            },
            lang.pick(
                "  有効期限まで90日を切りました。市区町村の窓口で更新してください。",
                "  It ends within 90 days: renew it at your city office.",
            )
            .to_string(),
        ],
        ExpiryState::Expired => vec![
            match lang {
                Lang::Ja => format!("{label}の有効期限: {date} (期限切れ、{}日経過)", -days),
                Lang::En => format!("{label} EXPIRED on {date} ({} days ago)", -days),
            },
            lang.pick(
                "  期限切れの証明書では、正しい暗証番号を入れても失敗します。更新は市区町村の窓口です。",
                "  With an expired certificate even a correct PIN fails; renewal is at your city office.",
            )
            .to_string(),
        ],
    };
    lines.extend(renewal);
    lines
}

/// The card's own expiry line of `status`: the date and days left, labelled with where it was
/// read and that one public source describes it; or, quietly, that the card told none.
pub fn card_expiry_line(expiry: CardExpiry, today: Date, lang: Lang) -> String {
    let label = lang.pick("カードの有効期限", "Card valid until");
    match expiry {
        CardExpiry::Date(date) => {
            let days = (date - today).whole_days();
            let text = date_text(date);
            let left = match (lang, days < 0) {
                (Lang::Ja, false) => format!("あと{days}日"),
                (Lang::Ja, true) => format!("期限切れ、{}日経過", -days),
                (Lang::En, false) => format!("{days} days left"),
                (Lang::En, true) => format!("EXPIRED {} days ago", -days),
            };
            match lang {
                Lang::Ja => format!(
                    "{label}: {text} ({left}。共通AP EF 00 01 の記録から。この記録の形を説明する公開情報は1つだけです)"
                ),
                Lang::En => format!(
                    "{label} {text} ({left}; from the 共通AP's EF 00 01 record, whose layout one public source describes)"
                ),
            }
        }
        CardExpiry::Untold(problem) => {
            let why = match problem {
                CardInfoProblem::NoApplication => lang
                    .pick(
                        "共通APがないため読みませんでした",
                        "not read: the card has no 共通AP",
                    )
                    .to_string(),
                CardInfoProblem::Refused(sw) => format!(
                    "{} (SW {sw})",
                    lang.pick("カードが答えませんでした", "the card did not tell it")
                ),
                CardInfoProblem::Malformed => lang
                    .pick(
                        "カードの応答にステータスバイトがありません",
                        "the card's answer had no status word",
                    )
                    .to_string(),
                CardInfoProblem::NotTheLayout => lang
                    .pick(
                        "記録が既知の形ではないため読み取りませんでした",
                        "its record is not in the one known layout, so no date is shown",
                    )
                    .to_string(),
            };
            format!("{}: {why}", lang.pick("カードの有効期限", "Card expiry"))
        }
    }
}

/// The heading of the line naming the reader.
pub fn reader_heading(lang: Lang) -> &'static str {
    lang.pick("カードリーダー", "Reader")
}

/// The heading of the line naming the card's kind.
pub fn card_heading(lang: Lang) -> &'static str {
    lang.pick("カードの種類", "Card")
}

/// The headings of the counters' table.
pub fn table_headings(lang: Lang) -> [&'static str; 3] {
    [
        lang.pick("暗証番号", "PIN"),
        lang.pick("残り回数", "tries left"),
        lang.pick("状態", "state"),
    ]
}
