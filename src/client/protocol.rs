//! The sans-IO core of the Segmind protocol (SPEC 4): message types, response interpretation
//! (the error table of SPEC 4.5 and the terminal-state rule of 4.2), the retry policy of 4.6 and
//! the polling schedule of 4.4. Nothing here performs I/O or reads a clock: callers pass in the
//! responses, the current time and the random numbers, so every decision is testable natively.

use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

/// The state of a remote job (SPEC 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Accepted, waiting for a worker.
    Queued,
    /// Running on a worker.
    Processing,
    /// Done; the result body is ready.
    Completed,
    /// The job ran and failed (including content blocks).
    Failed,
}

impl JobStatus {
    /// Parse the protocol's upper-case status string (exact match).
    pub fn parse(s: &str) -> Option<JobStatus> {
        match s {
            "QUEUED" => Some(JobStatus::Queued),
            "PROCESSING" => Some(JobStatus::Processing),
            "COMPLETED" => Some(JobStatus::Completed),
            "FAILED" => Some(JobStatus::Failed),
            _ => None,
        }
    }

    /// The protocol's string form.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "QUEUED",
            JobStatus::Processing => "PROCESSING",
            JobStatus::Completed => "COMPLETED",
            JobStatus::Failed => "FAILED",
        }
    }

    /// COMPLETED or FAILED.
    pub const fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed)
    }
}

/// Which call a response belongs to; it decides how a 404 is read and how a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `POST /v2/{model}`.
    Submit,
    /// `POST /v1/{model}` (synchronous run).
    SyncRun,
    /// `GET /v2/requests/{id}/status`.
    Status,
    /// `GET /v2/requests/{id}`.
    Result,
    /// `POST …/upload-asset` (SPEC 4.7). Not billable: retried like a GET.
    Upload,
}

impl Phase {
    /// True for the billable, non-idempotent POSTs.
    pub const fn is_post(self) -> bool {
        matches!(self, Phase::Submit | Phase::SyncRun)
    }
}

/// HTTP method of a [`HttpRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request the transport must send verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL (never contains the API key).
    pub url: String,
    /// Header name/value pairs (the API key travels only here, as `x-api-key`).
    pub headers: Vec<(String, String)>,
    /// The JSON body for POSTs.
    pub body: Option<String>,
}

/// A response as the transport received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Header name/value pairs as received (names compared case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The raw body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Case-insensitive header lookup.
pub fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What the transport reports when no HTTP response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Connection refused or lost, DNS, CORS, a body cut short. The message is the platform's.
    Network(String),
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The operation's deadline passed while the request was in flight.
    DeadlineExceeded,
}

/// A successfully submitted job (SPEC 4.2 submit answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The request id.
    pub request_id: String,
    /// The status the submit answer reported (QUEUED when absent).
    pub status: JobStatus,
    /// Where to poll.
    pub status_url: String,
    /// Where to fetch the result.
    pub response_url: String,
}

/// The answer of one status poll.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusOutcome {
    /// Not finished (QUEUED or PROCESSING).
    Pending {
        /// The reported state.
        status: JobStatus,
        /// The full body.
        raw: Value,
    },
    /// COMPLETED; the result must now be fetched once.
    Completed {
        /// The full body.
        raw: Value,
    },
    /// FAILED (usually HTTP 422); do not fetch the result.
    Failed {
        /// The server's error text.
        error: String,
        /// The body's `metrics` (or null).
        metrics: Value,
        /// The HTTP status of the answer.
        http_status: u16,
        /// The full body.
        raw: Value,
    },
}

/// The final result of a completed job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutput {
    /// The request id.
    pub request_id: String,
    /// Always [`JobStatus::Completed`].
    pub status: JobStatus,
    /// The body's `output` (a media URL, base64 or data URI, or model-specific JSON).
    pub output: Value,
    /// The body's `metrics` (an object, possibly empty).
    pub metrics: Value,
    /// `metrics.remaining_credits` when present.
    pub remaining_credits: Option<f64>,
    /// The whole body (other keys vary by model).
    pub raw: Value,
}

