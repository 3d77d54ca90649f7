//! JSON text written by hand, byte for byte what `serde_json` writes for
//! the same data: compact, object keys in the order given (callers give
//! them sorted, as `serde_json::Map` sorts them), strings escaped as
//! `serde_json` escapes them, numbers in `serde_json`'s spelling.
//!
//! This is the hot path of every event (its patch) and of every stored
//! snapshot. Through `serde`'s serializer, every object key is escaped
//! byte by byte and every value goes through a few layers of calls; here
//! a key and its punctuation are one copy of a literal
//! ([`json_object!`]), strings are scanned eight bytes at a time for what
//! needs escaping, and everything is written into a `String`, so the text
//! never needs validating as UTF-8.

/// A value that writes itself as JSON text.
pub trait WriteJson {
    fn write_json(&self, out: &mut String);
}

/// `value` as JSON text.
#[must_use]
pub fn to_json_text<T: WriteJson + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_json(&mut out);
    out
}

/// `impl WriteJson` for a struct whose fields are all [`WriteJson`],
/// written as an object with the fields as keys, in the order listed
/// (list them sorted: that is the order `serde_json::Map` writes).
macro_rules! json_object {
    ($ty:ident $(<$lt:lifetime>)? { $first:ident $(, $field:ident)* $(,)? }) => {
        impl $(<$lt>)? $crate::json_text::WriteJson for $ty $(<$lt>)? {
            fn write_json(&self, out: &mut String) {
                out.push_str(concat!("{\"", stringify!($first), "\":"));
                $crate::json_text::WriteJson::write_json(&self.$first, out);
                $(
                    out.push_str(concat!(",\"", stringify!($field), "\":"));
                    $crate::json_text::WriteJson::write_json(&self.$field, out);
                )*
                out.push('}');
            }
        }
    };
}
pub(crate) use json_object;

/// Append `n` in decimal (as `serde_json` writes it: with `itoa`).
pub fn push_u64(out: &mut String, n: u64) {
    if n < 10 {
        out.push(char::from(b'0' + n as u8));
    } else {
        out.push_str(itoa::Buffer::new().format(n));
    }
}

/// Append ASCII bytes (digits, a float's spelling) byte by byte: no UTF-8
/// validation, no `memcpy` call for a few bytes.
fn push_ascii(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len());
    for &b in bytes {
        out.push(char::from(b));
    }
}

impl WriteJson for u32 {
    fn write_json(&self, out: &mut String) {
        push_u64(out, u64::from(*self));
    }
}

impl WriteJson for u64 {
    fn write_json(&self, out: &mut String) {
        push_u64(out, *self);
    }
}

impl WriteJson for usize {
    fn write_json(&self, out: &mut String) {
        push_u64(out, *self as u64);
    }
}

impl WriteJson for i64 {
    fn write_json(&self, out: &mut String) {
        if *self < 0 {
            out.push('-');
        }
        push_u64(out, self.unsigned_abs());
    }
}

impl WriteJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl WriteJson for f64 {
    /// As `serde_json` writes a float (`null` when not finite, as a
    /// `Value` built from it holds).
    fn write_json(&self, out: &mut String) {
        use serde_json::ser::Formatter as _;
        if !self.is_finite() {
            out.push_str("null");
            return;
        }
        let mut buf = [0u8; 32];
        let mut w = &mut buf[..];
        // 32 bytes hold any f64 serde_json writes (at most 24).
        if serde_json::ser::CompactFormatter.write_f64(&mut w, *self).is_err() {
            out.push_str("null");
            return;
        }
        let n = 32 - w.len();
        push_ascii(out, &buf[..n]);
    }
}

impl WriteJson for str {
    fn write_json(&self, out: &mut String) {
        out.push('"');
        push_escaped(out, self);
        out.push('"');
    }
}

