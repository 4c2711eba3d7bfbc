//! Readiness reports a database that does not answer.

use std::sync::Arc;
use std::time::Duration;

use app::server::state::{AppState, Upstream, UpstreamMode};
use app::server::vault::{MasterKey, Vault};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use leptos::config::LeptosOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tower::ServiceExt;

#[tokio::test]
async fn readyz_is_503_when_the_database_does_not_answer() {
    // Nothing listens on port 1.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy_with(PgConnectOptions::new().host("127.0.0.1").port(1));
    let state = AppState {
        leptos_options: LeptosOptions::builder().output_name("portal").build(),
        pool,
        vobiz: vobiz::client::Client::new("https://api.vobiz.ai", Default::default()).unwrap(),
        upstream: Arc::new(Upstream {
            mode: UpstreamMode::Live,
            base_url: "https://api.vobiz.ai".into(),
        }),
        vault: Arc::new(Vault::new(MasterKey::generate(), vec![], false)),
        environment: "development",
        public_url: "http://127.0.0.1:3000".into(),
    };
    let res = server::startup::routes(state)
        .oneshot(Request::get("/readyz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}
