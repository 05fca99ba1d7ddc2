//! The client for the Segmind serverless API (SPEC 4).
//!
//! The protocol logic is sans-IO ([`protocol`]); this module drives it over any [`Transport`]
//! (the wasm build's is `http.rs`, over `fetch`; the native tests use a scripted one). The API
//! key only ever goes into the `x-api-key` header and is scrubbed from every error message.

pub mod protocol;

#[cfg(target_arch = "wasm32")]
pub mod http;

use crate::error::{Error, ErrorCode, Result};
use base64::Engine as _;
use protocol::{
    AttemptOutcome, Deadline, HttpRequest, HttpResponse, JobOutput, JobStatus, Method, Phase,
    PollSchedule, RetryPolicy, SendError, StatusOutcome, Submitted, SyncOutput,
};
use serde_json::{Map, Value};
use std::future::Future;

/// The default API host.
pub const DEFAULT_BASE_URL: &str = "https://api.segmind.com";

/// Where local images are uploaded first when [`ClientConfig::upload`] is set (SPEC 4.7).
pub const DEFAULT_UPLOAD_URL: &str = "https://workflows-api.segmind.com/upload-asset";

/// Default polling deadline (SPEC 4.4): 600 s.
pub const DEFAULT_TIMEOUT_MS: f64 = 600_000.0;

/// The I/O the client needs: send one HTTP request, sleep, read a clock, draw a random number.
/// Aborts (the caller's `AbortSignal`) are the transport's business: it answers
/// [`SendError::Aborted`] from `send` or `sleep`.
pub trait Transport {
    /// Send `req`; give up with [`SendError::DeadlineExceeded`] at `deadline_ms` (transport
    /// clock) when given. The whole body must have been read when this returns `Ok`.
    fn send(
        &self,
        req: &HttpRequest,
        deadline_ms: Option<f64>,
    ) -> impl Future<Output = std::result::Result<HttpResponse, SendError>>;
    /// Wait `ms` milliseconds (or until aborted).
    fn sleep(&self, ms: f64) -> impl Future<Output = std::result::Result<(), SendError>>;
    /// The current time in ms (Unix epoch; used for rate-limit reset headers).
    fn now_ms(&self) -> f64;
    /// A uniformly distributed number in [0, 1).
    fn random(&self) -> f64;
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API key (sent only as `x-api-key`; may be empty when a proxy adds it).
    pub api_key: String,
    /// API origin, e.g. `https://api.segmind.com` or the app's own proxy.
    pub base_url: String,
    /// Extra headers for every request.
    pub headers: Vec<(String, String)>,
    /// Validate bodies before submitting (SPEC 4.8).
    pub validate: bool,
    /// Retry limits and backoff.
    pub retry: RetryPolicy,
    /// The upload-asset endpoint (SPEC 4.7).
    pub upload_url: String,
    /// Upload Blob/File image fields first and send their URLs instead of `data:` URIs
    /// (for large local files; SPEC 4.7).
    pub upload: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            api_key: String::new(),
            base_url: DEFAULT_BASE_URL.to_string(),
            headers: Vec::new(),
            validate: true,
            retry: RetryPolicy::default(),
            upload_url: DEFAULT_UPLOAD_URL.to_string(),
            upload: false,
        }
    }
}

/// Options of [`Client::wait`] / [`Client::run`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitOptions {
    /// Polling cadence.
    pub poll: PollSchedule,
    /// Deadline from submission (or from `resume`), ms.
    pub timeout_ms: f64,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            poll: PollSchedule::default(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

/// A state change reported to `onProgress`.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The new state.
    pub status: JobStatus,
    /// The job.
    pub request_id: String,
    /// Milliseconds since submission (or since `resume`).
    pub elapsed_ms: f64,
}

/// A job the client can poll: its id and where to poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRef {
    /// The request id.
    pub request_id: String,
    /// The status URL.
    pub status_url: String,
    /// The result URL.
    pub response_url: String,
}

/// The answer of [`Client::status`].
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// The state.
    pub status: JobStatus,
    /// The failure text when FAILED.
    pub error: Option<String>,
    /// The body's `metrics` (or null).
    pub metrics: Value,
    /// The whole body.
    pub raw: Value,
}

