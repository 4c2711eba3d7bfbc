//! The error type every server function returns.
//!
//! It carries only what a user may see. Causes (database, upstream, I/O) are logged on the
//! server with their request id and become [`AppError::Internal`] for the browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was not acceptable; the message says what to change.
    #[error("{0}")]
    Invalid(String),
    /// The caller is not signed in.
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// The caller is signed in but may not do this.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// The thing asked for does not exist (or is not visible to the caller).
    #[error("{0} was not found.")]
    NotFound(String),
    /// Something failed on the server; details are in the server log under this request id.
    #[error(
        "Something went wrong on our side. If it keeps happening, quote request id {request_id}."
    )]
    Internal {
        /// The id of the request, as returned in the `x-request-id` header.
        request_id: String,
    },
    /// The request did not reach the server function or its answer could not be read.
    #[error("The request could not be completed ({0}). Check your connection and try again.")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 400,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 502,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_error_shows_request_id_and_nothing_else() {
        let err = AppError::Internal {
            request_id: "abc-123".into(),
        };
        let text = err.to_string();
        assert!(text.contains("abc-123"));
        assert_eq!(err.status(), 500);
    }

    #[test]
    fn errors_round_trip_through_the_wire_encoding() {
        for err in [
            AppError::Invalid("Amount must be positive.".into()),
            AppError::NotFound("Customer".into()),
            AppError::Forbidden,
        ] {
            let bytes = err.ser();
            assert_eq!(AppError::de(bytes), err);
        }
    }
}
