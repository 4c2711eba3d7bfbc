//! Provisioning a customer step by step: create, fund, give it a number, check routing,
//! invite its first user. Every step reads the real state, so the page can be left and
//! picked up again at any time.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::provisioning::{
    customer_inventory, onboarding_status, pool_numbers, purchase_quote, AssignPoolNumber,
    BuyNumber, CheckRouting, InventoryFilters, InviteCustomerUser, OnboardingView, StepView,
};
use crate::components::ui::{
    AddressMessages, Badge, DataTable, EmptyState, ErrorNote, Facts, Loading, PageHeader, Tone,
    INPUT, LABEL, PRIMARY, SECONDARY, TD,
};
use crate::pages::customer::customer_id;

/// The onboarding steps of one customer.
#[component]
pub fn OnboardingPage() -> impl IntoView {
    let id = customer_id();
    let status = Resource::new(move || id.get(), onboarding_status);
    view! {
        <Title text="Onboarding"/>
        <AddressMessages/>
        <OneTimeLink/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || status.get().map(|r| match r {
                Err(e) => view! { <PageHeader title="Onboarding"/><ErrorNote message=e.to_string()/> }.into_any(),
                Ok(o) => view! { <Steps o/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn OneTimeLink() -> impl IntoView {
    let query = use_query_map();
    move || {
        query.with(|q| q.get("link")).map(|link| {
            let who = query.with(|q| q.get("for")).unwrap_or_default();
            let expires = query.with(|q| q.get("expires")).unwrap_or_default();
            view! {
                <div class="mb-4 rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200">
                    <label for="one-time-link" class="block font-medium">{format!("One-time link for {who}")}</label>
                    <input id="one-time-link" readonly value=link
                        class="mt-1 block w-full rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs"/>
                    <p class="mt-1 text-xs text-amber-900">{format!("Copy it now and send it to them: it is shown only this once. It expires {expires} and works once.")}</p>
                </div>
            }
        })
    }
}

#[component]
fn Steps(o: OnboardingView) -> impl IntoView {
    let id = o.auth_id.clone();
    let done = o.steps.iter().filter(|s| s.done).count();
    let next = o.steps.iter().position(|s| !s.done);
    let items = o
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let open = Some(i) == next || (!step.done && i > 0);
            let action = open.then(|| step_action(&o, &step.key));
            view! {
                <li>
                    <StepCard n=i + 1 step=step.clone()>{action}</StepCard>
                </li>
            }
        })
        .collect_view();
    view! {
        <PageHeader title=format!("Onboarding {}", o.name) subtitle=format!("{done} of {} steps done · {}", o.steps.len(), o.auth_id)>
            <a href=format!("/customers/{id}") class=SECONDARY>"Customer page"</a>
        </PageHeader>
        {o.complete.then(|| view! {
            <p role="status" class="mb-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-800">"Every step is done: the customer is ready."</p>
        })}
        <ol class="space-y-4">{items}</ol>
    }
}

#[component]
fn StepCard(n: usize, step: StepView, children: Children) -> impl IntoView {
    let (tone, label) = if step.done {
        (Tone::Good, "Done")
    } else {
        (Tone::Warn, "To do")
    };
    view! {
        <section class="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200" aria-label=format!("Step {n}: {}", step.title)>
            <div class="flex items-center justify-between gap-3">
                <h2 class="font-semibold">{format!("{n}. {}", step.title)}</h2>
                <Badge tone text=label/>
            </div>
            <p class="mt-1 text-sm text-slate-600">{step.detail.clone()}</p>
            <div class="mt-3">{children()}</div>
        </section>
    }
}

fn step_action(o: &OnboardingView, key: &str) -> AnyView {
    let id = o.auth_id.clone();
    match key {
        "fund" if o.can_transfer => view! {
            <a href=format!("/customers/{id}/transfer") class=PRIMARY>"Transfer funds"</a>
        }
        .into_any(),
        "fund" => view! { <p class="text-sm text-slate-600">"An owner or admin transfers the opening balance."</p> }.into_any(),
        "number" if o.can_number => view! { <GiveNumber id kind=o.kind.clone()/> }.into_any(),
        "number" => view! { <p class="text-sm text-slate-600">"An owner, admin or operator gives the customer a number."</p> }.into_any(),
        "routing" => view! {
            <form method="post" action=CheckRouting::url()>
                <input type="hidden" name="auth_id" value=id/>
                <button type="submit" class=SECONDARY>"Check routing now"</button>
            </form>
        }
        .into_any(),
        "invite" if o.can_invite => view! {
            <form method="post" action=InviteCustomerUser::url() class="flex flex-wrap items-end gap-2">
                <input type="hidden" name="auth_id" value=id/>
                <div>
                    <label for="invite-email" class=LABEL>"Their email"</label>
                    <input id="invite-email" name="email" type="email" required class=INPUT autocomplete="off"/>
                </div>
                <button type="submit" class=PRIMARY>"Invite to their portal"</button>
            </form>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// Giving the customer a number: buy one from inventory (into the customer's account, or
/// into the pool for a sub-account), or assign a free pool number to a sub-account.
#[component]
fn GiveNumber(id: String, kind: String) -> impl IntoView {
    let query = use_query_map();
    let buy = Memo::new(move |_| query.with(|q| q.get("buy")).filter(|b| !b.is_empty()));
    let sub = kind == "sub_account";
    let id2 = id.clone();
    view! {
        {move || match buy.get() {
            Some(e164) => view! { <ConfirmPurchase id=id2.clone() e164/> }.into_any(),
            None => ().into_any(),
        }}
        {sub.then(|| view! { <PoolNumbers id=id.clone()/> })}
        <h3 class="mb-2 mt-4 text-sm font-semibold">{if sub { "Or buy a new number into the pool for it" } else { "Buy a number from the inventory" }}</h3>
        <Inventory id=id.clone()/>
    }
}

#[component]
fn PoolNumbers(id: String) -> impl IntoView {
    let free = Resource::new(|| (), |_| pool_numbers());
    view! {
        <h3 class="mb-2 text-sm font-semibold">"Assign a free pool number"</h3>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || free.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <p class="text-sm text-slate-600">"The pool has no free number."</p> }.into_any(),
                Ok(rows) => { let id = id.clone(); view! {
                    <DataTable headers=&["Number", "Where", "Monthly", ""] caption="Free pool numbers">
                        {rows.into_iter().take(20).map(|n| view! {
                            <tr>
                                <td class=format!("{TD} font-mono")>{n.e164.clone()}</td>
                                <td class=TD>{n.place.clone()}</td>
                                <td class=TD>{n.monthly_fee.clone()}</td>
                                <td class=TD>
                                    <form method="post" action=AssignPoolNumber::url()>
                                        <input type="hidden" name="auth_id" value=id.clone()/>
                                        <input type="hidden" name="e164" value=n.e164.clone()/>
                                        <button type="submit" class=SECONDARY aria-label=format!("Assign {}", n.e164)>"Assign"</button>
                                    </form>
                                </td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any() }
            })}
        </Suspense>
    }
}

#[component]
fn Inventory(id: String) -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| InventoryFilters {
            country: q.get("inv_country").unwrap_or_default(),
            search: q.get("inv_search").unwrap_or_default(),
            exclude: q.get("inv_exclude").unwrap_or_default(),
        })
    });
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("inv_page"))
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    });
    let id2 = id.clone();
    let list = Resource::new(
        move || (id2.clone(), filters.get(), page.get()),
        |(id, f, p)| customer_inventory(id, f, p),
    );
    let base = format!("/customers/{id}/onboarding");
    let base2 = base.clone();
    view! {
        <form method="get" action=base.clone() role="search" aria-label="Search the inventory" class="mb-3 flex flex-wrap items-end gap-3">
            <div>
                <label for="inv-country" class=LABEL>"Country"</label>
                <input id="inv-country" name="inv_country" maxlength="2" placeholder="IN" class=INPUT value=move || filters.with(|f| f.country.clone())/>
            </div>
            <div>
                <label for="inv-search" class=LABEL>"Number contains"</label>
                <input id="inv-search" name="inv_search" inputmode="numeric" class=INPUT value=move || filters.with(|f| f.search.clone())/>
            </div>
            <div>
                <label for="inv-exclude" class=LABEL>"Leave out prefixes"</label>
                <input id="inv-exclude" name="inv_exclude" placeholder="+9122, +9111" class=INPUT value=move || filters.with(|f| f.exclude.clone())/>
            </div>
            <button type="submit" class=SECONDARY>"Search"</button>
        </form>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(p) if p.rows.is_empty() => view! { <EmptyState title="No numbers for sale match" hint="Change the country or the search."/> }.into_any(),
                Ok(p) => {
                    let f = filters.get_untracked();
                    let keep = [("inv_country", f.country), ("inv_search", f.search), ("inv_exclude", f.exclude)]
                        .into_iter()
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, v)| format!("{k}={}", crate::pages::encode(&v)))
                        .collect::<Vec<_>>()
                        .join("&");
                    let base = base2.clone();
                    let with = move |extra: String| if keep.is_empty() { format!("{base}?{extra}") } else { format!("{base}?{keep}&{extra}") };
                    let pager = with(String::new());
                    let rows = p.rows.iter().map(|n| {
                        let buy = with(format!("buy={}", crate::pages::encode(&n.e164)));
                        view! {
                            <tr>
                                <td class=format!("{TD} font-mono")>{n.e164.clone()}</td>
                                <td class=TD>{format!("{}, {}", n.region, n.country)}</td>
                                <td class=TD>{n.capabilities.clone()}</td>
                                <td class=TD>{n.setup_fee.clone()}</td>
                                <td class=TD>{n.monthly_fee.clone()}</td>
                                <td class=TD><a class=SECONDARY href=buy aria-label=format!("Buy {}", n.e164)>"Buy"</a></td>
                            </tr>
                        }
                    }).collect_view();
                    let shown = p.country_used.clone().filter(|_| filters.get_untracked().country.is_empty());
                    view! {
                        {shown.map(|c| view! { <p class="mb-2 text-xs text-slate-500">{format!("Showing numbers in {c}, the customer's country. Choose another country to see others.")}</p> })}
                        <DataTable headers=&["Number", "Region", "Capabilities", "Setup", "Monthly", ""] caption="Numbers for sale">
                            {rows}
                        </DataTable>
                        <InvPager href=pager page=p.page per_page=p.per_page total=p.total/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn InvPager(href: String, page: u32, per_page: u32, total: i64) -> impl IntoView {
    let last = ((total.max(0) as u64).div_ceil(u64::from(per_page.max(1)))).max(1) as u32;
    let href = href.trim_end_matches('&').trim_end_matches('?').to_owned();
    let sep = if href.contains('?') { '&' } else { '?' };
    let link = move |p: u32| format!("{href}{sep}inv_page={p}");
    view! {
        <nav aria-label="Inventory pages" class="mt-3 flex items-center justify-between text-sm">
            <p class="text-slate-600">{format!("Page {page} of {last} · {total} numbers")}</p>
            <div class="flex gap-2">
                {(page > 1).then(|| view! { <a class=SECONDARY rel="prev" href=link(page - 1)>"Previous"</a> })}
                {(page < last).then(|| view! { <a class=SECONDARY rel="next" href=link(page + 1)>"Next"</a> })}
            </div>
        </nav>
    }
}

#[component]
fn ConfirmPurchase(id: String, e164: String) -> impl IntoView {
    let quote = Resource::new(
        {
            let (id, e164) = (id.clone(), e164.clone());
            move || (id.clone(), e164.clone())
        },
        |(id, e164)| purchase_quote(id, e164),
    );
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || quote.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(q) => view! {
                    <div class="mb-4 rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200">
                        <h3 class="font-semibold">{format!("Buy {}?", q.e164)}</h3>
                        <Facts rows=vec![
                            ("Where", q.place.clone()),
                            ("Setup fee", q.setup_fee.clone()),
                            ("First month", q.monthly_fee.clone()),
                            ("Debited now", q.total.clone()),
                            ("Paid from", q.paid_by.clone()),
                            ("That wallet now", q.balance_before.clone().unwrap_or_default()),
                            ("That wallet after", q.balance_after.clone().unwrap_or_default()),
                        ]/>
                        {q.via_pool.then(|| view! { <p class="mt-2 text-sm text-slate-600">"It is bought into the pool account and then assigned to the sub-account."</p> })}
                        {if q.short {
                            view! { <p role="alert" class="mt-2 text-sm text-red-700">"The wallet does not cover this. Fund it first."</p> }.into_any()
                        } else {
                            view! {
                                <form method="post" action=BuyNumber::url() class="mt-3 flex gap-2">
                                    <input type="hidden" name="auth_id" value=id.clone()/>
                                    <input type="hidden" name="e164" value=q.e164.clone()/>
                                    <input type="hidden" name="idempotency_key" value=q.idempotency_key.clone()/>
                                    <button type="submit" class=PRIMARY>{format!("Buy {} for {}", q.e164, q.total)}</button>
                                    <a href=format!("/customers/{id}/onboarding") class=SECONDARY>"Cancel"</a>
                                </form>
                            }.into_any()
                        }}
                    </div>
                }.into_any(),
            })}
        </Suspense>
    }
}
