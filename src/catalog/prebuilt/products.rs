//! The catalog's products stored beside its prebuilt index, already validated, so a server
//! starts without reading the JSON Lines file again (at a million products that reading was
//! ~14 s of a 14.4 s start-up).
//!
//! Little-endian binary: a magic line with the format version, the content hash of the
//! catalog file it was made from, the names many products share (category parts, tags,
//! brands, attribute keys) once each, the distinct sets of attributes once each, the currency,
//! the load report (lines read, each skipped line with its reason), then each product: a bit
//! set of the optional fields present and the fields in [`Product`]'s order, names and
//! attribute sets as numbers in their tables (read back as one shared copy each), the price as
//! the decimal's own 16 bytes (exact), free-form values typed (numbers, text,
//! true/false/null; lists and objects as their JSON). A new field means a new version: an old file is then refused and
//! the JSON Lines read instead, never read wrong.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};

use rust_decimal::Decimal;
use serde_json::Value;

use super::super::product::{Attributes, Name};
use super::super::{Catalog, LoadReport, Problem, Product};
use super::ContentHash;
use crate::money::{Amount, Currency};

const MAGIC: &[u8; 16] = b"concierge-prods2";

/// The attribute set number of a product without attributes.
const NO_ATTRIBUTES: u32 = u32::MAX;

/// Which optional fields a product has, one bit each.
const DESCRIPTION: u16 = 1;
const BRAND: u16 = 1 << 1;
const COMPARE_AT: u16 = 1 << 2;
const STOCK: u16 = 1 << 3;
const RATING: u16 = 1 << 4;
const REVIEWS: u16 = 1 << 5;
const URL: u16 = 1 << 6;
const IMAGE: u16 = 1 << 7;
const IN_STOCK: u16 = 1 << 8;
const REPLENISHABLE: u16 = 1 << 9;

/// Writes `catalog` and the `report` of its load from the file hashing to `hash`.
pub(crate) fn write(catalog: &Catalog, report: &LoadReport, hash: &ContentHash, out: impl Write) -> io::Result<()> {
    let mut out = Output { out: BufWriter::new(out), names: HashMap::new(), sets: HashMap::new() };
    out.out.write_all(MAGIC)?;
    out.text(hash.as_str())?;
    let mut names: Vec<&str> = Vec::new();
    for product in catalog.products() {
        let shared = product.category.iter().chain(&product.tags).chain(&product.brand).map(Name::as_str);
        for name in shared.chain(product.attributes.iter().map(|(key, _)| key)) {
            if !out.names.contains_key(name) {
                out.names.insert(name.to_string(), names.len() as u32);
                names.push(name);
            }
        }
    }
    out.count(names.len())?;
    for name in names {
        out.text(name)?;
    }
    let mut sets: Vec<&Attributes> = Vec::new();
    for product in catalog.products().iter().filter(|p| !p.attributes.is_empty()) {
        let text = serde_json::to_string(&product.attributes).map_err(io::Error::other)?;
        if let std::collections::hash_map::Entry::Vacant(slot) = out.sets.entry(text) {
            slot.insert(sets.len() as u32);
            sets.push(&product.attributes);
        }
    }
    out.count(sets.len())?;
    for set in sets {
        out.count(set.len())?;
        for (key, value) in set.iter() {
            out.name(key)?;
            out.value(value)?;
        }
    }
    out.text(catalog.currency().code())?;
    out.u64(report.read as u64)?;
    out.count(report.problems.len())?;
    for problem in &report.problems {
        out.u64(problem.line as u64)?;
        out.text(&problem.message)?;
    }
    out.count(catalog.len())?;
    for product in catalog.products() {
        out.product(product)?;
    }
    out.out.flush()
}

