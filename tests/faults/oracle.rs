//! What jpki must do after each fault, written from the rules (docs/exit-codes.md,
//! docs/protocol.md, the card-protection rules of the developers' guide), not from what the code
//! happens to do: the commands read from their bytes, then one expectation function per command.

use super::injection::Fault;
use super::model::{pin_is, top_is, words, Fact, Outcome};
use jpki_card::transport::trace::Answer;
use jpki_card::transport::trace::Exchange;
use serde_json::json;
use serde_json::Value;

pub(super) fn bytes_of(exchange: &Exchange) -> Vec<u8> {
    exchange.command.0.iter().map(|b| b.unwrap_or(0)).collect()
}

pub(super) const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

pub(super) fn is_select_application(e: &Exchange) -> bool {
    bytes_of(e).starts_with(&[0x00, 0xA4, 0x04])
}

pub(super) fn is_select_file(e: &Exchange) -> bool {
    bytes_of(e).starts_with(&[0x00, 0xA4, 0x02])
}

pub(super) fn is_read_counter(e: &Exchange) -> bool {
    bytes_of(e) == [0x00, 0x20, 0x00, 0x80]
}

/// The PIN a SELECT of an EF or an application (other than JPKI) is about.
pub(super) fn pin_selected_by(e: &Exchange) -> Option<&'static str> {
    let b = bytes_of(e);
    match b.as_slice() {
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x1B] => Some("sign"),
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x18] => Some("auth"),
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x1C] => Some("juki"),
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x11] => Some("kenhojo"),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x04, 0x01] => Some("juki"),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x01, 0x00] => Some("juki"),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x04, 0x08] => Some("kenhojo"),
        _ => None,
    }
}

pub(super) fn due_sw(e: &Exchange) -> Option<u16> {
    match &e.answer {
        Answer::Bytes(b) if b.len() >= 2 => {
            Some(u16::from_be_bytes([b[b.len() - 2], b[b.len() - 1]]))
        }
        _ => None,
    }
}

/// The state `status` shows for a PIN whose SELECT or counter read got `sw` (written here from
/// docs/protocol.md, not taken from the library).
pub(super) fn state_after(sw: u16, probe: bool) -> &'static str {
    match sw {
        0x6A82 => "not_issued",
        0x6983 | 0x6984 | 0x63C0 if probe => "locked",
        0x63C1 if probe => "last_try",
        0x63C2..=0x63CF if probe => "ok",
        _ => "error",
    }
}

// ---------------------------------------------------------------------------------------------
// Expectations

/// Removed or reset: stderr says which (in English or Japanese: the "status ja" case).
pub(super) fn gone(fault: &Fault) -> Vec<String> {
    words(&[if *fault == Fault::Removed {
        "removed|取り外されました"
    } else {
        "reset|リセットされました"
    }])
}

pub(super) const MALFORMED: &[&str] = &["malformed|応答が壊れています"];
pub(super) const NOT_MY_NUMBER: &str = "not a my number card|マイナンバーカードではありません";

/// A stop with no JSON facts to check.
pub(super) fn stop(exit: i32, says: Vec<String>) -> Outcome {
    Outcome::Stop {
        exit,
        says,
        facts: Vec::new(),
    }
}

/// Go on with the whole rest of the base exchange.
pub(super) fn go_on(facts: Vec<Fact>) -> Outcome {
    Outcome::Continue {
        skip: 0,
        exit: 0,
        facts,
    }
}

/// The status word a fault answers, or `None` for a lost card or an answer without one.
pub(super) fn fault_sw(fault: &Fault) -> Option<u16> {
    match fault {
        Fault::Answer(bytes) if bytes.len() >= 2 => Some(u16::from_be_bytes([bytes[0], bytes[1]])),
        _ => None,
    }
}

/// The application a step of a counter exchange is in: the last SELECT of an application at or
/// before it.
pub(super) fn application_of(base: &[Exchange], k: usize) -> Option<usize> {
    (0..=k).rev().find(|&i| is_select_application(&base[i]))
}

