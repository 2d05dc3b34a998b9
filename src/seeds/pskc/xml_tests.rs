//! Stream tests: lines and columns (also on one very long line), one root, XML
//! character references.

use super::*;

#[test]
fn children_come_one_by_one_with_lines() {
    let xml = "<?xml version='1.0'?>\n<p:KeyContainer xmlns:p='urn:ietf:params:xml:ns:keyprov:pskc' Version='1.0'>\n  <p:KeyPackage>\n    <p:Key Id='a&amp;b'><p:Issuer>A &lt;&#65;&gt;</p:Issuer></p:Key>\n  </p:KeyPackage>\n  <p:KeyPackage/>\n</p:KeyContainer>\n";
    let mut s = Stream::new(xml);
    let (root, empty) = s.open_root().unwrap();
    assert!(!empty);
    assert_eq!(root.attr("Version"), Some("1.0"));
    let kp = s.next_child().unwrap().unwrap();
    assert_eq!(kp.name, "KeyPackage");
    assert_eq!(kp.line, 3);
    let key = kp.child("Key").unwrap();
    assert_eq!(key.attr("Id"), Some("a&b"));
    assert_eq!(key.line, 4);
    assert_eq!(kp.text_at(&["Key", "Issuer"]).as_deref(), Some("A <A>"));
    let kp2 = s.next_child().unwrap().unwrap();
    assert_eq!(kp2.line, 6);
    assert!(s.next_child().unwrap().is_none());
}

#[test]
fn errors_carry_line_and_column() {
    let xml = "<KeyContainer xmlns='urn:ietf:params:xml:ns:keyprov:pskc'>\n<KeyPackage>\n</Key>\n</KeyContainer>";
    let mut s = Stream::new(xml);
    s.open_root().unwrap();
    match s.next_child().unwrap_err() {
        ImportError::Xml { line, .. } => assert_eq!(line, 3),
        e => panic!("{e}"),
    }
    let mut s = Stream::new("<html/>");
    assert!(matches!(s.open_root(), Err(ImportError::NotPskc(_))));
    let mut s = Stream::new("<KeyContainer xmlns='urn:x'/>");
    assert!(matches!(s.open_root(), Err(ImportError::NotPskc(_))));
    let mut s = Stream::new("<KeyContainer>\n<KeyPackage>");
    s.open_root().unwrap();
    assert!(matches!(
        s.next_child(),
        Err(ImportError::Xml { line: 2, .. })
    ));
}

/// 20,000 siblings on one line: every position is right and the bytes examined
/// to find them stay within the file's length (the old backward scan to the last
/// newline examined about n²/2 bytes here).
#[test]
fn positions_on_one_long_line_cost_one_pass() {
    let n = 20_000;
    let head = "<KeyContainer xmlns='urn:ietf:params:xml:ns:keyprov:pskc'>";
    let mut xml = String::from(head);
    for _ in 0..n {
        xml.push_str("<KeyPackage/>");
    }
    xml.push_str("\n<Oops");
    let mut s = Stream::new(&xml);
    s.open_root().unwrap();
    for i in 0..n {
        let kp = s.next_child().unwrap().unwrap();
        assert_eq!(kp.line, 1);
        if i == n - 1 {
            let (line, col) = s.line_col(head.len() + i * 13);
            assert_eq!((line, col), (1, head.len() + i * 13 + 1));
        }
    }
    match s.next_child().unwrap_err() {
        ImportError::Xml { line, column, .. } => assert_eq!((line, column), (2, 1)),
        e => panic!("{e}"),
    }
    assert!(s.scanned() <= xml.len(), "{} > {}", s.scanned(), xml.len());
}

#[test]
fn nothing_but_comments_after_the_root() {
    let root = "<KeyContainer xmlns='urn:ietf:params:xml:ns:keyprov:pskc'>\n</KeyContainer>";
    let run = |tail: &str| {
        let xml = format!("{root}{tail}");
        let mut s = Stream::new(&xml);
        s.open_root()?;
        while s.next_child()?.is_some() {}
        s.finish()
    };
    assert!(run("").is_ok());
    assert!(run("\n  <!-- signed elsewhere -->\n<?pi x?>\n").is_ok());
    let e = run("\n<KeyContainer xmlns='urn:ietf:params:xml:ns:keyprov:pskc'/>")
        .unwrap_err()
        .to_string();
    assert!(e.contains("a second <KeyContainer> at line 3"), "{e}");
    let e = run("\n\ntrailing words").unwrap_err().to_string();
    assert!(
        e.contains("text at line 2") || e.contains("text at line 3"),
        "{e}"
    );
    let e = run("<Extra/>").unwrap_err().to_string();
    assert!(e.contains("<Extra> at line 2"), "{e}");
}

#[test]
fn character_references_must_be_xml_characters() {
    assert_eq!(resolve_ref("#65"), Some('A'));
    assert_eq!(resolve_ref("#x9"), Some('\t'));
    assert_eq!(resolve_ref("#10"), Some('\n'));
    for bad in ["#27", "#0", "#x1B", "#xFFFE", "#x110000", "#", "nbsp"] {
        assert_eq!(resolve_ref(bad), None, "{bad}");
    }
    let xml = "<KeyContainer xmlns='urn:ietf:params:xml:ns:keyprov:pskc'>\n<KeyPackage>&#27;[2J</KeyPackage></KeyContainer>";
    let mut s = Stream::new(xml);
    s.open_root().unwrap();
    match s.next_child().unwrap_err() {
        ImportError::Xml { line, reason, .. } => {
            assert_eq!(line, 2);
            assert!(reason.contains("&#27;"), "{reason}");
        }
        e => panic!("{e}"),
    }
}
