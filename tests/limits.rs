//! Limits and robustness, natively:
//!
//! * every saved fuzz crash input (tests/fuzz-regressions/<target>/*) replayed through the same
//!   harness code the fuzz targets run (fuzz/fuzz_targets/common/mod.rs);
//! * decompression bombs refused from the header, measured with a counting allocator;
//! * the memory budget (E_MEMORY_BUDGET) and the pixel limit on `rescale_factor: 100`;
//! * the budget's estimates are upper bounds of the peak bytes actually allocated;
//! * the panic report carries E_INTERNAL.
//!
//! The limits are process-global, so every test here takes `LOCK`.
#![cfg(not(target_arch = "wasm32"))]
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use superimpose_wasm::image::{self, estimate, DEFAULT_MAX_PIXELS, DEFAULT_MEMORY_BUDGET};
use superimpose_wasm::params::{SuperimposeV1, SuperimposeV2};
use superimpose_wasm::pipeline::{superimpose_v1, superimpose_v2};
use superimpose_wasm::{codec, ErrorCode, RgbaImage};

#[path = "../fuzz/fuzz_targets/common/mod.rs"]
mod fuzz_common;

// ---------------------------------------------------------------------------------------------
// A counting allocator: current and peak live bytes of the whole process.

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::SeqCst) + n;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        CURRENT.fetch_sub(l.size(), Ordering::SeqCst);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = System.realloc(p, l, new);
        if !q.is_null() {
            CURRENT.fetch_sub(l.size(), Ordering::SeqCst);
            grow(new);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Run `f` and return its result with the peak bytes allocated above the level at the start.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let start = CURRENT.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    let r = f();
    (r, (PEAK.load(Ordering::SeqCst) - start) as u64)
}

static LOCK: Mutex<()> = Mutex::new(());

/// Serialise the tests (global limits, global allocator counters) and reset the limits.
fn lock() -> MutexGuard<'static, ()> {
    let g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    image::set_max_pixels(DEFAULT_MAX_PIXELS).unwrap();
    image::set_memory_budget(DEFAULT_MEMORY_BUDGET).unwrap();
    g
}

// ---------------------------------------------------------------------------------------------
// Fuzz regressions

#[test]
fn fuzz_regressions_replay() {
    let _g = lock();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    type Harness = fn(&[u8]);
    let targets: [(&str, Harness); 5] = [
        ("decode", fuzz_common::run_decode),
        ("params", fuzz_common::run_params),
        ("schema_remote", fuzz_common::run_schema_remote),
        ("pipeline_v2", fuzz_common::run_pipeline_v2),
        ("pipeline_v1", fuzz_common::run_pipeline_v1),
    ];
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut replayed = 0;
    // The crash inputs, plus the fuzzers' seed inputs (so the shared harness itself runs here
    // even while no crash input is stored).
    let dirs = targets.iter().flat_map(|&(name, run)| {
        [
            (root.join(name), run),
            (manifest.join("fuzz/seeds").join(name), run),
        ]
    });
    let dirs = dirs.chain([(
        manifest.join("tests/fixtures/codec"),
        fuzz_common::run_decode as Harness,
    )]);
    for (dir, run) in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files.iter().filter(|f| f.is_file()) {
            if f.extension().is_some_and(|e| e == "md" || e == "py") {
                continue;
            }
            let bytes = std::fs::read(f).unwrap();
            let r = std::panic::catch_unwind(|| run(&bytes));
            assert!(r.is_ok(), "fuzz regression {} panicked", f.display());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} fuzz regression and seed inputs");
    assert!(replayed >= 10, "only {replayed} inputs found");
}

// ---------------------------------------------------------------------------------------------
// Decompression bombs

#[path = "support/png_bomb.rs"]
mod png_bomb;
use png_bomb::png_claiming;

#[test]
fn png_bomb_is_refused_from_its_header_without_allocating() {
    let _g = lock();
    let bomb = png_claiming(50_000, 50_000);
    assert!(bomb.len() < 100);
    let (r, peak) = peak_of(|| codec::decode(&bomb));
    assert_eq!(r.unwrap_err().code(), ErrorCode::ImageTooLarge);
    assert!(peak < 256 << 10, "refusing the bomb allocated {peak} bytes");
    assert_eq!(codec::peek_dimensions(&bomb).unwrap(), (50_000, 50_000));

    // With the pixel limit lifted, the memory budget refuses it, still from the header.
    image::set_max_pixels(u64::from(u32::MAX) * 4).unwrap();
    let (r, peak) = peak_of(|| codec::decode(&bomb));
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::MemoryBudget, "{e}");
    assert!(peak < 256 << 10, "refusing the bomb allocated {peak} bytes");

    // As a data: URI inside a v2 body, through the pipeline.
    image::set_max_pixels(DEFAULT_MAX_PIXELS).unwrap();
    let uri = codec::to_data_url(&bomb, codec::Format::Png);
    let small = codec::to_data_url(
        &codec::encode(
            &RgbaImage::filled(4, 4, [9, 9, 9, 255]).unwrap(),
            codec::Format::Png,
            None,
        )
        .unwrap(),
        codec::Format::Png,
    );
    for (base, overlay) in [(&uri, &small), (&small, &uri)] {
        let body = serde_json::json!({
            "base_image": base, "overlay_image": overlay, "bg_remove_model": "None"
        });
        let p = SuperimposeV2::from_json(body.as_object().unwrap(), Vec::new()).unwrap();
        let (r, peak) = peak_of(|| superimpose_v2(p));
        assert_eq!(r.unwrap_err().code(), ErrorCode::ImageTooLarge);
        assert!(peak < 256 << 10, "allocated {peak} bytes");
    }
    // The next call is served.
    let img = codec::decode_data(&small).unwrap();
    assert_eq!((img.width(), img.height()), (4, 4));
}

