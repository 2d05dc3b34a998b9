//! One module per screen: its state, its keys, and how it draws. Each reads station
//! views and starts station use cases or jobs; none holds a rule of its own.

pub mod audit;
pub mod dashboard;
pub mod drift;
pub mod hardware;
pub mod kiosk;
pub mod presence;
pub mod token_detail;
pub mod tokens;
pub mod wizard;
// Added for issue 15's second part (kept at the end: other work edits above).
pub mod drift_fix;
pub mod presence_submit;
pub mod products;
pub mod qr;
