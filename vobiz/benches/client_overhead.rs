//! Prints how fast the in-process sandbox serves list pages, and how much latency the typed
//! client adds per call over a raw reqwest request to the same URL. Figures only; nothing
//! here asserts a speed.
//!
//! Run: `cargo bench -p vobiz --bench client_overhead`.

use std::time::{Duration, Instant};

use futures::StreamExt;
use vobiz::client::{Client, ClientOptions, Credentials, InventoryQuery};
use vobiz::sandbox::{Sandbox, SandboxConfig};

/// Requests in the throughput run.
const THROUGHPUT_REQUESTS: usize = 2_000;
/// Requests in flight during the throughput run.
const THROUGHPUT_CONCURRENCY: usize = 32;
/// Calls measured per side in the latency run (after warm-up).
const LATENCY_CALLS: usize = 500;
const WARM_UP_CALLS: usize = 50;
const PER_PAGE: u32 = 25;

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::new(SandboxConfig::demo(42));
    let world = sandbox.demo();
    let running = sandbox
        .spawn("127.0.0.1:0".parse().expect("a socket address"))
        .await
        .expect("the sandbox starts");
    let base_url = running.base_url().to_string();
    let pool = &world.pool_account;
    let credentials = Credentials::new(pool.auth_id.clone(), pool.auth_token.clone());
    let url = format!(
        "{base_url}/api/v1/Account/{}/inventory/numbers?page=1&per_page={PER_PAGE}",
        pool.auth_id
    );
    let raw = reqwest::Client::new();
    let raw_get = |url: String| {
        let request = raw
            .get(url)
            .header("X-Auth-ID", &pool.auth_id)
            .header("X-Auth-Token", &pool.auth_token)
            .header("Accept", "application/json");
        async move {
            let response = request.send().await.expect("the sandbox answers");
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.expect("a body")
        }
    };

    // 1. Sandbox throughput: concurrent inventory pages, spread over the pages that exist.
    let client = Client::new(&base_url, ClientOptions::default()).expect("a client");
    let account = client.account(&credentials);
    let first = account
        .inventory(&InventoryQuery {
            per_page: Some(PER_PAGE),
            ..InventoryQuery::default()
        })
        .await
        .expect("inventory");
    let pages = first.total.div_ceil(u64::from(PER_PAGE)).max(1);
    let started = Instant::now();
    futures::stream::iter(0..THROUGHPUT_REQUESTS)
        .map(|index| {
            let page = index as u64 % pages + 1;
            raw_get(format!(
                "{base_url}/api/v1/Account/{}/inventory/numbers?page={page}&per_page={PER_PAGE}",
                pool.auth_id
            ))
        })
        .buffer_unordered(THROUGHPUT_CONCURRENCY)
        .for_each(|_| async {})
        .await;
    let elapsed = started.elapsed();
    println!(
        "sandbox: {} numbers in inventory, {pages} pages of {PER_PAGE}",
        first.total
    );
    println!(
        "sandbox list throughput: {THROUGHPUT_REQUESTS} GET inventory pages, {THROUGHPUT_CONCURRENCY} in flight: {:.0} requests/s ({:.2?} total)",
        THROUGHPUT_REQUESTS as f64 / elapsed.as_secs_f64(),
        elapsed
    );

    // 2. Client overhead: the same page through the typed client and through raw reqwest,
    //    interleaved so both see the same sandbox state and machine load.
    let query = InventoryQuery {
        page: Some(1),
        per_page: Some(PER_PAGE),
        ..InventoryQuery::default()
    };
    for _ in 0..WARM_UP_CALLS {
        raw_get(url.clone()).await;
        account.inventory(&query).await.expect("inventory");
    }
    let mut raw_times = Vec::with_capacity(LATENCY_CALLS);
    let mut client_times = Vec::with_capacity(LATENCY_CALLS);
    for _ in 0..LATENCY_CALLS {
        let started = Instant::now();
        raw_get(url.clone()).await;
        raw_times.push(started.elapsed());

        let started = Instant::now();
        account.inventory(&query).await.expect("inventory");
        client_times.push(started.elapsed());
    }
    let (raw_median, raw_p95) = median_p95(&mut raw_times);
    let (client_median, client_p95) = median_p95(&mut client_times);
    println!("latency over {LATENCY_CALLS} sequential calls, page of {PER_PAGE} numbers:");
    println!("  raw reqwest (bytes only): median {raw_median:>10.1?}  p95 {raw_p95:>10.1?}");
    println!("  vobiz client (typed):     median {client_median:>10.1?}  p95 {client_p95:>10.1?}");
    println!(
        "  client adds:              median {:>10}  p95 {:>10}",
        signed(client_median, raw_median),
        signed(client_p95, raw_p95)
    );

    running.shutdown().await;
}

fn median_p95(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort_unstable();
    let at = |fraction: f64| times[((times.len() - 1) as f64 * fraction).round() as usize];
    (at(0.5), at(0.95))
}

fn signed(a: Duration, b: Duration) -> String {
    if a >= b {
        format!("+{:.1?}", a - b)
    } else {
        format!("-{:.1?}", b - a)
    }
}
