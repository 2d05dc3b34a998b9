//! The application state: which screen is shown, each screen's state, the station the
//! views are read from, and the keys every screen shares (`?`, `q`, Tab, digits). The
//! UI thread owns it; [`App::update`] takes one [`Msg`], [`App::draw`] draws a frame.

use std::sync::mpsc::Sender;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout};

use super::chrome;
use super::msg::Msg;
use super::screens::{
    audit::AuditScreen, dashboard::Dashboard, drift::DriftScreen, hardware::HardwareScreen,
    kiosk::KioskScreen, presence::PresenceScreen, products::ProductsScreen, tokens::TokensScreen,
    wizard::Wizard,
};
use super::theme::Theme;
use crate::station::Station;

/// The screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Locations, counts, alerts, hardware, recent lines.
    Dashboard,
    /// Products and tokens.
    Tokens,
    /// The provisioning wizard.
    Wizard,
    /// A location's kiosk (full screen).
    Kiosk,
    /// The drift report.
    Drift,
    /// Readers, cards and USB tokens.
    Hardware,
    /// Who is in, reports.
    Presence,
    /// Audit log and attempts.
    Audit,
    /// Products, leading to their tokens.
    Products,
}

impl Screen {
    /// Every screen, in tab order (the digit keys 1 to 9).
    pub const ALL: [Screen; 9] = [
        Screen::Dashboard,
        Screen::Tokens,
        Screen::Wizard,
        Screen::Kiosk,
        Screen::Drift,
        Screen::Hardware,
        Screen::Presence,
        Screen::Audit,
        Screen::Products,
    ];

    /// The screen's title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Dashboard => "Dashboard",
            Screen::Tokens => "Tokens",
            Screen::Wizard => "Burn",
            Screen::Kiosk => "Kiosk",
            Screen::Drift => "Drift",
            Screen::Hardware => "Hardware",
            Screen::Presence => "Presence",
            Screen::Audit => "Audit",
            Screen::Products => "Products",
        }
    }

    fn index(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// Where time comes from: the system clock, or a fixed instant (snapshots).
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this Unix second.
    Fixed(i64),
}

/// What the screens share: the station, the theme, the clock, the channel to the UI
/// thread, and the last answer of the station to show in the key bar.
pub struct Shared {
    /// The station views are read from; `None` while a job holds it.
    pub st: Option<Station>,
    /// Colours or not.
    pub theme: Theme,
    /// Where time comes from.
    pub clock: Clock,
    /// Messages for the UI thread (job forwarders send here).
    pub tx: Sender<Msg>,
    /// The station's last answer: text, and whether it is good news.
    pub status: Option<(String, bool)>,
    /// Demo hardware, when the demo runs.
    pub demo: Option<super::demo::DemoHardware>,
    /// Whether screens read the hardware inventory (off in snapshots: it is the
    /// machine's).
    pub probe: bool,
    /// Where a kiosk started here keeps its outbox on a shared (PostgreSQL) store; the
    /// file name is the station's (`outbox_file_name`). `None`: no outbox, a tap the
    /// server cannot take is an error on screen.
    pub outbox_dir: Option<std::path::PathBuf>,
}

impl Shared {
    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        match self.clock {
            Clock::Fixed(t) => t,
            Clock::System => crate::station::presence::kiosk::now_ms() / 1000,
        }
    }

    /// Shows the station's answer.
    pub fn say(&mut self, text: impl Into<String>, good: bool) {
        self.status = Some((text.into(), good));
    }

    /// Shows an error in words (its hint too).
    pub fn say_err(&mut self, e: &crate::station::StationError) {
        self.say(super::words::error(e), false);
    }
}

/// The whole UI state.
pub struct App {
    /// The screen shown.
    pub screen: Screen,
    /// Whether the key help is open.
    pub help: bool,
    /// Set when the UI should end.
    pub quit: bool,
    /// A job's question, drawn over the screen until answered.
    pub prompt: Option<super::prompt::Prompt>,
    /// What the screens share.
    pub sh: Shared,
    /// Screens.
    pub dashboard: Dashboard,
    /// Tokens list.
    pub tokens: TokensScreen,
    /// The wizard.
    pub wizard: Wizard,
    /// The kiosk.
    pub kiosk: KioskScreen,
    /// Drift.
    pub drift: DriftScreen,
    /// Hardware.
    pub hardware: HardwareScreen,
    /// Presence.
    pub presence: PresenceScreen,
    /// Audit.
    pub audit: AuditScreen,
    /// Products.
    pub products: ProductsScreen,
}

