//! Native tests of the remote client's sans-IO core (SPEC 4): message parsing, the error table
//! of 4.5, the terminal-state rule, retry decisions and backoff of 4.6, polling and deadlines of
//! 4.4 — and the whole submit/poll driver over a scripted transport with a virtual clock.
//! Expected values are hand-derived from SPEC 4 (and hand-computed timestamps), not recorded.

use serde_json::{json, Value};
use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use superimpose_wasm::client::protocol::*;
use superimpose_wasm::client::{
    image_data_uri, BinaryField, Client, ClientConfig, Progress, Transport, WaitOptions,
};
use superimpose_wasm::ErrorCode;

const KEY: &str = "SG_0123456789abcdef";
const BASE: &str = "http://sim.test";

fn resp(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

fn text(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: body.as_bytes().to_vec(),
    }
}

// ---------------------------------------------------------------------------------------------
// Status parsing and the terminal-state rule

#[test]
fn job_status_strings_are_exact() {
    for (s, st) in [
        ("QUEUED", JobStatus::Queued),
        ("PROCESSING", JobStatus::Processing),
        ("COMPLETED", JobStatus::Completed),
        ("FAILED", JobStatus::Failed),
    ] {
        assert_eq!(JobStatus::parse(s), Some(st));
        assert_eq!(st.as_str(), s);
    }
    assert_eq!(JobStatus::parse("queued"), None);
    assert_eq!(JobStatus::parse("DONE"), None);
    assert!(JobStatus::Completed.is_terminal() && JobStatus::Failed.is_terminal());
    assert!(!JobStatus::Queued.is_terminal() && !JobStatus::Processing.is_terminal());
}

#[test]
fn status_pending_states() {
    for s in ["QUEUED", "PROCESSING"] {
        let out = parse_status(
            &resp(200, json!({"status": s, "request_id": "r1", "metrics": {}})),
            "r1",
        )
        .unwrap();
        match out {
            StatusOutcome::Pending { status, .. } => assert_eq!(status.as_str(), s),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn terminal_body_wins_over_http_code() {
    // COMPLETED in a 500 body is COMPLETED.
    let out = parse_status(&resp(500, json!({"status": "COMPLETED"})), "r1").unwrap();
    assert!(matches!(out, StatusOutcome::Completed { .. }));
    // FAILED arrives as 422 — and also counts with 200 or 503.
    for code in [422, 200, 503] {
        let out = parse_status(
            &resp(code, json!({"status": "FAILED", "error": "NSFW content blocked", "metrics": {"inference_time": 1.5}, "request_id": "r1"})),
            "r1",
        )
        .unwrap();
        match out {
            StatusOutcome::Failed {
                error,
                http_status,
                metrics,
                ..
            } => {
                assert_eq!(error, "NSFW content blocked");
                assert_eq!(http_status, code);
                assert_eq!(metrics["inference_time"], json!(1.5));
            }
            other => panic!("{other:?}"),
        }
    }
    // The result endpoint: a FAILED body is InferenceFailed whatever the code.
    let e = parse_result(
        &resp(200, json!({"status": "FAILED", "error": "boom"})),
        "r9",
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InferenceFailed);
    assert_eq!(e.request_id(), Some("r9"));
    assert!(e.message().contains("boom"));
}

#[test]
fn status_protocol_errors() {
    let e = parse_status(&text(200, "<html>"), "r1").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Protocol);
    assert_eq!(e.request_id(), Some("r1"));
    let e = parse_status(&resp(200, json!({"status": "RUNNING"})), "r1").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Protocol);
    let e = parse_status(&resp(200, json!({"request_id": "r1"})), "r1").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Protocol);
}

#[test]
fn poll_404_is_expired_with_request_id() {
    let e = parse_status(&resp(404, json!({"error": "Request r1 not found"})), "r1").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Expired);
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.request_id(), Some("r1"));
    assert!(e.message().contains("Request r1 not found"));
}

#[test]
fn result_needs_output_and_surfaces_credits() {
    let r = parse_result(
        &resp(
            200,
            json!({"status": "COMPLETED", "error": null, "output": "https://x/y.png",
            "metrics": {"remaining_credits": 12.5, "cost": 0.1}, "seed": 7}),
        ),
        "r1",
    )
    .unwrap();
    assert_eq!(r.output, json!("https://x/y.png"));
    assert_eq!(r.remaining_credits, Some(12.5));
    assert_eq!(r.raw["seed"], json!(7));
    let e = parse_result(
        &resp(200, json!({"status": "COMPLETED", "metrics": {}})),
        "r1",
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Protocol);
    // output: null is present (a model may return null); a missing key is not.
    assert!(parse_result(
        &resp(200, json!({"status": "COMPLETED", "output": null})),
        "r1"
    )
    .is_ok());
}