/// Reads what [`write`] wrote for the file hashing to `hash` from the file's `bytes` (read
/// whole: decoding from memory is about twice as fast as through a buffered reader); `file`
/// names the catalog in the report's problems. An `InvalidData` or `UnexpectedEof` error when
/// the bytes are not that (another format or content, cut short).
pub(crate) fn read(bytes: &[u8], hash: &ContentHash, file: &str) -> io::Result<(Catalog, LoadReport)> {
    let mut input = Input { rest: bytes, names: Vec::new(), sets: Vec::new() };
    let magic: [u8; 16] = input.bytes()?;
    if &magic != MAGIC {
        return Err(invalid("not a products file of this version"));
    }
    if input.text()? != hash.as_str() {
        return Err(invalid("written for another content of the catalog"));
    }
    let count = input.count()?;
    input.names = Vec::with_capacity(count);
    for _ in 0..count {
        let name = Name::from(input.text()?);
        input.names.push(name);
    }
    let count = input.count()?;
    input.sets = Vec::with_capacity(count);
    for _ in 0..count {
        let count = input.count()?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            entries.push((input.name()?, input.value()?));
        }
        let set = Attributes::from_sorted(entries).ok_or_else(|| invalid("attributes out of order"))?;
        input.sets.push(set);
    }
    let currency: Currency = input.text()?.parse().map_err(|_| invalid("not a currency"))?;
    let mut report = LoadReport { file: file.to_string(), read: input.u64()? as usize, ..LoadReport::default() };
    for _ in 0..input.count()? {
        let line = input.u64()? as usize;
        report.problems.push(Problem { file: file.to_string(), line, message: input.text()? });
    }
    let count = input.count()?;
    let mut products = Vec::with_capacity(count);
    for _ in 0..count {
        products.push(input.product(currency)?);
    }
    if !input.rest.is_empty() {
        return Err(invalid("trailing bytes"));
    }
    report.loaded = products.len();
    Ok((Catalog::from_valid(products, currency), report))
}

struct Output<W: Write> {
    out: BufWriter<W>,
    names: HashMap<String, u32>,
    /// Attribute sets by their JSON text.
    sets: HashMap<String, u32>,
}

impl<W: Write> Output<W> {
    fn u64(&mut self, value: u64) -> io::Result<()> {
        self.out.write_all(&value.to_le_bytes())
    }

    fn count(&mut self, n: usize) -> io::Result<()> {
        let n = u32::try_from(n).map_err(|_| invalid("more than 4 billion"))?;
        self.out.write_all(&n.to_le_bytes())
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        self.count(text.len())?;
        self.out.write_all(text.as_bytes())
    }

    fn name(&mut self, name: &str) -> io::Result<()> {
        let id = self.names.get(name).copied().ok_or_else(|| invalid("a name missing from the table"))?;
        self.out.write_all(&id.to_le_bytes())
    }

    fn amount(&mut self, amount: Amount) -> io::Result<()> {
        self.out.write_all(&amount.decimal().serialize())
    }

    fn product(&mut self, p: &Product) -> io::Result<()> {
        let bits = [
            (p.description.is_some(), DESCRIPTION),
            (p.brand.is_some(), BRAND),
            (p.compare_at_price.is_some(), COMPARE_AT),
            (p.stock.is_some(), STOCK),
            (p.rating.is_some(), RATING),
            (p.review_count.is_some(), REVIEWS),
            (p.url.is_some(), URL),
            (p.image.is_some(), IMAGE),
            (p.in_stock, IN_STOCK),
            (p.replenishable, REPLENISHABLE),
        ];
        let flags = bits.iter().filter(|(set, _)| *set).fold(0, |all, (_, bit)| all | bit);
        self.out.write_all(&u16::to_le_bytes(flags))?;
        self.text(&p.id)?;
        self.text(&p.title)?;
        if let Some(description) = &p.description {
            self.text(description)?;
        }
        self.count(p.category.len())?;
        for part in &p.category {
            self.name(part)?;
        }
        if let Some(brand) = &p.brand {
            self.name(brand)?;
        }
        self.amount(p.price)?;
        if let Some(compare_at) = p.compare_at_price {
            self.amount(compare_at)?;
        }
        self.count(p.tags.len())?;
        for tag in &p.tags {
            self.name(tag)?;
        }
        let set = match p.attributes.is_empty() {
            true => NO_ATTRIBUTES,
            false => {
                let text = serde_json::to_string(&p.attributes).map_err(io::Error::other)?;
                self.sets.get(&text).copied().ok_or_else(|| invalid("attributes missing from the table"))?
            }
        };
        self.out.write_all(&set.to_le_bytes())?;
        if let Some(stock) = p.stock {
            self.u64(stock)?;
        }
        if let Some(rating) = p.rating {
            self.out.write_all(&rating.to_bits().to_le_bytes())?;
        }
        if let Some(reviews) = p.review_count {
            self.u64(reviews)?;
        }
        for link in [&p.url, &p.image].into_iter().flatten() {
            self.text(link)?;
        }
        self.count(p.extra.len())?;
        for (key, value) in &p.extra {
            self.text(key)?;
            self.value(value)?;
        }
        Ok(())
    }

