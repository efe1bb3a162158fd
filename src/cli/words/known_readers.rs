//! Readers people have, and what public reports say about each: what the holder sees, what
//! fixes it, and where that was reported. `doctor` reads this table to name the fix for the
//! reader it sees; docs/readers.md is this same table, rendered (a test holds the two together).

use crate::cli::lang::Lang;

/// One kind of reader and what is known of it.
pub struct KnownReader {
    /// Its model, as people call it.
    pub model: &'static str,
    /// Parts of the PC/SC name (case-insensitive) that tell it, when PC/SC lists it.
    pub names: &'static [&'static str],
    /// USB vendor and product ids (lower-case hex, an empty product for any of the vendor's)
    /// that tell it when it is plugged in but PC/SC does not list it.
    pub usb: &'static [(&'static str, &'static str)],
    /// What the holder sees (ja, en).
    pub symptom: (&'static str, &'static str),
    /// What to do (ja, en).
    pub fix: (&'static str, &'static str),
    /// Where this was reported: public addresses.
    pub sources: &'static [&'static str],
}

impl KnownReader {
    /// What the holder sees, in `lang`.
    pub fn symptom(&self, lang: Lang) -> &'static str {
        lang.pick(self.symptom.0, self.symptom.1)
    }

    /// What to do, in `lang`.
    pub fn fix(&self, lang: Lang) -> &'static str {
        lang.pick(self.fix.0, self.fix.1)
    }

    /// Whether a reader PC/SC lists under `name` is this one.
    pub fn is_named(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.names.iter().any(|part| name.contains(part))
    }

    /// Whether a USB device of `vendor` and `product` (lower-case hex) is this one.
    pub fn is_usb(&self, vendor: &str, product: &str) -> bool {
        self.usb
            .iter()
            .any(|(v, p)| *v == vendor && (p.is_empty() || *p == product))
    }
}

/// The readers jpki knows something about.
pub const KNOWN_READERS: &[KnownReader] = &[
    KnownReader {
        model: "ACS ACR1251CL-NTTCom and other ACS readers",
        names: &["acr1251", "acr1252", "acr1281"],
        // 072f is Advanced Card Systems' USB vendor id.
        usb: &[("072f", "")],
        symptom: (
            "libccid だけでは PC/SC のリーダーとして一覧に出ない、またはカードが見えないことがあります",
            "with libccid alone it may not be listed as a PC/SC reader, or may not see the card",
        ),
        fix: (
            "ACS のドライバー libacsccid1 を入れてください (sudo apt install libacsccid1)。pcscd が読み込み直すよう、リーダーを挿し直してください",
            "install ACS's driver libacsccid1 (sudo apt install libacsccid1) and plug the reader in again so pcscd loads it",
        ),
        sources: &["http://www.asahi-net.or.jp/~EA7K-SMMR/raspberry-pi-p2.htm"],
    },
    KnownReader {
        model: "Sony RC-S380 (PaSoRi)",
        names: &[],
        usb: &[("054c", "06c1"), ("054c", "06c3")],
        symptom: (
            "Linux では PC/SC のリーダーになりません。CCID を話さず pcsc-lite にドライバーがないため、カーネルの NFC ドライバー port100 が引き受けます",
            "on Linux it is no PC/SC reader: it speaks no CCID and pcsc-lite has no driver for it; the kernel's NFC driver port100 takes it",
        ),
        fix: (
            "PC/SC で使えるリーダーを使ってください。Sony RC-S300、ACS ACR1251CL (libacsccid1)、接触型の SCM SCR3310 などが報告されています",
            "use a reader that works through PC/SC: Sony RC-S300, ACS ACR1251CL (with libacsccid1) or a contact reader such as SCM SCR3310 are reported to",
        ),
        sources: &[
            "https://github.com/torvalds/linux/blob/master/drivers/nfc/port100.c",
            "http://www.asahi-net.or.jp/~EA7K-SMMR/raspberry-pi-p2.htm",
            "https://netlog.jpn.org/r271-635/2022/12/ic_acr1251di.html",
        ],
    },
    KnownReader {
        model: "Sony RC-S300 (PaSoRi)",
        names: &["rc-s300"],
        usb: &[("054c", "0dc8"), ("054c", "0dc9")],
        symptom: (
            "接続しても PC/SC のリーダーとして一覧に出ません (ドライバーがないか古い)",
            "plugged in but not listed as a PC/SC reader (no driver, or an old one)",
        ),
        fix: (
            "pcscd と、新しい版の ccid (Debian では libccid) を入れてください。pcscd を通して使えたという利用者の報告があります",
            "install pcscd and a current ccid (libccid on Debian): users report it working through pcscd",
        ),
        sources: &[
            "https://zenn.dev/compass/articles/39bb050bdaeaaa",
            "https://zenn.dev/k42uma/articles/rc-s300-raspi",
        ],
    },
    KnownReader {
        model: "Readers that refuse extended APDUs (ACS ACR1281 1S Dual and others)",
        names: &[],
        usb: &[],
        symptom: (
            "長い (拡張長の) APDU を送るとドライバーが拒みます (\"cbSendLength = 264 > 255\"、SCARD_E_NOT_TRANSACTED)",
            "a long (extended-length) APDU is refused by the driver (\"cbSendLength = 264 > 255\", SCARD_E_NOT_TRANSACTED)",
        ),
        fix: (
            "jpki は拡張長の APDU を送りません。他のソフトでこのエラーが出る場合は、そのソフトの問題です",
            "jpki sends no extended-length APDU; where another program meets this error, it is that program's",
        ),
        sources: &["https://github.com/acshk/acsccid/issues/42"],
    },
];

