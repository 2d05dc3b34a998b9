//! CSV seed files: Token2 (Entra ID layout), OATH CSV (privacyIDEA v1 and v2), generic.
#![allow(clippy::unwrap_used)]

use tokenstation::otp::{Algorithm, Digits, Kind};
use tokenstation::seeds::{CsvFormat, Field, HeaderMap, ImportError, parse_csv};

#[test]
fn token2_with_header_hex_and_base32() {
    let text = "upn,serial number,secret key,timeinterval,manufacturer,model\n\
        gulnara@example.org,60234567,1234567890abcdef1234567890abcdef,30,Token2,c101\n\
        ,60234568,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,60,Token2,C302-i\n\
        ,60234569,,30,Token2,C302-i\n";
    let recs = parse_csv(text, &CsvFormat::Token2).unwrap();
    assert_eq!(recs.len(), 3);
    let a = recs[0].as_ref().unwrap();
    assert_eq!(a.serial.as_deref(), Some("60234567"));
    assert_eq!(a.account.as_deref(), Some("gulnara@example.org"));
    assert_eq!(
        a.secret.to_hex().as_str(),
        "1234567890abcdef1234567890abcdef"
    );
    assert_eq!(a.warnings.len(), 1, "hex guess is reported");
    assert_eq!(a.params.kind, Kind::Totp);
    assert_eq!(a.model.as_deref(), Some("c101"));
    assert_eq!(a.line, Some(2));
    let b = recs[1].as_ref().unwrap();
    assert_eq!(b.secret.expose(), b"12345678901234567890");
    assert_eq!(b.params.period, 60);
    assert!(b.account.is_none());
    let e = recs[2].as_ref().unwrap_err();
    assert!(matches!(e, ImportError::MissingSecret { .. }));
    assert_eq!(e.to_string(), "line 4 (serial 60234569): no secret");
}

#[test]
fn token2_without_header_and_quoted_fields() {
    let text =
        "\u{feff}\"60234567\",\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\",30,\"Token2, SA\",C302-i\n";
    let recs = parse_csv(text, &CsvFormat::Token2).unwrap();
    let a = recs[0].as_ref().unwrap();
    assert_eq!(a.manufacturer.as_deref(), Some("Token2, SA"));
    assert_eq!(a.serial.as_deref(), Some("60234567"));
}

#[test]
fn oath_csv_version1() {
    let text = "# OATH tokens\n\
        OATH0001, 3132333435363738393031323334353637383930\n\
        OATH0002, 3132333435363738393031323334353637383930, TOTP, 8, 60\n\
        OATH0003, 3132333435363738393031323334353637383930313233343536373839303132, totp, 6, 30\n\
        OATH0004, 31323334353637383930313233343536373839303132333435363738393031323132333435363738393031323334353637383930313233343536373839303132, hotp, 6, 17\n\
        OATH0005, 3132, OCRA, OCRA-1:HOTP-SHA1-6:QN08\n\
        OATH0006, 31zz\n\
        OATH0007, 3132333435363738393031323334353637383930, totp, 5\n";
    let recs = parse_csv(text, &CsvFormat::Oath).unwrap();
    assert_eq!(recs.len(), 7);
    let r1 = recs[0].as_ref().unwrap();
    assert_eq!(r1.params.kind, Kind::Hotp);
    assert_eq!(r1.params.algorithm, Algorithm::Sha1);
    assert_eq!(r1.line, Some(2));
    let r2 = recs[1].as_ref().unwrap();
    assert_eq!(
        (r2.params.kind, r2.params.digits, r2.params.period),
        (Kind::Totp, Digits::EIGHT, 60)
    );
    assert_eq!(
        recs[2].as_ref().unwrap().params.algorithm,
        Algorithm::Sha256
    );
    let r4 = recs[3].as_ref().unwrap();
    assert_eq!((r4.params.algorithm, r4.counter), (Algorithm::Sha512, 17));
    assert!(matches!(recs[4], Err(ImportError::UnknownAlgorithm { .. })));
    let e = recs[5].as_ref().unwrap_err().to_string();
    assert!(
        e.starts_with("line 7 (serial OATH0006): bad hex in secret"),
        "{e}"
    );
    let e = recs[6].as_ref().unwrap_err().to_string();
    assert!(
        e.starts_with("line 8 (serial OATH0007): invalid digits"),
        "{e}"
    );
}

#[test]
fn oath_csv_version2_skips_user_columns() {
    let text = "# version: 2\n\
        alice, resolver1, realm1, OATH0001, 3132333435363738393031323334353637383930, totp, 6, 30\n\
        , , , OATH0002, 3132333435363738393031323334353637383930\n";
    let recs = parse_csv(text, &CsvFormat::Oath).unwrap();
    let a = recs[0].as_ref().unwrap();
    assert_eq!(a.serial.as_deref(), Some("OATH0001"));
    assert_eq!(a.params.kind, Kind::Totp);
    assert_eq!(
        recs[1].as_ref().unwrap().serial.as_deref(),
        Some("OATH0002")
    );
}

#[test]
fn generic_with_header_map() {
    let map = HeaderMap::parse("Token=serial,Seed=secret_base32,Len=digits").unwrap();
    let text = "Token;Seed;Len;issuer;Notes\nT1;GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ;8;ACME;x\n";
    // Comma is the delimiter, so this whole header is one unknown column: no secret.
    let e = parse_csv(text, &CsvFormat::Generic(map.clone())).unwrap_err();
    assert!(e.to_string().contains("no secret column"), "{e}");
    let text = "Token,Seed,Len,issuer,Notes,type,counter\n\"T1\",GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,8,\"ACME, Inc\",\"x\"\"y\",hotp,9\n";
    let recs = parse_csv(text, &CsvFormat::Generic(map)).unwrap();
    let r = recs[0].as_ref().unwrap();
    assert_eq!(r.serial.as_deref(), Some("T1"));
    assert_eq!(r.issuer.as_deref(), Some("ACME, Inc"));
    assert_eq!(r.params.digits, Digits::EIGHT);
    assert_eq!((r.params.kind, r.counter), (Kind::Hotp, 9));
    // Default map: columns named like fields; secret with hex: prefix.
    let text = "serial,secret,algorithm,period\nS1,hex:3132333435363738393031323334353637383930,sha256,45\nS2,not base32!,sha1,30\nS3,GEZDGNBV,md5,30\n";
    let recs = parse_csv(text, &CsvFormat::Generic(HeaderMap::new())).unwrap();
    let r = recs[0].as_ref().unwrap();
    assert_eq!(
        (r.params.algorithm, r.params.period),
        (Algorithm::Sha256, 45)
    );
    assert!(
        recs[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("line 3 (serial S2): bad base32")
    );
    assert!(
        recs[2]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("algorithm")
    );
    assert!("nonsense".parse::<Field>().is_err());
    assert!(HeaderMap::parse("a").is_err());
}