/// Which of the juki PIN's key references a SELECT of an application names: 0 for the 住基 AP,
/// 1 for the 共通 AP.
pub(super) fn juki_key_of(e: &Exchange) -> Option<usize> {
    match bytes_of(e).as_slice() {
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x04, 0x01] => Some(0),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x01, 0x00] => Some(1),
        _ => None,
    }
}

/// A key reference's counter as `status` reads it: its state word and tries, written here from
/// docs/protocol.md.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct KeyState {
    pub(super) state: &'static str,
    pub(super) tries: Option<u16>,
}

pub(super) fn key_state(sw: u16, probe: bool) -> KeyState {
    let state = state_after(sw, probe);
    let tries = match state {
        "ok" | "last_try" => Some(sw & 0x0F),
        "locked" => Some(0),
        _ => None,
    };
    KeyState { state, tries }
}

/// The juki key reference `key`'s counter in the base trace.
pub(super) fn juki_key_in_base(base: &[Exchange], key: usize) -> KeyState {
    let Some(mut select) = base.iter().position(|e| juki_key_of(e) == Some(key)) else {
        return key_state(0x6A82, false);
    };
    if due_sw(&base[select]) != Some(0x9000) {
        return key_state(due_sw(&base[select]).unwrap_or(0), false);
    }
    // Plain status reads the card information between SELECT 共通 AP and its PIN EF.
    while base
        .get(select + 1)
        .is_some_and(|e| card_info_step(e).is_some())
    {
        select += 1;
    }
    if due_sw(&base[select + 1]) != Some(0x9000) {
        return key_state(due_sw(&base[select + 1]).unwrap_or(0), false);
    }
    key_state(due_sw(&base[select + 2]).unwrap_or(0), true)
}

/// The juki PIN's state from its two key references (docs/protocol.md: the lower): locked beats
/// everything, then an unreadable one, then the smaller number; one not on the card leaves
/// the other alone.
pub(super) fn lower_of(a: KeyState, b: KeyState) -> &'static str {
    let states = [a.state, b.state];
    if states.contains(&"locked") {
        return "locked";
    }
    if states.contains(&"error") {
        return "error";
    }
    match [a.tries, b.tries].into_iter().flatten().min() {
        None => "not_issued",
        Some(1) => "last_try",
        Some(_) => "ok",
    }
}

/// What `status` must show for the PIN a faulted step is about: its state, and for the juki
/// PIN the key reference's own state and the lower of the two.
pub(super) fn state_facts(
    base: &[Exchange],
    k: usize,
    pin: &'static str,
    now: KeyState,
) -> Vec<Fact> {
    let Some(key) = application_of(base, k).and_then(|a| juki_key_of(&base[a])) else {
        return vec![pin_is(pin, "/state", now.state)];
    };
    let other = juki_key_in_base(base, 1 - key);
    let pointer = if key == 0 {
        "/key_refs/0/state"
    } else {
        "/key_refs/1/state"
    };
    vec![
        pin_is("juki", pointer, now.state),
        pin_is("juki", "/state", lower_of(now, other)),
    ]
}

