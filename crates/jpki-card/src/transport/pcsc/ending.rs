//! How jpki lets go of the card, at the end of a PC/SC transaction and when it disconnects.
//!
//! When no PIN was sent the card is left as it was found (`SCARD_LEAVE_CARD`): another program's
//! selection and verified PINs stand. After a PIN, nothing it unlocked may outlive jpki. The one
//! public measurement (soltia48/myna-card, `src/transport/pcsc.rs`, `power_cycle`) says a warm
//! reset does not clear the card's verified state and neither does reconnecting; only the card
//! leaving the field does. So the end after a PIN first selects the GlobalPlatform Issuer
//! Security Domain's default AID, which returns the card to the DF it powers up in and which one
//! source says clears the application's verified state (soltia48/myna-sign, README), then ends
//! with `SCARD_UNPOWER_CARD`, the end every source agrees clears it. docs/protocol.md has the
//! sources.

use crate::apdu::secret;

/// SELECT by DF name of the GlobalPlatform Issuer Security Domain's default AID, `A0 00 00 01 51
/// 00 00`, no FCI back: the DF the card is in when powered up (soltia48/myna-card `src/ap/mod.rs`
/// `DEFAULT_DF`; soltia48/myna-sign sends it at close). `00 A4 00 00` (select the MF) is no
/// substitute: myna-card measured it leaving the current application selected.
pub const SELECT_ISSUER_SECURITY_DOMAIN: [u8; 12] = [
    0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00,
];

/// How the card is let go of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Leave the card powered, its selection and security state as they are: no PIN was sent.
    Leave,
    /// Select the Issuer Security Domain (whatever it answers), then power the card down: a PIN
    /// was sent, or a panic left nothing known about what was.
    SelectAwayAndUnpower,
}

/// How to let go of the card: leave it unless a PIN was sent since it was last powered down, or
/// a panic is unwinding (nothing then says what was sent). Powering down logs out every program
/// sharing the card (their next command gets SCARD_W_RESET_CARD), so it is kept for the case
/// where it protects the holder.
pub(crate) fn ending(pin_sent: PinSent, unwinding: bool) -> Ending {
    if pin_sent.0 || unwinding {
        Ending::SelectAwayAndUnpower
    } else {
        Ending::Leave
    }
}

impl Ending {
    /// The command sent before letting go, if any.
    pub fn select_away(self) -> Option<&'static [u8]> {
        match self {
            Ending::Leave => None,
            Ending::SelectAwayAndUnpower => Some(&SELECT_ISSUER_SECURITY_DOMAIN),
        }
    }

    /// The PC/SC disposition it ends with.
    pub fn disposition(self) -> pcsc::Disposition {
        match self {
            Ending::Leave => pcsc::Disposition::LeaveCard,
            Ending::SelectAwayAndUnpower => pcsc::Disposition::UnpowerCard,
        }
    }
}

/// Whether a PIN has crossed to the card since it was last powered down: the input of
/// [`ending`]. It is kept by the reader across its transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PinSent(bool);

impl PinSent {
    /// Nothing sent yet: a card just connected to is taken as it is found.
    pub(crate) fn new() -> PinSent {
        PinSent(false)
    }

    /// Note a command on its way to the card (before it is sent: a PIN in flight counts).
    pub(crate) fn note(&mut self, command: &[u8]) {
        self.0 |= secret::carries_pin(command);
    }

    /// What is known after letting go with `ending`, which went through or (`ended` false)
    /// failed. Only a power-down that went through undoes what a PIN unlocked; a failed one
    /// leaves the flag set, so the disconnect powers the card down again.
    pub(crate) fn after(self, ending: Ending, ended: bool) -> PinSent {
        match ending {
            Ending::SelectAwayAndUnpower if ended => PinSent(false),
            _ => self,
        }
    }
}

/// A PC/SC handle jpki lets go of: a transaction (ended) or a connection (disconnected).
pub(crate) trait Held {
    /// Why letting go failed.
    type Error;
    /// Send one command for its effect alone: its answer, or its failure, changes nothing.
    fn send(&self, command: &[u8]);
    /// Let go with `how`.
    fn release(self, how: pcsc::Disposition) -> Result<(), Self::Error>;
}

