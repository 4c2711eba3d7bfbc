//! Reading the audit log: filtered, paged lists and the CSV export.
//!
//! Every read runs in a transaction scoped to the caller's tenant, and the queries name the
//! tenant as well, so another tenant's entries cannot appear whatever the filters say.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::db;
use crate::api::audit::{AuditFilters, AuditRow};
use crate::error::AppError;

/// Entries per page unless the caller asks for another size.
pub const PAGE_SIZE: u32 = 50;
/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The most entries one CSV export holds; a larger set must be narrowed first.
pub const EXPORT_LIMIT: i64 = 100_000;
/// The longest filter text accepted.
const MAX_FILTER_LEN: usize = 200;

/// How the action filter matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionFilter {
    /// This action exactly.
    Exact(String),
    /// Every action starting with this (e.g. `auth.`).
    Prefix(String),
}

/// Checked filters, ready for the query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Part of the actor's email (any case).
    pub actor: Option<String>,
    /// The action, exactly or by prefix.
    pub action: Option<ActionFilter>,
    /// The target's kind, exactly.
    pub target_type: Option<String>,
    /// Part of the target's id (any case).
    pub target_id: Option<String>,
    /// `ok`, `denied`, `failed` or `unknown`.
    pub outcome: Option<String>,
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant (the day after the last day asked for).
    pub before: Option<DateTime<Utc>>,
}

fn text(value: &str, what: &str) -> Result<Option<String>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > MAX_FILTER_LEN {
        return Err(AppError::Invalid(format!(
            "The {what} filter is too long: use at most {MAX_FILTER_LEN} characters."
        )));
    }
    Ok(Some(value.to_owned()))
}

fn day(value: &str, what: &str) -> Result<Option<NaiveDate>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            AppError::Invalid(format!(
                "The {what} date \"{value}\" is not a date: write it as YYYY-MM-DD, e.g. 2026-11-23."
            ))
        })
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

impl Filters {
    /// Checks the filters as typed; says in plain words what to fix.
    pub fn parse(raw: &AuditFilters) -> Result<Self, AppError> {
        let actor = text(&raw.actor, "actor")?;
        let action = text(&raw.action, "action")?.map(|a| {
            let a = a.to_lowercase();
            match a.strip_suffix('*') {
                Some(prefix) => ActionFilter::Prefix(prefix.to_owned()),
                None if a.ends_with('.') => ActionFilter::Prefix(a),
                None => ActionFilter::Exact(a),
            }
        });
        let target_type = text(&raw.target_type, "target type")?.map(|t| t.to_lowercase());
        let target_id = text(&raw.target_id, "target id")?;
        let outcome = match text(&raw.outcome, "outcome")?.map(|o| o.to_lowercase()) {
            None => None,
            Some(o) if ["ok", "denied", "failed", "unknown"].contains(&o.as_str()) => Some(o),
            Some(o) => {
                return Err(AppError::Invalid(format!(
                    "The outcome \"{o}\" is not one the log records: choose ok, denied, failed or unknown."
                )))
            }
        };
        let from = day(&raw.from, "from")?;
        let to = day(&raw.to, "to")?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(AppError::Invalid(format!(
                    "The from date ({from}) is after the to date ({to}): swap them or widen the range."
                )));
            }
        }
        let before = match to {
            Some(to) => Some(start_of(to.succ_opt().ok_or_else(|| {
                AppError::Invalid("The to date is too far in the future.".into())
            })?)),
            None => None,
        };
        Ok(Filters {
            actor,
            action,
            target_type,
            target_id,
            outcome,
            from: from.map(start_of),
            before,
        })
    }
}

/// Which page, and how big.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 1.
    pub page: u32,
    /// Entries per page, 1 to [`MAX_PAGE_SIZE`].
    pub per_page: u32,
}

impl Paging {
    /// Checks a page number and an optional page size ([`PAGE_SIZE`] by default).
    pub fn new(page: u32, per_page: Option<u32>) -> Result<Self, AppError> {
        if page == 0 {
            return Err(AppError::Invalid(
                "The page number must be a whole number from 1.".into(),
            ));
        }
        let per_page = per_page.unwrap_or(PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&per_page) {
            return Err(AppError::Invalid(format!(
                "A page holds 1 to {MAX_PAGE_SIZE} entries: ask for a size in that range."
            )));
        }
        Ok(Paging { page, per_page })
    }

    fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// One stored audit entry.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Record {
    /// When.
    pub at: DateTime<Utc>,
    /// Position in the tenant's chain.
    pub seq: i64,
    /// Who.
    pub actor_email: Option<String>,
    /// Their role at the time.
    pub actor_role: Option<String>,
    /// What.
    pub action: String,
    /// The kind of target.
    pub target_type: Option<String>,
    /// Which one.
    pub target_id: Option<String>,
    /// How it ended.
    pub outcome: String,
    /// Vobiz's HTTP status.
    pub upstream_status: Option<i32>,
    /// Vobiz's message.
    pub upstream_message: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_ip: Option<String>,
    /// The parameters.
    pub params: serde_json::Value,
}

