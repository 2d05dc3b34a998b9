//! PHP `serialize()` of a flat map of strings, for Token2's `format=0` ("serialized
//! data"). Token2 documents no encoding for it; PHP's serialize is an inference from
//! the name and the PHP appliance (said so in the README). Form: `a:N:{` then, per
//! entry, `s:LEN:"key";s:LEN:"value";` with LEN in bytes, then `}`.

/// `a:N:{s:LEN:"k";s:LEN:"v";…}`.
pub fn serialize(fields: &[(&str, String)]) -> String {
    let mut out = format!("a:{}:{{", fields.len());
    for (k, v) in fields {
        for s in [*k, v.as_str()] {
            out.push_str(&format!("s:{}:\"{}\";", s.len(), s));
        }
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_serialize() {
        // As PHP 8 prints serialize(["response" => "ok", "userid" => "é1", "validation" => "true"]).
        let s = serialize(&[
            ("response", "ok".into()),
            ("userid", "é1".into()),
            ("validation", "true".into()),
        ]);
        assert_eq!(
            s,
            r#"a:3:{s:8:"response";s:2:"ok";s:6:"userid";s:3:"é1";s:10:"validation";s:4:"true";}"#
        );
        assert_eq!(serialize(&[]), "a:0:{}");
    }
}
