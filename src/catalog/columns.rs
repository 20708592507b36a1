//! The values the hard filters range over, per document, held in plain arrays: read once from
//! the index's fast fields when it is opened, with the prices cut into bits (see
//! [`super::price_cuts`]).

use std::sync::Arc;

use tantivy::columnar::ColumnIndex;
use tantivy::{DocAddress, DocId, Searcher, SegmentOrdinal};

use super::index::{AGE_OPEN_MAX, RANGE_COLUMNS};
use super::price_cuts::PriceCuts;

/// The places of the age bounds in [`RANGE_COLUMNS`].
const AGE_MIN: usize = 2;
const AGE_MAX: usize = 3;

/// The values the hard filters range over ([`RANGE_COLUMNS`]), per segment and document, read
/// from the fast fields once when the index is opened: a filter checks a document with an
/// array read, where a fast field costs a dynamic call and a bit-unpacking per value (~11 bytes
/// per product: ~11 MB at a million).
pub(crate) struct Columns {
    segments: Vec<Arc<SegmentColumns>>,
}

/// One segment's filter values, by document.
pub(crate) struct SegmentColumns {
    /// The price in minor units (`u64::MAX` past any amount).
    price_minor: Vec<u64>,
    /// The small columns (`available`, `age_min`, `age_max`: 0/1 and whole years up to 200),
    /// in [`RANGE_COLUMNS`] order after the price.
    small: [Vec<u8>; 3],
    /// Each column's least and greatest value: a range covering both decides nothing.
    bounds: [(u64, u64); 4],
    /// The documents priced at most a few values, as bits.
    cuts: PriceCuts,
}

impl Columns {
    pub(crate) fn open(searcher: &Searcher) -> tantivy::Result<Columns> {
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let docs = reader.max_doc() as usize;
            let read = |name: &str| -> tantivy::Result<(Vec<u64>, (u64, u64))> {
                let column = reader.fast_fields().u64(name)?;
                let mut values = vec![0; docs];
                match column.index {
                    ColumnIndex::Full => column.values.get_range(0, &mut values),
                    _ => values.iter_mut().enumerate().for_each(|(doc, v)| *v = column.first(doc as u32).unwrap_or(0)),
                }
                Ok((values, (column.min_value(), column.max_value())))
            };
            let (price_minor, price_bounds) = read(RANGE_COLUMNS[0])?;
            let mut small: [Vec<u8>; 3] = Default::default();
            let mut bounds = [price_bounds; 4];
            for (i, name) in RANGE_COLUMNS[1..].iter().enumerate() {
                let (values, column_bounds) = read(name)?;
                // Ages are stored up to 200 years and availability as 0 or 1 (see `index`).
                small[i] = values.into_iter().map(|v| v.min(u64::from(u8::MAX)) as u8).collect();
                bounds[i + 1] = column_bounds;
            }
            let cuts = PriceCuts::of(&price_minor);
            segments.push(Arc::new(SegmentColumns { price_minor, small, bounds, cuts }));
        }
        Ok(Columns { segments })
    }

    /// Segment `segment`'s values.
    pub(crate) fn segment(&self, segment: SegmentOrdinal) -> &Arc<SegmentColumns> {
        &self.segments[segment as usize]
    }

    /// The value in filter column `column` (its place in [`RANGE_COLUMNS`]) of the product at
    /// `address`, as the filters compare it.
    pub(crate) fn value(&self, column: usize, address: DocAddress) -> u64 {
        self.segments[address.segment_ord as usize].value(column, address.doc_id)
    }

    /// Whether the product at `address` suits someone `age` years old, as
    /// [`super::Product::suits_age`] answers, from the age bounds held here: `None` past
    /// [`AGE_OPEN_MAX`], where a held bound no longer says (an open end is held as it).
    pub(crate) fn suits_age(&self, address: DocAddress, age: u32) -> Option<bool> {
        // A stated bound past a byte is held at 255, still above every age answered here.
        let age = u64::from(age);
        (age <= AGE_OPEN_MAX).then(|| (self.value(AGE_MIN, address)..=self.value(AGE_MAX, address)).contains(&age))
    }
}

impl SegmentColumns {
    /// Column `column`'s least and greatest value in this segment.
    pub(crate) fn bounds(&self, column: usize) -> (u64, u64) {
        self.bounds[column]
    }

    /// The documents priced at most a few values, as bits.
    pub(crate) fn cuts(&self) -> &PriceCuts {
        &self.cuts
    }

    /// The value in filter column `column` of document `doc`, as the filters compare it.
    pub(crate) fn value(&self, column: usize, doc: DocId) -> u64 {
        match column {
            0 => self.price_minor[doc as usize],
            _ => u64::from(self.small[column - 1][doc as usize]),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tantivy::DocAddress;

    use crate::catalog::{Catalog, CatalogIndex};

    #[test]
    fn held_age_bounds_answer_as_the_products_attributes_do() {
        // Ages as merchants write them: numbers, decimals, text, one end open, past a byte,
        // negative, reversed, unreadable, none at all.
        let ages = [
            r#"{"age_min":3,"age_max":8}"#,
            r#"{"age_min":"6","age_max":"12.5"}"#,
            r#"{"age_min":14}"#,
            r#"{"age_max":2}"#,
            r#"{"age_min":0,"age_max":300}"#,
            r#"{"age_min":260}"#,
            r#"{"age_min":-4,"age_max":1000000}"#,
            r#"{"age_min":9,"age_max":5}"#,
            r#"{"age_min":"teen","age_max":null}"#,
            r#"{"age_min":199.9,"age_max":200}"#,
            r#"{}"#,
        ];
        let lines: Vec<String> = ages
            .iter()
            .enumerate()
            .map(|(i, a)| format!(r#"{{"id":"p{i}","title":"Toy {i}","price":5,"currency":"GBP","attributes":{a}}}"#))
            .collect();
        let catalog = Catalog::parse_jsonl(&lines.join("\n"), "ages.jsonl").unwrap().0;
        let index = CatalogIndex::build(Arc::new(catalog)).unwrap();
        let lookup = index.lookup();
        let mut checked = 0;
        for (segment, reader) in lookup.searcher().segment_readers().iter().enumerate() {
            for doc in 0..reader.max_doc() {
                let address = DocAddress::new(segment as u32, doc);
                let product = &index.catalog().products()[index.position_of(address)];
                for age in 0..=300 {
                    match index.columns().suits_age(address, age) {
                        Some(held) => assert_eq!(held, product.suits_age(age), "{} at {age}", product.id),
                        None => assert!(age > 200, "{} at {age}: the held bounds must answer", product.id),
                    }
                }
                checked += 1;
            }
        }
        assert_eq!(checked, ages.len());
    }
}
