//! Logging: an env filter and pretty or JSON lines.

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::settings::LogFormat;

/// Installs the global subscriber. Safe to call more than once (later calls do nothing).
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("PORTAL_LOG {filter:?} is not a valid filter ({e}); using `info`");
        EnvFilter::new("info")
    });
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Pretty => registry.with(fmt::layer().with_target(false)).try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init(),
    };
}
