//! A streaming reader that hands out the children of the PSKC `KeyContainer` one at a
//! time as small owned trees, so a file with 100,000 key packages never sits in memory
//! as one DOM (RFC 6030 §4: the container is a flat list of `KeyPackage`s after the
//! optional `EncryptionKey` and `MACMethod`).
//!
//! Elements are matched by local name: vendors use every prefix, and some the wrong
//! namespace (python-pskc #4); the root's namespace is still checked.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use zeroize::Zeroizing;

use super::super::record::{ImportError, quoted};
use crate::model::display_safe;

/// The PSKC namespace of RFC 6030 §12.1 (drafts appended versions such as `:1.0`).
pub(crate) const PSKC_NS: &str = "urn:ietf:params:xml:ns:keyprov:pskc";

/// One element: local name, attributes (local names), text and children.
#[derive(Debug, Default)]
pub(crate) struct Element {
    /// Local name, without prefix.
    pub name: String,
    /// Attributes by local name, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// Concatenated character data, unescaped; wiped on drop (it may hold seeds).
    pub text: Zeroizing<String>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// 1-based line of the start tag.
    pub line: usize,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Follows a path of local names through first children.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |e, n| e.child(n))
    }

    /// An attribute by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed text of the child at `names`, if present and not empty.
    pub fn text_at(&self, names: &[&str]) -> Option<String> {
        self.path(names)
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }
}

/// Pulls the root and then its children, one subtree at a time.
pub(crate) struct Stream<'a> {
    reader: NsReader<&'a [u8]>,
    xml: &'a str,
    /// Byte offset up to which newlines have been counted, the line there, and the
    /// offset where that line starts: positions only move forward, so every byte is
    /// looked at once however long the lines are.
    counted: usize,
    line: usize,
    line_start: usize,
    /// Bytes examined to compute positions (tests check it stays linear).
    scanned: usize,
}

impl<'a> Stream<'a> {
    /// Starts reading a document.
    pub fn new(xml: &'a str) -> Self {
        let mut reader = NsReader::from_str(xml);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Stream {
            reader,
            xml,
            counted: 0,
            line: 1,
            line_start: 0,
            scanned: 0,
        }
    }