// ---------------------------------------------------------------------------------------------
// Submit parsing

#[test]
fn submit_ok_uses_given_urls_on_same_origin() {
    let s = parse_submit(
        &resp(
            200,
            json!({"request_id": "abc-1", "status": "QUEUED",
            "status_url": "http://sim.test/v2/requests/abc-1/status",
            "response_url": "http://sim.test/v2/requests/abc-1"}),
        ),
        BASE,
    )
    .unwrap();
    assert_eq!(s.request_id, "abc-1");
    assert_eq!(s.status, JobStatus::Queued);
    assert_eq!(s.status_url, "http://sim.test/v2/requests/abc-1/status");
}

#[test]
fn submit_builds_missing_or_foreign_urls() {
    let s = parse_submit(
        &resp(200, json!({"request_id": "abc-1", "status_url": "https://evil.example/v2/requests/abc-1/status"})),
        BASE,
    )
    .unwrap();
    assert_eq!(s.status_url, "http://sim.test/v2/requests/abc-1/status");
    assert_eq!(s.response_url, "http://sim.test/v2/requests/abc-1");
}

#[test]
fn submit_without_request_id_is_protocol() {
    let e = parse_submit(&resp(200, json!({"status": "QUEUED"})), BASE).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Protocol);
    let e = parse_submit(&text(200, "{\"status\": \"QUEU"), BASE).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Protocol);
    let e = parse_submit(&resp(200, json!({"request_id": "../../x"})), BASE).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Protocol);
}

// ---------------------------------------------------------------------------------------------
// The error table of SPEC 4.5