/// `status`: a lost card stops it, and so does an answer too short to hold a status word to
/// SELECT of the JPKI application; any other answer (a status word, or none, at another step)
/// only costs the key reference it was about, and the exchange goes on.
pub(super) fn status_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    let step = &base[k];
    let sw = match fault {
        Fault::Removed | Fault::Reset => return stop(9, gone(fault)),
        Fault::Answer(bytes)
            if bytes.len() < 2
                && is_select_application(step)
                && bytes_of(step)[5..].starts_with(&JPKI_AID) =>
        {
            return stop(12, words(MALFORMED))
        }
        // No status word: unreadable, as a status word jpki does not know.
        Fault::Answer(bytes) if bytes.len() < 2 => 0x6F00,
        // Only the status word counts; extra data changes nothing.
        Fault::Padded(_) => return go_on(Vec::new()),
        Fault::Answer(bytes) => u16::from_be_bytes([bytes[0], bytes[1]]),
    };
    let due = due_sw(step);
    if is_select_application(step) && bytes_of(step)[5..].starts_with(&JPKI_AID) {
        return stop(8, words(&[NOT_MY_NUMBER]));
    }
    let now_succeeds = sw == 0x9000 && due != Some(0x9000);
    if is_select_application(step) {
        if now_succeeds {
            return Outcome::Proceeds;
        }
        // Its PINs' SELECT and counter read are skipped, up to the next application.
        let skip = base[k + 1..]
            .iter()
            .take_while(|e| !is_select_application(e))
            .count();
        let pin = pin_selected_by(step).expect("a known application");
        return Outcome::Continue {
            skip,
            exit: 0,
            facts: state_facts(base, k, pin, key_state(sw, false)),
        };
    }
    if is_select_file(step) {
        if now_succeeds {
            return Outcome::Proceeds;
        }
        let pin = pin_selected_by(step).expect("a known PIN file");
        // Its counter read is skipped (the base has none when its SELECT was due to fail).
        let skip = base[k + 1..]
            .iter()
            .take_while(|e| is_read_counter(e))
            .count();
        return Outcome::Continue {
            skip,
            exit: 0,
            facts: state_facts(base, k, pin, key_state(sw, false)),
        };
    }
    // The counter read: the PIN is the one its SELECT named.
    let pin = pin_selected_by(&base[k - 1]).expect("a counter read follows its SELECT");
    go_on(state_facts(base, k, pin, key_state(sw, true)))
}
pub(super) fn is_read_binary(e: &Exchange) -> bool {
    bytes_of(e).starts_with(&[0x00, 0xB0])
}

/// The EF a SELECT of a file names.
pub(super) fn file_selected_by(e: &Exchange) -> Option<[u8; 2]> {
    match bytes_of(e).as_slice() {
        [0x00, 0xA4, 0x02, _, 0x02, hi, lo] => Some([*hi, *lo]),
        _ => None,
    }
}

pub(super) const TOKEN_EF: [u8; 2] = [0x00, 0x06];
pub(super) const AUTH_CERTIFICATE_EF: [u8; 2] = [0x00, 0x0A];

/// The data EF (token or auth certificate) whose SELECT or READ BINARY step `k` is, and the
/// index of that SELECT.
pub(super) fn data_file_step(base: &[Exchange], k: usize) -> Option<([u8; 2], usize)> {
    let select = (0..=k).rev().find(|&i| !is_read_binary(&base[i]))?;
    let ef = file_selected_by(&base[select])?;
    [TOKEN_EF, AUTH_CERTIFICATE_EF]
        .contains(&ef)
        .then_some((ef, select))
}

/// The 共通 AP's card-information EF (00 01), read by plain `status` for the card's expiry.
pub(super) const CARD_INFO_EF: [u8; 2] = [0x00, 0x01];

/// Whether step `e` is a card-information read: `Some(false)` for its SELECT, `Some(true)` for
/// READ RECORD 1.
fn card_info_step(e: &Exchange) -> Option<bool> {
    if file_selected_by(e) == Some(CARD_INFO_EF) {
        return Some(false);
    }
    bytes_of(e).starts_with(&[0x00, 0xB2]).then_some(true)
}

