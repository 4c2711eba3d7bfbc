//! What wraps every response: request ids, tracing, security and cache headers,
//! compression, and a 500 page when a handler panics.

use std::panic::AssertUnwindSafe;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use futures::FutureExt;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The header that carries each request's id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A CSP for responses that are not pages (JSON, assets): nothing may run or frame them.
/// Pages replace it with one built around their nonce.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Wraps `router` in the layers every response passes through.
pub fn wrap(router: Router, hashed_assets: bool) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
        let request_id = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            request_id = %request_id,
        )
    });
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(middleware::from_fn(catch_panic))
            .layer(set(header::CONTENT_SECURITY_POLICY, DEFAULT_CSP))
            .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(set(header::X_FRAME_OPTIONS, "DENY"))
            .layer(set(
                header::REFERRER_POLICY,
                "strict-origin-when-cross-origin",
            ))
            .layer(set(
                HeaderName::from_static("permissions-policy"),
                "camera=(), microphone=(), geolocation=(), payment=()",
            ))
            .layer(set(
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            ))
            .layer(middleware::from_fn_with_state(hashed_assets, asset_cache))
            .layer(CompressionLayer::new()),
    )
}

/// Long caching for `/pkg` assets when their names carry a content hash; revalidation
/// otherwise, so a rebuilt bundle is never served stale.
async fn asset_cache(State(hashed): State<bool>, req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    if is_asset && res.status().is_success() {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

/// Turns a panic in a handler into the 500 page instead of a dropped connection.
async fn catch_panic(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(res) => res,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(request_id = %request_id, panic = %what, "handler panicked");
            server_error_page(&request_id)
        }
    }
}

/// The page for an unexpected server error: the request id, and nothing of the cause.
pub fn server_error_page(request_id: &str) -> Response {
    let id = html_escape(request_id);
    let body = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Server error · Reseller portal</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#0f172a">
<p style="color:#64748b;font-weight:600">500</p><h1>Something went wrong on our side</h1>
<p>The portal could not complete this request. Try again in a moment. If it keeps happening, tell your administrator this request id:</p>
<p><code>{id}</code></p><p><a href="/">Go to the start page</a></p></body></html>"#
    );
    let mut res = (StatusCode::INTERNAL_SERVER_ERROR, Html(body)).into_response();
    // The page has no script and only an inline style attribute.
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    res
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("database password is hunter2")
    }

    #[tokio::test]
    async fn a_panic_becomes_a_500_page_with_the_request_id_and_no_internals() {
        let app = wrap(Router::new().route("/boom", get(boom)), false);
        let res = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let id = res
            .headers()
            .get(&REQUEST_ID)
            .expect("request id header")
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains(&id), "the page quotes the request id");
        assert!(
            !body.contains("hunter2"),
            "the page reveals nothing of the cause"
        );
    }

    #[tokio::test]
    async fn hashed_assets_are_cached_for_a_year() {
        let app = wrap(
            Router::new().route("/pkg/portal.abc.js", get(|| async { "js" })),
            true,
        );
        let res = app
            .oneshot(
                Request::get("/pkg/portal.abc.js")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            res.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(res.headers()[header::X_FRAME_OPTIONS], "DENY");
    }
}

/// Refuses state-changing requests (anything but GET, HEAD and OPTIONS) whose `Origin` (or,
/// without it, `Referer`) is not the portal's own address: another site cannot make a
/// signed-in browser act. In development any loopback host on the same port counts as the
/// portal's own, since `localhost` and `127.0.0.1` are the same place.
pub async fn check_origin(
    State(own): State<std::sync::Arc<OwnOrigin>>,
    req: Request,
    next: Next,
) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let claimed = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok());
    match claimed {
        Some(url) if own.accepts(&url) => next.run(req).await,
        _ => {
            tracing::warn!(path = %req.uri().path(), "refused a cross-origin or origin-less write");
            (
                StatusCode::FORBIDDEN,
                "This request did not come from the portal's own pages, so it was refused. Reload the page and try again.",
            )
                .into_response()
        }
    }
}

/// The portal's own origin, as the Origin check sees it.
#[derive(Debug, Clone)]
pub struct OwnOrigin {
    /// The public URL's origin.
    pub origin: url::Origin,
    /// Accept any loopback host on the same port (development).
    pub loopback_alias: bool,
}

impl OwnOrigin {
    fn accepts(&self, url: &url::Url) -> bool {
        if url.origin() == self.origin {
            return true;
        }
        if !self.loopback_alias {
            return false;
        }
        let loopback =
            |host: Option<&str>| matches!(host, Some("localhost" | "127.0.0.1" | "[::1]"));
        match &self.origin {
            url::Origin::Tuple(scheme, host, port) => {
                loopback(Some(&host.to_string()))
                    && loopback(url.host_str())
                    && url.scheme() == scheme
                    && url.port_or_known_default() == Some(*port)
            }
            url::Origin::Opaque(_) => false,
        }
    }
}

#[cfg(test)]
mod origin_tests {
    use super::*;

    fn own(url: &str, alias: bool) -> OwnOrigin {
        OwnOrigin {
            origin: url::Url::parse(url).unwrap().origin(),
            loopback_alias: alias,
        }
    }

    #[test]
    fn only_the_portals_own_origin_is_accepted() {
        let prod = own("https://portal.example.com", false);
        assert!(prod.accepts(&url::Url::parse("https://portal.example.com/login").unwrap()));
        assert!(!prod.accepts(&url::Url::parse("https://evil.example.com").unwrap()));
        assert!(!prod.accepts(&url::Url::parse("http://portal.example.com").unwrap()));
        let dev = own("http://127.0.0.1:3000", true);
        assert!(dev.accepts(&url::Url::parse("http://localhost:3000").unwrap()));
        assert!(!dev.accepts(&url::Url::parse("http://localhost:3001").unwrap()));
    }
}
