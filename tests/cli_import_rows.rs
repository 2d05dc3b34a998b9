//! Issue 12, "Output for scripts": a URI list's error rows name their line, serial
//! (the URI's account, read even when the URI is refused) and product (the one
//! `--product` puts everything under), in the table and in `--json`. Through the
//! binary.

#![allow(clippy::unwrap_used)]

mod common;

use common::Station;

#[test]
fn uri_list_error_rows_name_line_serial_and_product() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    let list = s.dir.path().join("list.txt");
    std::fs::write(
        &list,
        "# accounts\n\
         otpauth://totp/Acme:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme\n\
         otpauth://totp/Acme:bob?secret=GEZD!!&issuer=Acme\n\
         http://not-a-key-uri\n\
         otpauth://totp/Acme:cy?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8\n",
    )
    .unwrap();
    let path = list.to_str().unwrap();
    let (out, _) = s.fails(&["import", "uri", path, "--product", "P"], 2);
    let row = |line: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{line} ")))
            .unwrap_or_else(|| panic!("no row for line {line}: {out}"))
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
    };
    assert_eq!(row("3"), ["3", "bob", "P", "error"], "{out}");
    assert_eq!(row("4"), ["4", "-", "P", "error"], "{out}");
    assert_eq!(row("5"), ["5", "cy", "P", "error"], "{out}");

    let (out, _) = s.fails(&["--json", "import", "uri", path, "--product", "P"], 2);
    let first = out.lines().take_while(|l| *l != "}").collect::<Vec<_>>();
    let r: serde_json::Value = serde_json::from_str(&(first.join("\n") + "\n}")).unwrap();
    let rows = r["rows"].as_array().unwrap();
    let bob = &rows[1];
    assert_eq!(
        (&bob["line"], &bob["serial"], &bob["product"]),
        (&3.into(), &"bob".into(), &"P".into()),
        "{bob}"
    );
    assert!(bob["reason"].as_str().unwrap().contains("base32"), "{bob}");
    let cy = &rows[3];
    assert_eq!(
        (&cy["line"], &cy["serial"], &cy["product"]),
        (&5.into(), &"cy".into(), &"P".into()),
        "{cy}"
    );
    // Without --product the product of a refused URI is not known: none is named.
    let (out, _) = s.fails(&["--json", "import", "uri", path], 2);
    let first = out.lines().take_while(|l| *l != "}").collect::<Vec<_>>();
    let r: serde_json::Value = serde_json::from_str(&(first.join("\n") + "\n}")).unwrap();
    assert_eq!(r["rows"][1]["serial"], "bob");
    assert!(r["rows"][1]["product"].is_null());
}
