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
