//! What the seed parsers refuse or report (issue 11), through the library: PBKDF2
//! iteration cap, one KeyContainer, strict MACs, values a token cannot have, names
//! with control characters, Token2 column spellings and unknown columns, short seeds.
//! Every refusal names its line.
#![allow(clippy::unwrap_used)]

use tokenstation::model::name::is_forbidden_char;
use tokenstation::otp::Kind;
use tokenstation::seeds::{
    CsvFormat, ImportError, MacCheck, PBKDF2_MAX_ITERATIONS, PskcKeys, parse_csv, parse_pskc,
    parse_uri_list,
};
use zeroize::Zeroizing;

const FIG3: &str = include_str!("fixtures/pskc/rfc6030-figure3.pskcxml");
const FIG6: &str = include_str!("fixtures/pskc/rfc6030-figure6.pskcxml");
const FIG7: &str = include_str!("fixtures/pskc/rfc6030-figure7.pskcxml");
const B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn fig6_key() -> PskcKeys {
    PskcKeys {
        psk: Some(Zeroizing::new(
            data_encoding::HEXLOWER
                .decode(b"12345678901234567890123456789012")
                .unwrap(),
        )),
        password: None,
    }
}

fn plain(xml: &str) -> Vec<Result<tokenstation::seeds::SeedRecord, ImportError>> {
    parse_pskc(xml, &PskcKeys::default(), MacCheck::Strict)
        .unwrap()
        .records
}

#[test]
fn pbkdf2_iteration_count_above_the_cap_is_refused_with_its_line() {
    let keys = PskcKeys {
        psk: None,
        password: Some(Zeroizing::new("qwerty".into())),
    };
    let at_cap = FIG7.replace(
        "<IterationCount>1000</IterationCount>",
        "<IterationCount>4294967295</IterationCount>",
    );
    let e = parse_pskc(&at_cap, &keys, MacCheck::Strict)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("IterationCount 4294967295 is above the cap of 2000000"),
        "{e}"
    );
    assert!(
        e.contains("line 23") && e.contains("key package 123456 (line 46)"),
        "{e}"
    );
    let capped = FIG7.replace(
        "<IterationCount>1000</IterationCount>",
        &format!(
            "<IterationCount>{}</IterationCount>",
            PBKDF2_MAX_ITERATIONS + 1
        ),
    );
    assert!(parse_pskc(&capped, &keys, MacCheck::Strict).is_err());
    // Figure 7 itself (1,000 rounds) still opens.
    assert_eq!(parse_pskc(FIG7, &keys, MacCheck::Strict).unwrap().len(), 1);
}

#[test]
fn a_second_key_container_or_trailing_text_is_refused() {
    let two = format!(
        "{FIG3}\n{}",
        FIG3.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "")
    );
    let e = parse_pskc(&two, &PskcKeys::default(), MacCheck::Strict).unwrap_err();
    assert!(matches!(e, ImportError::NotPskc(_)), "{e}");
    let second_line = two
        .lines()
        .position(|l| l.starts_with("<KeyContainer"))
        .unwrap();
    let third = two
        .lines()
        .skip(second_line + 1)
        .position(|l| l.starts_with("<KeyContainer"))
        .unwrap();
    let line = second_line + 1 + third + 1;
    assert!(
        e.to_string()
            .contains(&format!("a second <KeyContainer> at line {line}")),
        "{e}"
    );
    let tail = format!("{FIG3}\nleftover text\n");
    let e = parse_pskc(&tail, &PskcKeys::default(), MacCheck::Strict).unwrap_err();
    assert!(e.to_string().contains("comes after </KeyContainer>"), "{e}");
    let comment = format!("{FIG3}\n<!-- fine -->\n");
    assert_eq!(plain(&comment).len(), 1);
}

#[test]
fn strict_mac_check_requires_a_value_mac_when_the_file_declares_a_method() {
    let start = FIG6.find("<ValueMAC>").unwrap();
    let end = FIG6.find("</ValueMAC>").unwrap() + "</ValueMAC>".len();
    let no_mac = format!("{}{}", &FIG6[..start], &FIG6[end..]);
    let recs = parse_pskc(&no_mac, &fig6_key(), MacCheck::Strict).unwrap();
    let e = recs[0].as_ref().unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::MacMissing {
                field: "Secret",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("key package 12345678 (line 28): Secret is encrypted without a ValueMAC"),
        "{e}"
    );
    let recs = parse_pskc(&no_mac, &fig6_key(), MacCheck::Warn).unwrap();
    let r = recs[0].as_ref().unwrap();
    assert_eq!(r.secret.expose(), b"12345678901234567890");
    assert!(
        r.warnings.iter().any(|w| w.contains("without a ValueMAC")),
        "{:?}",
        r.warnings
    );
    // With its MAC the figure imports under strict, as before.
    assert!(parse_pskc(FIG6, &fig6_key(), MacCheck::Strict).unwrap()[0].is_ok());
}

