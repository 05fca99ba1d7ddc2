// Shared cases of tests/wasm_client_node.rs and tests/wasm_client_browser.rs: the client core
// over the real fetch transport against tests/server/segmind-sim.mjs.
//
// The simulator's URL is baked in at compile time: `option_env!("SIM_URL")`, default
// http://127.0.0.1:47811 (the default port of tests/server/with-sim.sh). Run through
// `tests/server/with-sim.sh cargo test --target wasm32-unknown-unknown --test ...`.

use serde_json::{json, Value};
use superimpose_wasm::client::http::FetchTransport;
use superimpose_wasm::client::protocol::PollSchedule;
use superimpose_wasm::client::protocol::{JobStatus, RetryPolicy};
use superimpose_wasm::client::{Client, ClientConfig, JobRef, Progress, WaitOptions};
use superimpose_wasm::ErrorCode;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::AbortController;

const SIM: &str = match option_env!("SIM_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:47811",
};
const KEY: &str = "SG_0123456789abcdef";

fn scenario(extra: Value) -> (String, String) {
    let id = format!("t{}", (js_sys::Math::random() * 1e15) as u64);
    let mut spec = json!({"id": id, "queuedMs": 60, "processingMs": 120});
    if let (Value::Object(m), Value::Object(e)) = (&mut spec, extra) {
        m.extend(e);
    }
    (id, spec.to_string())
}

fn client_with(key: &str, spec: &str) -> Client {
    Client::new(ClientConfig {
        api_key: key.to_string(),
        base_url: SIM.to_string(),
        headers: vec![("x-sim-scenario".to_string(), spec.to_string())],
        validate: true,
        // Same policy shape as SPEC 4.6, scaled down so tests are fast.
        retry: RetryPolicy {
            base_ms: 40.0,
            cap_ms: 400.0,
            ..RetryPolicy::default()
        },
        ..ClientConfig::default()
    })
    .expect("client")
}

fn fast() -> WaitOptions {
    WaitOptions {
        poll: PollSchedule {
            interval_ms: 40.0,
            ..PollSchedule::default()
        },
        timeout_ms: 10_000.0,
    }
}

async fn log(id: &str) -> Vec<Value> {
    let r = gloo_net::http::Request::get(&format!("{SIM}/__sim/log?scenario={id}"))
        .send()
        .await
        .expect("log");
    let v: Value = r.json().await.expect("log json");
    v["requests"].as_array().cloned().unwrap_or_default()
}

fn count(log: &[Value], method: &str) -> usize {
    log.iter().filter(|e| e["method"] == method).count()
}

/// The key went only into the header: never into a URL; every request carried it.
fn assert_key_only_in_header(log: &[Value], expect: &str) {
    for e in log {
        let url = e["url"].as_str().unwrap_or("");
        assert!(!url.contains(KEY), "key in URL {url}");
        if e["method"] != "OPTIONS" {
            assert_eq!(e["apiKey"], expect, "{e}");
            assert_eq!(e["authorization"], false);
        }
    }
}

fn set_timeout(f: &js_sys::Function, ms: f64) {
    let st = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout")).unwrap();
    let st: js_sys::Function = st.unchecked_into();
    st.call2(&JsValue::UNDEFINED, f, &JsValue::from_f64(ms))
        .unwrap();
}

fn abort_after(c: &AbortController, ms: f64) {
    let c = c.clone();
    let cb = Closure::once_into_js(move || c.abort());
    set_timeout(cb.unchecked_ref(), ms);
}

