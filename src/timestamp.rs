//! The one form a time takes in rmonit's JSON (the API, `--json`, the state file): an RFC
//! 3339 string in UTC with microseconds, `"2026-11-30T05:58:46.401586Z"`. Reading also takes
//! the form earlier versions wrote, serde's `{"secs_since_epoch": ..., "nanos_since_epoch":
//! ...}`, so an older state file still loads. Used as `#[serde(with = "crate::timestamp")]`,
//! and [`option`] for an `Option<SystemTime>`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// `t` as RFC 3339, UTC, microseconds.
pub fn format(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn serialize<S: Serializer>(t: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*t))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SystemTime, D::Error> {
    Written::deserialize(deserializer)?.into_time().map_err(serde::de::Error::custom)
}

/// For `Option<SystemTime>` fields: `null` or a timestamp.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<SystemTime>, serializer: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serializer.serialize_some(&format(*t)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SystemTime>, D::Error> {
        Option::<Written>::deserialize(deserializer)?
            .map(Written::into_time)
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

/// A time as it may have been written.
#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Rfc3339(String),
    Legacy { secs_since_epoch: u64, nanos_since_epoch: u32 },
}

impl Written {
    fn into_time(self) -> Result<SystemTime, String> {
        match self {
            Written::Rfc3339(text) => {
                let parsed = DateTime::parse_from_rfc3339(&text).map_err(|e| format!("bad time '{text}': {e}"))?;
                let utc = parsed.with_timezone(&Utc);
                let secs = u64::try_from(utc.timestamp()).map_err(|_| format!("time '{text}' is before 1970"))?;
                Ok(UNIX_EPOCH + Duration::new(secs, utc.timestamp_subsec_nanos()))
            }
            Written::Legacy { secs_since_epoch, nanos_since_epoch } => {
                Ok(UNIX_EPOCH + Duration::new(secs_since_epoch, nanos_since_epoch))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Holder {
        #[serde(with = "super")]
        at: SystemTime,
        #[serde(with = "super::option", default)]
        maybe: Option<SystemTime>,
    }

    #[test]
    fn times_are_written_as_rfc3339_and_read_back() {
        let at = UNIX_EPOCH + Duration::new(1_796_018_326, 401_586_000);
        let text = serde_json::to_string(&Holder { at, maybe: None }).unwrap();
        assert_eq!(text, r#"{"at":"2026-11-30T05:58:46.401586Z","maybe":null}"#);
        assert_eq!(serde_json::from_str::<Holder>(&text).unwrap(), Holder { at, maybe: None });
    }

    #[test]
    fn the_form_earlier_versions_wrote_still_reads() {
        let old = r#"{"at":{"secs_since_epoch":1796018326,"nanos_since_epoch":5},"maybe":{"secs_since_epoch":1,"nanos_since_epoch":0}}"#;
        let read: Holder = serde_json::from_str(old).unwrap();
        assert_eq!(read.at, UNIX_EPOCH + Duration::new(1_796_018_326, 5));
        assert_eq!(read.maybe, Some(UNIX_EPOCH + Duration::from_secs(1)));
        assert!(serde_json::from_str::<Holder>(r#"{"at":"yesterday"}"#).is_err());
    }
}
