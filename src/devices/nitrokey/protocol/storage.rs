//! Nitrokey Storage extras, pure (token-protocols.md §6.1–§6.2): the Stick 2.0 status
//! block its Storage-only commands (`20`–`5F`) answer with, and GET_DEVICE_STATUS
//! (`2E`), where a Storage reports its firmware and card serial (its GET_STATUS says
//! version 0.1 and no serial: Storage `report_protocol.c` `cmd_get_status`).
//!
//! Offsets are into the response payload (report bytes `[7..60)`); libnitrokey names
//! the same bytes by hidapi-buffer offsets 21 (status block) and 26 (data):
//!
//! ```text
//! [13] command counter  [14] last command  [15] Stick 2.0 status  [16] progress
//! [18] send counter  [19] data type  [20] follow bytes  [21] size
//! [22..24) magic  [24] rw flag plain  [25] rw flag encrypted
//! [26] major  [27] minor  [28] reserved  [29] build iteration
//! [30] rw flag hidden  [31] firmware locked  [32] new SD card  [33] SD filled
//! [34..38) SD card id u32 LE  [38] volumes active  [39] new smart card
//! [40] user PIN tries  [41] admin PIN tries  [42..46) smart card id u32 LE
//! [46] keys not initiated
//! ```

/// Stick 2.0 status values (libnitrokey `stick20::device_status`, Storage
/// `OUTPUT_CMD_STICK20_STATUS_*`).
pub mod stick20 {
    /// Idle.
    pub const IDLE: u8 = 0;
    /// Done.
    pub const OK: u8 = 1;
    /// Busy: read again.
    pub const BUSY: u8 = 2;
    /// Wrong password.
    pub const WRONG_PASSWORD: u8 = 3;
    /// Busy with a progress bar (long operation).
    pub const BUSY_PROGRESSBAR: u8 = 4;
    /// No user password unlock.
    pub const NO_USER_PASSWORD_UNLOCK: u8 = 6;
}

/// Payload offset of the Stick 2.0 status block.
pub const STATUS_BLOCK: usize = 13;
/// Payload offset of the Stick 2.0 data (transmission header, then the data).
pub const DATA: usize = 18;
/// Payload offset of the device configuration in a GET_DEVICE_STATUS answer.
pub const CONFIG: usize = DATA + 4;

/// The Stick 2.0 status block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusBlock {
    /// Commands started so far (wraps).
    pub counter: u8,
    /// The Storage command last started.
    pub last_command: u8,
    /// A [`stick20`] value.
    pub status: u8,
    /// Progress of a long operation, percent.
    pub progress: u8,
}

impl StatusBlock {
    /// The block in a response payload.
    pub fn parse(payload: &[u8]) -> Option<StatusBlock> {
        match payload.get(STATUS_BLOCK..STATUS_BLOCK + 4)? {
            [counter, last_command, status, progress] => Some(StatusBlock {
                counter: *counter,
                last_command: *last_command,
                status: *status,
                progress: *progress,
            }),
            _ => None,
        }
    }

    /// The four bytes.
    pub fn encode(&self) -> [u8; 4] {
        [self.counter, self.last_command, self.status, self.progress]
    }
}

/// What GET_DEVICE_STATUS says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceStatus {
    /// Firmware major.
    pub major: u8,
    /// Firmware minor as sent.
    pub minor: u8,
    /// Build iteration (non-zero: a development build).
    pub build: u8,
    /// Whether firmware updates are locked.
    pub firmware_locked: bool,
    /// SD card id.
    pub sd_card_id: u32,
    /// User PIN tries left.
    pub user_tries: u8,
    /// Admin PIN tries left.
    pub admin_tries: u8,
    /// Smart card serial.
    pub card_serial: u32,
    /// Keys not initiated yet (a fresh device).
    pub keys_not_initiated: bool,
}

impl DeviceStatus {
    /// `major.minor` as libnitrokey reports it: a development build (build iteration
    /// ≠ 0) counts as the next minor (`get_minor_firmware_version`).
    pub fn firmware(&self) -> String {
        let minor = if self.build != 0 {
            self.minor.saturating_add(1)
        } else {
            self.minor
        };
        format!("{}.{minor}", self.major)
    }

    /// Parses a GET_DEVICE_STATUS payload.
    pub fn parse(payload: &[u8]) -> Result<DeviceStatus, String> {
        let c = payload
            .get(CONFIG..CONFIG + 25)
            .ok_or("GET_DEVICE_STATUS payload too short")?;
        let u32_at = |i: usize| u32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
        Ok(DeviceStatus {
            major: c[4],
            minor: c[5],
            build: c[7],
            firmware_locked: c[9] != 0,
            sd_card_id: u32_at(12),
            user_tries: c[18],
            admin_tries: c[19],
            card_serial: u32_at(20),
            keys_not_initiated: c[24] != 0,
        })
    }

    /// Device side: the 25 configuration bytes (magic number, volume and SD flags zero).
    pub fn encode(&self) -> [u8; 25] {
        let mut c = [0u8; 25];
        c[4] = self.major;
        c[5] = self.minor;
        c[7] = self.build;
        c[9] = u8::from(self.firmware_locked);
        c[12..16].copy_from_slice(&self.sd_card_id.to_le_bytes());
        c[18] = self.user_tries;
        c[19] = self.admin_tries;
        c[20..24].copy_from_slice(&self.card_serial.to_le_bytes());
        c[24] = u8::from(self.keys_not_initiated);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn device_status_round_trips_at_libnitrokey_offsets() {
        let s = DeviceStatus {
            major: 0,
            minor: 54,
            build: 0,
            firmware_locked: true,
            sd_card_id: 0xDEAD_BEEF,
            user_tries: 3,
            admin_tries: 2,
            card_serial: 0x0000_1C0F,
            keys_not_initiated: false,
        };
        let mut payload = vec![0u8; 53];
        payload[CONFIG..CONFIG + 25].copy_from_slice(&s.encode());
        assert_eq!(DeviceStatus::parse(&payload).unwrap(), s);
        // hidapi offset 26 + 4 + 20 = 50 holds the card serial: payload 42
        assert_eq!(&payload[42..46], &[0x0F, 0x1C, 0, 0]);
        assert_eq!((payload[26], payload[27], payload[41]), (0, 54, 2));
        assert_eq!(s.firmware(), "0.54");
        assert_eq!(DeviceStatus { build: 3, ..s }.firmware(), "0.55");
        assert!(DeviceStatus::parse(&payload[..40]).is_err());
        payload[STATUS_BLOCK..STATUS_BLOCK + 4].copy_from_slice(&[7, 0x2E, stick20::BUSY, 0]);
        assert_eq!(
            StatusBlock::parse(&payload).unwrap(),
            StatusBlock {
                counter: 7,
                last_command: 0x2E,
                status: stick20::BUSY,
                progress: 0
            }
        );
    }

    proptest! {
        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = DeviceStatus::parse(&bytes);
            let _ = StatusBlock::parse(&bytes);
        }
    }
}
