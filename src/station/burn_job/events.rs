//! What a burn job reports along the way, and the summary a batch ends with.

use super::super::error::{ErrorClass, ErrorReport};
use super::super::provision::BurnOutcome;
use std::time::Duration;

/// What a burn job reports along the way.
#[derive(Debug)]
pub enum BurnEvent {
    /// Waiting for token `n` (batch) to be presented.
    Present {
        /// 1-based position in the batch.
        n: usize,
        /// Its serial, when numbered.
        serial: Option<String>,
        /// The reader.
        reader: String,
        /// How long a single burn waits for it (`None`: a batch waits until cancelled).
        wait: Option<Duration>,
    },
    /// The token was found and opened: the wait is over, the burn begins.
    Opened {
        /// The reader.
        reader: String,
    },
    /// A serial of a batch already exists in the product: skipped, the batch goes on.
    Skipped {
        /// The serial.
        serial: String,
    },
    /// A token was burned, proven and registered active.
    Burned {
        /// 1-based position in the batch (1 for a single burn).
        n: usize,
        /// What was done.
        outcome: BurnOutcome,
    },
    /// A token of a batch failed; the batch goes on.
    Failed {
        /// 1-based position in the batch.
        n: usize,
        /// Its serial, when numbered.
        serial: Option<String>,
        /// Why.
        error: ErrorReport,
    },
    /// Waiting for the token to be taken away.
    Remove {
        /// The reader.
        reader: String,
    },
    /// Token `n` reached this step of the burn (`detect`, `register`, `clock`,
    /// `write`, `prove`, `activate`): a failure after it happened there.
    Step {
        /// 1-based position in the batch (1 for a single burn).
        n: usize,
        /// The step.
        step: &'static str,
    },
}

/// A token of a batch that failed.
#[derive(Debug, Clone)]
pub struct BatchFailure {
    /// Its serial, when numbered.
    pub serial: Option<String>,
    /// Why.
    pub error: ErrorReport,
}

/// The end of a batch.
#[derive(Debug, Default)]
pub struct BatchSummary {
    /// Tokens burned.
    pub burned: Vec<BurnOutcome>,
    /// Tokens that failed.
    pub failed: Vec<BatchFailure>,
    /// Numbered serials skipped because they already exist in the product.
    pub skipped: Vec<String>,
}

impl BatchSummary {
    /// The class of the last failure (the batch's verdict), if any failed.
    pub fn failure_class(&self) -> Option<ErrorClass> {
        self.failed.last().map(|f| f.error.class)
    }
}
