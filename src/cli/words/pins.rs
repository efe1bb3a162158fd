//! The words of `jpki pins`: which PIN a service asks for, and where a locked one is reset.
//! Every row rests on public sources named in docs/guidance.md ("Which PIN is for what").

use crate::cli::lang::Lang;
use crate::cli::words::guidance::{kiosk_conditions, kiosk_stores_line};
use jpki_card::card::PinKind;

/// One thing a PIN is asked for: its JSON id and its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinUse {
    /// The id used in JSON.
    pub id: &'static str,
    /// In Japanese.
    pub ja: &'static str,
    /// In English.
    pub en: &'static str,
}

impl PinUse {
    /// Its words in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        lang.pick(self.ja, self.en)
    }
}

const AUTH_USES: [PinUse; 3] = [
    PinUse {
        id: "myna_portal_login",
        ja: "マイナポータルへのログイン",
        en: "logging in to マイナポータル (Mynaportal)",
    },
    PinUse {
        id: "convenience_store_certificates",
        ja: "コンビニ交付 (マルチコピー機での住民票の写しなどの取得)",
        en: "certificates such as a residence record copy from a store's multi-copy machine (コンビニ交付)",
    },
    PinUse {
        id: "health_insurance",
        ja: "健康保険証としての利用 (医療機関などでの本人確認)",
        en: "using the card as a health-insurance card (identity check at a clinic)",
    },
];

const SIGN_USES: [PinUse; 1] = [PinUse {
    id: "electronic_applications",
    ja: "e-Tax などの電子申請 (オンライン転出届など)",
    en: "electronic applications, e-Tax among them (and the online moving-out notice)",
}];

const JUKI_USES: [PinUse; 2] = [
    PinUse {
        id: "moving_in_special_case",
        ja: "転入の特例 (カードを使った転入届)",
        en: "the moving-in notice with the card (転入の特例)",
    },
    PinUse {
        id: "wide_area_residence_certificate",
        ja: "住民票の写しの広域交付 (住所地以外の窓口での交付)",
        en: "a residence record copy at another municipality's counter (住民票の広域交付)",
    },
];

const KENHOJO_USES: [PinUse; 1] = [PinUse {
    id: "card_info_input",
    ja: "個人番号と基本4情報 (氏名・住所・生年月日・性別) をテキストとして読み出すとき (申請書への自動入力など)",
    en: "reading your Individual Number and name, address, date of birth and sex as text (to fill in a form)",
}];

/// What `kind` is asked for (docs/guidance.md names two sources for each).
pub fn uses(kind: PinKind) -> &'static [PinUse] {
    match kind {
        PinKind::Sign => &SIGN_USES,
        PinKind::Auth => &AUTH_USES,
        PinKind::Juki => &JUKI_USES,
        PinKind::Kenhojo => &KENHOJO_USES,
    }
}

/// How a locked `kind` is reset, as a JSON id.
pub fn reset_id(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Sign | PinKind::Auth => "kiosk_reset_or_city_office",
        PinKind::Juki | PinKind::Kenhojo => "city_office",
    }
}

/// How a locked `kind` is reset, in words: the lines after "if locked".
pub fn reset_lines(kind: PinKind, lang: Lang) -> Vec<String> {
    match kind {
        PinKind::Sign | PinKind::Auth => {
            let other = match (kind, lang) {
                (PinKind::Sign, Lang::Ja) => "利用者証明用電子証明書の暗証番号",
                (PinKind::Sign, Lang::En) => "auth PIN",
                (_, Lang::Ja) => "署名用電子証明書のパスワード",
                (_, Lang::En) => "sign password",
            };
            vec![
                match lang {
                    Lang::Ja => format!(
                        "{other}が分かれば、スマートフォンアプリ「JPKI暗証番号リセット」で予約し、24時間以内に対応店舗のマルチコピー機 (6:30〜23:00) で再設定できます。分からなければ、カードと本人確認書類を持って市区町村の窓口へ。"
                    ),
                    Lang::En => format!(
                        "if you know the {other}: a reservation in the \"JPKI暗証番号リセット\" smartphone app, then a store's multi-copy machine within 24 hours (6:30-23:00); if not, the city office, with the card and an identity document."
                    ),
                },
                format!("  {}", kiosk_conditions(lang)),
                kiosk_stores_line(kind, lang),
            ]
        }
        PinKind::Juki | PinKind::Kenhojo => vec![lang
            .pick(
                "市区町村の窓口だけで再設定できます (カードと本人確認書類をお持ちください)。コンビニではできません。",
                "only at the city office, with the card and an identity document; no kiosk resets it.",
            )
            .to_string()],
    }
}

/// The notes under the list: what holds for all four PINs.
pub fn notes(lang: Lang) -> [&'static str; 3] {
    [
        lang.pick(
            "3つの4桁の暗証番号は同じ数字にできます。1つを忘れても、他と同じかもしれません。",
            "The three 4-digit PINs may be set to one value: a forgotten one may be the same as another.",
        ),
        lang.pick(
            "スマートフォン用電子証明書には、カードとは別の暗証番号があります。その再設定はマイナポータルアプリで行います。",
            "A smartphone's JPKI certificate (スマホ用電子証明書) has its own PINs, not the card's; they are reset in the マイナポータル app.",
        ),
        lang.pick(
            "15歳未満の方・成年被後見人の方のカードと顔認証マイナンバーカードには、署名用電子証明書 (とそのパスワード) がありません。",
            "Cards of children under 15 and of adult wards, and 顔認証マイナンバーカード (face-authentication cards), carry no signature certificate, so no sign password.",
        ),
    ]
}

/// The headings of one PIN's block.
pub fn headings(lang: Lang) -> [&'static str; 4] {
    [
        lang.pick("形式", "Format"),
        lang.pick("試行回数", "Tries"),
        lang.pick("使う場面", "Asked for"),
        lang.pick("ロックされたら", "If locked"),
    ]
}

/// The number of tries, in words.
pub fn tries_text(tries: u8, lang: Lang) -> String {
    match lang {
        Lang::Ja => {
            format!("{tries}回 (間違えるたびに1つ減り、0でロック。正しく入れると元に戻ります)")
        }
        Lang::En => format!(
            "{tries} (each wrong entry takes one; at 0 it locks; a right one restores them)"
        ),
    }
}

/// The first line of the output.
pub fn intro(lang: Lang) -> &'static str {
    lang.pick(
        "マイナンバーカードの4つの暗証番号 (カードは読みません。`jpki status` で残り回数を確認できます):",
        "The My Number card's four PINs (no card is read; `jpki status` shows the tries left):",
    )
}
