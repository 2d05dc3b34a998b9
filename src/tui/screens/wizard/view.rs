//! How the wizard draws: the steps on the left (done, current, to come; a failed one
//! in red), the choices made, the list to choose from or the fields to fill, the burn's
//! steps as they are reached, the emulated token's display (demo), a batch's gauge and
//! per-token outcomes, and the outcome with its retry.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph, Wrap};

use super::{SEEDS, STEPS, SeedChoice, Step, Wizard};
use crate::tui::app::Shared;
use crate::tui::theme::Theme;
use crate::tui::words;

/// The station's burn steps in order, with the wizard step each belongs to.
const BURN_STEPS: [(&str, usize); 7] = [
    ("open", 4),
    ("detect", 4),
    ("register", 4),
    ("clock", 5),
    ("write", 4),
    ("prove", 6),
    ("activate", 7),
];

fn at(w: &Wizard) -> usize {
    match w.step {
        Step::Reader => 0,
        Step::Product => 1,
        Step::Seed => 2,
        Step::Details => 3,
        Step::Burning | Step::Done => w
            .reached
            .last()
            .and_then(|s| BURN_STEPS.iter().find(|(b, _)| b == s))
            .map_or(4, |(_, i)| *i),
    }
}

/// Draws the wizard.
pub fn draw(w: &Wizard, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
    let t = sh.theme;
    let [steps, body] =
        Layout::horizontal([Constraint::Length(14), Constraint::Min(20)]).areas(area);
    let now = at(w);
    let done = w.step == Step::Done && w.outcome.as_ref().is_some_and(|o| o.is_ok());
    let lines: Vec<Line<'_>> = STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let style = if i == now && w.failed_at.is_some() {
                t.bad()
            } else if i < now || done {
                t.good()
            } else if i == now {
                t.selected()
            } else {
                t.dim()
            };
            Line::styled(format!(" {} {s}", i + 1), style)
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Burn ")),
        steps,
    );
    let gauge_h = if w.batch.is_some() { 3 } else { 0 };
    let [main, gauge] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(gauge_h)]).areas(body);
    f.render_widget(
        Paragraph::new(body_lines(w, sh))
            .wrap(Wrap { trim: false })
            .block(Block::bordered()),
        main,
    );
    if let Some(b) = &w.batch {
        let burned = b.outcomes.iter().filter(|(_, ok, _)| *ok).count() as u64;
        let ratio = (burned as f64 / b.total.max(1) as f64).clamp(0.0, 1.0);
        f.render_widget(
            Gauge::default()
                .block(Block::bordered().title(" Batch "))
                .gauge_style(t.good())
                .ratio(ratio)
                .label(format!("{burned} of {} burned", b.total)),
            gauge,
        );
    }
}

fn chosen(t: Theme, label: &str, v: Option<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<8}"), t.dim()),
        Span::raw(v.unwrap_or_else(|| "-".into())),
    ])
}

fn body_lines(w: &Wizard, sh: &Shared) -> Vec<Line<'static>> {
    let t = sh.theme;
    let mut lines = vec![
        chosen(
            t,
            "reader",
            w.reader.as_ref().map(|r| words::safe(&r.name, 60)),
        ),
        chosen(
            t,
            "family",
            w.reader.as_ref().map(|r| r.family_note.clone()),
        ),
        chosen(t, "product", w.product.clone()),
        chosen(
            t,
            "seed",
            w.seed.and_then(|s| {
                SEEDS
                    .iter()
                    .find(|(c, _)| *c == s)
                    .map(|(_, l)| l.to_string())
            }),
        ),
    ];
    lines.extend(fields(w, t));
    lines.push(Line::raw(""));
    match w.step {
        Step::Reader | Step::Product | Step::Seed => choices(w, t, &mut lines),
        Step::Details => lines.push(Line::styled(
            "type, Tab to the next field, Enter burns",
            t.title(),
        )),
        Step::Burning | Step::Done => progress(w, sh, &mut lines),
    }
    lines
}

