//! Every human word jpki prints, in Japanese and English, in one place.

use super::render::printable;
use jpki::card::certificate::{CertificateProblem, Expiry, ExpiryState};
use jpki::card::guidance::{NextStep, PinGuidance, Route};
use jpki::card::token::CardKind;
use jpki::card::{
    KeyResult, Outcome, PinFormat, PinKind, PinState, PinStatus, RetryCounter, Weakness,
};

/// A language of human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語
    Ja,
    /// English
    En,
}

impl Lang {
    /// The locale's language: Japanese when the messages locale (the first of LC_ALL,
    /// LC_MESSAGES, LANG that is set and not empty) is Japanese (`ja`, `ja_JP`, `ja.…`, `ja@…`;
    /// `jam_JM` is Jamaican) and the character set (the first of LC_ALL, LC_CTYPE, LANG) is
    /// UTF-8 or not named. Under a locale that names another character set (`ja_JP.eucJP`,
    /// `ja_JP.SJIS`) the terminal cannot show jpki's UTF-8 Japanese, so the output is English.
    pub fn from_locale(env: &impl Fn(&str) -> Option<String>) -> Lang {
        let first_of = |names: &[&str]| {
            names
                .iter()
                .filter_map(|name| env(name))
                .find(|value| !value.is_empty())
                .unwrap_or_default()
        };
        let messages = first_of(&["LC_ALL", "LC_MESSAGES", "LANG"]);
        let japanese = messages
            .strip_prefix("ja")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['_', '.', '@']));
        let charset = first_of(&["LC_ALL", "LC_CTYPE", "LANG"]);
        let codeset = charset
            .split_once('.')
            .map(|(_, rest)| rest.split('@').next().unwrap_or(rest).to_ascii_lowercase());
        let utf8 = codeset.is_none_or(|c| c == "utf-8" || c == "utf8");
        if japanese && utf8 {
            Lang::Ja
        } else {
            Lang::En
        }
    }

    /// Pick the text for this language.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// The PIN's name as the holder knows it.
pub fn pin_name(kind: PinKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => kind.official_name(),
        Lang::En => match kind {
            PinKind::Sign => "Signature password",
            PinKind::Auth => "User authentication PIN",
            PinKind::Juki => "Resident registry PIN",
            PinKind::Kenhojo => "Card info input support PIN",
        },
    }
}

/// The PIN as a line of output starts with it: the official name in Japanese, the English name
/// and the id typed on the command line in English.
pub fn pin_label(kind: PinKind, lang: Lang) -> String {
    match lang {
        Lang::Ja => pin_name(kind, lang).to_string(),
        Lang::En => format!("{} ({})", pin_name(kind, lang), kind.id()),
    }
}

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
                k.key.application.label(),
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
        CardKind::Smartphone => lang
            .pick("スマートフォン用電子証明書", "Smartphone JPKI certificate")
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
    match expiry.state() {
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
    }
}

fn route_text(route: Route, lang: Lang) -> &'static str {
    match route {
        Route::KioskReset => lang.pick(
            "スマートフォンアプリ「JPKI暗証番号リセット」で予約し、24時間以内にコンビニのマルチコピー機 (6:30〜23:00) で再設定",
            "a kiosk reset: a reservation in the \"JPKI暗証番号リセット\" smartphone app, then a convenience-store multi-copy machine within 24 hours (kiosks serve 6:30-23:00)",
        ),
        Route::CityOffice => lang.pick(
            "カードと本人確認書類を持って市区町村の窓口で再設定",
            "the city office, with the card and an identity document",
        ),
    }
}