/// The answer of a synchronous v1 run.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOutput {
    /// The response bytes (an image for image models).
    pub bytes: Vec<u8>,
    /// The `content-type` header.
    pub content_type: String,
    /// `x-remaining-credits`.
    pub remaining_credits: Option<f64>,
    /// `x-cost`.
    pub cost: Option<f64>,
    /// `x-generation-time` (seconds).
    pub generation_time: Option<f64>,
    /// `x-seed-value` as sent (seeds can exceed f64's exact range, so kept as text).
    pub seed: Option<String>,
    /// `x-request-id`.
    pub request_id: Option<String>,
}

const MAX_MESSAGE_CHARS: usize = 500;

/// The server's message: `error` / `message` / `detail` of a JSON body, else the (trimmed,
/// truncated) text, else `HTTP <status>`.
pub fn server_message(resp: &HttpResponse) -> String {
    if let Some(Value::Object(m)) = resp.json() {
        for key in ["error", "message", "detail"] {
            match m.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => return truncate(s.trim()),
                Some(v @ (Value::Object(_) | Value::Array(_))) => return truncate(&v.to_string()),
                _ => {}
            }
        }
    }
    let text = String::from_utf8_lossy(&resp.body);
    let text = text.trim();
    if text.is_empty() {
        format!("HTTP {}", resp.status)
    } else {
        truncate(text)
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_MESSAGE_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_MESSAGE_CHARS).collect();
        t.push('…');
        t
    }
}

/// The error kind for an HTTP status in a phase (SPEC 4.5), before the terminal-state rule.
/// `text` is the body text, used to tell the two meanings of 406 apart.
pub fn classify_status(phase: Phase, status: u16, text: &str) -> ErrorCode {
    match status {
        400 => ErrorCode::InvalidRequest,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => match phase {
            Phase::Submit | Phase::SyncRun | Phase::Upload => ErrorCode::NotFound,
            Phase::Status | Phase::Result => ErrorCode::Expired,
        },
        405 => ErrorCode::Protocol,
        406 => {
            let t = text.to_ascii_lowercase();
            if t.contains("credit") || t.contains("limit") {
                ErrorCode::InsufficientCredits
            } else {
                ErrorCode::InvalidRequest
            }
        }
        410 => ErrorCode::Gone,
        422 => match phase {
            Phase::Submit | Phase::SyncRun | Phase::Upload => ErrorCode::InvalidRequest,
            Phase::Status | Phase::Result => ErrorCode::InferenceFailed,
        },
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::Server,
        402 | 407..=409 | 411..=421 | 423..=428 | 430..=499 => ErrorCode::InvalidRequest,
        _ => ErrorCode::Protocol,
    }
}

/// Build the error for a non-success response (SPEC 4.5): code, HTTP status, the server's
/// message, and the request id when one exists.
pub fn error_from_response(phase: Phase, resp: &HttpResponse, request_id: Option<&str>) -> Error {
    let text = String::from_utf8_lossy(&resp.body);
    let code = classify_status(phase, resp.status, &text);
    let msg = server_message(resp);
    let what = match phase {
        Phase::Submit => "submit",
        Phase::SyncRun => "run",
        Phase::Status => "status poll",
        Phase::Result => "result fetch",
        Phase::Upload => "upload",
    };
    let mut message = match code {
        ErrorCode::Protocol if resp.status == 405 => {
            format!("{what}: HTTP 405 (wrong method; the endpoint answered: {msg})")
        }
        ErrorCode::Expired => format!(
            "{what}: HTTP 404: {msg} (the request id is unknown or expired; results are kept 1 hour)"
        ),
        _ => format!("{what}: HTTP {}: {msg}", resp.status),
    };
    if phase.is_post() && matches!(code, ErrorCode::RateLimited | ErrorCode::Server) {
        message.push_str(" (nothing was accepted)");
    }
    let e = Error::new(code, message).with_status(resp.status);
    match request_id {
        Some(id) => e.with_request_id(id),
        None => e,
    }
}

fn status_of(body: &Value) -> Option<JobStatus> {
    body.get("status")
        .and_then(Value::as_str)
        .and_then(JobStatus::parse)
}

