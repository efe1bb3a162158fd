//! What a holder should do next about each PIN: which route gets a locked PIN back, what a last
//! try means, and what a missing signature certificate means. Facts and sources: docs/guidance.md.
//!
//! Every answer that says "no try left" (63 C0, 69 83, 69 84) is a lock, on any PIN: every
//! source that names 69 84 reads it as blocked. Only a sign PIN that is not on the card (its EF
//! not found, 6A 82) means no signature certificate.
//!
//! The counters decide, so `status --pins-only` gives guidance too. Plain `status` also knows
//! whether the auth certificate has expired: the kiosk reset then cannot help (it resets a PIN, it
//! issues no certificate), so a locked sign or auth PIN goes to the city office, which renews the
//! certificate as well.

use super::counter::{PinState, PinStatus, RetryCounter};
use super::pin::PinKind;

/// Where a locked PIN is reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A reservation in the "JPKI暗証番号リセット" smartphone app, then a store kiosk (a
    /// multi-copy machine of the chains that reset this PIN) within 24 hours (6:30-23:00). Only
    /// for sign and auth, only while the other JPKI PIN still works, and only with a valid,
    /// unrevoked signature certificate (no move or change of name since it was issued).
    KioskReset,
    /// The city office (市区町村の窓口), with the card and an identity document.
    CityOffice,
}

impl Route {
    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Route::KioskReset => "kiosk_reset",
            Route::CityOffice => "city_office",
        }
    }
}

/// A store chain whose kiosks (multi-copy machines) run the JPKI PIN reset, per the J-LIS terms
/// of use of the service (docs/guidance.md, "Kiosk stores").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KioskStore {
    /// The id used in JSON.
    pub id: &'static str,
    /// The chain's name in Japanese, as J-LIS writes it.
    pub ja: &'static str,
    /// The chain's name in English.
    pub en: &'static str,
    /// Only some of its stores have a kiosk that does it.
    pub some_stores: bool,
    /// It resets the auth PIN too, not only the sign password.
    pub resets_auth: bool,
}

/// The day [`KIOSK_STORES`] was read from J-LIS's terms of use (the page carries no date of its
/// own; J-LIS says the list is to grow, and that some stores have no kiosk or one that does not
/// take part).
pub const KIOSK_STORES_AS_OF: &str = "2026-12-07";

/// Which chains reset which JPKI PIN (J-LIS, JPKI暗証番号リセット 利用規約; 甲賀市 agrees for the
/// auth PIN). Every chain resets the sign password; only those with `resets_auth` the auth PIN.
pub const KIOSK_STORES: [KioskStore; 9] = [
    KioskStore {
        id: "seven_eleven",
        ja: "セブン-イレブン",
        en: "Seven-Eleven",
        some_stores: false,
        resets_auth: true,
    },
    KioskStore {
        id: "aeon_retail",
        ja: "イオンリテール",
        en: "AEON Retail",
        some_stores: false,
        resets_auth: true,
    },
    KioskStore {
        id: "aeon_hokkaido",
        ja: "イオン北海道",
        en: "AEON Hokkaido",
        some_stores: true,
        resets_auth: true,
    },
    KioskStore {
        id: "aeon_tohoku",
        ja: "イオン東北",
        en: "AEON Tohoku",
        some_stores: true,
        resets_auth: true,
    },
    KioskStore {
        id: "fuji",
        ja: "フジ",
        en: "Fuji",
        some_stores: true,
        resets_auth: true,
    },
    KioskStore {
        id: "lawson",
        ja: "ローソン",
        en: "Lawson",
        some_stores: false,
        resets_auth: false,
    },
    KioskStore {
        id: "familymart",
        ja: "ファミリーマート",
        en: "FamilyMart",
        some_stores: false,
        resets_auth: false,
    },
    KioskStore {
        id: "ministop",
        ja: "ミニストップ",
        en: "Ministop",
        some_stores: false,
        resets_auth: false,
    },
    KioskStore {
        id: "daiei",
        ja: "ダイエー",
        en: "Daiei",
        some_stores: true,
        resets_auth: false,
    },
];

