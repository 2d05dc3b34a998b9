//! A secret put on the command line after a flag that asks for it (`--secret JBSW…`,
//! `--password=…`): clap refuses such a line and its message would repeat the value;
//! the refusal names the flag and the ways a secret may come instead, never the value
//! (README "Secrets": no secret in argv, none printed).

/// The flags that ask on the terminal for a secret and take no value, with the ways
/// the secret may come instead.
const ASKING: [(&str, &str); 8] = [
    (
        "--secret",
        "set TOKENSTATION_SECRET or pass --secret-file PATH",
    ),
    ("--uri", "set TOKENSTATION_URI or pass --uri-file PATH"),
    (
        "--password",
        "set TOKENSTATION_PSKC_PASSWORD (import) or TOKENSTATION_EXPORT_PASSWORD \
         (export), or pass --password-file PATH",
    ),
    (
        "--transport-key",
        "set TOKENSTATION_PSKC_KEY or pass --transport-key-file PATH",
    ),
    (
        "--oath-password",
        "set TOKENSTATION_OATH_PASSWORD or pass --oath-password-file PATH",
    ),
    (
        "--molto2-key",
        "set TOKENSTATION_MOLTO2_KEY or pass --molto2-key-file PATH",
    ),
    (
        "--admin-pin",
        "set TOKENSTATION_ADMIN_PIN or pass --admin-pin-file PATH",
    ),
    ("--passphrase", "set TOKENSTATION_PASSPHRASE"),
];

/// The asking flag `args` (without the program name) give a value to, when clap's
/// refusal `text` is about it: `FLAG=VALUE`, or `FLAG VALUE` where the refusal names
/// VALUE.
pub(crate) fn given_a_value(args: &[String], text: &str) -> Option<&'static str> {
    let asking = |a: &str| ASKING.iter().map(|(f, _)| *f).find(|f| *f == a);
    for (i, a) in args.iter().enumerate() {
        if a == "--" {
            break;
        }
        if let Some(flag) = a.split_once('=').and_then(|(f, _)| asking(f)) {
            return Some(flag);
        }
        if let (Some(flag), Some(next)) = (asking(a), args.get(i + 1))
            && !next.starts_with('-')
            && text.contains(next.as_str())
        {
            return Some(flag);
        }
    }
    None
}

/// The one-line refusal for a value given to `flag`.
pub(crate) fn refusal(flag: &str) -> String {
    let ways = ASKING
        .iter()
        .find(|(f, _)| *f == flag)
        .map_or("use its environment variable or file option", |(_, w)| *w);
    format!(
        "error: {flag} takes no value (not shown: a secret in argv is visible to other \
         users): give {flag} alone to be asked, or {ways}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn a_value_after_an_asking_flag_is_named_by_its_flag_only() {
        let a = args(&["token", "add", "X", "--secret", "JBSWY3DP"]);
        let text = "error: unexpected argument 'JBSWY3DP' found";
        assert_eq!(given_a_value(&a, text), Some("--secret"));
        let a = args(&["import", "pskc", "f", "--password=hunter2"]);
        assert_eq!(
            given_a_value(&a, "error: unexpected value"),
            Some("--password")
        );
        assert!(!refusal("--secret").contains("JBSW"));
    }

    #[test]
    fn other_refusals_are_left_as_clap_words_them() {
        // a flag before another flag, a value clap does not name, after `--`
        let a = args(&["token", "add", "--secret", "--product", "P", "stray"]);
        assert_eq!(
            given_a_value(&a, "error: unexpected argument 'stray'"),
            None
        );
        let a = args(&["verify", "--", "--secret=x"]);
        assert_eq!(given_a_value(&a, "error"), None);
        let a = args(&["token", "add", "--serial", "S"]);
        assert_eq!(given_a_value(&a, "error: unexpected argument 'S'"), None);
    }
}
