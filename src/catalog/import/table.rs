//! Delimited text with a header row (CSV, TSV, `;`-separated), read one record at a time.
//!
//! Shared by the generic CSV, Shopify and Google TSV importers. It refuses binary files up
//! front, sniffs the delimiter, reports each record at the line it starts on (quoted fields may
//! hold newlines), skips records with the wrong number of fields, and reads files that are not
//! UTF-8 as Windows-1252, the encoding spreadsheet programs write when they are not asked.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::ImportError;
use super::report::{ImportReport, SkipReason};

/// One data record: the line it starts on and its fields, decoded.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub line: usize,
    pub fields: Vec<String>,
}

impl Row {
    /// The trimmed field at `index`, or `""` when there is no such column.
    pub(crate) fn get(&self, index: Option<usize>) -> &str {
        index.and_then(|i| self.fields.get(i)).map_or("", |f| f.trim())
    }
}

pub(crate) struct Table {
    file: String,
    pub header: Vec<String>,
    reader: csv::Reader<BufReader<File>>,
    record: csv::ByteRecord,
    warned_encoding: bool,
}

/// The delimiters sniffing chooses from.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

impl Table {
    /// Opens `path`, checks it is text, and reads the header. `delimiter: None` sniffs it from
    /// the header line (the candidate occurring most often outside quotes; `,` when none does).
    pub(crate) fn open(path: &Path, delimiter: Option<u8>, report: &mut ImportReport) -> Result<Table, ImportError> {
        let file = path.display().to_string();
        let io = |source| ImportError::Io { file: file.clone(), source };
        let mut input = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
        let peek = input.fill_buf().map_err(io)?;
        check_text(&file, peek)?;
        let delimiter = match delimiter {
            Some(d) => d,
            None => {
                let d = sniff_delimiter(peek);
                report.notes.push(format!("delimiter: `{}` (sniffed from the header)", show_delimiter(d)));
                d
            }
        };
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(input);
        let header_record = reader.byte_headers().map_err(|e| csv_error(&file, 1, e))?.clone();
        let mut table =
            Table { file, header: Vec::new(), reader, record: csv::ByteRecord::new(), warned_encoding: false };
        let header: Vec<String> = header_record.iter().map(|f| table.decode(f, 1, report).trim().to_string()).collect();
        if header.iter().all(String::is_empty) {
            return Err(ImportError::EmptyFile { file: table.file });
        }
        table.header = header;
        table.header[0] = table.header[0].trim_start_matches('\u{feff}').trim().to_string();
        Ok(table)
    }

    /// The index of the column named `name`: exact match first, then ignoring case.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .or_else(|| self.header.iter().position(|h| h.eq_ignore_ascii_case(name.trim())))
    }

    /// The next record with as many fields as the header. Records with another count are
    /// reported as skipped and passed over. Counts every record in `report.read`.
    pub(crate) fn next_row(&mut self, report: &mut ImportReport) -> Result<Option<Row>, ImportError> {
        loop {
            let more = self.reader.read_byte_record(&mut self.record);
            let line = self.record.position().map_or(0, |p| p.line() as usize);
            if !more.map_err(|e| csv_error(&self.file, line, e))? {
                return Ok(None);
            }
            report.read += 1;
            if self.record.len() != self.header.len() {
                if self.record.len() == 1 && self.record.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace)) {
                    report.read -= 1; // a blank or whitespace-only line is not a row
                    continue;
                }
                let message = format!(
                    "{} fields where the header has {}; skipped (an unquoted delimiter or a missing quote?)",
                    self.record.len(),
                    self.header.len()
                );
                report.skip(SkipReason::WrongFieldCount, line, message);
                continue;
            }
            let record = std::mem::take(&mut self.record);
            let fields = record.iter().map(|f| self.decode(f, line, report)).collect();
            self.record = record;
            return Ok(Some(Row { line, fields }));
        }
    }

    /// UTF-8 when it is; otherwise Windows-1252, noted once in the report.
    fn decode(&mut self, bytes: &[u8], line: usize, report: &mut ImportReport) -> String {
        match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => {
                if !self.warned_encoding {
                    self.warned_encoding = true;
                    report.notes.push(format!(
                        "line {line} is not UTF-8: read the file as Windows-1252 (save it as UTF-8 to be sure)"
                    ));
                }
                bytes.iter().map(|&b| windows_1252(b)).collect()
            }
        }
    }
}

fn csv_error(file: &str, line: usize, error: csv::Error) -> ImportError {
    ImportError::Malformed { file: file.to_string(), line, message: format!("cannot read: {error}") }
}