/// An image handed over as bytes (a JS `Blob`/`File`), to be sent as a `data:` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryField {
    /// The body key.
    pub name: String,
    /// The declared MIME type (may be empty: then sniffed from the bytes).
    pub mime: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// MIME type of PNG/JPEG/WebP/GIF/BMP bytes.
pub fn sniff_image_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.starts_with(b"BM") {
        Some("image/bmp")
    } else {
        None
    }
}

/// `data:<mime>;base64,<bytes>` for an image given as bytes (SPEC 4.7). The MIME type is the
/// declared one when it is `image/*`, else sniffed; anything else is `E_IMAGE_INPUT`.
pub fn image_data_uri(field: &BinaryField) -> Result<String> {
    if field.bytes.is_empty() {
        return Err(Error::param(
            ErrorCode::ImageInput,
            field.name.clone(),
            format!("`{}` is an empty Blob", field.name),
        ));
    }
    let declared = field.mime.trim().to_ascii_lowercase();
    let mime = if declared.starts_with("image/")
        && declared
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/+.-".contains(&b))
    {
        declared
    } else {
        let Some(m) = sniff_image_mime(&field.bytes) else {
            return Err(Error::param(
                ErrorCode::ImageInput,
                field.name.clone(),
                format!(
                    "`{}` is a Blob of type {:?}, not a PNG/JPEG/WebP/GIF/BMP image",
                    field.name, field.mime
                ),
            ));
        };
        m.to_string()
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(&field.bytes);
    Ok(format!("data:{mime};base64,{b64}"))
}

/// The single pre-submit step: every body goes through here before any network call.
/// It checks the parts that are not model-specific (the body is a JSON object; Blob image
/// fields become `data:` URIs) and then the model's schema.
fn prepare_body(
    model: &str,
    body: Value,
    binaries: Vec<BinaryField>,
    validate: bool,
) -> Result<Map<String, Value>> {
    protocol::check_model(model)?;
    let mut map = match body {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => {
            let kind = match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                _ => "a boolean",
            };
            return Err(Error::param(
                ErrorCode::ParamType,
                "params",
                format!("the model parameters must be a JSON object, got {kind}"),
            ));
        }
    };
    for field in binaries {
        let uri = image_data_uri(&field)?;
        map.insert(field.name, Value::String(uri));
    }
    // The typed models (SPEC 4.8, 2.1, 3.1) are validated before anything reaches the network;
    // unknown models (the provider has hundreds) pass through untyped.
    if validate {
        if let Some(schema) = crate::schema::for_model(model) {
            map = schema.validate_remote(&map)?;
        }
    }
    Ok(map)
}

/// Replace every occurrence of `secret` in the error's message (the key must never appear in
/// an error, even when a server echoes it).
fn scrub(e: Error, secret: &str) -> Error {
    if secret.is_empty() || !e.message().contains(secret) {
        return e;
    }
    let msg = e.message().replace(secret, "[redacted]");
    let mut out = match e.param_name() {
        Some(p) => Error::param(e.code(), p, msg),
        None => Error::new(e.code(), msg),
    };
    if let Some(s) = e.status() {
        out = out.with_status(s);
    }
    if let Some(id) = e.request_id() {
        out = out.with_request_id(id);
    }
    out
}

fn with_id(e: Error, id: Option<&str>) -> Error {
    match (id, e.request_id()) {
        (Some(id), None) => e.with_request_id(id),
        _ => e,
    }
}

/// The client core. Cheap to share; holds no I/O state.
#[derive(Debug, Clone)]
pub struct Client {
    config: ClientConfig,
}

