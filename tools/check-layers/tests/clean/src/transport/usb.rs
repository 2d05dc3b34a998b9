//! rusb backend.
pub fn list() {
    let _ = rusb::devices();
}
