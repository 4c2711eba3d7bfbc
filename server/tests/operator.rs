//! The platform operator: account from the CLI, sign-in, tenant list, tenant creation.

mod common;

use common::spawn_app;

async fn operator(app: &common::TestApp) -> (String, String) {
    let email = "ops@platform.test".to_owned();
    let password = "copper lantern meadow drift".to_owned();
    app::server::operators::create(
        &app.pool().await,
        &app::domain::identity::Email::parse(&email).unwrap(),
        secrecy::SecretString::from(password.clone()),
    )
    .await
    .unwrap();
    (email, password)
}

#[tokio::test]
async fn an_operator_signs_in_lists_tenants_and_creates_one_with_an_owner_link() {
    let app = spawn_app().await;
    app.tenant_with_owner("acme").await;
    let (email, password) = operator(&app).await;

    let refused = app
        .post_form(
            "/api/operator_sign_in",
            &[("email", &email), ("password", "wrong wrong wrong")],
        )
        .await;
    assert!(refused.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/operator/login?error="));
    let ok = app
        .post_form(
            "/api/operator_sign_in",
            &[("email", &email), ("password", &password)],
        )
        .await;
    assert_eq!(ok.headers()["location"], "/operator");

    let page = app.get("/operator").await.text().await.unwrap();
    assert!(page.contains("acme telecom"), "the tenant list shows names");

    let created = app
        .post_form(
            "/api/operator_create_tenant",
            &[
                ("slug", "beta"),
                ("name", "Beta Telecom"),
                ("owner_email", "boss@beta.test"),
            ],
        )
        .await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("link=http"), "{location}");
    let link = location.split("link=").nth(1).unwrap();
    let link = percent_decode(link);
    let token = link.rsplit('/').next().unwrap().to_owned();
    let holder = app::server::links::inspect(&app.pool().await, &token)
        .await
        .unwrap();
    assert_eq!(holder.email, "boss@beta.test");

    let dup = app
        .post_form(
            "/api/operator_create_tenant",
            &[
                ("slug", "beta"),
                ("name", "Again"),
                ("owner_email", "x@beta.test"),
            ],
        )
        .await;
    assert!(dup.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error="));
}

#[tokio::test]
async fn staff_are_not_operators_and_anonymous_visitors_create_nothing() {
    let app = spawn_app().await;
    let (_, owner) = app.tenant_with_owner("acme").await;
    app.sign_in(&owner, common::PASSWORD).await;
    let res = app
        .post_form(
            "/api/operator_create_tenant",
            &[
                ("slug", "evil"),
                ("name", "Evil"),
                ("owner_email", "e@evil.test"),
            ],
        )
        .await;
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(!location.contains("link="), "{location}");
    assert!(res.text().await.unwrap().contains("Unauthorized"));
    let listed = app::server::operators::tenants(&app.pool().await)
        .await
        .unwrap();
    assert!(
        listed.iter().all(|t| t.slug != "evil"),
        "no tenant was created"
    );
    let page = app.get("/operator").await.text().await.unwrap();
    assert!(
        page.contains("Sign in as operator"),
        "staff are not operators"
    );
    assert!(
        !page.contains("New tenant"),
        "staff do not see the operator's page"
    );
}

#[tokio::test]
async fn the_cli_creates_an_operator_who_can_sign_in() {
    let app = spawn_app().await;
    let data_dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["admin", "create-operator", "--email", "Ops@Platform.test"])
        .env("PORTAL_DATABASE_URL", common::database_url(app.db_name()))
        .env("PORTAL_DATA_DIR", data_dir.path())
        .env("PORTAL_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let password = stdout
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 24)
        .expect("a password line")
        .to_owned();
    let ok = app
        .post_form(
            "/api/operator_sign_in",
            &[("email", "ops@platform.test"), ("password", &password)],
        )
        .await;
    assert_eq!(ok.headers()["location"], "/operator");
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
