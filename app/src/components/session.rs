//! Who is signed in, shared by every page: the header and the guards of pages that need a
//! signed-in person read one resource. Signing in and out are plain form posts followed by a
//! full page load, so this resource is always fresh and no page is shown on stale state.

use leptos::prelude::*;

use crate::api::auth::{whoami, Me};
use crate::error::AppError;

/// The signed-in state.
#[derive(Clone, Copy)]
pub struct SessionContext {
    /// Who is signed in.
    pub me: Resource<Result<Option<Me>, AppError>>,
}

impl SessionContext {
    /// Creates the context and provides it to every page.
    pub fn provide() -> Self {
        let me = Resource::new(|| (), |_| whoami());
        let ctx = SessionContext { me };
        provide_context(ctx);
        ctx
    }

    /// The context provided by [`SessionContext::provide`].
    pub fn get() -> Self {
        expect_context()
    }

    /// `Some(true)` when someone is signed in, `None` while that is being found out.
    pub fn signed_in(&self) -> Option<bool> {
        self.me.get().map(|r| matches!(r, Ok(Some(_))))
    }

    /// The signed-in person must set up a second factor before using other pages.
    pub fn must_enrol_totp(&self) -> bool {
        matches!(self.me.get(), Some(Ok(Some(me))) if me.must_enrol_totp)
    }

    /// [`Self::must_enrol_totp`], without tracking.
    pub fn must_enrol_totp_untracked(&self) -> bool {
        matches!(self.me.get_untracked(), Some(Ok(Some(me))) if me.must_enrol_totp)
    }
}
