//! Transfers: the form, the confirmation with both balances before and after, a transfer's
//! status (and checking an unknown one with Vobiz), and the list of transfers.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::wallet::{
    list_transfers, transfer_preview, transfer_status, ReconcileTransfer, SendTransfer,
};
use crate::components::ui::{
    state_badge, AddressMessages, Badge, Card, DataTable, EmptyState, ErrorNote, Facts, Loading,
    PageHeader, INPUT, LABEL, PRIMARY, SECONDARY, TD,
};
use crate::domain::customers::Amount;
use crate::pages::customer::customer_id;

/// Step 1 (amount and note) and step 2 (confirm) of a transfer to a customer.
#[component]
pub fn TransferPage() -> impl IntoView {
    let id = customer_id();
    let query = use_query_map();
    let amount = Memo::new(move |_| query.with(|q| q.get("amount")).unwrap_or_default());
    let note = Memo::new(move |_| query.with(|q| q.get("note")).unwrap_or_default());
    view! {
        <Title text="Transfer funds"/>
        <PageHeader title="Transfer funds" subtitle="From the partner wallet to the customer's wallet. Vobiz cannot reverse a transfer.">
            <a href=move || format!("/customers/{}", id.get()) class=SECONDARY>"Back to the customer"</a>
        </PageHeader>
        <AddressMessages/>
        {move || if amount.get().trim().is_empty() {
            view! { <AmountForm id=id.get() amount=String::new() note=note.get()/> }.into_any()
        } else {
            view! { <Confirm id=id.get() amount=amount.get() note=note.get()/> }.into_any()
        }}
    }
}

fn check_amount(v: &str) -> Result<(), String> {
    Amount::parse(v).map(|_| ())
}

#[component]
fn AmountForm(id: String, amount: String, note: String) -> impl IntoView {
    view! {
        <Card title="How much">
            <form method="get" action=format!("/customers/{id}/transfer") class="grid max-w-lg gap-4">
                <crate::components::ui::TextField id="tr-amount" name="amount" label="Amount" value=amount required=true
                    hint="In the partner wallet's currency, at most two decimal places." check=check_amount/>
                <div>
                    <label for="tr-note" class=LABEL>"Note"<span class="font-normal text-slate-500">" (optional)"</span></label>
                    <input id="tr-note" name="note" maxlength="120" class=INPUT value=note placeholder="e.g. December top-up"/>
                    <p class="mt-1 text-xs text-slate-500">"Shown in both ledgers, with a reference the portal adds."</p>
                </div>
                <div><button type="submit" class=PRIMARY>"Review the transfer"</button></div>
            </form>
        </Card>
    }
}

