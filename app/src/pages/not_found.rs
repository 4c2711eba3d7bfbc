//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

/// Rendered for unknown routes, answered with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::request::set_status(404);
    view! {
        <Title text="Page not found"/>
        <div class="mx-auto max-w-xl py-16 text-center">
            <p class="text-sm font-semibold text-slate-500">"404"</p>
            <h1 class="mt-2 text-3xl font-semibold tracking-tight">"Page not found"</h1>
            <p class="mt-4 text-slate-600">
                "There is nothing at this address. Check the link, or go back to the start."
            </p>
            <a href="/" class="mt-6 inline-block rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                "Go to the start page"
            </a>
        </div>
    }
}