impl App {
    /// An app on `st`, showing the dashboard. It reads the hardware inventory; see
    /// [`Shared::probe`].
    pub fn new(st: Station, theme: Theme, clock: Clock, tx: Sender<Msg>) -> App {
        let mut app = App {
            screen: Screen::Dashboard,
            help: false,
            quit: false,
            prompt: None,
            sh: Shared {
                st: Some(st),
                theme,
                clock,
                tx,
                status: None,
                demo: None,
                probe: true,
                outbox_dir: None,
            },
            dashboard: Dashboard::default(),
            tokens: TokensScreen::default(),
            wizard: Wizard::default(),
            kiosk: KioskScreen::default(),
            drift: DriftScreen::default(),
            hardware: HardwareScreen::default(),
            presence: PresenceScreen::default(),
            audit: AuditScreen::default(),
            products: ProductsScreen::default(),
        };
        app.dashboard.refresh(&mut app.sh);
        app
    }

    /// Shows `screen`, reading its views afresh.
    pub fn show(&mut self, screen: Screen) {
        if self.screen == Screen::Kiosk && self.kiosk.running() {
            return; // left only through the operator passphrase
        }
        self.screen = screen;
        let sh = &mut self.sh;
        match screen {
            Screen::Dashboard => self.dashboard.refresh(sh),
            Screen::Tokens => self.tokens.refresh(sh),
            Screen::Wizard => self.wizard.refresh(sh),
            Screen::Kiosk => self.kiosk.refresh(sh),
            Screen::Drift => self.drift.refresh(sh),
            Screen::Hardware => self.hardware.refresh(sh),
            Screen::Presence => self.presence.refresh(sh),
            Screen::Audit => self.audit.refresh(sh),
            Screen::Products => self.products.refresh(sh),
        }
    }

    /// Whether the current screen takes every key as text (search, forms, kiosk).
    pub(crate) fn captures(&self) -> bool {
        match self.screen {
            Screen::Kiosk => self.kiosk.running(),
            Screen::Tokens => self.tokens.captures(),
            Screen::Wizard => self.wizard.captures(),
            Screen::Audit => self.audit.captures(),
            Screen::Hardware => self.hardware.captures(),
            Screen::Drift => self.drift.captures(),
            Screen::Products => self.products.captures(),
            Screen::Presence => self.presence.captures(),
            _ => false,
        }
    }

