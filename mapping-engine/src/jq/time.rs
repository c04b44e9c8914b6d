//! Date functions with jq 1.8's semantics (glibc `strptime`/`strftime`, `timegm`).
//!
//! Broken-down times are jq's arrays: `[year, month 0-11, day, hours, minutes,
//! seconds (may be fractional), weekday, day of year]`, always in UTC.

use super::natives::{as_f64, as_str, describe, fail};
use jaq_core::ValR;
use jaq_json::{Num, Rc, Val};

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days since 1970-01-01 of a proleptic Gregorian date; `day` may overflow the month.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year + month.div_euclid(12);
    let month = month.rem_euclid(12) + 1;
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (day - 1)
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month - 1, day)
}

/// A broken-down UTC time.
#[derive(Clone, Copy, Default)]
struct Tm {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: f64,
    wday: i64,
    yday: i64,
}

impl Tm {
    fn from_epoch(t: f64) -> Self {
        let whole = t.floor();
        let secs = whole as i64;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, mon, mday) = civil_from_days(days);
        Tm {
            year,
            mon,
            mday,
            hour: rem / 3600,
            min: rem % 3600 / 60,
            sec: (rem % 60) as f64 + (t - whole),
            wday: (days + 4).rem_euclid(7),
            yday: days - days_from_civil(year, 0, 1),
        }
    }

    /// `timegm`: seconds since the epoch, fields normalised, seconds truncated.
    fn timegm(&self) -> i64 {
        days_from_civil(self.year, self.mon, self.mday) * 86_400
            + self.hour * 3600
            + self.min * 60
            + self.sec.trunc() as i64
    }

    /// Fills weekday and day of year from the date fields, as jq does after `strptime`.
    fn with_computed_days(mut self) -> Self {
        let days = days_from_civil(self.year, self.mon, self.mday);
        self.wday = (days + 4).rem_euclid(7);
        self.yday = days - days_from_civil(self.year, 0, 1);
        self
    }

    fn from_val(v: &Val, what: &str) -> Result<Self, jaq_core::Error<Val>> {
        if let Some(t) = as_f64(v) {
            return Ok(Self::from_epoch(t));
        }
        let Val::Arr(items) = v else {
            return fail(format!("{what} requires parsed datetime inputs"));
        };
        let mut fields = [0f64; 8];
        if items.len() < 6 {
            return fail(format!("{what} requires parsed datetime inputs"));
        }
        for (slot, item) in fields.iter_mut().zip(items.iter()) {
            *slot = as_f64(item).ok_or_else(|| {
                jaq_core::Error::str(format!("{what} requires parsed datetime inputs"))
            })?;
        }
        Ok(Self::from_fields(&fields))
    }

    fn from_fields(fields: &[f64; 8]) -> Self {
        Tm {
            year: fields[0] as i64,
            mon: fields[1] as i64,
            mday: fields[2] as i64,
            hour: fields[3] as i64,
            min: fields[4] as i64,
            sec: fields[5],
            wday: fields[6] as i64,
            yday: fields[7] as i64,
        }
    }

    fn fields(&self) -> [f64; 8] {
        [
            self.year as f64,
            self.mon as f64,
            self.mday as f64,
            self.hour as f64,
            self.min as f64,
            self.sec,
            self.wday as f64,
            self.yday as f64,
        ]
    }

    fn to_val(self) -> Val {
        let int = |i: i64| Val::Num(Num::Int(i as isize));
        let sec = if self.sec.fract() == 0.0 {
            int(self.sec as i64)
        } else {
            Val::from(self.sec)
        };
        Val::Arr(Rc::new(vec![
            int(self.year),
            int(self.mon),
            int(self.mday),
            int(self.hour),
            int(self.min),
            sec,
            int(self.wday),
            int(self.yday),
        ]))
    }
}

/// `mktime` of a broken-down time's fields (missing ones zero).
pub fn timegm(fields: &[f64; 8]) -> i64 {
    Tm::from_fields(fields).timegm()
}

/// `strftime(fmt)` of seconds since the epoch.
pub fn format_epoch(t: f64, fmt: &str) -> String {
    format_tm(&Tm::from_epoch(t), fmt)
}

/// `strptime(fmt)` of a string: the broken-down time's fields, `None` when
/// the string does not match.
pub fn parse(input: &str, format: &str) -> Option<[f64; 8]> {
    parse_tm(input, format).map(|tm| tm.with_computed_days().fields())
}

