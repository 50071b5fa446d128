//! Upsert input in batches of rows that remember their row number and the line where each
//! starts: read from CSV with a header, NDJSON or a JSON array ([`Reader`]), or handed in
//! as typed values ([`ValueRows`]). Both are a [`RowSource`].

use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::error::{DataError, Result, RowError};
use super::value::Value;

mod format;
mod lines;
mod object;
mod values;

use self::lines::{LineCounter, Lines};

pub use self::format::Format;
use self::object::object_keys;
pub use self::object::{parse_object, FieldIndex, ObjectFields};
pub use self::values::ValueRows;

/// Raw rows not yet converted.
pub enum Rows {
    /// Each row is a JSON object: a span of `text`, with its row and line numbers.
    Json {
        text: Arc<str>,
        spans: Vec<(u64, u64, Range<usize>)>,
    },
    /// CSV records with their row and line numbers.
    Csv(Vec<(u64, u64, csv::StringRecord)>),
    /// Typed values in field order, with their row numbers.
    Values(Vec<(u64, Vec<Value>)>),
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Json { spans, .. } => spans.len(),
            Rows::Csv(records) => records.len(),
            Rows::Values(rows) => rows.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where the rows of an upsert come from.
pub trait RowSource: Send {
    /// The fields of every row, in order.
    fn fields(&self) -> &[String];

    /// The next batch of at most `max_rows` rows; `None` at the end.
    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>>;

    /// Whether the source is known to hold no row at all (an empty JSON array or NDJSON
    /// file, which has no fields either): writing it does nothing.
    fn known_empty(&self) -> bool {
        false
    }

    /// Discards the first `n` rows.
    fn skip(&mut self, mut n: u64) -> Result<()> {
        while n > 0 {
            let Some(batch) = self.next_batch(n.min(65_536) as usize)? else {
                break;
            };
            n -= batch.rows.len() as u64;
        }
        Ok(())
    }
}

/// A batch of rows and how far into the input it reaches.
pub struct Batch {
    pub rows: Rows,
    /// Bytes of input consumed so far (for progress).
    pub bytes_read: u64,
}

impl RowSource for Reader {
    /// The input's field names, in order.
    fn fields(&self) -> &[String] {
        &self.fields
    }

    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>> {
        self.read_batch(max_rows)
    }

    fn known_empty(&self) -> bool {
        self.format != Format::Csv && self.fields.is_empty() && self.pending.is_empty() && self.eof
    }
}

/// Reads an input in batches.
pub struct Reader {
    name: String,
    format: Format,
    source: Box<dyn Read + Send>,
    bytes_read: u64,
    /// The next data row's number.
    next_row: u64,
    /// The next line's number (NDJSON) or where the JSON text starts.
    next_line: u64,
    /// Rows read but not handed out yet.
    pending: std::collections::VecDeque<(u64, u64, Range<usize>)>,
    pending_text: Arc<str>,
    /// Bytes after the last complete NDJSON line.
    carry: Vec<u8>,
    csv: Option<csv::Reader<LineCounter>>,
    /// Where the CSV input's lines end, for the line of each record.
    csv_lines: Option<Lines>,
    eof: bool,
    fields: Vec<String>,
}

const BLOCK: usize = 4 << 20;

impl Reader {
    /// Opens `source` (shown as `name` in messages) and reads the field names: the CSV header,
    /// or the keys of the first JSON object.
    pub fn new(name: &str, format: Format, source: Box<dyn Read + Send>) -> Result<Reader> {
        let mut reader = Reader {
            name: name.to_string(),
            format,
            source,
            bytes_read: 0,
            next_row: 1,
            next_line: 1,
            pending: Default::default(),
            pending_text: Arc::from(""),
            carry: Vec::new(),
            csv: None,
            csv_lines: None,
            eof: false,
            fields: Vec::new(),
        };
        match format {
            Format::Csv => {
                let source = std::mem::replace(&mut reader.source, Box::new(std::io::empty()));
                let lines = Lines::default();
                reader.csv_lines = Some(lines.clone());
                let mut csv =
                    csv::ReaderBuilder::new()
                        .has_headers(true)
                        .from_reader(LineCounter {
                            inner: source,
                            at: 0,
                            lines,
                        });
                let headers = csv.headers().map_err(|e| reader.csv_error(e))?;
                reader.fields = headers.iter().map(str::to_string).collect();
                let line = headers.position().map_or(1, |p| reader.line_of(p.byte()));
                reader.csv = Some(csv);
                if let Some(twice) = reader.fields.iter().enumerate().find_map(|(i, f)| {
                    reader.fields[..i]
                        .iter()
                        .position(|g| g == f)
                        .map(|j| (f, j, i))
                }) {
                    let (name, first, second) = twice;
                    return Err(DataError::Input {
                        path: reader.name.clone(),
                        message: format!(
                            "line {line}: the header names {name} twice (fields {} and {}); each column may appear once",
                            first + 1,
                            second + 1
                        ),
                    });
                }
            }
            Format::Ndjson | Format::Json => {
                reader.fill()?;
                if let Some((row, line, span)) = reader.pending.front().cloned() {
                    let text = &reader.pending_text[span];
                    reader.fields = object_keys(text).map_err(|message| DataError::Row {
                        input: reader.name.clone(),
                        error: RowError {
                            row,
                            line,
                            column: None,
                            message,
                        },
                        committed: None,
                    })?;
                }
            }
        }
        Ok(reader)
    }

