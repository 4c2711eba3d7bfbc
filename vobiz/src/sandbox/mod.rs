//! Stateful Vobiz sandbox.