    /// 1-based line and column (in bytes) of a byte offset. Offsets of successive
    /// events only move forward, so the line and the start of the current line are
    /// carried along and only the bytes since the last call are scanned: linear in the
    /// file, whatever the line lengths. An offset behind the last one (an error the
    /// parser reports at an earlier byte) is counted from the start, once.
    fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.xml.len());
        if offset < self.counted {
            self.counted = 0;
            self.line = 1;
            self.line_start = 0;
        }
        let bytes = &self.xml.as_bytes()[self.counted..offset];
        self.scanned += bytes.len();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                self.line_start = self.counted + i + 1;
            }
        }
        self.counted = offset;
        (self.line, offset - self.line_start + 1)
    }

    fn xml_error(&mut self, offset: usize, reason: impl Into<String>) -> ImportError {
        let (line, column) = self.line_col(offset);
        ImportError::Xml {
            line,
            column,
            reason: reason.into(),
        }
    }

    /// Reads one event, turning parser errors into [`ImportError::Xml`], and returns it
    /// with the byte offset where it started.
    fn next(&mut self) -> Result<(usize, Option<String>, Event<'a>), ImportError> {
        let start = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
        match self.reader.read_resolved_event() {
            Ok((ns, event)) => {
                let ns = match ns {
                    ResolveResult::Bound(n) => Some(n.as_ref().to_string()),
                    _ => None,
                };
                Ok((start, ns, event))
            }
            Err(e) => {
                let at = usize::try_from(self.reader.error_position()).unwrap_or(start);
                Err(self.xml_error(at, quoted_reason(&e.to_string())))
            }
        }
    }

    /// Reads up to the root element and checks it is a PSKC `KeyContainer`. Returns
    /// the root's attributes (`Version`, `Id`), or `None` for an empty root.
    pub fn open_root(&mut self) -> Result<(Element, bool), ImportError> {
        loop {
            let (start, ns, event) = self.next()?;
            match event {
                Event::Start(ref s) | Event::Empty(ref s) => {
                    let empty = matches!(event, Event::Empty(_));
                    let root = self.element_head(start, s)?;
                    if root.name != "KeyContainer" {
                        return Err(ImportError::NotPskc(format!(
                            "the root element is <{}> at line {}, not <KeyContainer> (no KeyContainer found)",
                            quoted(&root.name),
                            root.line
                        )));
                    }
                    if let Some(ns) = ns.filter(|n| !n.starts_with(PSKC_NS)) {
                        return Err(ImportError::NotPskc(format!(
                            "<KeyContainer> is in namespace {}, not {PSKC_NS}",
                            quoted(&ns)
                        )));
                    }
                    return Ok((root, empty));
                }
                Event::Eof => {
                    return Err(ImportError::NotPskc(
                        "the document is empty (no KeyContainer found)".into(),
                    ));
                }
                Event::Text(t) if !t.xml10_content().trim().is_empty() => {
                    return Err(self.xml_error(start, "text before the root element"));
                }
                _ => {}
            }
        }
    }

    fn element_head(&mut self, start: usize, s: &BytesStart<'_>) -> Result<Element, ImportError> {
        let (line, _) = self.line_col(start);
        let name = local(s.name().as_ref());
        let mut attrs = Vec::new();
        for attr in s.attributes() {
            let attr = attr.map_err(|e| self.xml_error(start, quoted_reason(&e.to_string())))?;
            let key = attr.key.as_ref();
            if key.starts_with("xmlns") {
                continue;
            }
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| self.xml_error(start, quoted_reason(&e.to_string())))?;
            attrs.push((local(key), value.into_owned()));
        }
        Ok(Element {
            name,
            attrs,
            line,
            ..Element::default()
        })
    }

    /// The next child of the root as a complete subtree, or `None` at the root's end.
    pub fn next_child(&mut self) -> Result<Option<Element>, ImportError> {
        let mut stack: Vec<Element> = Vec::new();
        loop {
            let (start, _, event) = self.next()?;
            match event {
                Event::Start(s) => {
                    let e = self.element_head(start, &s)?;
                    stack.push(e);
                }
                Event::Empty(s) => {
                    let e = self.element_head(start, &s)?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(e),
                        None => return Ok(Some(e)),
                    }
                }
                Event::End(_) => match stack.pop() {
                    Some(done) => match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(Some(done)),
                    },
                    None => return Ok(None),
                },
                Event::Text(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Event::CData(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    let name = r.xml10_content();
                    let c = resolve_ref(&name).ok_or_else(|| {
                        self.xml_error(
                            start,
                            format!(
                                "&{}; is not a predefined entity or a character XML 1.0 allows",
                                quoted(&name)
                            ),
                        )
                    })?;
                    if let Some(top) = stack.last_mut() {
                        top.text.push(c);
                    }
                }
                Event::Eof => {
                    return Err(self.xml_error(
                        self.xml.len(),
                        "unexpected end of file: <KeyContainer> is not closed",
                    ));
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }
}

impl Stream<'_> {
    /// After the root's end tag: only white space, comments and processing
    /// instructions may follow (XML 1.0 §2.1, `document ::= prolog element Misc*`). A
    /// second `<KeyContainer>` or any other element or text is refused with its line,
    /// never ignored.
    pub fn finish(&mut self) -> Result<(), ImportError> {
        loop {
            let (start, _, event) = self.next()?;
            match event {
                Event::Eof => return Ok(()),
                Event::Start(s) | Event::Empty(s) => {
                    let (line, _) = self.line_col(start);
                    let name = local(s.name().as_ref());
                    let what = if name == "KeyContainer" {
                        "a second <KeyContainer>".to_string()
                    } else {
                        format!("<{}>", quoted(&name))
                    };
                    return Err(ImportError::NotPskc(format!(
                        "{what} at line {line} comes after </KeyContainer>; a PSKC document holds exactly one KeyContainer (RFC 6030 §4, XML 1.0 §2.1): split the file"
                    )));
                }
                Event::Text(t) if t.xml10_content().trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                _ => {
                    let (line, _) = self.line_col(start);
                    return Err(ImportError::NotPskc(format!(
                        "text at line {line} comes after </KeyContainer>; nothing but comments may follow it (XML 1.0 §2.1)"
                    )));
                }
            }
        }
    }

    /// Bytes examined so far to compute lines and columns.
    #[cfg(test)]
    pub fn scanned(&self) -> usize {
        self.scanned
    }
}

/// A parser message with any quoted input made safe to show.
fn quoted_reason(reason: &str) -> String {
    display_safe(reason, 200).into_owned()
}

/// The local part of a possibly prefixed name.
fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

/// The five predefined entities of XML 1.0 §4.6 and character references to
/// characters XML 1.0 allows (§2.2 `Char`: tab, LF, CR and U+0020 up; `&#27;` or
/// `&#0;` are not well-formed, WFC "Legal Character" of §4.1).
fn resolve_ref(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| {
                matches!(c, '\t' | '\n' | '\r')
                    || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
            })
        }
    }
}

#[cfg(test)]
mod tests {
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
}
