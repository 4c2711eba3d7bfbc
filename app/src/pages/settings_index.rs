//! The settings index: one entry per settings page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ui::PageHeader;

/// The settings pages, in the order shown: (address, title, what it is for). A new settings
/// page adds its entry here when its route exists.
const SECTIONS: &[(&str, &str, &str)] = &[
    (
        "/settings/profile",
        "Profile",
        "Your organisation's name as the portal shows it.",
    ),
    (
        "/settings/vobiz",
        "Vobiz connection",
        "The partner credentials the portal uses, shown masked; test the connection.",
    ),
    (
        "/settings/users",
        "Users",
        "Invite staff, change their roles, disable accounts and issue set-password links.",
    ),
    (
        "/settings/security",
        "Security",
        "Your authenticator app, and whether every staff member needs one.",
    ),
];

/// Links to every settings page.
#[component]
pub fn SettingsIndexPage() -> impl IntoView {
    view! {
        <Title text="Settings"/>
        <PageHeader title="Settings"/>
        <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {SECTIONS
                .iter()
                .map(|(href, title, about)| view! {
                    <li>
                        <a href=*href class="block rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200 hover:ring-slate-400">
                            <span class="block font-semibold">{*title}</span>
                            <span class="mt-1 block text-sm text-slate-600">{*about}</span>
                        </a>
                    </li>
                })
                .collect_view()}
        </ul>
    }
}