/// `gmtime`: seconds since the epoch to a broken-down time (fractional seconds kept).
pub fn gmtime(v: &Val) -> ValR<Val> {
    match as_f64(v) {
        Some(t) => Ok(Tm::from_epoch(t).to_val()),
        None => fail("gmtime() requires a number"),
    }
}

/// `mktime`: a broken-down time to whole seconds since the epoch.
pub fn mktime(v: &Val) -> ValR<Val> {
    match v {
        Val::Arr(items)
            if items.len() >= 6 && items.iter().take(6).all(|i| as_f64(i).is_some()) =>
        {
            let tm = Tm::from_val(v, "mktime")?;
            Ok(Val::Num(Num::Int(tm.timegm() as isize)))
        }
        Val::Arr(_) => fail("mktime requires array of 6 numbers"),
        _ => fail("mktime requires array of 6 numbers"),
    }
}

/// `strftime(fmt)` with glibc's conversions in the C locale, UTC.
pub fn strftime(v: &Val, fmt: &Val) -> ValR<Val> {
    let Some(fmt) = as_str(fmt) else {
        return fail("strftime/1 requires a string format");
    };
    if !matches!(v, Val::Arr(_) | Val::Num(_)) {
        return fail("strftime/1 requires parsed datetime inputs");
    }
    let tm = Tm::from_val(v, "strftime/1")?;
    Ok(Val::from(format_tm(&tm, &fmt)))
}

fn iso_week(tm: &Tm) -> (i64, i64) {
    let wday = (tm.wday + 6) % 7; // Monday = 0
    let mut year = tm.year;
    let mut week = (tm.yday - wday + 10) / 7;
    let weeks_in = |y: i64| {
        let jan1 = (days_from_civil(y, 0, 1) + 4).rem_euclid(7);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if jan1 == 4 || (leap && jan1 == 3) {
            53
        } else {
            52
        }
    };
    if week < 1 {
        year -= 1;
        week = weeks_in(year);
    } else if week > weeks_in(year) {
        year += 1;
        week = 1;
    }
    (year, week)
}

