//! Typed settings, read from `PORTAL_*` environment variables (or the matching flags).
//!
//! Every variable is listed by `server --help` and in `.env.example`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use secrecy::SecretString;
use url::Url;

/// Development runs with generated secrets and the sandbox; production demands real ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// Local use: generates a development key, defaults to the sandbox, plain-http cookies.
    Development,
    /// A real deployment: every secret and address must be configured.
    Production,
}

impl Environment {
    /// The name shown on the status page.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where the portal's Vobiz calls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpstreamKind {
    /// A built-in sandbox with a seeded demo world, started inside the portal.
    Sandbox,
    /// The real Vobiz API at `PORTAL_VOBIZ_BASE_URL`.
    Live,
}

/// The portal's settings.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// development or production. Production refuses to start without its secrets.
    #[arg(
        long,
        env = "PORTAL_ENV",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub environment: Environment,

    /// Address the web server listens on.
    #[arg(
        long,
        env = "PORTAL_LISTEN",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub listen: SocketAddr,

    /// The address people reach the portal at (used for links and the Origin check).
    /// Defaults to http://<listen> in development; required in production.
    #[arg(long, env = "PORTAL_PUBLIC_URL", global = true)]
    pub public_url: Option<Url>,

    /// PostgreSQL URL. `DATABASE_URL` is used when this is not set. In development, without
    /// either, the portal uses the server on 127.0.0.1:5432 if one answers, or starts its own.
    #[arg(
        long,
        env = "PORTAL_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub database_url: Option<SecretString>,

    /// Name of the portal's database when it runs on the local server or its private
    /// cluster (a configured URL names its own database).
    #[arg(
        long,
        env = "PORTAL_DATABASE_NAME",
        default_value = "vobiz_portal",
        global = true
    )]
    pub database_name: String,

    /// Folder for local state: the private database cluster, the development key and the
    /// sandbox's state file.
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = ".data", global = true)]
    pub data_dir: PathBuf,

    /// Port of the private PostgreSQL cluster the portal starts when no database is reachable.
    #[arg(
        long,
        env = "PORTAL_PRIVATE_PG_PORT",
        default_value_t = 54329,
        global = true
    )]
    pub private_pg_port: u16,

    /// Log filter, in tracing's env-filter syntax (e.g. `info,server=debug`).
    #[arg(long, env = "PORTAL_LOG", default_value = "info", global = true)]
    pub log: String,

    /// pretty or json.
    #[arg(
        long,
        env = "PORTAL_LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,

    /// Mark session cookies Secure (HTTPS only). Defaults to true in production and false in
    /// development, where the portal is served over plain http on localhost.
    #[arg(long, env = "PORTAL_COOKIE_SECURE", global = true)]
    pub cookie_secure: Option<bool>,

    /// The master key that encrypts stored Vobiz credentials: 32 random bytes, base64.
    /// Generate one with `openssl rand -base64 32`. Required in production; development
    /// generates one under the data folder.
    #[arg(long, env = "PORTAL_MASTER_KEY", hide_env_values = true, global = true)]
    pub master_key: Option<SecretString>,

    /// Keys that PORTAL_MASTER_KEY replaced, comma-separated base64, still accepted for
    /// reading stored secrets until `server admin rotate-key` has re-sealed them.
    #[arg(
        long,
        env = "PORTAL_PREVIOUS_MASTER_KEYS",
        hide_env_values = true,
        global = true
    )]
    pub previous_master_keys: Option<SecretString>,

    /// sandbox or live. Development defaults to sandbox; production must say.
    #[arg(long, env = "PORTAL_UPSTREAM", value_enum, global = true)]
    pub upstream: Option<UpstreamKind>,

    /// Base URL of the live Vobiz API.
    #[arg(
        long,
        env = "PORTAL_VOBIZ_BASE_URL",
        default_value = "https://api.vobiz.ai",
        global = true
    )]
    pub vobiz_base_url: Url,

    /// Seed of the sandbox's demo world (same seed, same world).
    #[arg(long, env = "PORTAL_SANDBOX_SEED", default_value_t = 42, global = true)]
    pub sandbox_seed: u64,

    /// Create (once) a demo tenant connected to the sandbox, and print its login. Defaults to
    /// true in development with the sandbox upstream.
    #[arg(long, env = "PORTAL_DEMO_TENANT", global = true)]
    pub demo_tenant: Option<bool>,

    /// Seconds Vobiz has to answer one call before the portal stops waiting. A write whose
    /// answer does not come in time is recorded as unknown and reconciled, never repeated.
    #[arg(
        long,
        env = "PORTAL_VOBIZ_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub vobiz_timeout_secs: u64,

    /// Run the background work: refreshing each tenant's customer mirror and settling
    /// transfers and purchases whose answer was lost.
    #[arg(long, env = "PORTAL_BACKGROUND_JOBS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub background_jobs: bool,

    /// Seconds between refreshes of a tenant's customer mirror from Vobiz.
    #[arg(
        long,
        env = "PORTAL_SYNC_INTERVAL_SECS",
        default_value_t = 600,
        global = true
    )]
    pub sync_interval_secs: u64,

    /// Folder of the built site (`/pkg` assets). Defaults to cargo-leptos' `LEPTOS_SITE_ROOT`,
    /// else the `site` folder beside the binary's build folder.
    #[arg(long, env = "PORTAL_SITE_ROOT", global = true)]
    pub site_root: Option<PathBuf>,
}

