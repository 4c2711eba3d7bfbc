//! A customer user's own view: balance, numbers with renewals and routing, transactions,
//! profile and password.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::customers::TransactionFilters;
use crate::api::my::{my_account, my_transactions, ChangePassword, MY_PAGE};
use crate::components::ui::{
    AddressMessages, Card, ErrorNote, Facts, Loading, PageHeader, INPUT, LABEL, PRIMARY,
};
use crate::pages::customer::{NumberTable, TransactionFiltersForm, TransactionTable};

/// The customer's own page.
#[component]
pub fn MyAccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| my_account());
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
    let transactions = Resource::new(
        move || (filters.get(), page.get()),
        |(f, p)| my_transactions(f, p),
    );
    view! {
        <Title text="My account"/>
        <AddressMessages/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || account.get().map(|r| match r {
                Err(e) => view! { <PageHeader title="My account"/><ErrorNote message=e.to_string()/> }.into_any(),
                Ok(a) => view! {
                    <PageHeader title=a.name.clone() subtitle=format!("{} · {}", a.kind_label, a.auth_id)/>
                    <div class="grid gap-4 lg:grid-cols-3">
                        <Card title="Balance">
                            {match a.balance.clone() {
                                Some(b) => view! { <p class="text-2xl font-semibold" data-testid="my-balance">{b}</p> }.into_any(),
                                None => view! { <p class="text-sm text-slate-600">"Your numbers are billed to your provider; you have no wallet of your own."</p> }.into_any(),
                            }}
                            <p class="mt-2 text-sm text-slate-600">{format!("Number rentals: {} a month.", a.monthly_total)}</p>
                        </Card>
                        <Card title="Profile">
                            <Facts rows=vec![
                                ("Signed in as", a.me.clone()),
                                ("Account email", a.email.clone()),
                                ("Company", a.company.clone()),
                                ("Country", a.country.clone()),
                            ]/>
                        </Card>
                        <PasswordForm/>
                    </div>
                    <section class="mt-6">
                        <h2 class="mb-2 text-lg font-semibold">"Your numbers"</h2>
                        <NumberTable rows=a.numbers.clone() caption="Your numbers"/>
                    </section>
                }.into_any(),
            })}
        </Suspense>
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">"Transactions"</h2>
            <TransactionFiltersForm action=MY_PAGE.to_owned() filters/>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || transactions.get().map(|r| match r {
                    Err(e) => view! { <ErrorNote message=e.to_string()/> }.into_any(),
                    Ok(list) => view! { <TransactionTable list base=MY_PAGE.to_owned() filters=filters.get_untracked()/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    view! {
        <Card title="Password">
            <form method="post" action=ChangePassword::url() class="space-y-3">
                <div>
                    <label for="pw-current" class=LABEL>"Current password"</label>
                    <input id="pw-current" name="current" type="password" required autocomplete="current-password" class=INPUT/>
                </div>
                <div>
                    <label for="pw-new" class=LABEL>"New password"</label>
                    <input id="pw-new" name="password" type="password" required minlength="12" autocomplete="new-password" class=INPUT/>
                    <p class="mt-1 text-xs text-slate-500">"At least 12 characters; a few words together work well."</p>
                </div>
                <div>
                    <label for="pw-confirm" class=LABEL>"New password again"</label>
                    <input id="pw-confirm" name="confirm" type="password" required autocomplete="new-password" class=INPUT/>
                </div>
                <button type="submit" class=PRIMARY>"Change password"</button>
            </form>
        </Card>
    }
}
