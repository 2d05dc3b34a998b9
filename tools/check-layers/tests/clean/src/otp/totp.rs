//! TOTP: time comes in as an argument.
use super::{STEP, Secret};

/// The code at `unix_time`.
pub fn at(secret: &Secret, unix_time: u64) -> u32 {
    (unix_time / STEP.as_secs()) as u32 ^ secret.0.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        assert_eq!(at(&Secret(vec![]), 59), 1);
    }
}
