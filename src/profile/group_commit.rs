//! Group commit: many writers, one fsync. A write returns a [`Durable`] ticket; one flusher
//! thread takes every ticket queued so far, flushes the store once (`sled::Db::flush`, which
//! makes everything written before the call durable) and completes them all. While it
//! flushes, new tickets queue up for the next round, so under load one flush covers many
//! writes and with a single writer it costs one flush per write, as without grouping.
//!
//! Flushes also start at least a *window* apart (default 1 ms). A flush is quick on a fast
//! disk, so without a window a steady stream of answers got about one flush each, and each
//! sled flush hands its write to sled's io threads with a wake-up of all of them. With the
//! window, answers arriving within it share a flush; an answer after a quiet spell (more than
//! a window since the last flush) is flushed at once, so a lightly loaded server waits no longer.
//!
//! A ticket can be awaited (it is a `Future`, for the async server: no runtime thread blocks)
//! or waited on with [`Durable::wait`] (for threads and tests); it never panics either way.
//!
//! A ticket joins the queue only when somebody first waits for it, and not at all when a
//! flush that started after its write has already succeeded. Writes nobody waits for (the
//! server's bookkeeping between answers) then cost no flush of their own: the next flush
//! anybody asks for covers them, and sled's background flush does otherwise; and tickets of
//! a batch awaited one after another cost one flush, not one each. Joining late is still
//! correct: the write was applied before its ticket existed, so any flush that starts after
//! the ticket joins covers it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::error::StoreError;

type Outcome = Result<(), String>;

/// The promise that a write is durable: resolves once a flush covering it finished.
#[must_use = "a write is only known durable once its ticket resolves"]
pub struct Durable(Ticket);

enum Ticket {
    Ready(Option<Result<(), StoreError>>),
    /// Not queued yet: nobody has waited for it. `needed` is the number of the first flush
    /// that starts after the write; once that one has succeeded the ticket resolves without
    /// queueing (awaiting a batch's tickets in turn costs one flush, not one each). The queue
    /// is held weakly so a ticket kept after the store closed cannot keep the flusher thread
    /// alive (and its join waiting).
    Deferred {
        needed: u64,
        progress: Arc<Progress>,
        queue: Weak<mpsc::Sender<Arc<Slot>>>,
    },
    Waiting(Arc<Slot>),
}

/// The flusher's progress: flushes are numbered from 1 as they start.
#[derive(Debug, Default)]
struct Progress {
    /// How many flushes have started. Read and written only by read-modify-write (`AcqRel`),
    /// so a ticket that reads `n` here is ordered before flush `n + 1` starts: its write is
    /// visible to that flush.
    started: AtomicU64,
    /// The number of the latest flush that succeeded.
    durable: AtomicU64,
}

impl Ticket {
    /// The slot to wait on, queueing a deferred ticket with the flusher first; `Err(outcome)`
    /// when there is nothing to wait for. A ready outcome is handed out once (then `Ok(())`).
    fn slot(&mut self) -> Result<Arc<Slot>, Result<(), StoreError>> {
        match self {
            Ticket::Ready(result) => Err(result.take().unwrap_or(Ok(()))),
            Ticket::Waiting(slot) => Ok(Arc::clone(slot)),
            Ticket::Deferred { needed, progress, .. } if progress.durable.load(Ordering::Acquire) >= *needed => {
                *self = Ticket::Ready(None);
                Err(Ok(()))
            }
            Ticket::Deferred { queue, .. } => {
                let slot = Arc::new(Slot::default());
                let sent = queue.upgrade().is_some_and(|queue| queue.send(Arc::clone(&slot)).is_ok());
                if !sent {
                    *self = Ticket::Ready(None);
                    return Err(Err(StoreError::Flush("the flusher has stopped".into())));
                }
                *self = Ticket::Waiting(Arc::clone(&slot));
                Ok(slot)
            }
        }
    }
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    done: Condvar,
}

