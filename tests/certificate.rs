//! `jpki certificate show|export KIND` on the virtual card: the four certificates, the sign
//! certificate behind verify-pin's guards, exports that equal the card's bytes, `--out` that
//! never overwrites unasked nor writes through a link, and a `--record` that never holds the
//! sign certificate's bytes.

use crate::util::{jpki, json, on_virtual_card, run, vcard_init, vcard_tries_of, Run};
use jpki_vcard::{
    TEST_AUTH_CA_CERTIFICATE, TEST_AUTH_CERTIFICATE, TEST_SIGN_CA_CERTIFICATE,
    TEST_SIGN_CERTIFICATE,
};
use std::path::Path;

/// `jpki --virtual-card STATE ARGS`.
fn on(state: &Path, args: &[&str], stdin: &str) -> Run {
    on_virtual_card(state, args, stdin)
}

/// A fresh virtual card of `profile` with `tries`, in a folder of its own.
fn card(args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, args);
    (dir, state)
}

/// The DER inside one PEM certificate.
fn pem_der(pem: &str) -> Vec<u8> {
    let (_, der) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    assert_eq!(der.label, "CERTIFICATE");
    der.contents
}

#[test]
fn every_certificate_exports_as_the_card_holds_it_in_pem_and_der() {
    let (dir, state) = card(&[]);
    for (kind, expected, stdin) in [
        ("auth", TEST_AUTH_CERTIFICATE, ""),
        ("auth-ca", TEST_AUTH_CA_CERTIFICATE, ""),
        ("sign-ca", TEST_SIGN_CA_CERTIFICATE, ""),
        ("sign", TEST_SIGN_CERTIFICATE, "ABC123\n"),
    ] {
        let mut args = vec!["certificate", "export", kind];
        if !stdin.is_empty() {
            args.push("--stdin");
        }
        let pem = on(&state, &args, stdin).assert_exit(0);
        assert_eq!(pem_der(&pem.stdout), expected, "{kind}");
        let out = dir.path().join(format!("{kind}.der"));
        let mut der_args = args.clone();
        der_args.extend(["--der", "--out", out.to_str().unwrap()]);
        on(&state, &der_args, stdin).assert_exit(0);
        assert_eq!(std::fs::read(&out).unwrap(), expected, "{kind}");
    }
}

#[test]
fn show_names_the_fields_and_checks_the_chain_on_the_card() {
    let (_dir, state) = card(&[]);
    let shown = on(
        &state,
        &["--today", "2026-12-07", "certificate", "show", "auth"],
        "",
    )
    .assert_exit(0);
    for line in [
        "Certificate: User authentication certificate (auth, EF 00 0A,",
        "Key: RSA 2048 bits",
        "Valid until: 2031-03-31 23:59:59 JST (1575 days left)",
        "Signature: verified with the auth-ca certificate on this card",
        "SHA-256: ",
    ] {
        assert!(shown.stdout.contains(line), "{line}: {}", shown.stdout);
    }
    let ca = on(&state, &["--json", "certificate", "show", "auth-ca"], "").assert_exit(0);
    let v = json(&ca.stdout);
    assert_eq!(v["command"], "certificate");
    assert_eq!(v["certificate"]["signature"]["checked_against"], "auth-ca");
    assert_eq!(v["certificate"]["signature"]["result"], "verified");
    assert_eq!(v["certificate"]["key"]["bits"], 2048);
    let ja = on(
        &state,
        &["--lang", "ja", "certificate", "show", "sign-ca"],
        "",
    )
    .assert_exit(0);
    assert!(
        ja.stdout.contains("署名: 自己署名を検証できました"),
        "{}",
        ja.stdout
    );
}

#[test]
fn the_sign_certificate_asks_for_the_password_and_a_wrong_one_spends_one_try() {
    let (_dir, state) = card(&[]);
    // Without a live VERIFY the card refuses the EF; jpki never reads it without the guard.
    let wrong = on(
        &state,
        &["certificate", "show", "sign", "--stdin"],
        "ABC999\n",
    )
    .assert_exit(13);
    assert!(
        wrong.stderr.contains("4 of 5 tries left"),
        "{}",
        wrong.stderr
    );
    assert!(wrong.stdout.is_empty(), "{}", wrong.stdout);
    assert_eq!(vcard_tries_of(&state, "sign"), Some(4));
    let right = on(
        &state,
        &["--json", "certificate", "show", "sign", "--stdin"],
        "abc123\n",
    )
    .assert_exit(0);
    let v = json(&right.stdout);
    assert_eq!(v["pins"][0]["result"], "verified");
    assert_eq!(v["pins"][0]["tries_left"], 5);
    assert_eq!(v["certificate"]["kind"], "sign");
    assert_eq!(v["certificate"]["signature"]["result"], "verified");
    // A password the card would refuse on format is refused before anything is sent.
    on(
        &state,
        &["certificate", "export", "sign", "--stdin"],
        "abc\n",
    )
    .assert_exit(3);
    assert_eq!(vcard_tries_of(&state, "sign"), Some(5));
}

