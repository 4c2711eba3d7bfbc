//! Domain types shared by the server and the browser: roles, the permission policy, and
//! parsers for input that must be checked the same way on both sides.

pub mod customers;
pub mod identity;
pub mod policy;
