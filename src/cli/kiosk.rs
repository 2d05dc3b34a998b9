//! `tokenstation kiosk`: a location's presence station. Reader threads and the
//! terminal feed one loop; each tap or typed line is decided and committed before its
//! line is printed (one line per event on stdout; `--json`: one JSON object per line).

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;

use super::Ctx;
use crate::station::jobs::JobMsg;
use crate::station::presence::kiosk::{
    self, CODE_TIMEOUT_S, KioskInput, KioskLine, KioskProblem, LineKind, now_ms,
};
use crate::station::presence::kiosk_job::KioskPlan;
use crate::station::presence::offline;
use crate::station::presence::offline_start::{OfflineStart, store_name_of};
use crate::station::presence::outbox_name::outbox_file_name;
use crate::station::presence::{EventStatus, Reason};
use crate::station::verdict::Status;
use crate::station::{Actor, Station, StationError, is_shared_store};

/// Options of `tokenstation kiosk`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Readers (SPEC): pcsc:READER-NAME, pn532:/dev/PATH, rdm6300:/dev/PATH, hid:/dev/hidrawN.\n\
Without --reader the location's configured readers are used (`location readers L --add SPEC`).\n\n\
Typed lines (from this terminal, or a keyboard-wedge reader), one per Enter:\n  \
  SERIAL CODE        a code from token SERIAL (names its holder)\n  \
  CODE               a code, after tapping a card or tag (within 30 s)\n  \
  in ... / out ...   force the direction, e.g. `out C302-0001 123456`\n\
CODE is 6 to 10 digits (or a backup code). A wedge reader's 10-digit line is first\n\
taken as a tag id (0011649747) when such a tag is enrolled.\n\n\
What a location requires (`location mode L MODE`): card (a tap), code (SERIAL CODE,\n\
or a tap then CODE), card+code (a tap, then CODE from the same holder's token).\n\
Taps toggle in/out. Refused: unknown credentials, an explicit `in` while in, any event\n\
sooner than the minimum interval; repeated taps within the fold interval are folded.\n\n\
Output: one line per committed event (`OK #id IN ...` / `NO #id refused: ...`), shown\n\
only after the event is in the store; prompts start with `?`, notes with `=`, `--`, `!!`.\n\
With a PostgreSQL store, taps the server cannot take are kept in the outbox (--outbox),\n\
shown `(recorded offline)` and sent when it is back; typed codes are then refused,\n\
except those of tokens leased to this station (`token lease SERIAL --station S`).\n\
A kiosk whose server does not answer at start runs from the snapshot its outbox kept\n\
the last time it ran there (key checked first), and refuses to start without one.\n\
Example with an emulated reader:\n  \
  tokenstation emulate --rdm6300 0A00B1C2D3 --tap-every 5     # prints /dev/pts/N\n  \
  tokenstation kiosk --location Lobby --reader rdm6300:/dev/pts/N"
)]
pub struct KioskArgs {
    /// The location this kiosk stands at [default: `kiosk.location` of the
    /// configuration file].
    #[arg(long)]
    pub location: Option<String>,
    /// A reader to listen to (repeat for more); default: `kiosk.readers` of the
    /// configuration file, else the location's readers.
    #[arg(long = "reader", value_name = "SPEC")]
    pub readers: Vec<String>,
    /// Do not read typed lines from standard input.
    #[arg(long)]
    pub no_stdin: bool,
    /// Stop by itself after SECONDS (for scripts); default: until Ctrl-C.
    #[arg(long = "for", value_name = "SECONDS")]
    pub run_for: Option<f64>,
    /// With a PostgreSQL store: the outbox file that keeps taps recorded while the
    /// server does not answer [default: outbox-LOCATION.db in $STATE_DIRECTORY, else
    /// beside the default store (~/.local/share/tokenstation)].
    #[arg(long, value_name = "PATH", env = "TOKENSTATION_OUTBOX")]
    pub outbox: Option<std::path::PathBuf>,
}