fn failed_error_text(body: &Value) -> String {
    match body.get("error") {
        Some(Value::String(s)) if !s.is_empty() => truncate(s),
        Some(Value::Null) | None => "the job failed (no error detail given)".to_string(),
        Some(v) => truncate(&v.to_string()),
    }
}

/// The `InferenceFailed` error for a FAILED body.
pub fn failed_error(error: &str, metrics: &Value, http_status: u16, request_id: &str) -> Error {
    let mut message = format!("inference failed: {error}");
    if let Value::Object(m) = metrics {
        if !m.is_empty() {
            message.push_str(&format!(" (metrics: {metrics})"));
        }
    }
    Error::new(ErrorCode::InferenceFailed, message)
        .with_status(http_status)
        .with_request_id(request_id)
}

fn protocol(phase: Phase, status: u16, what: &str, request_id: Option<&str>) -> Error {
    let e = Error::new(
        ErrorCode::Protocol,
        format!("{phase:?} answer does not follow the protocol: {what}"),
    )
    .with_status(status);
    match request_id {
        Some(id) => e.with_request_id(id),
        None => e,
    }
}

/// The origin (`scheme://host[:port]`) of an absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if host_len == 0 {
        return None;
    }
    Some(&url[..url.len() - rest.len() + host_len])
}

/// The `file_urls` of an upload-asset answer (SPEC 4.7): one absolute http(s) URL per
/// uploaded data URI, in order.
pub fn parse_upload(resp: &HttpResponse, expected: usize) -> Result<Vec<String>> {
    if !resp.is_success() {
        return Err(error_from_response(Phase::Upload, resp, None));
    }
    let bad = |why: &str| {
        Error::new(
            ErrorCode::Protocol,
            format!("upload: HTTP {}: {why}", resp.status),
        )
        .with_status(resp.status)
    };
    let body = resp.json().ok_or_else(|| bad("the answer is not JSON"))?;
    let urls = body
        .get("file_urls")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the answer has no `file_urls` array"))?;
    if urls.len() != expected {
        return Err(bad(&format!(
            "{expected} file(s) were sent but {} URL(s) came back",
            urls.len()
        )));
    }
    urls.iter()
        .map(|u| match u.as_str() {
            Some(s) if origin_of(s).is_some() && !s.contains([' ', '\n', '\r']) => {
                Ok(s.to_string())
            }
            _ => Err(bad("a `file_urls` entry is not an absolute http(s) URL")),
        })
        .collect()
}

/// `{base}/v2/requests/{id}/status`.
pub fn status_url(base_url: &str, request_id: &str) -> String {
    format!(
        "{}/v2/requests/{request_id}/status",
        base_url.trim_end_matches('/')
    )
}

/// `{base}/v2/requests/{id}`.
pub fn response_url(base_url: &str, request_id: &str) -> String {
    format!(
        "{}/v2/requests/{request_id}",
        base_url.trim_end_matches('/')
    )
}

/// A request id is used in URLs: allow only `[A-Za-z0-9_-]`, 1–128 characters.
pub fn check_request_id(id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > 128
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::param(
            ErrorCode::InvalidRequest,
            "requestId",
            "a request id is 1–128 characters of A–Z, a–z, 0–9, '-' or '_'",
        ));
    }
    Ok(())
}

/// A model slug is used in URLs: allow `[A-Za-z0-9._-]`, 1–200 characters, not `.`/`..`.
pub fn check_model(model: &str) -> Result<()> {
    if model.is_empty()
        || model.len() > 200
        || model == "."
        || model == ".."
        || !model
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(Error::param(
            ErrorCode::InvalidRequest,
            "model",
            "a model slug is 1–200 characters of A–Z, a–z, 0–9, '.', '-' or '_' (e.g. \"seg-swap\")",
        ));
    }
    Ok(())
}

/// Choose the URL to follow: the server's, when it is on the client's own origin; otherwise
/// (missing, not a string, or another origin — the key must not leak to another host) the one
/// built from the id.
fn pick_url(given: Option<&Value>, base_url: &str, built: String) -> String {
    if let Some(Value::String(u)) = given {
        if let (Some(a), Some(b)) = (origin_of(u), origin_of(base_url)) {
            if a.eq_ignore_ascii_case(b) {
                return u.clone();
            }
        }
    }
    built
}

