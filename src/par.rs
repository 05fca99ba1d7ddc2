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

/// Run `f(rows, bytes)` over the rows of `dst` (`row_len` bytes each; a trailing partial row is
/// not passed) in contiguous, disjoint chunks, possibly on several threads at once.
pub fn rows_mut<F>(dst: &mut [u8], row_len: usize, f: F)
where
    F: Fn(Range<usize>, &mut [u8]) + Sync,
{
    let n = dst.len().checked_div(row_len).unwrap_or(0);
    if n == 0 {
        return;
    }
    let rows_per = MIN_CHUNK_BYTES.div_ceil(row_len).max(1);
    let chunks = n.div_ceil(rows_per);
    if chunks <= 1 || threads() <= 1 {
        return f(0..n, &mut dst[..n * row_len]);
    }
    // At most four chunks per thread: enough to even out a slow start, few enough that claiming
    // them costs nothing.
    let chunks = chunks.min(threads() * 4);
    let rows_per = n.div_ceil(chunks);
    let chunks = n.div_ceil(rows_per);
    let base = SharedMut(dst.as_mut_ptr());
    let run = |i: usize| {
        let a = i * rows_per;
        let b = ((i + 1) * rows_per).min(n);
        // SAFETY: chunk `i` covers rows [a, b) of `dst`; chunks are disjoint, each is claimed
        // by exactly one thread, and `dst` outlives the call (it returns only when every chunk
        // is done).
        let bytes =
            unsafe { core::slice::from_raw_parts_mut(base.at(a * row_len), (b - a) * row_len) };
        f(a..b, bytes);
    };
    pool::run(chunks, &run);
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
    /// worker runs them (the calling thread's chunks do nothing). Returns normally only if no
    /// worker took a chunk; else the call fails as described at [`poison_address`].
    pub fn trap_in_worker(chunks: usize) {
        run(chunks, &|_| {
            if IS_WORKER.with(|w| w.get()) {
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
