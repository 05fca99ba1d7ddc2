//! The JS surface of the remote client: `Client` and `Job` (SPEC 4). Argument conversion only;
//! the protocol lives in `crate::client`.

use super::to_js_error;
use crate::client::http::FetchTransport;
use crate::client::protocol::{JobOutput, PollSchedule};
use crate::client::{
    BinaryField, Client as Core, ClientConfig, JobRef, Progress, StatusReport, WaitOptions,
};
use crate::error::{Error, ErrorCode};
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortSignal, Blob, BlobPropertyBag};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options of `new Client(...)`. */
export interface ClientOptions {
  /** Sent only as the `x-api-key` header. Omit when a proxy (`baseUrl`) adds it. */
  apiKey?: string;
  /** Default "https://api.segmind.com". Point it at your own backend to keep the key server-side. */
  baseUrl?: string;
  /** A `fetch` to use instead of the global one; called as `fetch(request)`. */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** Validate bodies against the model's schema before submitting (default true). */
  validate?: boolean;
  /** Upload Blob/File/pixel image fields first and send their URLs instead of data: URIs (SPEC 4.7; default false). */
  upload?: boolean;
  /** The upload-asset endpoint (default "https://workflows-api.segmind.com/upload-asset"). */
  uploadUrl?: string;
}
/** A state change of a remote job. */
export interface ClientProgress { status: "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED"; requestId: string; elapsedMs: number; }
/** Options of `run` and `Job.wait`. */
export interface WaitOptions {
  signal?: AbortSignal;
  onProgress?: (p: ClientProgress) => void;
  /** ms between polls (default 1000). */
  pollInterval?: number;
  /** Growth per poll after 20 s of waiting, up to `maxPollInterval` (default 1.5; 1 = fixed). */
  pollGrowth?: number;
  /** Upper bound of the grown interval, ms (default 5000). */
  maxPollInterval?: number;
  /** Deadline from submission, ms (default 600000). */
  timeout?: number;
}
/** The result of a completed job. */
export interface RunResult { requestId: string; status: "COMPLETED"; output: unknown; metrics: Record<string, unknown>; remainingCredits: number | null; raw: Record<string, unknown>; }
/** The answer of the synchronous v1 endpoint. */
export interface SyncResult { blob: Blob; contentType: string; remainingCredits: number | null; cost: number | null; generationTime: number | null; seed: string | null; requestId: string | null; }
/** One status poll. */
export interface JobStatusReport { requestId: string; status: "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED"; error: string | null; metrics: unknown; raw: unknown; }
"#;

fn err(e: Error) -> JsValue {
    let js = to_js_error(&e);
    if let Some(metrics) = failed_metrics(&e) {
        // An `Error` object accepts new properties; the impossible failure is ignored.
        let _ = Reflect::set(&js, &JsValue::from_str("metrics"), &to_js(&metrics));
    }
    js
}

/// The server's `metrics` of a FAILED job (SPEC 4.5 `InferenceFailed{error, metrics}`), so JS
/// errors carry them as `err.metrics`. `protocol::failed_error` appends them to the message as
/// ` (metrics: {json})`; the last such suffix is ours even if the server's text contains one.
fn failed_metrics(e: &Error) -> Option<Value> {
    if e.code() != ErrorCode::InferenceFailed {
        return None;
    }
    let msg = e.message();
    let at = msg.rfind(" (metrics: ")?;
    let json = msg.get(at + " (metrics: ".len()..)?.strip_suffix(')')?;
    match serde_json::from_str::<Value>(json) {
        Ok(v @ Value::Object(_)) => Some(v),
        _ => None,
    }
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn set(obj: &Object, key: &str, v: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), v);
}

fn type_error(param: &str, want: &str) -> JsValue {
    err(Error::param(
        ErrorCode::ParamType,
        param,
        format!("`{param}` must be {want}"),
    ))
}

fn opt_string(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| type_error(key, "a string"))
}

fn opt_number(obj: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64()
        .map(Some)
        .ok_or_else(|| type_error(key, "a number"))
}

fn opt_signal(obj: &JsValue) -> Result<Option<AbortSignal>, JsValue> {
    let v = get(obj, "signal");
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<AbortSignal>()
        .map(Some)
        .map_err(|_| type_error("signal", "an AbortSignal"))
}

fn opt_function(obj: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|_| type_error(key, "a function"))
}

/// serde_json value → plain JS value (via JSON, so integers stay integers).
fn to_js(v: &Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap_or(JsValue::NULL)
}