/// Plain `status`: the card's expiry is an extra too. Whatever the card answers to its SELECT or
/// READ RECORD is `card_expiry.error` (and `sw`), never a failed run, and the counters are read
/// all the same; bytes past the record's own length change nothing.
fn card_info_outcome(base: &[Exchange], k: usize, is_read: bool, fault: &Fault) -> Outcome {
    if matches!(fault, Fault::Removed | Fault::Reset) {
        return stop(9, gone(fault));
    }
    let mut facts: Vec<Fact> = ["sign", "auth", "juki", "kenhojo"]
        .map(|id| pin_is(id, "/state", "ok"))
        .into();
    let sw = fault_sw(fault);
    if matches!(fault, Fault::Padded(_)) || (!is_read && sw == Some(0x9000)) {
        facts.push(top_is("/card_expiry/date", "2036-03-31"));
        return go_on(facts);
    }
    let error = match sw {
        Some(0x9000) => "not_the_layout",
        Some(_) => "refused",
        None => "malformed",
    };
    facts.push(top_is("/card_expiry/error", error));
    if let Some(sw) = sw.filter(|sw| *sw != 0x9000) {
        facts.push(top_is("/card_expiry/sw", format!("{sw:04X}")));
    }
    // A failed SELECT: its READ RECORD is not sent.
    let skip = usize::from(!is_read && card_info_step(&base[k + 1]) == Some(true));
    Outcome::Continue {
        skip,
        exit: 0,
        facts,
    }
}

/// Plain `status`: the token and the auth certificate are extras. Whatever the card answers to
/// them (a refusal, a lie, an answer without a status word) is reported in their JSON fields and
/// the counters are read all the same (exit 0, docs/exit-codes.md); only a lost card stops it.
/// Extra bytes beyond what a READ BINARY asked for are dropped, as the certificate reader
/// documents, so 300 extra bytes change nothing. Steps outside the extras follow `status`.
pub(super) fn plain_status_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    if let Some(is_read) = card_info_step(&base[k]) {
        return card_info_outcome(base, k, is_read, fault);
    }
    let Some((ef, select)) = data_file_step(base, k) else {
        return status_outcome(base, k, fault);
    };
    if matches!(fault, Fault::Removed | Fault::Reset) {
        return stop(9, gone(fault));
    }
    let sw = fault_sw(fault);
    // 67 00 to a READ BINARY of more than 32 bytes (Le = 00 is 256): the reader may not take
    // answers that long, so jpki asks again for shorter pieces (no PIN is involved). The trace
    // holds no such command: the replay says it diverged, and that is the run's end.
    let le = bytes_of(&base[k]).get(4).copied();
    if sw == Some(0x6700) && matches!(le, Some(0) | Some(33..)) {
        return stop(11, words(&["replay diverged"]));
    }
    // A failed step ends this file's reads: the READ BINARYs left for it are not sent.
    let skip = base[k + 1..]
        .iter()
        .take_while(|e| is_read_binary(e))
        .count();
    // The counters are read all the same.
    let mut facts: Vec<Fact> = ["sign", "auth", "juki", "kenhojo"]
        .map(|id| pin_is(id, "/state", "ok"))
        .into();
    if matches!(fault, Fault::Padded(_)) {
        facts.extend([
            top_is("/card_kind", "my_number_card"),
            top_is("/auth_certificate/state", "valid"),
        ]);
        return go_on(facts);
    }
    if ef == TOKEN_EF {
        // 90 00 with no data is an empty token, which names no kind jpki knows.
        let (kind, token) = match sw {
            Some(0x9000) => ("not_jpki", json!("")),
            _ => ("unreadable", Value::Null),
        };
        facts.extend([
            top_is("/card_kind", kind),
            top_is("/token", token),
            // The token's failure does not keep the certificate from being read.
            top_is("/auth_certificate/state", "valid"),
        ]);
    } else {
        // 90 00 with no data: the header read gets no header, a later chunk no bytes.
        let problem = match sw {
            Some(0x9000) if k == select + 1 => "bad_header",
            Some(0x9000) => "truncated",
            Some(_) => "refused",
            None => "malformed",
        };
        facts.extend([
            top_is("/card_kind", "my_number_card"),
            top_is("/auth_certificate/error", problem),
        ]);
        if let Some(sw) = sw.filter(|sw| *sw != 0x9000) {
            facts.push(top_is("/auth_certificate/sw", format!("{sw:04X}")));
        }
    }
    Outcome::Continue {
        skip,
        exit: 0,
        facts,
    }
}

