//! The binary: hands over to the CLI face.
fn main() {
    tokenstation::cli::run();
}
