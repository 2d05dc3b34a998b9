//! The PostgreSQL password when the URL has none, found as libpq finds it (the
//! `postgres` crate does not): `PGPASSWORD`, else the password file — `PGPASSFILE`, or
//! `~/.pgpass` — in libpq's format (PostgreSQL manual, "The Password File"): lines
//! `hostname:port:database:username:password`, `*` matching anything in the first
//! four fields, `\:` and `\\` escaping a colon and a backslash, `#` starting a
//! comment line, the first matching line winning. As libpq does, a file that group or
//! others may read or write (not 0600 or stricter), or that is not a regular file, is
//! ignored with a warning.
//!
//! A password in the URL is visible in the process list; the README recommends a
//! Unix socket with peer authentication, or this file.

use std::path::{Path, PathBuf};

use postgres::config::Host;

/// Where a connection goes, as the password file's fields are matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// Host name, or `localhost` for the default Unix socket (libpq's rule), or the
    /// socket directory for another one.
    pub host: String,
    /// Port.
    pub port: String,
    /// Database.
    pub database: String,
    /// User.
    pub user: String,
}

/// The socket directories libpq treats as its default (matched as `localhost`).
const DEFAULT_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

impl Target {
    /// The target of `config`: its first host and port, its database (default: the
    /// user) and user (default: `user`, the operating-system user).
    pub(crate) fn of(config: &postgres::Config, os_user: Option<String>) -> Option<Target> {
        let user = config.get_user().map(str::to_string).or(os_user)?;
        let host = match config.get_hosts().first() {
            None => "localhost".to_string(),
            Some(Host::Tcp(h)) => h.clone(),
            Some(Host::Unix(p)) => {
                let p = p.to_string_lossy().trim_end_matches('/').to_string();
                if DEFAULT_SOCKET_DIRS.contains(&p.as_str()) {
                    "localhost".to_string()
                } else {
                    p
                }
            }
        };
        Some(Target {
            host,
            port: config
                .get_ports()
                .first()
                .copied()
                .unwrap_or(5432)
                .to_string(),
            database: config
                .get_dbname()
                .map_or_else(|| user.clone(), str::to_string),
            user,
        })
    }
}

/// One field of a line: its text with escapes undone, and whether it was a bare `*`
/// (an escaped `\*` is the character, not the wildcard).
type Field = (String, bool);

/// Splits one line into its fields, undoing `\:` and `\\`; `None` for a comment, a
/// blank line or a line with fewer than five fields.
fn fields(line: &str) -> Option<Vec<Field>> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let mut out: Vec<Field> = vec![(String::new(), false)];
    let mut raw = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                raw.push(c);
                if let Some(n) = chars.next() {
                    out.last_mut()?.0.push(n);
                }
            }
            // The password is the rest of the line (a colon in it needs no escape).
            ':' if out.len() < 5 => {
                out.last_mut()?.1 = raw == "*";
                raw.clear();
                out.push((String::new(), false));
            }
            c => {
                raw.push(c);
                out.last_mut()?.0.push(c);
            }
        }
    }
    (out.len() == 5).then_some(out)
}

/// The password of the first line of `text` that matches `t`.
pub(crate) fn lookup(text: &str, t: &Target) -> Option<String> {
    let want = [&t.host, &t.port, &t.database, &t.user];
    text.lines().find_map(|line| {
        let f = fields(line.trim_end_matches('\r'))?;
        let hit = f
            .iter()
            .zip(want)
            .all(|((field, wild), value)| *wild || field == value);
        hit.then(|| f[4].0.clone())
    })
}

/// The password file: `PGPASSFILE`, else `$HOME/.pgpass`.
fn passfile(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match env("PGPASSFILE").filter(|p| !p.is_empty()) {
        Some(p) => Some(PathBuf::from(p)),
        None => env("HOME").map(|h| Path::new(&h).join(".pgpass")),
    }
}

/// Reads the password file when libpq would: a regular file that only its owner may
/// read or write. Otherwise `None` (with a warning when it exists but is refused).
fn read_private(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        tracing::warn!(file = %path.display(), "the PostgreSQL password file is not a plain file; ignored");
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                "the PostgreSQL password file has group or world access and is ignored: chmod 600 it"
            );
            return None;
        }
    }
    std::fs::read_to_string(path).ok()
}