#[test]
fn the_guard_refuses_the_last_try_a_locked_password_and_a_card_without_one() {
    let (_dir, state) = card(&["--tries", "sign=1"]);
    on(
        &state,
        &["certificate", "export", "sign", "--stdin"],
        "ABC123\n",
    )
    .assert_exit(14);
    assert_eq!(vcard_tries_of(&state, "sign"), Some(1));
    on(
        &state,
        &[
            "certificate",
            "export",
            "sign",
            "--stdin",
            "--allow-last-try",
        ],
        "ABC123\n",
    )
    .assert_exit(0);
    assert_eq!(vcard_tries_of(&state, "sign"), Some(5));
    let (_dir, locked) = card(&["--tries", "sign=0"]);
    on(
        &locked,
        &["certificate", "show", "sign", "--stdin"],
        "ABC123\n",
    )
    .assert_exit(15);
    let (_dir, child) = card(&["--profile", "under-15"]);
    on(
        &child,
        &["certificate", "show", "sign", "--stdin"],
        "ABC123\n",
    )
    .assert_exit(17);
    // The child's card still has the other three.
    on(&child, &["certificate", "show", "sign-ca"], "").assert_exit(0);
    on(&child, &["certificate", "export", "auth"], "").assert_exit(0);
}

#[test]
fn out_never_overwrites_unasked_nor_writes_through_a_link_and_refuses_before_the_card() {
    let (dir, state) = card(&[]);
    let out = dir.path().join("auth.pem");
    std::fs::write(&out, "mine").unwrap();
    let args = [
        "certificate",
        "export",
        "auth",
        "--out",
        out.to_str().unwrap(),
    ];
    let refused = on(&state, &args, "").assert_exit(24);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    let mut forced = args.to_vec();
    forced.push("--force");
    on(&state, &forced, "").assert_exit(0);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    #[cfg(unix)]
    {
        let precious = dir.path().join("precious");
        std::fs::write(&precious, "keep").unwrap();
        let link = dir.path().join("link.pem");
        std::os::unix::fs::symlink(&precious, &link).unwrap();
        // Refused before the password is asked: no try is spent.
        let linked = [
            "certificate",
            "export",
            "sign",
            "--stdin",
            "--force",
            "--out",
            link.to_str().unwrap(),
        ];
        on(&state, &linked, "ABC999\n").assert_exit(24);
        assert_eq!(vcard_tries_of(&state, "sign"), Some(5));
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep");
    }
}

#[test]
fn a_recording_holds_the_sign_certificates_length_never_its_bytes() {
    let (dir, state) = card(&[]);
    let trace = dir.path().join("sign.trace");
    on(
        &state,
        &[
            "--record",
            trace.to_str().unwrap(),
            "certificate",
            "show",
            "sign",
            "--stdin",
        ],
        "ABC123\n",
    )
    .assert_exit(0);
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.contains("< !redacted 256 bytes 90 00"), "{text}");
    assert!(
        text.contains("> 00 20 00 80 06 ?? ?? ?? ?? ?? ??"),
        "{text}"
    );
    // Neither the holder's subject nor the public key is in the trace, in any spelling of hex.
    let spaced: String = text.split_whitespace().collect::<Vec<_>>().join("");
    let (_, sign) = x509_parser::parse_x509_certificate(TEST_SIGN_CERTIFICATE).unwrap();
    for personal in [
        sign.subject().as_raw(),
        sign.public_key().raw,
        sign.signature_value.as_ref(),
    ] {
        let hex = hex::encode_upper(personal);
        assert!(!spaced.contains(&hex), "{hex} is in the trace");
        assert!(
            !spaced.contains(&hex[hex.len() - 40..]),
            "{hex} is in the trace"
        );
    }
    // The sign CA certificate, no one's personal data, is recorded whole.
    assert!(spaced.contains(&hex::encode_upper(&TEST_SIGN_CA_CERTIFICATE[..64])));
    // A replay of it runs: the redacted answers come back as zeros, which are no certificate,
    // so the read stops at the first piece and says so (the exchanges left are not the error).
    let replayed = run(jpki()
        .arg("--replay")
        .arg(&trace)
        .args(["certificate", "export", "sign", "--stdin"])
        .write_stdin("ABC123\n"));
    let replayed = replayed.assert_exit(23);
    assert!(
        replayed
            .stderr
            .contains("the sign certificate (EF 00 01) is not DER"),
        "{}",
        replayed.stderr
    );
}

#[test]
fn an_unknown_kind_is_a_usage_error_that_lists_the_four() {
    let (_dir, state) = card(&[]);
    let unknown = on(&state, &["certificate", "show", "root"], "").assert_exit(2);
    for kind in ["auth", "auth-ca", "sign", "sign-ca"] {
        assert!(unknown.stderr.contains(kind), "{kind}: {}", unknown.stderr);
    }
}