fn opt_num_js(v: Option<f64>) -> JsValue {
    v.map(JsValue::from_f64).unwrap_or(JsValue::NULL)
}

/// JS params → JSON body + the Blob fields (read into bytes).
async fn convert_params(params: &JsValue) -> Result<(Value, Vec<BinaryField>), JsValue> {
    if params.is_undefined() || params.is_null() {
        return Ok((Value::Null, Vec::new()));
    }
    let is_plain_object = params.is_object() && !js_sys::Array::is_array(params);
    if !is_plain_object {
        let text = js_sys::JSON::stringify(params)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "null".to_string());
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if v.is_null() {
            return Err(type_error("params", "an object of model parameters"));
        }
        return Ok((v, Vec::new()));
    }
    let mut map = serde_json::Map::new();
    let mut binaries = Vec::new();
    let entries = Object::entries(params.unchecked_ref::<Object>());
    for entry in entries.iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        if value.is_undefined() {
            continue;
        }
        if let Some(blob) = value.dyn_ref::<Blob>() {
            let buf = JsFuture::from(blob.array_buffer()).await?;
            let bytes = Uint8Array::new(&buf).to_vec();
            binaries.push(BinaryField {
                name: key,
                mime: blob.type_(),
                bytes,
            });
            continue;
        }
        if value.is_function() || value.is_symbol() || value.is_bigint() {
            return Err(type_error(
                &key,
                "a JSON value (string, number, boolean, object, array or null), a Blob or a File",
            ));
        }
        let text = js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| type_error(&key, "a JSON value"))?;
        let v: Value = serde_json::from_str(&text).map_err(|_| type_error(&key, "a JSON value"))?;
        map.insert(key, v);
    }
    Ok((Value::Object(map), binaries))
}

fn wait_options(opts: &JsValue) -> Result<WaitOptions, JsValue> {
    let mut w = WaitOptions::default();
    let mut poll = PollSchedule::default();
    if let Some(v) = opt_number(opts, "pollInterval")? {
        poll.interval_ms = v;
    }
    if let Some(v) = opt_number(opts, "pollGrowth")? {
        poll.growth = v;
    }
    if let Some(v) = opt_number(opts, "maxPollInterval")? {
        if !v.is_finite() || v < 0.0 {
            return Err(err(Error::range(
                "maxPollInterval",
                "`maxPollInterval` must be a finite number of milliseconds ≥ 0",
            )));
        }
        poll.max_ms = v;
    }
    poll.validate().map_err(err)?;
    w.poll = poll;
    if let Some(v) = opt_number(opts, "timeout")? {
        crate::client::protocol::check_timeout(v).map_err(err)?;
        w.timeout_ms = v;
    }
    Ok(w)
}

fn progress_callback(f: Option<Function>) -> impl FnMut(&Progress) {
    move |p: &Progress| {
        if let Some(f) = &f {
            let o = Object::new();
            set(&o, "status", &JsValue::from_str(p.status.as_str()));
            set(&o, "requestId", &JsValue::from_str(&p.request_id));
            set(&o, "elapsedMs", &JsValue::from_f64(p.elapsed_ms.round()));
            // A throwing callback must not break the job; its error is ignored.
            let _ = f.call1(&JsValue::UNDEFINED, &o);
        }
    }
}

fn output_to_js(out: &JobOutput) -> JsValue {
    let o = Object::new();
    set(&o, "requestId", &JsValue::from_str(&out.request_id));
    set(&o, "status", &JsValue::from_str(out.status.as_str()));
    set(&o, "output", &to_js(&out.output));
    set(&o, "metrics", &to_js(&out.metrics));
    set(&o, "remainingCredits", &opt_num_js(out.remaining_credits));
    set(&o, "raw", &to_js(&out.raw));
    o.into()
}

fn report_to_js(id: &str, r: &StatusReport) -> JsValue {
    let o = Object::new();
    set(&o, "requestId", &JsValue::from_str(id));
    set(&o, "status", &JsValue::from_str(r.status.as_str()));
    set(
        &o,
        "error",
        &r.error
            .as_deref()
            .map(JsValue::from_str)
            .unwrap_or(JsValue::NULL),
    );
    set(&o, "metrics", &to_js(&r.metrics));
    set(&o, "raw", &to_js(&r.raw));
    o.into()
}

struct Shared {
    core: Core,
    fetch: Option<Function>,
}

impl Shared {
    fn transport(&self, signal: Option<AbortSignal>) -> FetchTransport {
        FetchTransport {
            fetch: self.fetch.clone(),
            signal,
        }
    }
}

