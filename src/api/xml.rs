//! JSON values as XML (the `Accept: application/xml` rendering of every answer, and
//! Token2's `format=2`): an object becomes elements named after its keys, an array
//! repeated `<item>` elements, `null` an empty element, other values their text
//! (escaped by quick-xml). A key that is not an XML name becomes `<entry key="…">`.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

/// The XML document of `v` under the element `root`.
pub fn to_xml(root: &str, v: &Value) -> String {
    let mut w = Writer::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    element(&mut w, root, v);
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

/// Whether `name` is a plain XML element name (ASCII letters, digits, `_`, `-`, `.`,
/// not starting with a digit, `-`, `.` or `xml`).
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.to_ascii_lowercase().starts_with("xml")
}

fn element(w: &mut Writer<Vec<u8>>, name: &str, v: &Value) {
    let start = if is_name(name) {
        BytesStart::new(name)
    } else {
        let mut s = BytesStart::new("entry");
        s.push_attribute(("key", name));
        s
    };
    let end: BytesEnd<'static> = start.to_end().into_owned();
    let text = match v {
        Value::Null => {
            let _ = w.write_event(Event::Empty(start));
            return;
        }
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let _ = w.write_event(Event::Start(start));
            for item in items {
                element(w, "item", item);
            }
            let _ = w.write_event(Event::End(end));
            return;
        }
        Value::Object(map) => {
            let _ = w.write_event(Event::Start(start));
            for (k, item) in map {
                element(w, k, item);
            }
            let _ = w.write_event(Event::End(end));
            return;
        }
    };
    let _ = w.write_event(Event::Start(start));
    let _ = w.write_event(Event::Text(BytesText::new(&text)));
    let _ = w.write_event(Event::End(end));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let v = serde_json::json!({
            "status": "OK",
            "step": 5,
            "capped": false,
            "holder": null,
            "items": [{"a": 1}, "x<y&z"],
            "bad key": "v",
            "xmlns": "no",
        });
        // serde_json's map keeps keys sorted.
        assert_eq!(
            to_xml("response", &v),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><response><entry key=\"bad key\">v</entry>\
             <capped>false</capped><holder/><items><item><a>1</a></item><item>x&lt;y&amp;z</item>\
             </items><status>OK</status><step>5</step><entry key=\"xmlns\">no</entry></response>"
        );
    }
}
