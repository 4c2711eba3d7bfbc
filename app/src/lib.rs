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
    components::{ProtectedRoute, Route, Router, Routes},
    hooks::use_location,
    path,
};

use crate::components::layout::Shell;
use crate::components::session::SessionContext;
use crate::pages::{
    accept::AcceptPage,
    login::LoginPage,
    not_found::NotFound,
    operator::{OperatorLoginPage, OperatorPage},
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
    let session = SessionContext::provide();
    // Signed in, and not held back by a second factor their tenant requires but they lack
    // (they are sent to the security page to set it up; that page needs only `signed_in_any`).
    let signed_in = move || session.signed_in().map(|s| s && !session.must_enrol_totp());
    let signed_in_any = move || session.signed_in();
    view! {
        <Title formatter=|text: String| {
            if text.is_empty() { "Reseller portal".to_string() } else { format!("{text} · Reseller portal") }
        }/>
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <ProtectedRoute path=path!("/") view=StatusPage condition=signed_in redirect_path=to_login/>
                    <Route path=path!("/status") view=StatusPage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/operator") view=OperatorPage/>
                    <Route path=path!("/operator/login") view=OperatorLoginPage/>
                    <Route path=path!("/accept/:token") view=AcceptPage/>
                    <ProtectedRoute path=path!("/dashboard") view=crate::pages::dashboard::DashboardPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/customers") view=crate::pages::customers::CustomersPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/customers/new") view=crate::pages::customers::NewCustomerPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/customers/:id") view=crate::pages::customer::CustomerPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/customers/:id/transfer") view=crate::pages::wallet::TransferPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/customers/:id/onboarding") view=crate::pages::onboarding::OnboardingPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/transfers") view=crate::pages::wallet::TransfersPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/transfers/:id") view=crate::pages::wallet::TransferStatusPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/my") view=crate::pages::my::MyAccountPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/numbers") view=crate::pages::numbers::NumbersPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/numbers/inventory") view=crate::pages::numbers::InventoryPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/numbers/:e164") view=crate::pages::numbers::NumberPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/audit") view=crate::pages::audit::AuditPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/settings") view=crate::pages::settings_index::SettingsIndexPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/settings/users") view=crate::pages::staff::StaffPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/settings/vobiz") view=crate::pages::settings_pages::VobizConnectionPage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/settings/profile") view=crate::pages::settings_pages::TenantProfilePage condition=signed_in redirect_path=to_login/>
                    <ProtectedRoute path=path!("/settings/security") view=crate::pages::settings_pages::SecurityPage condition=signed_in_any redirect_path=to_login/>
                    <Route path=path!("/login/2fa") view=crate::pages::two_factor::SignInCodePage/>
                </Routes>
            </Shell>
        </Router>
    }
}

/// The sign-in page, coming back to where the person was going.
fn to_login() -> String {
    if use_context::<SessionContext>().is_some_and(|s| s.must_enrol_totp_untracked()) {
        return "/settings/security".to_owned();
    }
    let location = use_location();
    let search = location.search.get_untracked();
    let search = match search.as_str() {
        "" => String::new(),
        s if s.starts_with('?') => s.to_owned(),
        s => format!("?{s}"),
    };
    let wanted = format!("{}{search}", location.pathname.get_untracked());
    let wanted = if wanted.is_empty() || wanted.starts_with("/login") {
        "/".to_owned()
    } else {
        wanted
    };
    let encoded: String = wanted
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/login?next={encoded}")
}