/// A setting that is missing or wrong, said so the operator knows what to set.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Checks that production has every secret and address it needs. Development fills
    /// gaps with local defaults elsewhere; production never does.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.environment != Environment::Production {
            return Ok(());
        }
        let mut missing = Vec::new();
        if self.master_key.is_none() {
            missing.push("PORTAL_MASTER_KEY (32 random bytes, base64: `openssl rand -base64 32`)");
        }
        if self.database_url().is_none() {
            missing.push("PORTAL_DATABASE_URL (or DATABASE_URL)");
        }
        if self.public_url.is_none() {
            missing.push("PORTAL_PUBLIC_URL (the https address people use)");
        }
        if self.upstream.is_none() {
            missing.push("PORTAL_UPSTREAM (live, or sandbox for a demo deployment)");
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(SettingsError(format!(
                "production mode needs these settings, which are not set: {}",
                missing.join("; ")
            )))
        }
    }

    /// The configured database URL: `PORTAL_DATABASE_URL`, else `DATABASE_URL`.
    pub fn database_url(&self) -> Option<SecretString> {
        self.database_url.clone().or_else(|| {
            std::env::var("DATABASE_URL")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(SecretString::from)
        })
    }

    /// The public base URL, defaulting to the listen address in development.
    pub fn public_url(&self) -> Url {
        self.public_url.clone().unwrap_or_else(|| {
            Url::parse(&format!("http://{}", self.listen)).expect("a socket address forms a URL")
        })
    }

    /// Whether session cookies are marked Secure.
    pub fn cookie_secure(&self) -> bool {
        self.cookie_secure
            .unwrap_or(self.environment == Environment::Production)
    }

    /// The upstream kind, defaulting to the sandbox in development.
    pub fn upstream(&self) -> UpstreamKind {
        self.upstream.unwrap_or(UpstreamKind::Sandbox)
    }

    /// Whether to set up the demo tenant.
    pub fn demo_tenant(&self) -> bool {
        self.demo_tenant.unwrap_or(
            self.environment == Environment::Development
                && self.upstream() == UpstreamKind::Sandbox,
        )
    }

    /// Where the built site lives.
    pub fn site_root(&self) -> PathBuf {
        if let Some(root) = &self.site_root {
            return root.clone();
        }
        if let Ok(root) = std::env::var("LEPTOS_SITE_ROOT") {
            return PathBuf::from(root);
        }
        // target/<profile>/server → target/site
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent()?.parent().map(|p| p.join("site")))
            .filter(|p| p.is_dir())
            .unwrap_or_else(|| PathBuf::from("target/site"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
    }

    fn parse(args: &[&str]) -> Settings {
        let mut all = vec!["server"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).expect("arguments parse").settings
    }

    #[test]
    fn production_without_secrets_is_refused_and_names_them() {
        let settings = parse(&["--environment", "production"]);
        let err = settings.validate().expect_err("production needs secrets");
        let text = err.to_string();
        assert!(text.contains("PORTAL_MASTER_KEY"), "{text}");
        assert!(text.contains("PORTAL_PUBLIC_URL"), "{text}");
        assert!(text.contains("PORTAL_UPSTREAM"), "{text}");
    }

    #[test]
    fn production_with_everything_starts() {
        let settings = parse(&[
            "--environment",
            "production",
            "--master-key",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "--database-url",
            "postgres://db.internal/portal",
            "--public-url",
            "https://portal.example.com",
            "--upstream",
            "live",
        ]);
        settings
            .validate()
            .expect("complete production settings pass");
        assert!(settings.cookie_secure());
    }

    #[test]
    fn development_defaults_are_local() {
        let settings = parse(&["--listen", "127.0.0.1:4000"]);
        settings.validate().expect("development needs nothing");
        assert_eq!(settings.public_url().as_str(), "http://127.0.0.1:4000/");
        assert!(!settings.cookie_secure());
        assert_eq!(settings.upstream(), UpstreamKind::Sandbox);
    }
}
