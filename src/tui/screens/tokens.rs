//! Tokens: every token of the store (the station's token view), virtualised — only
//! the rows on screen are built, so 100,000 tokens scroll as fast as ten —, with an
//! incremental search (`/`), a sort (`s`), and a detail panel whose life-cycle
//! actions call the station and show its answer.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table};

use crate::model::filters::TokenFilter;
use crate::model::{Token, TokenStatus};
use crate::tui::app::Shared;
use crate::tui::chrome::centered;
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

/// A life-cycle action of the detail panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Activate with a code the token shows.
    Activate,
    /// Assign to a holder.
    Assign,
    /// Set a status (disable, lost, retire, enable).
    Status(TokenStatus),
}

/// A form open over the detail: which action, and its field.
pub struct Form {
    action: Action,
    field: Field,
}

/// The tokens screen.
#[derive(Default)]
pub struct TokensScreen {
    all: Vec<Token>,
    /// Lower-case "serial product holder" of each token, for the search.
    hay: Vec<String>,
    /// Positions in `all` of the rows shown, in order.
    shown: Vec<usize>,
    query: String,
    searching: bool,
    sort: Sort,
    sel: usize,
    offset: usize,
    detail: bool,
    form: Option<Form>,
    error: Option<String>,
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

    /// Reads the token view afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let Some(st) = sh.st.as_ref() else { return };
        match st.tokens(&TokenFilter::default()) {
            Ok(t) => self.load(t),
            Err(e) => self.error = Some(words::error(&e)),
        }
    }

    /// Filters by the query and sorts.
    fn apply(&mut self) {
        let q = self.query.to_lowercase();
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
        self.searching || self.form.is_some()
    }

    fn selected(&self) -> Option<&Token> {
        self.shown.get(self.sel).and_then(|&i| self.all.get(i))
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.form.is_some() {
            return vec![("Enter", "send to the station"), ("Esc", "cancel the form")];
        }
        if self.detail {
            return vec![
                ("a", "activate with a code"),
                ("h", "assign to a holder"),
                ("d", "disable"),
                ("e", "enable (active again)"),
                ("l", "report lost"),
                ("r", "retire"),
                ("Esc", "back to the list"),
            ];
        }
        vec![
            ("↑↓", "move (PgUp PgDn Home End)"),
            ("/", "search as you type"),
            ("s", "sort by serial, product, status"),
            ("Enter", "token detail and actions"),
        ]
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if let Some(form) = self.form.as_mut() {
            match form.field.key(k) {
                Edit::Editing => {}
                Edit::Cancel => self.form = None,
                Edit::Submit => {
                    if let Some(f) = self.form.take() {
                        self.act(f.action, f.field.text(), sh);
                    }
                }
            }
            return;
        }
        if self.searching {
            match k.code {
                KeyCode::Enter => self.searching = false,
                KeyCode::Esc => {
                    self.searching = false;
                    self.query.clear();
                    self.apply();
                }
                KeyCode::Backspace => {
                    self.query.pop();
                    self.apply();
                }
                KeyCode::Char(c) if !c.is_control() => {
                    self.query.push(c);
                    self.sel = 0;
                    self.apply();
                }
                _ => {}
            }
            return;
        }
        if self.detail {
            let action = match k.code {
                KeyCode::Esc => {
                    self.detail = false;
                    return;
                }
                KeyCode::Char('a') => Action::Activate,
                KeyCode::Char('h') => Action::Assign,
                KeyCode::Char('d') => Action::Status(TokenStatus::Disabled),
                KeyCode::Char('e') => Action::Status(TokenStatus::Active),
                KeyCode::Char('l') => Action::Status(TokenStatus::Lost),
                KeyCode::Char('r') => Action::Status(TokenStatus::Retired),
                _ => return,
            };
            self.form = Some(Form {
                action,
                field: Field::new(false),
            });
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
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.apply();
            }
            KeyCode::Enter if self.selected().is_some() => self.detail = true,
            _ => {}
        }
    }

    /// Runs an action on the selected token through the station and shows its answer.
    fn act(&mut self, action: Action, text: &str, sh: &mut Shared) {
        let Some(tok) = self.selected().cloned() else {
            return;
        };
        let now = sh.now();
        let Some(st) = sh.st.as_mut() else { return };
        let product = Some(tok.product.as_str());
        let answer = match action {
            Action::Activate => st
                .token_activate(&tok.serial, product, text.trim(), now)
                .map(|v| (format!("{}: {}", tok.serial, v.status.as_str()), v.is_ok())),
            Action::Assign => st
                .token_assign_holder(&tok.serial, product, text.trim(), now)
                .map(|_| (format!("{} assigned to {}", tok.serial, text.trim()), true)),
            Action::Status(s) => st
                .token_set_status(&tok.serial, product, s, now)
                .map(|t| (format!("{} is now {}", t.serial, t.status.as_str()), true)),
        };
        match answer {
            Ok((text, good)) => sh.say(text, good),
            Err(e) => sh.say_err(&e),
        }
        if let (Some(st), Some(&i)) = (sh.st.as_ref(), self.shown.get(self.sel))
            && let Ok(t) = st.token(&tok.serial, Some(&tok.product))
        {
            self.all[i] = t;
        }
    }

    /// Draws the list (and the detail and form over it).
    pub fn draw(&mut self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let title = format!(
            " Tokens {} of {} · sort {} ",
            self.shown.len(),
            self.all.len(),
            self.sort.name()
        );
        let [search, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let prompt = if self.searching {
            "search: "
        } else {
            "/ search: "
        };
        f.render_widget(
            Line::from(vec![
                Span::styled(prompt, t.dim()),
                Span::raw(self.query.clone()),
                Span::styled(if self.searching { "▏" } else { "" }, t.title()),
            ]),
            search,
        );
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
        if self.detail {
            self.draw_detail(f, area, sh);
        }
    }

    fn draw_detail(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let Some(tok) = self.selected() else { return };
        let r = centered(area, 56, 12);
        f.render_widget(Clear, r);
        let mut lines = vec![
            Line::from(vec![
                Span::styled("serial   ", t.dim()),
                Span::raw(words::safe(&tok.serial, 40)),
            ]),
            Line::from(vec![
                Span::styled("product  ", t.dim()),
                Span::raw(words::safe(&tok.product, 40)),
            ]),
            Line::from(vec![
                Span::styled("status   ", t.dim()),
                Span::styled(tok.status.as_str(), t.title()),
            ]),
            Line::from(vec![
                Span::styled("holder   ", t.dim()),
                Span::raw(words::safe(tok.holder.as_deref().unwrap_or("-"), 40)),
            ]),
            Line::from(vec![
                Span::styled("drift    ", t.dim()),
                Span::raw(format!("{:+} steps", tok.drift_steps)),
            ]),
            Line::raw(""),
        ];
        match &self.form {
            Some(form) => {
                let ask = match form.action {
                    Action::Activate => "code the token shows",
                    Action::Assign => "holder id",
                    Action::Status(_) => "Enter to confirm",
                };
                let what = match form.action {
                    Action::Status(s) => format!("set {} → {}", tok.status.as_str(), s.as_str()),
                    _ => String::new(),
                };
                lines.push(Line::styled(what, t.warn()));
                lines.push(Line::from(vec![
                    Span::styled(format!("{ask}: "), t.dim()),
                    Span::raw(form.field.shown()),
                    Span::styled("▏", t.title()),
                ]));
            }
            None => lines.push(Line::styled(
                "a activate  h holder  d disable  e enable  l lost  r retire",
                t.dim(),
            )),
        }
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(Span::styled(" Token ", t.title()))),
            r,
        );
    }
}
