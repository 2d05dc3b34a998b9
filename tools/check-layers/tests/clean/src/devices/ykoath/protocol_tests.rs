//! Codec tests.
use super::INS_PUT;

#[test]
fn put() {
    assert_eq!(INS_PUT, 1);
}
