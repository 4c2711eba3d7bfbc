//! The Vobiz upstream: the live API, or the built-in sandbox started inside the portal.

use std::net::SocketAddr;

use anyhow::Context;
use app::server::state::{Upstream, UpstreamMode};
use vobiz::sandbox::{DemoWorld, RunningSandbox, Sandbox, SandboxConfig};

use crate::settings::{Settings, UpstreamKind};

/// The upstream in use, and the sandbox behind it when there is one.
pub struct UpstreamHandle {
    /// Mode and base URL.
    pub info: Upstream,
    /// The in-process sandbox, kept alive for as long as the portal runs.
    pub sandbox: Option<RunningSandbox>,
    /// The sandbox's demo world (its credentials), when the upstream is the sandbox.
    pub demo: Option<DemoWorld>,
}

/// Starts the sandbox on a loopback port (its state kept in `<data dir>/sandbox.json`), or
/// points at the live API.
pub async fn start(settings: &Settings) -> anyhow::Result<UpstreamHandle> {
    match settings.upstream() {
        UpstreamKind::Live => Ok(UpstreamHandle {
            info: Upstream {
                mode: UpstreamMode::Live,
                base_url: settings
                    .vobiz_base_url
                    .as_str()
                    .trim_end_matches('/')
                    .to_owned(),
            },
            sandbox: None,
            demo: None,
        }),
        UpstreamKind::Sandbox => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let state_file = settings.data_dir.join("sandbox.json");
            let sandbox = Sandbox::open(&state_file, SandboxConfig::demo(settings.sandbox_seed))
                .with_context(|| {
                    format!("could not open the sandbox state {}", state_file.display())
                })?;
            let demo = sandbox.demo();
            let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
            let running = sandbox
                .spawn(addr)
                .await
                .context("could not start the sandbox")?;
            let base_url = running.base_url().trim_end_matches('/').to_owned();
            tracing::info!(%base_url, seed = settings.sandbox_seed, "Vobiz sandbox started (demo data)");
            Ok(UpstreamHandle {
                info: Upstream {
                    mode: UpstreamMode::Sandbox,
                    base_url,
                },
                sandbox: Some(running),
                demo: Some(demo),
            })
        }
    }
}
