//! What a holder should do next about a PIN, in words: the advice `status` gives, and
//! `change-pin` and `verify-pin` repeat for the counters their run ended with.

use crate::cli::lang::Lang;
use crate::cli::words::{pin_label, pin_name};
use jpki_card::card::guidance::{
    kiosk_stores_for, NextStep, PinGuidance, Route, KIOSK_STORES_AS_OF,
};
use jpki_card::card::PinKind;

fn route_text(route: Route, lang: Lang) -> &'static str {
    match route {
        Route::KioskReset => lang.pick(
            "スマートフォンアプリ「JPKI暗証番号リセット」で予約し、24時間以内に対応店舗のマルチコピー機 (6:30〜23:00) で再設定",
            "a kiosk reset: a reservation in the \"JPKI暗証番号リセット\" smartphone app, then the multi-copy machine of a store listed below within 24 hours (kiosks serve 6:30-23:00)",
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
        NextStep::Reset(Route::CityOffice)
            if kind == PinKind::Auth && guidance.no_signature_certificate =>
        {
            match lang {
                Lang::Ja => format!(
                    "ロックされています。このカードには署名用電子証明書がありません (15歳未満の方・成年被後見人の方のカード、顔認証マイナンバーカードなど)。コンビニでの再設定には署名用電子証明書のパスワードが必要なため、{}してください。",
                    route_text(Route::CityOffice, lang)
                ),
                Lang::En => format!(
                    "locked. This card carries no signature certificate (as on a child's or an adult ward's card, or a 顔認証マイナンバーカード, a face-authentication card), and a kiosk reset needs its password: go to {}.",
                    route_text(Route::CityOffice, lang)
                ),
            }
        }
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
                "このカードには署名用電子証明書がありません。15歳未満の方と成年被後見人の方のカード、顔認証マイナンバーカードには搭載されません。発行は市区町村の窓口です。",
                "no signature certificate on this card. Cards of children under 15 and of adult wards, and 顔認証マイナンバーカード (face-authentication cards), carry none; it is issued at the city office.",
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
    let name = pin_label(kind, lang);
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
    let kiosk = matches!(
        guidance.step,
        NextStep::Reset(Route::KioskReset)
            | NextStep::AvoidWrongEntry {
                if_locked: Route::KioskReset
            }
    );
    if kiosk {
        lines.push(kiosk_stores_line(kind, lang));
        lines.push(format!("  {}", kiosk_conditions(lang)));
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

/// The chains whose kiosks reset `kind`, with the day the list was read (one table:
/// `jpki_card::card::guidance::KIOSK_STORES`).
pub fn kiosk_stores_line(kind: PinKind, lang: Lang) -> String {
    let stores: Vec<String> = kiosk_stores_for(kind)
        .iter()
        .map(|store| match (lang, store.some_stores) {
            (Lang::Ja, false) => store.ja.to_string(),
            (Lang::Ja, true) => format!("{} (一部店舗)", store.ja),
            (Lang::En, false) => store.en.to_string(),
            (Lang::En, true) => format!("some {}", store.en),
        })
        .collect();
    match lang {
        Lang::Ja => format!(
            "  {}を再設定できる店舗 (J-LIS 利用規約、{KIOSK_STORES_AS_OF} 時点。未設置の店舗もあります): {}",
            pin_name(kind, lang),
            stores.join("、")
        ),
        Lang::En => format!(
            "  Stores whose kiosks reset the {} (J-LIS terms of use, as of {KIOSK_STORES_AS_OF}; not every store has one): {}",
            if kind == PinKind::Sign { "sign password" } else { "auth PIN" },
            stores.join(", ")
        ),
    }
}

/// What the kiosk reset needs beyond the other JPKI PIN (J-LIS's FAQ of the reset app; a move or
/// a change of name revokes the signature certificate: docs/guidance.md, "Kiosk stores").
pub fn kiosk_conditions(lang: Lang) -> &'static str {
    lang.pick(
        "コンビニでの再設定には、署名用電子証明書が有効期限内で失効していないこと、発行後に基本4情報 (氏名・住所・生年月日・性別) が変わっていないことが必要です。引っ越しや氏名の変更の後は市区町村の窓口へ。",
        "A kiosk reset needs a signature certificate within its validity and not revoked, and no change of name, address, date of birth or sex since it was issued: after a move or a change of name, go to the city office.",
    )
}

/// A note after the advice when a PIN is locked: some city offices need two visits.
pub fn city_office_note(advice: &[PinGuidance], lang: Lang) -> Option<&'static str> {
    advice
        .iter()
        .any(|a| matches!(a.step, NextStep::Reset(_)))
        .then(|| {
            lang.pick(
                "  市区町村によっては窓口での再設定が当日に終わらず、自宅に照会書が郵送されてから再度の来庁が必要です (文書照会方式、例: 嘉麻市)。",
                "  Some city offices take two visits: they first mail an inquiry to your home and finish the reset when you bring it back (文書照会方式, e.g. 嘉麻市 Kama city).",
            )
        })
}

/// The last line of the advice: where to read which PIN is for what.
pub fn pins_pointer(lang: Lang) -> &'static str {
    lang.pick(
        "どの暗証番号を何に使うか、どこで再設定するかは `jpki pins` で確認できます (カード不要)。",
        "Which PIN each service asks for, and where each is reset: `jpki pins` (no card needed).",
    )
}

/// The heading above the advice.
pub fn guidance_heading(lang: Lang) -> &'static str {
    lang.pick("対処方法:", "What to do:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpki_card::card::guidance::CertificateValidity;

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
                    for (same_value_hint, no_signature_certificate) in
                        [(false, false), (true, false), (false, true), (true, true)]
                    {
                        let guidance = PinGuidance {
                            kind,
                            step: *step,
                            same_value_hint,
                            certificate,
                            no_signature_certificate,
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
    fn no_kiosk_is_promised_for_the_auth_pin_of_a_card_without_a_sign_pin() {
        for lang in [Lang::Ja, Lang::En] {
            let guidance = PinGuidance {
                kind: PinKind::Auth,
                step: NextStep::Reset(Route::CityOffice),
                same_value_hint: false,
                certificate: CertificateValidity::Unknown,
                no_signature_certificate: true,
            };
            let text = guidance_lines(&guidance, lang).join("\n");
            assert!(!text.contains("JPKI暗証番号リセット"), "{text}");
            assert!(text.contains("顔認証マイナンバーカード"), "{text}");
        }
    }

    #[test]
    fn kiosk_advice_names_the_chains_of_its_pin_and_the_conditions() {
        let lines = |kind, lang| {
            let guidance = PinGuidance {
                kind,
                step: NextStep::Reset(Route::KioskReset),
                same_value_hint: false,
                certificate: CertificateValidity::Valid,
                no_signature_certificate: false,
            };
            guidance_lines(&guidance, lang).join("\n")
        };
        let auth = lines(PinKind::Auth, Lang::En);
        assert!(auth.contains("Seven-Eleven"), "{auth}");
        assert!(!auth.contains("Lawson"), "{auth}");
        assert!(auth.contains("after a move or a change of name"), "{auth}");
        assert!(auth.contains("not revoked"), "{auth}");
        let sign = lines(PinKind::Sign, Lang::Ja);
        assert!(
            sign.contains("ローソン") && sign.contains("ダイエー (一部店舗)"),
            "{sign}"
        );
        assert!(sign.contains("基本4情報"), "{sign}");
        assert!(!lines(PinKind::Auth, Lang::Ja).contains("ローソン"));
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
