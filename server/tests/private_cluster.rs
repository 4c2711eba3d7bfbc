//! With no database configured and none answering, the portal starts its own cluster.

use server::database::PrivateCluster;
use sqlx::{ConnectOptions, Connection};

#[tokio::test]
async fn a_private_cluster_is_created_started_reused_and_stopped() {
    let dir = tempfile::tempdir().unwrap();
    // Let the `postgres` user reach the folder when the tests run as root.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let port = 55000 + (std::process::id() % 1000) as u16;

    let cluster = PrivateCluster::start(dir.path(), port).expect("cluster starts");
    let mut conn = cluster.options().connect().await.expect("cluster answers");
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
    conn.close().await.unwrap();

    // A second start finds it running and does not own it.
    let again = PrivateCluster::start(dir.path(), port).expect("reuses the running cluster");
    again.stop_if_started_here();
    assert!(
        cluster.options().connect().await.is_ok(),
        "the reuser did not stop it"
    );

    cluster.stop_if_started_here();
    assert!(
        cluster.options().connect().await.is_err(),
        "stopped by its starter"
    );

    // And it comes back from the same folder.
    let restarted = PrivateCluster::start(dir.path(), port).expect("restarts from its folder");
    assert!(restarted.options().connect().await.is_ok());
    restarted.stop_if_started_here();
}
