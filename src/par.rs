//! Row-parallel loops for the wasm-threads build.
//!
//! The kernels split their output rows with [`rows_mut`]. In every build but the threads one
//! (wasm32 with `+atomics`, built by `scripts/build.sh` as `superimpose_wasm_mt`) that is one
//! direct call over all rows. In the threads build, workers that entered [`pool::worker_loop`]
//! (Web Workers or Node `worker_threads` sharing the module's memory, started by the package's
//! `threads.js`) claim chunks of rows beside the calling thread. Chunks are claimed, not
//! assigned: the caller claims them too, so a call finishes — with the same bytes, every row
//! being computed independently — however many workers exist, are asleep or never wake.

use core::ops::Range;

/// A chunk is at least this many output bytes (~64 KiB): below it, waking a worker costs
/// more than the rows it would take.
const MIN_CHUNK_BYTES: usize = 64 * 1024;

/// How `n` rows of `row_len` bytes are cut for `threads` threads: `(rows per chunk, chunks)`.
/// Chunks of at least [`MIN_CHUNK_BYTES`] (so one chunk for that much or less, and with one
/// thread); at most four chunks per thread — enough to even out a slow start, few enough that
/// claiming them costs nothing. Chunk `i` is rows `[i·rows_per, min((i + 1)·rows_per, n))`.
pub fn split(n: usize, row_len: usize, threads: usize) -> (usize, usize) {
    if n == 0 {
        return (0, 0);
    }
    let rows_per = MIN_CHUNK_BYTES.div_ceil(row_len.max(1)).max(1);
    let chunks = n.div_ceil(rows_per);
    if chunks <= 1 || threads <= 1 {
        return (n, 1);
    }
    let rows_per = n.div_ceil(chunks.min(threads.saturating_mul(4)));
    (rows_per, n.div_ceil(rows_per))
}

/// Rows of chunk `i` of [`split`]'s cut of `n` rows, `rows_per` each.
fn chunk(i: usize, rows_per: usize, n: usize) -> Range<usize> {
    i * rows_per..((i + 1) * rows_per).min(n)
}

/// Run `f(rows, bytes)` over the rows of `dst` (`row_len` bytes each; a trailing partial row is
/// not passed) in contiguous, disjoint chunks ([`split`]), possibly on several threads at once.
pub fn rows_mut<F>(dst: &mut [u8], row_len: usize, f: F)
where
    F: Fn(Range<usize>, &mut [u8]) + Sync,
{
    let n = dst.len().checked_div(row_len).unwrap_or(0);
    let (rows_per, chunks) = split(n, row_len, threads());
    if chunks <= 1 {
        if n > 0 {
            f(0..n, &mut dst[..n * row_len]);
        }
        return;
    }
    let base = SharedMut(dst.as_mut_ptr());
    let run = |i: usize| {
        let rows = chunk(i, rows_per, n);
        // SAFETY: chunk `i` covers `rows` of `dst`; chunks are disjoint, each is claimed by
        // exactly one thread, and `dst` outlives the call (it returns only when every chunk is
        // done).
        let bytes = unsafe {
            core::slice::from_raw_parts_mut(base.at(rows.start * row_len), rows.len() * row_len)
        };
        f(rows, bytes);
    };
    pool::run(chunks, &run);
}

/// Whether `f(rows, bytes)` holds for every chunk of the rows of `src` (`row_len` bytes each),
/// chunks as [`rows_mut`]'s, possibly checked on several threads at once (a read-only
/// all-of: every chunk is checked, none is skipped).
pub fn rows_all<F>(src: &[u8], row_len: usize, f: F) -> bool
where
    F: Fn(&[u8]) -> bool + Sync,
{
    let n = src.len().checked_div(row_len).unwrap_or(0);
    let (rows_per, chunks) = split(n, row_len, threads());
    if chunks <= 1 {
        return f(&src[..n * row_len]);
    }
    let ok = core::sync::atomic::AtomicBool::new(true);
    let run = |i: usize| {
        let rows = chunk(i, rows_per, n);
        if !f(&src[rows.start * row_len..rows.end * row_len]) {
            ok.store(false, core::sync::atomic::Ordering::Relaxed);
        }
    };
    pool::run(chunks, &run);
    ok.into_inner()
}

/// The threads that may run a [`rows_mut`] at once: the caller plus the workers in the pool.
pub fn threads() -> usize {
    pool::workers() + 1
}

