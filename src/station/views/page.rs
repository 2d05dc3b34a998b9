//! Paged lists (the API's `page` and `page_size`): one page of a list and where it
//! stands in the whole. Tokens are paged in the store (a store can hold 100,000);
//! the short lists (products, holders, locations) are paged here.

use serde::Serialize;

use crate::model::Token;
use crate::station::{Result, Station, StationError};

pub use crate::model::filters::TokenFilter;

/// The largest page.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// The page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Which page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Items per page, 1 to [`MAX_PAGE_SIZE`].
    pub page_size: u32,
}

impl PageRequest {
    /// A page request, checked (defaults: page 1, [`DEFAULT_PAGE_SIZE`]).
    pub fn new(page: Option<u32>, page_size: Option<u32>) -> Result<PageRequest> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 || page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(StationError::PageOutOfRange { page, page_size });
        }
        Ok(PageRequest { page, page_size })
    }

    fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.page_size)
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u32,
    /// Items per page asked for.
    pub page_size: u32,
    /// Items in the whole list.
    pub total: u64,
}

impl<T> Page<T> {
    /// The page `r` of a whole list.
    pub fn of(all: Vec<T>, r: PageRequest) -> Page<T> {
        let total = all.len() as u64;
        let skip = usize::try_from(r.offset()).unwrap_or(usize::MAX);
        Page {
            items: all
                .into_iter()
                .skip(skip)
                .take(r.page_size as usize)
                .collect(),
            page: r.page,
            page_size: r.page_size,
            total,
        }
    }

    /// The same page with each item changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            page_size: self.page_size,
            total: self.total,
        }
    }
}

impl Station {
    /// One page of the tokens `f` selects, by product and serial.
    pub fn token_page(&self, f: &TokenFilter, r: PageRequest) -> Result<Page<Token>> {
        let c = self.read();
        Ok(Page {
            items: c.token_list_page(f, u64::from(r.page_size), r.offset())?,
            page: r.page,
            page_size: r.page_size,
            total: c.token_count_where(f)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let r = PageRequest::new(Some(2), Some(3)).unwrap();
        let p = Page::of((1..=8).collect::<Vec<_>>(), r);
        assert_eq!((p.items, p.total), (vec![4, 5, 6], 8));
        let last = Page::of(
            (1..=8).collect::<Vec<_>>(),
            PageRequest::new(Some(3), Some(3)).unwrap(),
        );
        assert_eq!(last.items, vec![7, 8]);
        let past = Page::of(
            (1..=8).collect::<Vec<_>>(),
            PageRequest::new(Some(9), Some(3)).unwrap(),
        );
        assert!(past.items.is_empty());
        assert_eq!(
            PageRequest::new(None, None).unwrap().page_size,
            DEFAULT_PAGE_SIZE
        );
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(None, Some(0)).is_err());
        assert!(PageRequest::new(None, Some(MAX_PAGE_SIZE + 1)).is_err());
    }
}