fn fields(w: &Wizard, t: Theme) -> Vec<Line<'static>> {
    let cursor = |i: usize| {
        Span::styled(
            if w.step == Step::Details && w.focus == i {
                "▏"
            } else {
                ""
            },
            t.title(),
        )
    };
    let field = |label: &str, text: String, i: usize| {
        Line::from(vec![
            Span::styled(format!("{label:<8}"), t.dim()),
            Span::raw(text),
            cursor(i),
        ])
    };
    let mut out = match w.seed {
        Some(SeedChoice::Batch) => vec![
            field("prefix", w.serial.shown(), 0),
            field("count", w.count.shown(), 1),
        ],
        Some(SeedChoice::File) => vec![
            field("serial", w.serial.shown(), 0),
            field("file", w.file.shown(), 1),
        ],
        _ => vec![field("serial", w.serial.shown(), 0)],
    };
    if w.seed.is_some() {
        let slot = w.slot.shown();
        let shown = if slot.is_empty() && !(w.step == Step::Details && w.focus == out.len()) {
            "(the family's first; a Molto2: its first free profile)".to_string()
        } else {
            slot
        };
        out.push(field("slot", shown, out.len()));
    }
    out
}

fn choices(w: &Wizard, t: Theme, lines: &mut Vec<Line<'static>>) {
    let (what, items): (&str, Vec<String>) = match w.step {
        Step::Reader => (
            "reader",
            w.readers
                .iter()
                .map(|r| format!("{} — {}", words::safe(&r.name, 44), r.what))
                .collect(),
        ),
        Step::Product => (
            "product",
            w.products
                .iter()
                .map(|(p, f)| format!("{p} ({f})"))
                .collect(),
        ),
        _ => ("seed", SEEDS.iter().map(|(_, l)| l.to_string()).collect()),
    };
    lines.push(Line::styled(format!("choose the {what}:"), t.title()));
    if items.is_empty() {
        lines.push(Line::styled(format!("no {what} found"), t.warn()));
    }
    for (i, c) in items.into_iter().enumerate() {
        let style = if i == w.sel { t.selected() } else { t.text() };
        lines.push(Line::styled(format!("  {c}"), style));
    }
}

fn progress(w: &Wizard, sh: &Shared, lines: &mut Vec<Line<'static>>) {
    let t = sh.theme;
    let mut spans = vec![Span::styled("steps   ", t.dim())];
    for (s, _) in BURN_STEPS {
        let reached = w.reached.contains(&s);
        let style = if w.failed_at == Some(s) {
            t.bad()
        } else if reached {
            t.good()
        } else {
            t.dim()
        };
        let mark = if w.failed_at == Some(s) {
            "✘"
        } else if reached {
            "✔"
        } else {
            "·"
        };
        spans.push(Span::styled(format!("{mark}{s} "), style));
    }
    lines.push(Line::from(spans));
    if let Some(d) = w
        .reader
        .as_ref()
        .and_then(|r| sh.demo.as_ref().and_then(|d| d.token(&r.name)))
        .and_then(|tok| tok.display())
    {
        lines.push(Line::styled(
            format!("the token's display shows {d} (demo)"),
            t.title(),
        ));
    }
    // a batch: each token's outcome, then the latest lines; else the latest lines
    let mut keep = 8;
    if let Some(b) = &w.batch {
        let from = b.outcomes.len().saturating_sub(6);
        for (serial, good, line) in &b.outcomes[from..] {
            let text = if *good {
                format!("✔ {serial:<12} registered active")
            } else {
                line.clone()
            };
            lines.push(Line::styled(text, t.verdict(*good)));
        }
        keep = 2;
    }
    let from = w.log.len().saturating_sub(keep);
    for (l, good) in &w.log[from..] {
        lines.push(Line::styled(
            l.clone(),
            if *good { t.text() } else { t.bad() },
        ));
    }
    if let Some(s) = w.batch.as_ref().and_then(|b| b.summary.as_ref()) {
        lines.push(Line::styled(
            format!(
                "summary: {} burned, {} failed, {} skipped",
                s.burned.len(),
                s.failed.len(),
                s.skipped.len()
            ),
            t.verdict(s.failed.is_empty()),
        ));
    }
    match &w.outcome {
        Some(Ok(o)) => lines.push(Line::styled(
            format!(
                "✔ {} registered active ({}, {}, slot {}, {} proof{})",
                o.serial,
                o.product,
                o.family,
                o.slot,
                o.proof,
                if o.clock_set { ", clock set" } else { "" }
            ),
            t.good(),
        )),
        Some(Err(e)) => {
            let at = w.failed_at.unwrap_or("start");
            lines.push(Line::styled(format!("✘ failed at {at}: {e}"), t.bad()));
            lines.push(Line::styled(
                "Enter: retry (put the token back first) · n: new burn",
                t.dim(),
            ));
        }
        None => {}
    }
}
