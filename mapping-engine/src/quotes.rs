//! Port's rewrite of single-quoted strings in mapping programs: before compiling,
//! Port turns a single quote that opens a string (at the start or after white space)
//! or closes one (before white space or the end) into a double quote, so that
//! `'service'` is the jq string `"service"`.

use std::borrow::Cow;

/// Applies Port's single-quote rewrite, matching exactly what Port's integration does
/// (the regex `(^|\s)'(?!\s|")|(?<!\s|")'(\s|$)` replaced by `\1"\2`, scanned left to right).
pub fn double_quote_strings(code: &str) -> Cow<'_, str> {
    if !code.contains('\'') {
        return Cow::Borrowed(code);
    }
    let chars: Vec<char> = code.chars().collect();
    let blank_or_quote = |c: Option<&char>| c.is_some_and(|c| c.is_whitespace() || *c == '"');
    let mut out = String::with_capacity(code.len());
    let mut p = 0;
    while p < chars.len() {
        // `(^|\s)'(?!\s|")`: the quote at p (at the start) or after the blank at p.
        let opening = |q: usize| chars.get(q) == Some(&'\'') && !blank_or_quote(chars.get(q + 1));
        if p == 0 && opening(0) {
            out.push('"');
            p += 1;
            continue;
        }
        if chars[p].is_whitespace() && opening(p + 1) {
            out.push(chars[p]);
            out.push('"');
            p += 2;
            continue;
        }
        // `(?<!\s|")'(\s|$)`: a quote not after a blank or `"`, before a blank or the end.
        let after_ok = p == 0 || !blank_or_quote(chars.get(p - 1));
        if chars[p] == '\'' && after_ok {
            match chars.get(p + 1) {
                None => {
                    out.push('"');
                    p += 1;
                    continue;
                }
                Some(&next) if next.is_whitespace() => {
                    out.push('"');
                    out.push(next);
                    p += 2;
                    continue;
                }
                Some(_) => {}
            }
        }
        out.push(chars[p]);
        p += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::double_quote_strings;

    #[test]
    fn rewrites_as_port_does() {
        // Expected values computed with Python's `re.sub`, as Port's integration runs it.
        let cases = [
            ("'service'", "\"service\""),
            ("'a' 'b'", "\"a\" 'b\""),
            (".name + ' x'", ".name + ' x\""),
            ("test(\"it's\")", "test(\"it's\")"),
            ("\"a ' b\"", "\"a ' b\""),
            ("  'x'", "  \"x\""),
            ("'", "\""),
            ("''", "\"\""),
            (".a|'b'|'c'", ".a|'b'|'c\""),
            ("x' ", "x\" "),
            ("'\"q\"'", "'\"q\"'"),
            (
                "if .a then 'yes' else 'no' end",
                "if .a then \"yes\" else \"no\" end",
            ),
            (".id", ".id"),
        ];
        for (code, want) in cases {
            assert_eq!(double_quote_strings(code), want, "{code}");
        }
    }
}
