//! The fetch transport (wasm32 only): the one place that touches `fetch`, timers and
//! `AbortSignal`. Works in windows, workers and Node (it uses the global `fetch`/`setTimeout`,
//! or a caller-supplied `fetch`).

use super::protocol::{HttpRequest, HttpResponse, Method as HttpMethod, SendError};
use super::Transport;
use gloo_net::http::{Headers, Method, RequestBuilder, Response};
use js_sys::{Function, Promise};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &web_sys::Request) -> Promise;
}

/// Sends requests with `fetch`, honouring the caller's `AbortSignal`.
#[derive(Debug, Clone, Default)]
pub struct FetchTransport {
    /// A caller-supplied `fetch` (called as `fetch(request)`), else the global one.
    pub fetch: Option<Function>,
    /// The caller's abort signal for this operation.
    pub signal: Option<AbortSignal>,
}

/// Removes an event listener / clears a timer when dropped.
struct Cleanup {
    signal: Option<(AbortSignal, Closure<dyn FnMut()>)>,
    timer: Option<(JsValue, Closure<dyn FnMut()>)>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some((sig, cb)) = self.signal.take() {
            let _ = sig.remove_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
        }
        if let Some((handle, _cb)) = self.timer.take() {
            clear_timeout(&handle);
        }
    }
}

fn js_message(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        let name = String::from(e.name());
        let msg = String::from(e.message());
        let cause = js_sys::Reflect::get(e, &JsValue::from_str("cause"))
            .ok()
            .and_then(|c| {
                c.dyn_ref::<js_sys::Error>()
                    .map(|c| String::from(c.message()))
            })
            .filter(|s| !s.is_empty());
        match cause {
            Some(c) => format!("{name}: {msg}: {c}"),
            None => format!("{name}: {msg}"),
        }
    } else {
        v.as_string().unwrap_or_else(|| "fetch failed".to_string())
    }
}

impl FetchTransport {
    fn user_aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(|s| s.aborted())
    }

    async fn send_inner(
        &self,
        req: &HttpRequest,
        deadline_ms: Option<f64>,
    ) -> Result<HttpResponse, SendError> {
        if self.user_aborted() {
            return Err(SendError::Aborted);
        }
        let controller = AbortController::new()
            .map_err(|e| SendError::Network(format!("AbortController: {}", js_message(&e))))?;
        let timed_out = Rc::new(Cell::new(false));
        let mut cleanup = Cleanup {
            signal: None,
            timer: None,
        };
        if let Some(sig) = &self.signal {
            let c = controller.clone();
            let cb = Closure::<dyn FnMut()>::new(move || c.abort());
            let _ = sig.add_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
            cleanup.signal = Some((sig.clone(), cb));
        }
        if let Some(end) = deadline_ms {
            let left = (end - js_sys::Date::now()).max(0.0);
            let c = controller.clone();
            let flag = timed_out.clone();
            let cb = Closure::<dyn FnMut()>::new(move || {
                flag.set(true);
                c.abort();
            });
            let handle = set_timeout(cb.as_ref().unchecked_ref(), left);
            cleanup.timer = Some((handle, cb));
        }
        let classify = |e: &JsValue| {
            if self.user_aborted() {
                SendError::Aborted
            } else if timed_out.get() {
                SendError::DeadlineExceeded
            } else {
                SendError::Network(js_message(e))
            }
        };
        let headers = Headers::new();
        for (k, v) in &req.headers {
            headers.append(k, v);
        }
        let method = match req.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
        };
        let signal = controller.signal();
        let builder = RequestBuilder::new(&req.url)
            .method(method)
            .headers(headers)
            .abort_signal(Some(&signal));
        let built = match &req.body {
            Some(b) => builder.body(JsValue::from_str(b)),
            None => builder.build(),
        }
        .map_err(|e| SendError::Network(format!("could not build the request: {e}")))?;
        let raw: web_sys::Request = built.into();
        let promise = match &self.fetch {
            Some(f) => match f.call1(&JsValue::UNDEFINED, &raw) {
                Ok(p) => Promise::resolve(&p),
                Err(e) => return Err(classify(&e)),
            },
            None => global_fetch(&raw),
        };
        let value = JsFuture::from(promise).await.map_err(|e| classify(&e))?;
        let raw_resp: web_sys::Response = value.dyn_into().map_err(|_| {
            SendError::Network("the fetch function did not return a Response".to_string())
        })?;
        let resp = Response::from(raw_resp);
        let status = resp.status();
        let headers: Vec<(String, String)> = resp.headers().entries().collect();
        let body = match resp.binary().await {
            Ok(b) => b,
            Err(e) => {
                let js = JsValue::from_str(&e.to_string());
                return Err(classify(&js));
            }
        };
        drop(cleanup);
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    async fn sleep_inner(&self, ms: f64) -> Result<(), SendError> {
        if self.user_aborted() {
            return Err(SendError::Aborted);
        }
        let ms = if ms.is_finite() { ms.max(0.0) } else { 0.0 };
        let signal = self.signal.clone();
        let mut cleanup = Cleanup {
            signal: None,
            timer: None,
        };
        let promise = Promise::new(&mut |resolve, reject| {
            let cb = Closure::<dyn FnMut()>::new(move || {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            });
            let handle = set_timeout(cb.as_ref().unchecked_ref(), ms);
            cleanup.timer = Some((handle, cb));
            if let Some(sig) = &signal {
                let cb = Closure::<dyn FnMut()>::new(move || {
                    let _ = reject.call0(&JsValue::UNDEFINED);
                });
                let _ = sig.add_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
                cleanup.signal = Some((sig.clone(), cb));
            }
        });
        let r: Result<JsValue, JsValue> = JsFuture::from(promise).await;
        drop(cleanup);
        match r {
            Ok(_) => Ok(()),
            Err(_) => Err(SendError::Aborted),
        }
    }
}

impl Transport for FetchTransport {
    fn send(
        &self,
        req: &HttpRequest,
        deadline_ms: Option<f64>,
    ) -> impl Future<Output = Result<HttpResponse, SendError>> {
        self.send_inner(req, deadline_ms)
    }

    fn sleep(&self, ms: f64) -> impl Future<Output = Result<(), SendError>> {
        self.sleep_inner(ms)
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}
