//! Small building blocks: headings, cards, badges.

use leptos::prelude::*;

/// A page's title with an optional line under it.
#[component]
pub fn PageHeader(
    /// The page title.
    #[prop(into)]
    title: String,
    /// A short description under the title.
    #[prop(optional, into)]
    subtitle: Option<String>,
    /// Actions shown beside the title.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600">{s}</p> })}
            </div>
            {children.map(|c| view! { <div class="flex gap-2">{c()}</div> })}
        </div>
    }
}

/// A white panel with a heading.
#[component]
pub fn Card(
    /// The panel's heading.
    #[prop(into)]
    title: String,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
            <h2 class="mb-3 text-sm font-semibold uppercase tracking-wide text-slate-500">{title}</h2>
            {children()}
        </section>
    }
}

/// How a badge is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// All is well.
    Good,
    /// Needs attention.
    Warn,
    /// Broken.
    Bad,
    /// Informational.
    Neutral,
}

/// A short coloured label.
#[component]
pub fn Badge(
    /// The colour.
    tone: Tone,
    /// The text.
    #[prop(into)]
    text: String,
) -> impl IntoView {
    let class = match tone {
        Tone::Good => "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
        Tone::Warn => "bg-amber-50 text-amber-800 ring-amber-600/20",
        Tone::Bad => "bg-red-50 text-red-800 ring-red-600/20",
        Tone::Neutral => "bg-slate-100 text-slate-700 ring-slate-500/20",
    };
    view! {
        <span class=format!("inline-flex items-center rounded-md px-2 py-1 text-xs font-medium ring-1 ring-inset {class}")>
            {text}
        </span>
    }
}

/// A term and its value in a description list.
#[component]
pub fn Field(
    /// The term.
    #[prop(into)]
    label: String,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="flex justify-between gap-4 py-2 text-sm">
            <dt class="text-slate-600">{label}</dt>
            <dd class="text-right font-medium">{children()}</dd>
        </div>
    }
}

/// The `?error=` and `?notice=` a form's server function put in the address, shown as an
/// alert and a status message.
#[component]
pub fn AddressMessages() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    view! {
        {move || query.with(|q| q.get("error")).map(|m| view! {
            <p role="alert" class="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800">{m}</p>
        })}
        {move || query.with(|q| q.get("notice")).map(|m| view! {
            <p role="status" class="mb-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-800">{m}</p>
        })}
    }
}

/// A list as a table: the column headings and the rows (`<tr>`s with `<td class=TD>`s).
#[component]
pub fn DataTable(
    /// The column headings.
    headers: &'static [&'static str],
    /// What the table lists, for screen readers.
    #[prop(into)]
    caption: String,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="w-full text-left text-sm">
                <caption class="sr-only">{caption}</caption>
                <thead class="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        {headers.iter().map(|h| view! { <th scope="col" class="px-3 py-2 font-semibold">{*h}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">{children()}</tbody>
            </table>
        </div>
    }
}

/// The classes of a [`DataTable`] cell.
pub const TD: &str = "px-3 py-2 align-top";

/// Shown instead of a list that has nothing in it.
#[component]
pub fn EmptyState(
    /// What is missing.
    #[prop(into)]
    title: String,
    /// What to do about it.
    #[prop(optional, into)]
    hint: Option<String>,
) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
            <p class="font-medium text-slate-700">{title}</p>
            {hint.map(|h| view! { <p class="mt-1 text-sm text-slate-500">{h}</p> })}
        </div>
    }
}

/// "N–M of T" with previous and next links that keep the rest of the address.
#[component]
pub fn Pager(
    /// The list's address without `page` (its other query parameters are kept).
    #[prop(into)]
    href: String,
    /// This page, from 1.
    page: u32,
    /// Entries per page.
    per_page: u32,
    /// Entries in all.
    total: i64,
) -> impl IntoView {
    let per = i64::from(per_page.max(1));
    let first = (i64::from(page.max(1)) - 1) * per + 1;
    let last = (first + per - 1).min(total);
    let link = move |p: u32| {
        let sep = if href.contains('?') { '&' } else { '?' };
        if p <= 1 {
            href.clone()
        } else {
            format!("{href}{sep}page={p}")
        }
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = (last < total).then(|| link(page + 1));
    let summary = if total == 0 || first > total {
        format!("0 of {total}")
    } else {
        format!("{first}–{last} of {total}")
    };
    let button =
        "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50";
    let idle = "rounded-md px-3 py-1.5 text-sm text-slate-400 ring-1 ring-slate-200";
    view! {
        <nav aria-label="Pages" class="mt-4 flex items-center justify-between gap-4 text-sm">
            <p class="text-slate-600">{summary}</p>
            <div class="flex gap-2">
                {match prev {
                    Some(h) => view! { <a href=h rel="prev" class=button>"Previous"</a> }.into_any(),
                    None => view! { <span aria-disabled="true" class=idle>"Previous"</span> }.into_any(),
                }}
                {match next {
                    Some(h) => view! { <a href=h rel="next" class=button>"Next"</a> }.into_any(),
                    None => view! { <span aria-disabled="true" class=idle>"Next"</span> }.into_any(),
                }}
            </div>
        </nav>
    }
}