/// Runs `tokenstation kiosk`.
pub fn run(ctx: &Ctx, a: KioskArgs) -> anyhow::Result<ExitCode> {
    let Some(location) = a.location.as_deref() else {
        anyhow::bail!(
            "no location for the kiosk: pass --location NAME, or set kiosk.location in the configuration file"
        );
    };
    // A kiosk writes every event it decides: it runs unlocked, recorded as the kiosk.
    let actor = Actor::kiosk(location)?;
    let (st, plan) = match ctx.open_unlocked_as(actor.clone()) {
        Ok(st) => {
            let mut plan = st.kiosk_plan(location, &a.readers, !a.no_stdin)?;
            if st.is_shared() {
                plan.outbox = Some(match a.outbox {
                    Some(p) => p,
                    None => default_outbox(&plan.location, st.store_name())?,
                });
            }
            (st, plan)
        }
        Err(e) if server_down(ctx, &e) => start_offline(ctx, &a, location, actor)?,
        Err(e) => return Err(e),
    };
    let run = kiosk::start(st, &plan)?;
    super::interrupt::cancel_on_ctrl_c(&run.job.cancel_token());
    if !a.no_stdin {
        let tx = run.input.clone();
        let alone = plan.readers.is_empty();
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    let Ok(text) = line else { break };
                    let input = KioskInput::Line {
                        text,
                        source: "stdin".into(),
                        at_ms: now_ms(),
                    };
                    if tx.send(input).is_err() {
                        return;
                    }
                }
                if alone {
                    let _ = tx.send(KioskInput::Stop);
                }
            })?;
    }
    if let Some(secs) = a.run_for {
        let cancel = run.job.cancel_token();
        let d = Duration::from_secs_f64(secs.max(0.0));
        std::thread::Builder::new()
            .name("timer".into())
            .spawn(move || {
                std::thread::sleep(d);
                cancel.cancel();
            })?;
    }
    drop(run.input);

    errln!(
        "kiosk {}: mode {}; readers: {}; type SERIAL CODE (or CODE after a tap) and Enter; Ctrl-C to stop",
        plan.location,
        plan.mode.as_str(),
        if plan.readers.is_empty() {
            "none".to_string()
        } else {
            plan.readers
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    super::service::notify_ready(&format!("kiosk at {}", plan.location));
    super::service::start_watchdog(run.health.clone(), run.job.cancel_token())?;
    let json = ctx.json;
    let st = run.job.run(|m| {
        let JobMsg::Event(line) = m else { return };
        journal(&line);
        let message = message(&line);
        if message.is_empty() {
            return;
        }
        let text = if json {
            serde_json::to_string(&Out {
                line: &line,
                message: &message,
            })
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        } else {
            message
        };
        // The event is committed already; a closed stdout must not stop the kiosk (it
        // goes on recording presence; the store has every event).
        let _ = outln!("{text}");
    })?;
    super::service::notify_stopping();
    st?;
    Ok(ExitCode::SUCCESS)
}

/// Whether opening a shared store failed because its server does not answer.
fn server_down(ctx: &Ctx, e: &anyhow::Error) -> bool {
    is_shared_store(&ctx.db.to_string_lossy())
        && e.downcast_ref::<StationError>()
            .is_some_and(offline::is_unreachable)
}

/// A kiosk whose server does not answer at start: from its outbox's snapshot
/// (`station::presence::offline_start` has the rule), said in one line on stderr.
fn start_offline(
    ctx: &Ctx,
    a: &KioskArgs,
    location: &str,
    actor: Actor,
) -> anyhow::Result<(Station, KioskPlan)> {
    let outbox = match &a.outbox {
        Some(p) => p.clone(),
        None => default_outbox(location, &store_name_of(&ctx.db))?,
    };
    let start = OfflineStart::find(&ctx.db, &outbox, location)?;
    let source = ctx.key_source(start.key_kind())?;
    let (taken, store) = (start.taken_at_text(), start.store_name().to_string());
    let (st, plan) = start.open(actor, &source, &a.readers, !a.no_stdin)?;
    errln!(
        "server unreachable at start: running from the snapshot of {taken} in {}; taps are recorded offline and sent when {store} answers",
        outbox.display()
    );
    Ok((st, plan))
}

/// A kiosk line as a log record with fields (the journal under systemd): the
/// location, reader, event id, holder, token serial and outcome; never a code, nor a
/// card's or tag's id (they are bearer credentials).
fn journal(l: &KioskLine) {
    let (loc, reader, holder) = (&l.location, l.reader.as_deref(), l.holder.as_deref());
    // The credential is stored as `KIND VALUE` (station::presence::CredentialKey).
    let serial = l
        .credential
        .as_deref()
        .and_then(|c| c.strip_prefix("token "));
    let status = l.status.map(|s| s.as_str());
    let direction = l.direction.map(|d| d.as_str());
    let reason = l.reason.map(|r| r.as_str());
    match (l.kind, &l.problem) {
        (LineKind::Event, _) => tracing::info!(
            location = %loc, reader, event_id = l.id, holder, serial, status, direction, reason,
            offline = l.offline, "presence event"
        ),
        (LineKind::Server, Some(KioskProblem::ServerDown(outbox))) => {
            tracing::warn!(location = %loc, outbox = %outbox, "server unreachable, recording offline")
        }
        (LineKind::Server, _) => tracing::info!(location = %loc, "server back, outbox sent"),
        (LineKind::Reader, Some(KioskProblem::ReaderDown(e))) => {
            tracing::warn!(location = %loc, reader, error = %e, "reader down")
        }
        (LineKind::Reader, _) => tracing::info!(location = %loc, reader, "reader ready"),
        (LineKind::Error, Some(p)) => {
            let what = match p {
                KioskProblem::NotRecorded(_) => "not recorded",
                KioskProblem::AutoCheckout(_) => "automatic check-out failed",
                KioskProblem::ReaderDown(_) => "reader down",
                KioskProblem::ServerDown(_) => "server unreachable, recording offline",
                KioskProblem::ServerBack => "server back, outbox sent",
                KioskProblem::TagLength => "tag of unexpected length",
                KioskProblem::NotUnderstood(_) => "typed line not understood",
            };
            tracing::warn!(location = %loc, reader, problem = what, "kiosk problem")
        }
        _ => {}
    }
}

/// A kiosk line as printed with `--json`: its fields and the line for people.
#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    line: &'a KioskLine,
    message: &'a str,
}