#[test]
fn error_table() {
    use ErrorCode::*;
    let rows: &[(Phase, u16, &str, ErrorCode)] = &[
        (
            Phase::Submit,
            400,
            r#"{"error":"missing field"}"#,
            InvalidRequest,
        ),
        (Phase::Submit, 401, r#"{"error":"bad key"}"#, Unauthorized),
        (Phase::Status, 401, r#"{"error":"bad key"}"#, Unauthorized),
        (Phase::Submit, 403, "forbidden", Forbidden),
        (
            Phase::Submit,
            404,
            r#"{"error":"Model x not found"}"#,
            NotFound,
        ),
        (Phase::SyncRun, 404, "not found", NotFound),
        (
            Phase::Status,
            404,
            r#"{"error":"Request r not found"}"#,
            Expired,
        ),
        (
            Phase::Result,
            404,
            r#"{"error":"Request r not found"}"#,
            Expired,
        ),
        (
            Phase::Submit,
            405,
            "<html>Method Not Allowed</html>",
            Protocol,
        ),
        (
            Phase::Submit,
            406,
            "Insufficient credits",
            InsufficientCredits,
        ),
        (
            Phase::Submit,
            406,
            r#"{"error":"Spend LIMIT reached"}"#,
            InsufficientCredits,
        ),
        (
            Phase::Submit,
            406,
            "Not Acceptable: Content-Type must be application/json",
            InvalidRequest,
        ),
        (Phase::Submit, 410, "retired", Gone),
        (
            Phase::Status,
            422,
            r#"{"error":"no status"}"#,
            InferenceFailed,
        ),
        (Phase::Submit, 429, "slow down", RateLimited),
        (Phase::Status, 429, "slow down", RateLimited),
        (Phase::Submit, 500, "", Server),
        (Phase::Submit, 502, "", Server),
        (Phase::Status, 503, "", Server),
        (Phase::Result, 504, "", Server),
    ];
    for (phase, status, body, want) in rows {
        let r = text(*status, body);
        let e = error_from_response(*phase, &r, Some("rid"));
        assert_eq!(e.code(), *want, "{phase:?} {status} {body}");
        assert_eq!(e.status(), Some(*status));
        assert_eq!(e.request_id(), Some("rid"));
        // The raw server message is kept.
        let inner = body
            .trim_start_matches(r#"{"error":""#)
            .trim_end_matches(r#""}"#);
        if !inner.is_empty() && !body.starts_with('<') {
            assert!(e.message().contains(inner), "{} lacks {inner}", e.message());
        }
    }
}

#[test]
fn error_message_from_json_or_text() {
    assert_eq!(
        server_message(&resp(400, json!({"error": "bad prompt"}))),
        "bad prompt"
    );
    assert_eq!(
        server_message(&text(502, "  Bad Gateway \n")),
        "Bad Gateway"
    );
    assert_eq!(server_message(&text(504, "")), "HTTP 504");
    let long = "x".repeat(2000);
    assert!(server_message(&text(500, &long)).chars().count() <= 501);
}

// ---------------------------------------------------------------------------------------------
// Retry policy (SPEC 4.6)

#[test]
fn get_retry_decisions() {
    let p = RetryPolicy::default();
    for phase in [Phase::Status, Phase::Result] {
        for o in [
            AttemptOutcome::Network,
            AttemptOutcome::Http(429),
            AttemptOutcome::Http(500),
            AttemptOutcome::Http(502),
            AttemptOutcome::Http(503),
            AttemptOutcome::Http(504),
        ] {
            for n in 0..5 {
                assert!(p.should_retry(phase, o, n), "{phase:?} {o:?} {n}");
            }
            assert!(!p.should_retry(phase, o, 5), "at most 5 retries");
        }
        for s in [400, 401, 403, 404, 405, 406, 410, 422, 501, 505] {
            assert!(!p.should_retry(phase, AttemptOutcome::Http(s), 0), "{s}");
        }
    }
}

#[test]
fn post_retry_decisions() {
    let p = RetryPolicy::default();
    for phase in [Phase::Submit, Phase::SyncRun] {
        for s in [429, 500, 502, 503, 504] {
            for n in 0..3 {
                assert!(p.should_retry(phase, AttemptOutcome::Http(s), n));
            }
            assert!(
                !p.should_retry(phase, AttemptOutcome::Http(s), 3),
                "at most 3"
            );
        }
        // A network error after the body may have been sent: never.
        assert!(!p.should_retry(phase, AttemptOutcome::Network, 0));
        for s in [400, 401, 403, 404, 406, 410, 422] {
            assert!(!p.should_retry(phase, AttemptOutcome::Http(s), 0));
        }
    }
}

#[test]
fn backoff_bounds_full_jitter() {
    let p = RetryPolicy::default();
    let windows = [
        1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 30000.0, 30000.0, 30000.0,
    ];
    for (n, w) in windows.iter().enumerate() {
        assert_eq!(p.backoff_window_ms(n as u32), *w);
        assert_eq!(p.backoff_ms(n as u32, 0.0), 0.0);
        assert_eq!(p.backoff_ms(n as u32, 1.0), *w);
        assert_eq!(p.backoff_ms(n as u32, 0.25), w * 0.25);
    }
    assert_eq!(p.backoff_window_ms(1000), 30000.0);
    assert_eq!(p.backoff_ms(3, f64::NAN), 0.0);
    assert_eq!(p.backoff_ms(3, 7.0), 8000.0);
}

#[test]
fn rate_limit_reset_header_is_honoured() {
    let p = RetryPolicy::default();
    // 2026-01-01T00:00:00Z = 1 767 225 600 s (hand-computed: 56 years incl. 14 leap days).
    let at = 1_767_225_600_000.0;
    assert_eq!(parse_reset_at("2026-01-01T00:00:00Z"), Some(at));
    assert_eq!(parse_reset_at("2026-01-01T00:00:00.500Z"), Some(at + 500.0));
    assert_eq!(parse_reset_at("2026-01-01T01:00:00+01:00"), Some(at));
    assert_eq!(parse_reset_at("1767225600"), Some(at));
    assert_eq!(parse_reset_at("1767225600000"), Some(at));
    assert_eq!(parse_reset_at("soon"), None);
    let now = at - 3000.0;
    let h = vec![(
        "X-Rate-Limit-Reset-At-UTC".to_string(),
        "2026-01-01T00:00:00Z".to_string(),
    )];
    assert_eq!(p.retry_delay_ms(0, 0.0, Some(429), &h, now), 3000.0);
    // The jittered backoff still applies when longer.
    assert_eq!(p.retry_delay_ms(3, 1.0, Some(429), &h, now), 8000.0);
    // Retry-After: seconds, or an IMF-fixdate (Sun, 06 Nov 1994 08:49:37 GMT = 784 111 777 s).
    let h = vec![("retry-after".to_string(), "2".to_string())];
    assert_eq!(p.retry_delay_ms(0, 0.0, Some(429), &h, now), 2000.0);
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777_000.0 - 1500.0),
        Some(1500.0)
    );
    // A reset in the past does not add a wait.
    let h = vec![(
        "x-rate-limit-reset-at-utc".to_string(),
        "2020-01-01T00:00:00Z".to_string(),
    )];
    assert_eq!(p.retry_delay_ms(0, 0.0, Some(429), &h, now), 0.0);
}

#[test]
fn poll_schedule_and_deadline() {
    let s = PollSchedule::default();
    assert_eq!(s.next_delay_ms(None, 0.0), 1000.0);
    assert_eq!(
        s.next_delay_ms(Some(1000.0), 5000.0),
        1000.0,
        "no growth before 20 s"
    );
    let mut d = 1000.0;
    let mut seen = vec![];
    for _ in 0..6 {
        d = s.next_delay_ms(Some(d), 25_000.0);
        seen.push(d);
    }
    assert_eq!(seen, vec![1500.0, 2250.0, 3375.0, 5000.0, 5000.0, 5000.0]);
    let fixed = PollSchedule { growth: 1.0, ..s };
    assert_eq!(fixed.next_delay_ms(Some(1000.0), 100_000.0), 1000.0);
    assert!(PollSchedule { growth: 0.5, ..s }.validate().is_err());
    assert!(PollSchedule {
        interval_ms: f64::NAN,
        ..s
    }
    .validate()
    .is_err());

    let dl = Deadline::new(1000.0, 5000.0);
    assert!(dl.allows(1000.0, 4999.0));
    assert!(!dl.allows(1000.0, 5000.0));
    assert_eq!(dl.remaining_ms(5500.0), 500.0);
    let e = dl.timeout_error(6000.0, "rid-7");
    assert_eq!(e.code(), ErrorCode::Timeout);
    assert_eq!(e.request_id(), Some("rid-7"));
    assert!(e.message().contains("5 s"));
    assert!(check_timeout(0.0).is_err() && check_timeout(f64::INFINITY).is_err());
}

#[test]
fn sync_headers_are_parsed() {
    let r = HttpResponse {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "image/jpeg".into()),
            ("x-remaining-credits".into(), "41.25".into()),
            ("x-cost".into(), "0.02".into()),
            ("x-generation-time".into(), "3.5".into()),
            ("x-seed-value".into(), "123456789012345678".into()),
            ("x-request-id".into(), "sync-1".into()),
        ],
        body: vec![0xFF, 0xD8, 0xFF, 0xE0],
    };
    let s = parse_sync(&r).unwrap();
    assert_eq!(s.content_type, "image/jpeg");
    assert_eq!(s.remaining_credits, Some(41.25));
    assert_eq!(s.cost, Some(0.02));
    assert_eq!(s.generation_time, Some(3.5));
    assert_eq!(s.seed.as_deref(), Some("123456789012345678"));
    assert_eq!(s.request_id.as_deref(), Some("sync-1"));
    assert_eq!(s.bytes, vec![0xFF, 0xD8, 0xFF, 0xE0]);
}

