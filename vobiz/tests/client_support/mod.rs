//! A tiny scripted HTTP server for the client's tests: it answers with canned replies in
//! order and records every request it saw.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use axum::Router;
use vobiz::client::{Client, ClientOptions, Credentials, RetryPolicy};

/// The token the tests authenticate with; no error, log or debug output may contain it.
pub const TOKEN: &str = "tok_SECRET_do_not_leak_9f8e7d";

/// One canned reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A request the server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    /// Path and query exactly as sent (percent-encoding kept).
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A running scripted server.
pub struct Scripted {
    pub base_url: String,
    script: Script,
}

impl Scripted {
    /// Starts a server answering with `replies` in order; the last reply repeats.
    pub async fn start(replies: Vec<Reply>) -> Scripted {
        let script = Script {
            replies: Arc::new(Mutex::new(replies.into())),
            seen: Arc::default(),
        };
        let app = Router::new().fallback(answer).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Scripted { base_url, script }
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().unwrap().clone()
    }

    /// The number of requests seen so far.
    pub fn hits(&self) -> usize {
        self.script.seen.lock().unwrap().len()
    }

    /// A client for this server with fast retries.
    pub fn client(&self) -> Client {
        Client::new(&self.base_url, fast_options()).unwrap()
    }
}

/// Options with tiny backoff so retry tests run quickly.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(5),
        },
        ..ClientOptions::default()
    }
}

pub fn partner() -> Credentials {
    Credentials::new("PA_TESTPARTNER", TOKEN)
}

pub fn account() -> Credentials {
    Credentials::new("MA_ZKITB8Z2", TOKEN)
}

async fn answer(
    State(script): State<Script>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    script.seen.lock().unwrap().push(Seen {
        method,
        uri: uri.to_string(),
        headers,
        body,
    });
    let reply = {
        let mut replies = script.replies.lock().unwrap();
        if replies.len() > 1 {
            replies.pop_front().unwrap()
        } else {
            replies.front().cloned().expect("the script has a reply")
        }
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in &reply.headers {
        response = response.header(*name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}
