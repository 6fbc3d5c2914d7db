//! Scalar values of the control-file language: comparison operators, quantities with units
//! (sizes, percentages, rates, durations) and comparisons.
//!
//! Every value is stored normalized (bytes, milliseconds, plain counts) so that the engine
//! never deals with units. In YAML and JSON they are written as short strings (`"> 80%"`,
//! `"200 MB"`, `"30 s"`), parsed by the same `FromStr` the monitrc parser's unit tables use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Implements `Serialize`/`Deserialize` through `Display`/`FromStr`, so a value reads the
/// same in YAML as in a control file.
macro_rules! serde_via_string {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = StringOrNumber::deserialize(deserializer)?.0;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Accepts a YAML string or a bare number (`timeout: 30` as well as `timeout: "30 s"`).
pub(crate) struct StringOrNumber(pub String);

impl<'de> Deserialize<'de> for StringOrNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = StringOrNumber;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StringOrNumber(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(StringOrNumber(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(StringOrNumber(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(StringOrNumber(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A comparison operator (`>`, `gt`, `greater`, `more`, `older` all mean `Gt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Operator {
    /// The operator for a control-file word or symbol, as Monit's lexer maps them.
    pub fn from_word(word: &str) -> Option<Operator> {
        Some(match word.to_ascii_lowercase().as_str() {
            ">" | "gt" | "greater" | "more" | "older" => Operator::Gt,
            ">=" | "ge" => Operator::Ge,
            "<" | "lt" | "less" | "newer" | "younger" => Operator::Lt,
            "<=" | "le" => Operator::Le,
            "=" | "==" | "eq" | "equal" | "equals" => Operator::Eq,
            "!=" | "ne" | "notequal" => Operator::Ne,
            _ => return None,
        })
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Eq => "=",
            Operator::Ne => "!=",
        }
    }

    /// Monit's words for `-t -v` and status texts ("greater than").
    pub fn words(self) -> &'static str {
        match self {
            Operator::Gt => "greater than",
            Operator::Ge => "greater than or equal to",
            Operator::Lt => "less than",
            Operator::Le => "less than or equal to",
            Operator::Eq => "equal to",
            Operator::Ne => "not equal to",
        }
    }

    /// Whether `value <op> limit` holds.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Operator::Gt => value > limit,
            Operator::Ge => value >= limit,
            Operator::Lt => value < limit,
            Operator::Le => value <= limit,
            Operator::Eq => value == limit,
            Operator::Ne => value != limit,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// The unit of a [`Quantity`]; values are normalized to the unit's base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A plain number (threads, children, load, exit status).
    Count,
    Percent,
    Bytes,
    BytesPerSecond,
    OperationsPerSecond,
    PacketsPerSecond,
    Packets,
    Milliseconds,
}

/// A number with its unit, normalized: sizes in bytes, times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
}

impl Quantity {
    pub fn count(value: f64) -> Self {
        Quantity { value, unit: Unit::Count }
    }
    pub fn percent(value: f64) -> Self {
        Quantity { value, unit: Unit::Percent }
    }
    pub fn bytes(value: f64) -> Self {
        Quantity { value, unit: Unit::Bytes }
    }
    pub fn millis(value: f64) -> Self {
        Quantity { value, unit: Unit::Milliseconds }
    }
}

/// Size units are powers of 1024 (Monit: kB = 1024 B).
pub const SIZE_UNITS: &[(&str, f64)] = &[
    ("b", 1.0),
    ("byte", 1.0),
    ("bytes", 1.0),
    ("kb", 1024.0),
    ("kilobyte", 1024.0),
    ("kilobytes", 1024.0),
    ("mb", 1048576.0),
    ("megabyte", 1048576.0),
    ("megabytes", 1048576.0),
    ("gb", 1073741824.0),
    ("gigabyte", 1073741824.0),
    ("gigabytes", 1073741824.0),
    ("tb", 1099511627776.0),
    ("terabyte", 1099511627776.0),
    ("terabytes", 1099511627776.0),
];

/// Time units in milliseconds.
pub const TIME_UNITS: &[(&str, f64)] = &[
    ("ms", 1.0),
    ("millisecond", 1.0),
    ("milliseconds", 1.0),
    ("s", 1000.0),
    ("sec", 1000.0),
    ("second", 1000.0),
    ("seconds", 1000.0),
    ("m", 60_000.0),
    ("min", 60_000.0),
    ("minute", 60_000.0),
    ("minutes", 60_000.0),
    ("h", 3_600_000.0),
    ("hour", 3_600_000.0),
    ("hours", 3_600_000.0),
    ("d", 86_400_000.0),
    ("day", 86_400_000.0),
    ("days", 86_400_000.0),
    ("month", 2_592_000_000.0),
    ("months", 2_592_000_000.0),
];

/// Looks a unit word up in one of the tables above (case-insensitive).
pub fn unit_factor(table: &[(&str, f64)], word: &str) -> Option<f64> {
    let word = word.to_ascii_lowercase();
    table.iter().find(|(name, _)| *name == word).map(|(_, f)| *f)
}

/// Writes `value` scaled by the largest factor of `steps` that divides it exactly.
fn write_scaled(f: &mut fmt::Formatter, value: f64, steps: &[(&str, f64)], suffix: &str) -> fmt::Result {
    for (name, factor) in steps.iter().rev() {
        let scaled = value / factor;
        if value != 0.0 && scaled.fract() == 0.0 && scaled.abs() >= 1.0 {
            return write!(f, "{scaled} {name}{suffix}");
        }
    }
    write!(f, "{value} {}{suffix}", steps[0].0)
}

/// Display steps; every name is one Monit's lexer accepts too, so rendered control files
/// parse with Monit.
const SIZE_STEPS: &[(&str, f64)] = &[("B", 1.0), ("kB", 1024.0), ("MB", 1048576.0), ("GB", 1073741824.0)];
const TIME_STEPS: &[(&str, f64)] =
    &[("ms", 1.0), ("s", 1000.0), ("minutes", 60_000.0), ("hours", 3_600_000.0), ("days", 86_400_000.0)];

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.unit {
            Unit::Count => write!(f, "{}", self.value),
            Unit::Percent => write!(f, "{}%", self.value),
            Unit::Bytes => write_scaled(f, self.value, SIZE_STEPS, ""),
            Unit::BytesPerSecond => write_scaled(f, self.value, SIZE_STEPS, "/s"),
            Unit::OperationsPerSecond => write!(f, "{} operations/s", self.value),
            Unit::PacketsPerSecond => write!(f, "{} packets/s", self.value),
            Unit::Packets => write!(f, "{} packets", self.value),
            Unit::Milliseconds => write_scaled(f, self.value, TIME_STEPS, ""),
        }
    }
}

/// Error of a value written as a string in YAML or JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value '{text}': {reason}")]
pub struct ValueError {
    pub text: String,
    pub reason: String,
}

fn value_error(text: &str, reason: &str) -> ValueError {
    ValueError { text: text.to_owned(), reason: reason.to_owned() }
}

/// Splits `"200MB"` / `"200 MB"` / `"1.5 GB/s"` into the number and the unit text.
pub fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')))
        .map_or(text.len(), |(i, _)| i);
    let number: f64 = text[..end].parse().ok()?;
    if !number.is_finite() {
        return None;
    }
    Some((number, text[end..].trim()))
}

impl FromStr for Quantity {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, ValueError> {
        let (number, unit) = split_number(text).ok_or_else(|| value_error(text, "expected a number"))?;
        let lower = unit.to_ascii_lowercase();
        let quantity = if lower.is_empty() {
            Quantity::count(number)
        } else if lower == "%" || lower == "percent" {
            Quantity::percent(number)
        } else if lower == "packets" {
            Quantity { value: number, unit: Unit::Packets }
        } else if lower == "packets/s" {
            Quantity { value: number, unit: Unit::PacketsPerSecond }
        } else if lower == "operations/s" || lower == "ops/s" {
            Quantity { value: number, unit: Unit::OperationsPerSecond }
        } else if let Some(size) = lower.strip_suffix("/s") {
            let factor = unit_factor(SIZE_UNITS, size.trim()).ok_or_else(|| value_error(text, "unknown rate unit"))?;
            Quantity { value: number * factor, unit: Unit::BytesPerSecond }
        } else if let Some(factor) = unit_factor(SIZE_UNITS, &lower) {
            Quantity::bytes(number * factor)
        } else if let Some(factor) = unit_factor(TIME_UNITS, &lower) {
            Quantity::millis(number * factor)
        } else {
            return Err(value_error(text, "unknown unit"));
        };
        Ok(quantity)
    }
}
serde_via_string!(Quantity);

/// `<op> <quantity>`, the limit of a resource or age test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub op: Operator,
    pub limit: Quantity,
}

impl Comparison {
    pub fn new(op: Operator, limit: Quantity) -> Self {
        Comparison { op, limit }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} {}", self.op, self.limit)
    }
}

impl FromStr for Comparison {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, ValueError> {
        let text = text.trim();
        let op_len = text.find(|c: char| !matches!(c, '<' | '>' | '=' | '!')).unwrap_or(text.len());
        let (op, rest) = if op_len == 0 {
            // A word operator: "gt 80%", or none at all ("80%" means "= 80%").
            match text.split_once(' ').and_then(|(w, rest)| Operator::from_word(w).map(|op| (op, rest))) {
                Some(found) => found,
                None => (Operator::Eq, text),
            }
        } else {
            let op = Operator::from_word(&text[..op_len]).ok_or_else(|| value_error(text, "unknown operator"))?;
            (op, &text[op_len..])
        };
        Ok(Comparison { op, limit: rest.parse()? })
    }
}
serde_via_string!(Comparison);

/// A span of time, in milliseconds (`"30 s"`, `"500 ms"`, `"5 min"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    pub millis: u64,
}

impl Duration {
    pub const fn from_secs(secs: u64) -> Self {
        Duration { millis: secs * 1000 }
    }
    pub const fn from_millis(millis: u64) -> Self {
        Duration { millis }
    }
    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis)
    }
    pub fn as_secs_f64(self) -> f64 {
        self.millis as f64 / 1000.0
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.millis == 0 {
            return f.write_str("0 s");
        }
        write_scaled(f, self.millis as f64, TIME_STEPS, "")
    }
}

impl FromStr for Duration {
    type Err = ValueError;

    /// A bare number is seconds, as in Monit's `timeout 30`.
    fn from_str(text: &str) -> Result<Self, ValueError> {
        let (number, unit) = split_number(text).ok_or_else(|| value_error(text, "expected a duration"))?;
        let factor = if unit.is_empty() {
            1000.0
        } else {
            unit_factor(TIME_UNITS, unit).ok_or_else(|| value_error(text, "unknown time unit"))?
        };
        if number < 0.0 {
            return Err(value_error(text, "a duration cannot be negative"));
        }
        Ok(Duration { millis: (number * factor).round() as u64 })
    }
}
serde_via_string!(Duration);

/// A byte count (`"512 B"`, `"1 MB"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize {
    pub bytes: u64,
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.bytes == 0 {
            return f.write_str("0 B");
        }
        write_scaled(f, self.bytes as f64, SIZE_STEPS, "")
    }
}

impl FromStr for ByteSize {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, ValueError> {
        let (number, unit) = split_number(text).ok_or_else(|| value_error(text, "expected a size"))?;
        let factor = if unit.is_empty() {
            1.0
        } else {
            unit_factor(SIZE_UNITS, unit).ok_or_else(|| value_error(text, "unknown size unit"))?
        };
        if number < 0.0 {
            return Err(value_error(text, "a size cannot be negative"));
        }
        Ok(ByteSize { bytes: (number * factor).round() as u64 })
    }
}
serde_via_string!(ByteSize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_round_trip_through_text() {
        for text in ["80%", "200 MB", "1.5", "3 s", "512 B", "2 MB/s", "10 operations/s", "5 packets/s", "100 packets"]
        {
            let q: Quantity = text.parse().unwrap();
            let again: Quantity = q.to_string().parse().unwrap();
            assert_eq!(q, again, "{text}");
        }
        assert_eq!("200 MB".parse::<Quantity>().unwrap(), Quantity::bytes(200.0 * 1048576.0));
        assert_eq!("1.5 kB".parse::<Quantity>().unwrap().to_string(), "1536 B");
    }

    #[test]
    fn comparisons_parse_symbols_and_words() {
        let c: Comparison = "> 80%".parse().unwrap();
        assert_eq!(c, Comparison::new(Operator::Gt, Quantity::percent(80.0)));
        let c: Comparison = "gt 3".parse().unwrap();
        assert_eq!(c.op, Operator::Gt);
        let c: Comparison = "404".parse().unwrap();
        assert_eq!(c.op, Operator::Eq);
        assert!("> lots".parse::<Comparison>().is_err());
    }

    #[test]
    fn durations_default_to_seconds() {
        assert_eq!("30".parse::<Duration>().unwrap(), Duration::from_secs(30));
        assert_eq!("500 ms".parse::<Duration>().unwrap(), Duration::from_millis(500));
        assert_eq!(Duration::from_secs(300).to_string(), "5 minutes");
        assert!("-1 s".parse::<Duration>().is_err());
    }
}