/// Interpret the answer to `POST /v2/{model}` (SPEC 4.2).
pub fn parse_submit(resp: &HttpResponse, base_url: &str) -> Result<Submitted> {
    let body = resp.json();
    let id_in_body = body
        .as_ref()
        .and_then(|b| b.get("request_id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if !resp.is_success() {
        // A FAILED body on submit is still a failed job, whatever the code.
        if let (Some(b), Some(id)) = (&body, &id_in_body) {
            if status_of(b) == Some(JobStatus::Failed) {
                let metrics = b.get("metrics").cloned().unwrap_or(Value::Null);
                return Err(failed_error(
                    &failed_error_text(b),
                    &metrics,
                    resp.status,
                    id,
                ));
            }
        }
        return Err(error_from_response(
            Phase::Submit,
            resp,
            id_in_body.as_deref(),
        ));
    }
    let Some(body) = body else {
        return Err(protocol(
            Phase::Submit,
            resp.status,
            "the body is not JSON (a job may have been created)",
            None,
        ));
    };
    let Some(id) = id_in_body else {
        return Err(protocol(
            Phase::Submit,
            resp.status,
            "no `request_id` in a 2xx answer (a job may have been created)",
            None,
        ));
    };
    check_request_id(&id).map_err(|_| {
        protocol(
            Phase::Submit,
            resp.status,
            "`request_id` has characters that cannot appear in a URL path",
            None,
        )
    })?;
    let status = match body.get("status") {
        None | Some(Value::Null) => JobStatus::Queued,
        Some(Value::String(s)) => JobStatus::parse(s).ok_or_else(|| {
            protocol(
                Phase::Submit,
                resp.status,
                &format!("unknown status {s:?}"),
                Some(&id),
            )
        })?,
        Some(_) => {
            return Err(protocol(
                Phase::Submit,
                resp.status,
                "`status` is not a string",
                Some(&id),
            ))
        }
    };
    Ok(Submitted {
        status_url: pick_url(body.get("status_url"), base_url, status_url(base_url, &id)),
        response_url: pick_url(
            body.get("response_url"),
            base_url,
            response_url(base_url, &id),
        ),
        request_id: id,
        status,
    })
}

/// Interpret the answer to a status poll (SPEC 4.2/4.3), applying the terminal-state rule: a
/// JSON body whose `status` is COMPLETED or FAILED is that terminal state whatever the HTTP code.
pub fn parse_status(resp: &HttpResponse, request_id: &str) -> Result<StatusOutcome> {
    let body = resp.json();
    if let Some(b) = &body {
        match status_of(b) {
            Some(JobStatus::Completed) => return Ok(StatusOutcome::Completed { raw: b.clone() }),
            Some(JobStatus::Failed) => {
                return Ok(StatusOutcome::Failed {
                    error: failed_error_text(b),
                    metrics: b.get("metrics").cloned().unwrap_or(Value::Null),
                    http_status: resp.status,
                    raw: b.clone(),
                })
            }
            _ => {}
        }
    }
    if !resp.is_success() {
        return Err(error_from_response(Phase::Status, resp, Some(request_id)));
    }
    let Some(b) = body else {
        return Err(protocol(
            Phase::Status,
            resp.status,
            "the body is not JSON",
            Some(request_id),
        ));
    };
    match b.get("status").and_then(Value::as_str) {
        Some(s) => match JobStatus::parse(s) {
            Some(st) => Ok(StatusOutcome::Pending { status: st, raw: b }),
            None => Err(protocol(
                Phase::Status,
                resp.status,
                &format!("unknown status {:?}", truncate(s)),
                Some(request_id),
            )),
        },
        None => Err(protocol(
            Phase::Status,
            resp.status,
            "no `status` string",
            Some(request_id),
        )),
    }
}

/// `metrics.remaining_credits` as a number (accepts a numeric string too).
pub fn remaining_credits(metrics: &Value) -> Option<f64> {
    number_of(metrics.get("remaining_credits")?)
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// Interpret the answer to the result fetch (SPEC 4.2). `output` must be present.
pub fn parse_result(resp: &HttpResponse, request_id: &str) -> Result<JobOutput> {
    let body = resp.json();
    if let Some(b) = &body {
        if status_of(b) == Some(JobStatus::Failed) {
            let metrics = b.get("metrics").cloned().unwrap_or(Value::Null);
            return Err(failed_error(
                &failed_error_text(b),
                &metrics,
                resp.status,
                request_id,
            ));
        }
    }
    let completed = body
        .as_ref()
        .is_some_and(|b| status_of(b) == Some(JobStatus::Completed));
    if !resp.is_success() && !completed {
        return Err(error_from_response(Phase::Result, resp, Some(request_id)));
    }
    let Some(Value::Object(map)) = body else {
        return Err(protocol(
            Phase::Result,
            resp.status,
            "the body is not a JSON object",
            Some(request_id),
        ));
    };
    match map.get("status") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "COMPLETED" => {}
        Some(other) => {
            return Err(protocol(
                Phase::Result,
                resp.status,
                &format!("result has status {other} instead of COMPLETED"),
                Some(request_id),
            ))
        }
    }
    let Some(output) = map.get("output").cloned() else {
        return Err(protocol(
            Phase::Result,
            resp.status,
            "no `output` in the result",
            Some(request_id),
        ));
    };
    let metrics = match map.get("metrics") {
        Some(m @ Value::Object(_)) => m.clone(),
        _ => Value::Object(Map::new()),
    };
    Ok(JobOutput {
        request_id: request_id.to_string(),
        status: JobStatus::Completed,
        remaining_credits: remaining_credits(&metrics),
        output,
        metrics,
        raw: Value::Object(map),
    })
}

/// Interpret the answer to `POST /v1/{model}`.
pub fn parse_sync(resp: &HttpResponse) -> Result<SyncOutput> {
    let rid = resp.header("x-request-id").map(str::to_string);
    if !resp.is_success() {
        return Err(error_from_response(Phase::SyncRun, resp, rid.as_deref()));
    }
    let num = |name: &str| {
        resp.header(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite())
    };
    Ok(SyncOutput {
        bytes: resp.body.clone(),
        content_type: resp
            .header("content-type")
            .unwrap_or("application/octet-stream")
            .to_string(),
        remaining_credits: num("x-remaining-credits"),
        cost: num("x-cost"),
        generation_time: num("x-generation-time"),
        seed: resp.header("x-seed-value").map(|s| s.trim().to_string()),
        request_id: rid,
    })
}

// ---------------------------------------------------------------------------------------------
// Retry policy (SPEC 4.6)

/// Retry limits and backoff bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries of a GET (status/result) — 5.
    pub max_get_retries: u32,
    /// Retries of a POST (submit / v1 run) — 3.
    pub max_post_retries: u32,
    /// Base delay (ms) — 1000.
    pub base_ms: f64,
    /// Cap on the backoff window (ms) — 30 000.
    pub cap_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_get_retries: 5,
            max_post_retries: 3,
            base_ms: 1000.0,
            cap_ms: 30_000.0,
        }
    }
}

