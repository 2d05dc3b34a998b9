//! Where drivers draw their random bytes: Nitrokey temporary passwords, YKOATH host
//! challenges (VALIDATE, SET CODE). The OS by default; a fixed or scripted source in
//! tests, so a recorded exchange replays byte for byte against the driver as well as
//! against the emulator (issue "One station for every face": driver randomness
//! injectable; firmware-protocols/README.md).

use std::fmt;

/// Fills a buffer with random bytes; `Err` says why it could not.
type Fill = Box<dyn FnMut(&mut [u8]) -> Result<(), String> + Send>;

/// A source of random bytes for a driver.
pub struct RandomSource {
    fill: Fill,
}

impl RandomSource {
    /// The operating system's generator (`getrandom`).
    pub fn os() -> Self {
        RandomSource::from_fn(|buf| getrandom::fill(buf).map_err(|e| e.to_string()))
    }

    /// Any generator; `Err` says why no bytes could be drawn.
    pub fn from_fn(f: impl FnMut(&mut [u8]) -> Result<(), String> + Send + 'static) -> Self {
        RandomSource { fill: Box::new(f) }
    }

    /// Every draw starts again at the front of `pattern` and repeats it as needed
    /// (transcript replays: the same "random" bytes at every draw). An empty pattern
    /// gives zero bytes.
    pub fn repeating(pattern: Vec<u8>) -> Self {
        RandomSource::from_fn(move |buf| {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = match pattern.len() {
                    0 => 0,
                    n => pattern[i % n],
                };
            }
            Ok(())
        })
    }

    /// Fills `buf`.
    pub fn fill(&mut self, buf: &mut [u8]) -> Result<(), String> {
        (self.fill)(buf)
    }
}

impl Default for RandomSource {
    fn default() -> Self {
        RandomSource::os()
    }
}

impl fmt::Debug for RandomSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RandomSource")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeating_restarts_at_every_draw() {
        let mut r = RandomSource::repeating(vec![1, 2, 3]);
        let mut a = [0u8; 5];
        r.fill(&mut a).unwrap();
        assert_eq!(a, [1, 2, 3, 1, 2]);
        let mut b = [0u8; 2];
        r.fill(&mut b).unwrap();
        assert_eq!(b, [1, 2]);
        let mut z = [9u8; 2];
        RandomSource::repeating(Vec::new()).fill(&mut z).unwrap();
        assert_eq!(z, [0, 0]);
    }

    #[test]
    fn os_bytes_differ_between_draws() {
        let mut r = RandomSource::os();
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        r.fill(&mut a).unwrap();
        r.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
