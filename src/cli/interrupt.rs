//! Ctrl-C for this face: one handler for the process that cancels the job running
//! now (its [`CancelToken`]), so the job stops cleanly with nothing half-written and
//! the command exits 130.

use std::sync::{Mutex, OnceLock};

use crate::station::jobs::CancelToken;

static CURRENT: Mutex<Option<CancelToken>> = Mutex::new(None);
static HANDLER: OnceLock<bool> = OnceLock::new();

/// Makes Ctrl-C cancel `token` (and whatever token is registered later instead).
pub fn cancel_on_ctrl_c(token: &CancelToken) {
    if let Ok(mut c) = CURRENT.lock() {
        *c = Some(token.clone());
    }
    HANDLER.get_or_init(|| {
        ctrlc::set_handler(|| {
            if let Ok(c) = CURRENT.lock()
                && let Some(t) = c.as_ref()
            {
                t.cancel();
            }
        })
        .is_ok()
    });
}

/// A fresh token that Ctrl-C cancels.
pub fn token() -> CancelToken {
    let t = CancelToken::new();
    cancel_on_ctrl_c(&t);
    t
}