fn who(l: &KioskLine) -> String {
    match (&l.label, &l.holder) {
        (Some(label), Some(h)) => format!("{label} ({h})"),
        (None, Some(h)) => h.clone(),
        _ => l.credential.clone().unwrap_or_else(|| "unknown".into()),
    }
}

/// ` via READER` for an event from a reader, named as its `-- reader … ready` line
/// names it (typed lines name no reader).
fn via(l: &KioskLine) -> String {
    match l.reader.as_deref() {
        Some(r) if r != "stdin" => format!(" via {r}"),
        _ => String::new(),
    }
}

/// A refusal reason in words.
pub fn explain(reason: Reason) -> String {
    match reason {
        Reason::UnknownCredential => {
            "unknown card, tag or token: enrol it with `tokenstation holder enrol`".into()
        }
        Reason::CardRequired => "this location needs a card or tag: tap it first".into(),
        Reason::CredentialMismatch => "the card and the token belong to different holders".into(),
        Reason::NoToken => "no token enrolled for this holder".into(),
        Reason::AlreadyIn => "already checked in: check out first".into(),
        Reason::NotIn => "not checked in".into(),
        Reason::TooSoon => "too soon after the last event: wait and try again".into(),
        Reason::Code(Status::InvalidCode) => "wrong code".into(),
        Reason::Code(Status::Replayed) => "code already used: wait for the next one".into(),
        Reason::Code(Status::LimitReached) => "too many failures: try again later".into(),
        other => other.as_str().to_string(),
    }
}