#[test]
fn decode_peak_is_within_its_estimate() {
    let _g = lock();
    let img = RgbaImage::from_vec(
        600,
        400,
        (0..600 * 400 * 4).map(|i| (i * 7 % 251) as u8).collect(),
    )
    .unwrap();
    for f in codec::Format::ALL {
        let bytes = codec::encode(&img, *f, Some(90)).unwrap();
        let (r, peak) = peak_of(|| codec::decode(&bytes));
        r.unwrap();
        let est = estimate::decode(600, 400);
        assert!(peak <= est, "{f:?}: decode peak {peak} > estimate {est}");
        // and the budget refuses it when set just below the estimate
        image::set_memory_budget(est - 1).unwrap();
        assert_eq!(
            codec::decode(&bytes).unwrap_err().code(),
            ErrorCode::MemoryBudget
        );
        image::set_memory_budget(DEFAULT_MEMORY_BUDGET).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// rescale_factor: 100 and the budget

fn pixels(w: u32, h: u32) -> RgbaImage {
    RgbaImage::from_vec(w, h, (0..w * h * 4).map(|i| (i * 31 % 256) as u8).collect()).unwrap()
}

fn v2(overlay: (u32, u32), extra: serde_json::Value) -> SuperimposeV2 {
    let mut body = serde_json::json!({ "bg_remove_model": "None" });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    SuperimposeV2::from_json(
        body.as_object().unwrap(),
        vec![
            ("base_image".into(), pixels(64, 48)),
            ("overlay_image".into(), pixels(overlay.0, overlay.1)),
        ],
    )
    .unwrap()
}

#[test]
fn rescale_100_on_a_large_overlay_is_refused_before_allocating() {
    let _g = lock();
    // 400 × 300 × 100 = 40000 × 30000 = 1.2 GP: over the pixel limit.
    let p = v2((400, 300), serde_json::json!({ "rescale_factor": 100 }));
    let (r, peak) = peak_of(|| superimpose_v2(p));
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge, "{e}");
    assert!(peak < 1 << 20, "allocated {peak} bytes before refusing");

    // Pixel limit lifted: the budget refuses it (1.2 GP × 4 B > 1 GiB) before allocating.
    image::set_max_pixels(u64::from(u32::MAX) * 4).unwrap();
    let p = v2(
        (400, 300),
        serde_json::json!({ "rescale_factor": 100, "rotation": 45 }),
    );
    let (r, peak) = peak_of(|| superimpose_v2(p));
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::MemoryBudget, "{e}");
    assert!(peak < 1 << 20, "allocated {peak} bytes before refusing");

    // v1's limit is 16: 400×300×16 = 6400×4800 (30.7 MP, under the pixel limit) is refused by
    // a 64 MiB budget and runs under the default one.
    image::set_max_pixels(DEFAULT_MAX_PIXELS).unwrap();
    image::set_memory_budget(64 << 20).unwrap();
    let v1 = || {
        SuperimposeV1::from_json(
            serde_json::json!({ "rescale_factor": 16, "resize_method": "bilinear" })
                .as_object()
                .unwrap(),
            vec![
                ("base_image".into(), pixels(64, 48)),
                ("overlay_image".into(), pixels(400, 300)),
            ],
        )
        .unwrap()
    };
    let (r, peak) = peak_of(|| superimpose_v1(v1()));
    assert_eq!(r.unwrap_err().code(), ErrorCode::MemoryBudget);
    assert!(peak < 1 << 20, "allocated {peak} bytes before refusing");
    image::set_memory_budget(DEFAULT_MEMORY_BUDGET).unwrap();
    let (r, peak) = peak_of(|| superimpose_v1(v1()));
    assert_eq!(r.unwrap().image.width(), 64);
    let est = superimpose_wasm::params::v1_peak_bytes(
        (64, 48),
        (400, 300),
        None,
        &v1_settings(16.0, 0),
        false,
    );
    assert!(peak <= est, "v1 ×16 peak {peak} > estimate {est}");

    // A small overlay × 100 is handled within the budget.
    let p = v2(
        (8, 6),
        serde_json::json!({ "rescale_factor": 100, "rotation": 30 }),
    );
    let out = superimpose_v2(p).unwrap();
    assert_eq!((out.image.width(), out.image.height()), (64, 48));
}

