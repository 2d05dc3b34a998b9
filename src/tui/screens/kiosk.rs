//! The kiosk: full screen for one location, run as the station's kiosk job. A large
//! clock, "tap your card or type your code", the last answer large in green or red
//! with the holder's label and direction, the last events, and the readers' state in
//! a corner. Typed codes show as dots. Esc asks for the operator's proof
//! ([`Station::operator_proof`], checked on a worker thread); nothing else leaves.

use std::collections::{BTreeMap, VecDeque};
use std::sync::mpsc::Sender;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use tui_big_text::{BigText, PixelSize};

use crate::station::jobs::CancelToken;
use crate::station::presence::kiosk::{self, KioskInput, KioskLine, LineKind, now_ms};
use crate::station::presence::{Direction, EventStatus};
use crate::station::{Actor, Station};
use crate::tui::app::Shared;
use crate::tui::input::{Edit, Field};
use crate::tui::msg::{self, Msg};
use crate::tui::words;

/// How many events the kiosk lists.
const LAST: usize = 5;

struct Running {
    input: Sender<KioskInput>,
    cancel: CancelToken,
}

/// The kiosk screen.
#[derive(Default)]
pub struct KioskScreen {
    /// The location (chosen with ←→; the demo picks the Lobby).
    pub location: Option<String>,
    locations: Vec<String>,
    tz: Option<chrono_tz::Tz>,
    run: Option<Running>,
    code: Field,
    leaving: Option<Field>,
    checking: bool,
    answer: Option<KioskLine>,
    last: VecDeque<KioskLine>,
    readers: BTreeMap<String, bool>,
    note: Option<String>,
}

impl KioskScreen {
    /// Whether the kiosk runs (and holds the screen).
    pub fn running(&self) -> bool {
        self.run.is_some()
    }

