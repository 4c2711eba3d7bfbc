//! The frame around every page: header, navigation and content area.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::auth::SignOut;
use crate::components::session::SessionContext;
use leptos::server_fn::ServerFn;

/// The areas of the portal, in navigation order.
const AREAS: &[(&str, &str)] = &[
    ("/dashboard", "Dashboard"),
    ("/customers", "Customers"),
    ("/transfers", "Transfers"),
    ("/numbers", "Numbers"),
    ("/audit", "Audit log"),
    ("/settings", "Settings"),
    ("/status", "Status"),
];

/// The responsive page frame. On small screens the navigation folds behind a menu button.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let menu_open = RwSignal::new(false);
    view! {
        <div class="min-h-full">
            <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:p-2 focus:bg-white">
                "Skip to content"
            </a>
            <header class="bg-slate-900 text-white">
                <div class="mx-auto flex max-w-7xl items-center justify-between px-4 py-3 sm:px-6">
                    <a href="/" class="text-lg font-semibold tracking-tight">"Reseller portal"</a>
                    <button
                        type="button"
                        class="rounded-md px-3 py-2 text-sm font-medium ring-1 ring-white/30 hover:bg-white/10 md:hidden"
                        aria-controls="primary-nav"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| menu_open.update(|open| *open = !*open)
                    >
                        "Menu"
                    </button>
                    <nav id="primary-nav" aria-label="Primary" class="hidden md:block">
                        <NavLinks/>
                    </nav>
                    <Account/>
                </div>
                <nav
                    aria-label="Primary (compact)"
                    class="border-t border-white/10 px-4 pb-3 md:hidden"
                    class:hidden=move || !menu_open.get()
                    on:click=move |_| menu_open.set(false)
                >
                    <NavLinks/>
                </nav>
            </header>
            <main id="main" class="mx-auto max-w-7xl px-4 py-6 sm:px-6">{children()}</main>
        </div>
    }
}

/// Who is signed in, with the sign-out button; or a sign-in link.
#[component]
fn Account() -> impl IntoView {
    let SessionContext { me } = SessionContext::get();
    view! {
        <Transition fallback=|| ()>
            {move || me.get().map(|me| match me {
                Ok(Some(me)) => view! {
                    <div class="hidden items-center gap-3 text-sm md:flex">
                        <span class="text-slate-300">
                            <span class="font-medium text-white">{me.email}</span>
                            {format!(" · {} · {}", me.role, me.tenant_name)}
                        </span>
                        <form method="post" action=SignOut::url()>
                            <button type="submit" class="rounded-md px-3 py-2 ring-1 ring-white/30 hover:bg-white/10">
                                "Sign out"
                            </button>
                        </form>
                    </div>
                }.into_any(),
                _ => view! {
                    <a href="/login" class="hidden rounded-md px-3 py-2 text-sm ring-1 ring-white/30 hover:bg-white/10 md:block">
                        "Sign in"
                    </a>
                }.into_any(),
            })}
        </Transition>
    }
}

/// What a customer user's navigation shows.
const CUSTOMER_AREAS: &[(&str, &str)] = &[("/my", "My account")];

#[component]
fn NavLinks() -> impl IntoView {
    let SessionContext { me } = SessionContext::get();
    let areas = move || match me.get() {
        Some(Ok(Some(m))) if m.role == "Customer" => CUSTOMER_AREAS,
        _ => AREAS,
    };
    view! {
        <Transition fallback=|| ()>
        <ul class="flex flex-col gap-1 md:flex-row md:gap-2">
            {move || areas()
                .iter()
                .map(|(href, label)| {
                    view! {
                        <li>
                            <A
                                href=*href
                                attr:class="block rounded-md px-3 py-2 text-sm font-medium text-slate-200 hover:bg-white/10 hover:text-white aria-[current=page]:bg-white/15 aria-[current=page]:text-white"
                            >
                                {*label}
                            </A>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        </Transition>
    }
}
