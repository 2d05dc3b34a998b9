//! Tokens: every token of the store (the station's token view), virtualised — only
//! the rows on screen are built, so 100,000 tokens scroll as fast as ten —, with an
//! incremental search (`/`), a sort (`s`), and the token's detail with its life-cycle
//! actions ([`super::token_detail`]).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Row, Table};

use super::token_detail::{self, Detail, Outcome};
use crate::model::Token;
use crate::model::filters::TokenFilter;
use crate::tui::app::Shared;
use crate::tui::input::{Edit, Field};
use crate::tui::words;

/// The order of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By serial.
    #[default]
    Serial,
    /// By product, then serial.
    Product,
    /// By status, then serial.
    Status,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::Serial => Sort::Product,
            Sort::Product => Sort::Status,
            Sort::Status => Sort::Serial,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Sort::Serial => "serial",
            Sort::Product => "product",
            Sort::Status => "status",
        }
    }
}

/// The tokens screen.
#[derive(Default)]
pub struct TokensScreen {
    all: Vec<Token>,
    /// Lower-case "serial product holder" of each token, for the search.
    hay: Vec<String>,
    /// Positions in `all` of the rows shown, in order.
    shown: Vec<usize>,
    search: Field,
    searching: bool,
    sort: Sort,
    sel: usize,
    offset: usize,
    detail: Option<Detail>,
    error: Option<String>,
    /// Only this product's tokens (chosen on the products screen).
    product: Option<String>,
}

impl TokensScreen {
    /// A screen over these tokens (benchmarks, tests).
    pub fn with_tokens(tokens: Vec<Token>) -> TokensScreen {
        let mut s = TokensScreen::default();
        s.load(tokens);
        s
    }

    fn load(&mut self, tokens: Vec<Token>) {
        self.hay = tokens
            .iter()
            .map(|t| {
                format!(
                    "{} {} {}",
                    t.serial,
                    t.product,
                    t.holder.as_deref().unwrap_or("")
                )
                .to_lowercase()
            })
            .collect();
        self.all = tokens;
        self.apply();
    }

    /// Shows only the tokens of `product` (`None`: every token) from the next refresh.
    pub fn only_product(&mut self, product: Option<String>) {
        self.product = product;
        self.sel = 0;
        self.offset = 0;
    }

