//! Components shared by every page.

pub mod layout;
pub mod session;
pub mod ui;