impl Record {
    /// The entry as the page shows it.
    pub fn into_row(self) -> AuditRow {
        AuditRow {
            seq: self.seq,
            at: self.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            at_rfc3339: self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            actor_email: self.actor_email,
            actor_role: self.actor_role,
            action: self.action,
            target_type: self.target_type,
            target_id: self.target_id,
            outcome: self.outcome,
            upstream_status: self.upstream_status,
            upstream_message: self.upstream_message,
            request_id: self.request_id,
        }
    }
}

/// A `LIKE` pattern matching `s` literally.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The filter conditions on parameters $1 (tenant) to $9, shared by the count and the list.
const WHERE: &str = r"
    WHERE tenant_id = $1
      AND ($2::text IS NULL OR actor_email ILIKE $2 ESCAPE '\')
      AND ($3::text IS NULL OR action = $3)
      AND ($4::text IS NULL OR action LIKE $4 ESCAPE '\')
      AND ($5::text IS NULL OR target_type = $5)
      AND ($6::text IS NULL OR target_id ILIKE $6 ESCAPE '\')
      AND ($7::text IS NULL OR outcome = $7)
      AND ($8::timestamptz IS NULL OR at >= $8)
      AND ($9::timestamptz IS NULL OR at < $9)";

const COLUMNS: &str = "at, seq, actor_email, actor_role, action, target_type, target_id, \
     outcome, upstream_status, upstream_message, request_id, host(client_ip) AS client_ip, params";

/// The values for $2 to $9.
struct Binds {
    actor: Option<String>,
    exact: Option<String>,
    prefix: Option<String>,
    target_type: Option<String>,
    target_id: Option<String>,
    outcome: Option<String>,
    from: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

impl Binds {
    fn of(f: &Filters) -> Self {
        let contains = |s: &Option<String>| s.as_ref().map(|s| format!("%{}%", like_escape(s)));
        Binds {
            actor: contains(&f.actor),
            exact: match &f.action {
                Some(ActionFilter::Exact(a)) => Some(a.clone()),
                _ => None,
            },
            prefix: match &f.action {
                Some(ActionFilter::Prefix(p)) => Some(format!("{}%", like_escape(p))),
                _ => None,
            },
            target_type: f.target_type.clone(),
            target_id: contains(&f.target_id),
            outcome: f.outcome.clone(),
            from: f.from,
            before: f.before,
        }
    }
}

macro_rules! bind_filters {
    ($query:expr, $tenant:expr, $b:expr) => {
        $query
            .bind($tenant)
            .bind(&$b.actor)
            .bind(&$b.exact)
            .bind(&$b.prefix)
            .bind(&$b.target_type)
            .bind(&$b.target_id)
            .bind(&$b.outcome)
            .bind($b.from)
            .bind($b.before)
    };
}

async fn count_in(
    conn: &mut sqlx::PgConnection,
    tenant: Uuid,
    binds: &Binds,
) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT count(*) FROM audit_log {WHERE}");
    bind_filters!(sqlx::query_scalar::<_, i64>(&sql), tenant, binds)
        .fetch_one(&mut *conn)
        .await
}

async fn rows_in(
    conn: &mut sqlx::PgConnection,
    tenant: Uuid,
    binds: &Binds,
    limit: i64,
    offset: i64,
) -> Result<Vec<Record>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log {WHERE} ORDER BY at DESC, seq DESC LIMIT $10 OFFSET $11"
    );
    bind_filters!(sqlx::query_as::<_, Record>(&sql), tenant, binds)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await
}

/// One page of `tenant`'s entries matching `filters`, newest first, and how many match in all.
pub async fn list(
    pool: &PgPool,
    tenant: Uuid,
    filters: &Filters,
    paging: Paging,
) -> Result<(Vec<Record>, i64), sqlx::Error> {
    let binds = Binds::of(filters);
    let mut tx = db::begin_for(pool, tenant).await?;
    let total = count_in(&mut tx, tenant, &binds).await?;
    let rows = rows_in(
        &mut tx,
        tenant,
        &binds,
        i64::from(paging.per_page),
        paging.offset(),
    )
    .await?;
    tx.commit().await?;
    Ok((rows, total))
}

/// A CSV file of the filtered log.
#[derive(Debug)]
pub struct CsvExport {
    /// `audit-<tenant-slug>-<date>.csv`
    pub filename: String,
    /// The file, UTF-8.
    pub body: Vec<u8>,
    /// How many entries it holds.
    pub rows: usize,
}

/// The CSV header row.
pub const CSV_HEADER: [&str; 13] = [
    "time",
    "seq",
    "actor_email",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "upstream_status",
    "upstream_message",
    "request_id",
    "client_ip",
    "params",
];

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-` or `@`
/// (or a tab or carriage return) gets a leading `'`.
pub fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}").into(),
        _ => value.into(),
    }
}