/// What a faulted probe (`readers`, `doctor`: SELECT JPKI AP, SELECT token EF, READ BINARY of
/// the token) must end in: `Err(words)` when the probe fails and sends nothing more (a lost
/// card, an answer without a status word or another status word to the SELECT of the JPKI AP:
/// not a My Number card), or `Ok((skip, kind))` when it reads on and reports the card kind the
/// token rules give (as for plain `status`): the READ BINARY skipped after a failed SELECT,
/// `unreadable` for a refusal or an answer without a status word, `not_jpki` for 90 00 with no
/// token, extra bytes ignored past Le.
pub(super) fn probe_result(k: usize, fault: &Fault) -> Result<(usize, &'static str), Vec<String>> {
    match fault {
        Fault::Removed | Fault::Reset => return Err(gone(fault)),
        Fault::Padded(_) => return Ok((0, "my_number_card")),
        _ => {}
    }
    let sw = fault_sw(fault);
    if k == 0 {
        return Err(match sw {
            None => words(&["malformed"]),
            Some(_) => words(&["not a my number card"]),
        });
    }
    Ok(match (k, sw) {
        (1, _) => (1, "unreadable"),
        (_, Some(0x9000)) => (0, "not_jpki"),
        _ => (0, "unreadable"),
    })
}

/// `readers --json`: the probe's failure is reported on its reader (`probe_error`, no
/// `card_kind`), never fatal: exit 0 whatever the card does.
pub(super) fn readers_json_outcome(_: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    match probe_result(k, fault) {
        Err(says) => Outcome::Stop {
            exit: 0,
            says,
            facts: vec![top_is("/readers/0/card_kind", Value::Null)],
        },
        Ok((skip, kind)) => Outcome::Continue {
            skip,
            exit: 0,
            facts: vec![top_is("/readers/0/card_kind", kind)],
        },
    }
}

/// `readers`: as with `--json`; the table says "unknown kind" only for a card without the JPKI
/// application, and "not read" with the reason for any other failed probe.
pub(super) fn readers_text_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    match readers_json_outcome(base, k, fault) {
        Outcome::Stop { exit, says, facts } => Outcome::Stop {
            exit,
            says: if says[0].contains("not a my number card") {
                words(&["unknown kind"])
            } else {
                words(&["not read"]).into_iter().chain(says).collect()
            },
            facts,
        },
        other => other,
    }
}

/// `doctor`: a failed probe fails the `jpki_application` check with the reason and a fix, a
/// token that names no JPKI card it knows fails the `token` check; either is exit 19
/// (docs/exit-codes.md). Extra bytes change nothing: exit 0.
pub(super) fn doctor_outcome(_: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    match probe_result(k, fault) {
        Err(mut says) => {
            says.push(
                if says[0].contains("not a my number card") {
                    "does not look like a my number card"
                } else if *fault == Fault::Reset {
                    // A reset is another program's (or the reader's) doing: the card is there.
                    "close any other program using the card"
                } else {
                    "put the card back on the reader"
                }
                .to_string(),
            );
            Outcome::Stop {
                exit: 19,
                says,
                facts: vec![
                    top_is("/ok", false),
                    top_is("/checks/3/id", "jpki_application"),
                    top_is("/checks/3/ok", false),
                ],
            }
        }
        Ok((_, "my_number_card")) => go_on(vec![top_is("/ok", true)]),
        Ok((skip, _)) => Outcome::Continue {
            skip,
            exit: 19,
            facts: vec![
                top_is("/ok", false),
                top_is("/checks/4/id", "token"),
                top_is("/checks/4/ok", false),
            ],
        },
    }
}

pub(super) fn is_pin_verify(e: &Exchange) -> bool {
    bytes_of(e).len() > 4 && bytes_of(e).starts_with(&[0x00, 0x20])
}

