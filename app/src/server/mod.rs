//! Server-only code: state, security and the functions behind the server functions.

pub mod accounts;
pub mod audit;
pub mod audit_view;
pub mod auth;
pub mod connections;
pub mod customer_users;
pub mod customers;
pub mod db;
pub mod forms;
pub mod links;
pub mod numbers;
pub mod operators;
pub mod passwords;
pub mod purchases;
pub mod request;
pub mod security;
pub mod staff;
pub mod state;
pub mod status;
pub mod tenants;
pub mod totp;
pub mod transfers;
pub mod upstream;
pub mod vault;
