//! Reading a Token2 NFC token back after a write whose answer was lost
//! (token-protocols.md §2.10; vendor-code-audit.md "PN532"): a slow reader's timeout
//! does not mean the token did not write.

use super::driver::Token2Nfc;
use crate::devices::DeviceError;
use crate::transport::{ApduLink, LinkError};

/// How a write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteCheck {
    /// The token answered `90 00`.
    Answered,
    /// The answer was lost (reader timeout); get info then showed the clock just
    /// written, so the config arrived.
    ConfirmedByClock,
    /// The answer was lost; the token still answers get info, but nothing it reveals
    /// shows the write arrived: the code on its display confirms it.
    NeedsCode,
}

/// How this session's last config and seed writes ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteReport {
    /// The last config write.
    pub config: Option<WriteCheck>,
    /// The last seed write.
    pub seed: Option<WriteCheck>,
}

impl WriteReport {
    /// Whether a write still waits for the displayed code to confirm it.
    pub fn needs_code(&self) -> bool {
        self.config == Some(WriteCheck::NeedsCode) || self.seed == Some(WriteCheck::NeedsCode)
    }
}

/// Whether a write's answer was lost on the way (a reader timeout: over a PN532 the
/// chip reports it as status 01, which reads as the card having left), so the token
/// may have done it.
pub(super) fn answer_lost(e: &DeviceError) -> bool {
    matches!(
        e,
        DeviceError::Link(LinkError::Timeout { .. } | LinkError::CardRemoved { .. })
    )
}

impl<L: ApduLink> Token2Nfc<L> {
    /// After a lost config answer: get info shows whether the clock is the one written.
    /// Not within seconds of it: the write did not arrive (the original error). Within
    /// seconds, while the token already showed that time before: nothing tells, the
    /// displayed code must.
    pub(super) fn confirm_config(
        &mut self,
        lost: DeviceError,
        written: i64,
        before: Option<i64>,
        sent_at: i64,
    ) -> Result<WriteCheck, DeviceError> {
        let Ok(info) = self.read_info() else {
            return Err(lost);
        };
        let elapsed = ((self.host_clock)() - sent_at).max(0);
        let near = |t: i64| (written - 1..=written + elapsed + 2).contains(&t);
        let check = match near(i64::from(info.time)) {
            false => return Err(lost),
            true if before.is_some_and(|b| (b - written).abs() <= elapsed + 2) => {
                WriteCheck::NeedsCode
            }
            true => WriteCheck::ConfirmedByClock,
        };
        tracing::warn!(
            "{}: WRITE CONFIG answer lost ({lost}); read back: {check:?}",
            self.device()
        );
        Ok(check)
    }
}