/// CHANGE REFERENCE DATA (00 24) or CHANGE KEY (80 32).
pub(super) fn is_change(e: &Exchange) -> bool {
    let b = bytes_of(e);
    b.starts_with(&[0x00, 0x24]) || b.starts_with(&[0x80, 0x32])
}

/// One key reference of a change-pin or verify-pin base trace: its PIN, where its guard (SELECT
/// AP, SELECT EF, counter) sits, and where its act (SELECT AP and EF when selected again,
/// VERIFY, then the change command of a change) starts.
#[derive(Debug, Clone)]
pub(super) struct Key {
    pub(super) pin: &'static str,
    /// Its place among its PIN's key references (the juki PIN has two).
    pub(super) nth: usize,
    pub(super) guard: usize,
    pub(super) act: usize,
    pub(super) reselects: bool,
    pub(super) changes: bool,
}

impl Key {
    /// The index of its VERIFY with the PIN.
    fn verify(&self) -> usize {
        self.act + if self.reselects { 2 } else { 0 }
    }
}

/// The key references of a base trace, read from its two phases (docs/protocol.md, "Changing
/// a PIN"): the guard's triples first, then one act per key reference in the same order.
pub(super) fn plan(base: &[Exchange]) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::new();
    let mut i = 0;
    while i + 2 < base.len()
        && is_select_application(&base[i])
        && is_select_file(&base[i + 1])
        && is_read_counter(&base[i + 2])
    {
        let pin = pin_selected_by(&base[i + 1]).expect("a PIN EF");
        let nth = keys.iter().filter(|k| k.pin == pin).count();
        keys.push(Key {
            pin,
            nth,
            guard: i,
            act: 0,
            reselects: false,
            changes: false,
        });
        i += 3;
    }
    for key in &mut keys {
        key.act = i;
        key.reselects = is_select_application(&base[i]);
        i = key.verify() + 1;
        key.changes = base.get(i).is_some_and(is_change);
        if key.changes {
            i += 1;
        }
    }
    assert_eq!(
        i,
        base.len(),
        "the base trace is a guard and an act per key reference"
    );
    keys
}

/// The PINs of a plan, in order.
pub(super) fn pins_of(keys: &[Key]) -> Vec<&'static str> {
    let mut pins: Vec<&'static str> = Vec::new();
    for key in keys {
        if !pins.contains(&key.pin) {
            pins.push(key.pin);
        }
    }
    pins
}

/// The base exchanges jpki sends after its guard found key reference `absent` not on the card
/// at step `k`: the rest of the guard, then the act of every other key reference, selecting
/// again only when another EF was selected last (a failed SELECT leaves none selected).
pub(super) fn sent_without(base: &[Exchange], keys: &[Key], absent: usize, k: usize) -> Vec<usize> {
    let mut sent: Vec<usize> = (k + 1..keys[absent].guard + 3)
        .filter(|&i| i < base.len() && !is_read_counter(&base[i]) && !is_select_file(&base[i]))
        .collect();
    for key in &keys[absent + 1..] {
        sent.extend(key.guard..key.guard + 3);
    }
    let mut selected = (absent != keys.len() - 1).then_some(keys.len() - 1);
    for (j, key) in keys.iter().enumerate().filter(|(j, _)| *j != absent) {
        if selected != Some(j) {
            sent.extend([key.guard, key.guard + 1]);
        }
        selected = Some(j);
        sent.push(key.verify());
        if key.changes {
            sent.push(key.verify() + 1);
        }
    }
    sent
}

/// Which command a base trace is of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum PinRun {
    Change,
    Verify,
}