impl Client {
    /// A client; checks `base_url` is an absolute http(s) URL with no query or fragment, and that
    /// header names/values are legal.
    pub fn new(mut config: ClientConfig) -> Result<Client> {
        let base = config.base_url.trim().trim_end_matches('/').to_string();
        if protocol::origin_of(&base).is_none() || base.contains(['?', '#', ' ']) {
            return Err(Error::param(
                ErrorCode::InvalidRequest,
                "baseUrl",
                "`baseUrl` must be an absolute http:// or https:// URL without query or fragment",
            ));
        }
        config.base_url = base;
        let upload = config.upload_url.trim().to_string();
        if protocol::origin_of(&upload).is_none() || upload.contains(['#', ' ']) {
            return Err(Error::param(
                ErrorCode::InvalidRequest,
                "uploadUrl",
                "`uploadUrl` must be an absolute http:// or https:// URL without fragment",
            ));
        }
        config.upload_url = upload;
        if config.api_key.chars().any(|c| c.is_control() || c == ' ') {
            return Err(Error::param(
                ErrorCode::InvalidRequest,
                "apiKey",
                "`apiKey` contains whitespace or control characters",
            ));
        }
        for (k, v) in &config.headers {
            let name_ok = !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !name_ok || v.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
                return Err(Error::param(
                    ErrorCode::InvalidRequest,
                    "headers",
                    format!("header {k:?} has an illegal name or value"),
                ));
            }
        }
        Ok(Client { config })
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// A job handle for an id from an earlier submit (e.g. after a page reload).
    pub fn resume(&self, request_id: &str) -> Result<JobRef> {
        protocol::check_request_id(request_id)?;
        Ok(JobRef {
            request_id: request_id.to_string(),
            status_url: protocol::status_url(&self.config.base_url, request_id),
            response_url: protocol::response_url(&self.config.base_url, request_id),
        })
    }