impl WriteJson for String {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl WriteJson for () {
    fn write_json(&self, out: &mut String) {
        out.push_str("null");
    }
}

impl<T: WriteJson> WriteJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: WriteJson + ?Sized> WriteJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: WriteJson> WriteJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: WriteJson> WriteJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl WriteJson for serde_json::Value {
    /// Through `serde_json` itself (generic values: ops built as `Value`).
    fn write_json(&self, out: &mut String) {
        match serde_json::to_string(self) {
            Ok(json) => out.push_str(&json),
            Err(_) => out.push_str("null"),
        }
    }
}

/// Whether any of the 8 bytes of `w` must be escaped: a control character
/// (below 0x20), `"` or `\`. May say yes for a word that needs nothing
/// (then the bytes are looked at one by one), never no for one that does.
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let quote = (w ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES) & !(w ^ (ONES * u64::from(b'"'))) & HIGH;
    let backslash = (w ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES) & !(w ^ (ONES * u64::from(b'\\'))) & HIGH;
    below_space | quote | backslash != 0
}

fn byte_needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Append `s` escaped as the contents of a JSON string, as `serde_json`
/// escapes it: `"` and `\` and control characters (`\n`, `\t` … or
/// `\u00xx`); everything else verbatim.
pub fn push_escaped(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    // Fast path: find the first byte to escape, eight bytes at a time.
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && !byte_needs_escape(bytes[i]) {
        i += 1;
    }
    if i == bytes.len() {
        out.push_str(s);
        return;
    }
    escape_from(out, s, i);
}

/// The slow path of [`push_escaped`]: `s[..first]` needs nothing.
fn escape_from(out: &mut String, s: &str, first: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..0x20 => "",
            _ => continue,
        };
        // Escaped bytes are ASCII: `i` is a char boundary.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Row<'a> {
        a: u32,
        b: &'a str,
        c: Option<f64>,
        d: Vec<i64>,
    }
    json_object!(Row<'a> { a, b, c, d });

    #[test]
    fn written_as_serde_json_writes() {
        let mut strings: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "exactly8".into(),
            "sixteen bytes ok".into(),
            "Jadeja — “Jaddu” c \"Smith\" b Ångström\n\\ \u{1F3CF} \u{7f}".into(),
            "tab\there\r\u{8}\u{c}".into(),
        ];
        for b in 0u8..0x80 {
            // Every position in a word and in the tail.
            for at in 0..19 {
                let mut s: Vec<char> = "abcdefghéijklmnopq".chars().collect();
                s.insert(at.min(s.len()), char::from(b));
                strings.push(s.into_iter().collect());
            }
            strings.push(format!("{}", char::from(b)));
        }
        for s in &strings {
            assert_eq!(to_json_text(s.as_str()), serde_json::to_string(s).unwrap_or_default(), "{s:?}");
        }
        for x in [0.0, -0.0, 1.0, 7.25, 133.0 / 18.1, 1e21, 1e-7, f64::MAX, f64::MIN_POSITIVE, f64::NAN, f64::INFINITY]
        {
            assert_eq!(to_json_text(&x), json!(x).to_string(), "{x}");
        }
        for n in [0u64, 9, 10, 4_294_967_295, u64::MAX] {
            assert_eq!(to_json_text(&n), n.to_string());
        }
        for n in [0i64, -1, 1_700_000_000_123, i64::MIN, i64::MAX] {
            assert_eq!(to_json_text(&n), n.to_string());
        }
        let row = Row { a: 3, b: "x\"y", c: None, d: vec![-1, 2] };
        assert_eq!(to_json_text(&row), json!({"a": 3, "b": "x\"y", "c": null, "d": [-1, 2]}).to_string());
        let rows = vec![row, Row { a: 0, b: "", c: Some(0.5), d: vec![] }];
        assert_eq!(
            to_json_text(&rows),
            json!([{"a": 3, "b": "x\"y", "c": null, "d": [-1, 2]}, {"a": 0, "b": "", "c": 0.5, "d": []}]).to_string()
        );
        assert_eq!(to_json_text(&(None::<u32>, ()).1), "null");
        assert_eq!(to_json_text(&json!({"z": [1, {"y": null}], "a": "b"})), r#"{"a":"b","z":[1,{"y":null}]}"#);
    }
}