#[test]
fn image_bytes_become_data_uris() {
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let f = BinaryField {
        name: "image".into(),
        mime: String::new(),
        bytes: png,
    };
    // base64("\x89PNG\r\n\x1a\nrest") computed by hand in 3-byte groups.
    assert_eq!(
        image_data_uri(&f).unwrap(),
        "data:image/png;base64,iVBORw0KGgpyZXN0"
    );
    let f = BinaryField {
        name: "image".into(),
        mime: "image/webp".into(),
        bytes: b"abc".to_vec(),
    };
    assert_eq!(image_data_uri(&f).unwrap(), "data:image/webp;base64,YWJj");
    let f = BinaryField {
        name: "mask".into(),
        mime: "text/plain".into(),
        bytes: b"hello".to_vec(),
    };
    let e = image_data_uri(&f).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageInput);
    assert_eq!(e.param_name(), Some("mask"));
}

// ---------------------------------------------------------------------------------------------
// The driver over a scripted transport with a virtual clock

#[derive(Default)]
struct Script {
    answers: RefCell<Vec<Result<HttpResponse, SendError>>>,
    sent: RefCell<Vec<HttpRequest>>,
    sleeps: RefCell<Vec<f64>>,
    now: RefCell<f64>,
    abort_on_sleep: RefCell<bool>,
    per_request_ms: f64,
}

