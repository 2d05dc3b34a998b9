//! A secret put on the command line after a flag that asks for it (`--secret JBSW…`,
//! `--password=…`): clap refuses such a line and its message would repeat the value;
//! the refusal names the flag and the ways a secret may come instead, never the value
//! (README "Secrets": no secret in argv, none printed). A word right after such a flag
//! that clap took for an argument (`token add --secret JBSW… --product P` takes it for
//! the serial) is refused too, unrepeated.

use super::errors::InputError;

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

/// The asking flag `args` (without the program name) may have been given a secret
/// by, when clap refused the line with `text`: `FLAG=VALUE`, or a word after an asking
/// flag (after `--` too, as clap's own tip suggests) that the refusal's first line
/// quotes — such a word may be the secret, so it is not repeated.
pub(crate) fn given_a_value(args: &[String], text: &str) -> Option<&'static str> {
    let first = text.lines().next().unwrap_or_default();
    let asking = |a: &str| ASKING.iter().map(|(f, _)| *f).find(|f| *f == a);
    let mut seen = None;
    let mut operands = false;
    for a in args {
        if !operands {
            if a == "--" {
                operands = true;
                continue;
            }
            if let Some(flag) = a.split_once('=').and_then(|(f, _)| asking(f)) {
                return Some(flag);
            }
            if let Some(flag) = asking(a) {
                seen = Some(flag);
                continue;
            }
            if a.starts_with('-') {
                continue;
            }
        }
        if let Some(flag) = seen
            && first.contains(&format!("'{a}'"))
        {
            return Some(flag);
        }
    }
    None
}

/// The asking flag `word` comes right after in `args`, if any: clap takes such a word
/// for an argument (a serial), and it may be the secret the flag was meant to take.
fn follows(args: &[String], word: &str) -> Option<&'static str> {
    args.windows(2).find_map(|w| {
        let flag = ASKING.iter().map(|(f, _)| *f).find(|f| *f == w[0])?;
        (w[1] == word).then_some(flag)
    })
}

/// Refuses an argument (`what`, e.g. "the serial") that this process's command line
/// gives right after a flag that asks for a secret: it may be the secret, taken for an
/// argument. The refusal does not repeat it.
pub(crate) fn refuse_after_asking(word: &str, what: &str) -> Result<(), InputError> {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match follows(&args, word) {
        Some(flag) => Err(InputError(format!(
            "{what} comes right after {flag}, which takes no value: if it is {what}, put it \
             before {flag}; if it is the secret, it must not be in argv (not shown): give \
             {flag} alone to be asked, or use its environment variable or file option"
        ))),
        None => Ok(()),
    }
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
        // after `--`, as clap's tip says to pass a value
        let a = args(&["token", "add", "X", "--secret", "--", "JBSWY3DP"]);
        assert_eq!(given_a_value(&a, text), Some("--secret"));
        // any word the refusal quotes after an asking flag may be the secret
        let a = args(&["token", "add", "--secret", "--product", "P", "JBSWY3DP"]);
        assert_eq!(given_a_value(&a, text), Some("--secret"));
        assert!(!refusal("--secret").contains("JBSW"));
    }

    #[test]
    fn a_word_right_after_an_asking_flag_is_found() {
        let a = args(&["token", "add", "--secret", "JBSWY3DP", "--product", "P"]);
        assert_eq!(follows(&a, "JBSWY3DP"), Some("--secret"));
        let a = args(&["token", "add", "T1", "--secret", "--product", "P"]);
        assert_eq!(follows(&a, "T1"), None);
    }

    #[test]
    fn other_refusals_are_left_as_clap_words_them() {
        // no asking flag; a flag clap refuses; a word only the usage line shows
        let a = args(&["token", "add", "--serial", "S"]);
        assert_eq!(given_a_value(&a, "error: unexpected argument 'S'"), None);
        let a = args(&[
            "token",
            "add",
            "--secret",
            "add",
            "--product",
            "P",
            "--bogus",
        ]);
        let text = "error: unexpected argument '--bogus' found\n\nUsage: tokenstation token add";
        assert_eq!(given_a_value(&a, text), None);
        // `--secret=x` after `--` is an operand, not the flag
        let a = args(&["verify", "--", "--secret=x"]);
        assert_eq!(given_a_value(&a, "error: unexpected argument"), None);
    }
}
