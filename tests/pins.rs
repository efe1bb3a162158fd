//! `jpki pins`: the four PINs explained without a card, in both languages and in JSON.

use crate::util::{jpki, json, run, Run};

fn pins(args: &[&str]) -> Run {
    // No reader, no trace, no virtual card: nothing is opened.
    run(jpki()
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .args(args))
    .assert_exit(0)
}

#[test]
fn the_four_pins_are_explained_in_english_and_japanese_without_a_card() {
    let Run {
        stdout: en, stderr, ..
    } = pins(&["--lang", "en", "pins"]);
    assert!(stderr.is_empty(), "{stderr}");
    for word in [
        "署名用電子証明書のパスワード",
        "利用者証明用電子証明書の暗証番号",
        "住民基本台帳用暗証番号",
        "券面事項入力補助用暗証番号",
        "e-Tax",
        "マイナポータル",
        "転入の特例",
        "住民票の広域交付",
        "6-16 of A-Z and 0-9",
        "JPKI暗証番号リセット",
        "after a move or a change of name",
        "only at the city office",
        "2026-12-07",
    ] {
        assert!(en.contains(word), "{word}: {en}");
    }
    let Run { stdout: ja, .. } = pins(&["--lang", "ja", "pins"]);
    for word in [
        "形式",
        "試行回数",
        "使う場面",
        "ロックされたら",
        "基本4情報",
        "数字4桁",
    ] {
        assert!(ja.contains(word), "{word}: {ja}");
    }
}

#[test]
fn the_json_names_formats_tries_uses_and_the_kiosk_chains_per_pin() {
    let Run { stdout, .. } = pins(&["--json", "pins"]);
    let v = json(&stdout);
    assert_eq!(v["command"], "pins");
    let ids: Vec<&str> = v["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["sign", "auth", "juki", "kenhojo"]);
    let chains = |i: usize| -> Vec<String> {
        v["pins"][i]["kiosk_stores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(chains(0).contains(&"lawson".to_string()));
    assert_eq!(
        chains(1),
        [
            "seven_eleven",
            "aeon_retail",
            "aeon_hokkaido",
            "aeon_tohoku",
            "fuji"
        ]
    );
    assert!(chains(2).is_empty() && chains(3).is_empty());
    assert_eq!(v["pins"][0]["format"], "password");
    assert_eq!(v["pins"][0]["max_tries"], 5);
    assert_eq!(v["pins"][1]["used_for"][0], "myna_portal_login");
    assert_eq!(v["pins"][2]["reset"], "city_office");
    assert_eq!(v["kiosk_stores_as_of"], "2026-12-07");
}

#[test]
fn pins_refuses_to_record_a_trace_it_would_never_send() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.trace");
    let Run { code, .. } = run(jpki().args(["--record", path.to_str().unwrap(), "pins"]));
    assert_eq!(code, 2);
    assert!(!path.exists());
}