#[component]
fn Confirm(id: String, amount: String, note: String) -> impl IntoView {
    let preview = Resource::new(
        {
            let (id, amount, note) = (id.clone(), amount.clone(), note.clone());
            move || (id.clone(), amount.clone(), note.clone())
        },
        |(id, amount, note)| transfer_preview(id, amount, note),
    );
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || preview.get().map(|r| match r {
                Err(e) => view! {
                    <ErrorNote message=e.to_string()/>
                    <div class="mt-4"><AmountForm id=id.clone() amount=amount.clone() note=note.clone()/></div>
                }.into_any(),
                Ok(p) => view! {
                    <Card title="Confirm the transfer">
                        <p class="mb-3 text-sm">{format!("Move {} from the partner wallet to {} ({}).", p.amount_text, p.customer_name, p.customer)}</p>
                        <div class="grid gap-4 sm:grid-cols-2">
                            <div>
                                <h3 class="text-sm font-semibold">"Partner wallet"</h3>
                                <Facts rows=vec![("Now", p.partner_before.clone()), ("After", p.partner_after.clone())]/>
                            </div>
                            <div>
                                <h3 class="text-sm font-semibold">{format!("{}'s wallet", p.customer_name)}</h3>
                                <Facts rows=vec![("Now", p.customer_before.clone()), ("After", p.customer_after.clone())]/>
                            </div>
                        </div>
                        {(!p.note.is_empty()).then(|| view! { <p class="mt-2 text-sm text-slate-600">{format!("Note: {}", p.note)}</p> })}
                        <form method="post" action=SendTransfer::url() class="mt-4 flex gap-2">
                            <input type="hidden" name="customer" value=p.customer.clone()/>
                            <input type="hidden" name="amount" value=p.amount.clone()/>
                            <input type="hidden" name="note" value=p.note.clone()/>
                            <input type="hidden" name="idempotency_key" value=p.idempotency_key.clone()/>
                            <button type="submit" class=PRIMARY>{format!("Transfer {}", p.amount_text)}</button>
                            <a href=format!("/customers/{}/transfer", p.customer) class=SECONDARY>"Change"</a>
                        </form>
                        <p class="mt-2 text-xs text-slate-500">"Pressing twice sends it once."</p>
                    </Card>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// A transfer's status.
#[component]
pub fn TransferStatusPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    let status = Resource::new(move || id.get(), transfer_status);
    view! {
        <Title text="Transfer"/>
        <PageHeader title="Transfer"/>
        <AddressMessages/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || status.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(t) => {
                    let (tone, label) = state_badge(&t.row.state);
                    let explain = match t.row.state.as_str() {
                        "completed" => "Vobiz moved the money.".to_owned(),
                        "failed" => "No money moved.".to_owned(),
                        "unknown" => "Vobiz's answer was lost, so it is not yet known whether the money moved. The portal checks the customer's ledger for this transfer's reference and settles it; it is never sent again on its own.".to_owned(),
                        _ => "Vobiz is being asked.".to_owned(),
                    };
                    view! {
                        <Card title="Transfer">
                            <p class="mb-2"><Badge tone text=label/></p>
                            <p class="mb-3 text-sm text-slate-700" role="status">{explain}</p>
                            {t.row.error.clone().map(|e| view! { <p class="mb-3 text-sm text-slate-700">{e}</p> })}
                            <Facts rows=vec![
                                ("Customer", format!("{} ({})", t.customer_name, t.row.customer)),
                                ("Amount", t.row.amount.clone()),
                                ("Note", t.row.note.clone()),
                                ("Reference", t.reference.clone()),
                                ("Vobiz transaction", t.vobiz_transaction.clone().unwrap_or_default()),
                                ("Partner wallet after", t.partner_after.clone().unwrap_or_default()),
                                ("Customer wallet after", t.customer_after.clone().unwrap_or_default()),
                                ("Asked for", format!("{} by {}", t.row.at, t.row.by)),
                                ("Settled", t.resolved.clone().unwrap_or_default()),
                            ]/>
                            <div class="mt-4 flex gap-2">
                                {t.can_reconcile.then(|| view! {
                                    <form method="post" action=ReconcileTransfer::url()>
                                        <input type="hidden" name="id" value=t.row.id.clone()/>
                                        <button type="submit" class=PRIMARY>"Check with Vobiz now"</button>
                                    </form>
                                })}
                                <a href=format!("/customers/{}", t.row.customer) class=SECONDARY>"Back to the customer"</a>
                            </div>
                        </Card>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// Every transfer of the organisation, those not settled first.
#[component]
pub fn TransfersPage() -> impl IntoView {
    let open = Resource::new(|| (), |_| list_transfers(true));
    let all = Resource::new(|| (), |_| list_transfers(false));
    let table = |rows: Vec<crate::api::customers::TransferRow>| {
        view! {
            <DataTable headers=&["When", "Customer", "Amount", "Note", "State", "By"] caption="Transfers">
                {rows.into_iter().map(|t| {
                    let (tone, label) = state_badge(&t.state);
                    view! {
                        <tr>
                            <td class=TD><a class="underline" href=format!("/transfers/{}", t.id)>{t.at}</a></td>
                            <td class=TD><a class="underline" href=format!("/customers/{}", t.customer)>{t.customer.clone()}</a></td>
                            <td class=TD>{t.amount}</td>
                            <td class=TD>{t.note}</td>
                            <td class=TD><Badge tone text=label/></td>
                            <td class=TD>{t.by}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        }
    };
    view! {
        <Title text="Transfers"/>
        <PageHeader title="Transfers" subtitle="Money moved from the partner wallet to customers."/>
        <h2 class="mb-2 text-lg font-semibold">"Not settled"</h2>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || open.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <EmptyState title="Every transfer is settled"/> }.into_any(),
                Ok(rows) => table(rows).into_any(),
            })}
        </Suspense>
        <h2 class="mb-2 mt-6 text-lg font-semibold">"All transfers"</h2>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || all.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <EmptyState title="No transfers yet"/> }.into_any(),
                Ok(rows) => table(rows).into_any(),
            })}
        </Suspense>
    }
}
