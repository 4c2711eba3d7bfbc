//! The customer list (search, filters, sort, paging, refresh, export) and the create forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::customers::{
    create_limits, list_customers, CreateCustomer, CreateSubAccount, CustomerFilters, CustomerRow,
    RefreshCustomers, CUSTOMERS_EXPORT_PATH,
};
use crate::components::ui::{
    AddressMessages, Badge, Card, DataTable, EmptyState, ErrorNote, Loading, PageHeader, Pager,
    TextField, Tone, INPUT, LABEL, PRIMARY, SECONDARY, TD,
};
use crate::domain::customers::{
    check_name, check_vobiz_password, Country, BUSINESS_TYPES, COUNTRIES, E164, KYC_MODES,
};
use crate::domain::identity::Email;

const COLUMNS: &[&str] = &["Customer", "Kind", "KYC", "Wallet", "Country", "Created"];

/// The tenant's customers: customer accounts and sub-accounts in one list.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(CustomerFilters::from_query));
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("page"))
            .map(|p| p.trim().parse::<u32>().unwrap_or(0))
            .unwrap_or(1)
    });
    let list = Resource::new(
        move || (filters.get(), page.get()),
        |(f, p)| list_customers(f, p),
    );
    view! {
        <Title text="Customers"/>
        <PageHeader title="Customers" subtitle="Customer accounts (with their own wallet) and sub-accounts of your pool account (billed to it).">
            <a href=move || filters.get().href(CUSTOMERS_EXPORT_PATH) class=SECONDARY download>"Export CSV"</a>
            <form method="post" action=RefreshCustomers::url()>
                <button type="submit" class=SECONDARY>"Refresh from Vobiz"</button>
            </form>
            <a href="/customers/new" class=PRIMARY>"New customer"</a>
        </PageHeader>
        <AddressMessages/>
        <Filters filters/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || list.get().map(|result| match result {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(list) => {
                    let freshness = match (&list.refreshing, &list.last_refreshed) {
                        (Some(r), _) => r.clone(),
                        (None, Some(at)) => format!("Last refreshed from Vobiz {at}."),
                        (None, None) => "Not read from Vobiz yet: the first refresh is under way. Reload in a moment.".into(),
                    };
                    let href = filters.get_untracked().href("/customers");
                    view! {
                        <p class="mb-2 text-xs text-slate-500" data-testid="freshness">{freshness}</p>
                        {list.refresh_error.clone().map(|e| view! {
                            <p class="mb-2 text-xs text-red-700">{format!("The last refresh failed: {e}")}</p>
                        })}
                        {if list.rows.is_empty() {
                            view! {
                                <EmptyState title="No customers match"
                                    hint="Clear the filters, or create the first customer with New customer."/>
                            }.into_any()
                        } else {
                            view! {
                                <DataTable headers=COLUMNS caption="Customers">
                                    {list.rows.into_iter().map(|row| view! { <Row row/> }).collect_view()}
                                </DataTable>
                            }.into_any()
                        }}
                        <Pager href page=list.page per_page=list.per_page total=list.total/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn Filters(filters: Memo<CustomerFilters>) -> impl IntoView {
    let value = move |f: fn(&CustomerFilters) -> String| move || filters.with(f);
    let selected =
        move |f: fn(&CustomerFilters) -> String, v: &'static str| move || filters.with(f) == v;
    view! {
        <form method="get" action="/customers" role="search" aria-label="Filter customers"
            class="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-6">
            <div class="lg:col-span-2">
                <label for="c-q" class=LABEL>"Search"</label>
                <input id="c-q" name="q" type="search" placeholder="Name, email or account id" class=INPUT value=value(|f| f.q.clone())/>
            </div>
            <div>
                <label for="c-kind" class=LABEL>"Kind"</label>
                <select id="c-kind" name="kind" class=INPUT>
                    <option value="" selected=selected(|f| f.kind.clone(), "")>"All"</option>
                    <option value="customer" selected=selected(|f| f.kind.clone(), "customer")>"Customer accounts"</option>
                    <option value="sub_account" selected=selected(|f| f.kind.clone(), "sub_account")>"Sub-accounts"</option>
                </select>
            </div>
            <div>
                <label for="c-kyc" class=LABEL>"KYC"</label>
                <select id="c-kyc" name="kyc" class=INPUT>
                    {[("", "Any"), ("pending", "Pending"), ("verified", "Verified"), ("rejected", "Rejected"),
                      ("personal_use", "Personal use"), ("customer_use", "Customer use")]
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=selected(|f| f.kyc.clone(), v)>{l}</option> })
                        .collect_view()}
                </select>
            </div>
            <div>
                <label for="c-below" class=LABEL>"Balance below"</label>
                <input id="c-below" name="below" inputmode="decimal" placeholder="e.g. 500" class=INPUT value=value(|f| f.below.clone())/>
            </div>
            <div>
                <label for="c-sort" class=LABEL>"Sort"</label>
                <select id="c-sort" name="sort" class=INPUT>
                    <option value="name" selected=selected(|f| f.sort.clone(), "name")>"Name"</option>
                    <option value="newest" selected=selected(|f| f.sort.clone(), "newest")>"Newest"</option>
                    <option value="balance" selected=selected(|f| f.sort.clone(), "balance")>"Lowest balance"</option>
                </select>
            </div>
            <div class="flex items-end gap-2 lg:col-span-6">
                <button type="submit" class=PRIMARY>"Apply"</button>
                <a href="/customers" class=SECONDARY>"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn Row(row: CustomerRow) -> impl IntoView {
    let href = format!("/customers/{}", row.auth_id);
    let tone = match row.kyc.as_str() {
        "KYC verified" => Tone::Good,
        "KYC rejected" => Tone::Bad,
        "KYC pending" => Tone::Warn,
        _ => Tone::Neutral,
    };
    view! {
        <tr>
            <td class=TD>
                <a href=href class="font-medium text-slate-900 underline-offset-2 hover:underline">{row.name}</a>
                <span class="block text-xs text-slate-500">{row.email}</span>
                <span class="block font-mono text-xs text-slate-400">{row.auth_id}</span>
            </td>
            <td class=TD>{row.kind_label}</td>
            <td class=TD><Badge tone text=row.kyc/></td>
            <td class=format!("{TD} whitespace-nowrap")>
                {row.balance}
                {row.low.then(|| view! { <span class="ml-1"><Badge tone=Tone::Warn text="Low"/></span> })}
            </td>
            <td class=TD>{row.country}</td>
            <td class=TD>{row.created}</td>
        </tr>
    }
}

fn check_email(v: &str) -> Result<(), String> {
    Email::parse(v).map(|_| ())
}
fn check_phone(v: &str) -> Result<(), String> {
    E164::parse(v).map(|_| ())
}
fn check_customer_name(v: &str) -> Result<(), String> {
    check_name(v, "name").map(|_| ())
}

/// Creating a customer account or a sub-account.
#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let query = use_query_map();
    let kind = Memo::new(move |_| {
        query
            .with(|q| q.get("kind"))
            .unwrap_or_else(|| "customer".into())
    });
    let limits = Resource::new(|| (), |_| create_limits());
    let tab = move |k: &'static str, label: &'static str| {
        view! {
            <a href=format!("/customers/new?kind={k}")
                aria-current=move || (kind.get() == k).then_some("page")
                class="rounded-md px-3 py-2 text-sm font-medium ring-1 ring-slate-300 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white">
                {label}
            </a>
        }
    };
    view! {
        <Title text="New customer"/>
        <PageHeader title="New customer" subtitle="Vobiz's rules are checked here before anything is sent."/>
        <nav aria-label="Kind of customer" class="mb-4 flex gap-2">
            {tab("customer", "Customer account")}
            {tab("sub_account", "Sub-account of the pool")}
        </nav>
        <AddressMessages/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || limits.get().map(|r| match r {
                Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                Ok(l) => {
                    let note = match (l.can_create_accounts, l.accounts) {
                        (false, _) => Some("Vobiz does not let this partner account create customer accounts; ask Vobiz to enable it. Sub-accounts still work.".to_owned()),
                        (true, Some((count, max))) if count >= max => Some(format!("Your partner account has reached its limit of {max} customer accounts; ask Vobiz to raise it.")),
                        (true, Some((count, max))) => Some(format!("{count} of {max} customer accounts used.")),
                        _ => None,
                    };
                    view! {
                        {note.map(|n| view! { <p class="mb-4 text-sm text-slate-600">{n}</p> })}
                        {(!l.has_pool).then(|| view! {
                            <p class="mb-4 text-sm text-slate-600">"No pool account is connected, so sub-accounts cannot be made. An owner adds it under Settings → Vobiz connection."</p>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
        {move || if kind.get() == "sub_account" { view! { <SubAccountForm/> }.into_any() } else { view! { <CustomerForm/> }.into_any() }}
    }
}

/// The value of `key` in the address, and the refusal when it was `field`'s.
fn from_address(key: &'static str) -> (String, Option<String>) {
    let query = use_query_map();
    let value = query.with_untracked(|q| q.get(key)).unwrap_or_default();
    let error = query.with_untracked(|q| {
        (q.get("field").as_deref() == Some(key))
            .then(|| q.get("error"))
            .flatten()
    });
    (value, error)
}

#[component]
fn CustomerForm() -> impl IntoView {
    let (name, name_err) = from_address("name");
    let (email, email_err) = from_address("email");
    let (phone, phone_err) = from_address("phone");
    let (country, country_err) = from_address("country");
    let (company, company_err) = from_address("company");
    let (_, password_err) = from_address("password");
    let country = if country.is_empty() {
        "IN".to_owned()
    } else {
        country
    };
    let chosen = RwSignal::new(country.clone());
    let currency = move || {
        Country::parse(&chosen.get())
            .map(|c| {
                format!(
                    "Wallet currency: {} (Vobiz derives it from the country).",
                    c.wallet_currency()
                )
            })
            .unwrap_or_default()
    };
    view! {
        <Card title="Customer account">
            <form method="post" action=CreateCustomer::url() class="grid max-w-2xl gap-4 sm:grid-cols-2">
                <TextField id="cust-name" name="name" label="Full name" value=name required=true error=name_err check=check_customer_name/>
                <TextField id="cust-company" name="company" label="Company" value=company error=company_err/>
                <TextField id="cust-email" name="email" label="Email" kind="email" value=email required=true
                    hint="Unique across Vobiz; used for the customer's login and KYC." error=email_err check=check_email/>
                <TextField id="cust-phone" name="phone" label="Phone" kind="tel" value=phone required=true
                    hint="International form, e.g. +919876543210." error=phone_err check=check_phone/>
                <div>
                    <label for="cust-country" class=LABEL>"Country"</label>
                    <select id="cust-country" name="country" class=INPUT aria-describedby="cust-country-hint cust-country-error"
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {COUNTRIES.iter().map(|(code, label)| {
                            let selected = *code == country;
                            view! { <option value=*code selected=selected>{format!("{label} ({code})")}</option> }
                        }).collect_view()}
                    </select>
                    <p id="cust-country-hint" class="mt-1 text-xs text-slate-500">{currency}</p>
                    <p id="cust-country-error" aria-live="polite" class="mt-1 text-sm text-red-700">{country_err}</p>
                </div>
                <TextField id="cust-password" name="password" label="Vobiz password" kind="password" required=true
                    autocomplete="new-password"
                    hint="The customer's Vobiz login: at least 8 characters with a digit and a special character. It is sent to Vobiz and not kept here."
                    error=password_err check=check_vobiz_password/>
                <div class="sm:col-span-2">
                    <button type="submit" class=PRIMARY>"Create customer account"</button>
                </div>
            </form>
        </Card>
    }
}

#[component]
fn SubAccountForm() -> impl IntoView {
    let (name, name_err) = from_address("name");
    let (email, email_err) = from_address("email");
    let (mode, mode_err) = from_address("kyc_mode");
    let (business, business_err) = from_address("business_type");
    let mode = if mode.is_empty() {
        "personal_use".to_owned()
    } else {
        mode
    };
    let business = if business.is_empty() {
        "individual".to_owned()
    } else {
        business
    };
    view! {
        <Card title="Sub-account of the pool account">
            <form method="post" action=CreateSubAccount::url() class="grid max-w-2xl gap-4 sm:grid-cols-2">
                <TextField id="sub-name" name="name" label="Name" value=name required=true error=name_err check=check_customer_name/>
                <TextField id="sub-email" name="email" label="Email" kind="email" value=email
                    hint="Required for customer use: Vobiz sends KYC to it." error=email_err check=check_email/>
                <div>
                    <label for="sub-mode" class=LABEL>"KYC mode"</label>
                    <select id="sub-mode" name="kyc_mode" class=INPUT>
                        {KYC_MODES.iter().map(|(v, l)| {
                            let selected = *v == mode;
                            view! { <option value=*v selected=selected>{*l}</option> }
                        }).collect_view()}
                    </select>
                    <p aria-live="polite" class="mt-1 text-sm text-red-700">{mode_err}</p>
                </div>
                <div>
                    <label for="sub-business" class=LABEL>"Business type"</label>
                    <select id="sub-business" name="business_type" class=INPUT>
                        {BUSINESS_TYPES.iter().map(|(v, l)| {
                            let selected = *v == business;
                            view! { <option value=*v selected=selected>{*l}</option> }
                        }).collect_view()}
                    </select>
                    <p aria-live="polite" class="mt-1 text-sm text-red-700">{business_err}</p>
                </div>
                <p class="text-sm text-slate-600 sm:col-span-2">"A sub-account has no wallet of its own: the numbers it gets from the pool are billed to the pool account."</p>
                <div class="sm:col-span-2">
                    <button type="submit" class=PRIMARY>"Create sub-account"</button>
                </div>
            </form>
        </Card>
    }
}