/// Every entry of `tenant` matching `filters` (newest first) as a CSV file. Refuses, rather
/// than cutting the file short, when more than [`EXPORT_LIMIT`] entries match.
pub async fn export_csv(
    pool: &PgPool,
    tenant: Uuid,
    filters: &Filters,
) -> Result<Result<CsvExport, AppError>, sqlx::Error> {
    let binds = Binds::of(filters);
    let mut tx = db::begin_for(pool, tenant).await?;
    let slug: String = sqlx::query_scalar("SELECT slug FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_one(&mut *tx)
        .await?;
    let total = count_in(&mut tx, tenant, &binds).await?;
    if total > EXPORT_LIMIT {
        tx.commit().await?;
        return Ok(Err(AppError::Invalid(format!(
            "{total} entries match, more than the {EXPORT_LIMIT} one export holds: narrow the dates or other filters and export again."
        ))));
    }
    let records = rows_in(&mut tx, tenant, &binds, EXPORT_LIMIT, 0).await?;
    tx.commit().await?;

    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = (|| -> Result<(), csv::Error> {
        writer.write_record(CSV_HEADER)?;
        for r in &records {
            let opt = |s: &Option<String>| csv_cell(s.as_deref().unwrap_or("")).into_owned();
            writer.write_record([
                r.at.to_rfc3339_opts(SecondsFormat::Micros, true),
                r.seq.to_string(),
                opt(&r.actor_email),
                opt(&r.actor_role),
                csv_cell(&r.action).into_owned(),
                opt(&r.target_type),
                opt(&r.target_id),
                r.outcome.clone(),
                r.upstream_status.map(|s| s.to_string()).unwrap_or_default(),
                opt(&r.upstream_message),
                opt(&r.request_id),
                opt(&r.client_ip),
                csv_cell(&r.params.to_string()).into_owned(),
            ])?;
        }
        writer.flush()?;
        Ok(())
    })();
    written.map_err(|e| sqlx::Error::Protocol(format!("writing the CSV failed: {e}")))?;
    let body = writer
        .into_inner()
        .map_err(|e| sqlx::Error::Protocol(format!("writing the CSV failed: {e}")))?;
    Ok(Ok(CsvExport {
        filename: format!("audit-{slug}-{}.csv", Utc::now().format("%Y-%m-%d")),
        body,
        rows: records.len(),
    }))
}

/// Logs a failed read and answers with the opaque error the browser sees.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = super::request::request_id();
    tracing::error!(%request_id, %error, "reading the audit log failed");
    AppError::Internal { request_id }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(f: impl FnOnce(&mut AuditFilters)) -> AuditFilters {
        let mut a = AuditFilters::default();
        f(&mut a);
        a
    }

    #[test]
    fn empty_filters_match_everything() {
        assert_eq!(
            Filters::parse(&AuditFilters::default()).unwrap(),
            Filters::default()
        );
    }

    #[test]
    fn an_action_ending_in_a_dot_or_star_is_a_prefix() {
        let f = Filters::parse(&raw(|a| a.action = " Auth. ".into())).unwrap();
        assert_eq!(f.action, Some(ActionFilter::Prefix("auth.".into())));
        let f = Filters::parse(&raw(|a| a.action = "staff.*".into())).unwrap();
        assert_eq!(f.action, Some(ActionFilter::Prefix("staff.".into())));
        let f = Filters::parse(&raw(|a| a.action = "auth.sign_in".into())).unwrap();
        assert_eq!(f.action, Some(ActionFilter::Exact("auth.sign_in".into())));
    }

    #[test]
    fn bad_dates_and_outcomes_are_refused_in_plain_words() {
        let e = Filters::parse(&raw(|a| a.from = "23/11/2026".into())).unwrap_err();
        assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
        let e = Filters::parse(&raw(|a| a.outcome = "maybe".into())).unwrap_err();
        assert!(
            e.to_string().contains("ok, denied, failed or unknown"),
            "{e}"
        );
        let e = Filters::parse(&raw(|a| {
            a.from = "2026-11-24".into();
            a.to = "2026-11-23".into();
        }))
        .unwrap_err();
        assert!(e.to_string().contains("after the to date"), "{e}");
    }

    #[test]
    fn the_to_date_includes_its_whole_day() {
        let f = Filters::parse(&raw(|a| {
            a.from = "2026-11-23".into();
            a.to = "2026-11-23".into();
        }))
        .unwrap();
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-11-23T00:00:00+00:00");
        assert_eq!(f.before.unwrap().to_rfc3339(), "2026-11-24T00:00:00+00:00");
    }

    #[test]
    fn paging_is_bounded() {
        assert!(Paging::new(0, None).is_err());
        assert!(Paging::new(1, Some(201)).is_err());
        assert!(Paging::new(1, Some(0)).is_err());
        assert_eq!(Paging::new(3, None).unwrap().offset(), 100);
    }

    #[test]
    fn like_patterns_match_literally() {
        assert_eq!(like_escape(r"a_b%c\d"), r"a\_b\%c\\d");
    }

    #[test]
    fn formula_cells_are_defused() {
        for s in ["=1+1", "+1", "-2", "@SUM(A1)"] {
            assert_eq!(csv_cell(s), format!("'{s}"));
        }
        assert_eq!(csv_cell("owner@acme.test"), "owner@acme.test");
        assert_eq!(csv_cell(""), "");
    }
}
