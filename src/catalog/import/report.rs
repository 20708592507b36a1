//! What an import did: rows read, products written, and every skipped row with its reason,
//! so a merchant can see at a glance why 1,435 rows did not make it and fix the right thing.

use std::collections::BTreeMap;
use std::fmt;

use crate::problem::Problem;

/// Why a row (or, for formats that fold variants, a product) was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The row has more or fewer fields than the header.
    WrongFieldCount,
    /// The line is not a valid catalog line (JSON Lines input).
    InvalidLine,
    NoId,
    NoTitle,
    NoPrice,
    /// The price is zero or negative.
    PriceNotPositive,
    /// The row names no currency and the catalog has none to lend it.
    NoCurrency,
    /// The row's currency is not the catalog's.
    OtherCurrency,
    /// Another row already has this id; the first one is kept.
    DuplicateId,
    /// Shopify: `Published` is false or `Status` is not active.
    Unpublished,
}

impl SkipReason {
    /// A short stable label, used in the summary and as the key a script can match on.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::WrongFieldCount => "wrong number of fields",
            SkipReason::InvalidLine => "invalid line",
            SkipReason::NoId => "no id",
            SkipReason::NoTitle => "no title",
            SkipReason::NoPrice => "no price",
            SkipReason::PriceNotPositive => "price not above zero",
            SkipReason::NoCurrency => "no currency",
            SkipReason::OtherCurrency => "another currency",
            SkipReason::DuplicateId => "duplicate id",
            SkipReason::Unpublished => "not published",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One row left out: why, and where (`file:line: message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub reason: SkipReason,
    pub problem: Problem,
}

/// The outcome of an import, for the summary a merchant reads.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The input file as the user named it.
    pub file: String,
    /// Data rows (or lines, or feed items) read, header excluded.
    pub read: usize,
    /// Products written.
    pub written: usize,
    /// Variant and image rows merged into a product read from an earlier row.
    pub folded: usize,
    /// Every row left out, in line order.
    pub skipped: Vec<Skip>,
    /// Values that were ignored but did not cost the row (an unreadable rating, say).
    pub warnings: Vec<Problem>,
    /// Native field and the source column it was read from, in field order.
    pub mapping: Vec<(String, String)>,
    /// Source columns nothing was read from.
    pub ignored_columns: Vec<String>,
    /// Decisions worth telling the user (the delimiter sniffed, an encoding fallback, ...).
    pub notes: Vec<String>,
}

impl ImportReport {
    pub(crate) fn new(file: &str) -> ImportReport {
        ImportReport { file: file.to_string(), ..ImportReport::default() }
    }

    /// How many rows each reason left out.
    pub fn skipped_by_reason(&self) -> BTreeMap<SkipReason, usize> {
        let mut counts = BTreeMap::new();
        for skip in &self.skipped {
            *counts.entry(skip.reason).or_insert(0) += 1;
        }
        counts
    }

    pub(crate) fn skip(&mut self, reason: SkipReason, line: usize, message: impl Into<String>) {
        let problem = Problem { file: self.file.clone(), line, message: message.into() };
        self.skipped.push(Skip { reason, problem });
    }

    pub(crate) fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Problem { file: self.file.clone(), line, message: message.into() });
    }
}
