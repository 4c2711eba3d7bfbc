//! Components shared by every page.

pub mod layout;
pub mod ui;
