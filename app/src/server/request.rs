//! Facts about the request being served.

use http::request::Parts;
use leptos::prelude::use_context;

/// The header that carries each request's id, set by the server on the way in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being served, or `unknown` outside a request.
pub fn request_id() -> String {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Sets the status code of the page or server function response being rendered.
pub fn set_status(code: u16) {
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
}

/// The browser session of the request being served.
pub fn session() -> Result<tower_sessions::Session, crate::error::AppError> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
        .ok_or_else(|| {
            tracing::error!("no session layer on this request");
            crate::error::AppError::Internal {
                request_id: request_id(),
            }
        })
}

/// The client's address, as the connection reports it.
pub fn client_ip() -> Option<std::net::IpAddr> {
    use_context::<Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip())
    })
}

/// `key=value&…` with every value percent-encoded, for addresses that carry a message back
/// to a page (so forms say what went wrong with or without JavaScript).
pub fn url_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Ends a form's server function by sending the browser to `path` with `error=message`
/// (a plain-words refusal the page shows), whether or not JavaScript is on.
pub fn redirect_with_error(path: &str, message: &str) {
    let sep = if path.contains('?') { '&' } else { '?' };
    leptos_axum::redirect(&format!("{path}{sep}{}", url_query(&[("error", message)])));
}

/// Ends a form's server function by sending the browser to `path` with `notice=message`.
pub fn redirect_with_notice(path: &str, message: &str) {
    let sep = if path.contains('?') { '&' } else { '?' };
    leptos_axum::redirect(&format!("{path}{sep}{}", url_query(&[("notice", message)])));
}
