//! The limits that need a clock: the wall-clock time of an evaluation, and the memory the process
//! holds (which a script can grow in ways Rhai's size limits do not see, such as assigning new
//! keys of a map one by one). A thread checks both a few times a second and, when one is
//! exceeded, raises the session's interrupt flag, so that script loops (through Rhai's progress
//! callback) and brainclip's long functions (training, embedding, generation, which check the
//! flag between steps) stop where an interrupt would stop them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::limits::Limit;

/// How often the resident memory is read.
const MEMORY_PERIOD: Duration = Duration::from_millis(100);

/// A running watch; [`Watchdog::finish`] ends it.
pub(super) struct Watchdog {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
    fired: Arc<AtomicU8>,
}

const NOT_FIRED: u8 = 0;
const TIMEOUT: u8 = 1;
const MEMORY: u8 = 2;

impl Watchdog {
    /// Raise `cancel` after `timeout`, or when the process holds more than `max_resident` bytes
    /// (where the resident size can be read: Linux), unless finished before.
    pub(super) fn start(timeout: Option<Duration>, max_resident: Option<u64>, cancel: Arc<AtomicBool>) -> Self {
        let (stop, stopped) = mpsc::channel::<()>();
        let fired = Arc::new(AtomicU8::new(NOT_FIRED));
        let flag = Arc::clone(&fired);
        let deadline = timeout.map(|t| Instant::now() + t);
        let max_resident = max_resident.filter(|_| resident_bytes().is_some());
        let thread = std::thread::spawn(move || {
            loop {
                let now = Instant::now();
                let until_deadline = deadline.map(|d| d.saturating_duration_since(now));
                let wait = match (until_deadline, max_resident) {
                    (Some(left), Some(_)) => left.min(MEMORY_PERIOD),
                    (Some(left), None) => left,
                    (None, Some(_)) => MEMORY_PERIOD,
                    (None, None) => return,
                };
                match stopped.recv_timeout(wait) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                let reason = if deadline.is_some_and(|d| Instant::now() >= d) {
                    TIMEOUT
                } else if max_resident.is_some_and(|max| resident_bytes().is_some_and(|r| r > max)) {
                    MEMORY
                } else {
                    continue;
                };
                flag.store(reason, Ordering::SeqCst);
                cancel.store(true, Ordering::SeqCst);
                return;
            }
        });
        Self { stop, thread, fired }
    }

    /// Stop watching; returns the limit that was exceeded, if one was.
    pub(super) fn finish(self) -> Option<Limit> {
        let _ = self.stop.send(());
        let _ = self.thread.join();
        match self.fired.load(Ordering::SeqCst) {
            TIMEOUT => Some(Limit::Timeout),
            MEMORY => Some(Limit::Memory),
            _ => None,
        }
    }
}

/// The resident set size of this process, from `/proc/self/statm` (Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size of every Linux platform brainclip builds for.
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_only_when_a_limit_is_exceeded() {
        let cancel = Arc::new(AtomicBool::new(false));
        let quick = Watchdog::start(Some(Duration::from_secs(60)), Some(u64::MAX), Arc::clone(&cancel));
        assert_eq!(quick.finish(), None);
        assert!(!cancel.load(Ordering::SeqCst));
        let slow = Watchdog::start(Some(Duration::from_millis(10)), None, Arc::clone(&cancel));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(slow.finish(), Some(Limit::Timeout));
        assert!(cancel.load(Ordering::SeqCst));
        if resident_bytes().is_some() {
            let cancel = Arc::new(AtomicBool::new(false));
            let small = Watchdog::start(None, Some(1), Arc::clone(&cancel));
            std::thread::sleep(Duration::from_millis(400));
            assert_eq!(small.finish(), Some(Limit::Memory));
            assert!(cancel.load(Ordering::SeqCst));
        }
    }
}
