//! The dashboard: the partner wallet, what needs attention, onboardings under way and the
//! month's DID costs per paying wallet.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dashboard::{dashboard, COSTS_EXPORT_PATH};
use crate::components::ui::{
    Card, DataTable, EmptyState, ErrorNote, Loading, PageHeader, SECONDARY, TD,
};

/// The organisation's dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| dashboard());
    view! {
        <Title text="Dashboard"/>
        <Suspense fallback=|| view! { <PageHeader title="Dashboard"/><Loading/> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <PageHeader title="Dashboard"/><ErrorNote message=e.to_string()/> }.into_any(),
                Ok(d) => view! {
                    <PageHeader title="Dashboard" subtitle=d.partner.clone()/>
                    <div class="grid gap-4 lg:grid-cols-3">
                        <Card title="Partner wallet">
                            <p class="text-2xl font-semibold" data-testid="partner-balance">{d.balance.clone()}</p>
                            {d.accounts.clone().map(|a| view! { <p class="mt-1 text-sm text-slate-600">{a}</p> })}
                        </Card>
                        <div class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:col-span-2">
                            {d.tiles.iter().map(|t| {
                                let class = if t.warn {
                                    "block rounded-lg bg-amber-50 p-3 ring-1 ring-amber-200 hover:bg-amber-100"
                                } else {
                                    "block rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200 hover:bg-slate-50"
                                };
                                view! {
                                    <a href=t.href.clone() class=class>
                                        <span class="block text-2xl font-semibold">{t.count}</span>
                                        <span class="text-sm text-slate-700">{t.label.clone()}</span>
                                    </a>
                                }
                            }).collect_view()}
                        </div>
                    </div>
                    <section class="mt-6">
                        <h2 class="mb-2 text-lg font-semibold">"Onboardings under way"</h2>
                        {if d.onboardings.is_empty() {
                            view! { <p class="text-sm text-slate-600">"None."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="space-y-1 text-sm">
                                    {d.onboardings.iter().map(|(id, name, at)| view! {
                                        <li><a class="underline" href=format!("/customers/{id}/onboarding")>{name.clone()}</a>
                                            <span class="text-slate-500">{format!(" · started {at}")}</span></li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    <section class="mt-6">
                        <div class="mb-2 flex items-center justify-between gap-2">
                            <h2 class="text-lg font-semibold">"Monthly DID rentals per paying wallet"</h2>
                            <a href=COSTS_EXPORT_PATH class=SECONDARY download>"Export CSV"</a>
                        </div>
                        {if d.costs.is_empty() {
                            view! { <EmptyState title="No active numbers yet"/> }.into_any()
                        } else {
                            view! {
                                <DataTable headers=&["Paid by", "Numbers", "Monthly"] caption="Monthly DID rentals for invoicing">
                                    {d.costs.iter().map(|c| view! {
                                        <tr>
                                            <td class=TD><a class="underline" href=format!("/numbers?customer={}", c.auth_id)>{c.name.clone()}</a>
                                                <span class="block font-mono text-xs text-slate-400">{c.auth_id.clone()}</span></td>
                                            <td class=TD>{c.numbers}</td>
                                            <td class=TD>{c.monthly.clone()}</td>
                                        </tr>
                                    }).collect_view()}
                                </DataTable>
                            }.into_any()
                        }}
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}
