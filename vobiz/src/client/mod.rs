//! Typed Vobiz client.
