//! Reading an input file (a seed file to import, a key file) without trusting it: only
//! a regular file is opened (not `/dev/zero`, a FIFO, a socket or a directory), and at
//! most `limit` bytes are read, so a runaway or endless file is refused instead of
//! filling memory. Text must be UTF-8. Every refusal names the file and is an input
//! error (exit code 2), never a store error.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;

use zeroize::Zeroizing;

/// Why an input file was not read. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputFileError {
    /// The file does not exist.
    #[error("{path}: no such file; check the path")]
    Missing {
        /// The path as given.
        path: String,
    },
    /// A directory, device, FIFO or socket.
    #[error("{path}: not a regular file ({what}); give the path of a file")]
    NotRegular {
        /// The path as given.
        path: String,
        /// What it is instead.
        what: &'static str,
    },
    /// Larger than the limit.
    #[error(
        "{path}: larger than {limit} bytes, the most an input may have; split it into smaller files"
    )]
    TooLarge {
        /// The path as given.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Text that is not UTF-8.
    #[error("{path}: not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8")]
    NotUtf8 {
        /// The path as given.
        path: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// Any other read error (permissions, I/O).
    #[error("{path}: cannot be read: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// What a non-regular file is, for messages.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a file"
    }
}

/// Reads at most `limit` bytes of the regular file at `path`; the buffer is wiped when
/// dropped (seed files hold secrets).
pub fn read_bytes(path: &Path, limit: u64) -> Result<Zeroizing<Vec<u8>>, InputFileError> {
    let shown = || path.display().to_string();
    let io = |source: std::io::Error| match source.kind() {
        ErrorKind::NotFound => InputFileError::Missing { path: shown() },
        _ => InputFileError::Io {
            path: shown(),
            source,
        },
    };
    // Checked before opening: opening a FIFO for reading blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(InputFileError::NotRegular {
            path: shown(),
            what: kind_of(&meta),
        });
    }
    let file = File::open(path).map_err(io)?;
    // And again on the open handle, in case the path was swapped in between.
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(InputFileError::NotRegular {
            path: shown(),
            what: kind_of(&meta),
        });
    }
    // Sized up front: a growing Vec would leave unwiped copies of the seeds behind.
    let expected = meta.len().min(limit).saturating_add(1);
    let mut buf = Zeroizing::new(Vec::with_capacity(
        usize::try_from(expected).unwrap_or(usize::MAX),
    ));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(io)?;
    if u64::try_from(buf.len()).unwrap_or(u64::MAX) > limit {
        return Err(InputFileError::TooLarge {
            path: shown(),
            limit,
        });
    }
    Ok(buf)
}

/// Reads a UTF-8 text file of at most `limit` bytes (see [`read_bytes`]).
pub fn read_text(path: &Path, limit: u64) -> Result<Zeroizing<String>, InputFileError> {
    let mut bytes = read_bytes(path, limit)?;
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            drop(Zeroizing::new(e.into_bytes()));
            Err(InputFileError::NotUtf8 {
                path: path.display().to_string(),
                offset,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "héllo").unwrap();
        assert_eq!(read_text(&p, 6).unwrap().as_str(), "héllo");
        let e = read_text(&p, 5).unwrap_err();
        assert!(
            matches!(e, InputFileError::TooLarge { limit: 5, .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with(&format!("{}: larger than 5 bytes", p.display()))
        );
    }

    #[test]
    fn refusals_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        let e = read_text(&missing, 100).unwrap_err();
        assert!(matches!(e, InputFileError::Missing { .. }), "{e}");
        assert!(e.to_string().contains("nope.csv"));
        let e = read_text(dir.path(), 100).unwrap_err();
        assert!(
            matches!(
                e,
                InputFileError::NotRegular {
                    what: "a directory",
                    ..
                }
            ),
            "{e}"
        );
        let e = read_text(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(
            matches!(
                e,
                InputFileError::NotRegular {
                    what: "a character device",
                    ..
                }
            ),
            "{e}"
        );
        let bad = dir.path().join("latin1.csv");
        std::fs::write(&bad, b"ok\xe9").unwrap();
        let e = read_text(&bad, 100).unwrap_err();
        assert!(
            matches!(e, InputFileError::NotUtf8 { offset: 2, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("latin1.csv"));
        let e = crate::station::StationError::from(e);
        assert_eq!(e.class(), crate::station::ErrorClass::Input);
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = read_text(&fifo, 100).unwrap_err();
        assert!(
            matches!(e, InputFileError::NotRegular { what: "a FIFO", .. }),
            "{e}"
        );
    }
}
