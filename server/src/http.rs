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
