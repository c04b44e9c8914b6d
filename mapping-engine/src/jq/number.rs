//! jq 1.8's number text: `jvp_dtoa_fmt` for computed doubles and decNumber's
//! scientific string for number literals kept from the input.

use std::fmt::Write as _;

/// Formats a computed double as jq prints it (`5`, `0.1`, `1e+17`, `2.5e-07`).
///
/// Non-finite values follow jq: NaN prints as `null`, infinities as the largest double.
pub fn format_f64(x: f64) -> String {
    if x.is_nan() {
        return "null".to_owned();
    }
    let x = if x.is_infinite() {
        f64::MAX.copysign(x)
    } else {
        x
    };
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Shortest round-trip digits and decimal exponent, e.g. "1.2345e6".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let decpt = exp + 1;
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    let nd = digits.len() as i32;
    if decpt <= -4 || decpt > nd + 15 {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(out, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-decpt) as usize));
        out.push_str(&digits);
    } else if decpt >= nd {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (decpt - nd) as usize));
    } else {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    }
    out
}

/// Formats a number literal as jq 1.8 prints a literal it kept (decNumber's
/// to-scientific-string): `1.0`, `1.50`, `0.00001`, `1E+17`, `1.23456E+12`.
///
/// Returns `None` when `lit` is not a JSON number literal.
pub fn format_literal(lit: &str) -> Option<String> {
    let (negative, rest) = match lit.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, lit.strip_prefix('+').unwrap_or(lit)),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut coeff: String = int.chars().chain(frac.chars()).collect();
    let mut exponent = exp - frac.len() as i64;
    let trimmed = coeff.trim_start_matches('0');
    coeff = if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    };
    if coeff == "0" && exponent > 0 {
        exponent = 0;
    }
    let nd = coeff.len() as i64;
    let adjusted = exponent + nd - 1;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if exponent <= 0 && adjusted >= -6 {
        if exponent == 0 {
            out.push_str(&coeff);
        } else if -exponent >= nd {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - nd) as usize));
            out.push_str(&coeff);
        } else {
            let point = (nd + exponent) as usize;
            out.push_str(&coeff[..point]);
            out.push('.');
            out.push_str(&coeff[point..]);
        }
    } else {
        out.push_str(&coeff[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&coeff[1..]);
        }
        let _ = write!(
            out,
            "E{}{}",
            if adjusted < 0 { '-' } else { '+' },
            adjusted.abs()
        );
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_doubles_print_like_jq() {
        let cases = [
            (5.0, "5"),
            (24.0, "24"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e17, "1e+17"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000"),
            (1.2345678901234567e19, "12345678901234567000"),
            (0.00001, "1e-05"),
            (0.0001, "0.0001"),
            (2.5e-7, "2.5e-07"),
            (-1.5, "-1.5"),
            (f64::INFINITY, "1.7976931348623157e+308"),
            (f64::NAN, "null"),
            (42.24, "42.24"),
        ];
        for (x, want) in cases {
            assert_eq!(format_f64(x), want, "{x}");
        }
    }

    #[test]
    fn literals_print_like_jq() {
        let cases = [
            ("1.0", "1.0"),
            ("1.50", "1.50"),
            ("1e1000", "1E+1000"),
            ("1e-5", "0.00001"),
            ("1e17", "1E+17"),
            ("1.5e300", "1.5E+300"),
            ("123.456e10", "1.23456E+12"),
            ("1e2", "1E+2"),
            ("100", "100"),
            ("-0", "-0"),
            ("5e-324", "5E-324"),
            ("1.5e-7", "1.5E-7"),
            ("0.0001", "0.0001"),
            ("123456789.123456789", "123456789.123456789"),
        ];
        for (lit, want) in cases {
            assert_eq!(format_literal(lit).as_deref(), Some(want), "{lit}");
        }
        assert_eq!(format_literal("x1"), None);
    }
}
