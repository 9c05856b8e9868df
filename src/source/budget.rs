//! Flow control by bytes between a reader thread and its consumer: the reader may run ahead by
//! at most so many bytes, however they are split into items (four conversations are 4 KB or
//! 40 MB). This is what keeps an ingest's memory a small multiple of its largest conversation.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

pub struct Budget {
    limit: usize,
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    in_flight: usize,
    closed: bool,
}

impl Budget {
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            state: Mutex::new(State {
                in_flight: 0,
                closed: false,
            }),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the two numbers inconsistent: keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `bytes` more fit (an item larger than the whole budget goes through alone).
    /// False once the consumer has stopped: the reader should stop too.
    pub fn take(&self, bytes: usize) -> bool {
        let mut s = self.lock();
        while !s.closed && s.in_flight > 0 && s.in_flight + bytes > self.limit {
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.in_flight += bytes;
        !s.closed
    }

    /// The consumer is done with an item of `bytes`.
    pub fn give_back(&self, bytes: usize) {
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(bytes);
        self.changed.notify_all();
    }

    /// The consumer stops (normally or not): a waiting reader is released.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Closes the budget when dropped: hold it for as long as the consumer consumes.
    pub fn closer(self: &Arc<Self>) -> Closer {
        Closer(self.clone())
    }
}

pub struct Closer(Arc<Budget>);

impl Drop for Closer {
    fn drop(&mut self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_reader_waits_for_room_and_stops_when_the_consumer_goes() {
        let budget = Budget::new(100);
        assert!(budget.take(60));
        assert!(budget.take(40));
        let b = budget.clone();
        let waiting = std::thread::spawn(move || b.take(10));
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "no room: the reader waits");
        budget.give_back(60);
        assert!(waiting.join().unwrap());

        // An item larger than the budget passes once nothing else is in flight.
        budget.give_back(50);
        assert!(budget.take(500));

        let b = budget.clone();
        let waiting = std::thread::spawn(move || b.take(10));
        drop(budget.closer());
        assert!(
            !waiting.join().unwrap(),
            "closed: the reader is told to stop"
        );
    }
}
