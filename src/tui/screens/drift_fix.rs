//! The drift screen's fixes (issue 14's `drift fix` and `drift fix --batch`, as the
//! CLI runs them): a form asks for the reader (and, for a tray, the family, the at-risk
//! filter and how many tokens), the station's fix job runs on a worker thread, and
//! this panel shows its progress — the token waited for, each token's outcome, the
//! counts and a gauge when the tray has a size — and the summary. `x` stops a tray
//! between tokens (the station finishes the token it has begun). Which tokens get
//! their clock written and which are resynchronised with two codes is the station's
//! decision ([`crate::station::drift::fix`]), not this panel's. The readers offered
//! are in `readers`.

use std::sync::Arc;
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph};

use crate::devices::session::ReaderSpec;
use crate::station::burn_job::DeviceOptions;
use crate::station::drift::fix::{FixOptions, FixResult};
use crate::station::drift::fix_job::{self, FixBatchOrder, FixEvent, FixOrder, FixSummary};
use crate::station::host_clock::SystemClock;
use crate::station::jobs::CancelToken;
use crate::station::views::FixMethod;
use crate::station::{Station, StationError};
use crate::tui::app::Shared;
use crate::tui::form::Form;
use crate::tui::input::Field;
use crate::tui::msg::{self, Msg};
use crate::tui::words;

mod readers;

/// How long a single fix waits for the token in the reader.
const WAIT: Duration = Duration::from_secs(30);

/// What the open form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormFor {
    /// One token (its serial).
    One,
    /// A tray.
    Batch,
}

/// The fix panel: the form, then the job's progress and outcomes.
#[derive(Default)]
pub struct FixPanel {
    /// The form asking what the fix needs, and for what.
    pub form: Option<(FormFor, Form, String)>,
    running: Option<CancelToken>,
    batch: bool,
    count: Option<u64>,
    waiting: Option<usize>,
    fixed: usize,
    skipped: usize,
    failed: usize,
    log: Vec<(String, bool)>,
}

impl FixPanel {
    /// Whether a fix runs.
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    /// Whether the panel has something to show.
    pub fn shown(&self) -> bool {
        self.running() || !self.log.is_empty()
    }

    /// Opens the form to fix `serial` (its product `product`); the reader the demo's
    /// device carrying it sits in comes first.
    pub fn ask_one(&mut self, serial: &str, product: &str, sh: &Shared) {
        let mut choices = vec![String::new()];
        choices.extend(readers::choices(sh, false));
        let mut form = Form::new(format!("Fix {}", words::safe(serial, 30)))
            .field("reader (empty: two codes)", Field::new(false));
        if let Some(r) = readers::holding(sh, serial) {
            choices.retain(|c| c != &r);
            choices.insert(0, r);
            form.note = format!(
                "{} is in the demo's Molto2: Enter writes its clock\nTab next field · ↑↓ choose · Esc cancels",
                words::safe(serial, 30)
            );
        }
        let form = form
            .choices(choices)
            .field("force (host clock unsynced)", Field::new(false))
            .choices(no_yes());
        self.form = Some((FormFor::One, form, format!("{serial}\n{product}")));
    }

    /// Opens the form for a tray.
    pub fn ask_batch(&mut self, sh: &Shared) {
        let mut form = Form::new("Fix a tray of tokens")
            .field("reader", Field::new(false))
            .choices(readers::choices(sh, true))
            .field("family (empty: detect)", Field::new(false))
            .field("only at risk within days", Field::with_text("30"))
            .field("how many (empty: until x)", Field::new(false))
            .field("force (host clock unsynced)", Field::new(false))
            .choices(no_yes());
        form.note = "Enter starts · Tab next field · Esc cancels".into();
        self.form = Some((FormFor::Batch, form, String::new()));
    }

    /// Starts the job the form asked for.
    pub fn start(&mut self, sh: &mut Shared) {
        let Some((what, form, target)) = self.form.take() else {
            return;
        };
        let started = match what {
            FormFor::One => self.start_one(&form, &target, sh),
            FormFor::Batch => self.start_batch(&form, sh),
        };
        if let Err(e) = started {
            sh.say(e, false);
        }
    }

