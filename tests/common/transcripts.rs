//! Loading the request/response transcripts of `firmware-protocols/<family>/`.

use std::path::PathBuf;

use tokenstation::transport::transcript::Transcript;

/// Every `*.transcript` of a family, sorted by file name; fails when there is none.
pub fn load(family: &str) -> Vec<Transcript> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("firmware-protocols")
        .join(family);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "transcript"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no transcripts in {}", dir.display());
    paths.iter().map(|p| Transcript::load(p).unwrap()).collect()
}