/// The rows that apply: a reader of a known kind plugged in (by its USB ids) that PC/SC does
/// not list under any of its names. One that PC/SC lists works, and needs no note.
pub fn readers_seen(listed: &[String], usb: &[(String, String)]) -> Vec<&'static KnownReader> {
    KNOWN_READERS
        .iter()
        .filter(|known| {
            let named = listed.iter().any(|name| known.is_named(name));
            let plugged = usb.iter().any(|(v, p)| known.is_usb(v, p));
            plugged && !named
        })
        .collect()
}

/// The table as docs/readers.md shows it, in English.
#[cfg(test)]
fn markdown_table() -> String {
    let mut table = String::from("| reader | symptom | fix | source |\n|---|---|---|---|\n");
    for known in KNOWN_READERS {
        let sources: Vec<String> = known.sources.iter().map(|s| format!("<{s}>")).collect();
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            known.model,
            known.symptom.1,
            known.fix.1,
            sources.join(", ")
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_readers_md_holds_the_table_doctor_reads() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/readers.md");
        let docs = std::fs::read_to_string(path).unwrap();
        assert!(
            docs.contains(&markdown_table()),
            "docs/readers.md must hold this table:\n{}",
            markdown_table()
        );
    }

    #[test]
    fn a_reader_is_known_by_its_name_or_its_usb_ids() {
        let none: [(String, String); 0] = [];
        let acs_usb = [("072f".to_string(), "221b".to_string())];
        let seen = readers_seen(&[], &acs_usb);
        assert_eq!(seen.len(), 1);
        assert!(seen[0].fix(Lang::En).contains("libacsccid1"));
        // Listed by PC/SC: it works, nothing to say.
        let acs = ["ACS ACR1251 CL Reader [ACR1251 CL Reader PICC] 00 00".to_string()];
        assert!(readers_seen(&acs, &acs_usb).is_empty());
        assert!(readers_seen(&acs, &none).is_empty());
        let rc_s380 = [("054c".to_string(), "06c3".to_string())];
        let seen = readers_seen(&[], &rc_s380);
        assert_eq!(seen[0].model, "Sony RC-S380 (PaSoRi)");
        assert!(readers_seen(&["Virtual PCD 00 00".to_string()], &none).is_empty());
        let rc_s300 = [("054c".to_string(), "0dc9".to_string())];
        assert_eq!(
            readers_seen(&[], &rc_s300)[0].model,
            "Sony RC-S300 (PaSoRi)"
        );
    }
}
