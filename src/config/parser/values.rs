//! Numbers, units, operators, durations and tolerances (`for 3 cycles`, `3 times within 5
//! cycles`), as the rules and `set` statements read them.

use super::{PResult, Parser};
use crate::config::lexer::{TokenKind, is_noise};
use crate::config::model::defaults::MAX_CYCLES;
use crate::config::model::{
    Comparison, Duration, Operator, Quantity, SIZE_UNITS, TIME_UNITS, Tolerance, Unit, split_number, unit_factor,
};
use crate::config::source::Span;

/// Which units a value may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitClass {
    /// A plain number.
    Count,
    Percent,
    /// A percentage or a plain number (file descriptors, inodes).
    CountOrPercent,
    /// A percentage or a size (memory, space).
    SizeOrPercent,
    Size,
    Time,
    /// The age of a file or a process (`timestamp`, `uptime`): a bare number is seconds, as
    /// in Monit, and milliseconds are refused (Monit's units there: second to month).
    Age,
    /// Bytes per second or operations per second (I/O).
    Rate,
    /// Bytes or packets per second (network).
    NetRate,
    /// Bytes or packets (network totals).
    NetTotal,
}

impl UnitClass {
    fn describe(self) -> &'static str {
        match self {
            UnitClass::Count => "a number",
            UnitClass::Percent => "a percentage such as 80%",
            UnitClass::CountOrPercent => "a number or a percentage",
            UnitClass::SizeOrPercent => "a size such as 200 MB or a percentage",
            UnitClass::Size => "a size such as 10 MB",
            UnitClass::Time | UnitClass::Age => "a time such as 5 minutes",
            UnitClass::Rate => "a rate such as 10 MB/s or 100 operations/s",
            UnitClass::NetRate => "a rate such as 10 MB/s or 1000 packets/s",
            UnitClass::NetTotal => "an amount such as 10 GB or 1000 packets",
        }
    }

    fn accepts(self, unit: Unit) -> bool {
        match self {
            UnitClass::Count => unit == Unit::Count,
            UnitClass::Percent => unit == Unit::Percent,
            UnitClass::CountOrPercent => matches!(unit, Unit::Count | Unit::Percent),
            UnitClass::SizeOrPercent => matches!(unit, Unit::Bytes | Unit::Percent),
            UnitClass::Size => unit == Unit::Bytes,
            UnitClass::Time | UnitClass::Age => unit == Unit::Milliseconds,
            UnitClass::Rate => matches!(unit, Unit::BytesPerSecond | Unit::OperationsPerSecond),
            UnitClass::NetRate => matches!(unit, Unit::BytesPerSecond | Unit::PacketsPerSecond),
            UnitClass::NetTotal => matches!(unit, Unit::Bytes | Unit::Packets),
        }
    }

    /// The unit a bare number means in this class, if any (`size > 100` is bytes).
    fn bare(self) -> Option<Unit> {
        match self {
            UnitClass::Count | UnitClass::CountOrPercent => Some(Unit::Count),
            UnitClass::Size | UnitClass::SizeOrPercent | UnitClass::NetTotal => Some(Unit::Bytes),
            _ => None,
        }
    }
}

/// `KiB`, `MiB`, `GiB`, `TiB` (with or without `/s`): IEC spellings Monit does not take.
fn is_binary_prefix_unit(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    let w = w.strip_suffix("/s").unwrap_or(&w);
    matches!(w, "kib" | "mib" | "gib" | "tib")
}

/// The longest duration a control file may give (a year), so that sums never overflow.
pub(crate) const MAX_DURATION_MS: u64 = 365 * 86_400_000;

/// A number starts with a digit (`.5` is a word for Monit's lexer, not a number).
fn is_number(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit())
}