async fn run_model(model: &str, body: Value) {
    let (id, spec) = scenario(json!({}));
    let c = client_with(KEY, &spec);
    let t = FetchTransport::default();
    let mut ev: Vec<Progress> = vec![];
    let out = c
        .run(&t, model, body, vec![], &fast(), &mut |p: &Progress| {
            ev.push(p.clone())
        })
        .await
        .unwrap_or_else(|e| panic!("{model}: {e}"));
    assert_eq!(out.status, JobStatus::Completed);
    assert_eq!(out.raw["simulated"], true);
    assert_eq!(out.raw["model"], model);
    assert_eq!(out.remaining_credits, Some(99.5));
    let url = out.output.as_str().expect("output url");
    assert!(url.starts_with(SIM) && url.ends_with(".png"), "{url}");
    let states: Vec<_> = ev.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(states.first(), Some(&"QUEUED"));
    assert_eq!(states.last(), Some(&"COMPLETED"));
    let order = |s: &str| {
        ["QUEUED", "PROCESSING", "COMPLETED"]
            .iter()
            .position(|x| *x == s)
    };
    assert!(
        states.windows(2).all(|w| order(w[0]) < order(w[1])),
        "{states:?}"
    );
    assert!(ev.iter().all(|p| p.request_id == out.request_id));
    let l = log(&id).await;
    assert_eq!(count(&l, "POST"), 1);
    assert_key_only_in_header(&l, "valid");
    // The output image the simulator serves is a real PNG.
    let img = gloo_net::http::Request::get(url)
        .send()
        .await
        .unwrap()
        .binary()
        .await
        .unwrap();
    assert!(img.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[wasm_bindgen_test]
async fn happy_seg_swap() {
    run_model("seg-swap", json!({"main_image": "https://x/a.png", "object_image": "https://x/b.png", "mask_image": "https://x/m.png"})).await;
}
#[wasm_bindgen_test]
async fn happy_bg_replace() {
    run_model(
        "bg-replace",
        json!({"image": "https://x/a.png", "ref_image": "https://x/b.png", "prompt": "a beach"}),
    )
    .await;
}
#[wasm_bindgen_test]
async fn happy_relighting_v2() {
    run_model("segmind-relighting-v2", json!({"image": "https://x/a.png", "light_direction": "back", "light_intensity": "strong", "light_temperature": "warm", "light_type": "spotlight"})).await;
}
#[wasm_bindgen_test]
async fn happy_superimpose() {
    run_model(
        "superimpose",
        json!({"base_image": "https://x/a.png", "overlay_image": "https://x/b.png"}),
    )
    .await;
}
#[wasm_bindgen_test]
async fn happy_superimpose_v2() {
    run_model(
        "superimpose-v2",
        json!({"base_image": "https://x/a.png", "overlay_image": "https://x/b.png"}),
    )
    .await;
}

#[wasm_bindgen_test]
async fn run_sync_returns_png_and_headers() {
    let (id, spec) = scenario(json!({}));
    let c = client_with(KEY, &spec);
    let out = c
        .run_sync(
            &FetchTransport::default(),
            "sim-model",
            json!({"seed": 7}),
            vec![],
            None,
        )
        .await
        .unwrap();
    assert!(out.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(out.content_type, "image/png");
    assert_eq!(out.remaining_credits, Some(99.5));
    assert_eq!(out.cost, Some(0.01));
    assert_eq!(out.generation_time, Some(0.25));
    assert_eq!(out.seed.as_deref(), Some("7"));
    assert!(out.request_id.is_some());
    assert_eq!(count(&log(&id).await, "POST"), 1);
}

async fn submit_err(
    key: &str,
    model: &str,
    faults: Value,
) -> (superimpose_wasm::Error, Vec<Value>) {
    let (id, spec) = scenario(json!({"faults": faults}));
    let c = client_with(key, &spec);
    let mut noop = |_: &Progress| {};
    let e = c
        .run(
            &FetchTransport::default(),
            model,
            json!({"prompt": "x"}),
            vec![],
            &fast(),
            &mut noop,
        )
        .await
        .unwrap_err();
    assert!(!e.message().contains(KEY));
    (e, log(&id).await)
}

#[wasm_bindgen_test]
async fn error_rows_on_submit() {
    let cases: Vec<(&str, &str, Value, ErrorCode, u16)> = vec![
        (
            "SG_ffffffffffffffff",
            "sim-model",
            json!([]),
            ErrorCode::Unauthorized,
            401,
        ),
        (
            KEY,
            "sim-forbidden-model",
            json!([]),
            ErrorCode::Forbidden,
            403,
        ),
        (KEY, "no-such-model", json!([]), ErrorCode::NotFound, 404),
        (KEY, "sim-retired-model", json!([]), ErrorCode::Gone, 410),
        (
            KEY,
            "sim-model",
            json!([{"on": "submit", "status": 400}]),
            ErrorCode::InvalidRequest,
            400,
        ),
        (
            KEY,
            "sim-model",
            json!([{"on": "submit", "status": 406}]),
            ErrorCode::InsufficientCredits,
            406,
        ),
        (
            KEY,
            "sim-model",
            json!([{"on": "submit", "status": 406, "body": "Not Acceptable: Content-Type must be application/json"}]),
            ErrorCode::InvalidRequest,
            406,
        ),
        (
            KEY,
            "sim-model",
            json!([{"on": "submit", "status": 402}]),
            ErrorCode::InvalidRequest,
            402,
        ),
        (
            KEY,
            "sim-model",
            json!([{"on": "submit", "status": 405, "body": "<html>405</html>", "contentType": "text/html"}]),
            ErrorCode::Protocol,
            405,
        ),
    ];
    for (key, model, faults, code, status) in cases {
        let (e, l) = submit_err(key, model, faults).await;
        assert_eq!(e.code(), code, "{model} {status}: {e}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(count(&l, "POST"), 1, "{model} {status}: never retried");
        if key == KEY {
            assert_key_only_in_header(&l, "valid");
        } else {
            assert_key_only_in_header(&l, "invalid");
        }
    }
}

#[wasm_bindgen_test]
async fn submit_retried_after_503_burst_and_429_reset() {
    let (e_ok, l) = {
        let (id, spec) = scenario(
            json!({"faults": [{"on": "submit", "status": 503, "times": 2}, {"on": "submit", "status": 429, "resetMs": 300}]}),
        );
        let c = client_with(KEY, &spec);
        let t0 = js_sys::Date::now();
        let mut noop = |_: &Progress| {};
        let r = c
            .run(
                &FetchTransport::default(),
                "sim-model",
                json!({}),
                vec![],
                &fast(),
                &mut noop,
            )
            .await;
        assert!(
            js_sys::Date::now() - t0 >= 280.0,
            "waited for the rate-limit reset"
        );
        (r, log(&id).await)
    };
    assert!(e_ok.is_ok(), "{e_ok:?}");
    assert_eq!(count(&l, "POST"), 4);
}

#[wasm_bindgen_test]
async fn submit_not_retried_after_dropped_connection() {
    let (e, l) = submit_err(KEY, "sim-model", json!([{"on": "submit", "drop": true}])).await;
    assert_eq!(e.code(), ErrorCode::Network);
    assert!(e.message().contains("job may"), "{e}");
    assert_eq!(count(&l, "POST"), 1, "a POST is sent exactly once");
}

#[wasm_bindgen_test]
async fn submit_exhausts_retries() {
    let (e, l) = submit_err(
        KEY,
        "sim-model",
        json!([{"on": "submit", "status": 502, "times": 10}]),
    )
    .await;
    assert_eq!(e.code(), ErrorCode::Server);
    assert_eq!(e.status(), Some(502));
    assert_eq!(count(&l, "POST"), 4, "1 + 3 retries");
}

#[wasm_bindgen_test]
async fn submit_protocol_errors() {
    let (e, _) = submit_err(
        KEY,
        "sim-model",
        json!([{"on": "submit", "omit": ["request_id"]}]),
    )
    .await;
    assert_eq!(e.code(), ErrorCode::Protocol);
    let (e, _) = submit_err(
        KEY,
        "sim-model",
        json!([{"on": "submit", "malformed": true}]),
    )
    .await;
    assert_eq!(e.code(), ErrorCode::Protocol);
}

async fn poll_err(extra: Value) -> (superimpose_wasm::Error, Vec<Value>, Vec<String>) {
    let (id, spec) = scenario(extra);
    let c = client_with(KEY, &spec);
    let mut states = vec![];
    let e = c
        .run(
            &FetchTransport::default(),
            "sim-model",
            json!({}),
            vec![],
            &fast(),
            &mut |p: &Progress| states.push(p.status.as_str().to_string()),
        )
        .await
        .unwrap_err();
    assert!(!e.message().contains(KEY));
    assert!(
        e.request_id().is_some(),
        "a job's id is on every error: {e}"
    );
    (e, log(&id).await, states)
}

#[wasm_bindgen_test]
async fn error_rows_while_polling() {
    let (e, l, states) = poll_err(json!({"fail": "simulated content block"})).await;
    assert_eq!(e.code(), ErrorCode::InferenceFailed);
    assert_eq!(e.status(), Some(422));
    assert!(e.message().contains("simulated content block"));
    assert_eq!(states.last().map(String::as_str), Some("FAILED"));
    assert!(
        l.iter().all(|x| !x["url"]
            .as_str()
            .unwrap()
            .ends_with(e.request_id().unwrap())),
        "no result fetch after FAILED"
    );

    let (e, _, _) = poll_err(json!({"faults": [{"on": "status", "expired": true}]})).await;
    assert_eq!(e.code(), ErrorCode::Expired);
    assert_eq!(e.status(), Some(404));

    let (e, _, _) = poll_err(json!({"faults": [{"on": "status", "malformed": true}]})).await;
    assert_eq!(e.code(), ErrorCode::Protocol);

    let (e, _, _) = poll_err(json!({"faults": [{"on": "status", "status": 401}]})).await;
    assert_eq!(e.code(), ErrorCode::Unauthorized);

    let (e, l, _) =
        poll_err(json!({"faults": [{"on": "status", "status": 429, "times": 10, "resetMs": 10}]}))
            .await;
    assert_eq!(e.code(), ErrorCode::RateLimited);
    assert_eq!(count(&l, "GET"), 6, "1 + 5 retries");

    let (e, _, _) =
        poll_err(json!({"faults": [{"on": "result", "status": 500, "times": 10}]})).await;
    assert_eq!(e.code(), ErrorCode::Server);
}

#[wasm_bindgen_test]
async fn polls_retried_after_flaps() {
    let (id, spec) = scenario(json!({"faults": [
        {"on": "status", "status": 500, "times": 2},
        {"on": "status", "drop": true},
        {"on": "status", "status": 429, "resetMs": 50, "resetFormat": "epoch"},
        {"on": "result", "status": 503},
        {"on": "result", "drop": true}
    ]}));
    let c = client_with(KEY, &spec);
    let mut noop = |_: &Progress| {};
    let out = c
        .run(
            &FetchTransport::default(),
            "sim-model",
            json!({}),
            vec![],
            &fast(),
            &mut noop,
        )
        .await
        .unwrap();
    assert_eq!(out.raw["simulated"], true);
    let l = log(&id).await;
    assert_eq!(count(&l, "POST"), 1);
}

#[wasm_bindgen_test]
async fn timeout_keeps_request_id_then_resume_completes() {
    let (_, spec) = scenario(json!({"queuedMs": 100, "processingMs": 1200}));
    let c = client_with(KEY, &spec);
    let opts = WaitOptions {
        timeout_ms: 400.0,
        ..fast()
    };
    let t0 = js_sys::Date::now();
    let mut noop = |_: &Progress| {};
    let e = c
        .run(
            &FetchTransport::default(),
            "sim-model",
            json!({}),
            vec![],
            &opts,
            &mut noop,
        )
        .await
        .unwrap_err();
    let took = js_sys::Date::now() - t0;
    assert_eq!(e.code(), ErrorCode::Timeout);
    assert!(took < 1000.0, "deadline respected: {took}");
    let id = e
        .request_id()
        .expect("timeout carries the request id")
        .to_string();
    // Later (e.g. after a reload): resume by id.
    let job: JobRef = c.resume(&id).unwrap();
    let mut ev = vec![];
    let out = c
        .wait(
            &FetchTransport::default(),
            &job,
            &fast(),
            None,
            None,
            &mut |p: &Progress| ev.push(p.status),
        )
        .await
        .unwrap();
    assert_eq!(out.request_id, id);
    assert_eq!(ev.last(), Some(&JobStatus::Completed));
}

#[wasm_bindgen_test]
async fn slow_body_hits_the_deadline() {
    let (_, spec) = scenario(json!({"faults": [{"on": "status", "slowBodyMs": 3000}]}));
    let c = client_with(KEY, &spec);
    let opts = WaitOptions {
        timeout_ms: 500.0,
        ..fast()
    };
    let t0 = js_sys::Date::now();
    let mut noop = |_: &Progress| {};
    let e = c
        .run(
            &FetchTransport::default(),
            "sim-model",
            json!({}),
            vec![],
            &opts,
            &mut noop,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    assert!(e.request_id().is_some());
    assert!(js_sys::Date::now() - t0 < 2500.0);
}

#[wasm_bindgen_test]
async fn abort_at_each_stage() {
    let mut noop = |_: &Progress| {};
    // 1. Already aborted: nothing is sent.
    let (id, spec) = scenario(json!({}));
    let c = client_with(KEY, &spec);
    let ctl = AbortController::new().unwrap();
    ctl.abort();
    let t = FetchTransport {
        signal: Some(ctl.signal()),
        ..Default::default()
    };
    let e = c
        .run(&t, "sim-model", json!({}), vec![], &fast(), &mut noop)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Aborted);
    assert_eq!(count(&log(&id).await, "POST"), 0);

    // 2. During the submit POST (slow server): aborted, no id, "a job may exist".
    let (_, spec) = scenario(json!({"faults": [{"on": "submit", "delayMs": 1500}]}));
    let c = client_with(KEY, &spec);
    let ctl = AbortController::new().unwrap();
    abort_after(&ctl, 150.0);
    let t = FetchTransport {
        signal: Some(ctl.signal()),
        ..Default::default()
    };
    let e = c
        .run(&t, "sim-model", json!({}), vec![], &fast(), &mut noop)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Aborted);
    assert!(e.message().contains("job may"));

    // 3. While polling (between polls): aborted with the request id.
    let (_, spec) = scenario(json!({"processingMs": 3000}));
    let c = client_with(KEY, &spec);
    let ctl = AbortController::new().unwrap();
    abort_after(&ctl, 300.0);
    let t = FetchTransport {
        signal: Some(ctl.signal()),
        ..Default::default()
    };
    let e = c
        .run(&t, "sim-model", json!({}), vec![], &fast(), &mut noop)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Aborted);
    assert!(e.request_id().is_some());

    // 4. During a slow status request.
    let (_, spec) = scenario(json!({"faults": [{"on": "status", "delayMs": 1500}]}));
    let c = client_with(KEY, &spec);
    let ctl = AbortController::new().unwrap();
    abort_after(&ctl, 300.0);
    let t = FetchTransport {
        signal: Some(ctl.signal()),
        ..Default::default()
    };
    let e = c
        .run(&t, "sim-model", json!({}), vec![], &fast(), &mut noop)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Aborted);
    assert!(e.request_id().is_some());

    // 5. During the result fetch: abort when COMPLETED is reported.
    let (_, spec) = scenario(json!({"faults": [{"on": "result", "delayMs": 1000}]}));
    let c = client_with(KEY, &spec);
    let ctl = AbortController::new().unwrap();
    let t = FetchTransport {
        signal: Some(ctl.signal()),
        ..Default::default()
    };
    let ctl2 = ctl.clone();
    let mut on = move |p: &Progress| {
        if p.status == JobStatus::Completed {
            abort_after(&ctl2, 100.0);
        }
    };
    let e = c
        .run(&t, "sim-model", json!({}), vec![], &fast(), &mut on)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Aborted);
    assert!(e.request_id().is_some());
}

#[wasm_bindgen_test]
async fn status_reports_failed_without_throwing() {
    let (_, spec) = scenario(json!({"queuedMs": 0, "processingMs": 0, "fail": "nope"}));
    let c = client_with(KEY, &spec);
    let sub = c
        .submit(&FetchTransport::default(), "sim-model", json!({}), vec![])
        .await
        .unwrap();
    let job = c.resume(&sub.request_id).unwrap();
    let r = c.status(&FetchTransport::default(), &job).await.unwrap();
    assert_eq!(r.status, JobStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("nope"));
}
