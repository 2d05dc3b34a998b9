//! Read models: what every face shows, assembled here from store reads so the CLI, the
//! TUI and the API show the same thing. Each is a plain struct that serialises with
//! stable field names (the CLI's `--json`); faces word and lay them out. The filters
//! and records they use are re-exported here, so a face needs nothing from the store.

pub mod catalog;
pub mod dashboard;
pub mod device;
pub mod drift;
pub mod hardware;
pub mod logs;
pub mod page;
pub mod presence;
pub mod tokens;

pub use catalog::{HolderDetail, LocationDetail, LocationRow, ProductRow};
pub use dashboard::DashboardView;
pub use device::{DeviceInfoView, HeldEntry, HeldList};
pub use drift::{
    DriftDetail, DriftFilter, DriftPoint, DriftReport, DriftRow, FixMethod, TrendSource,
};
pub use logs::{Attempt, AttemptFilter, AuditEntry, AuditFilter};
pub use page::{Page, PageRequest};
pub use presence::{Credential, KioskSettings, LocationPresence, PeriodEdge, PresenceReport};
pub use tokens::{TokenDetail, TokenFilter};
