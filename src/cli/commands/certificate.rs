//! `jpki certificate show|export KIND`: a certificate of the JPKI application, shown or
//! exported. auth, auth-ca and sign-ca are read without a PIN, in one transaction. sign goes
//! through verify-pin's whole run (the counter read first, the guard, one VERIFY never
//! re-sent, hidden prompt or --stdin), and is read in the same transaction as its VERIFY.
//!
//! An `--out` path is checked before the card is touched, so a refusal costs no try.

use crate::cli::certificate_facts::{
    self, facts, time_rfc3339, CertificateError, Curve, Facts, Key, Signature,
};
use crate::cli::commands::open::with_card;
use crate::cli::commands::pin_command::{self, PinRun, Reported};
use crate::cli::commands::verify_pin;
use crate::cli::exit::Exit;
use crate::cli::flags::config::{CertificateOutput, Config, Export, PinOptions};
use crate::cli::io::export::{self, ExportError};
use crate::cli::io::output;
use crate::cli::io::pin_entry::{self, Ask};
use crate::cli::io::pin_entry_error::StdinLayout;
use crate::cli::lang::Lang;
use crate::cli::words::certificate::show_text;
use crate::cli::words::pin_commands::{counter_line, verify_prompt};
use jpki_card::card::certificate::{CertificateKind, CertificateRead};
use jpki_card::card::{
    precheck_verify, read_certificates, read_sign_certificate, Experiment, LastTry, Pin,
    PinCommand, PinKind, PinStatus, SignCertificateReport,
};
use jpki_card::transport::Reader;
use serde_json::{json, Value};
use std::io::IsTerminal;

/// Read the certificate and show or export it.
pub fn run(
    config: &Config,
    kind: CertificateKind,
    output: &CertificateOutput,
    options: PinOptions,
) -> anyhow::Result<Exit> {
    if let CertificateOutput::Export(export) = output {
        check_export(config, export)?;
    }
    let wanted = wanted(kind, output);
    if kind.needs_sign_password() {
        let command = SignCertificate {
            config: config.clone(),
            output: output.clone(),
            also: wanted[1..].to_vec(),
        };
        return pin_command::run(config, &command, options);
    }
    let (reader, reads) = with_card(config, |card| {
        Ok((card.name().to_string(), read_certificates(card, &wanted)?))
    })?;
    let (json, text) = deliver(config, kind, output, &reads)?;
    let object = certificate_object(&reader, Value::Null, output, json);
    if config.json {
        output::print_json(&object)?;
    } else {
        output::print(text)?;
    }
    Ok(Exit::Success)
}

/// The command's JSON object: `pins` (the sign password's check, null for the others), then
/// `certificate` (`show`) or `export`, the other null; `error` is filled in at the end.
fn certificate_object(
    reader: &str,
    pins: Value,
    output: &CertificateOutput,
    delivered: Value,
) -> Value {
    let mut object = output::json_object(Some("certificate"));
    object["reader"] = json!(reader);
    object["pins"] = pins;
    let (shown, exported) = match output {
        CertificateOutput::Show => (delivered, Value::Null),
        CertificateOutput::Export(_) => (Value::Null, delivered),
    };
    object["certificate"] = shown;
    object["export"] = exported;
    object["error"] = Value::Null;
    object
}

/// The certificates to read: `kind`, and for `show` its issuer on the card (a CA certificate
/// is its own).
fn wanted(kind: CertificateKind, output: &CertificateOutput) -> Vec<CertificateKind> {
    let mut kinds = vec![kind];
    if *output == CertificateOutput::Show && kind.issuer() != kind {
        kinds.push(kind.issuer());
    }
    kinds
}

/// What an export may do, decided before the card is touched: never DER onto a terminal,
/// never over a file without --force, never through a link.
fn check_export(config: &Config, export: &Export) -> Result<(), ExportError> {
    match &export.out {
        Some(path) => export::check(path, export.force),
        None if export.der && !config.json && std::io::stdout().is_terminal() => {
            Err(ExportError::BinaryToTerminal)
        }
        None => Ok(()),
    }
}

/// The DER of `kind` among `reads`, or why there is none.
fn der_of(
    reads: &[(CertificateKind, CertificateRead)],
    kind: CertificateKind,
) -> Result<&[u8], CertificateError> {
    match reads.iter().find(|(k, _)| *k == kind) {
        Some((_, CertificateRead::Der(der))) => Ok(der),
        Some((_, CertificateRead::Problem(problem))) => Err(CertificateError {
            kind,
            problem: problem.clone(),
        }),
        None => Err(CertificateError {
            kind,
            problem: jpki_card::card::certificate::CertificateProblem::Empty,
        }),
    }
}

