//! Every seeds parser takes arbitrary input without panicking: only errors. And no
//! message, warning or note it produces carries a control, bidirectional or
//! line-separator character from the input, so a report is always safe to print.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tokenstation::model::name::{NameKind, is_forbidden_char, validate_name};
use tokenstation::seeds::{
    CsvFormat, HeaderMap, ImportError, MacCheck, Parsed, PskcKeys, parse_csv, parse_pskc,
    parse_uri_list,
};
use zeroize::Zeroizing;

/// Every text of a parse result is printable; every imported name obeys the name rule.
fn safe(result: Result<Parsed, ImportError>) {
    let printable = |t: &str| assert!(!t.chars().any(is_forbidden_char), "{t:?}");
    match result {
        Err(e) => printable(&e.to_string()),
        Ok(p) => {
            p.notes.iter().for_each(|n| printable(n));
            for r in p.records {
                match r {
                    Err(e) => printable(&e.to_string()),
                    Ok(rec) => {
                        rec.warnings.iter().for_each(|w| printable(w));
                        if let Some(s) = &rec.serial {
                            assert!(validate_name(NameKind::Serial, s).is_ok(), "{s:?}");
                        }
                        for l in [
                            &rec.issuer,
                            &rec.account,
                            &rec.model,
                            &rec.manufacturer,
                            &rec.key_id,
                        ]
                        .into_iter()
                        .flatten()
                        {
                            printable(l);
                        }
                    }
                }
            }
        }
    }
}

const FIG6: &str = include_str!("fixtures/pskc/rfc6030-figure6.pskcxml");
const FIG7: &str = include_str!("fixtures/pskc/rfc6030-figure7.pskcxml");

fn keys() -> PskcKeys {
    PskcKeys {
        psk: Some(Zeroizing::new(vec![0x12; 16])),
        password: Some(Zeroizing::new("qwerty".into())),
    }
}

fn all_csv(text: &str) {
    for f in [
        CsvFormat::Token2,
        CsvFormat::Oath,
        CsvFormat::Generic(HeaderMap::new()),
    ] {
        safe(parse_csv(text, &f));
    }
}

