//! A scripted link for tests.
use super::ApduLink;

/// Answers from a script.
pub struct Scripted(pub Vec<Vec<u8>>);

impl ApduLink for Scripted {
    fn exchange(&mut self, _: &[u8]) -> Vec<u8> {
        self.0.pop().unwrap_or_default()
    }
}
