//! XEP-0122 datatypes: whether a value is of its type, and how two values
//! of one type compare (for ranges).

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveTime};

use super::Problem;

fn integer(value: &str, min: i128, max: i128) -> Result<(), Problem> {
    match value.trim().parse::<i128>() {
        Ok(n) if (min..=max).contains(&n) => Ok(()),
        Ok(_) => Err(Problem::OutOfType),
        Err(_) => Err(Problem::NotAnInteger),
    }
}

fn time(value: &str) -> Option<NaiveTime> {
    let v = value.trim();
    // Drop a zone designator; XEP-0082 times are compared as written.
    let v = v.trim_end_matches('Z');
    let v = match v.rfind(['+', '-']) {
        Some(i) if i >= 8 => &v[..i],
        _ => v,
    };
    NaiveTime::parse_from_str(v, "%H:%M:%S%.f").ok()
}

fn is_language(value: &str) -> bool {
    let mut parts = value.split('-');
    let first = parts.next().unwrap_or_default();
    (1..=8).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Checks `value` against `datatype`; unknown datatypes accept anything
/// (XEP-0122 §3.2: treat them as `xs:string`).
pub fn check(datatype: &str, value: &str) -> Result<(), Problem> {
    match datatype {
        "xs:integer" => integer(value, i128::MIN, i128::MAX),
        "xs:long" => integer(value, i64::MIN.into(), i64::MAX.into()),
        "xs:int" => integer(value, i32::MIN.into(), i32::MAX.into()),
        "xs:short" => integer(value, i16::MIN.into(), i16::MAX.into()),
        "xs:byte" => integer(value, i8::MIN.into(), i8::MAX.into()),
        "xs:decimal" | "xs:double" => match value.trim().parse::<f64>() {
            Ok(n) if n.is_finite() || datatype == "xs:double" => Ok(()),
            _ => Err(Problem::NotANumber),
        },
        "xs:boolean" => match value.trim() {
            "0" | "1" | "true" | "false" => Ok(()),
            _ => Err(Problem::NotABoolean),
        },
        "xs:date" => NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
            .map(|_| ())
            .map_err(|_| Problem::NotADate),
        "xs:dateTime" => DateTime::parse_from_rfc3339(value.trim())
            .map(|_| ())
            .map_err(|_| Problem::NotADateTime),
        "xs:time" => time(value).map(|_| ()).ok_or(Problem::NotATime),
        "xs:anyURI" => {
            let v = value.trim();
            match v.split_once(':') {
                Some((scheme, _))
                    if !scheme.is_empty()
                        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                        && scheme
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                        && !v.contains(char::is_whitespace) =>
                {
                    Ok(())
                }
                _ => Err(Problem::NotAUri),
            }
        }
        "xs:language" => is_language(value.trim())
            .then_some(())
            .ok_or(Problem::NotALanguage),
        _ => Ok(()),
    }
}

/// Compares two values of `datatype`; `None` when either does not parse.
pub fn compare(datatype: &str, a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (a.trim(), b.trim());
    match datatype {
        "xs:integer" | "xs:long" | "xs:int" | "xs:short" | "xs:byte" => {
            Some(a.parse::<i128>().ok()?.cmp(&b.parse::<i128>().ok()?))
        }
        "xs:decimal" | "xs:double" => a.parse::<f64>().ok()?.partial_cmp(&b.parse::<f64>().ok()?),
        "xs:date" => Some(
            NaiveDate::parse_from_str(a, "%Y-%m-%d")
                .ok()?
                .cmp(&NaiveDate::parse_from_str(b, "%Y-%m-%d").ok()?),
        ),
        "xs:dateTime" => Some(
            DateTime::parse_from_rfc3339(a)
                .ok()?
                .cmp(&DateTime::parse_from_rfc3339(b).ok()?),
        ),
        "xs:time" => Some(time(a)?.cmp(&time(b)?)),
        _ => Some(a.cmp(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_respect_their_width() {
        assert_eq!(check("xs:byte", "127"), Ok(()));
        assert_eq!(check("xs:byte", "128"), Err(Problem::OutOfType));
        assert_eq!(check("xs:integer", "12a"), Err(Problem::NotAnInteger));
        assert_eq!(check("xs:int", "-2147483648"), Ok(()));
    }

    #[test]
    fn dates_times_uris_and_languages() {
        assert_eq!(check("xs:dateTime", "2003-10-05T00:00:00-07:00"), Ok(()));
        assert_eq!(check("xs:dateTime", "yesterday"), Err(Problem::NotADateTime));
        assert_eq!(check("xs:date", "2026-02-30"), Err(Problem::NotADate));
        assert_eq!(check("xs:time", "13:20:00Z"), Ok(()));
        assert_eq!(check("xs:anyURI", "https://example.org/x"), Ok(()));
        assert_eq!(check("xs:anyURI", "no scheme"), Err(Problem::NotAUri));
        assert_eq!(check("xs:language", "en-GB"), Ok(()));
        assert_eq!(check("xs:language", "english please"), Err(Problem::NotALanguage));
        assert_eq!(check("x:unknown", "anything"), Ok(()));
    }

    #[test]
    fn values_compare_in_their_type_order() {
        assert_eq!(compare("xs:integer", "9", "10"), Some(Ordering::Less));
        assert_eq!(compare("xs:string", "9", "10"), Some(Ordering::Greater));
        assert_eq!(
            compare("xs:dateTime", "2003-10-05T00:00:00-07:00", "2003-10-05T06:00:00Z"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare("xs:integer", "x", "1"), None);
    }
}