fn format_tm(tm: &Tm, fmt: &str) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars();
    let day = |i: i64| DAYS[i.rem_euclid(7) as usize];
    let month = |i: i64| MONTHS[i.rem_euclid(12) as usize];
    let hour12 = |h: i64| if h % 12 == 0 { 12 } else { h % 12 };
    let sec = tm.sec.trunc() as i64;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(conv) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match conv {
            'a' => day(tm.wday)[..3].to_owned(),
            'A' => day(tm.wday).to_owned(),
            'b' | 'h' => month(tm.mon)[..3].to_owned(),
            'B' => month(tm.mon).to_owned(),
            'c' => format_tm(tm, "%a %b %e %H:%M:%S %Y"),
            'C' => format!("{:02}", tm.year.div_euclid(100)),
            'd' => format!("{:02}", tm.mday),
            'D' | 'x' => format_tm(tm, "%m/%d/%y"),
            'e' => format!("{:2}", tm.mday),
            'F' => format_tm(tm, "%Y-%m-%d"),
            'g' => format!("{:02}", iso_week(tm).0.rem_euclid(100)),
            'G' => iso_week(tm).0.to_string(),
            'H' => format!("{:02}", tm.hour),
            'I' => format!("{:02}", hour12(tm.hour)),
            'j' => format!("{:03}", tm.yday + 1),
            'k' => format!("{:2}", tm.hour),
            'l' => format!("{:2}", hour12(tm.hour)),
            'm' => format!("{:02}", tm.mon + 1),
            'M' => format!("{:02}", tm.min),
            'n' => "\n".to_owned(),
            'p' => if tm.hour < 12 { "AM" } else { "PM" }.to_owned(),
            'P' => if tm.hour < 12 { "am" } else { "pm" }.to_owned(),
            'r' => format_tm(tm, "%I:%M:%S %p"),
            'R' => format_tm(tm, "%H:%M"),
            's' => tm.timegm().to_string(),
            'S' => format!("{sec:02}"),
            't' => "\t".to_owned(),
            'T' | 'X' => format_tm(tm, "%H:%M:%S"),
            'u' => (if tm.wday == 0 { 7 } else { tm.wday }).to_string(),
            'U' => format!("{:02}", (tm.yday + 7 - tm.wday) / 7),
            'V' => format!("{:02}", iso_week(tm).1),
            'w' => tm.wday.to_string(),
            'W' => format!("{:02}", (tm.yday + 7 - (tm.wday + 6) % 7) / 7),
            'y' => format!("{:02}", tm.year.rem_euclid(100)),
            'Y' => tm.year.to_string(),
            'z' => "+0000".to_owned(),
            'Z' => "GMT".to_owned(),
            '%' => "%".to_owned(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

/// `strptime(fmt)`: glibc's parser; the input must be consumed entirely.
pub fn strptime(v: &Val, fmt: &Val) -> ValR<Val> {
    let (Some(input), Some(format)) = (as_str(v), as_str(fmt)) else {
        return fail(format!(
            "strptime/1 requires string inputs and arguments, not {}",
            describe(v)
        ));
    };
    match parse_tm(&input, &format) {
        Some(tm) => Ok(tm.with_computed_days().to_val()),
        None => fail(format!(
            "date \"{input}\" does not match format \"{format}\""
        )),
    }
}

struct Scanner<'a> {
    rest: &'a str,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    /// A decimal number of at most `max` digits, after optional white space.
    fn number(&mut self, max: usize, signed: bool) -> Option<i64> {
        self.skip_space();
        let mut len = 0;
        let bytes = self.rest.as_bytes();
        let negative = signed && matches!(bytes.first(), Some(b'-' | b'+'));
        if negative {
            len = 1;
        }
        let start = len;
        while len < bytes.len() && len - start < max && bytes[len].is_ascii_digit() {
            len += 1;
        }
        if len == start {
            return None;
        }
        let n = self.rest[..len].parse().ok()?;
        self.rest = &self.rest[len..];
        Some(n)
    }

    fn ranged(&mut self, max: usize, lo: i64, hi: i64) -> Option<i64> {
        self.number(max, false).filter(|n| (lo..=hi).contains(n))
    }

    /// A full or abbreviated name, case-insensitively; returns its index.
    fn name(&mut self, names: &[&str]) -> Option<i64> {
        self.skip_space();
        let lower = self.rest.to_ascii_lowercase();
        for (i, name) in names.iter().enumerate() {
            let name = name.to_ascii_lowercase();
            for candidate in [&name[..], &name[..3]] {
                if lower.starts_with(candidate) {
                    self.rest = &self.rest[candidate.len()..];
                    return Some(i as i64);
                }
            }
        }
        None
    }

    fn literal(&mut self, c: char) -> Option<()> {
        self.rest = self.rest.strip_prefix(c)?;
        Some(())
    }
}

fn parse_tm(input: &str, format: &str) -> Option<Tm> {
    let mut tm = Tm {
        year: 1900,
        mday: 0,
        ..Tm::default()
    };
    let mut s = Scanner { rest: input };
    let mut pm: Option<bool> = None;
    let mut hour12 = false;
    let mut century: Option<i64> = None;
    let mut year2: Option<i64> = None;
    let format = expand_composites(format);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            s.skip_space();
            continue;
        }
        if c != '%' {
            s.literal(c)?;
            continue;
        }
        let mut conv = chars.next()?;
        if conv == 'E' || conv == 'O' {
            conv = chars.next()?;
        }
        match conv {
            'a' | 'A' => tm.wday = s.name(&DAYS)?,
            'b' | 'B' | 'h' => tm.mon = s.name(&MONTHS)?,
            'C' => century = Some(s.number(2, false)?),
            'd' | 'e' => tm.mday = s.ranged(2, 1, 31)?,
            'H' | 'k' => {
                tm.hour = s.ranged(2, 0, 23)?;
                hour12 = false;
            }
            'I' | 'l' => {
                tm.hour = s.ranged(2, 1, 12)? % 12;
                hour12 = true;
            }
            'j' => tm.yday = s.ranged(3, 1, 366)? - 1,
            'm' => tm.mon = s.ranged(2, 1, 12)? - 1,
            'M' => tm.min = s.ranged(2, 0, 59)?,
            'n' | 't' => s.skip_space(),
            'p' | 'P' => {
                s.skip_space();
                let lower = s.rest.get(..2)?.to_ascii_lowercase();
                pm = Some(match lower.as_str() {
                    "am" => false,
                    "pm" => true,
                    _ => return None,
                });
                s.rest = &s.rest[2..];
            }
            's' => {
                let t = s.number(20, true)?;
                tm = Tm::from_epoch(t as f64);
            }
            'S' => tm.sec = s.ranged(2, 0, 61)? as f64,
            'u' => tm.wday = s.ranged(1, 1, 7)? % 7,
            'w' => tm.wday = s.ranged(1, 0, 6)?,
            'U' | 'W' | 'V' => {
                s.ranged(2, 0, 53)?;
            }
            'g' => {
                s.ranged(2, 0, 99)?;
            }
            'G' => {
                s.number(4, true)?;
            }
            'y' => year2 = Some(s.ranged(2, 0, 99)?),
            'Y' => tm.year = s.number(4, true)?,
            'z' => {
                s.skip_space();
                if let Some(rest) = s.rest.strip_prefix('Z') {
                    s.rest = rest;
                } else {
                    let sign = s.rest.chars().next().filter(|c| matches!(c, '+' | '-'))?;
                    s.rest = &s.rest[sign.len_utf8()..];
                    let digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
                    s.rest.get(..2).filter(|t| digits(t))?;
                    s.rest = &s.rest[2..];
                    let rest = s.rest.strip_prefix(':').unwrap_or(s.rest);
                    if rest.get(..2).is_some_and(digits) {
                        s.rest = &rest[2..];
                    }
                }
            }
            'Z' => {}
            '%' => s.literal('%')?,
            _ => return None,
        }
    }
    if !s.rest.is_empty() {
        return None;
    }
    if let Some(y) = year2 {
        tm.year = match century {
            Some(c) => c * 100 + y,
            None if y < 69 => 2000 + y,
            None => 1900 + y,
        };
    } else if let Some(c) = century {
        tm.year = c * 100 + tm.year.rem_euclid(100);
    }
    if hour12 && pm == Some(true) {
        tm.hour += 12;
    }
    Some(tm)
}