/// `#id` of a stored event, `outbox #seq` of one recorded offline.
fn event_ref(l: &KioskLine) -> String {
    match (l.offline, l.outbox_seq) {
        (true, Some(seq)) => format!("outbox #{seq}"),
        _ => format!("#{}", l.id.unwrap_or(0)),
    }
}

/// What an offline line adds.
fn offline_note(l: &KioskLine) -> &'static str {
    if l.offline { " (recorded offline)" } else { "" }
}

/// The outbox of a kiosk at `location` of `store` when none is given: the station's
/// name for it ([`outbox_file_name`]) in [`outbox_dir`].
fn default_outbox(location: &str, store: &str) -> anyhow::Result<std::path::PathBuf> {
    Ok(outbox_dir()?.join(outbox_file_name(location, store)))
}

/// Where kiosks keep their outboxes when none is given: systemd's state directory
/// (`StateDirectory=`, the first of several), else the default store's directory.
pub fn outbox_dir() -> anyhow::Result<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("STATE_DIRECTORY").filter(|d| !d.is_empty()) {
        // several directories are separated by ':'; the first is ours
        let first = dir
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or("")
            .to_string();
        return Ok(std::path::PathBuf::from(first));
    }
    let db = super::default_db()?;
    Ok(db
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default())
}

/// The line people see for a kiosk line (empty: nothing to show).
pub fn message(l: &KioskLine) -> String {
    let clock = l.clock.clone().unwrap_or_default();
    let dir = l.direction.map(|d| d.as_str());
    match l.kind {
        LineKind::Folded => format!(
            "= {} already {} since {clock}{}",
            who(l),
            dir.unwrap_or("recorded"),
            offline_note(l)
        ),
        LineKind::Duplicate => format!("= event {} was already recorded", event_ref(l)),
        LineKind::Event if l.status == Some(EventStatus::Ok) => format!(
            "OK {} {:<3} {} at {} {clock}{}{}",
            event_ref(l),
            dir.unwrap_or("-").to_uppercase(),
            who(l),
            l.location,
            via(l),
            offline_note(l)
        ),
        LineKind::Event => format!(
            "NO {} refused: {} ({}) at {} {clock}{}{}",
            event_ref(l),
            l.reason.map(explain).unwrap_or_else(|| "REFUSED".into()),
            who(l),
            l.location,
            via(l),
            offline_note(l)
        ),
        LineKind::Server => match &l.problem {
            Some(KioskProblem::ServerDown(outbox)) => format!(
                "!! server unreachable: taps are recorded offline in {outbox} and sent when it is back; typed codes are refused unless their token is leased to this station"
            ),
            _ => "-- server back: every tap recorded offline was sent".into(),
        },
        LineKind::NeedCode => format!(
            "? {}: type the code of your token and Enter (within {CODE_TIMEOUT_S} s)",
            l.label
                .clone()
                .or_else(|| l.holder.clone())
                .unwrap_or_default()
        ),
        LineKind::Expired => format!(
            "-- no code came for {}: tap again",
            l.credential.as_deref().unwrap_or("the tap")
        ),
        LineKind::Reader => match &l.problem {
            Some(KioskProblem::ReaderDown(e)) => format!(
                "!! reader {} down: {e}; retrying",
                l.reader.as_deref().unwrap_or("?")
            ),
            _ => format!("-- reader {} ready", l.reader.as_deref().unwrap_or("?")),
        },
        LineKind::Error => match &l.problem {
            Some(KioskProblem::NotUnderstood(e)) => format!("!! {e}"),
            Some(KioskProblem::TagLength) => format!(
                "!! {}: tag of unexpected length",
                l.reader.as_deref().unwrap_or("?")
            ),
            Some(KioskProblem::NotRecorded(e)) => format!("!! not recorded: {e}"),
            Some(KioskProblem::AutoCheckout(e)) => format!("!! automatic check-out failed: {e}"),
            Some(KioskProblem::ReaderDown(e)) => format!("!! {e}"),
            Some(KioskProblem::ServerDown(_) | KioskProblem::ServerBack) | None => String::new(),
        },
    }
}