/// The JSON facts of a run stopped at PIN `at` with `result` and the flag `changed` (change)
/// or `verified` (verify). In a change, the PINs before it changed when the stop came after
/// the guard, and none did when the guard refused; the later ones were not attempted.
pub(super) fn stop_facts(
    run: PinRun,
    pins: &[&'static str],
    at: usize,
    after_guard: bool,
    result: &'static str,
    flag: Value,
) -> Vec<Fact> {
    if run == PinRun::Verify {
        return vec![
            pin_is(pins[at], "/result", result),
            pin_is(pins[at], "/verified", flag),
        ];
    }
    let mut facts = Vec::new();
    for (i, id) in pins.iter().enumerate() {
        let (result, changed) = match i.cmp(&at) {
            std::cmp::Ordering::Less if after_guard => ("changed", json!(true)),
            std::cmp::Ordering::Equal => (result, flag.clone()),
            _ => ("not_attempted", json!(false)),
        };
        facts.push(pin_is(id, "/result", result));
        facts.push(pin_is(id, "/changed", changed));
    }
    facts
}

/// Every PIN done: changed, or verified.
pub(super) fn all_done(run: PinRun, pins: &[&'static str]) -> Vec<Fact> {
    pins.iter()
        .flat_map(|id| match run {
            PinRun::Change => [
                pin_is(id, "/result", "changed"),
                pin_is(id, "/changed", true),
            ],
            PinRun::Verify => [
                pin_is(id, "/result", "verified"),
                pin_is(id, "/verified", true),
            ],
        })
        .collect()
}

/// `change-pin --stdin`, from the card-protection rules and docs/exit-codes.md.
pub(super) fn change_pin_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    pin_run_outcome(PinRun::Change, base, k, fault)
}

/// `verify-pin --stdin`: the same rules without a change command.
pub(super) fn verify_pin_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    pin_run_outcome(PinRun::Verify, base, k, fault)
}

