//! The status page: version, database and upstream, with a button to check again.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::status::{get_status, StatusReport};
use crate::components::ui::{Badge, Card, Field, PageHeader, Tone};

/// Shows whether the portal's parts are working.
#[component]
pub fn StatusPage() -> impl IntoView {
    let checks = RwSignal::new(0u32);
    let report = Resource::new(move || checks.get(), |_| get_status());
    let pending = RwSignal::new(false);
    view! {
        <Title text="Status"/>
        <PageHeader title="Status" subtitle="What this portal is running and whether its parts answer.">
            <button
                type="button"
                class="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50"
                on:click=move |_| checks.update(|n| *n += 1)
                disabled=move || pending.get()
            >
                {move || if pending.get() { "Checking…" } else { "Check again" }}
            </button>
        </PageHeader>
        <Transition
            fallback=|| view! { <p class="text-slate-600">"Checking…"</p> }
            set_pending=pending.write_only()
        >
            {move || {
                report
                    .get()
                    .map(|result| match result {
                        Ok(report) => view! { <Report report/> }.into_any(),
                        Err(error) => {
                            view! {
                                <p role="alert" class="rounded-md bg-red-50 p-4 text-red-800">
                                    {error.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn Report(report: StatusReport) -> impl IntoView {
    let db = report.database;
    view! {
        <div class="grid gap-4 md:grid-cols-3">
            <Card title="Portal">
                <dl class="divide-y divide-slate-100">
                    <Field label="Version">{report.version}</Field>
                    <Field label="Environment">{report.environment}</Field>
                    <Field label="Checked at">
                        <time datetime=report.checked_at.clone()>{report.checked_at.clone()}</time>
                    </Field>
                </dl>
            </Card>
            <Card title="Database">
                <dl class="divide-y divide-slate-100">
                    <Field label="State">
                        {if db.reachable {
                            view! { <Badge tone=Tone::Good text="Connected"/> }
                        } else {
                            view! { <Badge tone=Tone::Bad text="Unreachable"/> }
                        }}
                    </Field>
                    <Field label="Server">{db.server_version.unwrap_or_else(|| "—".into())}</Field>
                    <Field label="Migrations applied">
                        {db.migrations_applied.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}
                    </Field>
                </dl>
            </Card>
            <Card title="Vobiz upstream">
                <dl class="divide-y divide-slate-100">
                    <Field label="Mode">
                        {if report.upstream.mode == "sandbox" {
                            view! { <Badge tone=Tone::Warn text="Sandbox (demo data)"/> }
                        } else {
                            view! { <Badge tone=Tone::Good text="Live"/> }
                        }}
                    </Field>
                    <Field label="Base URL">
                        <span class="break-all font-mono text-xs">{report.upstream.base_url}</span>
                    </Field>
                    <Field label="Credentials key">
                        <span class="font-mono text-xs">{report.key.key_id}</span>
                        " "
                        <span class="text-slate-500">{format!("({})", report.key.source)}</span>
                    </Field>
                </dl>
            </Card>
        </div>
    }
}
