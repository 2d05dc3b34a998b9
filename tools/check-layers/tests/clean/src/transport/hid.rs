//! hidapi backend.
pub fn open() {
    let _ = hidapi::HidApi::new();
}
