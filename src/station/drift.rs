//! Clock drift (issue 14): the baseline rule of learned drift, the offset history kept
//! per token, the robust trend fit and exit-date prediction, the drift report, and the
//! correction of token clocks. The analytics are pure computations in their own files
//! fed by store reads; writing a token clock runs as a station job over a hardware
//! session, after the host clock is checked.

pub(crate) mod baseline;
pub mod fit;
pub mod history;
