//! serialport backend.
pub fn open(path: &str) {
    let _ = serialport::new(path, 9600).open();
}
