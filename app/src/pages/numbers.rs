//! Numbers: the global view with its oversight filters and bulk actions, the inventory to
//! buy from (for a customer or the pool), and a number's own page.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::numbers::{
    list_numbers, number_detail, number_href, AssignNumber, BulkNumbers, CancelRelease,
    NumberFilters, NumberItem, NumberPageView, ReleaseNumber, SyncNumbers, UnassignNumber,
    NUMBERS_EXPORT_PATH,
};
use crate::api::provisioning::{customer_inventory, purchase_quote, BuyNumber, InventoryFilters};
use crate::components::ui::{
    AddressMessages, Badge, Card, DataTable, EmptyState, ErrorNote, FactList, Facts, Loading,
    PageHeader, Pager, Tone, INPUT, LABEL, PRIMARY, SECONDARY, TD,
};

/// Every number of the organisation, from the mirror, with the oversight filters.
#[component]
pub fn NumbersPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(NumberFilters::from_query));
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("page"))
            .map(|p| p.trim().parse::<u32>().unwrap_or(0))
            .unwrap_or(1)
    });
    let list = Resource::new(
        move || (filters.get(), page.get()),
        |(f, p)| list_numbers(f, p),
    );
    view! {
        <Title text="Numbers"/>
        <PageHeader title="Numbers" subtitle="Every number of the pool, its sub-accounts and your customers.">
            <a href=move || filters.get().href(NUMBERS_EXPORT_PATH) class=SECONDARY download>"Export CSV"</a>
            <form method="post" action=SyncNumbers::url()>
                <button type="submit" class=SECONDARY>"Sync from Vobiz"</button>
            </form>
            <a href="/numbers/inventory" class=PRIMARY>"Buy a number"</a>
        </PageHeader>
        <AddressMessages/>
        <NumberFiltersForm filters/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(v) => {
                    let freshness = match (&v.syncing, &v.last_sync) {
                        (Some(s), _) => s.clone(),
                        (None, Some(at)) => format!("Last synced from Vobiz {at}."),
                        (None, None) => "Not synced from Vobiz yet: the first sync is under way. Reload in a moment.".into(),
                    };
                    let href = filters.get_untracked().href("/numbers");
                    let (can_release, can_assign) = (v.can_release, v.can_assign);
                    let bulk = can_release || can_assign;
                    let rows = v.rows.iter().enumerate().map(|(i, n)| view! { <Row n=n.clone() i bulk/> }).collect_view();
                    view! {
                        <p class="mb-2 text-xs text-slate-500" data-testid="sync-status">{freshness}</p>
                        {v.sync_error.clone().map(|e| view! { <p class="mb-2 text-xs text-red-700">{format!("The last sync failed: {e}")}</p> })}
                        {if v.rows.is_empty() {
                            view! { <EmptyState title="No numbers match" hint="Clear a filter, or buy a number."/> }.into_any()
                        } else {
                            view! {
                                <form method="post" action=BulkNumbers::url()>
                                    <DataTable headers=&["", "Number", "Status", "Held by", "Where", "Monthly", "Next renewal", "Routes to"] caption="Numbers">
                                        {rows}
                                    </DataTable>
                                    {bulk.then(|| view! {
                                        <div class="mt-3 flex flex-wrap items-center gap-2 text-sm">
                                            <span class="text-slate-600">"With the ticked numbers:"</span>
                                            {can_release.then(|| view! { <button type="submit" name="action" value="release" class=SECONDARY>"Release"</button> })}
                                            {can_assign.then(|| view! { <button type="submit" name="action" value="unassign" class=SECONDARY>"Unassign to the pool"</button> })}
                                            <span class="text-xs text-slate-500">"Each number is done and recorded on its own; the page says how each went."</span>
                                        </div>
                                    })}
                                </form>
                            }.into_any()
                        }}
                        <Pager href page=v.page per_page=v.per_page total=v.total/>
                        <section class="mt-6" id="idle">
                            <h2 class="mb-2 text-lg font-semibold">"Customers with no active number"</h2>
                            {if v.idle_customers.is_empty() {
                                view! { <p class="text-sm text-slate-600">"Every customer has an active number."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="grid gap-1 text-sm sm:grid-cols-2 lg:grid-cols-3">
                                        {v.idle_customers.iter().map(|(id, name, kind)| view! {
                                            <li><a class="underline" href=format!("/customers/{id}/onboarding")>{name.clone()}</a>" "<span class="text-slate-500">{kind.clone()}</span></li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn NumberFiltersForm(filters: Memo<NumberFilters>) -> impl IntoView {
    let text = move |f: fn(&NumberFilters) -> String| move || filters.with(f);
    let on = move |f: fn(&NumberFilters) -> String| move || !filters.with(f).is_empty();
    let status = move || filters.with(|f| f.status.clone());
    view! {
        <form method="get" action="/numbers" role="search" aria-label="Filter numbers"
            class="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-6">
            <div>
                <label for="n-q" class=LABEL>"Number contains"</label>
                <input id="n-q" name="q" type="search" class=INPUT value=text(|f| f.q.clone())/>
            </div>
            <div>
                <label for="n-customer" class=LABEL>"Customer id"</label>
                <input id="n-customer" name="customer" placeholder="MA_… or SA_…" class=INPUT value=text(|f| f.customer.clone())/>
            </div>
            <div>
                <label for="n-status" class=LABEL>"Status"</label>
                <select id="n-status" name="status" class=INPUT>
                    {[("", "Any"), ("active", "Active"), ("pending_release", "Being released"), ("blocked", "Blocked")]
                        .into_iter().map(|(v, l)| view! { <option value=v selected=move || status() == v>{l}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label for="n-country" class=LABEL>"Country"</label>
                <input id="n-country" name="country" maxlength="2" placeholder="IN" class=INPUT value=text(|f| f.country.clone())/>
            </div>
            <div>
                <label for="n-region" class=LABEL>"Region"</label>
                <input id="n-region" name="region" class=INPUT value=text(|f| f.region.clone())/>
            </div>
            <div>
                <label for="n-renewing" class=LABEL>"Renewing within (days)"</label>
                <input id="n-renewing" name="renewing" inputmode="numeric" class=INPUT value=text(|f| f.renewing.clone())/>
            </div>
            <fieldset class="flex flex-wrap gap-4 text-sm lg:col-span-6">
                <legend class="sr-only">"Attention"</legend>
                <label class="flex items-center gap-1"><input type="checkbox" name="no_app" value="1" checked=on(|f| f.no_app.clone())/>"No application"</label>
                <label class="flex items-center gap-1"><input type="checkbox" name="aadhaar" value="1" checked=on(|f| f.aadhaar.clone())/>"Aadhaar pending"</label>
                <label class="flex items-center gap-1"><input type="checkbox" name="at_risk" value="1" checked=on(|f| f.at_risk.clone())/>"Renewal at risk (wallet short for the next 14 days)"</label>
                <label class="flex items-center gap-1"><input type="checkbox" name="pool_free" value="1" checked=on(|f| f.pool_free.clone())/>"Free in the pool"</label>
            </fieldset>
            <div class="flex gap-2 lg:col-span-6">
                <button type="submit" class=PRIMARY>"Apply"</button>
                <a href="/numbers" class=SECONDARY>"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn Row(n: NumberItem, i: usize, bulk: bool) -> impl IntoView {
    let tone = if n.status == "active" {
        Tone::Good
    } else {
        Tone::Warn
    };
    view! {
        <tr>
            <td class=TD>{bulk.then(|| view! {
                <input type="checkbox" name=format!("e164s[{i}]") value=n.e164.clone() aria-label=format!("Select {}", n.e164)/>
            })}</td>
            <td class=format!("{TD} font-mono")><a class="underline" href=number_href(&n.e164)>{n.e164.clone()}</a></td>
            <td class=TD>
                <Badge tone text=n.status.replace('_', " ")/>
                {n.at_risk.then(|| view! { <span class="ml-1"><Badge tone=Tone::Bad text="Renewal at risk"/></span> })}
                {n.aadhaar_pending.then(|| view! { <span class="ml-1"><Badge tone=Tone::Warn text="Aadhaar pending"/></span> })}
            </td>
            <td class=TD><a class="underline" href=format!("/numbers?customer={}", n.holder)>{n.holder_label.clone()}</a></td>
            <td class=TD>{n.place.clone()}</td>
            <td class=format!("{TD} whitespace-nowrap")>{n.monthly.clone()}</td>
            <td class=TD>{n.next_renewal.clone()}</td>
            <td class=TD>{match n.application.clone() {
                Some(a) => view! { <span class="font-mono text-xs">{a}</span> }.into_any(),
                None => view! { <Badge tone=Tone::Bad text="No application"/> }.into_any(),
            }}</td>
        </tr>
    }
}

/// Buying a number from the inventory, for a customer or for the pool.
#[component]
pub fn InventoryPage() -> impl IntoView {
    let query = use_query_map();
    let target = Memo::new(move |_| {
        query
            .with(|q| q.get("for"))
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| "pool".into())
    });
    let filters = Memo::new(move |_| {
        query.with(|q| InventoryFilters {
            country: q.get("country").unwrap_or_default(),
            search: q.get("search").unwrap_or_default(),
            exclude: q.get("exclude").unwrap_or_default(),
        })
    });
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("page"))
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    });
    let buy = Memo::new(move |_| query.with(|q| q.get("buy")).filter(|b| !b.is_empty()));
    let list = Resource::new(
        move || (target.get(), filters.get(), page.get()),
        |(t, f, p)| customer_inventory(t, f, p),
    );
    let here = move || {
        let f = filters.get();
        let mut pairs = vec![format!("for={}", crate::pages::encode(&target.get()))];
        for (k, v) in [
            ("country", f.country),
            ("search", f.search),
            ("exclude", f.exclude),
        ] {
            if !v.is_empty() {
                pairs.push(format!("{k}={}", crate::pages::encode(&v)));
            }
        }
        format!("/numbers/inventory?{}", pairs.join("&"))
    };
    view! {
        <Title text="Buy a number"/>
        <PageHeader title="Buy a number" subtitle="Numbers for sale at Vobiz. The confirmation says exactly what is debited, from which wallet."/>
        <AddressMessages/>
        <form method="get" action="/numbers/inventory" role="search" aria-label="Search the inventory"
            class="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-5">
            <div>
                <label for="i-for" class=LABEL>"Buy for"</label>
                <input id="i-for" name="for" class=INPUT placeholder="pool, MA_… or SA_…" value=move || target.get()/>
            </div>
            <div>
                <label for="i-country" class=LABEL>"Country"</label>
                <input id="i-country" name="country" maxlength="2" placeholder="IN" class=INPUT value=move || filters.with(|f| f.country.clone())/>
            </div>
            <div>
                <label for="i-search" class=LABEL>"Number contains"</label>
                <input id="i-search" name="search" inputmode="numeric" class=INPUT value=move || filters.with(|f| f.search.clone())/>
            </div>
            <div>
                <label for="i-exclude" class=LABEL>"Leave out prefixes"</label>
                <input id="i-exclude" name="exclude" placeholder="+9122, +9111" class=INPUT value=move || filters.with(|f| f.exclude.clone())/>
            </div>
            <div class="flex items-end"><button type="submit" class=PRIMARY>"Search"</button></div>
        </form>
        {move || buy.get().map(|e164| view! { <Quote target=target.get() e164 back=here()/> })}
        <Suspense fallback=|| view! { <Loading/> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(p) if p.rows.is_empty() => view! { <EmptyState title="No numbers for sale match" hint="Change the country or the search."/> }.into_any(),
                Ok(p) => {
                    let base = here();
                    let rows = p.rows.iter().map(|n| {
                        let href = format!("{base}&buy={}", crate::pages::encode(&n.e164));
                        view! {
                            <tr>
                                <td class=format!("{TD} font-mono")>{n.e164.clone()}</td>
                                <td class=TD>{n.region.clone()}</td>
                                <td class=TD>{n.country.clone()}</td>
                                <td class=TD>{n.capabilities.clone()}</td>
                                <td class=TD>{n.setup_fee.clone()}</td>
                                <td class=TD>{n.monthly_fee.clone()}</td>
                                <td class=TD>{n.currency.clone()}</td>
                                <td class=TD><a class=SECONDARY href=href aria-label=format!("Buy {}", n.e164)>"Buy"</a></td>
                            </tr>
                        }
                    }).collect_view();
                    let shown = p.country_used.clone().filter(|_| filters.get_untracked().country.is_empty());
                    view! {
                        {shown.map(|c| view! { <p class="mb-2 text-xs text-slate-500">{format!("Showing numbers in {c}, the customer's country. Choose another country to see others.")}</p> })}
                        <DataTable headers=&["Number", "Region", "Country", "Capabilities", "Setup", "Monthly", "Currency", ""] caption="Numbers for sale">{rows}</DataTable>
                        <Pager href=base page=p.page per_page=p.per_page total=p.total/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn Quote(target: String, e164: String, back: String) -> impl IntoView {
    let quote = Resource::new(
        {
            let (t, e) = (target.clone(), e164.clone());
            move || (t.clone(), e.clone())
        },
        |(t, e)| purchase_quote(t, e),
    );
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || quote.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(q) => { let (target, back) = (target.clone(), back.clone()); view! {
                    <div class="mb-4 max-w-xl">
                        <Card title="Confirm the purchase">
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
                            {if q.short {
                                view! { <p role="alert" class="mt-2 text-sm text-red-700">"The wallet does not cover this. Fund it first."</p> }.into_any()
                            } else {
                                view! {
                                    <form method="post" action=BuyNumber::url() class="mt-3 flex gap-2">
                                        <input type="hidden" name="auth_id" value=target.clone()/>
                                        <input type="hidden" name="e164" value=q.e164.clone()/>
                                        <input type="hidden" name="idempotency_key" value=q.idempotency_key.clone()/>
                                        <input type="hidden" name="back" value=back.clone()/>
                                        <button type="submit" class=PRIMARY>{format!("Buy {} for {}", q.e164, q.total)}</button>
                                    </form>
                                }.into_any()
                            }}
                        </Card>
                    </div>
                }.into_any() }
            })}
        </Suspense>
    }
}

/// A number's own page.
#[component]
pub fn NumberPage() -> impl IntoView {
    let params = use_params_map();
    let digits = Memo::new(move |_| params.with(|p| p.get("e164")).unwrap_or_default());
    let detail = Resource::new(move || digits.get(), number_detail);
    view! {
        <Title text="Number"/>
        <AddressMessages/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || detail.get().map(|r| match r {
                Err(e) => view! { <PageHeader title="Number"/><ErrorNote message=e.to_string()/> }.into_any(),
                Ok(v) => view! { <Detail v/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Detail(v: NumberPageView) -> impl IntoView {
    let e164 = v.item.e164.clone();
    let facts = v.facts.clone();
    let pending = v.pending_until.clone();
    let assign = (v.can_assign && !v.sub_accounts.is_empty()).then(|| {
        let e = e164.clone();
        view! {
            <Card title="Assign to a sub-account">
                <form method="post" action=AssignNumber::url() class="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="e164" value=e/>
                    <div>
                        <label for="assign-to" class=LABEL>"Sub-account"</label>
                        <select id="assign-to" name="sub_account" class=INPUT>
                            {v.sub_accounts.iter().map(|(id, name)| view! { <option value=id.clone()>{format!("{name} ({id})")}</option> }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class=PRIMARY>"Assign"</button>
                </form>
            </Card>
        }
    });
    let unassign = (v.can_assign && v.item.on_sub_account).then(|| {
        let e = e164.clone();
        let e2 = e164.clone();
        view! {
            <Card title="Move back to the pool">
                {v.cool_off_until.clone().map(|u| view! {
                    <p class="mb-2 text-sm text-amber-800">{format!("Vobiz keeps this number on the sub-account until {u}: it had a call in the last 15 days.")}</p>
                })}
                <form method="post" action=UnassignNumber::url()>
                    <input type="hidden" name="e164" value=e/>
                    <button type="submit" class=SECONDARY>"Unassign to the pool"</button>
                </form>
                {v.can_force.then(|| view! {
                    <form method="post" action=UnassignNumber::url() class="mt-3 space-y-2 border-t border-slate-100 pt-3">
                        <input type="hidden" name="e164" value=e2/>
                        <input type="hidden" name="force" value="1"/>
                        <label for="force-reason" class=LABEL>"Reason for overriding the cool-off"</label>
                        <textarea id="force-reason" name="reason" required minlength="10" rows="2" class=INPUT
                            placeholder="e.g. the customer closed the account and asked for the number back"></textarea>
                        <button type="submit" class=SECONDARY>"Force unassign"</button>
                        <p class="text-xs text-slate-500">"Owners and admins only; the reason goes into the audit log."</p>
                    </form>
                })}
            </Card>
        }
    });
    let release = v.can_release.then(|| {
        let (e, e2, e3) = (e164.clone(), e164.clone(), e164.clone());
        match pending.clone() {
            Some(until) => view! {
                <Card title="Being released">
                    <p class="text-sm">{format!("The release can be cancelled until {until}; the release fee is refunded then.")}</p>
                    <form method="post" action=CancelRelease::url() class="mt-3">
                        <input type="hidden" name="e164" value=e/>
                        <button type="submit" class=PRIMARY>"Cancel the release"</button>
                    </form>
                </Card>
            }.into_any(),
            None => view! {
                <Card title="Release">
                    <ul class="list-disc space-y-1 pl-5 text-sm text-slate-700">
                        <li>{match v.release_fee.clone() { Some(f) => format!("Vobiz charges a release fee of {f} to the paying wallet."), None => "Vobiz charges the holder's release fee (700 INR on its standard tier) to the paying wallet.".to_owned() }}</li>
                        <li>"For 24 hours the release can be cancelled here and the fee is refunded."</li>
                        <li>"Then the number rests in quarantine for 45 days before anyone can buy it again; its application and trunk are detached."</li>
                    </ul>
                    <div class="mt-3 flex flex-wrap gap-2">
                        <form method="post" action=ReleaseNumber::url()>
                            <input type="hidden" name="e164" value=e2/>
                            <button type="submit" class=SECONDARY>"Release (cancellable for 24 hours)"</button>
                        </form>
                        <form method="post" action=ReleaseNumber::url()>
                            <input type="hidden" name="e164" value=e3/>
                            <input type="hidden" name="immediate" value="1"/>
                            <button type="submit" class=SECONDARY>"Release now (cannot be cancelled)"</button>
                        </form>
                    </div>
                </Card>
            }.into_any(),
        }
    });
    view! {
        <Title text=e164.clone()/>
        <PageHeader title=e164.clone() subtitle=v.item.holder_label.clone()>
            <a href="/numbers" class=SECONDARY>"All numbers"</a>
        </PageHeader>
        <div class="grid gap-4 lg:grid-cols-3">
            <div class="lg:col-span-2"><Card title="What Vobiz reports"><FactList rows=facts/></Card></div>
            <div class="space-y-4">{assign}{unassign}{release}</div>
        </div>
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">"History"</h2>
            {if v.history.is_empty() {
                view! { <EmptyState title="Nothing recorded about this number yet"/> }.into_any()
            } else {
                view! {
                    <DataTable headers=&["When", "Who", "Action", "Outcome", "Details"] caption="Audit entries about this number">
                        {v.history.iter().map(|h| view! {
                            <tr>
                                <td class=format!("{TD} whitespace-nowrap")>{h.at.clone()}</td>
                                <td class=TD>{h.actor.clone()}</td>
                                <td class=format!("{TD} font-mono text-xs")>{h.action.clone()}</td>
                                <td class=TD>{h.outcome.clone()}</td>
                                <td class=TD>{h.summary.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
        </section>
    }
}
