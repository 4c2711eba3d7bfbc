//! One module per page.

pub mod accept;
pub mod audit;
pub mod login;
pub mod not_found;
pub mod operator;
pub mod placeholder;
pub mod settings_index;
pub mod settings_pages;
pub mod staff;
pub mod status;
pub mod two_factor;