proptest! {
    #[test]
    fn pskc_arbitrary_text(text in ".{0,400}") {
        safe(parse_pskc(&text, &keys(), MacCheck::Strict));
    }

    #[test]
    fn pskc_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        safe(parse_pskc(&text, &keys(), MacCheck::Warn));
    }

    #[test]
    fn pskc_xml_shaped(text in "(<[A-Za-z:]{1,12}( [A-Za-z]{1,6}=\"[^\"<]{0,8}\")?>|</[A-Za-z:]{1,12}>|[A-Za-z0-9+/=&;# ]{0,10}){0,30}") {
        let doc = format!("<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage>{text}</KeyPackage></KeyContainer>");
        safe(parse_pskc(&doc, &keys(), MacCheck::Strict));
        safe(parse_pskc(&doc, &PskcKeys::default(), MacCheck::Warn));
    }

    #[test]
    fn pskc_mutated_fixtures(pos in 0usize..4000, len in 0usize..40, junk in "[ -~]{0,12}") {
        for fig in [FIG6, FIG7] {
            let mut s = fig.to_string();
            let start = (pos % s.len()).min(s.len());
            let end = (start + len).min(s.len());
            if s.is_char_boundary(start) && s.is_char_boundary(end) {
                s.replace_range(start..end, &junk);
            }
            safe(parse_pskc(&s, &keys(), MacCheck::Strict));
            safe(parse_pskc(&s, &PskcKeys::default(), MacCheck::Warn));
        }
    }

    #[test]
    fn csv_arbitrary_text(text in ".{0,300}") {
        all_csv(&text);
    }

    #[test]
    fn csv_shaped(rows in proptest::collection::vec("[#\" ]?[A-Za-z0-9:=\", ]{0,60}", 0..8)) {
        let body = rows.join("\n");
        all_csv(&body);
        all_csv(&format!("# version: 2\n{body}"));
        all_csv(&format!("serial,secret,type,digits,period,counter,algorithm\n{body}"));
    }

    #[test]
    fn uri_list_arbitrary(text in "(otpauth://[a-z]{0,5}/[^\n]{0,60}\n|[^\n]{0,40}\n){0,6}") {
        safe(parse_uri_list(&text));
    }

    /// Names with control characters, in every format and place a name can come from.
    #[test]
    fn hostile_names_never_pass(name in "[a-z]{0,4}[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}%&#;0-9A-F]{1,6}[a-z]{0,4}") {
        let b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let q = name.replace('"', "\"\"");
        safe(parse_csv(&format!("serial number,secret key,manufacturer\n\"{q}\",{b32},\"{q}\"\n"), &CsvFormat::Token2));
        safe(parse_csv(&format!("{q},3132333435363738393031323334353637383930\n"), &CsvFormat::Oath));
        safe(parse_uri_list(&format!("otpauth://totp/{name}:{name}?secret={b32}&issuer={name}\n")));
        // ... and in every other field, where only an error can come of it.
        for col in ["period", "digits", "counter", "type", "algorithm", "secret"] {
            let csv = format!("serial,secret,{col}\nS,{b32},\"{q}\"\n").replace("secret,secret", "secret,secret_hex");
            safe(parse_csv(&csv, &CsvFormat::Generic(HeaderMap::new())));
        }
        safe(parse_csv(&format!("\"{q}\",{b32}\n"), &CsvFormat::Generic(HeaderMap::new())));
        for param in ["digits", "period", "algorithm", "counter", "secret"] {
            safe(parse_uri_list(&format!("otpauth://hotp/a?secret={b32}&counter=1&{param}={name}\n")));
        }
        safe(parse_uri_list(&format!("otpauth://{name}/a?secret={b32}\n")));
        for (from, to) in [("8\" Encoding", format!("{name}\" Encoding")), ("DECIMAL", name.clone()), ("pskc:hotp", name.clone()), (">0<", format!(">{name}<")), ("Issuer<", format!("{name}<"))] {
            let xml = FIG6.replace(from, &to);
            let k = PskcKeys { psk: Some(Zeroizing::new(data_encoding::HEXLOWER.decode(b"12345678901234567890123456789012").unwrap())), password: None };
            safe(parse_pskc(&xml, &k, MacCheck::Strict));
        }
        let xml = FIG6.replace("987654321", &name).replace("Manufacturer<", &format!("{name}<"));
        let k = PskcKeys { psk: Some(Zeroizing::new(data_encoding::HEXLOWER.decode(b"12345678901234567890123456789012").unwrap())), password: None };
        safe(parse_pskc(&xml, &k, MacCheck::Strict));
    }

    /// Out-of-range numbers in every numeric field never panic and never import.
    #[test]
    fn numbers_out_of_range(n in prop_oneof![Just(i128::from(i64::MAX)), Just(i128::from(i64::MIN)), Just(1i128 << 64), Just(-1i128), Just(0i128), any::<i64>().prop_map(i128::from)]) {
        let b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let csv = parse_csv(&format!("serial,secret,period,counter,digits\nS,{b32},{n},{n},{n}\n"), &CsvFormat::Generic(HeaderMap::new())).unwrap();
        if let Ok(r) = &csv[0] {
            prop_assert!((1..=3600).contains(&i128::from(r.params.period)));
            prop_assert!(i128::from(r.counter) <= i128::from(i64::MAX));
        }
        for tag in ["TimeInterval", "TimeDrift", "Time", "Counter"] {
            let xml = FIG6.replace("<Counter>\n                    <PlainValue>0</PlainValue>\n                </Counter>", &format!("<{tag}><PlainValue>{n}</PlainValue></{tag}>"));
            prop_assert_ne!(&xml, FIG6);
            let k = PskcKeys { psk: Some(Zeroizing::new(data_encoding::HEXLOWER.decode(b"12345678901234567890123456789012").unwrap())), password: None };
            let p = parse_pskc(&xml, &k, MacCheck::Strict).unwrap();
            if let Ok(r) = &p[0] {
                prop_assert!(r.drift_steps.unsigned_abs() * u64::from(r.params.period) <= 31_536_000);
                prop_assert!(r.counter <= i64::MAX as u64);
            }
        }
    }
}
