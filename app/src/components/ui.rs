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

/// The classes of a text input.
pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm aria-[invalid=true]:border-red-500";
/// The classes of a form label.
pub const LABEL: &str = "block text-sm font-medium text-slate-700";
/// The classes of the main button of a form.
pub const PRIMARY: &str =
    "rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50";
/// The classes of a secondary button or a link shown as one.
pub const SECONDARY: &str =
    "inline-block rounded-md bg-white px-3 py-2 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50";

/// A labelled text input with a hint and an error message under it. `check` (run in the
/// browser when the field loses focus) says what is wrong before the form is sent; the
/// server says the same again.
#[component]
pub fn TextField(
    /// The input's id.
    id: &'static str,
    /// The submitted name.
    name: &'static str,
    /// The label.
    label: &'static str,
    /// The value to start with.
    #[prop(optional, into)]
    value: String,
    /// `text`, `email`, `tel`, `password`, …
    #[prop(default = "text")]
    kind: &'static str,
    /// The field must be filled in.
    #[prop(optional)]
    required: bool,
    /// The browser's autocomplete hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// A line of help under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The server's refusal of this field.
    #[prop(optional_no_strip)]
    error: Option<String>,
    /// A check run in the browser on blur.
    #[prop(optional)]
    check: Option<fn(&str) -> Result<(), String>>,
) -> impl IntoView {
    let message = RwSignal::new(error);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = format!("{hint_id} {error_id}");
    view! {
        <div>
            <label for=id class=LABEL>{label}{(!required).then(|| view! { <span class="font-normal text-slate-500">" (optional)"</span> })}</label>
            <input id=id name=name type=kind value=value required=required autocomplete=autocomplete
                class=INPUT aria-describedby=described
                aria-invalid=move || message.with(|m| m.is_some()).to_string()
                on:blur=move |ev| {
                    if let Some(check) = check {
                        let v = event_target_value(&ev);
                        message.set(if v.trim().is_empty() { None } else { check(&v).err() });
                    }
                }/>
            {hint.map(|h| view! { <p id=hint_id.clone() class="mt-1 text-xs text-slate-500">{h}</p> })}
            <p id=error_id aria-live="polite" class="mt-1 text-sm text-red-700">{move || message.get()}</p>
        </div>
    }
}

/// A definition list of terms and values in a card.
#[component]
pub fn Facts(
    /// (term, value) pairs; empty values show as a dash.
    rows: Vec<(&'static str, String)>,
) -> impl IntoView {
    let rows = rows.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    view! { <FactList rows/> }
}

/// [`Facts`] with terms known only at run time.
#[component]
pub fn FactList(
    /// (term, value) pairs; empty values show as a dash.
    rows: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <dl class="divide-y divide-slate-100">
            {rows.into_iter().map(|(k, v)| view! {
                <div class="flex justify-between gap-4 py-2 text-sm">
                    <dt class="text-slate-600">{k}</dt>
                    <dd class="text-right font-medium">{if v.is_empty() { "—".to_owned() } else { v }}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}

/// An error shown in place of what could not be loaded.
#[component]
pub fn ErrorNote(
    /// The message.
    #[prop(into)]
    message: String,
) -> impl IntoView {
    view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{message}</p> }
}

/// "Loading…".
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="text-sm text-slate-600">"Loading…"</p> }
}

/// The badge of a money operation's state.
pub fn state_badge(state: &str) -> (Tone, &'static str) {
    match state {
        "completed" => (Tone::Good, "Completed"),
        "failed" => (Tone::Bad, "Failed"),
        "unknown" => (Tone::Warn, "Unknown: being checked"),
        _ => (Tone::Neutral, "Pending"),
    }
}
