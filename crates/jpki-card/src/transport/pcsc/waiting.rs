//! Telling the holder why nothing happens while PC/SC keeps jpki waiting: another program's
//! transaction holds the card, and pcsc-lite blocks both a connect and a transaction's begin
//! until it ends, saying nothing.
//!
//! One watcher thread per reader looks, a few times a second, at a count the calls it watches
//! step on their way in and out: two atomic additions per call, no system call, no thread started
//! or joined per call (which cost a status about a tenth of its wall time, measured against the
//! floor in docs/performance.md).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to say when jpki waits for another program's transaction to end.
pub type WaitingNotice = Box<dyn Fn() + Send + Sync>;

/// The watcher of one reader's blocking calls; it stops when this is dropped.
pub(super) struct WaitWatch {
    shared: Arc<Shared>,
}

struct Shared {
    /// Odd while a watched call is in progress: each call adds one going in and one coming out,
    /// so a value also names the call.
    calls: AtomicU64,
    /// The reader is gone: the watcher ends at its next look.
    closed: AtomicBool,
}

impl WaitWatch {
    /// Start watching: `notice` is said once for each call still in progress after `after`.
    /// `None` when no thread can be started, which costs the notice and nothing else.
    pub(super) fn start(after: Duration, notice: WaitingNotice) -> Option<WaitWatch> {
        let shared = Arc::new(Shared {
            calls: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        });
        let watched = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("pcsc-wait-notice".to_string())
            .stack_size(64 * 1024)
            .spawn(move || watch(&watched, after, &notice))
            .ok()?;
        Some(WaitWatch { shared })
    }

    /// Run `call`, which may block on another program, under watch.
    pub(super) fn during<T>(&self, call: impl FnOnce() -> T) -> T {
        self.shared.calls.fetch_add(1, Ordering::SeqCst);
        let value = call();
        self.shared.calls.fetch_add(1, Ordering::SeqCst);
        value
    }
}

impl Drop for WaitWatch {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
    }
}

/// The watcher's loop: a call first seen in progress at one look and still the same one
/// `after` later is noticed, once. So the notice comes between `after` and `after` plus two
/// looks' interval after the call began.
fn watch(shared: &Shared, after: Duration, notice: &(dyn Fn() + Sync)) {
    let interval = (after / 4).max(Duration::from_millis(1));
    let mut seen = (u64::MAX, Instant::now());
    let mut told = u64::MAX;
    while !shared.closed.load(Ordering::SeqCst) {
        let calls = shared.calls.load(Ordering::SeqCst);
        let now = Instant::now();
        if calls != seen.0 {
            seen = (calls, now);
        }
        if calls % 2 == 1 && told != calls && now.duration_since(seen.1) >= after {
            notice();
            told = calls;
        }
        std::thread::sleep(interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_call_that_waits_is_noticed_once_and_a_quick_one_is_not() {
        let told = Arc::new(AtomicUsize::new(0));
        let counted = |told: &Arc<AtomicUsize>| -> WaitingNotice {
            let told = Arc::clone(told);
            Box::new(move || {
                told.fetch_add(1, Ordering::SeqCst);
            })
        };
        let patient = WaitWatch::start(Duration::from_secs(60), counted(&told)).unwrap();
        assert_eq!(patient.during(|| 7), 7);
        drop(patient);
        assert_eq!(told.load(Ordering::SeqCst), 0);

        let eager = WaitWatch::start(Duration::ZERO, counted(&told)).unwrap();
        let slow = eager.during(|| {
            // Bounded, so a watcher that never tells fails the test instead of hanging it.
            let deadline = Instant::now() + Duration::from_secs(10);
            while told.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                std::thread::yield_now();
            }
            // Long enough for the watcher to look several times more: still one notice.
            std::thread::sleep(Duration::from_millis(20));
            8
        });
        assert_eq!((slow, told.load(Ordering::SeqCst)), (8, 1));
        // Between calls nothing is in progress: no notice however long.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(told.load(Ordering::SeqCst), 1);
    }
}