/// The lines of advice for one PIN (none when there is nothing to do).
pub fn guidance_lines(guidance: &PinGuidance, lang: Lang) -> Vec<String> {
    let kind = guidance.kind;
    let jpki_pin = matches!(kind, PinKind::Sign | PinKind::Auth);
    let mut lines = Vec::new();
    let advice = match guidance.step {
        NextStep::None => return lines,
        NextStep::Reset(Route::KioskReset) => match lang {
            Lang::Ja => format!(
                "ロックされています。もう一方の電子証明書の暗証番号 (アプリとマルチコピー機で入力します) が分かれば、{}できます。どちらも分からなければ、カードと本人確認書類を持って市区町村の窓口へ。",
                route_text(Route::KioskReset, lang)
            ),
            Lang::En => format!(
                "locked. If you know the other JPKI PIN (the app and the kiosk ask for it), it can be reset by {}. If you know neither, go to the city office with the card and an identity document.",
                route_text(Route::KioskReset, lang)
            ),
        },
        NextStep::Reset(Route::CityOffice) if guidance.kiosk_ruled_out_by_expiry() => match lang {
            Lang::Ja => format!(
                "ロックされています。利用者証明用電子証明書の有効期限が切れているため、コンビニでは再設定できません。{}してください。窓口では電子証明書の更新もできます。",
                route_text(Route::CityOffice, lang)
            ),
            Lang::En => format!(
                "locked. The auth certificate has expired, so no kiosk can reset it: go to {}, where the certificate is renewed too.",
                route_text(Route::CityOffice, lang)
            ),
        },
        NextStep::Reset(Route::CityOffice) if jpki_pin => match lang {
            Lang::Ja => format!(
                "ロックされています。もう一方の電子証明書の暗証番号も使えないため、コンビニでは再設定できません。{}してください。",
                route_text(Route::CityOffice, lang)
            ),
            Lang::En => format!(
                "locked. The other JPKI PIN does not work either, so no kiosk can reset it: go to {}.",
                route_text(Route::CityOffice, lang)
            ),
        },
        NextStep::Reset(Route::CityOffice) => match lang {
            Lang::Ja => "ロックされています。再設定は市区町村の窓口だけでできます。カードと本人確認書類をお持ちください。".to_string(),
            Lang::En => "locked. Only the city office can reset it: go there with the card and an identity document.".to_string(),
        },
        NextStep::AvoidWrongEntry { if_locked } => match lang {
            Lang::Ja => format!(
                "残り1回です。次に間違えるとロックされ、{}が必要になります。",
                route_text(if_locked, lang)
            ),
            Lang::En => format!(
                "last try: one more wrong entry locks it, and it would then need {}.",
                route_text(if_locked, lang)
            ),
        },
        NextStep::SignatureCertificateAtCityOffice => lang
            .pick(
                "署名用電子証明書がないか、使えない状態です。15歳未満の方と成年被後見人の方のカードには署名用電子証明書が搭載されません。発行は市区町村の窓口です。",
                "no usable signature certificate. Cards of children under 15 and of adult wards carry none; it is issued at the city office.",
            )
            .to_string(),
        NextStep::AskCityOffice => lang
            .pick(
                "このカードにはありません。必要なら市区町村の窓口に問い合わせてください。",
                "not on this card; ask your city office if you need it.",
            )
            .to_string(),
        NextStep::ReadAgain => lang
            .pick(
                "カードの応答を読み取れませんでした。カードを置き直して、もう一度 `jpki status` を実行してください。",
                "the card's answer was not a counter; put the card back and run `jpki status` again.",
            )
            .to_string(),
    };
    let name = match lang {
        Lang::Ja => pin_name(kind, lang).to_string(),
        Lang::En => format!("{} ({})", pin_name(kind, lang), kind.id()),
    };
    lines.push(format!("- {name}: {advice}"));
    if matches!(guidance.step, NextStep::AvoidWrongEntry { .. })
        && guidance.kiosk_ruled_out_by_expiry()
    {
        lines.push(
            lang.pick(
                "  利用者証明用電子証明書の有効期限が切れているため、コンビニでは再設定できません。窓口では電子証明書の更新もできます。",
                "  The auth certificate has expired, so no kiosk could reset it; the city office renews the certificate too.",
            )
            .to_string(),
        );
    }
    if guidance.kiosk_needs_valid_certificate() {
        lines.push(
            lang.pick(
                "  ただし電子証明書の有効期限が切れていると、コンビニでは再設定できません。その場合は市区町村の窓口へ (電子証明書の更新もできます)。",
                "  If the certificate has expired, no kiosk can reset it: go to the city office, which renews the certificate too.",
            )
            .to_string(),
        );
    }
    if guidance.same_value_hint {
        lines.push(
            lang.pick(
                "  3つの4桁の暗証番号は同じ数字にしていることがよくあります。まだ使える他の4桁の暗証番号と同じかもしれません。",
                "  The three 4-digit PINs are often set to one value: it may be the same as a 4-digit PIN that still works.",
            )
            .to_string(),
        );
    }
    lines
}

/// The heading above the advice.
pub fn guidance_heading(lang: Lang) -> &'static str {
    lang.pick("対処方法:", "What to do:")
}