    fn headers(&self, json_body: bool) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if !self.config.api_key.is_empty() {
            h.push(("x-api-key".to_string(), self.config.api_key.clone()));
        }
        if json_body {
            h.push(("content-type".to_string(), "application/json".to_string()));
        }
        h.push(("accept".to_string(), "application/json".to_string()));
        for (k, v) in &self.config.headers {
            h.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
            h.push((k.clone(), v.clone()));
        }
        h
    }

    fn scrub(&self, e: Error) -> Error {
        scrub(e, &self.config.api_key)
    }

    /// Send with the retry policy of SPEC 4.6. Returns the final response (which may still be an
    /// error status: the caller interprets it) or the transport-level error.
    async fn send_with_retry<T: Transport>(
        &self,
        t: &T,
        phase: Phase,
        req: &HttpRequest,
        deadline: Option<&Deadline>,
        request_id: Option<&str>,
    ) -> Result<HttpResponse> {
        let policy = &self.config.retry;
        let mut retries = 0u32;
        loop {
            let result = t.send(req, deadline.map(|d| d.end_ms)).await;
            let (outcome, headers, status) = match &result {
                Ok(resp) => {
                    // A terminal body is an answer whatever the code (SPEC 4.2).
                    let terminal = !phase.is_post()
                        && resp.json().is_some_and(|b| {
                            b.get("status")
                                .and_then(Value::as_str)
                                .and_then(JobStatus::parse)
                                .is_some_and(JobStatus::is_terminal)
                        });
                    if resp.is_success() || terminal {
                        return result.map_err(|_| Error::internal("unreachable"));
                    }
                    (
                        AttemptOutcome::Http(resp.status),
                        resp.headers.as_slice(),
                        Some(resp.status),
                    )
                }
                Err(SendError::Aborted) => return Err(aborted(phase, request_id)),
                Err(SendError::DeadlineExceeded) => {
                    return Err(deadline_error(phase, t, deadline, request_id))
                }
                Err(SendError::Network(_)) => (AttemptOutcome::Network, &[][..], None),
            };
            if !policy.should_retry(phase, outcome, retries) {
                return match result {
                    Ok(resp) => Ok(resp),
                    Err(SendError::Network(msg)) => Err(network_error(phase, &msg, request_id)),
                    Err(_) => Err(Error::internal("unreachable send state")),
                };
            }
            let now = t.now_ms();
            let delay = policy.retry_delay_ms(retries, t.random(), status, headers, now);
            if let Some(d) = deadline {
                if !d.allows(now, delay) {
                    // Retries never extend the deadline: report what we have.
                    return match result {
                        Ok(resp) if phase.is_post() => Ok(resp),
                        _ => Err(deadline_error(phase, t, Some(d), request_id)),
                    };
                }
            }
            match t.sleep(delay).await {
                Ok(()) => {}
                Err(SendError::Aborted) => return Err(aborted(phase, request_id)),
                Err(_) => return Err(deadline_error(phase, t, deadline, request_id)),
            }
            retries += 1;
        }
    }

    /// Upload images (SPEC 4.7: `POST upload-asset` with `{"data_urls": [...]}`) and return
    /// their URLs in order. Each field becomes a `data:` URI first (so a Blob that is not an
    /// image is refused before anything is sent). Not billable, so retried like a GET.
    pub async fn upload_assets<T: Transport>(
        &self,
        t: &T,
        assets: &[BinaryField],
    ) -> Result<Vec<String>> {
        let inner = async {
            if assets.is_empty() {
                return Ok(Vec::new());
            }
            let uris = assets
                .iter()
                .map(image_data_uri)
                .collect::<Result<Vec<_>>>()?;
            self.upload_data_uris(t, uris).await
        };
        inner.await.map_err(|e| self.scrub(e))
    }

    async fn upload_data_uris<T: Transport>(
        &self,
        t: &T,
        uris: Vec<String>,
    ) -> Result<Vec<String>> {
        let n = uris.len();
        let body = serde_json::json!({ "data_urls": uris });
        let req = HttpRequest {
            method: Method::Post,
            url: self.config.upload_url.clone(),
            headers: self.headers(true),
            body: Some(body.to_string()),
        };
        let resp = self
            .send_with_retry(t, Phase::Upload, &req, None, None)
            .await?;
        protocol::parse_upload(&resp, n)
    }

    /// The body as sent: validated by [`prepare_body`], then, when `upload` is on, the Blob
    /// fields' `data:` URIs replaced by uploaded URLs (after validation, so an invalid body
    /// uploads nothing).
    async fn final_body<T: Transport>(
        &self,
        t: &T,
        model: &str,
        body: Value,
        binaries: Vec<BinaryField>,
    ) -> Result<Map<String, Value>> {
        let names: Vec<String> = binaries.iter().map(|b| b.name.clone()).collect();
        let mut map = prepare_body(model, body, binaries, self.config.validate)?;
        if self.config.upload && !names.is_empty() {
            let uris = names
                .iter()
                .map(|n| match map.get(n) {
                    Some(Value::String(s)) => Ok(s.clone()),
                    _ => Err(Error::internal(
                        "a Blob field vanished from the prepared body",
                    )),
                })
                .collect::<Result<Vec<_>>>()?;
            let urls = self.upload_data_uris(t, uris).await?;
            for (n, u) in names.into_iter().zip(urls) {
                map.insert(n, Value::String(u));
            }
        }
        Ok(map)
    }

    /// Submit a job (`POST /v2/{model}`). Validates first (see `prepare_body`); retries only
    /// responses that prove nothing was accepted.
    pub async fn submit<T: Transport>(
        &self,
        t: &T,
        model: &str,
        body: Value,
        binaries: Vec<BinaryField>,
    ) -> Result<Submitted> {
        self.submit_inner(t, model, body, binaries, None)
            .await
            .map_err(|e| self.scrub(e))
    }

    async fn submit_inner<T: Transport>(
        &self,
        t: &T,
        model: &str,
        body: Value,
        binaries: Vec<BinaryField>,
        deadline: Option<&Deadline>,
    ) -> Result<Submitted> {
        let map = self.final_body(t, model, body, binaries).await?;
        let req = HttpRequest {
            method: Method::Post,
            url: format!("{}/v2/{model}", self.config.base_url),
            headers: self.headers(true),
            body: Some(Value::Object(map).to_string()),
        };
        let resp = self
            .send_with_retry(t, Phase::Submit, &req, deadline, None)
            .await?;
        protocol::parse_submit(&resp, &self.config.base_url)
    }

    /// One status poll (with GET retries). A FAILED job is reported, not thrown.
    pub async fn status<T: Transport>(&self, t: &T, job: &JobRef) -> Result<StatusReport> {
        let out = self
            .poll_once(t, job, None)
            .await
            .map_err(|e| self.scrub(e))?;
        Ok(match out {
            StatusOutcome::Pending { status, raw } => StatusReport {
                status,
                error: None,
                metrics: raw.get("metrics").cloned().unwrap_or(Value::Null),
                raw,
            },
            StatusOutcome::Completed { raw } => StatusReport {
                status: JobStatus::Completed,
                error: None,
                metrics: raw.get("metrics").cloned().unwrap_or(Value::Null),
                raw,
            },
            StatusOutcome::Failed {
                error,
                metrics,
                raw,
                ..
            } => StatusReport {
                status: JobStatus::Failed,
                error: Some(error),
                metrics,
                raw,
            },
        })
    }

    async fn poll_once<T: Transport>(
        &self,
        t: &T,
        job: &JobRef,
        deadline: Option<&Deadline>,
    ) -> Result<StatusOutcome> {
        let req = HttpRequest {
            method: Method::Get,
            url: job.status_url.clone(),
            headers: self.headers(false),
            body: None,
        };
        let resp = self
            .send_with_retry(t, Phase::Status, &req, deadline, Some(&job.request_id))
            .await?;
        protocol::parse_status(&resp, &job.request_id)
    }

    /// Poll until COMPLETED (then fetch the result once) or FAILED, within the deadline.
    /// `initial` is the state already known (from submit) so it is not reported twice.
    pub async fn wait<T: Transport>(
        &self,
        t: &T,
        job: &JobRef,
        opts: &WaitOptions,
        start_ms: Option<f64>,
        initial: Option<JobStatus>,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<JobOutput> {
        self.wait_inner(t, job, opts, start_ms, initial, on_progress)
            .await
            .map_err(|e| self.scrub(with_id(e, Some(&job.request_id))))
    }

    async fn wait_inner<T: Transport>(
        &self,
        t: &T,
        job: &JobRef,
        opts: &WaitOptions,
        start_ms: Option<f64>,
        initial: Option<JobStatus>,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<JobOutput> {
        opts.poll.validate()?;
        protocol::check_timeout(opts.timeout_ms)?;
        let start = start_ms.unwrap_or_else(|| t.now_ms());
        let deadline = Deadline::new(start, opts.timeout_ms);
        let mut last = initial;
        let mut previous_delay = None;
        let id = job.request_id.as_str();
        loop {
            let now = t.now_ms();
            if now >= deadline.end_ms {
                return Err(deadline.timeout_error(now, id));
            }
            let outcome = self.poll_once(t, job, Some(&deadline)).await?;
            let status = match &outcome {
                StatusOutcome::Pending { status, .. } => *status,
                StatusOutcome::Completed { .. } => JobStatus::Completed,
                StatusOutcome::Failed { .. } => JobStatus::Failed,
            };
            if last != Some(status) {
                last = Some(status);
                on_progress(&Progress {
                    status,
                    request_id: id.to_string(),
                    elapsed_ms: (t.now_ms() - start).max(0.0),
                });
            }
            match outcome {
                StatusOutcome::Completed { .. } => break,
                StatusOutcome::Failed {
                    error,
                    metrics,
                    http_status,
                    ..
                } => {
                    return Err(protocol::failed_error(&error, &metrics, http_status, id));
                }
                StatusOutcome::Pending { .. } => {}
            }
            let now = t.now_ms();
            let delay = opts
                .poll
                .next_delay_ms(previous_delay, (now - start).max(0.0));
            previous_delay = Some(delay);
            if !deadline.allows(now, delay) {
                // Wait out the deadline, then report it (the job may still finish: resume).
                match t.sleep(deadline.remaining_ms(now)).await {
                    Err(SendError::Aborted) => return Err(aborted(Phase::Status, Some(id))),
                    _ => return Err(deadline.timeout_error(t.now_ms(), id)),
                }
            }
            if let Err(SendError::Aborted) = t.sleep(delay).await {
                return Err(aborted(Phase::Status, Some(id)));
            }
        }
        let req = HttpRequest {
            method: Method::Get,
            url: job.response_url.clone(),
            headers: self.headers(false),
            body: None,
        };
        let resp = self
            .send_with_retry(t, Phase::Result, &req, Some(&deadline), Some(id))
            .await?;
        protocol::parse_result(&resp, id)
    }

    /// Submit, then wait (SPEC 4.3/4.4): the deadline counts from the submit. `on_submitted` is
    /// called with the job as soon as it has an id.
    #[allow(clippy::too_many_arguments)]
    pub async fn run<T: Transport>(
        &self,
        t: &T,
        model: &str,
        body: Value,
        binaries: Vec<BinaryField>,
        opts: &WaitOptions,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<JobOutput> {
        opts.poll
            .validate()
            .and_then(|_| protocol::check_timeout(opts.timeout_ms))
            .map_err(|e| self.scrub(e))?;
        let start = t.now_ms();
        let deadline = Deadline::new(start, opts.timeout_ms);
        let sub = self
            .submit_inner(t, model, body, binaries, Some(&deadline))
            .await
            .map_err(|e| self.scrub(e))?;
        on_progress(&Progress {
            status: sub.status,
            request_id: sub.request_id.clone(),
            elapsed_ms: (t.now_ms() - start).max(0.0),
        });
        let job = JobRef {
            request_id: sub.request_id,
            status_url: sub.status_url,
            response_url: sub.response_url,
        };
        self.wait(t, &job, opts, Some(start), Some(sub.status), on_progress)
            .await
    }

    /// `POST /v1/{model}`: the synchronous endpoint; returns the bytes and the accounting
    /// headers. Retried like a submit.
    pub async fn run_sync<T: Transport>(
        &self,
        t: &T,
        model: &str,
        body: Value,
        binaries: Vec<BinaryField>,
        timeout_ms: Option<f64>,
    ) -> Result<SyncOutput> {
        let inner = async {
            let map = self.final_body(t, model, body, binaries).await?;
            let deadline = match timeout_ms {
                Some(ms) => {
                    protocol::check_timeout(ms)?;
                    Some(Deadline::new(t.now_ms(), ms))
                }
                None => None,
            };
            let mut headers = self.headers(true);
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("accept"));
            let req = HttpRequest {
                method: Method::Post,
                url: format!("{}/v1/{model}", self.config.base_url),
                headers,
                body: Some(Value::Object(map).to_string()),
            };
            let resp = self
                .send_with_retry(t, Phase::SyncRun, &req, deadline.as_ref(), None)
                .await?;
            protocol::parse_sync(&resp)
        };
        inner.await.map_err(|e| self.scrub(e))
    }
}

fn aborted(phase: Phase, request_id: Option<&str>) -> Error {
    let msg = if phase.is_post() {
        "aborted while the request was being sent; a job may have been created (and billed)"
    } else {
        "aborted by the caller"
    };
    with_id(Error::new(ErrorCode::Aborted, msg), request_id)
}

fn network_error(phase: Phase, platform: &str, request_id: Option<&str>) -> Error {
    let platform = platform.chars().take(200).collect::<String>();
    let msg = if phase.is_post() {
        format!(
            "network error ({platform}); the request body may have been sent, so a job may \
             exist — it was not retried to avoid a double-billed job"
        )
    } else {
        format!("network error ({platform}); retries exhausted")
    };
    with_id(Error::new(ErrorCode::Network, msg), request_id)
}

fn deadline_error<T: Transport>(
    phase: Phase,
    t: &T,
    deadline: Option<&Deadline>,
    request_id: Option<&str>,
) -> Error {
    let now = t.now_ms();
    match (phase.is_post(), request_id, deadline) {
        (false, Some(id), Some(d)) => d.timeout_error(now, id),
        (true, _, _) => with_id(
            Error::new(
                ErrorCode::Network,
                "the deadline passed while the request was in flight; the body may have been \
                 sent, so a job may exist — it was not retried",
            ),
            request_id,
        ),
        _ => with_id(
            Error::new(ErrorCode::Timeout, "the deadline passed"),
            request_id,
        ),
    }
}