/// A pointer to bytes that disjoint chunks are written through from several threads.
#[derive(Clone, Copy)]
struct SharedMut(*mut u8);
// SAFETY: only used by `rows_mut`, which hands each thread a disjoint range.
unsafe impl Sync for SharedMut {}
unsafe impl Send for SharedMut {}
impl SharedMut {
    /// The pointer `off` bytes on (a method, so closures capture the `Sync` wrapper, not the
    /// raw pointer field).
    fn at(self, off: usize) -> *mut u8 {
        // SAFETY: callers stay inside the slice the pointer came from.
        unsafe { self.0.add(off) }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
mod pool {
    /// No pool outside the threads build.
    pub(super) fn workers() -> usize {
        0
    }

    pub(super) fn run(chunks: usize, f: &(dyn Fn(usize) + Sync)) {
        (0..chunks).for_each(f);
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub use pool::{poison_address, trap_in_worker, worker_chunks, worker_loop};

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
mod pool {
    //! One job at a time, published by the thread that calls [`run`] (the page's or the
    //! worker's main thread: the one that called into the module), claimed chunk by chunk.
    //!
    //! `STATE` packs the job's generation (high 32 bits), its chunk count (16 bits) and the next
    //! unclaimed chunk (16 bits). A claim is a compare-and-swap that succeeds only while the
    //! generation is the one the claimer read `JOB` for and chunks remain, so a worker that wakes
    //! late can never run a chunk of a finished job: its job is only dereferenced after such a
    //! claim, and a job with an unfinished claimed chunk is still on its caller's stack.
    //! The caller never blocks (`Atomics.wait` is not allowed on a page's main thread): it runs
    //! chunks itself, then spins until the chunks the workers took are done.
    use core::arch::wasm32::{memory_atomic_notify, memory_atomic_wait32};
    use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering::SeqCst};

    /// A job: the chunk function, on the caller's stack.
    struct Job<'a> {
        f: &'a (dyn Fn(usize) + Sync + 'a),
    }

    static STATE: AtomicU64 = AtomicU64::new(0);
    /// The current generation, for workers to wait on (`memory.atomic.wait32` takes an i32).
    static WAKE: AtomicU32 = AtomicU32::new(0);
    static JOB: AtomicPtr<Job<'static>> = AtomicPtr::new(core::ptr::null_mut());
    static DONE: AtomicU32 = AtomicU32::new(0);
    static WORKERS: AtomicU32 = AtomicU32::new(0);
    /// A job is running: a `run` from inside a chunk (or a second caller) runs inline.
    static BUSY: AtomicBool = AtomicBool::new(false);
    /// Chunks run by workers so far (tests check that the workers really take part).
    static WORKER_CHUNKS: AtomicU32 = AtomicU32::new(0);
    /// Set (to 1, by `threads-worker.js`, through [`poison_address`]) when a worker trapped: its
    /// claimed chunk will never be done, so a caller waiting for it must not wait forever.
    static POISONED: AtomicU32 = AtomicU32::new(0);

    /// The address of the flag a worker's JS sets when the worker trapped (a panic aborts):
    /// written with `Atomics.store`, without calling into the trapped instance.
    pub fn poison_address() -> usize {
        POISONED.as_ptr() as usize
    }

    /// Chunks the workers have run since the module started.
    pub fn worker_chunks() -> u32 {
        WORKER_CHUNKS.load(SeqCst)
    }

    pub(super) fn workers() -> usize {
        WORKERS.load(SeqCst) as usize
    }

    const MAX_CHUNKS: usize = 0xffff;

    pub(super) fn run(chunks: usize, f: &(dyn Fn(usize) + Sync)) {
        if chunks <= 1 || chunks > MAX_CHUNKS || workers() == 0 || BUSY.swap(true, SeqCst) {
            (0..chunks).for_each(f);
            return;
        }
        let job = Job { f };
        // The pointer is only dereferenced under a successful claim, while this frame lives.
        JOB.store((&job as *const Job<'_>).cast_mut().cast(), SeqCst);
        DONE.store(0, SeqCst);
        let gen = ((STATE.load(SeqCst) >> 32) as u32).wrapping_add(1);
        STATE.store(u64::from(gen) << 32 | (chunks as u64) << 16, SeqCst);
        WAKE.store(gen, SeqCst);
        // SAFETY: WAKE is a live, aligned i32-sized atomic.
        unsafe { memory_atomic_notify(WAKE.as_ptr().cast::<i32>(), u32::MAX) };
        work(gen, false);
        while DONE.load(SeqCst) < chunks as u32 {
            if POISONED.load(SeqCst) != 0 {
                // A worker trapped inside a chunk of this job: the rows it held are missing, and
                // returning would hand out a wrong image. Fail the call as a panic on this thread
                // would (the module is no longer usable), instead of spinning forever.
                panic!("a thread of the pool trapped while running a chunk of this call (its console has the panic); this module instance cannot be used any more");
            }
            core::hint::spin_loop();
        }
        JOB.store(core::ptr::null_mut(), SeqCst);
        BUSY.store(false, SeqCst);
    }

    /// Claim and run chunks of job `gen` until none is left (or the job changed).
    fn work(gen: u32, worker: bool) {
        let job = JOB.load(SeqCst);
        loop {
            let s = STATE.load(SeqCst);
            let (g, count, next) = ((s >> 32) as u32, (s >> 16) & 0xffff, s & 0xffff);
            if g != gen || next >= count {
                return;
            }
            if STATE.compare_exchange(s, s + 1, SeqCst, SeqCst).is_err() {
                continue;
            }
            // SAFETY: the claim succeeded for generation `gen`, whose job `job` is: that job's
            // caller cannot return before this chunk is counted done.
            let f = unsafe { (*job).f };
            f(next as usize);
            if worker {
                WORKER_CHUNKS.fetch_add(1, SeqCst);
            }
            DONE.fetch_add(1, SeqCst);
        }
    }

    std::thread_local! {
        /// Whether this thread is a pool worker (for [`trap_in_worker`]).
        static IS_WORKER: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
    }

    /// For the tests of the poison path only: a job of `chunks` chunks whose chunks panic when a
    /// worker runs them; the calling thread's chunks only take a while (~0.2 ms each), so that
    /// the worker wakes and claims one before they are all gone. Returns normally only if no
    /// worker took a chunk; else the call fails as described at [`poison_address`].
    pub fn trap_in_worker(chunks: usize) {
        run(chunks, &|_| {
            if !IS_WORKER.with(|w| w.get()) {
                for i in 0..200_000u32 {
                    core::hint::black_box(i);
                }
            } else {
                // A short pause first, so that the calling thread is waiting when the worker
                // traps (not still running chunks itself).
                for i in 0..20_000_000u32 {
                    core::hint::black_box(i);
                }
                panic!(
                    "trap_in_worker: a deliberate panic on a pool worker (test of the poison path)"
                );
            }
        });
    }

    /// A worker's life: count itself in, then run the chunks of every job published from now
    /// on, sleeping in between. Never returns (the worker's event loop stays blocked).
    pub fn worker_loop() {
        IS_WORKER.with(|w| w.set(true));
        WORKERS.fetch_add(1, SeqCst);
        let mut seen = WAKE.load(SeqCst);
        loop {
            let now = WAKE.load(SeqCst);
            if now == seen {
                // SAFETY: WAKE is a live, aligned i32-sized atomic; this is a worker thread,
                // where waiting is allowed. Returns at once if WAKE moved on meanwhile.
                unsafe { memory_atomic_wait32(WAKE.as_ptr().cast::<i32>(), now as i32, -1) };
                continue;
            }
            seen = now;
            work(now, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_every_row_once() {
        for n in [0usize, 1, 2, 3, 7, 40, 41, 1000, 1080, 2160, 4097] {
            for row_len in [1usize, 4, 1640, 7680, 15360, 65536, 200_000] {
                for threads in [1usize, 2, 3, 8] {
                    let (per, chunks) = split(n, row_len, threads);
                    if n == 0 {
                        assert_eq!(chunks, 0);
                        continue;
                    }
                    assert!(chunks >= 1 && per >= 1, "{n} {row_len} {threads}");
                    // Chunks tile [0, n): the last one is non-empty, none passes n.
                    assert!(
                        (chunks - 1) * per < n && chunks * per >= n,
                        "{n} {row_len} {threads}"
                    );
                    assert!(
                        chunks <= (threads * 4).max(1),
                        "{n} {row_len} {threads}: {chunks}"
                    );
                    if threads == 1 || n * row_len <= MIN_CHUNK_BYTES {
                        assert_eq!((per, chunks), (n, 1), "{n} {row_len} {threads}");
                    }
                }
            }
        }
        // A 1080p frame of RGBA rows on 2 threads: 8 chunks of 135 rows.
        assert_eq!(split(1080, 7680, 2), (135, 8));
    }

    #[test]
    fn single_threaded_loops_see_all_rows_in_one_call() {
        let mut data: Vec<u8> = (0..=255).cycle().take(10 * 64 + 5).collect();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        rows_mut(&mut data, 64, |rows, part| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            assert_eq!(rows, 0..10);
            assert_eq!(part.len(), 640);
            part.iter_mut().for_each(|b| *b = b.wrapping_add(1));
        });
        assert_eq!(calls.into_inner(), 1);
        assert_eq!(&data[..3], &[1, 2, 3]);
        assert_eq!(
            &data[640..],
            &[128, 129, 130, 131, 132],
            "the partial row is untouched"
        );
        assert!(rows_all(&data, 64, |b| b.len() == 640));
        assert!(!rows_all(&data, 64, |b| b[0] == 0));
        rows_mut(&mut [], 4, |_, _| panic!("no rows, no call"));
        assert!(rows_all(&[], 4, |b| b.is_empty()));
    }
}