impl Script {
    fn new(answers: Vec<Result<HttpResponse, SendError>>) -> Script {
        let s = Script {
            per_request_ms: 10.0,
            ..Default::default()
        };
        *s.answers.borrow_mut() = answers.into_iter().rev().collect();
        *s.now.borrow_mut() = 1_000_000.0;
        s
    }
    fn posts(&self) -> usize {
        self.sent
            .borrow()
            .iter()
            .filter(|r| r.method == Method::Post)
            .count()
    }
}

impl Transport for Script {
    fn send(
        &self,
        req: &HttpRequest,
        _deadline: Option<f64>,
    ) -> impl Future<Output = Result<HttpResponse, SendError>> {
        self.sent.borrow_mut().push(req.clone());
        *self.now.borrow_mut() += self.per_request_ms;
        let a = self
            .answers
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Ok(resp(200, json!({"status": "PROCESSING"}))));
        async move { a }
    }
    fn sleep(&self, ms: f64) -> impl Future<Output = Result<(), SendError>> {
        self.sleeps.borrow_mut().push(ms);
        *self.now.borrow_mut() += ms;
        let r = if *self.abort_on_sleep.borrow() {
            Err(SendError::Aborted)
        } else {
            Ok(())
        };
        async move { r }
    }
    fn now_ms(&self) -> f64 {
        *self.now.borrow()
    }
    fn random(&self) -> f64 {
        0.5
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn client() -> Client {
    Client::new(ClientConfig {
        api_key: KEY.into(),
        base_url: format!("{BASE}/"),
        ..Default::default()
    })
    .unwrap()
}

fn submitted(id: &str) -> Result<HttpResponse, SendError> {
    Ok(resp(
        200,
        json!({"request_id": id, "status": "QUEUED",
        "status_url": format!("{BASE}/v2/requests/{id}/status"),
        "response_url": format!("{BASE}/v2/requests/{id}")}),
    ))
}

fn st(s: &str) -> Result<HttpResponse, SendError> {
    Ok(resp(200, json!({"status": s, "metrics": {}})))
}

fn done() -> Result<HttpResponse, SendError> {
    Ok(resp(
        200,
        json!({"status": "COMPLETED", "output": "http://x/o.png", "metrics": {"remaining_credits": 3.0}}),
    ))
}

fn no_key_anywhere(t: &Script, err: Option<&superimpose_wasm::Error>) {
    for r in t.sent.borrow().iter() {
        assert!(!r.url.contains(KEY), "key in URL {}", r.url);
        let keys: Vec<_> = r.headers.iter().filter(|(_, v)| v.contains(KEY)).collect();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].0, "x-api-key");
        assert!(r.body.as_deref().is_none_or(|b| !b.contains(KEY)));
    }
    if let Some(e) = err {
        assert!(!e.message().contains(KEY));
    }
}

fn run(t: &Script, opts: WaitOptions) -> (superimpose_wasm::Result<JobOutput>, Vec<Progress>) {
    let c = client();
    let mut ev = vec![];
    let r = block_on(c.run(
        t,
        "flux-dev",
        json!({"prompt": "a"}),
        vec![],
        &opts,
        &mut |p: &Progress| ev.push(p.clone()),
    ));
    (r, ev)
}

