//! No copy of a PIN is left in freed memory: every heap block the library frees is searched for
//! the PIN's bytes before it goes back to the allocator, so a buffer that held a PIN and was not
//! wiped (a `Vec` grown and moved, a `String` copied for a message, a command's bytes) is caught.
//! The PINs here are used nowhere else, so a match is a leak.

use jpki_card::card::{change_pins, ChangeTargets, LastTry, Pin, PinChange, PinKind};
use jpki_card::transport::trace::Trace;
use jpki_card::transport::{Layered, Replay, ResponseCompletion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The system's allocator, searching each block it frees for the PINs below.
struct Searching;

/// The PINs as the card gets them (the sign passwords upper-cased).
const NEEDLES: [&[u8]; 2] = [b"QW7ZK3XM", b"PV4NR8TJ"];
/// How many freed blocks held one of them.
static FOUND: AtomicUsize = AtomicUsize::new(0);
/// Whether freed blocks are searched: only while a test here counts, so the other tests of this
/// binary run at full speed.
static ARMED: AtomicBool = AtomicBool::new(false);

// SAFETY: every call is passed on to `System` unchanged; `dealloc` only reads the block it is
// given, which is valid for `layout.size()` bytes until it is passed on.
unsafe impl GlobalAlloc for Searching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let block = std::slice::from_raw_parts(ptr, layout.size());
        if ARMED.load(Ordering::Relaxed)
            && NEEDLES
                .iter()
                .any(|n| block.windows(n.len()).any(|w| w == *n))
        {
            FOUND.fetch_add(1, Ordering::SeqCst);
        }
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static SEARCHING: Searching = Searching;

/// One test at a time counts.
static COUNTING: Mutex<()> = Mutex::new(());

/// How many freed blocks held a PIN while `work` ran.
fn leaks(work: impl FnOnce()) -> usize {
    let _one = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let before = FOUND.load(Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    work();
    ARMED.store(false, Ordering::SeqCst);
    FOUND.load(Ordering::SeqCst) - before
}

/// The typed text, as the command line holds it: in a wiped buffer.
fn typed(text: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(String::from_utf8(text.to_ascii_lowercase()).unwrap())
}

#[test]
fn the_search_finds_a_buffer_that_was_not_wiped() {
    let found = leaks(|| {
        let copy = NEEDLES[0].to_vec();
        drop(std::hint::black_box(copy));
    });
    assert_eq!(found, 1);
}

#[test]
fn a_pin_checked_copied_and_dropped_leaves_no_copy() {
    let found = leaks(|| {
        let current = typed(NEEDLES[0]);
        let pin = Pin::new(PinKind::Sign, &current).unwrap();
        let copy = pin.clone();
        assert_eq!(format!("{copy:?}"), "Pin(sign, redacted)");
        drop((pin, copy));
    });
    assert_eq!(found, 0, "a freed block held the PIN");
}

#[test]
fn a_change_sent_through_the_layers_leaves_no_copy() {
    let trace = Trace::load(&crate::util::trace("change-pin/success-sign.trace")).unwrap();
    let found = leaks(|| {
        let targets = ChangeTargets::new(&[PinKind::Sign]).unwrap();
        let (current, new) = (typed(NEEDLES[0]), typed(NEEDLES[1]));
        let change = PinChange::new(&targets, &current, &new).unwrap();
        let mut reader = Layered::new(Replay::new(trace), ResponseCompletion);
        let report = change_pins(&mut reader, &change, LastTry::Refuse, &[]);
        assert!(report.error.is_none(), "{:?}", report.error);
        drop((report, reader, change));
    });
    assert_eq!(found, 0, "a freed block held a PIN");
}
