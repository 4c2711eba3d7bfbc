//! The settings index: one entry per settings page.

use leptos::prelude::*;
use leptos_meta::Title;

use leptos::server_fn::ServerFn;

use crate::api::auth::SignOutEverywhere;
use crate::components::ui::{Card, PageHeader};

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

/// Links to every settings page, and ending every session of the signed-in person.
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
        <div class="mt-6 max-w-xl">
            <Card title="Your sessions">
                <p class="text-sm text-slate-600">
                    "Signed in on a computer you no longer use, or worried someone else is? This signs you out of every browser and device, this one included."
                </p>
                <form method="post" action=SignOutEverywhere::url() class="mt-3">
                    <button type="submit" class="rounded-md px-4 py-2 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50">
                        "Sign out everywhere"
                    </button>
                </form>
            </Card>
        </div>
    }
}