/// What happened on one attempt, as far as the retry decision needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// An HTTP response with this status arrived.
    Http(u16),
    /// No response: network failure (the body may have been sent).
    Network,
}

impl RetryPolicy {
    /// Whether attempt number `retries_done` (0 = the first try failed) may be retried.
    /// GETs: network errors, 429, 500, 502, 503, 504, up to `max_get_retries`. POSTs: only
    /// responses proving nothing was accepted (429, 500, 502, 503, 504), up to
    /// `max_post_retries`; never after a network error.
    pub fn should_retry(&self, phase: Phase, outcome: AttemptOutcome, retries_done: u32) -> bool {
        let retryable_status = |s: u16| matches!(s, 429 | 500 | 502 | 503 | 504);
        if phase.is_post() {
            retries_done < self.max_post_retries
                && matches!(outcome, AttemptOutcome::Http(s) if retryable_status(s))
        } else {
            retries_done < self.max_get_retries
                && match outcome {
                    AttemptOutcome::Network => true,
                    AttemptOutcome::Http(s) => retryable_status(s),
                }
        }
    }

    /// The full-jitter window for retry number `retries_done`: `min(cap, base·2^retries_done)`.
    pub fn backoff_window_ms(&self, retries_done: u32) -> f64 {
        let exp = 2f64.powi(retries_done.min(62) as i32);
        (self.base_ms * exp).min(self.cap_ms)
    }

