//! Which commands carry a PIN, decided by the harness from the bytes it sees, on its own: not with
//! the library's `carries_pin`, so a library that stopped counting an instruction as a PIN (and
//! then redacted or re-sent it) is still caught counting PINs here.

/// Every INS whose data is a PIN (ISO 7816-4, docs/protocol.md): VERIFY, CHANGE REFERENCE DATA,
/// RESET RETRY COUNTER, CHANGE KEY, and the odd INS of VERIFY, CHANGE REFERENCE DATA and RESET
/// RETRY COUNTER.
const PIN_INS: [u8; 7] = [0x20, 0x24, 0x2C, 0x32, 0x21, 0x25, 0x2D];

/// Whether `command` carries a PIN: one of [`PIN_INS`] with anything past the header and Lc (a
/// header alone, or with an Le, is a counter read).
pub(super) fn carries_pin(command: &[u8]) -> bool {
    matches!(command, [_, ins, _, _, _, _, ..] if PIN_INS.contains(ins))
}

#[test]
fn the_harness_counts_every_pin_instruction_with_data_and_nothing_else() {
    for ins in PIN_INS {
        assert!(
            carries_pin(&[0x00, ins, 0x00, 0x80, 0x01, 0x31]),
            "{ins:02X}"
        );
        assert!(
            carries_pin(&[0x80, ins, 0x00, 0x80, 0x01, 0x31]),
            "{ins:02X}"
        );
        assert!(!carries_pin(&[0x00, ins, 0x00, 0x80]), "{ins:02X}");
        assert!(!carries_pin(&[0x00, ins, 0x00, 0x80, 0x00]), "{ins:02X}");
    }
    for ins in [0xA4, 0xB0, 0xC0, 0x22, 0x23, 0x2E, 0x33] {
        assert!(
            !carries_pin(&[0x00, ins, 0x00, 0x80, 0x01, 0x31]),
            "{ins:02X}"
        );
    }
}
