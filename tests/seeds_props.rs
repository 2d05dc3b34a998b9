//! Every seeds parser takes arbitrary input without panicking: only errors.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tokenstation::seeds::{
    CsvFormat, HeaderMap, MacCheck, PskcKeys, parse_csv, parse_pskc, parse_uri_list,
};
use zeroize::Zeroizing;

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
        let _ = parse_csv(text, &f);
    }
}

proptest! {
    #[test]
    fn pskc_arbitrary_text(text in ".{0,400}") {
        let _ = parse_pskc(&text, &keys(), MacCheck::Strict);
    }

    #[test]
    fn pskc_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_pskc(&text, &keys(), MacCheck::Warn);
    }

    #[test]
    fn pskc_xml_shaped(text in "(<[A-Za-z:]{1,12}( [A-Za-z]{1,6}=\"[^\"<]{0,8}\")?>|</[A-Za-z:]{1,12}>|[A-Za-z0-9+/=&;# ]{0,10}){0,30}") {
        let doc = format!("<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage>{text}</KeyPackage></KeyContainer>");
        let _ = parse_pskc(&doc, &keys(), MacCheck::Strict);
        let _ = parse_pskc(&doc, &PskcKeys::default(), MacCheck::Warn);
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
            let _ = parse_pskc(&s, &keys(), MacCheck::Strict);
            let _ = parse_pskc(&s, &PskcKeys::default(), MacCheck::Warn);
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
        let _ = parse_uri_list(&text);
    }
}
