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
#[path = "xml_tests.rs"]
mod tests;
