//! Dates as Azure DevOps sends them, read as timestamps.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

/// Reads an ISO 8601 date (`2024-05-01T10:00:00.1234567Z`) as a timestamp; a missing, null,
/// unset (`0001-01-01T00:00:00`) or unreadable date is `None`, never a decode error: the raw
/// JSON next to the model keeps the text as sent.
pub(super) fn timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text
        .and_then(|text| text.parse::<Timestamp>().ok())
        .filter(|time| time.as_second() > Timestamp::UNIX_EPOCH.as_second() - UNSET_BEFORE))
}

/// Dates this far before 1970 are Azure DevOps' "unset" (`0001-01-01`), not real dates.
const UNSET_BEFORE: i64 = 100 * 365 * 24 * 3600;

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Dated {
        #[serde(default, deserialize_with = "super::timestamp")]
        at: Option<jiff::Timestamp>,
    }

    fn at(json: &str) -> Option<String> {
        serde_json::from_str::<Dated>(json)
            .expect("decodes")
            .at
            .map(|t| t.to_string())
    }

    #[test]
    fn reads_dates_and_leaves_the_unusable_out() {
        assert_eq!(
            at(r#"{"at": "2024-05-01T10:00:00.1234567Z"}"#).as_deref(),
            Some("2024-05-01T10:00:00.1234567Z")
        );
        assert_eq!(
            at(r#"{"at": "2024-05-01T10:00:00+02:00"}"#).as_deref(),
            Some("2024-05-01T08:00:00Z")
        );
        for unusable in [
            r#"{"at": "0001-01-01T00:00:00Z"}"#,
            r#"{"at": "0001-01-01T00:00:00"}"#,
            r#"{"at": "yesterday"}"#,
            r#"{"at": null}"#,
            "{}",
        ] {
            assert_eq!(at(unusable), None, "{unusable}");
        }
    }
}