/// Expands glibc's composite conversions (`%T`, `%D`, ...) into their parts.
fn expand_composites(format: &str) -> String {
    let mut out = String::with_capacity(format.len());
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('c') => out.push_str("%a %b %e %H:%M:%S %Y"),
            Some('D' | 'x') => out.push_str("%m/%d/%y"),
            Some('F') => out.push_str("%Y-%m-%d"),
            Some('r') => out.push_str("%I:%M:%S %p"),
            Some('R') => out.push_str("%H:%M"),
            Some('T' | 'X') => out.push_str("%H:%M:%S"),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str, fmt: &str) -> Option<Vec<i64>> {
        parse_tm(input, fmt).map(|tm| {
            let tm = tm.with_computed_days();
            vec![
                tm.year,
                tm.mon,
                tm.mday,
                tm.hour,
                tm.min,
                tm.sec as i64,
                tm.wday,
                tm.yday,
            ]
        })
    }

    #[test]
    fn parses_iso_timestamps_like_glibc() {
        assert_eq!(
            parse("2024-03-01T10:15:30Z", "%Y-%m-%dT%H:%M:%SZ"),
            Some(vec![2024, 2, 1, 10, 15, 30, 5, 60])
        );
        assert_eq!(
            parse("2024-02-30T00:00:00Z", "%Y-%m-%dT%H:%M:%SZ"),
            Some(vec![2024, 1, 30, 0, 0, 0, 5, 60])
        );
        assert_eq!(
            parse("2024-03-01T10:15:30+02:00", "%Y-%m-%dT%H:%M:%S%z"),
            Some(vec![2024, 2, 1, 10, 15, 30, 5, 60])
        );
        assert_eq!(
            parse("Tue, 14 Nov 2023 22:13:20", "%a, %d %b %Y %T"),
            Some(vec![2023, 10, 14, 22, 13, 20, 2, 317])
        );
        assert_eq!(
            parse("2024-03-01T10:15:30.123Z", "%Y-%m-%dT%H:%M:%SZ"),
            None
        );
    }

    #[test]
    fn epoch_round_trips() {
        let tm = Tm::from_epoch(1_700_000_000.5);
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec),
            (2023, 10, 14, 22, 13, 20.5)
        );
        assert_eq!(tm.timegm(), 1_700_000_000);
        assert_eq!(
            format_tm(&tm, "%Y-%m-%dT%H:%M:%SZ %j %a %Z %c"),
            "2023-11-14T22:13:20Z 318 Tue GMT Tue Nov 14 22:13:20 2023"
        );
    }
}
