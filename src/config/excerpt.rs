//! The part of a source line shown under a diagnostic: the whole line when it is short, else
//! a window of it around the column, with `...` where it was cut, so that a message about a
//! megabyte-long line is a few hundred bytes. Tabs become blanks and other control
//! characters U+FFFD, so the caret stays under its column and the line cannot drive the
//! terminal.

/// Lines of up to this many characters are shown whole.
pub const MAX_WHOLE_LINE: usize = 120;
/// Of a longer line, this many characters are shown around the column...
pub const WINDOW: usize = 100;
/// ...of them this many before it (fewer at the start of the line).
pub const BEFORE: usize = 40;

const CUT: &str = "...";

/// A line as shown, and where the caret goes in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub text: String,
    /// Characters before the caret.
    pub caret_col: usize,
    /// Characters under the caret, at least one.
    pub caret_width: usize,
}

/// The excerpt of `line` for a span from byte `start` to byte `end` of it (`end` past the
/// line shows the caret to the line's end). The work is bounded by the window, not the line,
/// except for finding whether a line of up to four times [`MAX_WHOLE_LINE`] bytes is short.
pub fn excerpt(line: &str, start: usize, end: usize) -> Excerpt {
    let start = floor_char_boundary(line, start.min(line.len()));
    let end = floor_char_boundary(line, end.clamp(start, line.len()));
    let short =
        line.len() <= MAX_WHOLE_LINE || (line.len() <= 4 * MAX_WHOLE_LINE && line.chars().count() <= MAX_WHOLE_LINE);
    let (from, to) = if short { (0, line.len()) } else { window(line, start) };
    let mut text = String::with_capacity(to - from + 2 * CUT.len());
    let mut caret_col = line[from..start].chars().count();
    if from > 0 {
        text.push_str(CUT);
        caret_col += CUT.len();
    }
    text.extend(line[from..to].chars().map(shown_char));
    if to < line.len() {
        text.push_str(CUT);
    }
    let caret_width = line[start..end.min(to)].chars().count().max(1);
    Excerpt { text, caret_col, caret_width }
}

/// Byte range of [`WINDOW`] characters of a long line around `start`: [`BEFORE`] of them
/// before it, or more when the line ends sooner.
fn window(line: &str, start: usize) -> (usize, usize) {
    let mut from = nth_char_before(line, start, BEFORE);
    let to = line[from..].char_indices().nth(WINDOW).map_or(line.len(), |(i, _)| from + i);
    if to == line.len() {
        from = nth_char_before(line, line.len(), WINDOW);
    }
    (from, to)
}

/// The byte offset `n` characters before `offset`, or 0.
fn nth_char_before(line: &str, offset: usize, n: usize) -> usize {
    match n.checked_sub(1) {
        None => offset,
        Some(skip) => line[..offset].char_indices().rev().nth(skip).map_or(0, |(i, _)| i),
    }
}

fn shown_char(c: char) -> char {
    match c {
        '\t' => ' ',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// `text` cut to at most `max` characters, with `...` when it was cut.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}{CUT}", &text[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_is_shown_whole() {
        let e = excerpt("if cpu > 80% for 3 cyclez", 19, 25);
        assert_eq!(e, Excerpt { text: "if cpu > 80% for 3 cyclez".into(), caret_col: 19, caret_width: 6 });
    }

    #[test]
    fn a_long_line_is_a_window_around_the_column() {
        let line = "word ".repeat(100_000);
        let start = 250_000;
        let e = excerpt(&line, start, start + 4);
        assert!(e.text.starts_with("...") && e.text.ends_with("..."), "{}", e.text);
        assert_eq!(e.text.chars().count(), WINDOW + 6);
        assert_eq!(e.caret_col, BEFORE + 3);
        assert_eq!(&e.text[e.caret_col..e.caret_col + 4], "word");
        assert_eq!(e.caret_width, 4);
    }

    #[test]
    fn the_window_keeps_its_width_at_either_end_of_the_line() {
        let line = format!("{}end", "x".repeat(1000));
        let head = excerpt(&line, 0, 1);
        assert_eq!((head.caret_col, head.text.chars().count()), (0, WINDOW + 3));
        assert!(head.text.ends_with("...") && !head.text.starts_with("..."));
        let tail = excerpt(&line, 1000, 1003);
        assert!(tail.text.starts_with("...") && tail.text.ends_with("end"), "{}", tail.text);
        assert_eq!(tail.text.chars().count(), WINDOW + 3);
        assert_eq!(&tail.text[tail.caret_col..], "end");
        // A caret past the end of the line (an error at the end of a file).
        let past = excerpt(&line, line.len(), line.len());
        assert_eq!((past.caret_col, past.caret_width), (WINDOW + 3, 1));
    }

    #[test]
    fn a_caret_stops_at_the_window() {
        let line = "y".repeat(10_000);
        let e = excerpt(&line, 5000, 9000);
        assert_eq!(e.caret_width, WINDOW - BEFORE);
    }

    #[test]
    fn wide_and_control_characters() {
        let line = format!("\u{1b}[31m\t{}", "é".repeat(300));
        let e = excerpt(&line, 7, 9);
        assert!(e.text.starts_with("\u{fffd}[31m é"), "{}", e.text);
        assert_eq!((e.caret_col, e.caret_width), (6, 1));
        let second = excerpt(&line, 9, 9);
        assert_eq!(second.caret_col, 7);
    }

    #[test]
    fn shorten_counts_characters() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc...");
        assert_eq!(shorten("ééé", 2), "éé...");
    }
}