fn v1_settings(rescale: f64, rotation: i64) -> superimpose_wasm::pipeline::V1Settings {
    superimpose_wasm::pipeline::V1Settings {
        overlay_resize: superimpose_wasm::params::OverlayResize::RescaleFactor,
        resize_method: superimpose_wasm::resample::V1Method::Bilinear,
        rescale_factor: rescale,
        width: 1,
        height: 1,
        x_offset: 0,
        y_offset: 0,
        rotation,
        opacity: 1.0,
    }
}

#[test]
fn pipeline_peaks_are_within_their_estimates() {
    let _g = lock();
    let filters = ["nearest", "bilinear", "bicubic", "lanczos", "box"];
    let cases: &[((u32, u32), f64, i64)] = &[
        ((120, 80), 1.0, 0),
        ((120, 80), 3.0, 0),
        ((120, 80), 0.1, 0),
        ((120, 80), 2.5, 33),
        ((40, 90), 7.0, 270),
        ((300, 10), 0.2, 45),
        ((9, 7), 100.0, 0),
        ((9, 7), 100.0, 359),
    ];
    for (i, &((ow, oh), rescale, rotation)) in cases.iter().enumerate() {
        let filter = filters[i % filters.len()];
        let masked = i % 2 == 1;
        let mut pix = vec![
            ("base_image".to_string(), pixels(200, 150)),
            ("overlay_image".to_string(), pixels(ow, oh)),
        ];
        if masked {
            pix.push(("mask".to_string(), pixels(ow / 2 + 1, oh / 3 + 1)));
        }
        let body = serde_json::json!({
            "bg_remove_model": "None", "rescale_factor": rescale, "rotation": rotation,
            "resize_method": filter, "blend_mode": "screen"
        });
        let p = SuperimposeV2::from_json(body.as_object().unwrap(), pix).unwrap();
        let est = superimpose_wasm::params::v2_peak_bytes(
            (200, 150),
            (ow, oh),
            masked.then_some((ow / 2 + 1, oh / 3 + 1)),
            rescale,
            rotation,
            false,
        );
        let (r, peak) = peak_of(|| superimpose_v2(p));
        r.unwrap();
        assert!(peak <= est, "v2 case {i}: peak {peak} > estimate {est}");
        eprintln!("v2 case {i}: peak {peak} B, estimate {est} B");

        let pix = vec![
            ("base_image".to_string(), pixels(200, 150)),
            ("overlay_image".to_string(), pixels(ow, oh)),
        ];
        let r16 = rescale.min(16.0);
        let body = serde_json::json!({ "rescale_factor": r16, "rotation": rotation, "resize_method": "bilinear" });
        let p = SuperimposeV1::from_json(body.as_object().unwrap(), pix).unwrap();
        let est = superimpose_wasm::params::v1_peak_bytes(
            (200, 150),
            (ow, oh),
            None,
            &v1_settings(r16, rotation),
            false,
        );
        let (r, peak) = peak_of(|| superimpose_v1(p));
        r.unwrap();
        assert!(peak <= est, "v1 case {i}: peak {peak} > estimate {est}");
        eprintln!("v1 case {i}: peak {peak} B, estimate {est} B");
    }
}

#[test]
fn budget_setter_checks_its_argument() {
    let _g = lock();
    assert_eq!(
        image::set_memory_budget(1000).unwrap_err().code(),
        ErrorCode::ParamRange
    );
    assert_eq!(image::memory_budget(), DEFAULT_MEMORY_BUDGET);
    image::set_memory_budget(5 << 20).unwrap();
    assert_eq!(image::memory_budget(), 5 << 20);
    image::set_memory_budget(DEFAULT_MEMORY_BUDGET).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Panic report

#[test]
fn panic_report_is_coded_internal() {
    let _g = lock();
    static SEEN: Mutex<Option<String>> = Mutex::new(None);
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        *SEEN.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(superimpose_wasm::error::panic_report(info));
    }));
    let line = line!() + 1;
    let r = std::panic::catch_unwind(|| panic!("boom {}", 42));
    std::panic::set_hook(prev);
    assert!(r.is_err());
    let msg = SEEN.lock().unwrap().take().unwrap();
    assert!(
        msg.starts_with("E_INTERNAL: superimpose-wasm panicked at "),
        "{msg}"
    );
    assert!(msg.contains(&format!("limits.rs:{line}:")), "{msg}");
    assert!(msg.contains("boom 42"), "{msg}");
}
