//! The crate's one error type.
//!
//! Every failure carries a stable machine-readable [`ErrorCode`] (its `as_str()` is the `code`
//! property of the JS `Error`), a human-readable message and, where it applies, the name of the
//! offending parameter.

use std::fmt;

/// Stable error codes. The string forms (`E_…`) are part of the public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A parameter is outside its documented range (or not finite).
    ParamRange,
    /// A string parameter is not one of its allowed values.
    ParamEnum,
    /// A parameter has the wrong JSON type (e.g. a string where an integer is required).
    ParamType,
    /// A required parameter is missing or empty.
    ParamMissing,
    /// A parameter name is not known for this operation (typos are errors, not ignored).
    ParamUnknown,
    /// A pixel buffer's length does not match `width × height × channels`.
    BufferSize,
    /// Width/height are zero, or a computed size has a 0-px side.
    Dimensions,
    /// An image is larger than the configured pixel limit.
    ImageTooLarge,
    /// The call's estimated peak working memory exceeds the configured memory budget
    /// (refused before the large buffers are allocated).
    MemoryBudget,
    /// Encoded image bytes could not be decoded.
    ImageDecode,
    /// An image could not be encoded.
    ImageEncode,
    /// An image field holds something that is not an accepted image input.
    ImageInput,
    /// A background-removal model was requested but none is available.
    ModelUnavailable,
    /// A feature was requested that this build or environment does not support.
    Unsupported,
    /// An image URL could not be fetched (network, CORS or HTTP error).
    ImageFetch,
    /// WebGPU was requested but no adapter/device is available.
    GpuUnavailable,
    /// A WebGPU operation failed.
    Gpu,
    /// Remote API: malformed body or missing field (HTTP 400, some 406).
    InvalidRequest,
    /// Remote API: missing or invalid API key (HTTP 401).
    Unauthorized,
    /// Remote API: model not permitted for this account (HTTP 403).
    Forbidden,
    /// Remote API: unknown model (HTTP 404 on submit).
    NotFound,
    /// Remote API: unknown or expired request id (HTTP 404 on poll).
    Expired,
    /// Remote API: model retired (HTTP 410).
    Gone,
    /// Remote API: insufficient credits or spend limit (HTTP 406).
    InsufficientCredits,
    /// Remote API: rate limited (HTTP 429) and retries exhausted.
    RateLimited,
    /// Remote API: server or gateway error (HTTP 5xx) and retries exhausted.
    Server,
    /// Remote API: the job ran and failed (HTTP 422 with a FAILED body).
    InferenceFailed,
    /// Remote API: an answer that does not follow the documented protocol.
    Protocol,
    /// A network error (connection refused or lost, DNS, CORS).
    Network,
    /// The deadline passed before the job finished (the job may still finish; resume it).
    Timeout,
    /// The caller aborted the operation (`AbortSignal`).
    Aborted,
    /// An internal invariant was violated (a bug; please report it).
    Internal,
}