#[test]
fn run_happy_path_progress_in_order() {
    let t = Script::new(vec![
        submitted("r1"),
        st("QUEUED"),
        st("PROCESSING"),
        st("PROCESSING"),
        st("COMPLETED"),
        done(),
    ]);
    let (r, ev) = run(&t, WaitOptions::default());
    let r = r.unwrap();
    assert_eq!(r.request_id, "r1");
    assert_eq!(r.remaining_credits, Some(3.0));
    let states: Vec<_> = ev.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(states, ["QUEUED", "PROCESSING", "COMPLETED"]);
    assert!(ev.windows(2).all(|w| w[0].elapsed_ms <= w[1].elapsed_ms));
    let sent = t.sent.borrow();
    assert_eq!(sent[0].method, Method::Post);
    assert_eq!(sent[0].url, "http://sim.test/v2/flux-dev");
    assert_eq!(sent[0].body.as_deref(), Some(r#"{"prompt":"a"}"#));
    assert!(sent[0]
        .headers
        .contains(&("content-type".into(), "application/json".into())));
    assert_eq!(sent[1].url, "http://sim.test/v2/requests/r1/status");
    assert_eq!(sent.last().unwrap().url, "http://sim.test/v2/requests/r1");
    // First poll immediately; then the 1 s interval.
    assert_eq!(*t.sleeps.borrow(), vec![1000.0, 1000.0, 1000.0]);
    drop(sent);
    no_key_anywhere(&t, None);
}

#[test]
fn get_retries_then_succeeds() {
    let t = Script::new(vec![
        submitted("r2"),
        Ok(text(503, "unavailable")),
        Err(SendError::Network("reset".into())),
        Ok(resp(429, json!({"error": "slow"}))),
        st("COMPLETED"),
        Ok(text(502, "")),
        done(),
    ]);
    let (r, _) = run(&t, WaitOptions::default());
    assert_eq!(r.unwrap().request_id, "r2");
    assert_eq!(t.posts(), 1);
    // Full jitter with random = 0.5: 0.5·1000, 0.5·2000, 0.5·4000; then 0.5·1000 for the result.
    assert_eq!(*t.sleeps.borrow(), vec![500.0, 1000.0, 2000.0, 500.0]);
}

#[test]
fn get_retries_are_bounded() {
    let mut a = vec![submitted("r3")];
    a.extend((0..6).map(|_| Ok(text(500, "oops"))));
    let t = Script::new(a);
    let (r, _) = run(&t, WaitOptions::default());
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Server);
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.request_id(), Some("r3"));
    assert_eq!(t.sent.borrow().len(), 1 + 6, "1 try + 5 retries");
}

#[test]
fn submit_retried_only_when_nothing_was_accepted() {
    let t = Script::new(vec![
        Ok(text(503, "busy")),
        Ok(resp(429, json!({}))),
        submitted("r4"),
        st("COMPLETED"),
        done(),
    ]);
    let (r, _) = run(&t, WaitOptions::default());
    assert_eq!(r.unwrap().request_id, "r4");
    assert_eq!(t.posts(), 3);

    let t = Script::new(vec![Err(SendError::Network("connection reset".into()))]);
    let (r, _) = run(&t, WaitOptions::default());
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Network);
    assert!(e.message().contains("job may"), "{}", e.message());
    assert_eq!(
        t.posts(),
        1,
        "a POST is never retried after a network error"
    );

    let t = Script::new(
        (0..5)
            .map(|_| Ok(resp(429, json!({"error": "rate"}))))
            .collect(),
    );
    let (r, _) = run(&t, WaitOptions::default());
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited);
    assert_eq!(e.status(), Some(429));
    assert_eq!(t.posts(), 4, "1 try + 3 retries");

    for (code, want) in [
        (400, ErrorCode::InvalidRequest),
        (401, ErrorCode::Unauthorized),
        (406, ErrorCode::InsufficientCredits),
    ] {
        let t = Script::new(vec![Ok(text(code, "no credits left"))]);
        let (r, _) = run(&t, WaitOptions::default());
        assert_eq!(r.unwrap_err().code(), want);
        assert_eq!(t.posts(), 1);
    }
}

#[test]
fn failed_job_is_not_fetched() {
    let t = Script::new(vec![
        submitted("r5"),
        st("PROCESSING"),
        Ok(resp(
            422,
            json!({"status": "FAILED", "error": "content blocked", "metrics": {"total_time": 2}, "request_id": "r5"}),
        )),
    ]);
    let (r, ev) = run(&t, WaitOptions::default());
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InferenceFailed);
    assert_eq!(e.status(), Some(422));
    assert_eq!(e.request_id(), Some("r5"));
    assert!(e.message().contains("content blocked"));
    assert_eq!(t.sent.borrow().len(), 3, "no result fetch after FAILED");
    let states: Vec<_> = ev.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(states, ["QUEUED", "PROCESSING", "FAILED"]);
}

#[test]
fn deadline_gives_timeout_with_request_id_and_is_not_overrun() {
    let t = Script::new(vec![submitted("r6")]);
    let start = *t.now.borrow();
    let opts = WaitOptions {
        timeout_ms: 5000.0,
        ..Default::default()
    };
    let (r, _) = run(&t, opts);
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout);
    assert_eq!(e.request_id(), Some("r6"));
    let end = *t.now.borrow();
    assert!(
        (end - start - 5000.0).abs() < 1e-6,
        "ends exactly at the deadline: {}",
        end - start
    );
    // Retries never extend the deadline.
    let mut a = vec![submitted("r7")];
    a.extend((0..10).map(|_| Ok(text(503, "x"))));
    let t = Script::new(a);
    let start = *t.now.borrow();
    let (r, _) = run(
        &t,
        WaitOptions {
            timeout_ms: 2000.0,
            ..Default::default()
        },
    );
    assert_eq!(r.unwrap_err().code(), ErrorCode::Timeout);
    assert!(*t.now.borrow() - start <= 2000.0 + 10.0);
}