/// Let go of `held` as `ending` says: the select-away first when there is one, and then the
/// release, whatever the select answered or however it failed.
pub(crate) fn let_go<H: Held>(ending: Ending, held: H) -> Result<(), H::Error> {
    if let Some(command) = ending.select_away() {
        held.send(command);
    }
    held.release(ending.disposition())
}

/// Let go of `held` as [`ending`] decides from `pin_sent` and `unwinding`, and update `pin_sent`
/// to what is known afterwards: the whole end of a transaction, and of a connection.
pub(crate) fn let_go_noting<H: Held>(
    pin_sent: &mut PinSent,
    unwinding: bool,
    held: H,
) -> Result<(), H::Error> {
    let how = ending(*pin_sent, unwinding);
    let ended = let_go(how, held);
    *pin_sent = pin_sent.after(how, ended.is_ok());
    ended
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::cell::RefCell;

    const VERIFY: [u8; 9] = [0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'];

    /// The commands `status`, `readers` and `doctor` send: none carries a PIN.
    pub(in crate::transport::pcsc) const READS: [&[u8]; 5] = [
        &[
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
            0x01,
        ],
        &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B],
        &[0x00, 0x20, 0x00, 0x80],
        &[0x00, 0xB0, 0x00, 0x00, 0x20],
        &[0x00, 0xB0, 0x00, 0x04, 0x00],
    ];

    fn sent(commands: &[&[u8]]) -> PinSent {
        let mut sent = PinSent::new();
        for command in commands {
            sent.note(command);
        }
        sent
    }

    #[test]
    fn the_card_is_left_alone_unless_a_pin_was_sent_or_a_panic_unwinds() {
        assert_eq!(ending(PinSent(false), false), Ending::Leave);
        assert_eq!(ending(PinSent(true), false), Ending::SelectAwayAndUnpower);
        assert_eq!(ending(PinSent(false), true), Ending::SelectAwayAndUnpower);
        assert_eq!(ending(PinSent(true), true), Ending::SelectAwayAndUnpower);
        assert_eq!(Ending::Leave.disposition(), pcsc::Disposition::LeaveCard);
        assert_eq!(Ending::Leave.select_away(), None);
        assert_eq!(
            Ending::SelectAwayAndUnpower.disposition(),
            pcsc::Disposition::UnpowerCard
        );
    }

    #[test]
    fn the_select_away_is_the_issuer_security_domain_not_the_mf() {
        // Literal bytes, as docs/protocol.md gives them, not the constant under test.
        assert_eq!(
            Ending::SelectAwayAndUnpower.select_away(),
            Some(&[0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00][..])
        );
        // Neither the select of the MF, which leaves the application selected, nor a PIN.
        let select_away = SELECT_ISSUER_SECURITY_DOMAIN;
        assert_ne!(select_away[..4], [0x00, 0xA4, 0x00, 0x00]);
        assert!(!secret::carries_pin(&select_away));
    }

    #[test]
    fn reads_and_counter_queries_leave_the_card_alone() {
        let sent = sent(&READS);
        assert!(!sent.0);
        assert_eq!(ending(sent, false), Ending::Leave);
    }

    #[test]
    fn a_verify_or_a_change_ends_with_the_select_away_and_a_power_down() {
        // VERIFY, CHANGE REFERENCE DATA, and CHANGE KEY (the juki PIN's change command).
        let pin_commands: [&[u8]; 3] = [
            &VERIFY,
            &[0x00, 0x24, 0x01, 0x80, 0x04, b'5', b'6', b'7', b'8'],
            &[0x80, 0x32, 0x00, 0x80, 0x04, b'5', b'6', b'7', b'8'],
        ];
        for command in pin_commands {
            // Reads after the PIN do not undo it.
            let sent = sent(&[READS[0], command, READS[2]]);
            assert!(sent.0, "{command:02X?}");
            assert_eq!(ending(sent, false), Ending::SelectAwayAndUnpower);
        }
    }

    #[test]
    fn only_a_power_down_that_went_through_clears_the_flag() {
        let pin = sent(&[&VERIFY]);
        let unpower = Ending::SelectAwayAndUnpower;
        assert!(!pin.after(unpower, true).0);
        // A failed power-down leaves the card as it was: the disconnect powers it down again.
        assert!(pin.after(unpower, false).0);
        assert_eq!(
            ending(pin.after(unpower, false), false),
            Ending::SelectAwayAndUnpower
        );
        // Leaving the card changes nothing it knows.
        assert!(pin.after(Ending::Leave, true).0);
        assert!(!PinSent::new().after(Ending::Leave, true).0);
    }

    #[test]
    fn after_a_power_down_only_a_new_pin_ends_with_one_again() {
        let mut sent = sent(&[&VERIFY]).after(Ending::SelectAwayAndUnpower, true);
        sent.note(READS[1]);
        assert_eq!(ending(sent, false), Ending::Leave);
        sent.note(&VERIFY);
        assert_eq!(ending(sent, false), Ending::SelectAwayAndUnpower);
    }

    /// A handle that writes down what it is asked to do; `release_fails` makes the release fail.
    #[derive(Default)]
    struct Log {
        steps: RefCell<Vec<String>>,
        release_fails: bool,
    }

    impl Held for &Log {
        type Error = ();
        fn send(&self, command: &[u8]) {
            self.steps
                .borrow_mut()
                .push(format!("send {}", secret::spaced_hex(command)));
        }
        fn release(self, how: pcsc::Disposition) -> Result<(), ()> {
            self.steps.borrow_mut().push(format!("release {how:?}"));
            if self.release_fails {
                Err(())
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn letting_go_after_a_pin_selects_away_then_powers_down() {
        let log = Log::default();
        assert_eq!(let_go(Ending::SelectAwayAndUnpower, &log), Ok(()));
        assert_eq!(
            *log.steps.borrow(),
            [
                "send 00 A4 04 0C 07 A0 00 00 01 51 00 00",
                "release UnpowerCard"
            ]
        );
    }

    #[test]
    fn letting_go_without_a_pin_sends_nothing_and_leaves_the_card() {
        let log = Log::default();
        assert_eq!(let_go(Ending::Leave, &log), Ok(()));
        assert_eq!(*log.steps.borrow(), ["release LeaveCard"]);
    }

    #[test]
    fn a_failed_release_is_reported_and_keeps_the_flag() {
        let log = Log {
            release_fails: true,
            ..Log::default()
        };
        let mut pin = sent(&[&VERIFY]);
        assert_eq!(let_go_noting(&mut pin, false, &log), Err(()));
        assert!(pin.0, "a failed power-down cleared the flag");
        // The disconnect after it selects away and powers down again.
        let disconnect = Log::default();
        assert_eq!(let_go_noting(&mut pin, false, &disconnect), Ok(()));
        assert_eq!(
            *disconnect.steps.borrow(),
            [
                "send 00 A4 04 0C 07 A0 00 00 01 51 00 00",
                "release UnpowerCard"
            ]
        );
        assert!(!pin.0);
    }

    #[test]
    fn the_end_of_a_transaction_after_a_pin_powers_down_and_clears_the_flag() {
        let log = Log::default();
        let mut pin = sent(&[READS[0], &VERIFY]);
        assert_eq!(let_go_noting(&mut pin, false, &log), Ok(()));
        assert_eq!(log.steps.borrow().last().unwrap(), "release UnpowerCard");
        assert!(!pin.0);
        // The next transaction sent no PIN: it leaves the card, and sends nothing.
        let next = Log::default();
        assert_eq!(let_go_noting(&mut pin, false, &next), Ok(()));
        assert_eq!(*next.steps.borrow(), ["release LeaveCard"]);
        // A panic unwinding through one that sent no PIN powers down all the same.
        let unwinding = Log::default();
        assert_eq!(let_go_noting(&mut pin, true, &unwinding), Ok(()));
        assert_eq!(unwinding.steps.borrow().len(), 2);
    }

    #[test]
    fn a_second_pin_keeps_the_flag_set() {
        // A VERIFY then its change (or the juki PIN's two VERIFYs): still a PIN sent, however
        // many.
        let change = [0x00, 0x24, 0x01, 0x80, 0x04, b'5', b'6', b'7', b'8'];
        for commands in [
            &[&VERIFY[..], &change][..],
            &[&VERIFY, READS[1], &VERIFY],
            &[&VERIFY, &change, &VERIFY],
        ] {
            let sent = sent(commands);
            assert!(sent.0, "{commands:02X?}");
            assert_eq!(ending(sent, false), Ending::SelectAwayAndUnpower);
        }
    }
}
