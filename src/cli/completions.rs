//! Shell completions (`tokenstation completions SHELL`, clap_complete) and man pages
//! (`tokenstation manpages DIR`, hidden, clap_mangen: one page per command and
//! subcommand, `tokenstation-token-add.1`), both from the one clap definition. `make
//! install` and `make deb` call them.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::CommandFactory as _;
use clap_complete::Shell;

use super::Cli;

/// `completions` options.
#[derive(Debug, clap::Args)]
#[command(after_help = "Install, e.g. for bash:\n  \
    tokenstation completions bash | sudo tee /usr/share/bash-completion/completions/tokenstation")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `manpages` options.
#[derive(Debug, clap::Args)]
pub struct ManpagesArgs {
    /// The directory to write `tokenstation*.1` into (created if missing).
    pub dir: PathBuf,
}

/// Writes the completion script for a shell to standard output.
pub fn completions(a: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "tokenstation", &mut buf);
    out!("{}", String::from_utf8_lossy(&buf))?;
    Ok(ExitCode::SUCCESS)
}

/// Writes one man page per command into a directory and prints their names.
pub fn manpages(a: &ManpagesArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&a.dir)
        .with_context(|| format!("cannot create {}", a.dir.display()))?;
    let mut cmd = Cli::command();
    cmd.build();
    let mut written = Vec::new();
    write_pages(&cmd, "tokenstation", &a.dir, &mut written)?;
    for p in written {
        outln!("{}", p.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_pages(
    cmd: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    if cmd.is_hide_set() {
        return Ok(());
    }
    // After `build()` a subcommand's display name is `tokenstation-token-add` and its
    // bin name `tokenstation token add`: the page's title and synopsis.
    let page = cmd.clone();
    let path = dir.join(format!("{name}.1"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("tokenstation {}", env!("CARGO_PKG_VERSION")))
        .manual("tokenstation manual")
        .render(&mut buf)?;
    let mut f =
        std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(&buf)
        .with_context(|| format!("cannot write {}", path.display()))?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