    /// Takes one message.
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Resize => {}
            Msg::Tick => {
                if self.screen == Screen::Dashboard {
                    self.dashboard.refresh(&mut self.sh);
                }
            }
            Msg::Kiosk(line) => self.kiosk.line(line, &mut self.sh),
            Msg::KioskEnded => self.kiosk.ended(),
            Msg::OperatorChecked(ok) => {
                if self.kiosk.operator_checked(ok, &mut self.sh) {
                    self.show(Screen::Dashboard);
                }
            }
            Msg::Burn(e) => self.wizard.event(e, &mut self.sh),
            Msg::Ask(ask, reply) => self.prompt = Some(super::prompt::Prompt::new(ask, reply)),
            Msg::Fix(e) => self.drift.event(e),
            Msg::FixDone(done) => self.drift.done(*done, &mut self.sh),
            Msg::BurnDone(done) => self.wizard.done(*done, &mut self.sh),
            Msg::Hardware(m) => self.hardware.watch_msg(m),
            Msg::InputClosed => self.quit = !self.kiosk.running(),
            Msg::BatchDone(done) => self.wizard.batch_done(*done, &mut self.sh),
            Msg::Inventory(inv) => self.hardware.inventory(*inv, &self.sh),
            Msg::DeviceNote(note) => self.hardware.note(note),
            Msg::DeviceList(done) => self.hardware.listed(*done, &mut self.sh),
            Msg::FixBatchDone(done) => self.drift.batch_done(*done, &mut self.sh),
            Msg::Mouse(m) => self.mouse(m),
            Msg::WorkerPanicked(text) => self.sh.say(super::words::safe(&text, 160), false),
        }
    }

    fn key(&mut self, k: KeyEvent) {
        if self.help {
            self.help = false;
            return;
        }
        if let Some(p) = self.prompt.as_mut() {
            if p.key(k) {
                self.prompt = None;
            }
            return;
        }
        let ctrl_c = k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
        if self.captures() {
            if ctrl_c && !self.kiosk.running() {
                self.quit = true;
            }
            return self.screen_key(k);
        }
        match k.code {
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char('q') => self.quit = true,
            _ if ctrl_c => self.quit = true,
            KeyCode::Tab => self.show(Screen::ALL[(self.screen.index() + 1) % Screen::ALL.len()]),
            KeyCode::BackTab => {
                let n = Screen::ALL.len();
                self.show(Screen::ALL[(self.screen.index() + n - 1) % n]);
            }
            KeyCode::Char(c @ '1'..='9') => {
                let i = (c as usize) - ('1' as usize);
                self.show(Screen::ALL[i]);
            }
            _ => self.screen_key(k),
        }
    }

    pub(crate) fn screen_key(&mut self, k: KeyEvent) {
        let sh = &mut self.sh;
        match self.screen {
            Screen::Dashboard => {}
            Screen::Wizard => self.wizard.key(k, sh),
            Screen::Kiosk => self.kiosk.key(k, sh),
            Screen::Drift => self.drift.key(k, sh),
            Screen::Hardware => {
                self.hardware.key(k, sh);
                if let Some(reader) = self.hardware.take_burn() {
                    self.wizard.preselect(&reader, &mut self.sh);
                    self.show(Screen::Wizard);
                }
            }
            Screen::Presence => self.presence.key(k, sh),
            Screen::Audit => self.audit.key(k, sh),
            Screen::Tokens => {
                if k.code == KeyCode::Char('p') && !self.tokens.detail_open() {
                    self.show(Screen::Products);
                } else {
                    self.tokens.key(k, sh);
                }
            }
            Screen::Products => {
                if let Some(p) = self.products.key(k) {
                    self.tokens.only_product(Some(p));
                    self.show(Screen::Tokens);
                }
            }
        }
    }

    /// Draws one frame.
    pub fn draw(&mut self, f: &mut Frame<'_>) {
        let area = f.area();
        if self.screen == Screen::Kiosk && self.kiosk.running() {
            self.kiosk.draw(f, area, &self.sh);
            return;
        }
        let [tabs, body, bar] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        chrome::tabs(f, tabs, self.screen, &self.sh);
        let sh = &self.sh;
        match self.screen {
            Screen::Dashboard => self.dashboard.draw(f, body, sh),
            Screen::Tokens => self.tokens.draw(f, body, sh),
            Screen::Wizard => self.wizard.draw(f, body, sh),
            Screen::Kiosk => self.kiosk.draw(f, body, sh),
            Screen::Drift => self.drift.draw(f, body, sh),
            Screen::Hardware => self.hardware.draw(f, body, sh),
            Screen::Presence => self.presence.draw(f, body, sh),
            Screen::Audit => self.audit.draw(f, body, sh),
            Screen::Products => self.products.draw(f, body, sh),
        }
        chrome::key_bar(f, bar, &self.screen_keys(), &self.sh);
        if let Some(p) = &self.prompt {
            p.draw(f, body, &self.sh);
        }
        if self.screen == Screen::Tokens
            && let Some(q) = self.tokens.qr()
        {
            q.draw(f, area, &self.sh);
        }
        if self.help {
            chrome::help(f, area, self.screen, &self.screen_keys(), &self.sh);
        }
    }

    /// The keys of the current screen (key, what it does).
    pub fn screen_keys(&self) -> Vec<(&'static str, &'static str)> {
        match self.screen {
            Screen::Dashboard => vec![],
            Screen::Tokens => self.tokens.keys(),
            Screen::Wizard => self.wizard.keys(),
            Screen::Kiosk => self.kiosk.keys(),
            Screen::Drift => self.drift.keys(),
            Screen::Hardware => self.hardware.keys(),
            Screen::Presence => self.presence.keys(),
            Screen::Audit => self.audit.keys(),
            Screen::Products => self.products.keys(),
        }
    }
}