/// `change-pin` and `verify-pin`, from the card-protection rules and docs/exit-codes.md:
///
/// - the guard (SELECT AP, SELECT EF, counter read of every key reference, before any PIN is
///   sent): a lost card is exit 9; 6A 82 on the JPKI AP means "not a My Number card" (8); 6A 82
///   on another application, its EF or its counter read means that key reference is not on the
///   card: a PIN with another key reference (juki) goes on with it, else exit 17; a locked
///   counter (63 C0, 69 83, 69 84) is 15; one try left is 14; two or more go on; any other
///   answer, or one without a status word, is 12. In every one of these no PIN is sent and
///   nothing changes.
/// - the act (SELECT AP and EF again, VERIFY carrying the PIN, then the change command): a
///   SELECT answering anything but 90 00 is 12 (a lost card 9); at or after the VERIFY a lost
///   card, or an answer without a status word, is 16 (the try may have been counted; run `jpki
///   status`). 63 Cx to the VERIFY is a wrong PIN (13), 69 83 / 69 84 locked (15), any other
///   status word 12; to the change command, anything but 90 00 is a refusal (12).
/// - a change stopped at the juki PIN's second key reference, the first having taken the new
///   PIN, is partly changed: exit 21, whatever stopped it.
/// - 300 extra bytes before the status word change nothing: the run goes on and succeeds.
///
/// After a stop the faulted trace ends, so any retry of a PIN-bearing command (or any command at
/// all) runs past its end and fails the replay with exit 11, never the expected code: that is how
/// "never retry a command that carries a PIN" is proven here.
pub(super) fn pin_run_outcome(run: PinRun, base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    let keys = plan(base);
    let pins = pins_of(&keys);
    if matches!(fault, Fault::Padded(_)) {
        return go_on(all_done(run, &pins));
    }
    let step = &base[k];
    let in_guard = k < keys[0].act;
    let j = if in_guard {
        keys.iter().rposition(|key| key.guard <= k)
    } else {
        keys.iter().rposition(|key| key.act <= k)
    }
    .expect("a key reference's step");
    let key = &keys[j];
    let at = pins.iter().position(|p| *p == key.pin).expect("its PIN");
    let partly = run == PinRun::Change && !in_guard && key.nth > 0;
    let ends = |exit: i32, says: &[&str], result: &'static str, flag: Value| {
        if partly {
            let mut said = words(says);
            said.push("only partly changed".to_string());
            return Outcome::Stop {
                exit: 21,
                says: said,
                facts: stop_facts(run, &pins, at, true, "partly_changed", Value::Null),
            };
        }
        Outcome::Stop {
            exit,
            says: words(says),
            facts: stop_facts(run, &pins, at, !in_guard, result, flag),
        }
    };
    let with_tries = |mut outcome: Outcome, tries: Value| {
        if let Outcome::Stop { facts, .. } = &mut outcome {
            facts.push(pin_is(pins[at], "/tries_left", tries));
        }
        outcome
    };
    // A key reference found missing: the PIN's other one carries the run, if it has one.
    let absent = || {
        if keys.iter().filter(|other| other.pin == key.pin).count() == 1 {
            return ends(17, &["this card has no"], "not_issued", json!(false));
        }
        let mut facts = all_done(run, &pins);
        let pointer = if key.nth == 0 {
            "/key_refs/0/result"
        } else {
            "/key_refs/1/result"
        };
        facts.push(pin_is(key.pin, pointer, "not_on_card"));
        Outcome::ContinueWith {
            rest: sent_without(base, &keys, j, k),
            exit: 0,
            facts,
        }
    };
    let pin_sent = is_pin_verify(step) || is_change(step);
    let Some(sw) = fault_sw(fault) else {
        return match (fault, pin_sent) {
            (Fault::Removed | Fault::Reset, false) => {
                ends(9, &gone_words(fault), "error", json!(false))
            }
            (_, false) => ends(12, MALFORMED, "error", json!(false)),
            (_, true) => ends(
                16,
                &["may have been counted", "jpki status"],
                "outcome_unknown",
                Value::Null,
            ),
        };
    };
    if in_guard {
        let position = k - key.guard;
        // The tries the PIN shows when its guard refused here: 0 when locked; else this key
        // reference's count (the earlier ones of its PIN read 63 C3 in every base), or unknown
        // while a later key reference of the PIN is not read yet.
        let tries = |left: u16| {
            let later_unread = keys[j + 1..].iter().any(|other| other.pin == key.pin);
            if left == 0 || !later_unread {
                json!(left)
            } else {
                Value::Null
            }
        };
        return match (position, sw) {
            (0, _) if bytes_of(step)[5..].starts_with(&JPKI_AID) => {
                ends(8, &[NOT_MY_NUMBER], "error", json!(false))
            }
            (_, 0x6A82) => absent(),
            (0 | 1, _) => ends(12, &["stopped"], "error", json!(false)),
            (_, 0x63C0 | 0x6983 | 0x6984) => with_tries(
                ends(15, &["locked", "no pin was sent"], "locked", json!(false)),
                tries(0),
            ),
            (_, 0x63C1) => with_tries(
                ends(
                    14,
                    &["one try left", "nothing was sent"],
                    "last_try_refused",
                    json!(false),
                ),
                tries(1),
            ),
            (_, 0x63C2..=0x63CF) => go_on(all_done(run, &pins)),
            _ => ends(12, &["stopped"], "error", json!(false)),
        };
    }
    if is_select_application(step) || is_select_file(step) {
        return ends(12, &["stopped"], "error", json!(false));
    }
    if is_pin_verify(step) {
        return match sw {
            0x63C0..=0x63CF => with_tries(
                ends(13, &["is wrong"], "wrong_pin", json!(false)),
                json!(sw & 0xF),
            ),
            0x6983 | 0x6984 => with_tries(ends(15, &["locked"], "locked", json!(false)), json!(0)),
            _ => ends(12, &["stopped"], "error", json!(false)),
        };
    }
    assert!(is_change(step), "a change-pin step: {step:?}");
    ends(12, &["refused the new"], "change_rejected", json!(false))
}

/// The words of a lost card, as plain strings (`gone` lower-cases them already).
pub(super) fn gone_words(fault: &Fault) -> Vec<&'static str> {
    vec![if *fault == Fault::Removed {
        "removed|取り外されました"
    } else {
        "reset|リセットされました"
    }]
}