/// The chains whose kiosks reset `kind` (none for juki and kenhojo: city office only).
pub fn kiosk_stores_for(kind: PinKind) -> Vec<KioskStore> {
    KIOSK_STORES
        .into_iter()
        .filter(|store| match kind {
            PinKind::Sign => true,
            PinKind::Auth => store.resets_auth,
            PinKind::Juki | PinKind::Kenhojo => false,
        })
        .collect()
}

/// The next step for one PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Nothing to do.
    None,
    /// Locked: reset it by this route.
    Reset(Route),
    /// One try left: one more wrong entry locks it, and then this route would be needed.
    AvoidWrongEntry {
        /// The route a lock would then need.
        if_locked: Route,
    },
    /// The sign PIN is not on the card (its EF not found): no signature certificate (cards of
    /// children under 15, of adult wards and 顔認証マイナンバーカード carry none). The city office
    /// issues it.
    SignatureCertificateAtCityOffice,
    /// The PIN is not on this card: only the city office can say why.
    AskCityOffice,
    /// The card's answer was not a counter: read it again before acting on it.
    ReadAgain,
}

impl NextStep {
    /// The id used in JSON as `next_step`.
    pub fn id(self) -> &'static str {
        match self {
            NextStep::None => "none",
            NextStep::Reset(route) => route.id(),
            NextStep::AvoidWrongEntry { .. } => "avoid_wrong_entry",
            NextStep::SignatureCertificateAtCityOffice | NextStep::AskCityOffice => "city_office",
            NextStep::ReadAgain => "read_again",
        }
    }

    /// Why, as a JSON id; `None` when there is nothing to do.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            NextStep::None => None,
            NextStep::Reset(_) => Some("locked"),
            NextStep::AvoidWrongEntry { .. } => Some("last_try"),
            NextStep::SignatureCertificateAtCityOffice => Some("no_signature_certificate"),
            NextStep::AskCityOffice => Some("not_issued"),
            NextStep::ReadAgain => Some("unreadable"),
        }
    }
}

/// What jpki knows of the auth certificate's validity when it gives advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateValidity {
    /// Not read (`--pins-only`, a smartphone) or unreadable: the advice must allow for either.
    Unknown,
    /// Within its validity period.
    Valid,
    /// Past its last day: no kiosk reset, a new certificate at the city office.
    Expired,
}

/// The guidance for one PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinGuidance {
    /// Which PIN.
    pub kind: PinKind,
    /// What to do.
    pub step: NextStep,
    /// A locked 4-digit PIN while another 4-digit PIN still works: holders often set the three to
    /// one value, so they may know this one from the others.
    pub same_value_hint: bool,
    /// What the route was chosen knowing of the auth certificate.
    pub certificate: CertificateValidity,
    /// The card carries no sign PIN (no signature certificate): a child's card, an adult ward's,
    /// or a 顔認証マイナンバーカード, whose counters no public source shows. No kiosk can help
    /// with its auth PIN, and the advice must not promise one.
    pub no_signature_certificate: bool,
}

impl PinGuidance {
    /// The kiosk is ruled out for this PIN only because the auth certificate has expired.
    pub fn kiosk_ruled_out_by_expiry(&self) -> bool {
        self.certificate == CertificateValidity::Expired
            && matches!(self.kind, PinKind::Sign | PinKind::Auth)
            && matches!(
                self.step,
                NextStep::Reset(Route::CityOffice)
                    | NextStep::AvoidWrongEntry {
                        if_locked: Route::CityOffice
                    }
            )
    }

    /// The advice names the kiosk while jpki does not know whether the certificate is valid.
    pub fn kiosk_needs_valid_certificate(&self) -> bool {
        self.certificate == CertificateValidity::Unknown
            && matches!(
                self.step,
                NextStep::Reset(Route::KioskReset)
                    | NextStep::AvoidWrongEntry {
                        if_locked: Route::KioskReset
                    }
            )
    }
}

