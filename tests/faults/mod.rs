//! Fault injection: what jpki does when a card or reader misbehaves at any step.
//!
//! Through the mock reader (`runner`): for each case (`cases`) and every APDU index k of its
//! exchange, the card's answer at k is replaced by each fault of `Fault::catalogue()`, and the
//! `jpki` binary is run on that trace. After a fault the trace ends, so any further command runs
//! past its end (exit 11): that is how "stops after a fault, never retries" is proven. Where
//! continuing is correct (status goes on to the next PIN after one PIN's error), the rest of the
//! base trace follows, minus the exchanges jpki must skip. A new command is one more row of
//! `cases()` with its own expectation function.
//!
//! In process (`in_process`): the same faults through the fault-injection layer (`injection`),
//! over a replay and over the virtual card, where a witness notes what reached the card itself.
//!
//! The expectations (`model`, `oracle`) are written from the rules (docs/exit-codes.md,
//! docs/protocol.md, docs/change-pin.md, docs/security.md), not from what the code happens to do.
//! `figures` holds docs/reliability.md's counts to what the tests count.

mod cases;
mod figures;
mod in_process;
pub mod injection;
mod model;
mod oracle;
mod pin_bytes;
mod runner;
