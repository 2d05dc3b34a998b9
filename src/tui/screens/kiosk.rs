//! The kiosk: full screen for one location, run as the station's kiosk job. A large
//! clock, "tap your card or type your code", the last answer large in green or red
//! with the holder's label and direction, the last events, and the readers' state in
//! a corner. Typed codes show as dots. Esc asks for the operator's proof
//! ([`Station::operator_proof`], checked on a worker thread); nothing else leaves.

use std::collections::{BTreeMap, VecDeque};
use std::sync::mpsc::Sender;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::station::jobs::CancelToken;
use crate::station::presence::kiosk::{
    self, KioskInput, KioskLine, KioskProblem, LineKind, now_ms,
};
use crate::station::presence::outbox_name::outbox_file_name;

mod view;
use crate::station::{Actor, Station};
use crate::tui::app::Shared;
use crate::tui::input::{Edit, Field};
use crate::tui::msg::{self, Msg};

/// How many events the kiosk lists.
const LAST: usize = 5;
/// The name the server's state goes under beside the readers' (shared stores).
const SERVER: &str = "server";

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

    /// The answer on screen (the last presentation's line), if any.
    pub fn answer(&self) -> Option<&KioskLine> {
        self.answer.as_ref()
    }

    /// The state shown for a reader or, on a shared store, the server (`"server"`):
    /// `Some(true)` connected, `Some(false)` down or reconnecting, `None` not shown.
    pub fn state_of(&self, name: &str) -> Option<bool> {
        self.readers.get(name).copied()
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
            let mut plan = k.kiosk_plan(&location, &[], true)?;
            if k.is_shared() {
                // taps the server cannot take wait in the outbox, as at a `kiosk`
                plan.outbox = sh
                    .outbox_dir
                    .as_ref()
                    .map(|d| d.join(outbox_file_name(&plan.location, k.store_name())));
            }
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
            // the server's state shows beside the readers'
            LineKind::Server => {
                let down = matches!(l.problem, Some(KioskProblem::ServerDown(_)));
                self.readers.insert(SERVER.into(), !down);
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
}

impl Drop for KioskScreen {
    fn drop(&mut self) {
        if let Some(r) = &self.run {
            r.cancel.cancel();
        }
    }
}