    /// A value by its type; a number that is no 64-bit integer (a float), a list and an
    /// object as their JSON text, so each reads back exactly as JSON gave it.
    fn value(&mut self, value: &Value) -> io::Result<()> {
        match value {
            Value::Null => self.out.write_all(&[0]),
            Value::Bool(b) => self.out.write_all(&[1 + u8::from(*b)]),
            Value::Number(n) if n.is_u64() => {
                self.out.write_all(&[3])?;
                self.u64(n.as_u64().unwrap_or_default())
            }
            Value::Number(n) if n.is_i64() => {
                self.out.write_all(&[4])?;
                self.u64(n.as_i64().unwrap_or_default() as u64)
            }
            Value::String(s) => {
                self.out.write_all(&[5])?;
                self.text(s)
            }
            other => {
                self.out.write_all(&[6])?;
                self.text(&other.to_string())
            }
        }
    }
}

struct Input<'a> {
    /// What is left to read.
    rest: &'a [u8],
    names: Vec<Name>,
    sets: Vec<Attributes>,
}

impl<'a> Input<'a> {
    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if n > self.rest.len() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the products file is cut short"));
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    fn bytes<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut bytes = [0_u8; N];
        bytes.copy_from_slice(self.take(N)?);
        Ok(bytes)
    }

    fn u64(&mut self) -> io::Result<u64> {
        self.bytes().map(u64::from_le_bytes)
    }

    /// A count or length, never more than what is left of the file (each counted thing takes
    /// at least a byte), so no corrupt count reserves memory the file cannot fill.
    fn count(&mut self) -> io::Result<usize> {
        let n = u32::from_le_bytes(self.bytes()?) as usize;
        if n > self.rest.len() {
            return Err(invalid("a length past the end of the file"));
        }
        Ok(n)
    }

    fn text(&mut self) -> io::Result<String> {
        let len = self.count()?;
        let text = std::str::from_utf8(self.take(len)?).map_err(|_| invalid("a text is not UTF-8"))?;
        Ok(text.to_string())
    }

    fn name(&mut self) -> io::Result<Name> {
        let id = u32::from_le_bytes(self.bytes()?) as usize;
        self.names.get(id).cloned().ok_or_else(|| invalid("a name past the table"))
    }

    fn names(&mut self) -> io::Result<Vec<Name>> {
        let count = self.count()?;
        (0..count).map(|_| self.name()).collect()
    }

    fn amount(&mut self) -> io::Result<Amount> {
        Amount::new(Decimal::deserialize(self.bytes()?)).ok_or_else(|| invalid("a negative price"))
    }

    fn product(&mut self, currency: Currency) -> io::Result<Product> {
        let flags = u16::from_le_bytes(self.bytes()?);
        let has = |bit: u16| flags & bit != 0;
        let (id, title) = (self.text()?, self.text()?);
        let description = if has(DESCRIPTION) { Some(self.text()?) } else { None };
        let category = self.names()?;
        let brand = if has(BRAND) { Some(self.name()?) } else { None };
        let price = self.amount()?;
        let mut product = Product::new(id, title, price, currency);
        product.description = description;
        product.category = category;
        product.brand = brand;
        product.compare_at_price = if has(COMPARE_AT) { Some(self.amount()?) } else { None };
        product.tags = self.names()?;
        product.attributes = match u32::from_le_bytes(self.bytes()?) {
            NO_ATTRIBUTES => Attributes::new(),
            set => self.sets.get(set as usize).cloned().ok_or_else(|| invalid("an attribute set past the table"))?,
        };
        product.stock = if has(STOCK) { Some(self.u64()?) } else { None };
        product.rating = if has(RATING) { Some(f32::from_bits(u32::from_le_bytes(self.bytes()?))) } else { None };
        product.review_count = if has(REVIEWS) { Some(self.u64()?) } else { None };
        product.url = if has(URL) { Some(self.text()?) } else { None };
        product.image = if has(IMAGE) { Some(self.text()?) } else { None };
        product.in_stock = has(IN_STOCK);
        product.replenishable = has(REPLENISHABLE);
        for _ in 0..self.count()? {
            let key = self.text()?;
            let value = self.value()?;
            product.extra.insert(key, value);
        }
        if product.id.is_empty() || product.title.is_empty() || product.price.is_zero() {
            return Err(invalid("a product without an id, a title or a price"));
        }
        Ok(product)
    }

    fn value(&mut self) -> io::Result<Value> {
        let [kind] = self.bytes()?;
        Ok(match kind {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::from(self.u64()?),
            4 => Value::from(self.u64()? as i64),
            5 => Value::String(self.text()?),
            6 => serde_json::from_str(&self.text()?).map_err(|_| invalid("a value is not JSON"))?,
            _ => return Err(invalid("a value of no known kind")),
        })
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::sync::Arc;

    use super::super::{KINDS, PRODUCTS, open_products};
    use super::*;
    use crate::catalog::{CatalogIndex, IndexError, prebuilt_dir};

    /// Every field of the native format, free-form values of every JSON type, products with
    /// nothing optional, and lines the load skips.
    const EVERYTHING: &str = concat!(
        r#"{"id":"sku-1","title":"Wooden Train Set","description":"A train.\nWith track","category":["Toys","Trains"],"brand":"BRIO","price":24.99,"currency":"GBP","compare_at_price":29.990,"tags":["wooden","kids"],"attributes":{"age_min":3,"age_max":8.5,"size":["S","M"],"colour":"red","gtin":"0123","sale":null,"new":true,"dims":{"w":-2,"h":1.25}},"in_stock":false,"stock":12,"rating":4.6,"review_count":120,"url":"https://shop.example/p/sku-1","image":"/i/sku-1.jpg","replenishable":true,"colour":"red","ean":4006381333931,"weight":-1.5,"offset":-3,"variants":[{"sku":"a","size":"S"}],"gift_wrap":false,"note":null}"#,
        "\n",
        r#"{"id":"sku-2","title":"Kite","price":"7","currency":"GBP","category":["Outdoor","Kites"],"tags":["kids"],"brand":"BRIO"}"#,
        "\n",
        r#"{"id":"sku-1","title":"duplicate","price":1,"currency":"GBP"}"#,
        "\n",
        "{\"id\":\"bad\",\"title\":\n",
        r#"{"id":"sku-3","title":"  Puzzle\u0007 ","price":12,"currency":"GBP","description":null,"stock":0}"#,
        "\n",
        r#"{"id":"sku-4","title":"Euro thing","price":3,"currency":"EUR"}"#,
        "\n",
        r#"{"id":"sku-5","title":"Blocks","price":4,"currency":"GBP","attributes":{"age_min":3,"age_max":8}}"#,
        "\n",
        r#"{"id":"sku-6","title":"Bricks","price":5,"currency":"GBP","attributes":{"age_max":8,"age_min":3}}"#,
        "\n",
    );

    fn json(catalog: &Catalog) -> Vec<String> {
        catalog.products().iter().map(|p| serde_json::to_string(p).unwrap()).collect()
    }

    #[test]
    fn stored_products_come_back_identical_to_the_json_lines_they_were_read_from() {
        let (catalog, report) = Catalog::parse_jsonl(EVERYTHING, "shop.jsonl").unwrap();
        assert_eq!((catalog.len(), report.problems.len()), (5, 3), "{:?}", report.problems);
        let hash = ContentHash::of(EVERYTHING.as_bytes());
        let mut bytes = Vec::new();
        write(&catalog, &report, &hash, &mut bytes).unwrap();
        let (read_back, read_report) = read(&bytes, &hash, "shop.jsonl").unwrap();
        assert_eq!(read_back.products(), catalog.products());
        assert_eq!(json(&read_back), json(&catalog), "the same JSON, numbers' forms included");
        assert_eq!(read_back.currency(), catalog.currency());
        assert_eq!(read_back.get("sku-2").map(|p| &p.title), catalog.get("sku-2").map(|p| &p.title));
        assert_eq!(format!("{:?}", read_report.problems), format!("{:?}", report.problems));
        assert_eq!((read_report.read, read_report.loaded, read_report.file), (report.read, report.loaded, report.file));
        let (a, b) = (&read_back.products()[0], &read_back.products()[1]);
        assert!(std::ptr::eq(a.brand.as_deref().unwrap(), b.brand.as_deref().unwrap()), "one copy of a shared name");
        let (blocks, bricks) = (read_back.get("sku-5").unwrap(), read_back.get("sku-6").unwrap());
        assert_eq!(blocks.age_range(), Some((Some(3), Some(8))));
        let first_value = |p: &Product| p.attributes.iter().next().map(|(_, v)| v as *const Value);
        assert_eq!(first_value(blocks), first_value(bricks), "one copy of a shared set of attributes");
    }

    #[test]
    fn a_products_file_of_another_content_version_or_cut_short_is_refused() {
        let (catalog, report) = Catalog::parse_jsonl(EVERYTHING, "shop.jsonl").unwrap();
        let hash = ContentHash::of(EVERYTHING.as_bytes());
        let mut bytes = Vec::new();
        write(&catalog, &report, &hash, &mut bytes).unwrap();
        let other = ContentHash::of(b"another catalog");
        for (what, bytes, hash) in [
            ("another content", &bytes[..], &other),
            ("cut short", &bytes[..bytes.len() - 5], &hash),
            ("another version", &b"concierge-prods0"[..], &hash),
            ("trailing bytes", &[&bytes[..], &[0]].concat()[..], &hash),
        ] {
            let error = read(bytes, hash, "shop.jsonl").err().unwrap_or_else(|| panic!("{what} was read"));
            assert!(matches!(error.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof), "{what}");
        }
    }

    #[test]
    fn loading_a_catalog_with_a_prebuilt_index_reads_its_stored_products() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shop.jsonl");
        fs::write(&file, EVERYTHING).unwrap();
        let (catalog, report, hash) = Catalog::load_hashed(&file).unwrap();
        let built = CatalogIndex::build_prebuilt(&catalog, &report, &file, &hash).unwrap();
        let (stored, stored_report, stored_hash) = Catalog::load_hashed(&file).unwrap();
        assert_eq!((stored.products(), &stored_hash), (catalog.products(), &hash));
        assert_eq!(format!("{:?}", stored_report.problems), format!("{:?}", report.problems));
        // Proof that the stored file is what was read: one whose product says otherwise.
        let mut changed = catalog.products().to_vec();
        changed[1].title = "Stored Kite".into();
        let changed = Catalog::from_valid(changed, catalog.currency());
        write(&changed, &report, &hash, fs::File::create(built.join(PRODUCTS)).unwrap()).unwrap();
        assert_eq!(Catalog::load_hashed(&file).unwrap().0.products()[1].title, "Stored Kite");
        let index = CatalogIndex::open_or_build(Arc::new(stored), &file, &hash).unwrap();
        assert_eq!(index.len(), 5);
    }

    #[test]
    fn a_damaged_or_missing_products_file_falls_back_to_the_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shop.jsonl");
        fs::write(&file, EVERYTHING).unwrap();
        let (catalog, report, hash) = Catalog::load_hashed(&file).unwrap();
        let built = CatalogIndex::build_prebuilt(&catalog, &report, &file, &hash).unwrap();
        let stored = built.join(PRODUCTS);
        let bytes = fs::read(&stored).unwrap();
        fs::write(&stored, &bytes[..bytes.len() / 2]).unwrap();
        let error = open_products(&file, &hash, "shop.jsonl").expect_err("refused");
        assert!(matches!(error, IndexError::Corrupt { .. }) && error.to_string().contains(PRODUCTS), "{error}");
        let (loaded, loaded_report, _) = Catalog::load_hashed(&file).unwrap();
        assert_eq!(loaded.products(), catalog.products());
        assert_eq!(loaded_report.problems.len(), report.problems.len());
        fs::remove_file(&stored).unwrap();
        assert!(
            open_products(&file, &hash, "shop.jsonl").unwrap().is_none(),
            "an index built before products were stored"
        );
        assert_eq!(Catalog::load_hashed(&file).unwrap().0.products(), catalog.products());
        assert!(prebuilt_dir(&file, &hash).join(KINDS).exists());
    }
}