/// The password for `config` when its URL has none: `PGPASSWORD`, else the password
/// file's first matching line. `env` reads the environment (tests pass their own).
pub(crate) fn password(
    config: &postgres::Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    if config.get_password().is_some() {
        return None;
    }
    if let Some(pw) = env("PGPASSWORD").filter(|p| !p.is_empty()) {
        return Some(pw);
    }
    let os_user = env("USER").or_else(|| env("LOGNAME"));
    let target = Target::of(config, os_user)?;
    lookup(&read_private(&passfile(env)?)?, &target)
}

/// Sets the password of `config` from `PGPASSWORD` or the password file, when its URL
/// has none.
pub(crate) fn apply(config: &mut postgres::Config) {
    if let Some(pw) = password(config, &|k| std::env::var(k).ok()) {
        config.password(pw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, port: &str, db: &str, user: &str) -> Target {
        Target {
            host: host.into(),
            port: port.into(),
            database: db.into(),
            user: user.into(),
        }
    }

    #[test]
    fn matches_fields_wildcards_and_the_first_line() {
        let file = "# comment\n\
                    db.example:5432:ts:ts_station:first\n\
                    *:*:ts:ts_station:wild\n\
                    db.example:5432:*:*:any\n";
        let s = t("db.example", "5432", "ts", "ts_station");
        assert_eq!(lookup(file, &s).as_deref(), Some("first"));
        assert_eq!(
            lookup(file, &t("other", "6543", "ts", "ts_station")).as_deref(),
            Some("wild")
        );
        assert_eq!(
            lookup(file, &t("db.example", "5432", "other", "bob")).as_deref(),
            Some("any")
        );
        assert_eq!(lookup(file, &t("other", "5432", "other", "bob")), None);
        // a comment line never matches, even when it looks like an entry
        assert_eq!(lookup("#*:*:*:*:commented\n", &t("h", "1", "d", "u")), None);
    }

    #[test]
    fn undoes_escapes_and_keeps_colons_in_the_password() {
        let file = "my\\:host:5432:d\\\\b:u:p\\:w\\\\d:with:colons\r\n";
        assert_eq!(
            lookup(file, &t("my:host", "5432", "d\\b", "u")).as_deref(),
            Some("p:w\\d:with:colons")
        );
        // an escaped star is a star, not a wildcard: it matches only the text "*"
        assert_eq!(lookup("\\*:*:*:*:pw", &t("h", "1", "d", "u")), None);
        assert_eq!(
            lookup("\\*:*:*:*:pw", &t("*", "1", "d", "u")).as_deref(),
            Some("pw")
        );
        assert_eq!(fields("a:b:c:d"), None, "four fields are not an entry");
        assert_eq!(fields(""), None);
    }

    #[test]
    fn the_default_socket_is_localhost_and_defaults_fill_in() {
        let c: postgres::Config = "postgresql:///ts?host=/run/postgresql".parse().unwrap();
        assert_eq!(
            Target::of(&c, Some("ops".into())),
            Some(t("localhost", "5432", "ts", "ops"))
        );
        let c: postgres::Config = "postgresql://st@db:6543".parse().unwrap();
        assert_eq!(Target::of(&c, None), Some(t("db", "6543", "st", "st")));
        let c: postgres::Config = "postgresql:///ts?host=/srv/pg".parse().unwrap();
        assert_eq!(Target::of(&c, Some("u".into())).unwrap().host, "/srv/pg");
    }

    #[cfg(unix)]
    #[test]
    fn reads_the_file_only_when_private_and_only_without_a_url_password() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "*:*:ts:st:from-file\n").unwrap();
        let path = file.to_string_lossy().to_string();
        let env = |pgpassword: Option<&'static str>| {
            let path = path.clone();
            move |k: &str| match k {
                "PGPASSFILE" => Some(path.clone()),
                "PGPASSWORD" => pgpassword.map(str::to_string),
                _ => None,
            }
        };
        let c: postgres::Config = "postgresql://st@db/ts".parse().unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(password(&c, &env(None)), None, "a readable file is ignored");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(password(&c, &env(None)).as_deref(), Some("from-file"));
        assert_eq!(
            password(&c, &env(Some("from-env"))).as_deref(),
            Some("from-env"),
            "PGPASSWORD comes first"
        );
        let with: postgres::Config = "postgresql://st:inline@db/ts".parse().unwrap();
        assert_eq!(
            password(&with, &env(Some("from-env"))),
            None,
            "the URL's wins"
        );
        let mut c = c;
        apply_with(&mut c, &env(None));
        assert_eq!(c.get_password(), Some(&b"from-file"[..]));
    }

    fn apply_with(c: &mut postgres::Config, env: &dyn Fn(&str) -> Option<String>) {
        if let Some(pw) = password(c, env) {
            c.password(pw);
        }
    }
}
