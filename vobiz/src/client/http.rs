//! The HTTP core: one shared connection pool, per-call credentials, timeouts, retries for
//! reads, tracing, and turning answers into values or [`Error`]s.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rand::Rng;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use super::error::{self, Error, Redactor};
use super::{AccountApi, PartnerApi};

/// A Vobiz auth id and its token. Partner credentials (`PA_…`) drive the partner API,
/// account credentials (`MA_…`/`SA_…`) the account API.
///
/// `Debug` shows the auth id and masks the token.
#[derive(Clone)]
pub struct Credentials {
    /// `PA_…`, `MA_…` or `SA_…`.
    pub auth_id: String,
    /// The secret token sent as `X-Auth-Token`.
    pub auth_token: SecretString,
}

impl Credentials {
    /// Credentials from an auth id and a token.
    pub fn new(auth_id: impl Into<String>, auth_token: impl Into<String>) -> Self {
        Credentials {
            auth_id: auth_id.into(),
            auth_token: SecretString::from(auth_token.into()),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Credentials")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &"[redacted]")
            .finish()
    }
}

/// When and how often a read is retried.
///
/// Only `GET` requests are retried, and only after a 429, 502, 503 or 504 answer or a
/// connection that failed or broke. Writes are never retried: a repeated purchase or
/// transfer could spend money twice, so the caller decides.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, the first included. `1` disables retries.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles on each further retry.
    pub base_delay: Duration,
    /// Upper bound of the exponential delay.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits out; a longer one ends the retries and
    /// returns [`Error::RateLimited`] or [`Error::Upstream`] to the caller.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Exponential backoff with jitter: a random delay between half and all of
    /// `base_delay * 2^(retry - 1)`, capped at `max_delay`.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = ceiling / 2;
        let jitter_nanos = rand::thread_rng().gen_range(0..=half.as_nanos() as u64);
        half + Duration::from_nanos(jitter_nanos)
    }
}

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole attempt, from sending to the last byte of the answer.
    pub timeout: Duration,
    /// Retries of reads.
    pub retry: RetryPolicy,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: concat!("vobiz-portal/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

fn check_base_url(base_url: &str) -> Result<(), Error> {
    let parsed = url::Url::parse(base_url).map_err(|_| Error::InvalidRequest {
        reason: format!("`{base_url}` is not a URL"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
        return Err(Error::InvalidRequest {
            reason: format!("`{base_url}` is not an http(s) base URL"),
        });
    }
    Ok(())
}

/// The Vobiz client: a connection pool, the base URL and the policies. One client serves
/// every tenant; credentials are given per call through [`Client::partner`] and
/// [`Client::account`]. Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    options: ClientOptions,
}

impl Client {
    /// A client for the Vobiz instance at `base_url` (e.g. `https://api.vobiz.ai` or a
    /// sandbox's address).
    pub fn new(base_url: &str, options: ClientOptions) -> Result<Client, Error> {
        check_base_url(base_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .user_agent(options.user_agent.clone())
            .build()
            .map_err(|_| Error::InvalidRequest {
                reason: "the HTTP client could not be set up".to_owned(),
            })?;
        Ok(Client {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            options,
        })
    }

    /// The same client (sharing its connection pool and policies) for another base URL, for
    /// tenants whose Vobiz lives elsewhere (the sandbox, or another region).
    pub fn at(&self, base_url: &str) -> Result<Client, Error> {
        check_base_url(base_url)?;
        Ok(Client {
            http: self.http.clone(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            options: self.options.clone(),
        })
    }

    /// The base URL calls are made against, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The settings this client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The partner API (`/api/v1/partner/…`) as the partner `credentials` identify.
    pub fn partner<'a>(&'a self, credentials: &'a Credentials) -> PartnerApi<'a> {
        PartnerApi::new(self, credentials)
    }

    /// The account API (`/api/v1/Account/{auth_id}/…` and friends) as the account
    /// `credentials` identify; `{auth_id}` in every path is `credentials.auth_id`.
    pub fn account<'a>(&'a self, credentials: &'a Credentials) -> AccountApi<'a> {
        AccountApi::new(self, credentials)
    }

    /// Sends `call` and decodes a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        credentials: &Credentials,
        call: Call,
    ) -> Result<T, Error> {
        let endpoint = call.endpoint();
        let answer = self.send(credentials, call).await?;
        answer.decode(
            &endpoint,
            Redactor::new(credentials.auth_token.expose_secret()),
        )
    }

    /// Sends `call` and accepts any success, with or without a body.
    pub(crate) async fn empty(&self, credentials: &Credentials, call: Call) -> Result<(), Error> {
        self.send(credentials, call).await.map(drop)
    }

    /// Sends `call` with retries for reads, inside a span naming the method, route and
    /// auth id. Non-success answers come back as errors.
    pub(crate) async fn send(
        &self,
        credentials: &Credentials,
        call: Call,
    ) -> Result<Answer, Error> {
        let span = tracing::info_span!(
            "vobiz.call",
            method = %call.method,
            route = call.route,
            auth_id = %credentials.auth_id,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        self.send_with_retries(credentials, call)
            .instrument(span)
            .await
    }

    async fn send_with_retries(
        &self,
        credentials: &Credentials,
        call: Call,
    ) -> Result<Answer, Error> {
        let request = self.build(credentials, &call)?;
        let redactor = Redactor::new(credentials.auth_token.expose_secret());
        let policy = &self.options.retry;
        let retries_allowed = call.method == Method::GET;
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(&request).await;
            let span = tracing::Span::current();
            span.record("attempts", attempt);
            let can_retry = retries_allowed && attempt < policy.max_attempts.max(1);
            match outcome {
                Ok(answer) if answer.status.is_success() => {
                    span.record("status", answer.status.as_u16());
                    return Ok(answer);
                }
                Ok(answer) => {
                    span.record("status", answer.status.as_u16());
                    let retry_after = answer.retry_after();
                    if can_retry && is_retryable_status(answer.status) {
                        let wait = retry_after.unwrap_or_else(|| policy.backoff(attempt));
                        if wait <= policy.max_retry_after {
                            tracing::debug!(
                                status = answer.status.as_u16(),
                                ?wait,
                                "retrying read"
                            );
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                            continue;
                        }
                    }
                    let error = error::from_response(
                        answer.status,
                        answer.request_id.clone(),
                        retry_after,
                        &answer.body,
                        redactor,
                    );
                    tracing::warn!(error = %error, "Vobiz call failed");
                    return Err(error);
                }
                Err(failure) => {
                    let broken = !failure.is_timeout()
                        && (failure.is_connect() || failure.is_request() || failure.is_body());
                    if can_retry && broken {
                        let wait = policy.backoff(attempt);
                        tracing::debug!(?wait, "retrying read after a connection failure");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    let error = Error::from_reqwest(&failure);
                    tracing::warn!(error = %error, "Vobiz call failed");
                    return Err(error);
                }
            }
        }
    }

    async fn attempt(&self, request: &reqwest::Request) -> Result<Answer, reqwest::Error> {
        let request = request
            .try_clone()
            .expect("request bodies are in memory, so requests can always be cloned");
        let response = self.http.execute(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(Answer {
            status,
            request_id: header_text(&headers, "x-request-id"),
            headers,
            body,
        })
    }

    fn build(&self, credentials: &Credentials, call: &Call) -> Result<reqwest::Request, Error> {
        let mut token =
            HeaderValue::from_str(credentials.auth_token.expose_secret()).map_err(|_| {
                Error::InvalidRequest {
                    reason: "the auth token contains characters that cannot be sent".to_owned(),
                }
            })?;
        token.set_sensitive(true);
        let auth_id =
            HeaderValue::from_str(&credentials.auth_id).map_err(|_| Error::InvalidRequest {
                reason: "the auth id contains characters that cannot be sent".to_owned(),
            })?;
        let mut builder = self
            .http
            .request(
                call.method.clone(),
                format!("{}{}", self.base_url, call.path),
            )
            .header("X-Auth-ID", auth_id)
            .header("X-Auth-Token", token)
            .header(ACCEPT, "application/json")
            .timeout(self.options.timeout);
        if !call.query.is_empty() {
            builder = builder.query(&call.query);
        }
        if let Some(body) = &call.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        builder.build().map_err(|error| Error::from_reqwest(&error))
    }
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// Reads `Retry-After` as seconds, or as an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.to_utc() - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// One request as the API modules describe it.
pub(crate) struct Call {
    method: Method,
    /// The route template for spans and errors, e.g. `/api/v1/Account/{auth_id}/numbers`.
    route: &'static str,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Bytes>,
}

impl Call {
    pub(crate) fn new(method: Method, route: &'static str, path: String) -> Call {
        Call {
            method,
            route,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn get(route: &'static str, path: String) -> Call {
        Call::new(Method::GET, route, path)
    }

    /// Adds `name=value` when `value` is present.
    pub(crate) fn query(mut self, name: &'static str, value: Option<impl ToString>) -> Call {
        if let Some(value) = value {
            self.query.push((name, value.to_string()));
        }
        self
    }

    /// Sends `body` as JSON.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Call, Error> {
        let bytes = serde_json::to_vec(body).map_err(|_| Error::InvalidRequest {
            reason: format!("the body for {} could not be encoded", self.route),
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.route)
    }
}

/// A path segment: everything but unreserved characters is percent-encoded, so an E.164
/// `+` travels as `%2B` and an id can never add a path level.
pub(crate) fn segment(text: &str) -> String {
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// A success or failure answer, read in full.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) request_id: Option<String>,
    headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    fn retry_after(&self) -> Option<Duration> {
        header_text(&self.headers, RETRY_AFTER.as_str()).and_then(|text| parse_retry_after(&text))
    }

    /// True for 204 and for a 2xx whose body is empty, whitespace, `""` or `null`.
    pub(crate) fn is_empty(&self) -> bool {
        self.status == StatusCode::NO_CONTENT || is_empty_body(&self.body)
    }

    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        redactor: Redactor<'_>,
    ) -> Result<T, Error> {
        let failure = |reason: String| Error::Decode {
            endpoint: endpoint.to_owned(),
            reason,
            snippet: redactor.snippet(&self.body),
            request_id: self.request_id.clone(),
        };
        if self.is_empty() {
            return Err(failure("the answer has no body".to_owned()));
        }
        serde_json::from_slice(&self.body).map_err(|error| failure(error.to_string()))
    }
}

/// Empty-body successes as Vobiz sends them: nothing, whitespace, `""` or `null`.
pub(crate) fn is_empty_body(body: &[u8]) -> bool {
    let trimmed = body.trim_ascii();
    trimmed.is_empty() || trimmed == b"\"\"" || trimmed == b"null"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_debug_masks_the_token() {
        let credentials = Credentials::new("PA_PARTNER1", "s3cret-token-value");
        let shown = format!("{credentials:?}");
        assert!(shown.contains("PA_PARTNER1"));
        assert!(!shown.contains("s3cret-token-value"));
    }

    #[test]
    fn segments_encode_plus_and_slashes() {
        assert_eq!(segment("+919876543210"), "%2B919876543210");
        assert_eq!(segment("MA_ZKITB8Z2"), "MA_ZKITB8Z2");
        assert_eq!(segment("../x"), "..%2Fx");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let tenth = policy.backoff(10);
            assert!(tenth >= Duration::from_millis(500) && tenth <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn empty_bodies_in_every_documented_form() {
        assert!(is_empty_body(b""));
        assert!(is_empty_body(b"  \n"));
        assert!(is_empty_body(b"\"\""));
        assert!(is_empty_body(b"null"));
        assert!(!is_empty_body(b"{}"));
    }
}
