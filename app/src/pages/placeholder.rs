//! The page for areas of the portal that are not open yet.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ui::PageHeader;

/// Says plainly that an area is not available yet.
#[component]
pub fn Placeholder(
    /// The area's name, as in the navigation.
    area: &'static str,
) -> impl IntoView {
    view! {
        <Title text=area/>
        <PageHeader title=area/>
        <div class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
            <p class="font-medium">{format!("{area} is not available yet.")}</p>
            <p class="mt-2 text-sm text-slate-600">
                "This part of the portal is not open in this version. The "
                <a href="/status" class="underline">"status page"</a>
                " shows what is running."
            </p>
        </div>
    }
}