    /// Full-jitter delay: `random01 · window` with `random01` clamped to [0, 1].
    pub fn backoff_ms(&self, retries_done: u32, random01: f64) -> f64 {
        let r = if random01.is_finite() {
            random01.clamp(0.0, 1.0)
        } else {
            0.0
        };
        r * self.backoff_window_ms(retries_done)
    }

    /// The delay before the next try: the jittered backoff, but on a 429 at least until the
    /// time given by `x-rate-limit-reset-at-utc` or `Retry-After` (`now_ms` is Unix ms).
    pub fn retry_delay_ms(
        &self,
        retries_done: u32,
        random01: f64,
        status: Option<u16>,
        headers: &[(String, String)],
        now_ms: f64,
    ) -> f64 {
        let backoff = self.backoff_ms(retries_done, random01);
        let mut floor: f64 = 0.0;
        if matches!(status, Some(429 | 503)) {
            if let Some(at) =
                header_value(headers, "x-rate-limit-reset-at-utc").and_then(parse_reset_at)
            {
                floor = floor.max(at - now_ms);
            }
            if let Some(ra) = header_value(headers, "retry-after") {
                if let Some(wait) = parse_retry_after(ra, now_ms) {
                    floor = floor.max(wait);
                }
            }
        }
        backoff.max(floor).max(0.0)
    }
}

/// Parse `x-rate-limit-reset-at-utc`: Unix seconds or milliseconds (numbers > 10¹¹ are ms),
/// or an ISO-8601 UTC timestamp. Returns Unix ms.
pub fn parse_reset_at(v: &str) -> Option<f64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<f64>() {
        if !n.is_finite() || n < 0.0 {
            return None;
        }
        return Some(if n > 1e11 { n } else { n * 1000.0 });
    }
    parse_iso8601(v)
}