/// FIG3 with `<Data>` extended by TOTP elements.
fn fig3_totp(data: &str) -> String {
    FIG3.replace("pskc:hotp", "pskc#totp")
        .replace("<Counter>", &format!("{data}<Counter>"))
}

#[test]
fn values_no_token_can_have_are_refused_with_the_line() {
    let cases = [
        (
            "<TimeDrift><PlainValue>9223372036854775807</PlainValue></TimeDrift>",
            "TimeDrift",
        ),
        (
            "<TimeDrift><PlainValue>-9223372036854775808</PlainValue></TimeDrift>",
            "TimeDrift",
        ),
        (
            "<TimeDrift><PlainValue>9223372036854775808</PlainValue></TimeDrift>",
            "TimeDrift",
        ),
        (
            "<TimeDrift><PlainValue>1051201</PlainValue></TimeDrift>",
            "TimeDrift",
        ),
        // 2^32 s: step 0 would last 136 years
        (
            "<TimeInterval><PlainValue>4294967296</PlainValue></TimeInterval>",
            "TimeInterval",
        ),
        (
            "<TimeInterval><PlainValue>4294967295</PlainValue></TimeInterval>",
            "TimeInterval",
        ),
        (
            "<TimeInterval><PlainValue>3601</PlainValue></TimeInterval>",
            "TimeInterval",
        ),
        (
            "<TimeInterval><PlainValue>0</PlainValue></TimeInterval>",
            "TimeInterval",
        ),
        (
            "<Time><PlainValue>9223372036854775807</PlainValue></Time>",
            "Time",
        ),
    ];
    for (data, field) in cases {
        let recs = plain(&fig3_totp(data));
        let e = recs[0].as_ref().unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "key package 12345678 (line 11): invalid {field}: "
            )),
            "{data}: {e}"
        );
    }
    let ok = plain(&fig3_totp(
        "<TimeInterval><PlainValue>60</PlainValue></TimeInterval><TimeDrift><PlainValue>-4</PlainValue></TimeDrift>",
    ));
    let r = ok[0].as_ref().unwrap();
    assert_eq!(
        (r.params.kind, r.params.period, r.drift_steps),
        (Kind::Totp, 60, -4)
    );
    let counter = FIG3.replace(
        "<PlainValue>0</PlainValue>",
        "<PlainValue>18446744073709551615</PlainValue>",
    );
    let e = plain(&counter)[0].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("(line 11): invalid Counter: 18446744073709551615"),
        "{e}"
    );

    let csv = format!("serial number,secret key,interval\nT1,{B32},99999999999999\nT2,{B32},60\n");
    let recs = parse_csv(&csv, &CsvFormat::Token2).unwrap();
    let e = recs[0].as_ref().unwrap_err().to_string();
    assert_eq!(
        e,
        "line 2 (serial T1): invalid period: 99999999999999 is not between 1 and 3600 seconds"
    );
    assert_eq!(recs[1].as_ref().unwrap().params.period, 60);

    let oath = "H1, 3132333435363738393031323334353637383930, HOTP, 6, 9223372036854775808\n";
    let e = parse_csv(oath, &CsvFormat::Oath).unwrap()[0]
        .as_ref()
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("line 1 (serial H1): invalid counter"), "{e}");

    let uris = "otpauth://hotp/H:HX?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=18446744073709551615\n\
                otpauth://totp/A:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=4294967296\n";
    let recs = parse_uri_list(uris).unwrap();
    assert!(
        recs[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("line 1 (serial HX): invalid counter")
    );
    assert!(
        recs[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("line 2 (serial b): invalid period")
    );
}

#[test]
fn control_characters_in_names_are_refused_with_the_line() {
    let uris = format!(
        "otpauth://totp/ACME:ev%1B%5B2Jil?secret={B32}\n\
         otpauth://totp/ACME:a%0Ab?secret={B32}\n\
         otpauth://totp/ACME:nul%00?secret={B32}\n\
         otpauth://totp/ok?secret={B32}&issuer=Bad%07Bell\n\
         otpauth://totp/ok2?secret={B32}&issuer=Fine\n"
    );
    let recs = parse_uri_list(&uris).unwrap();
    for (i, code) in [(0, "U+001B"), (1, "U+000A"), (2, "U+0000"), (3, "U+0007")] {
        let e = recs[i].as_ref().unwrap_err();
        assert!(matches!(e, ImportError::Name { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            // the names with a control character are no serial; the fourth's account is
            (msg.starts_with(&format!("line {}: invalid ", i + 1))
                || (i == 3 && msg.starts_with("line 4 (serial ok): invalid ")))
                && msg.contains(code),
            "{msg}"
        );
        assert!(!msg.chars().any(is_forbidden_char), "{msg:?}");
    }
    assert_eq!(recs[4].as_ref().unwrap().issuer.as_deref(), Some("Fine"));

    let csv = format!("serial number,secret key\n\"ev\u{1b}[31mil\",{B32}\n\"two\nlines\",{B32}\n");
    let recs = parse_csv(&csv, &CsvFormat::Token2).unwrap();
    let e = recs[0].as_ref().unwrap_err().to_string();
    assert!(
        e.starts_with("line 2: invalid serial: it contains the control character U+001B"),
        "{e}"
    );
    let e = recs[1].as_ref().unwrap_err().to_string();
    assert!(
        e.starts_with("line 3: invalid serial") && e.contains("U+000A"),
        "{e}"
    );

    // A raw control character in the XML text, and a character reference to one.
    let raw = FIG3.replace("<SerialNo>987654321", "<SerialNo>98765\u{1}4321");
    let e = plain(&raw)[0].as_ref().unwrap_err().to_string();
    assert!(
        e.starts_with("key package 12345678 (line 11): invalid serial"),
        "{e}"
    );
    let esc = FIG3.replace("<SerialNo>987654321", "<SerialNo>&#27;[2J987654321");
    let e = parse_pskc(&esc, &PskcKeys::default(), MacCheck::Strict).unwrap_err();
    assert!(matches!(e, ImportError::Xml { line: 14, .. }), "{e}");
    // An overlong serial.
    let long = FIG3.replace(
        "<SerialNo>987654321",
        &format!("<SerialNo>{}", "W".repeat(70_000)),
    );
    let e = plain(&long)[0].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("invalid serial: it has 70000 characters; at most 128"),
        "{e}"
    );
    assert!(e.len() < 200, "{e}");
}

#[test]
fn token2_reads_every_known_interval_spelling_and_reports_the_rest() {
    for header in [
        "interval",
        "timeinterval",
        "time interval",
        "Time Interval",
        "timeIntervalInSeconds",
        "period",
        "step",
    ] {
        let csv = format!(
            "serial number,secret key,{header},manufacturer,model\nS1,{B32},60,Token2,C202\n"
        );
        let parsed = parse_csv(&csv, &CsvFormat::Token2).unwrap();
        assert_eq!(parsed[0].as_ref().unwrap().params.period, 60, "{header}");
        assert!(parsed.notes.is_empty(), "{header}: {:?}", parsed.notes);
    }
    let csv = format!(
        "upn,serialNumber,secretKey,timeIntervalInSeconds,hashFunction,Notes,\nu@x,S1,{B32},60,hmacsha256,blue,\n"
    );
    let parsed = parse_csv(&csv, &CsvFormat::Token2).unwrap();
    let r = parsed[0].as_ref().unwrap();
    assert_eq!(r.params.period, 60);
    assert_eq!(r.params.algorithm, tokenstation::otp::Algorithm::Sha256);
    assert_eq!(
        parsed.notes,
        vec![
            "line 1: column 6 'Notes' is not a Token2 column; its values were not imported",
            "line 1: column 7 '' is not a Token2 column; its values were not imported",
        ]
    );
    let dup = format!("serial number,secret key,interval,period\nS1,{B32},30,60\n");
    let e = parse_csv(&dup, &CsvFormat::Token2).unwrap_err().to_string();
    assert!(
        e.contains("'interval' and 'period' both give the period field"),
        "{e}"
    );
    // Positional rows with more fields than the five Token2 columns.
    let extra = format!("S1,{B32},30,Token2,C202,surplus\n");
    let r = parse_csv(&extra, &CsvFormat::Token2).unwrap();
    let w = &r[0].as_ref().unwrap().warnings;
    assert!(
        w.iter()
            .any(|w| w.contains("1 more fields than the 5 header columns")),
        "{w:?}"
    );
}

#[test]
fn short_seeds_import_with_the_same_warning_everywhere() {
    let want = "the seed has 1 bytes; RFC 4226 asks for at least 16 (20 recommended)";
    let csv = parse_csv("serial number,secret key\nS1,hex:07\n", &CsvFormat::Token2).unwrap();
    let w = &csv[0].as_ref().unwrap().warnings;
    assert_eq!(w, &vec![format!("line 2 (serial S1): {want}")]);
    let uri = parse_uri_list("otpauth://totp/x?secret=AE\n").unwrap();
    assert!(uri[0].as_ref().unwrap().warnings[0].ends_with(want));
    let fig2 = include_str!("fixtures/pskc/rfc6030-figure2.pskcxml");
    let recs = plain(fig2);
    let w = &recs[0].as_ref().unwrap().warnings;
    assert!(
        w[0].ends_with("the seed has 4 bytes; RFC 4226 asks for at least 16 (20 recommended)"),
        "{w:?}"
    );
    let full = parse_csv(
        &format!("serial number,secret key\nS1,{B32}\n"),
        &CsvFormat::Token2,
    )
    .unwrap();
    assert!(full[0].as_ref().unwrap().warnings.is_empty());
}