    /// Picks the location; Enter starts.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let Some(st) = sh.st.as_ref() else { return };
        self.locations = st
            .location_rows()
            .map(|r| r.into_iter().map(|l| l.location.name).collect())
            .unwrap_or_default();
        if self
            .location
            .as_ref()
            .is_none_or(|l| !self.locations.contains(l))
        {
            self.location = self.locations.first().cloned();
        }
    }

    /// Moves the chosen location by `by` places.
    fn choose(&mut self, by: isize) {
        let n = self.locations.len();
        if n == 0 {
            return;
        }
        let at = self
            .location
            .as_ref()
            .and_then(|l| self.locations.iter().position(|x| x == l))
            .unwrap_or(0);
        let next = (at as isize + by).rem_euclid(n as isize) as usize;
        self.location = self.locations.get(next).cloned();
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.running() {
            vec![
                ("0-9 a-z", "type a code (not shown)"),
                ("Enter", "send the code"),
                ("Esc", "leave (operator passphrase or key)"),
            ]
        } else {
            vec![
                ("←→", "choose the location"),
                ("Enter", "start the kiosk there"),
            ]
        }
    }

    /// Starts the kiosk job at the location.
    pub fn start(&mut self, sh: &mut Shared) {
        let Some(location) = self.location.clone() else {
            sh.say("no location: add one first (location add)", false);
            return;
        };
        let Some(st) = sh.st.as_ref() else { return };
        let started = (|| {
            let mut k: Station = st.open_sibling()?;
            k.set_actor(Actor::kiosk(&location)?);
            let plan = k.kiosk_plan(&location, &[], true)?;
            let tz = k.location_detail(&location)?.tz;
            let readers: Vec<String> = plan.readers.iter().map(|r| r.to_string()).collect();
            Ok::<_, crate::station::StationError>((kiosk::start(k, &plan)?, tz, readers))
        })();
        match started {
            Ok((run, tz, readers)) => {
                self.tz = tz.parse().ok();
                self.readers = readers.into_iter().map(|r| (r, false)).collect();
                let cancel = run.job.cancel_token();
                let input = run.input.clone();
                let forwarded = msg::forward(run.job, sh.tx.clone(), Msg::Kiosk, |_| {
                    Some(Msg::KioskEnded)
                });
                if forwarded.is_err() {
                    cancel.cancel();
                    sh.say("could not start the kiosk's thread", false);
                    return;
                }
                self.run = Some(Running { input, cancel });
                self.code = Field::new(true); // typed codes are never echoed
                sh.status = None;
            }
            Err(e) => sh.say_err(&e),
        }
    }

    /// A line from the kiosk job.
    pub fn line(&mut self, l: KioskLine, _sh: &mut Shared) {
        match l.kind {
            LineKind::Reader => {
                if let Some(r) = l.reader.clone() {
                    let down = l.problem.is_some();
                    self.readers.insert(r, !down);
                }
            }
            LineKind::Event
            | LineKind::Folded
            | LineKind::Error
            | LineKind::NeedCode
            | LineKind::Expired => {
                self.answer = Some(l.clone());
                if matches!(l.kind, LineKind::Event) {
                    self.last.push_front(l);
                    self.last.truncate(LAST);
                }
            }
            LineKind::Duplicate => {}
        }
    }

    /// The kiosk job ended.
    pub fn ended(&mut self) {
        self.run = None;
        self.leaving = None;
        self.checking = false;
    }

    /// The operator check ended; true when the kiosk stops.
    pub fn operator_checked(&mut self, ok: bool, sh: &mut Shared) -> bool {
        self.checking = false;
        if !ok {
            self.note = Some("wrong passphrase or key".into());
            return false;
        }
        if let Some(r) = self.run.take() {
            r.cancel.cancel();
        }
        self.leaving = None;
        self.note = None;
        sh.say("kiosk stopped by the operator", true);
        true
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        let Some(run) = self.run.as_ref() else {
            match k.code {
                KeyCode::Enter => self.start(sh),
                KeyCode::Left => self.choose(-1),
                KeyCode::Right => self.choose(1),
                _ => {}
            }
            return;
        };
        if self.checking {
            return;
        }
        if let Some(field) = self.leaving.as_mut() {
            match field.key(k) {
                Edit::Editing => {}
                Edit::Cancel => self.leaving = None,
                Edit::Submit => {
                    let typed = field.take();
                    self.checking = true;
                    self.check_operator(typed, sh);
                }
            }
            return;
        }
        if k.code == KeyCode::Esc {
            self.leaving = Some(Field::new(true));
            self.note = None;
            return;
        }
        if self.code.key(k) == Edit::Submit {
            let text = self.code.take().to_string();
            if !text.trim().is_empty() {
                let _ = run.input.send(KioskInput::Line {
                    text,
                    source: "tui".into(),
                    at_ms: now_ms(),
                });
            }
        }
    }

    /// Checks the operator's proof on a worker thread (Argon2 must not freeze a frame).
    fn check_operator(&mut self, typed: msg::SecretText, sh: &mut Shared) {
        let now = sh.now();
        let tx = sh.tx.clone();
        let Some(Ok(st)) = sh.st.as_ref().map(Station::open_sibling) else {
            self.checking = false;
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("operator check".into())
            .spawn(move || {
                let ok = st.operator_proof(&typed, now).unwrap_or(false);
                let _ = tx.send(Msg::OperatorChecked(ok));
            });
        if spawned.is_err() {
            self.checking = false;
        }
    }

    /// Draws the kiosk (or, before it starts, what Enter will start).
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let loc = self.location.as_deref().unwrap_or("(no location)");
        if !self.running() {
            let text = vec![
                Line::styled(format!("Kiosk at {}", words::safe(loc, 40)), t.title()),
                Line::styled("←→ another location", t.dim()),
                Line::raw(""),
                Line::raw("Enter starts the kiosk full screen at this location."),
                Line::raw("It can only be left with the operator passphrase (or an"),
                Line::raw("operator API key on a key-file store)."),
            ];
            f.render_widget(Paragraph::new(text).block(Block::bordered()), area);
            return;
        }
        let [head, clock, prompt, answer, events] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(4),
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(u16::try_from(LAST).unwrap_or(5) + 1),
        ])
        .areas(area);
        // Location and readers' state.
        let [name, state] =
            Layout::horizontal([Constraint::Min(10), Constraint::Length(40)]).areas(head);
        f.render_widget(
            Line::styled(format!(" {}", words::safe(loc, 40)), t.title()),
            name,
        );
        let mut spans = Vec::new();
        for (r, up) in &self.readers {
            let (mark, style) = if *up {
                ("● ", t.good())
            } else {
                ("○ ", t.warn())
            };
            spans.push(Span::styled(mark, style));
            spans.push(Span::raw(format!("{} ", words::safe(r, 18))));
        }
        if self.readers.is_empty() {
            spans.push(Span::styled("typed codes only", t.dim()));
        }
        f.render_widget(Line::from(spans).alignment(Alignment::Right), state);
        // The clock.
        let now = chrono::DateTime::from_timestamp(sh.now(), 0).unwrap_or_default();
        let time = match self.tz {
            Some(tz) => now.with_timezone(&tz).format("%H:%M:%S").to_string(),
            None => now.format("%H:%M:%S").to_string(),
        };
        let big = BigText::builder()
            .pixel_size(PixelSize::Quadrant)
            .style(t.title())
            .lines(vec![Line::raw(time)])
            .centered()
            .build();
        f.render_widget(big, clock);
        // The prompt, or the operator's.
        let lines = match &self.leaving {
            Some(field) => vec![
                Line::styled(
                    "operator passphrase or key (Esc: back to the kiosk)",
                    t.warn(),
                ),
                Line::raw(if self.checking {
                    "checking…".to_string()
                } else {
                    field.shown()
                }),
            ],
            None => vec![
                Line::styled("tap your card or type your code", t.title()),
                Line::raw(self.code.shown()),
            ],
        };
        let mut lines = lines;
        if let Some(n) = &self.note {
            lines[0] = Line::styled(n.clone(), t.bad());
        }
        f.render_widget(Paragraph::new(lines).alignment(Alignment::Center), prompt);
        self.draw_answer(f, answer, sh);
        // The last events.
        let lines: Vec<Line<'_>> = self
            .last
            .iter()
            .map(|l| {
                let ok = l.status == Some(EventStatus::Ok);
                Line::from(vec![
                    Span::styled(
                        format!(" {} ", l.clock.clone().unwrap_or_default()),
                        t.dim(),
                    ),
                    Span::styled(
                        if ok { "OK " } else { "NO " },
                        if ok { t.good() } else { t.bad() },
                    ),
                    Span::raw(format!(
                        "{} {}",
                        direction(l.direction),
                        words::safe(who(l), 30)
                    )),
                ])
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::new().title(" last events ").title_style(t.dim())),
            events,
        );
    }

    fn draw_answer(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let Some(l) = &self.answer else { return };
        let ok = match l.kind {
            LineKind::Event => l.status == Some(EventStatus::Ok),
            LineKind::Folded | LineKind::NeedCode => true,
            _ => false,
        };
        let head = match l.kind {
            LineKind::NeedCode => "now type your code".to_string(),
            LineKind::Expired => "no code in time".to_string(),
            LineKind::Error => "not recorded".to_string(),
            _ if ok => format!("{} — {}", words::safe(who(l), 40), direction(l.direction)),
            _ => format!("refused — {}", words::safe(who(l), 40)),
        };
        let why = l
            .reason
            .map(|r| r.as_str().replace('_', " "))
            .unwrap_or_default();
        let lines = vec![
            Line::raw(""),
            Line::styled(
                match (ok, l.direction) {
                    (true, Some(Direction::Out)) => "✔ GOODBYE",
                    (true, _) => "✔ WELCOME",
                    (false, _) => "✘ NO",
                },
                t.verdict(ok),
            ),
            Line::styled(head, t.verdict(ok)),
            Line::styled(why, t.verdict(ok)),
        ];
        f.render_widget(
            Paragraph::new(lines)
                .alignment(Alignment::Center)
                .style(t.verdict(ok)),
            area,
        );
    }
}

impl Drop for KioskScreen {
    fn drop(&mut self) {
        if let Some(r) = &self.run {
            r.cancel.cancel();
        }
    }
}

/// The holder's label, else its id, else what was presented.
fn who(l: &KioskLine) -> &str {
    l.label
        .as_deref()
        .or(l.holder.as_deref())
        .or(l.credential.as_deref())
        .unwrap_or("-")
}

fn direction(d: Option<Direction>) -> &'static str {
    match d {
        Some(Direction::In) => "IN",
        Some(Direction::Out) => "OUT",
        None => "",
    }
}
