//! The platform operator's pages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::operator::{
    operator_overview, OperatorCreateTenant, OperatorSignIn, OperatorSignOut,
};
use crate::components::ui::{Badge, Card, PageHeader, Tone};

/// Messages carried in the address (`?error=`, `?notice=`).
#[component]
fn Messages() -> impl IntoView {
    let query = use_query_map();
    view! {
        {move || query.with(|q| q.get("error")).map(|m| view! {
            <p role="alert" class="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800">{m}</p>
        })}
        {move || query.with(|q| q.get("notice")).map(|m| view! {
            <p role="status" class="mb-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-800">{m}</p>
        })}
    }
}

/// Operator sign-in.
#[component]
pub fn OperatorLoginPage() -> impl IntoView {
    view! {
        <Title text="Operator sign-in"/>
        <div class="mx-auto mt-10 max-w-sm rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h1 class="mb-4 text-xl font-semibold">"Operator sign-in"</h1>
            <Messages/>
            <form method="post" action=OperatorSignIn::url() class="space-y-4">
                <div>
                    <label for="email" class="block text-sm font-medium">"Email"</label>
                    <input id="email" name="email" type="email" required autocomplete="username"
                        class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                </div>
                <div>
                    <label for="password" class="block text-sm font-medium">"Password"</label>
                    <input id="password" name="password" type="password" required autocomplete="current-password"
                        class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                </div>
                <button type="submit" class="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white">
                    "Sign in"
                </button>
            </form>
        </div>
    }
}

/// The operator's overview: tenants, and a form to create one.
#[component]
pub fn OperatorPage() -> impl IntoView {
    let query = use_query_map();
    let overview = Resource::new(|| (), |_| operator_overview());
    view! {
        <Title text="Operator"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || overview.get().map(|result| match result {
                Err(e) => view! { <p role="alert" class="text-red-800">{e.to_string()}</p> }.into_any(),
                Ok(None) => view! {
                    <p>"This page is for the platform operator. " <a class="underline" href="/operator/login">"Sign in as operator"</a></p>
                }.into_any(),
                Ok(Some(view)) => view! {
                    <PageHeader title="Tenants" subtitle=format!("Signed in as operator {}", view.email)>
                        <form method="post" action=OperatorSignOut::url()>
                            <button type="submit" class="rounded-md px-3 py-2 text-sm ring-1 ring-slate-300">"Sign out"</button>
                        </form>
                    </PageHeader>
                    <Messages/>
                    {move || query.with(|q| q.get("link")).map(|link| view! {
                        <div class="mb-4 rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200">
                            <label for="owner-link" class="block font-medium">"Owner's one-time link (shown once)"</label>
                            <input id="owner-link" readonly value=link class="mt-1 block w-full rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs"/>
                        </div>
                    })}
                    <div class="grid gap-4 lg:grid-cols-3">
                        <div class="lg:col-span-2">
                            <Card title="Tenants">
                                <table class="w-full text-left text-sm">
                                    <thead><tr class="text-slate-500">
                                        <th class="py-2">"Name"</th><th>"Short name"</th><th>"Staff"</th><th>"Vobiz"</th><th>"Created"</th>
                                    </tr></thead>
                                    <tbody>
                                        {view.tenants.into_iter().map(|t| view! {
                                            <tr class="border-t border-slate-100">
                                                <td class="py-2 font-medium">{t.name}</td>
                                                <td class="font-mono text-xs">{t.slug}</td>
                                                <td>{t.staff}</td>
                                                <td>{if t.connected { view! { <Badge tone=Tone::Good text="Connected"/> } } else { view! { <Badge tone=Tone::Warn text="Not connected"/> } }}</td>
                                                <td>{t.created}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </Card>
                        </div>
                        <Card title="New tenant">
                            <form method="post" action=OperatorCreateTenant::url() class="space-y-3">
                                <div>
                                    <label for="name" class="block text-sm font-medium">"Partner name"</label>
                                    <input id="name" name="name" required class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                                </div>
                                <div>
                                    <label for="slug" class="block text-sm font-medium">"Short name"</label>
                                    <input id="slug" name="slug" required pattern="[a-z0-9][a-z0-9-]{1,62}" class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                                    <p class="mt-1 text-xs text-slate-500">"Lower-case letters, digits and hyphens."</p>
                                </div>
                                <div>
                                    <label for="owner_email" class="block text-sm font-medium">"Owner's email"</label>
                                    <input id="owner_email" name="owner_email" type="email" required class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"/>
                                </div>
                                <button type="submit" class="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white">"Create tenant"</button>
                            </form>
                        </Card>
                    </div>
                }.into_any(),
            })}
        </Suspense>
    }
}
