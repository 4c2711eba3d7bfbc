//! The sign-in page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use leptos::server_fn::ServerFn;

use crate::api::auth::SignIn;

/// Email and password; says why a previous attempt failed. A plain form post: signing in
/// ends with a full page load, so every part of the next page sees the new session.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key));
    view! {
        <Title text="Sign in"/>
        <div class="mx-auto mt-10 max-w-sm rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h1 class="text-xl font-semibold">"Sign in"</h1>
            {move || param("password_set").map(|_| view! {
                <p role="status" class="mt-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-800">
                    "Your password is set. Sign in with it now."
                </p>
            })}
            {move || param("error").map(|message| view! {
                <p role="alert" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">{message}</p>
            })}
            <form method="post" action=SignIn::url() class="mt-4 space-y-4">
                <input type="hidden" name="next" value=move || param("next").unwrap_or_else(|| "/".into())/>
                <div>
                    <label for="email" class="block text-sm font-medium">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required
                        value=move || param("email").unwrap_or_default()
                        class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                </div>
                <div>
                    <label for="password" class="block text-sm font-medium">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required
                        class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                </div>
                <button type="submit" class="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                    "Sign in"
                </button>
            </form>
        </div>
    }
}
