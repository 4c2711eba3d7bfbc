//! The audit log: append-only entries that form a hash chain per tenant.
//!
//! Entries are written inside the caller's tenant-scoped transaction, so an operation and its
//! audit entry commit together. The hash of each entry covers the previous entry's hash and
//! every field of its own (see `audit_payload` in the migrations), so editing, removing or
//! reordering any entry breaks the chain from there on.

use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// How an audited operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It happened.
    Ok,
    /// It was refused by the portal (permissions, validation, throttling).
    Denied,
    /// It was attempted and did not happen.
    Failed,
    /// It was attempted and whether it happened is not known yet (e.g. Vobiz timed out).
    Unknown,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Who did it, as they were at the time.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The user, when one is signed in.
    pub user_id: Option<Uuid>,
    /// Their email (or the email tried, for a failed sign-in).
    pub email: Option<String>,
    /// Their role at the time (`owner`, …, `customer`, `operator-cli`).
    pub role: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_ip: Option<std::net::IpAddr>,
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The tenant it belongs to.
    pub tenant_id: Uuid,
    /// Who.
    pub actor: Actor,
    /// What, as a dotted name (`auth.sign_in`, `staff.invite`, `number.purchase`, …).
    pub action: String,
    /// The kind of thing acted on (`user`, `customer`, `number`, `setting`).
    pub target_type: Option<String>,
    /// Which one.
    pub target_id: Option<String>,
    /// The parameters (never secrets).
    pub params: serde_json::Value,
    /// How it ended.
    pub outcome: Outcome,
    /// Vobiz's HTTP status, when Vobiz was called.
    pub upstream_status: Option<i32>,
    /// Vobiz's message, when it gave one.
    pub upstream_message: Option<String>,
}

impl Entry {
    /// An entry with no target, parameters or upstream outcome yet.
    pub fn new(tenant_id: Uuid, actor: &Actor, action: &str, outcome: Outcome) -> Self {
        Entry {
            tenant_id,
            actor: actor.clone(),
            action: action.to_owned(),
            target_type: None,
            target_id: None,
            params: serde_json::Value::Object(Default::default()),
            outcome,
            upstream_status: None,
            upstream_message: None,
        }
    }

    /// Names the target.
    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.target_type = Some(kind.to_owned());
        self.target_id = Some(id.to_string());
        self
    }

    /// Sets the parameters.
    pub fn params(mut self, params: serde_json::Value) -> Self {
        self.params = params;
        self
    }
}

/// Appends `entry` on `conn` (a transaction scoped to the entry's tenant). Entries of one
/// tenant are serialised by an advisory lock so the chain has no forks.
pub async fn append(conn: &mut PgConnection, entry: &Entry) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('audit:' || $1::text, 0))")
        .bind(entry.tenant_id)
        .execute(&mut *conn)
        .await?;
    let client_ip = entry.actor.client_ip.map(|ip| ip.to_string());
    sqlx::query_scalar(
        r#"
        WITH head AS (
            SELECT coalesce(max(seq), 0) AS seq,
                   coalesce((SELECT hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1),
                            '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS hash
            FROM audit_log WHERE tenant_id = $1
        ), row AS (
            SELECT $1::uuid AS tenant_id, head.seq + 1 AS seq, clock_timestamp() AS at, head.hash AS prev_hash
            FROM head
        )
        INSERT INTO audit_log (tenant_id, seq, at, actor_id, actor_email, actor_role, action,
                               target_type, target_id, params, outcome, upstream_status,
                               upstream_message, request_id, client_ip, prev_hash, hash)
        SELECT row.tenant_id, row.seq, row.at, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
               $13::inet, row.prev_hash,
               sha256(row.prev_hash || audit_payload(row.tenant_id, row.seq, row.at, $2, $3, $4,
                      $5, $6, $7, $8, $9, $10, $11, $12, $13::inet))
        FROM row
        RETURNING seq
        "#,
    )
    .bind(entry.tenant_id)
    .bind(entry.actor.user_id)
    .bind(&entry.actor.email)
    .bind(&entry.actor.role)
    .bind(&entry.action)
    .bind(&entry.target_type)
    .bind(&entry.target_id)
    .bind(&entry.params)
    .bind(entry.outcome.as_str())
    .bind(entry.upstream_status)
    .bind(&entry.upstream_message)
    .bind(&entry.actor.request_id)
    .bind(client_ip)
    .fetch_one(&mut *conn)
    .await
}

/// Appends `entry` in a transaction of its own (for events that change nothing else).
pub async fn record(pool: &PgPool, entry: &Entry) -> Result<i64, sqlx::Error> {
    let mut tx = super::db::begin_for(pool, entry.tenant_id).await?;
    let seq = append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(seq)
}

/// The first entry whose link in the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// Its position in the tenant's chain.
    pub seq: i64,
    /// What is wrong with it.
    pub reason: String,
}

/// Checks a tenant's chain from the start: each entry's `prev_hash` must be the hash of the
/// one before it, sequence numbers must have no gaps, and each hash must match its entry.
/// Returns the number of entries checked, or the first broken link.
pub async fn verify_chain(
    pool: &PgPool,
    tenant: Uuid,
) -> Result<Result<i64, BrokenLink>, sqlx::Error> {
    let mut tx = super::db::begin_for(pool, tenant).await?;
    let rows: Vec<(i64, bool, bool, bool)> = sqlx::query_as(
        r#"
        SELECT seq,
               seq = row_number() OVER (ORDER BY seq) AS in_order,
               prev_hash = coalesce(lag(hash) OVER (ORDER BY seq),
                   '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS linked,
               hash = sha256(prev_hash || audit_payload(tenant_id, seq, at, actor_id, actor_email,
                   actor_role, action, target_type, target_id, params, outcome, upstream_status,
                   upstream_message, request_id, client_ip)) AS intact
        FROM audit_log WHERE tenant_id = $1 ORDER BY seq
        "#,
    )
    .bind(tenant)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    for (seq, in_order, linked, intact) in &rows {
        let reason = if !in_order {
            "an entry before it is missing"
        } else if !linked {
            "it does not follow the entry before it (removed or reordered)"
        } else if !intact {
            "its contents no longer match its hash (edited)"
        } else {
            continue;
        };
        return Ok(Err(BrokenLink {
            seq: *seq,
            reason: reason.to_owned(),
        }));
    }
    Ok(Ok(rows.len() as i64))
}
