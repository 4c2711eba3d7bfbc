//! One customer: profile, KYC, live wallet, numbers, transactions, transfers and history.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::customers::{
    customer_detail, customer_transactions, CustomerView, NumberRow, TransactionFilters,
    TransactionList,
};
use crate::components::ui::{
    state_badge, AddressMessages, Badge, Card, DataTable, EmptyState, ErrorNote, Facts, Loading,
    PageHeader, Tone, INPUT, LABEL, PRIMARY, SECONDARY, TD,
};

/// The `:id` of the address.
pub fn customer_id() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default())
}

/// A customer's page.
#[component]
pub fn CustomerPage() -> impl IntoView {
    let id = customer_id();
    let detail = Resource::new(move || id.get(), customer_detail);
    view! {
        <Title text="Customer"/>
        <AddressMessages/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || detail.get().map(|r| match r {
                Err(e) => view! {
                    <PageHeader title="Customer"/>
                    <ErrorNote message=e.to_string()/>
                    <p class="mt-4"><a href="/customers" class=SECONDARY>"Back to customers"</a></p>
                }.into_any(),
                Ok(d) => view! { <Detail d/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Detail(d: CustomerView) -> impl IntoView {
    let id = d.auth_id.clone();
    let transfer_href = format!("/customers/{id}/transfer");
    let onboarding_href = format!("/customers/{id}/onboarding");
    let buy_href = format!("/numbers/inventory?for={id}");
    let view_href = format!("/numbers?customer={id}");
    let kyc_tone = match d.kyc.as_str() {
        "KYC verified" => Tone::Good,
        "KYC rejected" => Tone::Bad,
        "KYC pending" => Tone::Warn,
        _ => Tone::Neutral,
    };
    let profile = vec![
        ("Account id", d.auth_id.clone()),
        ("Kind", d.kind_label.clone()),
        ("Email", d.email.clone()),
        ("Phone", d.phone.clone()),
        ("Company", d.company.clone()),
        ("Country", d.country.clone()),
        ("Business type", d.business_type.clone()),
        (
            "Status at Vobiz",
            if d.active {
                "Active".into()
            } else {
                "Inactive".into()
            },
        ),
        ("Created", d.created.clone()),
    ];
    view! {
        <Title text=d.name.clone()/>
        <PageHeader title=d.name.clone() subtitle=format!("{} · {}", d.kind_label, d.auth_id)>
            {d.can_transfer.then(|| view! { <a href=transfer_href class=PRIMARY>"Transfer funds"</a> })}
            {d.can_number.then(|| view! { <a href=buy_href class=SECONDARY>"Buy a number"</a> })}
            <a href=view_href class=SECONDARY>"In the numbers view"</a>
            <a href=onboarding_href class=SECONDARY>
                {if d.onboarding_open { "Continue onboarding" } else { "Onboarding steps" }}
            </a>
        </PageHeader>
        <div class="grid gap-4 lg:grid-cols-3">
            <Card title="Profile">
                <p class="mb-2"><Badge tone=kyc_tone text=d.kyc.clone()/></p>
                <Facts rows=profile/>
            </Card>
            <Card title="Wallet">
                <p class="text-2xl font-semibold" data-testid="wallet-balance">{d.wallet.clone()}</p>
                <p class="mt-1 text-sm text-slate-600">{d.wallet_note.clone()}</p>
                <p class="mt-3 text-sm text-slate-600">{format!("Number rentals: {} a month.", d.monthly_total)}</p>
            </Card>
            <Card title="People who can sign in">
                {if d.users.is_empty() {
                    view! { <p class="text-sm text-slate-600">"Nobody yet. Invite the customer's first user from the onboarding steps."</p> }.into_any()
                } else {
                    view! {
                        <ul class="space-y-1 text-sm">
                            {d.users.iter().map(|(email, status)| view! {
                                <li class="flex justify-between gap-2"><span>{email.clone()}</span><span class="text-slate-500">{status.clone()}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Card>
        </div>
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">"Numbers"</h2>
            <NumberTable rows=d.numbers.clone() caption="The customer's numbers"/>
        </section>
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">"Transactions"</h2>
            <Transactions id=id.clone()/>
        </section>
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">"Transfers from the partner wallet"</h2>
            {if d.transfers.is_empty() {
                view! { <EmptyState title="No transfers yet"/> }.into_any()
            } else {
                view! {
                    <DataTable headers=&["When", "Amount", "Note", "State", "By"] caption="Transfers">
                        {d.transfers.iter().map(|t| {
                            let (tone, label) = state_badge(&t.state);
                            view! {
                                <tr>
                                    <td class=TD><a class="underline" href=format!("/transfers/{}", t.id)>{t.at.clone()}</a></td>
                                    <td class=TD>{t.amount.clone()}</td>
                                    <td class=TD>{t.note.clone()}</td>
                                    <td class=TD><Badge tone text=label/></td>
                                    <td class=TD>{t.by.clone()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
        </section>
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">"History"</h2>
            {if d.history.is_empty() {
                view! { <EmptyState title="Nothing recorded about this customer yet"/> }.into_any()
            } else {
                view! {
                    <DataTable headers=&["When", "Who", "Action", "Outcome", "Details"] caption="Audit entries about this customer">
                        {d.history.iter().map(|h| view! {
                            <tr>
                                <td class=format!("{TD} whitespace-nowrap")>{h.at.clone()}</td>
                                <td class=TD>{h.actor.clone()}</td>
                                <td class=format!("{TD} font-mono text-xs")>{h.action.clone()}</td>
                                <td class=TD>{h.outcome.clone()}</td>
                                <td class=TD>{h.summary.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                    <p class="mt-2 text-sm"><a class="underline" href=format!("/audit?target_id={}", d.auth_id)>"All audit entries about this customer"</a></p>
                }.into_any()
            }}
        </section>
    }
}

/// Numbers with their monthly cost, next renewal and routing.
#[component]
pub fn NumberTable(rows: Vec<NumberRow>, caption: &'static str) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState title="No numbers" hint="A customer needs an active number to receive calls."/> }.into_any();
    }
    view! {
        <DataTable headers=&["Number", "Status", "Where", "Monthly", "Next renewal", "Routes to"] caption=caption>
            {rows.into_iter().map(|n| {
                let tone = if n.status == "active" { Tone::Good } else { Tone::Warn };
                view! {
                    <tr>
                        <td class=format!("{TD} font-mono")>{n.e164.clone()}</td>
                        <td class=TD>
                            <Badge tone text=n.status.replace('_', " ")/>
                            {n.aadhaar_pending.then(|| view! { <span class="ml-1"><Badge tone=Tone::Warn text="Aadhaar pending"/></span> })}
                        </td>
                        <td class=TD>{n.place.clone()}</td>
                        <td class=TD>{n.monthly_fee.clone()}</td>
                        <td class=TD>{n.next_renewal.clone()}</td>
                        <td class=TD>{match n.application.clone() {
                            Some(a) => view! { <span class="font-mono text-xs">{format!("Application {a}")}</span> }.into_any(),
                            None => view! { <Badge tone=Tone::Bad text="No application"/> }.into_any(),
                        }}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

/// The transaction filters of the address (`tx_from`, `tx_to`, `tx_kind`, `tx_page`).
fn tx_filters() -> (Memo<TransactionFilters>, Memo<u32>) {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| TransactionFilters {
            from: q.get("tx_from").unwrap_or_default(),
            to: q.get("tx_to").unwrap_or_default(),
            kind: q.get("tx_kind").unwrap_or_default(),
        })
    });
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("tx_page"))
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    });
    (filters, page)
}

#[component]
fn Transactions(id: String) -> impl IntoView {
    let (filters, page) = tx_filters();
    let id2 = id.clone();
    let list = Resource::new(
        move || (id2.clone(), filters.get(), page.get()),
        |(id, f, p)| customer_transactions(id, f, p),
    );
    let base = format!("/customers/{id}");
    view! {
        <TransactionFiltersForm action=base.clone() filters/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(list) => view! { <TransactionTable list base=base.clone() filters=filters.get_untracked()/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The date and type filters of a ledger, as a GET form.
#[component]
pub fn TransactionFiltersForm(action: String, filters: Memo<TransactionFilters>) -> impl IntoView {
    let kind = move || filters.with(|f| f.kind.clone());
    view! {
        <form method="get" action=action role="search" aria-label="Filter transactions" class="mb-3 flex flex-wrap items-end gap-3">
            <div>
                <label for="tx-from" class=LABEL>"From"</label>
                <input id="tx-from" name="tx_from" type="date" class=INPUT value=move || filters.with(|f| f.from.clone())/>
            </div>
            <div>
                <label for="tx-to" class=LABEL>"To"</label>
                <input id="tx-to" name="tx_to" type="date" class=INPUT value=move || filters.with(|f| f.to.clone())/>
            </div>
            <div>
                <label for="tx-kind" class=LABEL>"Type"</label>
                <select id="tx-kind" name="tx_kind" class=INPUT>
                    {[("", "All"), ("recharge", "Recharges"), ("debit", "Debits"), ("refund", "Refunds"), ("transfer", "Transfers")]
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=move || kind() == v>{l}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class=SECONDARY>"Show"</button>
        </form>
    }
}

/// A ledger page with its pager.
#[component]
pub fn TransactionTable(
    list: TransactionList,
    base: String,
    filters: TransactionFilters,
) -> impl IntoView {
    if let Some(why) = list.unavailable {
        return view! { <p class="text-sm text-slate-600">{why}</p> }.into_any();
    }
    let mut pairs = Vec::new();
    for (k, v) in [
        ("tx_from", &filters.from),
        ("tx_to", &filters.to),
        ("tx_kind", &filters.kind),
    ] {
        if !v.is_empty() {
            pairs.push(format!("{k}={}", crate::pages::encode(v)));
        }
    }
    let href = if pairs.is_empty() {
        format!("{base}?")
    } else {
        format!("{base}?{}", pairs.join("&"))
    };
    let pager_href = href.trim_end_matches('?').to_owned();
    let (page, per_page, total) = (list.page, list.per_page, list.total);
    view! {
        {if list.rows.is_empty() {
            view! { <EmptyState title="No transactions in this view"/> }.into_any()
        } else {
            view! {
                <DataTable headers=&["When", "Type", "Kind", "Amount", "Description"] caption="Transactions">
                    {list.rows.into_iter().map(|t| view! {
                        <tr>
                            <td class=format!("{TD} whitespace-nowrap")>{t.at}</td>
                            <td class=TD>{t.direction}</td>
                            <td class=TD>{t.kind}</td>
                            <td class=format!("{TD} whitespace-nowrap")>{t.amount}</td>
                            <td class=TD>{t.description}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
        <TxPager href=pager_href page per_page total/>
    }
    .into_any()
}

/// Previous and next links for a ledger page (`tx_page`).
#[component]
fn TxPager(href: String, page: u32, per_page: u32, total: i64) -> impl IntoView {
    let last = ((total.max(0) as u64).div_ceil(u64::from(per_page.max(1)))).max(1) as u32;
    let sep = if href.contains('?') { '&' } else { '?' };
    let link = move |p: u32| format!("{href}{sep}tx_page={p}");
    view! {
        <nav aria-label="Transaction pages" class="mt-3 flex items-center justify-between text-sm">
            <p class="text-slate-600">{format!("Page {page} of {last} · {total} in all")}</p>
            <div class="flex gap-2">
                {(page > 1).then(|| view! { <a class=SECONDARY rel="prev" href=link(page - 1)>"Previous"</a> })}
                {(page < last).then(|| view! { <a class=SECONDARY rel="next" href=link(page + 1)>"Next"</a> })}
            </div>
        </nav>
    }
}
