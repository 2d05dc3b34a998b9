//! Output of the CLI: every line goes through [`write_out`] (the `outln!` and
//! `out!` macros), never `println!`. A reader that goes away (`token list | head -1`)
//! closes the pipe; the write then fails with `EPIPE`, which becomes
//! [`OutputError::Closed`] and travels up like any error until [`crate::cli::run`]
//! ends the process quietly with exit code 141 (128 + SIGPIPE, what a shell reports for
//! a program the signal ended; 130 is Ctrl-C). Any other write error is reported.
//! Diagnostics go to stderr through `errln!`, best effort: when stderr itself is
//! gone there is nobody left to tell.
//!
//! Tables show cells through [`crate::model::display_safe`]: control characters escaped,
//! at most [`CELL_MAX_CHARS`] characters with an ellipsis, padded by hand (a format
//! width of 65,536 or more panics in `std::fmt`).

use std::fmt;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use crate::model::{LABEL_MAX_CHARS, display_safe};

/// Longest table cell shown, in characters (the longest name the station accepts).
pub const CELL_MAX_CHARS: usize = LABEL_MAX_CHARS;

/// Why standard output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The reader closed the pipe (`EPIPE`): stop quietly.
    #[error("standard output was closed by its reader")]
    Closed,
    /// Any other failure (a full disk behind a redirection).
    #[error("cannot write to standard output: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for OutputError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == ErrorKind::BrokenPipe {
            OutputError::Closed
        } else {
            OutputError::Io(e)
        }
    }
}

/// Whether `e` (anywhere in its chain) is a closed standard output.
pub fn is_closed(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| matches!(c.downcast_ref::<OutputError>(), Some(OutputError::Closed)))
}

/// Writes to standard output and flushes; `EPIPE` is [`OutputError::Closed`].
pub fn write_out(args: fmt::Arguments<'_>) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.flush()?;
    Ok(())
}

/// Writes to standard error, ignoring failures (nobody is left to tell).
pub fn write_err(args: fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// `println!` for the CLI: `outln!("…", …)?`.
macro_rules! outln {
    () => {
        $crate::cli::output::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for the CLI: `out!("…", …)?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!($($arg)*))
    };
}

/// `eprintln!` for the CLI, best effort.
macro_rules! errln {
    () => {
        $crate::cli::output::write_err(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` for the CLI, best effort.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::cli::output::write_err(format_args!($($arg)*))
    };
}

/// A value quoted in output: control characters escaped, cut to [`CELL_MAX_CHARS`].
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    display_safe(text, CELL_MAX_CHARS)
}

/// Prints rows under a header, columns padded to their widest (shown) cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Result<(), OutputError> {
    let shown_rows: Vec<Vec<std::borrow::Cow<'_, str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| shown(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &shown_rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| -> Result<(), OutputError> {
        let mut text = String::new();
        for (i, (c, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(c);
            text.extend(std::iter::repeat_n(
                ' ',
                w.saturating_sub(c.chars().count()),
            ));
        }
        outln!("{}", text.trim_end())
    };
    line(&mut header.iter().copied())?;
    for r in &shown_rows {
        line(&mut r.iter().map(|c| c.as_ref()))?;
    }
    if rows.is_empty() {
        outln!("(none)")?;
    }
    Ok(())
}

/// Prints a value as pretty JSON.
pub fn json<T: serde::Serialize>(v: &T) -> anyhow::Result<ExitCode> {
    outln!("{}", serde_json::to_string_pretty(v)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `-` for a missing value.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|x| x.to_string())
        .unwrap_or_else(|| "-".into())
}

/// Standard output is a terminal (a person reads it): decorations are for them;
/// a pipe or a file gets the bare value.
pub fn stdout_is_terminal() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdout())
}

/// `n` and the word in the number it takes: `1 token`, `2 tokens`, `-1 step`.
pub fn count(n: impl Into<i128>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n.abs() == 1 { one } else { many })
}

/// A signed count: `+1 step`, `-2 steps`, `+0 steps`.
pub fn signed(n: i64, one: &str, many: &str) -> String {
    format!("{n:+} {}", if n.abs() == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epipe_is_closed_and_other_errors_are_not() {
        let closed: OutputError = std::io::Error::from(ErrorKind::BrokenPipe).into();
        assert!(matches!(closed, OutputError::Closed));
        assert!(is_closed(&anyhow::Error::new(closed).context("listing")));
        let full: OutputError = std::io::Error::from(ErrorKind::StorageFull).into();
        assert!(matches!(full, OutputError::Io(_)));
        assert!(!is_closed(&anyhow::Error::new(full)));
    }

    #[test]
    fn cells_are_escaped_and_cut() {
        let long = "W".repeat(70_000);
        assert_eq!(shown(&long).chars().count(), CELL_MAX_CHARS + 1);
        assert!(shown(&long).ends_with('…'));
        assert_eq!(shown("ev\u{1b}[2Jil"), "ev\\u{1b}[2Jil");
    }
}