/// The guidance for every PIN from the counters alone (the certificate not read).
pub fn guidance(statuses: &[PinStatus]) -> Vec<PinGuidance> {
    guidance_with(statuses, CertificateValidity::Unknown)
}

/// The guidance for every PIN, in the order given, knowing what `certificate` says of the auth
/// certificate. An expired one rules out the kiosk reset (docs/guidance.md).
pub fn guidance_with(statuses: &[PinStatus], certificate: CertificateValidity) -> Vec<PinGuidance> {
    let state_of = |kind: PinKind| {
        statuses
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.counter.state())
    };
    let works = |kind: PinKind| matches!(state_of(kind), Some(PinState::Ok | PinState::LastTry));
    // A PIN not among `statuses` was not read (`verify-pin` reads only its own): it may work, and
    // the kiosk advice says it holds only if the holder knows the other JPKI PIN.
    let may_work = |kind: PinKind| state_of(kind).is_none() || works(kind);
    let kiosk_open = certificate != CertificateValidity::Expired;
    let reset_route = |kind: PinKind| match kind {
        _ if !kiosk_open => Route::CityOffice,
        PinKind::Sign if may_work(PinKind::Auth) => Route::KioskReset,
        PinKind::Auth if may_work(PinKind::Sign) => Route::KioskReset,
        _ => Route::CityOffice,
    };
    let no_signature_certificate = state_of(PinKind::Sign) == Some(PinState::NotIssued);
    statuses
        .iter()
        .map(|status| {
            let kind = status.kind;
            let step = match (kind, status.counter) {
                (PinKind::Sign, RetryCounter::Absent) => NextStep::SignatureCertificateAtCityOffice,
                (_, counter) => match counter.state() {
                    PinState::Ok => NextStep::None,
                    PinState::LastTry => NextStep::AvoidWrongEntry {
                        if_locked: reset_route(kind),
                    },
                    PinState::Locked => NextStep::Reset(reset_route(kind)),
                    PinState::NotIssued => NextStep::AskCityOffice,
                    PinState::Error => NextStep::ReadAgain,
                },
            };
            let four_digit = kind != PinKind::Sign;
            let same_value_hint = four_digit
                && status.counter.state() == PinState::Locked
                && statuses.iter().any(|other| {
                    other.kind != PinKind::Sign && other.kind != kind && works(other.kind)
                });
            PinGuidance {
                kind,
                step,
                same_value_hint,
                certificate,
                no_signature_certificate,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::StatusWord;

    #[test]
    fn each_next_step_has_the_json_id_docs_json_md_names() {
        let steps = [
            (NextStep::None, "none"),
            (NextStep::Reset(Route::KioskReset), "kiosk_reset"),
            (NextStep::Reset(Route::CityOffice), "city_office"),
            (
                NextStep::AvoidWrongEntry {
                    if_locked: Route::KioskReset,
                },
                "avoid_wrong_entry",
            ),
            (NextStep::SignatureCertificateAtCityOffice, "city_office"),
            (NextStep::AskCityOffice, "city_office"),
            (NextStep::ReadAgain, "read_again"),
        ];
        for (step, id) in steps {
            assert_eq!(step.id(), id, "{step:?}");
        }
    }

    fn card(counters: [u16; 4]) -> Vec<PinStatus> {
        PinKind::ALL
            .into_iter()
            .zip(counters)
            .map(|(kind, sw)| {
                PinStatus::uniform(kind, RetryCounter::from_probe(StatusWord::from(sw)))
            })
            .collect()
    }

    fn steps(counters: [u16; 4]) -> Vec<NextStep> {
        guidance(&card(counters)).iter().map(|g| g.step).collect()
    }

    const OK5: u16 = 0x63C5;
    const OK3: u16 = 0x63C3;
    const LOCKED: u16 = 0x63C0;
    const ONE: u16 = 0x63C1;
    const ABSENT: u16 = 0x6A82;

    #[test]
    fn a_jpki_pin_read_alone_keeps_the_kiosk_open() {
        let alone = [PinStatus::uniform(
            PinKind::Auth,
            RetryCounter::from_probe(StatusWord::from(LOCKED)),
        )];
        assert_eq!(guidance(&alone)[0].step, NextStep::Reset(Route::KioskReset));
    }

    #[test]
    fn a_fresh_card_needs_nothing() {
        assert_eq!(steps([OK5, OK3, OK3, OK3]), vec![NextStep::None; 4]);
    }

    #[test]
    fn a_locked_jpki_pin_goes_to_the_kiosk_while_the_other_works() {
        assert_eq!(
            steps([LOCKED, OK3, OK3, OK3])[0],
            NextStep::Reset(Route::KioskReset)
        );
        assert_eq!(
            steps([ONE, LOCKED, OK3, OK3])[1],
            NextStep::Reset(Route::KioskReset)
        );
    }

    #[test]
    fn both_jpki_pins_unusable_means_the_city_office() {
        let s = steps([LOCKED, LOCKED, OK3, OK3]);
        assert_eq!(s[0], NextStep::Reset(Route::CityOffice));
        assert_eq!(s[1], NextStep::Reset(Route::CityOffice));
        // A card without a signature certificate has no other JPKI PIN to reset auth with.
        assert_eq!(
            steps([ABSENT, LOCKED, OK3, OK3])[1],
            NextStep::Reset(Route::CityOffice)
        );
    }

    #[test]
    fn juki_and_kenhojo_are_reset_at_the_city_office_only() {
        let s = steps([OK5, OK3, LOCKED, 0x6983]);
        assert_eq!(s[2], NextStep::Reset(Route::CityOffice));
        assert_eq!(s[3], NextStep::Reset(Route::CityOffice));
    }

    #[test]
    fn a_last_try_names_the_route_a_lock_would_need() {
        let s = steps([ONE, OK3, OK3, ONE]);
        assert_eq!(
            s[0],
            NextStep::AvoidWrongEntry {
                if_locked: Route::KioskReset
            }
        );
        assert_eq!(
            s[3],
            NextStep::AvoidWrongEntry {
                if_locked: Route::CityOffice
            }
        );
        assert_eq!(
            steps([LOCKED, ONE, OK3, OK3])[1],
            NextStep::AvoidWrongEntry {
                if_locked: Route::CityOffice
            }
        );
    }

    #[test]
    fn only_a_missing_sign_pin_means_no_signature_certificate() {
        assert_eq!(
            steps([ABSENT, OK3, OK3, OK3])[0],
            NextStep::SignatureCertificateAtCityOffice
        );
        assert_eq!(steps([OK5, OK3, ABSENT, OK3])[2], NextStep::AskCityOffice);
        assert_eq!(steps([OK5, OK3, OK3, 0x9000])[3], NextStep::ReadAgain);
    }

    #[test]
    fn an_expired_certificate_sends_locked_jpki_pins_to_the_city_office() {
        let expired = |c| {
            guidance_with(&card(c), CertificateValidity::Expired)
                .iter()
                .map(|g| (g.step, g.kiosk_ruled_out_by_expiry()))
                .collect::<Vec<_>>()
        };
        let s = expired([LOCKED, OK3, OK3, OK3]);
        assert_eq!(s[0], (NextStep::Reset(Route::CityOffice), true));
        let s = expired([OK5, LOCKED, LOCKED, OK3]);
        assert_eq!(s[1], (NextStep::Reset(Route::CityOffice), true));
        // juki is the city office's anyway: nothing about the certificate to say.
        assert_eq!(s[2], (NextStep::Reset(Route::CityOffice), false));
        let s = expired([ONE, OK3, OK3, OK3]);
        assert_eq!(
            s[0],
            (
                NextStep::AvoidWrongEntry {
                    if_locked: Route::CityOffice
                },
                true
            )
        );
        assert_eq!(s[1], (NextStep::None, false));
    }

    #[test]
    fn a_valid_or_unknown_certificate_keeps_the_kiosk() {
        for validity in [CertificateValidity::Valid, CertificateValidity::Unknown] {
            let g = guidance_with(&card([LOCKED, OK3, OK3, OK3]), validity);
            assert_eq!(g[0].step, NextStep::Reset(Route::KioskReset));
            assert!(!g[0].kiosk_ruled_out_by_expiry());
            assert_eq!(
                g[0].kiosk_needs_valid_certificate(),
                validity == CertificateValidity::Unknown
            );
        }
        assert_eq!(
            guidance(&card([LOCKED, OK3, OK3, OK3])),
            guidance_with(&card([LOCKED, OK3, OK3, OK3]), CertificateValidity::Unknown)
        );
    }

    #[test]
    fn six_nine_eight_four_is_locked_on_every_pin_and_keeps_the_kiosk() {
        // Sign blocked (69 84) while auth works: the kiosk, as for 63 C0.
        assert_eq!(
            steps([0x6984, OK3, OK3, OK3])[0],
            NextStep::Reset(Route::KioskReset)
        );
        // Blocked is blocked: it cannot vouch for auth at the kiosk either.
        assert_eq!(
            steps([0x6984, ONE, OK3, OK3])[1],
            NextStep::AvoidWrongEntry {
                if_locked: Route::CityOffice
            }
        );
        let s = steps([OK5, 0x6984, 0x6984, 0x6984]);
        assert_eq!(s[1], NextStep::Reset(Route::KioskReset));
        assert_eq!(s[2], NextStep::Reset(Route::CityOffice));
        assert_eq!(s[3], NextStep::Reset(Route::CityOffice));
        assert_eq!(
            guidance(&card([0x6984, OK3, OK3, OK3]))[0].step.reason(),
            Some("locked")
        );
    }

    #[test]
    fn a_card_without_a_sign_pin_is_marked_so_no_kiosk_is_promised() {
        // What a 顔認証マイナンバーカード answers is unknown; "sign not on the card and auth
        // locked" is what one may look like.
        let g = guidance(&card([ABSENT, LOCKED, OK3, OK3]));
        assert_eq!(g[1].step, NextStep::Reset(Route::CityOffice));
        assert!(g.iter().all(|g| g.no_signature_certificate));
        assert!(!guidance(&card([LOCKED, LOCKED, OK3, OK3]))[1].no_signature_certificate);
    }

    #[test]
    fn the_auth_pin_is_reset_at_fewer_chains_than_the_sign_password() {
        let names = |kind| {
            kiosk_stores_for(kind)
                .iter()
                .map(|s| s.en)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(PinKind::Auth),
            [
                "Seven-Eleven",
                "AEON Retail",
                "AEON Hokkaido",
                "AEON Tohoku",
                "Fuji"
            ]
        );
        assert_eq!(names(PinKind::Sign).len(), 9);
        assert!(names(PinKind::Sign).contains(&"Lawson"));
        assert!(!names(PinKind::Auth).contains(&"Lawson"));
        assert!(names(PinKind::Juki).is_empty() && names(PinKind::Kenhojo).is_empty());
    }

    #[test]
    fn the_same_value_hint_needs_another_working_four_digit_pin() {
        let hints = |c| {
            guidance(&card(c))
                .iter()
                .map(|g| g.same_value_hint)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            hints([OK5, LOCKED, OK3, OK3]),
            vec![false, true, false, false]
        );
        assert_eq!(
            hints([OK5, LOCKED, LOCKED, LOCKED]),
            vec![false, false, false, false]
        );
        assert_eq!(hints([LOCKED, OK3, OK3, OK3]), vec![false; 4]);
    }
}
