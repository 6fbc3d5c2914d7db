//! Cron specifications of `every "<min> <hour> <dom> <month> <dow>"`: parsing and matching
//! against a broken-down wall-clock time. The model holds specifications parsed, with the
//! text they were parsed from (what is rendered and serialized).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A parsed cron specification: for each field, the set of allowed values as a bit mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSpec {
    /// The specification as written.
    source: String,
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    /// Whether day-of-month and day-of-week were both restricted (then either may match).
    dom_restricted: bool,
    dow_restricted: bool,
}

/// The fields of a wall-clock time that a cron specification reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CronTime {
    pub minute: u32,
    pub hour: u32,
    pub day_of_month: u32,
    pub month: u32,
    /// 0 = Sunday.
    pub day_of_week: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError(pub String);

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const FIELDS: [(&str, u32, u32); 5] =
    [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7)];

impl CronSpec {
    pub fn parse(spec: &str) -> Result<CronSpec, CronError> {
        let fields: Vec<&str> = spec.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(CronError(format!(
                "a cron specification has 5 fields (minute hour day-of-month month day-of-week), this one has {}",
                fields.len()
            )));
        }
        let mut masks = [0u64; 5];
        for (i, field) in fields.iter().enumerate() {
            masks[i] = parse_field(field, FIELDS[i])?;
        }
        // Sunday is 0 or 7.
        if masks[4] & (1 << 7) != 0 {
            masks[4] |= 1;
        }
        Ok(CronSpec {
            source: spec.to_owned(),
            minutes: masks[0],
            hours: masks[1],
            days_of_month: masks[2],
            months: masks[3],
            days_of_week: masks[4],
            dom_restricted: fields[2] != "*",
            dow_restricted: fields[4] != "*",
        })
    }

    /// The specification as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn matches(&self, t: CronTime) -> bool {
        let bit = |mask: u64, v: u32| v < 64 && mask & (1 << v) != 0;
        let dom = bit(self.days_of_month, t.day_of_month);
        let dow = bit(self.days_of_week, t.day_of_week);
        let day = match (self.dom_restricted, self.dow_restricted) {
            (true, true) => dom || dow,
            _ => dom && dow,
        };
        bit(self.minutes, t.minute) && bit(self.hours, t.hour) && bit(self.months, t.month) && day
    }
}

impl Serialize for CronSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for CronSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CronSpec, D::Error> {
        let source = String::deserialize(deserializer)?;
        CronSpec::parse(&source)
            .map_err(|e| serde::de::Error::custom(format!("invalid cron specification \"{source}\": {e}")))
    }
}

/// Tests write specifications as string literals.
#[cfg(test)]
impl From<&str> for CronSpec {
    fn from(spec: &str) -> CronSpec {
        CronSpec::parse(spec).expect("a valid test specification")
    }
}

fn parse_field(field: &str, (name, min, max): (&str, u32, u32)) -> Result<u64, CronError> {
    let mut mask = 0u64;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| CronError(format!("invalid step '{s}' in the {name} field")))?;
                if step == 0 {
                    return Err(CronError(format!("a step of 0 in the {name} field")));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (number(a, name, min, max)?, number(b, name, min, max)?)
        } else {
            let n = number(range, name, min, max)?;
            (n, if part.contains('/') { max } else { n })
        };
        if lo > hi {
            return Err(CronError(format!("the range {lo}-{hi} in the {name} field is reversed")));
        }
        let mut v = lo;
        while v <= hi {
            mask |= 1 << v;
            v += step;
        }
    }
    Ok(mask)
}

fn number(text: &str, name: &str, min: u32, max: u32) -> Result<u32, CronError> {
    let n: u32 = text.parse().map_err(|_| CronError(format!("'{text}' is not a number in the {name} field")))?;
    if n < min || n > max {
        return Err(CronError(format!("{n} is out of range for the {name} field ({min}-{max})")));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32, hour: u32, day_of_month: u32, month: u32, day_of_week: u32) -> CronTime {
        CronTime { minute, hour, day_of_month, month, day_of_week }
    }

    #[test]
    fn fields_ranges_lists_and_steps() {
        let spec = CronSpec::parse("*/15 8-17 * * 1-5").unwrap();
        assert!(spec.matches(at(30, 9, 3, 6, 2)));
        assert!(!spec.matches(at(31, 9, 3, 6, 2)));
        assert!(!spec.matches(at(0, 9, 3, 6, 0)));
        let sunday = CronSpec::parse("0 0 * * 7").unwrap();
        assert!(sunday.matches(at(0, 0, 1, 1, 0)));
        let either = CronSpec::parse("0 0 1 * 1").unwrap();
        assert!(either.matches(at(0, 0, 1, 5, 3)) && either.matches(at(0, 0, 9, 5, 1)));
    }

    #[test]
    fn errors_name_the_field() {
        assert!(CronSpec::parse("* * *").unwrap_err().0.contains("5 fields"));
        assert!(CronSpec::parse("60 * * * *").unwrap_err().0.contains("minute"));
        assert!(CronSpec::parse("* * * 13 *").unwrap_err().0.contains("month"));
        assert!(CronSpec::parse("*/0 * * * *").is_err());
    }

    #[test]
    fn a_specification_keeps_and_serializes_its_text() {
        let spec = CronSpec::parse("0  8-19 * * 1-5").unwrap();
        assert_eq!(spec.source(), "0  8-19 * * 1-5");
        assert_eq!(serde_json::to_string(&spec).unwrap(), "\"0  8-19 * * 1-5\"");
        assert_eq!(serde_json::from_str::<CronSpec>("\"0  8-19 * * 1-5\"").unwrap(), spec);
        let error = serde_json::from_str::<CronSpec>("\"61 * * * *\"").unwrap_err().to_string();
        assert!(error.contains("invalid cron specification \"61 * * * *\": 61 is out of range"), "{error}");
    }
}