#[test]
fn abort_keeps_request_id() {
    let t = Script::new(vec![submitted("r8"), st("QUEUED")]);
    *t.abort_on_sleep.borrow_mut() = true;
    let (r, _) = run(&t, WaitOptions::default());
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Aborted);
    assert_eq!(e.request_id(), Some("r8"));
    // Abort during the submit POST: no id, and the message says a job may exist.
    let t = Script::new(vec![Err(SendError::Aborted)]);
    let (r, _) = run(&t, WaitOptions::default());
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Aborted);
    assert!(e.message().contains("job may"));
}

#[test]
fn key_echoed_by_server_is_scrubbed() {
    let t = Script::new(vec![Ok(resp(
        401,
        json!({"error": format!("key {KEY} is not valid")}),
    ))]);
    let (r, _) = run(&t, WaitOptions::default());
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    assert!(e.message().contains("[redacted]"));
    no_key_anywhere(&t, Some(&e));
}

#[test]
fn resume_and_inputs_are_checked() {
    let c = client();
    let j = c.resume("abc-123").unwrap();
    assert_eq!(j.status_url, "http://sim.test/v2/requests/abc-123/status");
    assert!(c.resume("../x").is_err());
    assert!(c.resume("").is_err());
    let t = Script::new(vec![]);
    let mut noop = |_: &Progress| {};
    let e = block_on(c.run(
        &t,
        "seg/swap",
        json!({}),
        vec![],
        &WaitOptions::default(),
        &mut noop,
    ))
    .unwrap_err();
    assert_eq!(e.param_name(), Some("model"));
    let e = block_on(c.run(
        &t,
        "bg-replace",
        json!([1, 2]),
        vec![],
        &WaitOptions::default(),
        &mut noop,
    ))
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamType);
    assert!(
        t.sent.borrow().is_empty(),
        "invalid input never reaches the network"
    );
    assert!(Client::new(ClientConfig {
        base_url: "ftp://x".into(),
        ..Default::default()
    })
    .is_err());
    assert!(Client::new(ClientConfig {
        base_url: "https://x?q=1".into(),
        ..Default::default()
    })
    .is_err());
}

#[test]
fn sync_run_sends_v1_and_is_retried_like_submit() {
    let png = HttpResponse {
        status: 200,
        headers: vec![
            ("content-type".into(), "image/png".into()),
            ("x-request-id".into(), "s1".into()),
        ],
        body: b"\x89PNG\r\n\x1a\n".to_vec(),
    };
    let t = Script::new(vec![Ok(text(504, "")), Ok(png)]);
    let c = client();
    let out = block_on(c.run_sync(&t, "flux-dev", json!({"a": 1}), vec![], None)).unwrap();
    assert_eq!(out.request_id.as_deref(), Some("s1"));
    assert_eq!(t.sent.borrow()[0].url, "http://sim.test/v1/flux-dev");
    assert_eq!(t.posts(), 2);
    let t = Script::new(vec![Err(SendError::Network("x".into()))]);
    assert_eq!(
        block_on(c.run_sync(&t, "flux-dev", json!({}), vec![], None))
            .unwrap_err()
            .code(),
        ErrorCode::Network
    );
    assert_eq!(t.posts(), 1);
}

/// Typed models are validated before anything is sent; `validate: false` and untyped models
/// pass through.
#[test]
fn typed_models_are_validated_before_the_network() {
    let c = client();
    let t = Script::new(vec![]);
    let mut noop = |_: &Progress| {};
    let e = block_on(c.run(
        &t,
        "bg-replace",
        json!({"prompt": "a"}),
        vec![],
        &WaitOptions::default(),
        &mut noop,
    ))
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamMissing);
    assert_eq!(e.param_name(), Some("image"));
    let e = block_on(c.run(
        &t,
        "superimpose-v2",
        json!({"base_image": "https://x/a.png", "overlay_image": "https://x/b.png", "opacity": 101}),
        vec![],
        &WaitOptions::default(),
        &mut noop,
    ))
    .unwrap_err();
    assert_eq!(
        (e.code(), e.param_name()),
        (ErrorCode::ParamRange, Some("opacity"))
    );
    assert!(
        t.sent.borrow().is_empty(),
        "an invalid body never reaches the network"
    );
}

