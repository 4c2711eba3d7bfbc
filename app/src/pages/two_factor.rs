//! The second step of signing in: the code of the person's authenticator app.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::SignInCode;

/// A 6-digit code; says why a previous code was refused.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key));
    view! {
        <Title text="Enter your code"/>
        <div class="mx-auto mt-10 max-w-sm rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h1 class="text-xl font-semibold">"Enter your code"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "Your password was right. Enter the 6-digit code your authenticator app shows for the portal."
            </p>
            {move || param("error").map(|message| view! {
                <p role="alert" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">{message}</p>
            })}
            <form method="post" action=SignInCode::url() class="mt-4 space-y-4">
                <input type="hidden" name="next" value=move || param("next").unwrap_or_else(|| "/".into())/>
                <div>
                    <label for="code" class="block text-sm font-medium">"Code"</label>
                    <input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]{6,7}"
                        autocomplete="one-time-code" required maxlength="7"
                        class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono tracking-widest"/>
                </div>
                <button type="submit" class="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                    "Sign in"
                </button>
            </form>
            <p class="mt-4 text-sm"><a href="/login" class="text-slate-600 underline">"Start again"</a></p>
        </div>
    }
}