/// Refuses what is clearly not delimited text, naming what it probably is.
pub(crate) fn check_text(file: &str, peek: &[u8]) -> Result<(), ImportError> {
    let what = if peek.starts_with(b"PK\x03\x04") {
        "a ZIP archive (an Excel .xlsx workbook?), not text: export the sheet as CSV"
    } else if peek.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        "an old Excel .xls workbook, not text: export the sheet as CSV"
    } else if peek.starts_with(&[0x1f, 0x8b]) {
        "gzip-compressed: decompress it first"
    } else if peek.starts_with(b"%PDF") {
        "a PDF document, not a product export"
    } else if peek.starts_with(&[0xff, 0xfe]) || peek.starts_with(&[0xfe, 0xff]) {
        "UTF-16 text (Excel's \"Unicode text\"): save it as UTF-8 CSV"
    } else if peek.contains(&0) {
        "a binary file, not a text export"
    } else if peek.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::EmptyFile { file: file.to_string() });
    } else {
        return Ok(());
    };
    Err(ImportError::NotText { file: file.to_string(), what: format!("looks like {what}") })
}

/// The candidate delimiter used most often in the first line, outside quotes.
pub(crate) fn sniff_delimiter(peek: &[u8]) -> u8 {
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    for &b in peek {
        if b == b'\n' && !quoted {
            break;
        }
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    }
    let best = (0..CANDIDATES.len()).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    if counts[best] == 0 { b',' } else { CANDIDATES[best] }
}

pub(crate) fn show_delimiter(d: u8) -> String {
    if d == b'\t' { "\\t".to_string() } else { (d as char).to_string() }
}

/// One Windows-1252 byte as a char: Latin-1, except the printable 0x80-0x9F block.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{fffd}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{fffd}', 'Ž', '\u{fffd}',
        '\u{fffd}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{fffd}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn table(content: &[u8], delimiter: Option<u8>) -> (Table, ImportReport, tempfile::NamedTempFile) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content).unwrap();
        let mut report = ImportReport::new("t.csv");
        let table = Table::open(file.path(), delimiter, &mut report).unwrap();
        (table, report, file)
    }

    #[test]
    fn the_delimiter_is_sniffed_from_the_header_outside_quotes() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,2;3;4"), b';');
        assert_eq!(sniff_delimiter(b"\"a,b\";c;d\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b"), b'|');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }

    #[test]
    fn records_report_the_line_they_start_on_even_after_embedded_newlines() {
        let (mut t, mut report, _f) = table(b"\xef\xbb\xbfid,text\n1,\"two\nlines\"\n2,x\n", None);
        assert_eq!(t.header, ["id", "text"], "the byte order mark is not part of the first name");
        let first = t.next_row(&mut report).unwrap().unwrap();
        assert_eq!((first.line, first.fields[1].as_str()), (2, "two\nlines"));
        assert_eq!(t.next_row(&mut report).unwrap().unwrap().line, 4);
        assert!(t.next_row(&mut report).unwrap().is_none());
        assert_eq!(report.read, 2);
    }

    #[test]
    fn a_row_with_the_wrong_field_count_is_skipped_with_its_line() {
        let (mut t, mut report, _f) = table(b"a,b\n1,2,3\n4,5\n", None);
        assert_eq!(t.next_row(&mut report).unwrap().unwrap().fields, ["4", "5"]);
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(
            report.skipped[0].problem.to_string(),
            "t.csv:2: 3 fields where the header has 2; skipped (an unquoted delimiter or a missing quote?)"
        );
        assert_eq!(report.read, 2);
    }

    #[test]
    fn windows_1252_text_is_read_rather_than_refused() {
        let (mut t, mut report, _f) = table(b"name;price\nCaf\xe9;\xa33\n", None);
        let row = t.next_row(&mut report).unwrap().unwrap();
        assert_eq!(row.fields, ["Café", "£3"]);
        assert!(report.notes.iter().any(|n| n.contains("Windows-1252")));
    }

    #[test]
    fn binary_files_are_refused_with_a_hint() {
        let err = check_text("x.xlsx", b"PK\x03\x04rest").unwrap_err();
        assert!(err.to_string().contains("export the sheet as CSV"), "{err}");
        assert!(check_text("x.bin", b"ab\0cd").unwrap_err().to_string().contains("binary"));
        assert!(matches!(check_text("e.csv", b" \n"), Err(ImportError::EmptyFile { .. })));
    }
}
