//! The tail of a stream: the last N bytes a program wrote, for status and alerts.

use std::collections::VecDeque;

#[derive(Debug, Clone, Default)]
pub struct OutputTail {
    bytes: VecDeque<u8>,
    limit: usize,
    /// Bytes dropped from the front.
    dropped: u64,
}

impl OutputTail {
    pub fn new(limit: usize) -> Self {
        OutputTail { bytes: VecDeque::with_capacity(limit.min(4096)), limit, dropped: 0 }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.bytes.extend(data);
        let excess = self.bytes.len().saturating_sub(self.limit);
        if excess > 0 {
            self.bytes.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The kept text (invalid UTF-8 replaced), marked when the start was cut.
    pub fn text(&self) -> String {
        let (a, b) = self.bytes.as_slices();
        let mut all = Vec::with_capacity(a.len() + b.len());
        all.extend_from_slice(a);
        all.extend_from_slice(b);
        let text = String::from_utf8_lossy(&all).into_owned();
        if self.dropped > 0 { format!("...{text}") } else { text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_bytes() {
        let mut tail = OutputTail::new(5);
        tail.push(b"abc");
        assert_eq!(tail.text(), "abc");
        tail.push(b"defgh");
        assert_eq!(tail.text(), "...defgh");
    }
}