    /// Reads the token view afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let Some(st) = sh.st.as_ref() else { return };
        let filter = TokenFilter {
            product: self.product.clone(),
            ..TokenFilter::default()
        };
        match st.tokens(&filter) {
            Ok(t) => self.load(t),
            Err(e) => self.error = Some(words::error(&e)),
        }
    }

    /// Filters by the query and sorts.
    fn apply(&mut self) {
        let q = self.search.text().to_lowercase();
        self.shown = (0..self.all.len())
            .filter(|&i| q.is_empty() || self.hay[i].contains(&q))
            .collect();
        let all = &self.all;
        match self.sort {
            Sort::Serial => self
                .shown
                .sort_by(|&a, &b| all[a].serial.cmp(&all[b].serial)),
            Sort::Product => self.shown.sort_by(|&a, &b| {
                (&all[a].product, &all[a].serial).cmp(&(&all[b].product, &all[b].serial))
            }),
            Sort::Status => self.shown.sort_by(|&a, &b| {
                (all[a].status.as_str(), &all[a].serial)
                    .cmp(&(all[b].status.as_str(), &all[b].serial))
            }),
        }
        self.sel = self.sel.min(self.shown.len().saturating_sub(1));
    }

    /// How many rows the search and filter show.
    pub fn shown_len(&self) -> usize {
        self.shown.len()
    }

    /// Whether keys go to a text field.
    pub fn captures(&self) -> bool {
        self.searching || self.detail.as_ref().is_some_and(Detail::captures)
    }

    fn selected(&self) -> Option<&Token> {
        self.shown.get(self.sel).and_then(|&i| self.all.get(i))
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        match &self.detail {
            Some(d) if d.captures() => {
                return vec![("Enter", "send to the station"), ("Esc", "cancel the form")];
            }
            Some(_) => return token_detail::KEYS.to_vec(),
            None => {}
        }
        vec![
            ("↑↓", "move (PgUp PgDn Home End)"),
            ("/", "search as you type"),
            ("s", "sort by serial, product, status"),
            ("Enter", "token detail and actions"),
            ("p", "products"),
        ]
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if self.searching {
            let before = self.search.text().to_string();
            match self.search.key(k) {
                Edit::Submit => self.searching = false,
                Edit::Cancel => {
                    self.searching = false;
                    self.search.take();
                    self.apply();
                }
                Edit::Editing if self.search.text() != before => {
                    if self.search.text().len() > before.len() {
                        self.sel = 0;
                    }
                    self.apply();
                }
                Edit::Editing => {}
            }
            return;
        }
        if let Some(mut d) = self.detail.take() {
            let Some(tok) = self.selected().cloned() else {
                return;
            };
            match d.key(k, &tok, sh) {
                Outcome::Open => self.detail = Some(d),
                Outcome::Closed => {}
                Outcome::Changed => {
                    self.reread(&tok, sh);
                    self.detail = Some(d);
                }
            }
            return;
        }
        let last = self.shown.len().saturating_sub(1);
        match k.code {
            KeyCode::Down => self.sel = (self.sel + 1).min(last),
            KeyCode::Up => self.sel = self.sel.saturating_sub(1),
            KeyCode::PageDown => self.sel = (self.sel + 20).min(last),
            KeyCode::PageUp => self.sel = self.sel.saturating_sub(20),
            KeyCode::Home => self.sel = 0,
            KeyCode::End => self.sel = last,
            KeyCode::Char('/') => self.searching = true,
            KeyCode::Esc if self.product.is_some() => {
                self.only_product(None);
                self.refresh(sh);
            }
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.apply();
            }
            KeyCode::Enter if self.selected().is_some() => self.detail = Some(Detail::default()),
            _ => {}
        }
    }

    /// Whether the detail is open.
    pub fn detail_open(&self) -> bool {
        self.detail.is_some()
    }

    /// The position of the selected row.
    pub fn selected_index(&self) -> usize {
        self.sel
    }

    /// The QR code the detail shows, if any (drawn over the whole frame).
    pub fn qr(&self) -> Option<&super::qr::QrView> {
        self.detail.as_ref().and_then(|d| d.qr.as_ref())
    }

    /// Selects the `n`th row on screen (a click); `true` when it is a row.
    pub fn click_row(&mut self, n: usize) -> bool {
        if self.detail.is_some() || self.searching {
            return false;
        }
        let i = self.offset + n;
        if i < self.shown.len() {
            self.sel = i;
            return true;
        }
        false
    }

    /// Reads the selected token again after the station changed it.
    fn reread(&mut self, tok: &Token, sh: &Shared) {
        if let (Some(st), Some(&i)) = (sh.st.as_ref(), self.shown.get(self.sel))
            && let Ok(t) = st.token(&tok.serial, Some(&tok.product))
        {
            self.all[i] = t;
        }
    }

    /// Draws the list (and the detail and form over it).
    pub fn draw(&mut self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let of = match &self.product {
            Some(p) => format!(" · {} (Esc: all)", words::safe(p, 24)),
            None => String::new(),
        };
        let title = format!(
            " Tokens {} of {}{of} · sort {} ",
            self.shown.len(),
            self.all.len(),
            self.sort.name()
        );
        let [search, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let [label, field] =
            Layout::horizontal([Constraint::Length(10), Constraint::Min(1)]).areas(search);
        f.render_widget(Span::styled("/ search: ", t.dim()), label);
        self.search.draw(f, field, self.searching);
        let block = Block::bordered().title(Span::styled(title, t.title()));
        let inner = block.inner(list);
        f.render_widget(block, list);
        let height = usize::from(inner.height.saturating_sub(1)).max(1);
        if self.sel < self.offset {
            self.offset = self.sel;
        } else if self.sel >= self.offset + height {
            self.offset = self.sel + 1 - height;
        }
        let end = (self.offset + height).min(self.shown.len());
        let rows = self.shown[self.offset.min(end)..end]
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                let tok = &self.all[i];
                let style = if self.offset + n == self.sel {
                    t.selected()
                } else {
                    t.text()
                };
                Row::new(vec![
                    words::safe(&tok.serial, 24),
                    words::safe(&tok.product, 24),
                    tok.status.as_str().to_string(),
                    words::safe(tok.holder.as_deref().unwrap_or("-"), 20),
                ])
                .style(style)
            });
        let table = Table::new(
            rows,
            [
                Constraint::Percentage(28),
                Constraint::Percentage(30),
                Constraint::Length(11),
                Constraint::Percentage(30),
            ],
        )
        .header(Row::new(vec!["serial", "product", "status", "holder"]).style(t.dim()));
        f.render_widget(table, inner);
        if let Some(e) = &self.error {
            f.render_widget(Line::styled(e.clone(), t.bad()), search);
        }
        if let (Some(d), Some(tok)) = (&self.detail, self.selected()) {
            d.draw(f, area, tok, sh);
        }
    }
}
