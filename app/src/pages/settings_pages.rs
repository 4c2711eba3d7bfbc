//! Settings pages: the Vobiz connection, the tenant profile, and security.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::settings::{
    security_overview, tenant_profile, vobiz_connection, CancelTotp, ConfirmTotp, DisableTotp,
    RenameTenant, SaveVobizConnection, SetRequireTotp, StartTotp, TestVobizConnection,
};
use crate::components::ui::{AddressMessages, Badge, Card, Field, PageHeader, Tone};

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2";
const BUTTON: &str =
    "rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700";
const SECONDARY: &str =
    "rounded-md px-4 py-2 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50";

fn failed(e: crate::error::AppError) -> AnyView {
    view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }
        .into_any()
}

fn loading() -> impl IntoView {
    view! { <p class="text-slate-600">"Loading…"</p> }
}

/// The stored connection (masked), the test button and the owner's form.
#[component]
pub fn VobizConnectionPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| vobiz_connection());
    view! {
        <Title text="Vobiz connection"/>
        <PageHeader title="Vobiz connection" subtitle="The partner credentials the portal uses to work with Vobiz for you."/>
        <AddressMessages/>
        <TestResult/>
        <Suspense fallback=loading>
            {move || data.get().map(|result| match result {
                Err(e) => failed(e),
                Ok(view) => {
                    let stored = view.connection.is_some();
                    view! {
                    <div class="grid gap-4 lg:grid-cols-2">
                        <Card title="Stored connection">
                            {match view.connection {
                                None => view! {
                                    <p class="text-sm text-slate-600">
                                        "No Vobiz connection is stored yet. An owner stores the partner id and token from the Vobiz console."
                                    </p>
                                }.into_any(),
                                Some(c) => view! {
                                    <dl class="divide-y divide-slate-100">
                                        <Field label="Partner name">{c.partner_name}</Field>
                                        <Field label="Partner id"><span class="font-mono">{c.partner_auth_id}</span></Field>
                                        <Field label="Partner token"><span class="font-mono">{c.partner_token_mask}</span></Field>
                                        <Field label="Pool account id"><span class="font-mono">{c.pool_auth_id.unwrap_or_else(|| "none".into())}</span></Field>
                                        <Field label="Pool account token"><span class="font-mono">{c.pool_token_mask.unwrap_or_else(|| "none".into())}</span></Field>
                                        <Field label="Currency">{c.currency}</Field>
                                        <Field label="Base URL"><span class="font-mono">{c.base_url}</span></Field>
                                        <Field label="Verified">{c.verified_at}</Field>
                                    </dl>
                                }.into_any(),
                            }}
                            {view.can_test.then(|| view! {
                                <form method="post" action=TestVobizConnection::url() class="mt-4">
                                    <button type="submit" class=SECONDARY>"Test connection"</button>
                                </form>
                            })}
                        </Card>
                        {if view.can_manage {
                            view! { <CredentialsForm replacing=stored/> }.into_any()
                        } else {
                            view! {
                                <Card title="Credentials">
                                    <p class="text-sm text-slate-600">"Only owners store or replace the Vobiz credentials."</p>
                                </Card>
                            }.into_any()
                        }}
                    </div>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The answer of the last connection test, from the address the test sent the browser to.
#[component]
fn TestResult() -> impl IntoView {
    let query = use_query_map();
    move || {
        query.with(|q| q.get("tested")).map(|_| {
            let get = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
            view! {
                <div role="status" class="mb-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 ring-1 ring-emerald-200">
                    <p class="font-medium">{format!("Vobiz answered: the connection works for {}.", get("name"))}</p>
                    <dl class="mt-2 grid grid-cols-2 gap-x-4 gap-y-1">
                        <dt>"Balance"</dt><dd>{format!("{} {}", get("balance"), get("currency"))}</dd>
                        <dt>"Customer accounts"</dt><dd>{get("accounts")}</dd>
                        <dt>"Active"</dt><dd>{get("active")}</dd>
                        <dt>"Allowed to"</dt><dd>{get("caps")}</dd>
                    </dl>
                </div>
            }
        })
    }
}

/// Storing or replacing the credentials. Tokens are never pre-filled.
#[component]
fn CredentialsForm(replacing: bool) -> impl IntoView {
    view! {
        <Card title=if replacing { "Replace credentials" } else { "Store credentials" }>
            <form method="post" action=SaveVobizConnection::url() class="space-y-3" autocomplete="off">
                <div>
                    <label for="partner_auth_id" class="block text-sm font-medium">"Partner id"</label>
                    <input id="partner_auth_id" name="partner_auth_id" required placeholder="PA_…" autocomplete="off" class=INPUT/>
                </div>
                <div>
                    <label for="partner_token" class="block text-sm font-medium">"Partner token"</label>
                    <input id="partner_token" name="partner_token" type="password" required autocomplete="off" class=INPUT/>
                </div>
                <div>
                    <label for="pool_auth_id" class="block text-sm font-medium">"Pool account id (optional)"</label>
                    <input id="pool_auth_id" name="pool_auth_id" placeholder="MA_…" autocomplete="off" class=INPUT/>
                </div>
                <div>
                    <label for="pool_token" class="block text-sm font-medium">"Pool account token (optional)"</label>
                    <input id="pool_token" name="pool_token" type="password" autocomplete="off" class=INPUT/>
                </div>
                <div>
                    <label for="base_url" class="block text-sm font-medium">"Base URL (optional)"</label>
                    <input id="base_url" name="base_url" type="url" placeholder="https://api.vobiz.ai" autocomplete="off" class=INPUT/>
                </div>
                <button type="submit" class=BUTTON>"Check with Vobiz and store"</button>
                <p class="text-xs text-slate-500">
                    "The portal asks Vobiz first; nothing is stored unless Vobiz accepts the credentials. Tokens are stored encrypted and shown only masked."
                </p>
            </form>
        </Card>
    }
}

/// The tenant's name (editable by owners and admins) and slug.
#[component]
pub fn TenantProfilePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| tenant_profile());
    view! {
        <Title text="Profile"/>
        <PageHeader title="Profile" subtitle="Your organisation as the portal shows it."/>
        <AddressMessages/>
        <Suspense fallback=loading>
            {move || data.get().map(|result| match result {
                Err(e) => failed(e),
                Ok(p) => view! {
                    <Card title="Organisation">
                        <form method="post" action=RenameTenant::url() class="max-w-md space-y-3">
                            <div>
                                <label for="name" class="block text-sm font-medium">"Name"</label>
                                <input id="name" name="name" required maxlength="200" value=p.name.clone()
                                    readonly=!p.can_edit class=INPUT/>
                            </div>
                            <div>
                                <label for="slug" class="block text-sm font-medium">"Slug"</label>
                                <input id="slug" value=p.slug.clone() readonly disabled class=format!("{INPUT} bg-slate-50")/>
                                <p class="mt-1 text-xs text-slate-500">"The slug is fixed."</p>
                            </div>
                            {if p.can_edit {
                                view! { <button type="submit" class=BUTTON>"Save name"</button> }.into_any()
                            } else {
                                view! { <p class="text-sm text-slate-600">"Only owners and admins edit the profile."</p> }.into_any()
                            }}
                        </form>
                    </Card>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// The person's authenticator app, and (owners) whether one is required.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| security_overview());
    view! {
        <Title text="Security"/>
        <PageHeader title="Security" subtitle="A second factor: a code from an authenticator app when you sign in."/>
        <AddressMessages/>
        <Suspense fallback=loading>
            {move || data.get().map(|result| match result {
                Err(e) => failed(e),
                Ok(s) => {
                    let must = s.required && !s.has_totp;
                    view! {
                        {must.then(|| view! {
                            <p role="alert" class="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
                                "Your organisation requires a second factor. Set up an authenticator app to continue using the portal."
                            </p>
                        })}
                        <div class="grid gap-4 lg:grid-cols-2">
                            <Card title="Your authenticator app">
                                {if s.has_totp {
                                    view! {
                                        <p class="text-sm"><Badge tone=Tone::Good text="On"/>" Signing in asks for a code from your app."</p>
                                        {(!s.required).then(|| view! {
                                            <form method="post" action=DisableTotp::url() class="mt-4 space-y-3">
                                                <div>
                                                    <label for="disable-code" class="block text-sm font-medium">"Current code"</label>
                                                    <input id="disable-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7" class=INPUT/>
                                                </div>
                                                <button type="submit" class=SECONDARY>"Turn off"</button>
                                            </form>
                                        })}
                                    }.into_any()
                                } else if let Some(e) = s.enrolment.clone() {
                                    view! {
                                        <ol class="list-decimal space-y-2 pl-5 text-sm">
                                            <li>"Scan this code with your authenticator app:"
                                                <div class="mt-2 w-52" role="img" aria-label="QR code of the set-up address" inner_html=e.qr_svg.clone()></div>
                                            </li>
                                            <li>"Or add an account with this key:"
                                                <code class="mt-1 block break-all rounded bg-slate-100 p-2 font-mono">{e.secret.clone()}</code>
                                                <span class="mt-1 block text-xs text-slate-500">"or open this address on the device with the app: "
                                                    <a href=e.uri.clone() class="break-all underline">{e.uri.clone()}</a>
                                                </span>
                                            </li>
                                            <li>"Enter the 6-digit code the app shows:"</li>
                                        </ol>
                                        <form method="post" action=ConfirmTotp::url() class="mt-3 space-y-3">
                                            <div>
                                                <label for="confirm-code" class="block text-sm font-medium">"Code"</label>
                                                <input id="confirm-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7" class=INPUT/>
                                            </div>
                                            <button type="submit" class=BUTTON>"Confirm"</button>
                                        </form>
                                        <form method="post" action=CancelTotp::url() class="mt-2">
                                            <button type="submit" class="text-sm text-slate-600 underline">"Cancel"</button>
                                        </form>
                                    }.into_any()
                                } else {
                                    view! {
                                        <p class="text-sm"><Badge tone=Tone::Neutral text="Off"/>" Signing in asks only for your password."</p>
                                        <form method="post" action=StartTotp::url() class="mt-4">
                                            <button type="submit" class=BUTTON>"Set up an authenticator app"</button>
                                        </form>
                                    }.into_any()
                                }}
                            </Card>
                            <Card title="For everyone">
                                <p class="text-sm">
                                    {if s.required { "A second factor is required for all staff." } else { "A second factor is optional." }}
                                </p>
                                {if s.can_manage {
                                    view! {
                                        <form method="post" action=SetRequireTotp::url() class="mt-4">
                                            <input type="hidden" name="required" value=if s.required { "false" } else { "true" }/>
                                            <button type="submit" class=SECONDARY>
                                                {if s.required { "Make it optional" } else { "Require for all staff" }}
                                            </button>
                                        </form>
                                    }.into_any()
                                } else {
                                    view! { <p class="mt-2 text-sm text-slate-600">"Only owners change this."</p> }.into_any()
                                }}
                            </Card>
                        </div>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
