//! The staff page: who works in the portal, with what role, and managing them.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::staff::{
    staff_overview, ChangeStaffRole, DisableStaff, EnableStaff, InviteStaff, ResetStaffTotp,
    RoleChoice, StaffPasswordLink, StaffRow,
};
use crate::components::ui::{AddressMessages, Badge, Card, PageHeader, Tone};

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2";
const SMALL_BUTTON: &str =
    "rounded-md px-2 py-1 text-xs font-medium ring-1 ring-slate-300 hover:bg-slate-50";

/// The staff list; owners and admins also get the forms to manage it.
#[component]
pub fn StaffPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| staff_overview());
    view! {
        <Title text="Users"/>
        <PageHeader title="Users" subtitle="Staff of your organisation who can sign in to the portal."/>
        <AddressMessages/>
        <OneTimeLink/>
        <Suspense fallback=|| view! { <p class="text-slate-600">"Loading…"</p> }>
            {move || overview.get().map(|result| match result {
                Err(e) => view! {
                    <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p>
                }.into_any(),
                Ok(view) => {
                    let can_manage = view.can_manage;
                    view! {
                        <div class="grid gap-4 lg:grid-cols-3">
                            <div class="lg:col-span-2">
                                <Card title="Staff">
                                    <div class="overflow-x-auto">
                                        <table class="w-full text-left text-sm">
                                            <thead>
                                                <tr class="text-slate-500">
                                                    <th scope="col" class="py-2 pr-3">"Email"</th>
                                                    <th scope="col" class="pr-3">"Role"</th>
                                                    <th scope="col" class="pr-3">"Status"</th>
                                                    <th scope="col" class="pr-3">"Created"</th>
                                                    {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {view.staff.into_iter().map(|row| view! { <Row row can_manage/> }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                    {(!can_manage).then(|| view! {
                                        <p class="mt-3 text-sm text-slate-600">"Only owners and admins can change staff."</p>
                                    })}
                                </Card>
                            </div>
                            {can_manage.then(|| view! { <InviteForm roles=view.invite_roles/> })}
                        </div>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The link just made, shown once from the address the server sent the browser to.
#[component]
fn OneTimeLink() -> impl IntoView {
    let query = use_query_map();
    move || {
        query.with(|q| q.get("link")).map(|link| {
            let who = query.with(|q| q.get("for")).unwrap_or_default();
            let expires = query.with(|q| q.get("expires")).unwrap_or_default();
            view! {
                <div class="mb-4 rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200">
                    <label for="one-time-link" class="block font-medium">
                        {format!("One-time link for {who}")}
                    </label>
                    <input id="one-time-link" readonly value=link
                        class="mt-1 block w-full rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs"/>
                    <p class="mt-1 text-xs text-amber-900">
                        {format!("Copy it now and send it to them: it is shown only this once. It expires {expires} and works once.")}
                    </p>
                </div>
            }
        })
    }
}

/// One staff member, with the actions the signed-in person may take.
#[component]
fn Row(row: StaffRow, can_manage: bool) -> impl IntoView {
    let tone = match row.status.as_str() {
        "Active" => Tone::Good,
        "Invited" => Tone::Warn,
        _ => Tone::Bad,
    };
    let email = row.email.clone();
    let you = row
        .is_me
        .then(|| view! { <span class="ml-1 text-xs text-slate-500">"(you)"</span> });
    let pending = row
        .link_expires
        .clone()
        .map(|t| view! { <span class="block text-xs text-slate-500">{format!("Link pending until {t}")}</span> });
    let actions = can_manage.then(|| {
        let disabled = row.status == "Disabled";
        view! {
            <td class="py-2">
                <div class="flex flex-wrap items-center gap-2">
                    {(!row.role_choices.is_empty()).then(|| view! {
                        <RoleForm id=row.id.clone() email=email.clone() current=row.role.clone() choices=row.role_choices.clone()/>
                    })}
                    {row.manageable.then(|| view! {
                        <form method="post" action=if disabled { EnableStaff::url() } else { DisableStaff::url() }>
                            <input type="hidden" name="user_id" value=row.id.clone()/>
                            <button type="submit" class=SMALL_BUTTON aria-label=format!("{} {email}", if disabled { "Enable" } else { "Disable" })>
                                {if disabled { "Enable" } else { "Disable" }}
                            </button>
                        </form>
                    })}
                    {(row.manageable && !disabled).then(|| view! {
                        <form method="post" action=StaffPasswordLink::url()>
                            <input type="hidden" name="user_id" value=row.id.clone()/>
                            <button type="submit" class=SMALL_BUTTON aria-label=format!("New set-password link for {email}")>
                                "New set-password link"
                            </button>
                        </form>
                    })}
                    {(row.manageable && row.has_totp).then(|| view! {
                        <form method="post" action=ResetStaffTotp::url()>
                            <input type="hidden" name="user_id" value=row.id.clone()/>
                            <button type="submit" class=SMALL_BUTTON aria-label=format!("Reset second factor of {email}")>
                                "Reset second factor"
                            </button>
                        </form>
                    })}
                </div>
            </td>
        }
    });
    view! {
        <tr class="border-t border-slate-100 align-top">
            <td class="py-2 pr-3 font-medium">{row.email.clone()}{you}</td>
            <td class="py-2 pr-3">{row.role_label}</td>
            <td class="py-2 pr-3"><Badge tone text=row.status.clone()/>{pending}</td>
            <td class="py-2 pr-3">{row.created}</td>
            {actions}
        </tr>
    }
}

/// The role select and its button for one colleague.
#[component]
fn RoleForm(id: String, email: String, current: String, choices: Vec<RoleChoice>) -> impl IntoView {
    view! {
        <form method="post" action=ChangeStaffRole::url() class="flex items-center gap-1">
            <input type="hidden" name="user_id" value=id/>
            <select name="role" aria-label=format!("Role for {email}") class="rounded-md border border-slate-300 px-2 py-1 text-xs">
                {choices.into_iter().map(|c| {
                    let selected = c.value == current;
                    view! { <option value=c.value selected=selected>{c.label}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class=SMALL_BUTTON aria-label=format!("Change role of {email}")>"Change role"</button>
        </form>
    }
}

/// Inviting a new colleague with one of the roles the signed-in person may give.
#[component]
fn InviteForm(roles: Vec<RoleChoice>) -> impl IntoView {
    view! {
        <Card title="Invite a colleague">
            <form method="post" action=InviteStaff::url() class="space-y-3">
                <div>
                    <label for="invite-email" class="block text-sm font-medium">"Email"</label>
                    <input id="invite-email" name="email" type="email" required autocomplete="off" class=INPUT/>
                </div>
                <div>
                    <label for="invite-role" class="block text-sm font-medium">"Role"</label>
                    <select id="invite-role" name="role" class=INPUT>
                        {roles.into_iter().map(|c| {
                            let selected = c.value == "operator";
                            view! { <option value=c.value selected=selected>{c.label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                    "Create invitation"
                </button>
                <p class="text-xs text-slate-500">
                    "You get a one-time link to send them. It works for 72 hours."
                </p>
            </form>
        </Card>
    }
}
