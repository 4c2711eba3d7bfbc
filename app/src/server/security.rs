//! Response headers that protect pages.

use http::{header, HeaderValue};
use leptos::nonce::use_nonce;
use leptos::prelude::use_context;

/// The Content-Security-Policy of a rendered page, allowing only scripts that carry `nonce`.
///
/// `'strict-dynamic'` lets the nonce'd hydration script load the WebAssembly bundle it
/// imports; `'wasm-unsafe-eval'` lets the browser compile it. Styles and everything else
/// come only from this origin.
pub fn page_csp(nonce: &str) -> String {
    // `cargo leptos watch` reloads pages over a websocket on its own port.
    let live_reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws:"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{live_reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the page's CSP, built around this response's nonce, to the response being rendered.
pub fn set_page_csp() {
    let Some(options) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    if let Some(nonce) = use_nonce() {
        if let Ok(value) = HeaderValue::from_str(&page_csp(nonce.as_inner())) {
            options.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_allows_only_the_nonce_and_denies_framing() {
        let csp = page_csp("abc");
        assert!(csp.contains("script-src 'nonce-abc'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
