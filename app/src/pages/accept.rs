//! Setting a password from an invitation or set-password link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::auth::{inspect_link, SetPassword};
use crate::domain::identity::MIN_PASSWORD_CHARS;

/// Shows whose link it is and asks for a new password (twice).
#[component]
pub fn AcceptPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let holder = Resource::new(token, inspect_link);
    let action = ServerAction::<SetPassword>::new();
    view! {
        <Title text="Set your password"/>
        <div class="mx-auto mt-10 max-w-sm rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h1 class="text-xl font-semibold">"Set your password"</h1>
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Checking the link…"</p> }>
                {move || holder.get().map(|result| match result {
                    Err(error) => view! {
                        <p role="alert" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">{error.to_string()}</p>
                    }.into_any(),
                    Ok(email) => view! {
                        <p class="mt-2 text-sm text-slate-600">"For " <strong>{email}</strong></p>
                        {move || query.with(|q| q.get("error")).map(|message| view! {
                            <p role="alert" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">{message}</p>
                        })}
                        <ActionForm action=action attr:class="mt-4 space-y-4">
                            <input type="hidden" name="token" value=token/>
                            <div>
                                <label for="password" class="block text-sm font-medium">"New password"</label>
                                <input id="password" name="password" type="password" autocomplete="new-password"
                                    required minlength=MIN_PASSWORD_CHARS.to_string()
                                    class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                                <p class="mt-1 text-xs text-slate-500">
                                    {format!("At least {MIN_PASSWORD_CHARS} characters. A few unrelated words make a strong password.")}
                                </p>
                            </div>
                            <div>
                                <label for="confirm" class="block text-sm font-medium">"The same password again"</label>
                                <input id="confirm" name="confirm" type="password" autocomplete="new-password" required
                                    class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                            </div>
                            <button type="submit" class="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                                "Set password"
                            </button>
                        </ActionForm>
                    }.into_any(),
                })}
            </Suspense>
        </div>
    }
}