    /// The next batch of at most `max_rows` rows; `None` at the end.
    fn read_batch(&mut self, max_rows: usize) -> Result<Option<Batch>> {
        let rows = match self.format {
            Format::Csv => {
                let mut records = Vec::with_capacity(max_rows.min(16_384));
                let mut csv = self.csv.take().expect("opened in new");
                while records.len() < max_rows {
                    let mut record = csv::StringRecord::new();
                    match csv.read_record(&mut record) {
                        Ok(true) => {
                            let line = record.position().map_or(0, |p| self.line_of(p.byte()));
                            records.push((self.next_row, line, record));
                            self.next_row += 1;
                        }
                        Ok(false) => break,
                        Err(e) => {
                            self.csv = Some(csv);
                            return Err(self.csv_error(e));
                        }
                    }
                }
                self.bytes_read = csv.position().byte();
                self.csv = Some(csv);
                Rows::Csv(records)
            }
            Format::Ndjson | Format::Json => {
                if self.pending.is_empty() {
                    self.fill()?;
                }
                let n = max_rows.min(self.pending.len());
                Rows::Json {
                    text: self.pending_text.clone(),
                    spans: self.pending.drain(..n).collect(),
                }
            }
        };
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(Batch {
            rows,
            bytes_read: self.bytes_read,
        }))
    }

    /// Reads more rows into `pending`.
    fn fill(&mut self) -> Result<()> {
        match self.format {
            Format::Ndjson => {
                while self.pending.is_empty() && !self.eof {
                    let mut block = std::mem::take(&mut self.carry);
                    let start = block.len();
                    block.resize(start + BLOCK, 0);
                    let n = read_full(&mut self.source, &mut block[start..])
                        .map_err(|e| self.io_error(e))?;
                    block.truncate(start + n);
                    self.bytes_read += n as u64;
                    if start == 0 && self.bytes_read == n as u64 {
                        strip_bom(&mut block);
                    }
                    if n == 0 {
                        self.eof = true;
                    } else if let Some(last) = block.iter().rposition(|b| *b == b'\n') {
                        self.carry = block.split_off(last + 1);
                    } else {
                        self.carry = block;
                        continue;
                    }
                    self.push_lines(block)?;
                }
                Ok(())
            }
            Format::Json => {
                if self.eof {
                    return Ok(());
                }
                self.eof = true;
                let mut text = String::new();
                self.source
                    .read_to_string(&mut text)
                    .map_err(|e| self.io_error(e))?;
                self.bytes_read = text.len() as u64;
                let text: Arc<str> = Arc::from(text.strip_prefix('\u{feff}').unwrap_or(&text));
                let elements: Vec<&RawValue> =
                    serde_json::from_str(&text).map_err(|e| DataError::Input {
                        path: self.name.clone(),
                        message: format!(
                            "line {}, column {}: not a JSON array of objects: {e}",
                            e.line(),
                            e.column()
                        ),
                    })?;
                let base = text.as_ptr() as usize;
                let (mut line, mut scanned) = (1u64, 0usize);
                for raw in elements {
                    let start = raw.get().as_ptr() as usize - base;
                    line += text.as_bytes()[scanned..start]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count() as u64;
                    scanned = start;
                    self.pending
                        .push_back((self.next_row, line, start..start + raw.get().len()));
                    self.next_row += 1;
                }
                self.pending_text = text;
                Ok(())
            }
            Format::Csv => Ok(()),
        }
    }

    fn push_lines(&mut self, block: Vec<u8>) -> Result<()> {
        let text = String::from_utf8(block).map_err(|e| {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = self.next_line + upto.iter().filter(|b| **b == b'\n').count() as u64;
            DataError::Input {
                path: self.name.clone(),
                message: format!("line {line}: invalid UTF-8"),
            }
        })?;
        let text: Arc<str> = Arc::from(text);
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim();
            if !trimmed.is_empty() {
                let start = offset + (line.len() - line.trim_start().len());
                self.pending.push_back((
                    self.next_row,
                    self.next_line,
                    start..start + trimmed.len(),
                ));
                self.next_row += 1;
            }
            self.next_line += 1;
            offset += line.len();
        }
        self.pending_text = text;
        Ok(())
    }

    fn io_error(&self, e: std::io::Error) -> DataError {
        DataError::Input {
            path: self.name.clone(),
            message: e.to_string(),
        }
    }

    /// The 1-based line of the CSV input on which byte `offset` is (records arrive in
    /// order, so the lines before the previous record are forgotten).
    fn line_of(&self, offset: u64) -> u64 {
        self.csv_lines.as_ref().map_or(0, |l| l.line_of(offset))
    }

    fn csv_error(&self, e: csv::Error) -> DataError {
        // The csv crate's own line count is off by one per CRLF line; count newlines instead.
        let line = e.position().map(|p| self.line_of(p.byte()));
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields where the header has {expected_len}"),
            csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
            _ => e.to_string(),
        };
        DataError::Input {
            path: self.name.clone(),
            message: match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            },
        }
    }
}

/// Drops a UTF-8 byte order mark at the start of an input (as the csv reader does).
fn strip_bom(block: &mut Vec<u8>) {
    if block.starts_with(b"\xef\xbb\xbf") {
        block.drain(..3);
    }
}

fn read_full(source: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