/// Show or export the certificate read: its JSON (the `certificate` object) and its text
/// (`show`'s lines; an export's is empty, its bytes having gone to stdout or the file).
fn deliver(
    config: &Config,
    kind: CertificateKind,
    output: &CertificateOutput,
    reads: &[(CertificateKind, CertificateRead)],
) -> anyhow::Result<(Value, String)> {
    let der = der_of(reads, kind)?;
    match output {
        CertificateOutput::Show => {
            let issuer = der_of(reads, kind.issuer());
            let facts = facts(kind, der, issuer, config.today)?;
            Ok((facts_json(&facts), show_text(&facts, config.lang)))
        }
        CertificateOutput::Export(export) => {
            // Parsed first: what is exported is a certificate, never whatever bytes came.
            certificate_facts::parse(kind, der)?;
            let digest = <sha2::Sha256 as sha2::Digest>::digest(der);
            let pem = export::pem(der);
            let mut json = json!({
                "kind": kind.id(),
                "ef": hex::encode_upper(kind.ef()),
                "format": if export.der { "der" } else { "pem" },
                "out": export.out.as_ref().map(|p| p.display().to_string()),
                "length": der.len(),
                "sha256": hex::encode_upper(digest.as_slice()),
                "data": null,
            });
            let bytes: &[u8] = if export.der { der } else { pem.as_bytes() };
            match &export.out {
                Some(path) => {
                    export::write(path, bytes, export.force, kind.needs_sign_password())?;
                }
                None if config.json && !export.der => json["data"] = json!(pem),
                None if config.json => json["data"] = json!(hex::encode_upper(der)),
                None => output::print(bytes)?,
            }
            Ok((json, String::new()))
        }
    }
}

/// `show`'s `certificate` object.
fn facts_json(facts: &Facts) -> Value {
    let (algorithm, bits, curve) = match &facts.key {
        Key::Rsa(bits) => ("rsa", Some(*bits), None),
        Key::Ec(Curve::Named(name, bits)) => ("ec", Some(*bits), Some(name.to_string())),
        Key::Ec(Curve::Oid(oid)) => ("ec", None, Some(oid.clone())),
        Key::Other(oid) => (oid.as_str(), None, None),
    };
    let problem = match &facts.signature {
        Signature::IssuerUnreadable(e) => {
            json!(e.to_string())
        }
        _ => Value::Null,
    };
    json!({
        "kind": facts.kind.id(),
        "ef": hex::encode_upper(facts.kind.ef()),
        "length": facts.length,
        "subject": facts.subject,
        "issuer": facts.issuer,
        "serial": facts.serial,
        "not_before": time_rfc3339(facts.not_before),
        "not_after": time_rfc3339(facts.not_after),
        "days_left": facts.expiry.days_left,
        "expiry": facts.expiry.state().id(),
        "key": { "algorithm": algorithm, "bits": bits, "curve": curve },
        "sha256": hex::encode_upper(facts.sha256),
        "signature": {
            "checked_against": facts.checked_against.id(),
            "result": facts.signature.id(),
            "problem": problem,
        },
    })
}

/// `certificate show|export sign` in the PIN commands' run: the sign password, checked as
/// verify-pin checks it, and the certificate read right after in the same transaction.
struct SignCertificate {
    config: Config,
    output: CertificateOutput,
    /// Read after the sign certificate: its CA certificate, for `show`.
    also: Vec<CertificateKind>,
}

impl PinRun for SignCertificate {
    type Entry = Pin;
    type Report = SignCertificateReport;

    const COMMAND: PinCommand = PinCommand::Verify;

    fn kinds(&self) -> &[PinKind] {
        &[PinKind::Sign]
    }

    fn read_stdin(&self, _lang: Lang) -> anyhow::Result<Pin> {
        let [typed] = pin_entry::read_stdin(StdinLayout::Pin)?;
        Ok(Pin::new(PinKind::Sign, &typed)?)
    }

    fn counters_text(&self, statuses: &[PinStatus], lang: Lang) -> String {
        statuses
            .iter()
            .find(|s| s.kind == PinKind::Sign)
            .map(|status| format!("{}\n", counter_line(status, lang)))
            .unwrap_or_default()
    }

    fn precheck(&self, statuses: &[PinStatus], last_try: LastTry) -> Option<Self::Report> {
        precheck_verify(PinKind::Sign, statuses, last_try).map(|verify| SignCertificateReport {
            verify,
            certificates: Ok(Vec::new()),
        })
    }

    fn prompt(&self, ask: Ask, lang: Lang) -> anyhow::Result<Pin> {
        let typed = ask(&verify_prompt(PinKind::Sign, lang))?;
        Ok(Pin::new(PinKind::Sign, &typed)?)
    }

    fn send(
        &self,
        reader: &mut dyn Reader,
        pin: Pin,
        last_try: LastTry,
        _experiments: &[Experiment],
    ) -> Self::Report {
        read_sign_certificate(reader, &pin, last_try, &self.also)
    }

    /// The check's report (verify-pin's), then the certificate: the check's words go to
    /// stderr, so stdout holds only what was asked for.
    fn report(
        &self,
        report: Self::Report,
        reader: &str,
        before: &[PinStatus],
        lang: Lang,
    ) -> Reported {
        let mut checked = verify_pin::reported(report.verify, reader, before, lang);
        let pins = checked.json["pins"].take();
        checked.json = certificate_object(reader, pins, &self.output, Value::Null);
        // The check's words go to stderr: stdout is the certificate's (`export > sign.pem`).
        if !self.config.json {
            output::note(&checked.text);
        }
        checked.text = String::new();
        if checked.error.is_some() {
            return checked;
        }
        let delivered = report
            .certificates
            .map_err(anyhow::Error::from)
            .and_then(|reads| deliver(&self.config, CertificateKind::Sign, &self.output, &reads));
        match delivered {
            Ok((json, text)) => {
                let pins = checked.json["pins"].take();
                checked.json = certificate_object(reader, pins, &self.output, json);
                checked.text = text;
            }
            Err(error) => {
                checked.error = Some(error);
                checked.text = String::new();
            }
        }
        checked
    }
}