#[derive(Default)]
struct SlotState {
    outcome: Option<Outcome>,
    waker: Option<Waker>,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // A poisoned slot only means a waiter panicked; the state itself is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn complete(&self, outcome: Outcome) {
        let waker = {
            let mut state = self.lock();
            state.outcome = Some(outcome);
            state.waker.take()
        };
        self.done.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Durable {
    /// A ticket that is already resolved (durability `each` and `none`, or a failed write).
    pub(crate) fn ready(result: Result<(), StoreError>) -> Durable {
        Durable(Ticket::Ready(Some(result)))
    }

    /// Blocks the calling thread until the write is durable. Do not call it on an async
    /// runtime's thread; `.await` the ticket there instead.
    pub fn wait(mut self) -> Result<(), StoreError> {
        let slot = match self.0.slot() {
            Ok(slot) => slot,
            Err(outcome) => return outcome,
        };
        let mut state = slot.lock();
        loop {
            if let Some(outcome) = state.outcome.take() {
                return outcome.map_err(StoreError::Flush);
            }
            state = slot.done.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Future for Durable {
    type Output = Result<(), StoreError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let slot = match self.get_mut().0.slot() {
            Ok(slot) => slot,
            Err(outcome) => return Poll::Ready(outcome),
        };
        let mut state = slot.lock();
        match state.outcome.take() {
            Some(outcome) => Poll::Ready(outcome.map_err(StoreError::Flush)),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// How many flushes the flusher ran and how many queued tickets they covered (a ticket a
/// finished flush already covers when it is first waited for is not queued, nor counted).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) flushes: AtomicU64,
    pub(crate) queued: AtomicU64,
}

/// The flusher thread and the queue into it; dropping it drains the queue and joins the thread.
pub(crate) struct GroupCommit {
    queue: Option<Arc<mpsc::Sender<Arc<Slot>>>>,
    progress: Arc<Progress>,
    thread: Option<JoinHandle<()>>,
    pub(crate) counters: Arc<Counters>,
}

impl GroupCommit {
    /// Starts the flusher; flushes begin at least `window` apart.
    pub(crate) fn start(db: sled::Db, window: Duration) -> std::io::Result<GroupCommit> {
        let (queue, rx) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let progress = Arc::new(Progress::default());
        let (thread_counters, thread_progress) = (Arc::clone(&counters), Arc::clone(&progress));
        let thread = std::thread::Builder::new()
            .name("profile-flusher".into())
            .spawn(move || flush_loop(&db, &rx, window, &thread_progress, &thread_counters))?;
        Ok(GroupCommit { queue: Some(Arc::new(queue)), progress, thread: Some(thread), counters })
    }

    /// A ticket for a write that has already been applied: resolved by the first flush that
    /// starts after the write, which runs when somebody waits for this ticket (or for any
    /// ticket, if that flush comes first).
    pub(crate) fn ticket(&self) -> Durable {
        match &self.queue {
            Some(queue) => {
                // A read-modify-write, not a load: it orders this write before the next flush.
                let needed = self.progress.started.fetch_add(0, Ordering::AcqRel) + 1;
                let (progress, queue) = (Arc::clone(&self.progress), Arc::downgrade(queue));
                Durable(Ticket::Deferred { needed, progress, queue })
            }
            None => Durable::ready(Err(StoreError::Flush("the flusher has stopped".into()))),
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the profile flusher thread panicked");
        }
    }
}

/// The least time between two flushes' starts unless configured otherwise.
pub const DEFAULT_GROUP_WINDOW: Duration = Duration::from_millis(1);

fn flush_loop(
    db: &sled::Db,
    rx: &mpsc::Receiver<Arc<Slot>>,
    window: Duration,
    progress: &Progress,
    counters: &Counters,
) {
    let mut last_start: Option<Instant> = None;
    while let Ok(first) = rx.recv() {
        // Within the window of the last flush: let the next answers join this one.
        let next = last_start.and_then(|last| last.checked_add(window));
        if let Some(wait) = next.and_then(|next| next.checked_duration_since(Instant::now())) {
            std::thread::sleep(wait);
        }
        last_start = Some(Instant::now());
        let number = progress.started.fetch_add(1, Ordering::AcqRel) + 1;
        // Every ticket queued now belongs to a write applied before this flush starts.
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        let outcome = db.flush().map(drop).map_err(|e| e.to_string());
        match &outcome {
            Ok(()) => {
                progress.durable.fetch_max(number, Ordering::Release);
            }
            Err(error) => tracing::error!(%error, "profile store flush failed"),
        }
        counters.flushes.fetch_add(1, Ordering::Relaxed);
        counters.queued.fetch_add(batch.len() as u64, Ordering::Relaxed);
        for slot in batch {
            slot.complete(outcome.clone());
        }
    }
}
