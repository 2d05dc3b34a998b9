//! The clap face.
pub mod burn;

/// Runs the CLI.
pub fn run() {
    if let Err(e) = burn::burn() {
        eprintln!("{e:#}");
    }
}
