//! The audit log page: filters in the address (a GET form), a table, a pager and the CSV
//! export of the filtered set.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::{list_audit, AuditFilters, AuditRow, EXPORT_PATH};
use crate::components::ui::{Badge, DataTable, EmptyState, PageHeader, Pager, Tone, TD};

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm";
const LABEL: &str = "block text-xs font-medium text-slate-600";
const LINK_BUTTON: &str =
    "rounded-md px-3 py-2 text-sm font-medium ring-1 ring-slate-300 bg-white hover:bg-slate-50";

const COLUMNS: &[&str] = &[
    "Time",
    "Actor",
    "Action",
    "Target",
    "Outcome",
    "Vobiz",
    "Request id",
];

/// The tenant's audit log, newest first.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(AuditFilters::from_query));
    // A page number that is not a number is sent as 0, which the server refuses in words.
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("page"))
            .map(|p| p.trim().parse::<u32>().unwrap_or(0))
            .unwrap_or(1)
    });
    let entries = Resource::new(
        move || (filters.get(), page.get()),
        |(filters, page)| list_audit(filters, page, None),
    );
    view! {
        <Title text="Audit log"/>
        <PageHeader title="Audit log" subtitle="What was done in your organisation's portal, by whom and how it ended, newest first. Entries cannot be changed.">
            <a href=move || filters.get().href(EXPORT_PATH) class=LINK_BUTTON download>"Export CSV"</a>
        </PageHeader>
        <FilterForm filters/>
        <Suspense fallback=|| view! { <p class="text-slate-600">"Loading…"</p> }>
            {move || entries.get().map(|result| match result {
                Err(e) => view! {
                    <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p>
                }.into_any(),
                Ok(page) if page.rows.is_empty() => {
                    let (title, hint) = if filters.get_untracked().is_empty() && page.total == 0 {
                        ("No entries yet", "Sign-ins and every change in the portal are recorded here.")
                    } else if page.total > 0 {
                        ("No entries on this page", "Go back to the first page.")
                    } else {
                        ("No entries match these filters", "Widen the dates or clear a filter.")
                    };
                    view! {
                        <EmptyState title hint/>
                        {(page.total > 0).then(|| view! {
                            <Pager href=filters.get_untracked().href("/audit") page=page.page per_page=page.per_page total=page.total/>
                        })}
                    }.into_any()
                }
                Ok(page) => view! {
                    <DataTable headers=COLUMNS caption="Audit entries">
                        {page.rows.into_iter().map(|row| view! { <Row row/> }).collect_view()}
                    </DataTable>
                    <Pager href=filters.get_untracked().href("/audit") page=page.page per_page=page.per_page total=page.total/>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// The filters, as a GET form: submitting it puts them in the address.
#[component]
fn FilterForm(filters: Memo<AuditFilters>) -> impl IntoView {
    let value = move |f: fn(&AuditFilters) -> String| move || filters.with(f);
    let outcome = move || filters.with(|f| f.outcome.trim().to_lowercase());
    view! {
        <form method="get" action="/audit" role="search" aria-label="Filter the audit log"
            class="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-4">
            <div>
                <label for="f-actor" class=LABEL>"Actor (email contains)"</label>
                <input id="f-actor" name="actor" type="search" class=INPUT value=value(|f| f.actor.clone())/>
            </div>
            <div>
                <label for="f-action" class=LABEL>"Action"</label>
                <input id="f-action" name="action" type="search" placeholder="auth.sign_in or auth." class=INPUT
                    value=value(|f| f.action.clone())/>
            </div>
            <div>
                <label for="f-target-type" class=LABEL>"Target type"</label>
                <input id="f-target-type" name="target_type" type="search" placeholder="user, customer, number" class=INPUT
                    value=value(|f| f.target_type.clone())/>
            </div>
            <div>
                <label for="f-target-id" class=LABEL>"Target id contains"</label>
                <input id="f-target-id" name="target_id" type="search" class=INPUT value=value(|f| f.target_id.clone())/>
            </div>
            <div>
                <label for="f-outcome" class=LABEL>"Outcome"</label>
                <select id="f-outcome" name="outcome" class=INPUT>
                    {[("", "Any"), ("ok", "OK"), ("denied", "Denied"), ("failed", "Failed"), ("unknown", "Unknown")]
                        .into_iter()
                        .map(|(v, label)| view! { <option value=v selected=move || outcome() == v>{label}</option> })
                        .collect_view()}
                </select>
            </div>
            <div>
                <label for="f-from" class=LABEL>"From (UTC)"</label>
                <input id="f-from" name="from" type="date" class=INPUT value=value(|f| f.from.clone())/>
            </div>
            <div>
                <label for="f-to" class=LABEL>"To (UTC)"</label>
                <input id="f-to" name="to" type="date" class=INPUT value=value(|f| f.to.clone())/>
            </div>
            <div class="flex items-end gap-2">
                <button type="submit" class="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                    "Filter"
                </button>
                <a href="/audit" class=LINK_BUTTON>"Clear"</a>
            </div>
        </form>
    }
}

fn outcome_badge(outcome: &str) -> (Tone, &'static str) {
    match outcome {
        "ok" => (Tone::Good, "OK"),
        "denied" => (Tone::Warn, "Denied"),
        "failed" => (Tone::Bad, "Failed"),
        _ => (Tone::Neutral, "Unknown"),
    }
}

/// One entry.
#[component]
fn Row(row: AuditRow) -> impl IntoView {
    let (tone, label) = outcome_badge(&row.outcome);
    let actor = row.actor_email.clone().unwrap_or_else(|| "—".to_owned());
    let target = match (&row.target_type, &row.target_id) {
        (Some(t), Some(id)) => format!("{t} {id}"),
        (Some(t), None) => t.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) => "—".to_owned(),
    };
    let upstream = match (row.upstream_status, &row.upstream_message) {
        (Some(s), Some(m)) => format!("{s} {m}"),
        (Some(s), None) => s.to_string(),
        (None, Some(m)) => m.clone(),
        (None, None) => "—".to_owned(),
    };
    view! {
        <tr>
            <td class=format!("{TD} whitespace-nowrap")><time datetime=row.at_rfc3339>{row.at}</time></td>
            <td class=TD>
                {actor}
                {row.actor_role.map(|r| view! { <span class="block text-xs text-slate-500">{r}</span> })}
            </td>
            <td class=format!("{TD} font-mono text-xs")>{row.action}</td>
            <td class=format!("{TD} break-all")>{target}</td>
            <td class=TD><Badge tone text=label/></td>
            <td class=TD>{upstream}</td>
            <td class=format!("{TD} font-mono text-xs text-slate-500 break-all")>{row.request_id.unwrap_or_default()}</td>
        </tr>
    }
}
