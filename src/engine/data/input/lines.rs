//! Line numbers of CSV records: a reader that notes where each newline of the input is, and
//! the lookup from a record's byte offset to its line (the csv crate's own count is off by
//! one per CRLF line).

use std::io::Read;
use std::sync::Arc;

/// The byte offsets of the newlines a [`LineCounter`] has read and not yet forgotten, and how
/// many it has forgotten.
#[derive(Clone, Default)]
pub(super) struct Lines(Arc<std::sync::Mutex<(u64, std::collections::VecDeque<u64>)>>);

impl Lines {
    /// The line on which a record that starts at byte `offset` is. The csv reader puts the
    /// start of a record after a CRLF line on its `\n`, so a newline at `offset` itself is
    /// before the record.
    pub(super) fn line_of(&self, offset: u64) -> u64 {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (forgotten, newlines) = &mut *guard;
        while newlines.front().is_some_and(|&n| n <= offset) {
            newlines.pop_front();
            *forgotten += 1;
        }
        *forgotten + 1
    }
}

/// A reader that notes where each newline is, for the line numbers of CSV records.
pub(super) struct LineCounter {
    pub(super) inner: Box<dyn Read + Send>,
    pub(super) at: u64,
    pub(super) lines: Lines,
}

impl Read for LineCounter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut guard = self.lines.0.lock().unwrap_or_else(|e| e.into_inner());
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n') {
            guard.1.push_back(self.at + i as u64);
        }
        drop(guard);
        self.at += n as u64;
        Ok(n)
    }
}
