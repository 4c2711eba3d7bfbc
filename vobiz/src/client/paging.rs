//! Walking every page of a paged list with bounded concurrency.

use std::future::Future;

use futures::{StreamExt, TryStreamExt};

use super::Error;

/// The largest page Vobiz serves.
pub const MAX_PER_PAGE: u32 = 100;

/// Upper bound on pages walked, so a wrong `total` cannot start an endless walk.
const MAX_PAGES: u64 = 10_000;

/// A page of a list: its items, the total across pages and the page size Vobiz used.
pub trait Paged {
    /// What the list holds.
    type Item;
    /// Items across all pages.
    fn total(&self) -> u64;
    /// The page size Vobiz echoed back, if it did.
    fn page_size(&self) -> Option<u32>;
    /// The items of this page.
    fn into_items(self) -> Vec<Self::Item>;
}

/// Fetches page 1, reads the total, then fetches the remaining pages at most
/// `concurrency` at a time and returns all items in page order.
///
/// `fetch(page)` asks for 1-based page `page` with `per_page` items; when Vobiz echoes a
/// different page size (it clamps), the echoed size decides how many pages there are.
/// The first failing page fails the walk. Lists that change during the walk can repeat or
/// skip an item at a page boundary, as with any offset paging.
pub async fn collect_pages<P, F, Fut>(
    per_page: u32,
    concurrency: usize,
    fetch: F,
) -> Result<Vec<P::Item>, Error>
where
    P: Paged,
    F: Fn(u32) -> Fut,
    Fut: Future<Output = Result<P, Error>>,
{
    let first = fetch(1).await?;
    let size = first
        .page_size()
        .filter(|size| *size > 0)
        .unwrap_or(per_page)
        .max(1);
    let pages = first.total().div_ceil(u64::from(size)).min(MAX_PAGES) as u32;
    let mut items = first.into_items();
    if pages <= 1 {
        return Ok(items);
    }
    let fetch = &fetch;
    let mut rest: Vec<(u32, Vec<P::Item>)> = futures::stream::iter(2..=pages)
        .map(|page| async move { fetch(page).await.map(|found| (page, found.into_items())) })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    rest.sort_unstable_by_key(|(page, _)| *page);
    items.extend(rest.into_iter().flat_map(|(_, page_items)| page_items));
    Ok(items)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    struct Page {
        items: Vec<u32>,
        total: u64,
        size: Option<u32>,
    }

    impl Paged for Page {
        type Item = u32;
        fn total(&self) -> u64 {
            self.total
        }
        fn page_size(&self) -> Option<u32> {
            self.size
        }
        fn into_items(self) -> Vec<u32> {
            self.items
        }
    }

    /// A list of `total` numbers 0.. served `size` at a time, later pages answering faster
    /// so completion order differs from page order.
    async fn serve(total: u32, size: u32, page: u32) -> Result<Page, Error> {
        tokio::time::sleep(Duration::from_millis(u64::from(20 / page.min(20)))).await;
        let start = (page - 1) * size;
        let items = (start..(start + size).min(total)).collect();
        Ok(Page {
            items,
            total: u64::from(total),
            size: Some(size),
        })
    }

    #[tokio::test]
    async fn returns_every_item_in_page_order() {
        let items = collect_pages(10, 4, |page| serve(95, 10, page))
            .await
            .unwrap();
        assert_eq!(items, (0..95).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn follows_the_echoed_page_size() {
        // Asked for 100 per page, the server clamps to 7.
        let items = collect_pages(100, 3, |page| serve(30, 7, page))
            .await
            .unwrap();
        assert_eq!(items, (0..30).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn never_runs_more_than_the_bound_at_once() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let items = collect_pages(5, 2, |page| {
            let (running, peak) = (&running, &peak);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let result = serve(50, 5, page).await;
                running.fetch_sub(1, Ordering::SeqCst);
                result
            }
        })
        .await
        .unwrap();
        assert_eq!(items.len(), 50);
        assert!(peak.load(Ordering::SeqCst) <= 2);
    }

    #[tokio::test]
    async fn a_failing_page_fails_the_walk() {
        let result = collect_pages(10, 2, |page| async move {
            if page == 3 {
                Err(Error::Timeout)
            } else {
                serve(50, 10, page).await
            }
        })
        .await;
        assert_eq!(result, Err(Error::Timeout));
    }
}
