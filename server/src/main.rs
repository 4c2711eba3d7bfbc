//! The `server` command: serve the portal, migrate its database, or run the Vobiz sandbox.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use server::settings::Settings;
use server::startup::Application;
use server::{database, telemetry};

/// The reseller portal for Vobiz partners.
///
/// Settings come from PORTAL_* environment variables (see .env.example) or the flags below.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default): migrates the database, starts the upstream, listens.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Platform operator commands: tenants, audit verification, key rotation.
    Admin {
        #[command(subcommand)]
        command: server::admin::AdminCommand,
    },
    /// Run the Vobiz sandbox on its own, with the seeded demo world.
    Sandbox {
        /// Address the sandbox listens on.
        #[arg(long, env = "PORTAL_SANDBOX_LISTEN", default_value = "127.0.0.1:3100")]
        listen: SocketAddr,
        /// File the sandbox keeps its state in (written atomically after every change).
        /// Without it the sandbox keeps its state in memory only.
        #[arg(long, env = "PORTAL_SANDBOX_STATE")]
        state_file: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(&cli.settings.log, cli.settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings).await,
        Command::Migrate => migrate(cli.settings).await,
        Command::Admin { command } => server::admin::run(cli.settings, command).await,
        Command::Sandbox { listen, state_file } => {
            let config = vobiz::sandbox::SandboxConfig::demo(cli.settings.sandbox_seed);
            vobiz::sandbox::serve_standalone(listen, state_file, config)
                .await
                .map_err(Into::into)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let url = format!("http://127.0.0.1:{}", app.port());
    tracing::info!("portal listening on {url} (Ctrl-C stops it)");
    println!("\n  The portal is running at {url}\n  Press Ctrl-C to stop it.\n");
    if let Some(login) = app.demo_login() {
        server::demo::announce(login, &url);
    }
    app.run_until_stopped(shutdown_signal()).await
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    settings.validate()?;
    let server = database::locate(&settings).await?;
    let name = server
        .options
        .get_database()
        .unwrap_or("postgres")
        .to_owned();
    database::ensure_database(&server, &name).await?;
    database::migrate(&server.options).await?;
    println!("migrations applied to {}", server.describe());
    if let database::Origin::Private(cluster) = &server.origin {
        cluster.stop_if_started_here();
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