impl ErrorCode {
    /// Every code, for documentation and the TypeScript union.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::ParamRange,
        ErrorCode::ParamEnum,
        ErrorCode::ParamType,
        ErrorCode::ParamMissing,
        ErrorCode::ParamUnknown,
        ErrorCode::BufferSize,
        ErrorCode::Dimensions,
        ErrorCode::ImageTooLarge,
        ErrorCode::MemoryBudget,
        ErrorCode::ImageDecode,
        ErrorCode::ImageEncode,
        ErrorCode::ImageInput,
        ErrorCode::ModelUnavailable,
        ErrorCode::Unsupported,
        ErrorCode::ImageFetch,
        ErrorCode::GpuUnavailable,
        ErrorCode::Gpu,
        ErrorCode::InvalidRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Expired,
        ErrorCode::Gone,
        ErrorCode::InsufficientCredits,
        ErrorCode::RateLimited,
        ErrorCode::Server,
        ErrorCode::InferenceFailed,
        ErrorCode::Protocol,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::Aborted,
        ErrorCode::Internal,
    ];

    /// The stable string form, e.g. `"E_PARAM_RANGE"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ParamRange => "E_PARAM_RANGE",
            ErrorCode::ParamEnum => "E_PARAM_ENUM",
            ErrorCode::ParamType => "E_PARAM_TYPE",
            ErrorCode::ParamMissing => "E_PARAM_MISSING",
            ErrorCode::ParamUnknown => "E_PARAM_UNKNOWN",
            ErrorCode::BufferSize => "E_BUFFER_SIZE",
            ErrorCode::Dimensions => "E_DIMENSIONS",
            ErrorCode::ImageTooLarge => "E_IMAGE_TOO_LARGE",
            ErrorCode::MemoryBudget => "E_MEMORY_BUDGET",
            ErrorCode::ImageDecode => "E_IMAGE_DECODE",
            ErrorCode::ImageEncode => "E_IMAGE_ENCODE",
            ErrorCode::ImageInput => "E_IMAGE_INPUT",
            ErrorCode::ModelUnavailable => "E_MODEL_UNAVAILABLE",
            ErrorCode::Unsupported => "E_UNSUPPORTED",
            ErrorCode::ImageFetch => "E_IMAGE_FETCH",
            ErrorCode::GpuUnavailable => "E_GPU_UNAVAILABLE",
            ErrorCode::Gpu => "E_GPU",
            ErrorCode::InvalidRequest => "E_INVALID_REQUEST",
            ErrorCode::Unauthorized => "E_UNAUTHORIZED",
            ErrorCode::Forbidden => "E_FORBIDDEN",
            ErrorCode::NotFound => "E_NOT_FOUND",
            ErrorCode::Expired => "E_EXPIRED",
            ErrorCode::Gone => "E_GONE",
            ErrorCode::InsufficientCredits => "E_INSUFFICIENT_CREDITS",
            ErrorCode::RateLimited => "E_RATE_LIMITED",
            ErrorCode::Server => "E_SERVER",
            ErrorCode::InferenceFailed => "E_INFERENCE_FAILED",
            ErrorCode::Protocol => "E_PROTOCOL",
            ErrorCode::Network => "E_NETWORK",
            ErrorCode::Timeout => "E_TIMEOUT",
            ErrorCode::Aborted => "E_ABORTED",
            ErrorCode::Internal => "E_INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from any operation of this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    param: Option<String>,
    status: Option<u16>,
    request_id: Option<String>,
}

/// Shorthand for `Result<T, superimpose_wasm::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            param: None,
            status: None,
            request_id: None,
        }
    }

    /// A new error about the parameter `param`. The message should say what is allowed.
    pub fn param(code: ErrorCode, param: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            param: Some(param.into()),
            status: None,
            request_id: None,
        }
    }

    /// `E_PARAM_RANGE` for `param`.
    pub fn range(param: &str, message: impl Into<String>) -> Self {
        Self::param(ErrorCode::ParamRange, param, message)
    }

    /// `E_PARAM_ENUM` for `param`: `value` is not one of `allowed`.
    pub fn enumeration(param: &str, value: &str, allowed: &[&str]) -> Self {
        let list = allowed
            .iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        Self::param(
            ErrorCode::ParamEnum,
            param,
            format!("`{param}` must be one of {list}; got {value:?}"),
        )
    }

    /// Find the value of a closed string enum by its exact (case-sensitive) name, or
    /// `E_PARAM_ENUM` naming `param` and listing every name in `all`.
    pub fn parse_enum<T: Copy>(
        param: &str,
        s: &str,
        all: &[T],
        name: impl Fn(T) -> &'static str,
    ) -> Result<T> {
        all.iter().copied().find(|&v| name(v) == s).ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|&v| name(v)).collect();
            Self::enumeration(param, s, &names)
        })
    }

    /// `E_DIMENSIONS`.
    pub fn dimensions(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Dimensions, message)
    }

    /// `E_INTERNAL`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The parameter the error is about, when there is one.
    pub fn param_name(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// Attach the HTTP status of the response that caused the error.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Attach the remote job's request id, so a job is never lost.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// The HTTP status, for remote errors that had a response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The remote job's request id, when one exists.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// The console line the panic hook writes for a panic (SPEC: a panic is a bug; the page gets a
/// coded message instead of a bare `unreachable` trap): `"E_INTERNAL: superimpose-wasm panicked
/// at <file>:<line>:<col>: <message> (a bug; please report it)"`.
pub fn panic_report(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let place = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_else(|| "an unknown location".to_string());
    format!(
        "{}: superimpose-wasm panicked at {place}: {msg} (a bug; please report it)",
        ErrorCode::Internal.as_str()
    )
}