/// What a PIN must look like, as the prompt says it.
pub fn format_hint(format: PinFormat, lang: Lang) -> &'static str {
    match format {
        PinFormat::FourDigits => lang.pick("数字4桁", "4 digits"),
        PinFormat::Password => lang.pick(
            "英大文字と数字を両方含む6〜16文字",
            "6-16 of A-Z and 0-9, with a letter and a digit",
        ),
    }
}

/// The names of the PINs one prompt is for, joined.
pub fn pin_names(kinds: &[PinKind], lang: Lang) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| pin_name(*k, lang)).collect();
    names.join(lang.pick("・", " / "))
}

/// The three hidden prompts of `change-pin`: current, new, new again.
pub fn change_prompts(kinds: &[PinKind], format: PinFormat, lang: Lang) -> [String; 3] {
    let names = pin_names(kinds, lang);
    let hint = format_hint(format, lang);
    match lang {
        Lang::Ja => [
            format!("現在の{names}（{hint}）: "),
            format!("新しい{names}（{hint}）: "),
            format!("新しい{names}（確認のためもう一度）: "),
        ],
        Lang::En => [
            format!("Current {names} ({hint}): "),
            format!("New {names} ({hint}): "),
            format!("New {names} again, to confirm: "),
        ],
    }
}

/// What happened to one PIN, as the change report says it.
pub fn outcome_word(outcome: Outcome, lang: Lang) -> &'static str {
    match outcome {
        Outcome::Changed => lang.pick("変更しました", "changed"),
        Outcome::NotChanged => lang.pick("変更していません", "not changed"),
        Outcome::Unknown => lang.pick(
            "不明（変更されたかどうか分かりません）",
            "unknown: it may or may not have changed",
        ),
        Outcome::NotAttempted => lang.pick("変更していません（未実施）", "not changed (not tried)"),
        Outcome::PartlyChanged => lang.pick(
            "一部だけ変更されました（下記のとおり、場所によって暗証番号が異なります）",
            "PARTLY CHANGED: its key references now hold different PINs (below)",
        ),
    }
}

/// What one key reference holds after a change, as the report's indented line says it.
pub fn key_result_text(result: KeyResult, lang: Lang) -> &'static str {
    match result {
        KeyResult::Done => lang.pick("新しい暗証番号に変わりました", "now holds the new PIN"),
        KeyResult::NotDone | KeyResult::NotAttempted => lang.pick(
            "変わっていません（現在の暗証番号のままです）",
            "still holds the current PIN",
        ),
        KeyResult::Unknown => lang.pick(
            "変わったかどうか分かりません（現在と新しいどちらの暗証番号か不明）",
            "unknown: it may hold either the current or the new PIN",
        ),
        KeyResult::NotOnCard => lang.pick("このカードにはありません", "not on this card"),
    }
}

/// The warning for a guessable new PIN; it never repeats the PIN.
pub fn weakness_warning(weakness: Weakness, lang: Lang) -> &'static str {
    match weakness {
        Weakness::Repeated => lang.pick(
            "jpki: 注意: 新しい暗証番号は同じ数字の繰り返しで、推測されやすいものです（このまま設定します）。",
            "jpki: warning: the new PIN repeats one digit and is easy to guess (setting it anyway).",
        ),
        Weakness::Sequential => lang.pick(
            "jpki: 注意: 新しい暗証番号は連続した数字で、推測されやすいものです（このまま設定します）。",
            "jpki: warning: the new PIN is a run of consecutive digits and is easy to guess (setting it anyway).",
        ),
        Weakness::YearLike => lang.pick(
            "jpki: 注意: 新しい暗証番号は西暦の年のようで、生年などから推測されやすいものです（このまま設定します）。",
            "jpki: warning: the new PIN looks like a year, such as a birth year, and is easy to guess (setting it anyway).",
        ),
    }
}

/// One PIN's counter, as shown above the change prompt.
pub fn counter_line(status: &PinStatus, lang: Lang) -> String {
    let name = pin_label(status.kind, lang);
    let max = status.kind.max_tries();
    let state = match (status.counter.state(), status.counter.tries_left(), lang) {
        (PinState::Ok, Some(n), Lang::Ja) => format!("残り{n}回（{max}回中）"),
        (PinState::Ok, Some(n), Lang::En) => format!("{n} of {max} tries left"),
        (PinState::LastTry, _, Lang::Ja) => {
            format!("残り1回（{max}回中）。間違えるとロックされます")
        }
        (PinState::LastTry, _, Lang::En) => {
            format!("1 of {max} tries left: a wrong entry locks it")
        }
        (state, _, _) => state_word(state, lang).to_string(),
    };
    match key_counters_text(status, lang) {
        Some(keys) => format!("{name}: {state} ({keys})"),
        None => format!("{name}: {state}"),
    }
}

