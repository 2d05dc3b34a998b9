//! The device end of a pseudo-terminal.
pub fn open(path: &str) {
    let _ = serialport::new(path, 115_200).open();
}