    fn start_one(&mut self, form: &Form, target: &str, sh: &mut Shared) -> Result<(), String> {
        let (serial, product) = target.split_once('\n').unwrap_or((target, ""));
        let opened = readers::demo_opener(sh, form.value(0));
        let reader = match &opened {
            Some((spec, _)) => Some(spec.clone()),
            None => parse_reader(form.value(0))?,
        };
        let Some(st) = sh.st.as_ref() else {
            return Ok(());
        };
        let order = FixOrder {
            serial: serial.to_string(),
            product: (!product.is_empty()).then(|| product.to_string()),
            reader,
            device: DeviceOptions {
                wait: WAIT,
                ..DeviceOptions::default()
            },
            options: options(form.value(1)),
            clock: Arc::new(SystemClock),
        };
        let job = st
            .open_sibling()
            .and_then(|sib| match opened {
                Some((_, open)) => fix_job::fix_opened(sib, order, open),
                None => fix_job::fix(sib, order),
            })
            .map_err(|e| words::error(&e))?;
        let cancel = job.cancel_token();
        msg::forward(job, sh.tx.clone(), Msg::Fix, |r| {
            r.ok().map(|d| Msg::FixDone(Box::new(d)))
        })
        .map_err(|e| format!("cannot start the fix: {e}"))?;
        self.begin(cancel, false, None, format!("fixing {serial}…"));
        Ok(())
    }

    fn start_batch(&mut self, form: &Form, sh: &mut Shared) -> Result<(), String> {
        let reader = parse_reader(form.value(0))?.ok_or_else(|| {
            "a tray needs a reader: choose one with ↑↓ or type pcsc:NAME".to_string()
        })?;
        let family = match form.value(1) {
            "" => None,
            f => Some(
                f.parse()
                    .map_err(|_| words::error(&StationError::UnknownFamily(f.to_string())))?,
            ),
        };
        let at_risk = match form.value(2) {
            "" => None,
            d => Some(d.parse::<f64>().map_err(|_| number("days", d))?),
        };
        let count = match form.value(3) {
            "" => None,
            n => Some(n.parse::<u64>().map_err(|_| number("how many", n))?),
        };
        let Some(st) = sh.st.as_ref() else {
            return Ok(());
        };
        let order = FixBatchOrder {
            reader,
            device: DeviceOptions {
                family,
                wait: WAIT,
                ..DeviceOptions::default()
            },
            at_risk_days: at_risk,
            count,
            options: options(form.value(4)),
            clock: Arc::new(SystemClock),
        };
        let job = st
            .open_sibling()
            .and_then(|sib| fix_job::batch(sib, order))
            .map_err(|e| words::error(&e))?;
        let cancel = job.cancel_token();
        msg::forward(job, sh.tx.clone(), Msg::Fix, |r| {
            r.ok().map(|d| Msg::FixBatchDone(Box::new(d)))
        })
        .map_err(|e| format!("cannot start the tray: {e}"))?;
        self.begin(cancel, true, count, "tray started".into());
        Ok(())
    }

    fn begin(&mut self, cancel: CancelToken, batch: bool, count: Option<u64>, first: String) {
        *self = FixPanel {
            running: Some(cancel),
            batch,
            count,
            log: vec![(first, true)],
            ..FixPanel::default()
        };
    }

    /// Stops a tray between tokens.
    pub fn stop(&mut self) {
        if let Some(c) = &self.running {
            c.cancel();
            self.log.push(("stopping after this token…".into(), true));
        }
    }

    /// An event of the fix job.
    pub fn event(&mut self, e: FixEvent) {
        let (line, good) = match e {
            FixEvent::Present { n, reader } => {
                self.waiting = Some(n);
                (
                    format!("[{n}] present a token to {}", words::safe(&reader, 40)),
                    true,
                )
            }
            FixEvent::Done { n, result } => {
                match result {
                    FixResult::Fixed(_) => self.fixed += 1,
                    FixResult::Skipped { .. } => self.skipped += 1,
                }
                (format!("[{n}] {}", describe(&result)), true)
            }
            FixEvent::Failed { n, error } => {
                self.failed += 1;
                (
                    format!("[{n}] FAILED: {}", words::safe(&error.message, 120)),
                    false,
                )
            }
            FixEvent::Remove { reader } => (
                format!("take the token off {}", words::safe(&reader, 40)),
                true,
            ),
        };
        self.log.push((line, good));
    }