/// A client for the Segmind serverless API: `new Client({apiKey, baseUrl, fetch, headers,
/// validate})`. The key is sent only in the `x-api-key` header.
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    shared: Rc<Shared>,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// `new Client({apiKey, baseUrl = "https://api.segmind.com", fetch, headers, validate = true})`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<JsClient, JsValue> {
        if !(options.is_undefined() || options.is_null() || options.is_object()) {
            return Err(type_error("options", "an object"));
        }
        let mut config = ClientConfig::default();
        if let Some(k) = opt_string(&options, "apiKey")? {
            config.api_key = k;
        }
        if let Some(b) = opt_string(&options, "baseUrl")? {
            config.base_url = b;
        }
        if let Some(u) = opt_string(&options, "uploadUrl")? {
            config.upload_url = u;
        }
        let upload = get(&options, "upload");
        if !upload.is_undefined() && !upload.is_null() {
            config.upload = upload
                .as_bool()
                .ok_or_else(|| type_error("upload", "a boolean"))?;
        }
        let validate = get(&options, "validate");
        if !validate.is_undefined() && !validate.is_null() {
            config.validate = validate
                .as_bool()
                .ok_or_else(|| type_error("validate", "a boolean"))?;
        }
        let headers = get(&options, "headers");
        if !headers.is_undefined() && !headers.is_null() {
            if !headers.is_object() {
                return Err(type_error(
                    "headers",
                    "an object of header names to strings",
                ));
            }
            for entry in Object::entries(headers.unchecked_ref::<Object>()).iter() {
                let pair: js_sys::Array = entry.unchecked_into();
                let k = pair.get(0).as_string().unwrap_or_default();
                let v = pair
                    .get(1)
                    .as_string()
                    .ok_or_else(|| type_error("headers", "an object of header names to strings"))?;
                config.headers.push((k, v));
            }
        }
        let fetch = opt_function(&options, "fetch")?;
        let core = Core::new(config).map_err(err)?;
        Ok(JsClient {
            shared: Rc::new(Shared { core, fetch }),
        })
    }

    /// The API origin in use.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.shared.core.config().base_url.clone()
    }

    /// Submit to `/v2/{model}`, poll until done, fetch the result:
    /// `run(model, params, {signal, onProgress, pollInterval, timeout})` → `RunResult`.
    #[wasm_bindgen(unchecked_return_type = "Promise<RunResult>")]
    pub fn run(
        &self,
        model: String,
        params: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WaitOptions")] options: JsValue,
    ) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let opts = wait_options(&options)?;
            let signal = opt_signal(&options)?;
            let mut progress = progress_callback(opt_function(&options, "onProgress")?);
            let (body, binaries) = convert_params(&params).await?;
            let t = shared.transport(signal);
            let out = shared
                .core
                .run(&t, &model, body, binaries, &opts, &mut progress)
                .await
                .map_err(err)?;
            Ok(output_to_js(&out))
        })
    }

    /// Submit to `/v2/{model}` and resolve with a `Job` as soon as it has a request id.
    /// Options: `{signal}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Job>")]
    pub fn submit(&self, model: String, params: JsValue, options: JsValue) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let signal = opt_signal(&options)?;
            let (body, binaries) = convert_params(&params).await?;
            let t = shared.transport(signal);
            let start = js_sys::Date::now();
            let sub = shared
                .core
                .submit(&t, &model, body, binaries)
                .await
                .map_err(err)?;
            Ok(Job {
                shared: shared.clone(),
                job: JobRef {
                    request_id: sub.request_id,
                    status_url: sub.status_url,
                    response_url: sub.response_url,
                },
                submitted_ms: Some(start),
            }
            .into())
        })
    }

    /// Upload images to the upload-asset endpoint (SPEC 4.7) and resolve with their URLs, in
    /// order: `uploadAssets([blob, ...], {signal})` → `string[]`.
    #[wasm_bindgen(js_name = uploadAssets, unchecked_return_type = "Promise<string[]>")]
    pub fn upload_assets(&self, images: JsValue, options: JsValue) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let signal = opt_signal(&options)?;
            if !js_sys::Array::is_array(&images) {
                return Err(type_error("images", "an array of Blobs or Files"));
            }
            let arr: js_sys::Array = images.unchecked_into();
            let mut assets = Vec::new();
            for (i, v) in arr.iter().enumerate() {
                let name = format!("images[{i}]");
                let Some(blob) = v.dyn_ref::<Blob>() else {
                    return Err(type_error(&name, "a Blob or a File"));
                };
                let buf = JsFuture::from(blob.array_buffer()).await?;
                assets.push(BinaryField {
                    name,
                    mime: blob.type_(),
                    bytes: Uint8Array::new(&buf).to_vec(),
                });
            }
            let t = shared.transport(signal);
            let urls = shared.core.upload_assets(&t, &assets).await.map_err(err)?;
            let out = js_sys::Array::new();
            for u in urls {
                out.push(&JsValue::from_str(&u));
            }
            Ok(out.into())
        })
    }

    /// A `Job` for a request id from an earlier submit (results are kept 1 hour).
    pub fn resume(
        &self,
        #[wasm_bindgen(js_name = requestId)] request_id: String,
    ) -> Result<Job, JsValue> {
        let job = self.shared.core.resume(&request_id).map_err(err)?;
        Ok(Job {
            shared: self.shared.clone(),
            job,
            submitted_ms: None,
        })
    }

    /// `POST /v1/{model}` (synchronous): resolves with `{blob, contentType, remainingCredits,
    /// cost, generationTime, seed, requestId}`. Options: `{signal, timeout}`.
    #[wasm_bindgen(js_name = runSync, unchecked_return_type = "Promise<SyncResult>")]
    pub fn run_sync(&self, model: String, params: JsValue, options: JsValue) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let signal = opt_signal(&options)?;
            let timeout = opt_number(&options, "timeout")?;
            let (body, binaries) = convert_params(&params).await?;
            let t = shared.transport(signal);
            let out = shared
                .core
                .run_sync(&t, &model, body, binaries, timeout)
                .await
                .map_err(err)?;
            let parts = js_sys::Array::new();
            parts.push(&Uint8Array::from(out.bytes.as_slice()));
            let bag = BlobPropertyBag::new();
            bag.set_type(&out.content_type);
            let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &bag)
                .map_err(|_| err(Error::internal("could not create a Blob")))?;
            let o = Object::new();
            set(&o, "blob", &blob);
            set(&o, "contentType", &JsValue::from_str(&out.content_type));
            set(&o, "remainingCredits", &opt_num_js(out.remaining_credits));
            set(&o, "cost", &opt_num_js(out.cost));
            set(&o, "generationTime", &opt_num_js(out.generation_time));
            let s =
                |v: &Option<String>| v.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL);
            set(&o, "seed", &s(&out.seed));
            set(&o, "requestId", &s(&out.request_id));
            Ok(o.into())
        })
    }
}