/// Parse `Retry-After`: delta-seconds or an IMF-fixdate. Returns the wait in ms.
pub fn parse_retry_after(v: &str, now_ms: f64) -> Option<f64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<f64>() {
        return (n.is_finite() && n >= 0.0).then_some(n * 1000.0);
    }
    parse_imf_fixdate(v).map(|at| (at - now_ms).max(0.0))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn unix_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: f64) -> Option<f64> {
    if !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&mi)
        || !(0.0..61.0).contains(&s)
    {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60) as f64 + s) * 1000.0)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+00:00|±HH:MM]`; no offset means UTC.
fn parse_iso8601(v: &str) -> Option<f64> {
    let b = v.as_bytes();
    if b.len() < 19 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| v.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
    );
    if b.get(16) != Some(&b':') {
        return None;
    }
    let rest = v.get(17..)?;
    let sec_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let s: f64 = rest.get(..sec_end)?.parse().ok()?;
    let tz = rest.get(sec_end..)?;
    let offset_min: i64 = match tz {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match tz.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let t = tz.get(1..)?.replace(':', "");
            if t.len() != 4 {
                return None;
            }
            let hh: i64 = t.get(0..2)?.parse().ok()?;
            let mm: i64 = t.get(2..4)?.parse().ok()?;
            sign * (hh * 60 + mm)
        }
    };
    Some(unix_ms(y, mo, d, h, mi, s)? - (offset_min * 60_000) as f64)
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_imf_fixdate(v: &str) -> Option<f64> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let d: i64 = parts[1].parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mo = MONTHS.iter().position(|m| *m == parts[2])? as i64 + 1;
    let y: i64 = parts[3].parse().ok()?;
    let hms: Vec<&str> = parts[4].split(':').collect();
    if hms.len() != 3 {
        return None;
    }
    unix_ms(
        y,
        mo,
        d,
        hms[0].parse().ok()?,
        hms[1].parse().ok()?,
        hms[2].parse().ok()?,
    )
}

// ---------------------------------------------------------------------------------------------
// Polling (SPEC 4.4)

/// The polling cadence: first poll at once, then `interval_ms`; after `grow_after_ms` of
/// waiting the interval grows ×`growth` per poll up to `max_ms` (the SHOULD of SPEC 4.4, which
/// protects the plan's requests-per-minute limit on long jobs). `growth = 1` disables it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSchedule {
    /// Base interval between polls (ms) — 1000.
    pub interval_ms: f64,
    /// Growth factor per poll once growing — 1.5.
    pub growth: f64,
    /// Largest interval reached by growth (ms) — 5000 (never below `interval_ms`).
    pub max_ms: f64,
    /// Elapsed time after which growth starts (ms) — 20 000.
    pub grow_after_ms: f64,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            interval_ms: 1000.0,
            growth: 1.5,
            max_ms: 5000.0,
            grow_after_ms: 20_000.0,
        }
    }
}

impl PollSchedule {
    /// Check the numbers (finite; interval ≥ 0; growth in [1, 10]).
    pub fn validate(&self) -> Result<()> {
        if !self.interval_ms.is_finite() || self.interval_ms < 0.0 || self.interval_ms > 3.6e6 {
            return Err(Error::range(
                "pollInterval",
                "`pollInterval` must be a finite number of milliseconds in [0, 3600000]",
            ));
        }
        if !self.growth.is_finite() || !(1.0..=10.0).contains(&self.growth) {
            return Err(Error::range(
                "pollGrowth",
                "`pollGrowth` must be a number in [1, 10] (1 = fixed interval)",
            ));
        }
        Ok(())
    }

    /// The wait before the next poll, given the previous wait (`None` before the second poll)
    /// and the time elapsed since the job started.
    pub fn next_delay_ms(&self, previous: Option<f64>, elapsed_ms: f64) -> f64 {
        let cap = self.max_ms.max(self.interval_ms);
        match previous {
            Some(p) if self.growth > 1.0 && elapsed_ms >= self.grow_after_ms => {
                (p * self.growth).min(cap).max(self.interval_ms)
            }
            _ => self.interval_ms,
        }
    }
}

/// A deadline in the transport's clock (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deadline {
    /// When the operation started.
    pub start_ms: f64,
    /// When it must end (`start + timeout`).
    pub end_ms: f64,
}

impl Deadline {
    /// A deadline `timeout_ms` after `start_ms`.
    pub fn new(start_ms: f64, timeout_ms: f64) -> Deadline {
        Deadline {
            start_ms,
            end_ms: start_ms + timeout_ms,
        }
    }

    /// Milliseconds left (≥ 0).
    pub fn remaining_ms(&self, now_ms: f64) -> f64 {
        (self.end_ms - now_ms).max(0.0)
    }

    /// Whether a wait of `delay_ms` starting now still ends before the deadline.
    pub fn allows(&self, now_ms: f64, delay_ms: f64) -> bool {
        now_ms + delay_ms < self.end_ms
    }

    /// The `Timeout` error: carries the request id and the elapsed seconds.
    pub fn timeout_error(&self, now_ms: f64, request_id: &str) -> Error {
        let secs = ((now_ms - self.start_ms).max(0.0) / 1000.0 * 10.0).round() / 10.0;
        Error::new(
            ErrorCode::Timeout,
            format!(
                "the job did not finish within the deadline ({secs} s elapsed); it may still \
                 finish — resume it with request id {request_id} within 1 hour of submission"
            ),
        )
        .with_request_id(request_id)
    }
}

/// Validate a caller's `timeout` (ms): finite, > 0, ≤ 24 h.
pub fn check_timeout(timeout_ms: f64) -> Result<()> {
    if !timeout_ms.is_finite() || timeout_ms <= 0.0 || timeout_ms > 86_400_000.0 {
        return Err(Error::range(
            "timeout",
            "`timeout` must be a number of milliseconds in (0, 86400000]",
        ));
    }
    Ok(())
}