/// The hidden prompt of `verify-pin`.
pub fn verify_prompt(kind: PinKind, lang: Lang) -> String {
    let name = pin_name(kind, lang);
    let hint = format_hint(kind.format(), lang);
    match lang {
        Lang::Ja => format!("確認する{name}（{hint}）: "),
        Lang::En => format!("{name} to check ({hint}): "),
    }
}

/// The report of a right PIN: it is right, and its counter is back at its maximum.
pub fn verified_text(kind: PinKind, lang: Lang) -> String {
    let max = kind.max_tries();
    match lang {
        Lang::Ja => format!("正しい暗証番号です。残り回数は最大の{max}回に戻りました。"),
        Lang::En => format!("right. The counter is back at its maximum: {max} of {max} tries."),
    }
}

/// The report of a PIN the card did not take, with the tries left when known.
pub fn not_verified_text(wrong: bool, tries_left: Option<u8>, max: u8, lang: Lang) -> String {
    let what = match (wrong, lang) {
        (true, Lang::Ja) => "暗証番号が違います。",
        (true, Lang::En) => "WRONG.",
        (false, Lang::Ja) => "確認できませんでした。",
        (false, Lang::En) => "not checked.",
    };
    match (tries_left, lang) {
        (Some(0), Lang::Ja) => format!("{what}残り回数がなく、ロックされています。"),
        (Some(0), Lang::En) => format!("{what} No try is left: it is locked."),
        (Some(n), Lang::Ja) => format!("{what}残り{n}回（{max}回中）です。"),
        (Some(n), Lang::En) => format!("{what} {n} of {max} tries left."),
        (None, Lang::Ja) => format!("{what}残り回数は分かりません。`jpki status` で確認できます。"),
        (None, Lang::En) => format!("{what} The tries left are unknown; `jpki status` shows them."),
    }
}

/// What one key reference said to `verify-pin`, as the report's indented line says it.
pub fn key_verified_text(result: KeyResult, wrong_here: bool, lang: Lang) -> &'static str {
    match (result, wrong_here) {
        (KeyResult::Done, _) => lang.pick(
            "正しい（残り回数は最大に戻りました）",
            "right (its counter is back at its maximum)",
        ),
        (KeyResult::NotDone, true) => lang.pick("違います", "wrong"),
        (KeyResult::NotDone, false) => lang.pick("確認していません", "not checked"),
        (KeyResult::NotAttempted, _) => {
            lang.pick("確認していません（未実施）", "not checked (not tried)")
        }
        (KeyResult::Unknown, _) => lang.pick(
            "不明（試行回数が数えられたかもしれません）",
            "unknown: the try may have been counted",
        ),
        (KeyResult::NotOnCard, _) => lang.pick("このカードにはありません", "not on this card"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpki::card::guidance::CertificateValidity;

    /// Every advice line for every PIN, step and certificate validity, in both languages.
    fn every_advice_line() -> Vec<String> {
        let routes = [Route::KioskReset, Route::CityOffice];
        let mut steps = vec![
            NextStep::SignatureCertificateAtCityOffice,
            NextStep::AskCityOffice,
            NextStep::ReadAgain,
        ];
        for route in routes {
            steps.push(NextStep::Reset(route));
            steps.push(NextStep::AvoidWrongEntry { if_locked: route });
        }
        let mut lines = Vec::new();
        for kind in PinKind::ALL {
            for step in &steps {
                for certificate in [
                    CertificateValidity::Unknown,
                    CertificateValidity::Valid,
                    CertificateValidity::Expired,
                ] {
                    for same_value_hint in [false, true] {
                        let guidance = PinGuidance {
                            kind,
                            step: *step,
                            same_value_hint,
                            certificate,
                        };
                        for lang in [Lang::Ja, Lang::En] {
                            lines.extend(guidance_lines(&guidance, lang));
                        }
                    }
                }
            }
        }
        lines
    }

    #[test]
    fn no_advice_sentence_names_the_city_office_twice() {
        for line in every_advice_line() {
            for sentence in line.split(['。', '.', ';']) {
                for office in ["市区町村の窓口", "city office"] {
                    assert!(
                        sentence.matches(office).count() <= 1,
                        "{office} twice in: {line}"
                    );
                }
            }
        }
    }
}
