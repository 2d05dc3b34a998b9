//! Products: every product of the store with its family, vendor and model, whether
//! it can be burned, and its token count (the station's product view), searchable as
//! you type (`/`); Enter opens the tokens of the chosen product.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Row, Table};

use crate::station::views::ProductRow;
use crate::tui::app::Shared;
use crate::tui::input::{Edit, Field};
use crate::tui::words;

/// The products screen.
#[derive(Default)]
pub struct ProductsScreen {
    all: Vec<ProductRow>,
    shown: Vec<usize>,
    search: Field,
    searching: bool,
    sel: usize,
    error: Option<String>,
}

impl ProductsScreen {
    /// Reads the product view afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let Some(st) = sh.st.as_ref() else { return };
        match st.product_rows() {
            Ok(rows) => {
                self.all = rows;
                self.error = None;
            }
            Err(e) => self.error = Some(words::error(&e)),
        }
        self.apply();
    }

    /// Filters by the search text (name, family, vendor, model).
    fn apply(&mut self) {
        let q = self.search.text().to_lowercase();
        self.shown = self
            .all
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let p = &r.product;
                let hay = format!(
                    "{} {} {} {}",
                    p.name,
                    p.family,
                    p.vendor.as_deref().unwrap_or(""),
                    p.model.as_deref().unwrap_or("")
                )
                .to_lowercase();
                q.is_empty() || hay.contains(&q)
            })
            .map(|(i, _)| i)
            .collect();
        self.sel = self.sel.min(self.shown.len().saturating_sub(1));
    }

    /// How many products the search shows.
    pub fn shown_len(&self) -> usize {
        self.shown.len()
    }

    /// Whether keys go to the search field.
    pub fn captures(&self) -> bool {
        self.searching
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.searching {
            return vec![("Enter", "keep the search"), ("Esc", "clear it")];
        }
        vec![
            ("↑↓", "choose a product"),
            ("/", "search as you type"),
            ("Enter", "its tokens"),
        ]
    }

    /// Takes a key; the product whose tokens to open on Enter.
    pub fn key(&mut self, k: KeyEvent) -> Option<String> {
        if self.searching {
            match self.search.key(k) {
                Edit::Editing => {}
                Edit::Submit => self.searching = false,
                Edit::Cancel => {
                    self.searching = false;
                    self.search.take();
                }
            }
            self.apply();
            return None;
        }
        let last = self.shown.len().saturating_sub(1);
        match k.code {
            KeyCode::Down => self.sel = (self.sel + 1).min(last),
            KeyCode::Up => self.sel = self.sel.saturating_sub(1),
            KeyCode::Home => self.sel = 0,
            KeyCode::End => self.sel = last,
            KeyCode::Char('/') => self.searching = true,
            KeyCode::Enter => {
                return self
                    .shown
                    .get(self.sel)
                    .and_then(|&i| self.all.get(i))
                    .map(|r| r.product.name.clone());
            }
            _ => {}
        }
        None
    }

    /// Selects row `i` of the list (a click).
    pub fn select(&mut self, i: usize) {
        if i < self.shown.len() {
            self.sel = i;
        }
    }

    /// Draws the search line and the list.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let [search, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let [label, field] =
            Layout::horizontal([Constraint::Length(10), Constraint::Min(1)]).areas(search);
        f.render_widget(Span::styled("/ search: ", t.dim()), label);
        self.search.draw(f, field, self.searching);
        if let Some(e) = &self.error {
            f.render_widget(Line::styled(e.clone(), t.bad()), search);
        }
        let rows = self.shown.iter().enumerate().map(|(n, &i)| {
            let r = &self.all[i];
            let p = &r.product;
            let style = if n == self.sel {
                t.selected()
            } else {
                t.text()
            };
            let maker = match (&p.vendor, &p.model) {
                (Some(v), Some(m)) => format!("{v} {m}"),
                (Some(v), None) => v.clone(),
                (None, Some(m)) => m.clone(),
                (None, None) => "-".into(),
            };
            Row::new(vec![
                words::safe(&p.name, 28),
                p.family.to_string(),
                words::safe(&maker, 24),
                if p.programmable { "yes" } else { "no" }.to_string(),
                r.tokens.to_string(),
            ])
            .style(style)
        });
        let title = format!(" Products {} of {} ", self.shown.len(), self.all.len());
        let table = Table::new(
            rows,
            [
                Constraint::Percentage(32),
                Constraint::Length(12),
                Constraint::Percentage(30),
                Constraint::Length(5),
                Constraint::Length(7),
            ],
        )
        .header(Row::new(vec!["product", "family", "maker", "burn", "tokens"]).style(t.dim()))
        .block(Block::bordered().title(Span::styled(title, t.title())));
        f.render_widget(table, list);
    }
}