// ---------------------------------------------------------------------------------------------
// Upload-asset (SPEC 4.7)

fn png_field(name: &str) -> BinaryField {
    BinaryField {
        name: name.into(),
        mime: "image/png".into(),
        bytes: b"\x89PNG\r\n\x1a\n\x00\x01".to_vec(),
    }
}

#[test]
fn upload_assets_posts_data_urls_and_returns_file_urls() {
    let t = Script::new(vec![Ok(resp(
        200,
        json!({"file_urls": ["https://cdn.test/a.png", "https://cdn.test/b.png"], "message": "ok"}),
    ))]);
    let urls = block_on(client().upload_assets(&t, &[png_field("a"), png_field("b")])).unwrap();
    assert_eq!(urls, ["https://cdn.test/a.png", "https://cdn.test/b.png"]);
    let sent = t.sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, Method::Post);
    assert_eq!(
        sent[0].url,
        "https://workflows-api.segmind.com/upload-asset"
    );
    assert!(sent[0]
        .headers
        .iter()
        .any(|(k, v)| k == "x-api-key" && v == KEY));
    let body: Value = serde_json::from_str(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"data_urls": ["data:image/png;base64,iVBORw0KGgoAAQ==", "data:image/png;base64,iVBORw0KGgoAAQ=="]})
    );
}

#[test]
fn upload_answers_are_checked() {
    let cases = [
        (
            resp(200, json!({"file_urls": ["https://cdn.test/a.png"]})),
            ErrorCode::Protocol,
        ), // 1 of 2
        (resp(200, json!({"message": "ok"})), ErrorCode::Protocol),
        (
            resp(200, json!({"file_urls": ["javascript:alert(1)", "x"]})),
            ErrorCode::Protocol,
        ),
        (text(200, "<html>"), ErrorCode::Protocol),
        (
            resp(401, json!({"error": "Unauthorized"})),
            ErrorCode::Unauthorized,
        ),
        (
            resp(400, json!({"error": "bad"})),
            ErrorCode::InvalidRequest,
        ),
    ];
    for (answer, code) in cases {
        let t = Script::new(vec![Ok(answer)]);
        let e =
            block_on(client().upload_assets(&t, &[png_field("a"), png_field("b")])).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
    }
    // Not billable: a 503 and a dropped connection are retried.
    let t = Script::new(vec![
        Ok(resp(503, json!({"error": "busy"}))),
        Err(SendError::Network("reset".into())),
        Ok(resp(200, json!({"file_urls": ["http://cdn.test/a"]}))),
    ]);
    assert_eq!(
        block_on(client().upload_assets(&t, &[png_field("a")])).unwrap(),
        ["http://cdn.test/a"]
    );
    assert_eq!(t.sent.borrow().len(), 3);
}

#[test]
fn upload_mode_validates_first_then_replaces_blob_fields_with_urls() {
    let mut cfg = ClientConfig {
        api_key: KEY.into(),
        base_url: BASE.into(),
        upload: true,
        upload_url: format!("{BASE}/upload-asset"),
        ..Default::default()
    };
    let c = Client::new(cfg.clone()).unwrap();
    // Invalid body: nothing is sent at all.
    let t = Script::new(vec![]);
    let bad = json!({"ref_image": "https://x/b.png", "prompt": "p", "num_inference_steps": 1000});
    let e = block_on(c.submit(&t, "bg-replace", bad, vec![png_field("image")])).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange);
    assert!(t.sent.borrow().is_empty());
    // Valid body: upload, then submit with the URL.
    let t = Script::new(vec![
        Ok(resp(200, json!({"file_urls": ["http://sim.test/asset/1"]}))),
        submitted("r-1"),
    ]);
    let body = json!({"ref_image": "https://x/b.png", "prompt": "p"});
    block_on(c.submit(&t, "bg-replace", body, vec![png_field("image")])).unwrap();
    let sent = t.sent.borrow();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].url, "http://sim.test/upload-asset");
    let b: Value = serde_json::from_str(sent[1].body.as_deref().unwrap()).unwrap();
    assert_eq!(b["image"], "http://sim.test/asset/1");
    assert_eq!(b["ref_image"], "https://x/b.png");
    // A bad upload URL is refused at construction.
    cfg.upload_url = "ftp://x".into();
    assert_eq!(
        Client::new(cfg).unwrap_err().code(),
        ErrorCode::InvalidRequest
    );
}