/// A submitted remote job: `requestId` at once, `status()`, `wait({...})`.
#[wasm_bindgen]
pub struct Job {
    shared: Rc<Shared>,
    job: JobRef,
    submitted_ms: Option<f64>,
}

#[wasm_bindgen]
impl Job {
    /// The request id (keep it to `resume` the job later).
    #[wasm_bindgen(getter, js_name = requestId)]
    pub fn request_id(&self) -> String {
        self.job.request_id.clone()
    }

    /// One status poll: `{requestId, status, error, metrics, raw}` (FAILED is reported, not
    /// thrown). Options: `{signal}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<JobStatusReport>")]
    pub fn status(&self, options: JsValue) -> Promise {
        let shared = self.shared.clone();
        let job = self.job.clone();
        future_to_promise(async move {
            let signal = opt_signal(&options)?;
            let t = shared.transport(signal);
            let r = shared.core.status(&t, &job).await.map_err(err)?;
            Ok(report_to_js(&job.request_id, &r))
        })
    }

    /// Poll until done: `wait({signal, onProgress, pollInterval, timeout})` → `RunResult`. The
    /// deadline counts from the submit (or from this call for a resumed job).
    #[wasm_bindgen(unchecked_return_type = "Promise<RunResult>")]
    pub fn wait(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WaitOptions")] options: JsValue,
    ) -> Promise {
        let shared = self.shared.clone();
        let job = self.job.clone();
        let start = self.submitted_ms;
        future_to_promise(async move {
            let opts = wait_options(&options).inspect_err(|e| {
                // The job exists: keep its id on every error.
                let _ = Reflect::set(
                    e,
                    &JsValue::from_str("requestId"),
                    &JsValue::from_str(&job.request_id),
                );
            })?;
            let signal = opt_signal(&options)?;
            let mut progress = progress_callback(opt_function(&options, "onProgress")?);
            let t = shared.transport(signal);
            let out = shared
                .core
                .wait(&t, &job, &opts, start, None, &mut progress)
                .await
                .map_err(err)?;
            Ok(output_to_js(&out))
        })
    }
}