impl Parser<'_> {
    /// Whether the next token is a number (possibly with a unit glued on).
    pub(crate) fn peek_is_number(&mut self) -> bool {
        matches!(&self.peek().kind, TokenKind::Word(w) if is_number(w))
    }

    /// A plain non-negative integer.
    pub(crate) fn expect_u32(&mut self, what: &str) -> PResult<(u32, Span)> {
        let token = self.peek().clone();
        if let TokenKind::Word(w) = &token.kind
            && w.chars().all(|c| c.is_ascii_digit())
        {
            self.next();
            return match w.parse::<u32>() {
                Ok(n) => Ok((n, token.span)),
                Err(_) => self.fail(token.span, format!("{what}: '{w}' is too large")),
            };
        }
        self.unexpected(what, &[])
    }

    /// A number within `range`.
    pub(crate) fn expect_u32_in(&mut self, what: &str, min: u32, max: u32) -> PResult<(u32, Span)> {
        let (n, span) = self.expect_u32(what)?;
        if n < min || n > max {
            return self.fail(span, format!("{what} must be between {min} and {max}, not {n}"));
        }
        Ok((n, span))
    }

    pub(crate) fn expect_port(&mut self) -> PResult<(u16, Span)> {
        let (n, span) = self.expect_u32("a port number")?;
        match u16::try_from(n) {
            Ok(p) if p > 0 => Ok((p, span)),
            _ => self.fail(span, format!("port number must be between 1 and 65535, not {n}")),
        }
    }

    /// An operator word or symbol, if one is next; none means `=` (Monit's rule).
    pub(crate) fn parse_operator(&mut self) -> Operator {
        let token = self.peek().clone();
        let op = match &token.kind {
            TokenKind::Op(o) | TokenKind::Word(o) => Operator::from_word(o),
            _ => None,
        };
        match op {
            Some(op) => {
                self.next();
                op
            }
            None => Operator::Eq,
        }
    }

    /// A number followed by (or glued to) a unit of `class`.
    pub(crate) fn parse_quantity(&mut self, class: UnitClass) -> PResult<(Quantity, Span)> {
        let token = self.peek().clone();
        let TokenKind::Word(word) = &token.kind else {
            return self.unexpected(class.describe(), &[]);
        };
        let Some((number, glued)) = split_number(word).filter(|_| is_number(word)) else {
            return self.unexpected(class.describe(), &[]);
        };
        // Monit's lexer reads a number as `[0-9]+([.][0-9]+)?`: `50.` is a word there.
        let digits = &word[..word.len() - glued.len()];
        if digits.ends_with('.') {
            let whole = digits.trim_end_matches('.');
            return self.fail(token.span, format!("'{digits}' is not a number in Monit's control file; write {whole}"));
        }
        self.next();
        let mut span = token.span;
        let mut unit_text = glued.to_ascii_lowercase();
        if unit_text.is_empty() && self.peek_is_unit_word() {
            let unit = self.next();
            span = span.to(unit.span);
            unit_text = unit.text().unwrap_or_default().to_ascii_lowercase();
        } else if unit_text.is_empty() {
            // A unit Monit does not know (`MiB`, `KiB`) would otherwise read as "expected then".
            let next = self.peek().clone();
            if let TokenKind::Word(w) = &next.kind
                && is_binary_prefix_unit(w)
            {
                return self
                    .fail(next.span, format!("unknown unit '{w}': sizes are B, kB, MB, GB and TB (powers of 1024)"));
            }
        }
        // `MB/s`, `MB /s`, `MB per second` (per is noise), `operations/s`.
        let mut per_second = false;
        if let Some(stripped) = unit_text.strip_suffix("/s").or_else(|| unit_text.strip_suffix("/sec")) {
            unit_text = stripped.to_owned();
            per_second = true;
        } else if !unit_text.is_empty()
            && matches!(&self.peek().kind, TokenKind::Word(w) if matches!(w.to_ascii_lowercase().as_str(), "/s" | "s" | "second" | "sec"))
            && unit_factor(TIME_UNITS, &unit_text).is_none()
        {
            span = span.to(self.next().span);
            per_second = true;
        }
        let unit = if unit_text.is_empty() {
            if class == UnitClass::Age {
                return self.finish_quantity(
                    class,
                    Quantity { value: number * 1000.0, unit: Unit::Milliseconds },
                    span,
                );
            }
            match class.bare() {
                Some(unit) => unit,
                None if class == UnitClass::Time => {
                    return self.fail(span, format!("expected {} (a unit is missing)", class.describe()));
                }
                None => return self.fail(span, format!("expected {}", class.describe())),
            }
        } else if unit_text == "%" || unit_text == "percent" {
            Unit::Percent
        } else if matches!(unit_text.as_str(), "operations" | "operation" | "ops" | "reads" | "writes") {
            if per_second || class == UnitClass::Rate { Unit::OperationsPerSecond } else { Unit::Count }
        } else if matches!(unit_text.as_str(), "packets" | "packet") {
            if per_second { Unit::PacketsPerSecond } else { Unit::Packets }
        } else if let Some(factor) =
            unit_factor(SIZE_UNITS, &unit_text).filter(|_| !matches!(class, UnitClass::Time | UnitClass::Age))
        {
            let unit = if per_second { Unit::BytesPerSecond } else { Unit::Bytes };
            return self.finish_quantity(class, Quantity { value: number * factor, unit }, span);
        } else if let Some(factor) = unit_factor(TIME_UNITS, &unit_text) {
            if class == UnitClass::Age && factor < 1000.0 {
                return self.fail(span, format!("expected {}: Monit takes no milliseconds here", class.describe()));
            }
            return self.finish_quantity(class, Quantity { value: number * factor, unit: Unit::Milliseconds }, span);
        } else {
            return self.fail(span, format!("unknown unit '{unit_text}', expected {}", class.describe()));
        };
        self.finish_quantity(class, Quantity { value: number, unit }, span)
    }

    fn finish_quantity(&mut self, class: UnitClass, quantity: Quantity, span: Span) -> PResult<(Quantity, Span)> {
        // Network rates in packets default to per second when the test is a rate.
        let quantity = match (class, quantity.unit) {
            (UnitClass::NetRate, Unit::Packets) => Quantity { unit: Unit::PacketsPerSecond, ..quantity },
            (UnitClass::Rate | UnitClass::NetRate, Unit::Bytes) => Quantity { unit: Unit::BytesPerSecond, ..quantity },
            _ => quantity,
        };
        if !class.accepts(quantity.unit) {
            return self.fail(span, format!("expected {}", class.describe()));
        }
        if quantity.value < 0.0 {
            return self.fail(span, "the value cannot be negative");
        }
        if quantity.unit == Unit::Percent && quantity.value > 100.0 && class != UnitClass::Percent {
            return self.fail(span, format!("a percentage must be between 0 and 100, not {}", quantity.value));
        }
        Ok((quantity, span))
    }

    fn peek_is_unit_word(&mut self) -> bool {
        let TokenKind::Word(w) = &self.peek().kind else { return false };
        let w = w.to_ascii_lowercase();
        let base = w.strip_suffix("/s").unwrap_or(&w);
        base == "%"
            || base == "percent"
            || unit_factor(SIZE_UNITS, base).is_some()
            || unit_factor(TIME_UNITS, base).is_some()
            || matches!(base, "operations" | "operation" | "ops" | "packets" | "packet" | "reads" | "writes")
    }

    /// `<op> <quantity>`.
    pub(crate) fn parse_comparison(&mut self, class: UnitClass) -> PResult<(Comparison, Span)> {
        let start = self.peek().span;
        let op = self.parse_operator();
        let (limit, span) = self.parse_quantity(class)?;
        Ok((Comparison::new(op, limit), start.to(span)))
    }

    /// A duration; a bare number is seconds (`timeout 30`). At most a year.
    pub(crate) fn parse_duration(&mut self) -> PResult<(Duration, Span)> {
        let (duration, span) = self.parse_duration_unchecked()?;
        if duration.millis > MAX_DURATION_MS {
            return self.fail(span, "the duration is too long (at most 365 days)");
        }
        Ok((duration, span))
    }

    /// A `timeout`: a whole number and a separate `s`, `second` or `seconds`, the only form
    /// Monit's grammar takes there (`timeout 30` and `timeout 1 minute` are syntax errors).
    pub(crate) fn parse_timeout_seconds(&mut self) -> PResult<(Duration, Span)> {
        const WHAT: &str = "a timeout in seconds such as 30 seconds";
        let token = self.peek().clone();
        let TokenKind::Word(w) = &token.kind else { return self.unexpected(WHAT, &[]) };
        if !w.chars().all(|c| c.is_ascii_digit()) {
            return self.unexpected(WHAT, &[]);
        }
        let Ok(n) = w.parse::<u64>() else {
            return self.fail(token.span, "the duration is too long (at most 365 days)");
        };
        self.next();
        let unit = self.peek().clone();
        if !matches!(&unit.kind, TokenKind::Word(u) if matches!(u.to_ascii_lowercase().as_str(), "s" | "second" | "seconds"))
        {
            return self.unexpected("'seconds' (Monit wants the unit of a timeout)", &[]);
        }
        self.next();
        let span = token.span.to(unit.span);
        if n.saturating_mul(1000) > MAX_DURATION_MS {
            return self.fail(span, "the duration is too long (at most 365 days)");
        }
        Ok((Duration::from_millis(n * 1000), span))
    }

    fn parse_duration_unchecked(&mut self) -> PResult<(Duration, Span)> {
        let token = self.peek().clone();
        if let TokenKind::Word(w) = &token.kind
            && let Some((n, "")) = split_number(w).filter(|_| is_number(w))
            && !self.next_word_is_time_unit()
        {
            self.next();
            return Ok((Duration::from_millis((n * 1000.0).round() as u64), token.span));
        }
        let (q, span) = self.parse_quantity(UnitClass::Time)?;
        Ok((Duration::from_millis(q.value.round() as u64), span))
    }

    /// Whether the token after the next, noise words skipped (`timeout 5 for seconds`, as
    /// Monit reads it), is a time unit.
    fn next_word_is_time_unit(&mut self) -> bool {
        let mut n = 1;
        loop {
            match &self.peek_raw(n).kind {
                TokenKind::Word(w) if is_noise(w) => n += 1,
                TokenKind::Word(w) => return unit_factor(TIME_UNITS, w).is_some(),
                _ => return false,
            }
        }
    }

    /// `[for] N cycles` or `N [times within] M cycles`, if a number comes next.
    pub(crate) fn parse_tolerance(&mut self) -> PResult<Option<Tolerance>> {
        if !self.peek_is_number() {
            return Ok(None);
        }
        let (count, count_span) = self.expect_u32("a number of cycles")?;
        let tolerance = if self.peek_is_number() {
            let (cycles, cycles_span) = self.expect_u32("a number of cycles")?;
            self.expect_cycles_word()?;
            self.check_cycles(count, count_span, cycles, cycles_span)?
        } else {
            self.expect_cycles_word()?;
            self.check_cycles(count, count_span, count, count_span)?
        };
        Ok(Some(tolerance))
    }

    pub(crate) fn expect_cycles_word(&mut self) -> PResult<()> {
        self.expect_keyword(&["cycles", "cycle"], "'cycles'")?;
        Ok(())
    }

    /// Monit's limits: 1 <= count <= cycles <= 64.
    pub(crate) fn check_cycles(
        &mut self,
        count: u32,
        count_span: Span,
        cycles: u32,
        cycles_span: Span,
    ) -> PResult<Tolerance> {
        if !(1..=MAX_CYCLES).contains(&cycles) {
            return self
                .fail(cycles_span, format!("the number of cycles must be between 1 and {MAX_CYCLES}, not {cycles}"));
        }
        if count < 1 {
            return self.fail(count_span, "the number of times must be at least 1");
        }
        if count > cycles {
            return self.fail(count_span, format!("{count} times cannot happen within {cycles} cycles"));
        }
        Ok(Tolerance { count, cycles })
    }

    /// An octal permission such as `0644` or `644`.
    pub(crate) fn parse_permission(&mut self) -> PResult<u32> {
        // Monit: `PERMISSION NUMBER`; a quoted mode is a STRING there, a syntax error.
        if let TokenKind::Str(_) = self.peek().kind {
            return self.unexpected("an octal permission such as 0644, without quotes", &[]);
        }
        let (text, span) = self.expect_value("an octal permission such as 0644")?;
        match u32::from_str_radix(&text, 8) {
            Ok(mode) if mode <= 0o7777 => Ok(mode),
            _ => self.fail(span, format!("'{text}' is not an octal permission such as 0644")),
        }
    }
}
