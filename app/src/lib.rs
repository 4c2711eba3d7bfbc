//! The portal's user interface and server functions.
//!
//! Compiled twice: with `ssr` into the server (rendering, server functions) and with
//! `hydrate` into the WebAssembly bundle. Server-only code lives in [`server`], which
//! exists only with `ssr`.

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::components::layout::Shell;
use crate::pages::{
    accept::AcceptPage, login::LoginPage, not_found::NotFound, placeholder::Placeholder,
    status::StatusPage,
};

/// The HTML document around every page, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::security::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full bg-slate-50">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HashedStylesheet id="leptos" options=options.clone()/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="h-full text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// The application: the router and the layout every page shares.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|text: String| {
            if text.is_empty() { "Reseller portal".to_string() } else { format!("{text} · Reseller portal") }
        }/>
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=StatusPage/>
                    <Route path=path!("/status") view=StatusPage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/accept/:token") view=AcceptPage/>
                    <Route path=path!("/dashboard") view=|| view! { <Placeholder area="Dashboard"/> }/>
                    <Route path=path!("/customers") view=|| view! { <Placeholder area="Customers"/> }/>
                    <Route path=path!("/numbers") view=|| view! { <Placeholder area="Numbers"/> }/>
                    <Route path=path!("/audit") view=|| view! { <Placeholder area="Audit log"/> }/>
                    <Route path=path!("/settings") view=|| view! { <Placeholder area="Settings"/> }/>
                </Routes>
            </Shell>
        </Router>
    }
}