    /// One fix ended: its answer in the key bar.
    pub fn done_one(&mut self, out: crate::station::Result<FixResult>, sh: &mut Shared) {
        self.running = None;
        match out {
            Ok(r) => sh.say(describe(&r), true),
            Err(e) => {
                let text = words::error(&e);
                self.log.push((text.clone(), false));
                sh.say(text, false);
            }
        }
    }

    /// A tray ended: its summary.
    pub fn done_batch(
        &mut self,
        out: (Station, crate::station::Result<FixSummary>),
        sh: &mut Shared,
    ) {
        self.running = None;
        self.waiting = None;
        match out.1 {
            Ok(s) => {
                let fixed = s
                    .done
                    .iter()
                    .filter(|r| matches!(r, FixResult::Fixed(_)))
                    .count();
                let text = format!(
                    "tray: {fixed} fixed, {} skipped, {} failed{}",
                    s.done.len() - fixed,
                    s.failed.len(),
                    if s.cancelled { " (stopped)" } else { "" }
                );
                self.log.push((text.clone(), s.failed.is_empty()));
                sh.say(text, s.failed.is_empty());
            }
            Err(e) => {
                let text = words::error(&e);
                self.log.push((text.clone(), false));
                sh.say(text, false);
            }
        }
    }

    /// Draws the progress and the outcomes in `area`.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let title = if self.batch {
            format!(
                " Tray · {} fixed · {} skipped · {} failed ",
                self.fixed, self.skipped, self.failed
            )
        } else {
            " Fix ".to_string()
        };
        let block = Block::bordered().title(Span::styled(title, t.title()));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let gauge_h = u16::from(self.count.is_some() && inner.height > 2);
        let [g, body] =
            Layout::vertical([Constraint::Length(gauge_h), Constraint::Min(0)]).areas(inner);
        if let Some(c) = self.count.filter(|_| gauge_h > 0) {
            let done = (self.fixed + self.skipped + self.failed) as u64;
            let ratio = if c == 0 {
                1.0
            } else {
                (done as f64 / c as f64).min(1.0)
            };
            f.render_widget(
                Gauge::default()
                    .ratio(ratio)
                    .label(format!("{done} of {c}"))
                    .gauge_style(t.good()),
                g,
            );
        }
        let skip = self.log.len().saturating_sub(usize::from(body.height));
        let lines: Vec<Line<'_>> = self
            .log
            .iter()
            .skip(skip)
            .map(|(l, good)| Line::styled(l.clone(), if *good { t.text() } else { t.bad() }))
            .collect();
        f.render_widget(Paragraph::new(lines), body);
    }
}

/// The choices of the force field.
fn no_yes() -> Vec<String> {
    vec!["no".into(), "yes".into()]
}

/// The fix's options: force as chosen (`drift fix --force`), the proof automatic.
fn options(force: &str) -> FixOptions {
    FixOptions {
        force: force == "yes",
        ..FixOptions::default()
    }
}

fn number(what: &str, text: &str) -> String {
    format!(
        "{what}: '{}' is not a number; type digits",
        words::safe(text, 20)
    )
}

fn parse_reader(text: &str) -> Result<Option<ReaderSpec>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<ReaderSpec>()
        .map(Some)
        .map_err(|e| words::error(&StationError::from(e)))
}

/// A fix's outcome in words.
pub fn describe(r: &FixResult) -> String {
    match r {
        FixResult::Fixed(o) => {
            let who = o.serials.join(", ");
            let mut s = match o.method {
                FixMethod::Resync => format!("fixed {who}: resynchronised ({})", o.family),
                FixMethod::Clock => format!("fixed {who}: clock set ({})", o.family),
            };
            if let Some(off) = o.offset_before_s {
                s.push_str(&format!(", was {off:+} s off"));
            }
            if let Some(off) = o.offset_after_s {
                s.push_str(&format!(", now {off:+} s"));
            }
            if o.reseeded {
                s.push_str(", seed re-sent");
            }
            s.push_str(&format!(
                "; drift before {:?} steps, now 0",
                o.drift_before_steps
            ));
            s
        }
        FixResult::Skipped { serials, why } => format!("skipped {}: {why}", serials.join(", ")),
    }
}
