//! The prebuilt index: a catalog's search index, product kinds and validated products, built
//! once by `concierge index` (or `concierge import --index`) and opened by every command that
//! serves the catalog (the index memory-mapped), so a large catalog starts in seconds rather
//! than being read and indexed anew.
//!
//! It lives beside the catalog file, under the catalog's content hash:
//! `CATALOG.index/<sha256 of the file>-v2/`. A changed catalog has another hash, so it never
//! opens an index of other products: it is indexed in memory until `concierge index` is run
//! again. A directory is complete or absent: it is written under a temporary name and renamed
//! into place last.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tantivy::{Index, TantivyDocument};

use super::index::{Fields, IndexError, schema, settings, write_documents};
use super::kind::Kinds;
use super::{Catalog, CatalogIndex, LoadReport};

/// The products file (see [`products`]).
mod products;

/// Bumped whenever the index's schema or the kinds file change, so an old index is not opened.
/// (The products file has its own version: an index without a products file of this version
/// is still opened, and the catalog read from its JSON Lines.)
const FORMAT: &str = "v2";
const KINDS: &str = "kinds.bin";
const PRODUCTS: &str = "products.bin";

/// The SHA-256 of a catalog file's bytes, in hex: what a prebuilt index is keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentHash(String);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(hex::encode(Sha256::digest(bytes)))
    }

    /// The hash of the file at `path`, read in pieces rather than held whole.
    pub fn of_file(path: &Path) -> std::io::Result<ContentHash> {
        let mut file = fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0_u8; 1 << 20];
        loop {
            match file.read(&mut buffer)? {
                0 => return Ok(ContentHash(hex::encode(hasher.finalize()))),
                n => hasher.update(&buffer[..n]),
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The folder holding the prebuilt indexes of the catalog file `file`.
fn root(file: &Path) -> PathBuf {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "catalog".into());
    file.with_file_name(format!("{name}.index"))
}

/// Where the prebuilt index of `file` with content `hash` is (or would be).
pub fn prebuilt_dir(file: &Path, hash: &ContentHash) -> PathBuf {
    root(file).join(format!("{}-{FORMAT}", hash.0))
}

/// Whether `file` has any prebuilt index beside it (of its current content or not): when it
/// has none, loading it need not hash it before reading it.
pub(crate) fn any_prebuilt(file: &Path) -> bool {
    root(file).is_dir()
}

/// The catalog and its load report as `concierge index` stored them beside the prebuilt index
/// of `file`'s content `hash` (`name` names the file in the report's problems): `Ok(None)`
/// when none was stored for this content, an error when the stored one cannot be read.
pub(crate) fn open_products(
    file: &Path,
    hash: &ContentHash,
    name: &str,
) -> Result<Option<(Catalog, LoadReport)>, IndexError> {
    let path = prebuilt_dir(file, hash).join(PRODUCTS);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error(&path)(error)),
    };
    let corrupt = |e: std::io::Error| IndexError::Corrupt { path: path.display().to_string(), message: e.to_string() };
    products::read(&bytes, hash, name).map(Some).map_err(corrupt)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io { path: path.display().to_string(), source }
}

impl CatalogIndex {
    /// Builds the index of `catalog` (read from `file`, whose bytes hash to `hash`, as
    /// `report` says) on disk beside `file`, with the products and the report themselves, and
    /// removes the prebuilt indexes of other contents of that file. Returns the new index's
    /// folder. The index is one merged segment, so searches set up once.
    pub fn build_prebuilt(
        catalog: &Catalog,
        report: &LoadReport,
        file: &Path,
        hash: &ContentHash,
    ) -> Result<PathBuf, IndexError> {
        let root = root(file);
        let target = prebuilt_dir(file, hash);
        let building = root.join(format!(".building-{}", std::process::id()));
        if building.exists() {
            fs::remove_dir_all(&building).map_err(io_error(&building))?;
        }
        fs::create_dir_all(&building).map_err(io_error(&building))?;
        let index = Index::builder().schema(schema()).settings(settings()).create_in_dir(&building)?;
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(2, 400_000_000)?;
        write_documents(&mut writer, &Fields::of(&index.schema())?, catalog.products())?;
        writer.commit()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        let kinds_path = building.join(KINDS);
        let out = fs::File::create(&kinds_path).map_err(io_error(&kinds_path))?;
        Kinds::build(catalog.products()).write_to(&out).map_err(io_error(&kinds_path))?;
        out.sync_all().map_err(io_error(&kinds_path))?;
        let products_path = building.join(PRODUCTS);
        let out = fs::File::create(&products_path).map_err(io_error(&products_path))?;
        products::write(catalog, report, hash, &out).map_err(io_error(&products_path))?;
        out.sync_all().map_err(io_error(&products_path))?;
        if target.exists() {
            fs::remove_dir_all(&target).map_err(io_error(&target))?;
        }
        fs::rename(&building, &target).map_err(io_error(&target))?;
        // Indexes of earlier contents of the file can never be opened again.
        for entry in fs::read_dir(&root).map_err(io_error(&root))?.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path != target && !name.starts_with('.') && name.ends_with(&format!("-{FORMAT}")) {
                let _ = fs::remove_dir_all(&path);
            }
        }
        Ok(target)
    }

    /// Opens the prebuilt index of `catalog` (read from `file`, hashing to `hash`),
    /// memory-mapped; `Ok(None)` when none was built for this content.
    pub fn open_prebuilt(
        catalog: Arc<Catalog>,
        file: &Path,
        hash: &ContentHash,
    ) -> Result<Option<CatalogIndex>, IndexError> {
        let dir = prebuilt_dir(file, hash);
        let kinds_path = dir.join(KINDS);
        if !kinds_path.exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(&dir)?;
        let kinds_file = fs::File::open(&kinds_path).map_err(io_error(&kinds_path))?;
        let kinds = Kinds::read_from(kinds_file, catalog.len())
            .map_err(|e| IndexError::Corrupt { path: kinds_path.display().to_string(), message: e.to_string() })?;
        let opened = CatalogIndex::assemble(catalog, index, kinds).map_err(|e| match e {
            IndexError::Corrupt { message, .. } => IndexError::Corrupt { path: dir.display().to_string(), message },
            other => other,
        })?;
        Ok(Some(opened))
    }

    /// The prebuilt index of `catalog` when `concierge index` built one for this content,
    /// else an index built now in memory. A prebuilt index that cannot be opened is reported
    /// (a warning) and passed over, never trusted.
    pub fn open_or_build(catalog: Arc<Catalog>, file: &Path, hash: &ContentHash) -> Result<CatalogIndex, IndexError> {
        match CatalogIndex::open_prebuilt(catalog.clone(), file, hash) {
            Ok(Some(index)) => return Ok(index),
            Ok(None) if catalog.len() >= LARGE => tracing::warn!(
                products = catalog.len(),
                "no prebuilt index for {}: indexing in memory; `concierge index` makes start-up fast",
                file.display()
            ),
            Ok(None) => {}
            Err(error) => tracing::warn!("{error}; indexing {} in memory instead", file.display()),
        }
        CatalogIndex::build(catalog)
    }
}

/// From this many products, starting without a prebuilt index is worth a warning.
const LARGE: usize = 100_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Query;
    use crate::money::Amount;

    const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl");

    /// A catalog past the in-memory scoring limit, so the prebuilt index is searched by tantivy.
    fn large_catalog(path: &Path) {
        let nouns = ["train", "kite", "puzzle", "robot", "scarf", "candle", "watch"];
        let lines: Vec<String> = (0..5000)
            .map(|i| {
                let (noun, colour) = (nouns[i % 7], ["red", "blue", "green"][i % 3]);
                format!(
                    r#"{{"id":"p{i}","title":"{colour} wooden {noun} {i}","price":{}.99,"currency":"GBP","rating":{}.5,"review_count":{}}}"#,
                    2 + i % 50,
                    3 + i % 2,
                    i % 97
                )
            })
            .collect();
        fs::write(path, lines.join("\n")).unwrap();
    }

    fn queries() -> Vec<Query> {
        let ask = |words: &[&str], max: Option<u32>| Query {
            keywords: words.iter().map(|w| w.to_string()).collect(),
            max_price: max.map(Amount::units),
            k: 5,
            ..Query::default()
        };
        vec![
            ask(&["train"], None),
            ask(&["wooden", "kite"], Some(20)),
            ask(&["red", "scarf"], Some(9)),
            ask(&[], Some(30)),
        ]
    }

    fn shown(index: &CatalogIndex) -> Vec<Vec<String>> {
        queries()
            .iter()
            .map(|q| index.rank(q).unwrap().iter().map(|r| format!("{} {:?}", r.product.id, r.signals)).collect())
            .collect()
    }

    #[test]
    fn a_prebuilt_index_ranks_as_the_index_built_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let large = dir.path().join("large.jsonl");
        large_catalog(&large);
        let demo = dir.path().join("demo.jsonl");
        fs::copy(DEMO, &demo).unwrap();
        for file in [demo, large] {
            let (catalog, report, hash) = Catalog::load_hashed(&file).unwrap();
            let built = CatalogIndex::build_prebuilt(&catalog, &report, &file, &hash).unwrap();
            assert_eq!(built, prebuilt_dir(&file, &hash));
            let catalog = Arc::new(catalog);
            let opened = CatalogIndex::open_prebuilt(catalog.clone(), &file, &hash).unwrap().expect("prebuilt");
            let in_memory = CatalogIndex::build(catalog).unwrap();
            assert_eq!(opened.searcher().segment_readers().len(), 1, "the prebuilt index is one segment");
            let rankings = shown(&opened);
            assert!(rankings.iter().filter(|r| !r.is_empty()).count() >= 3, "{rankings:?}");
            assert_eq!(rankings, shown(&in_memory), "for {}", file.display());
        }
    }

    #[test]
    fn a_changed_catalog_never_opens_the_index_of_its_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shop.jsonl");
        fs::copy(DEMO, &file).unwrap();
        let (catalog, report, old) = Catalog::load_hashed(&file).unwrap();
        let old_dir = CatalogIndex::build_prebuilt(&catalog, &report, &file, &old).unwrap();
        let mut text = fs::read_to_string(&file).unwrap();
        text.push_str("\n{\"id\":\"new-1\",\"title\":\"Zebra Xylophone\",\"price\":12,\"currency\":\"GBP\"}\n");
        fs::write(&file, text).unwrap();
        let (changed, changed_report, new) = Catalog::load_hashed(&file).unwrap();
        assert_ne!(old, new);
        let changed = Arc::new(changed);
        assert!(CatalogIndex::open_prebuilt(changed.clone(), &file, &new).unwrap().is_none());
        let index = CatalogIndex::open_or_build(changed.clone(), &file, &new).unwrap();
        let query = Query { keywords: vec!["xylophone".into()], k: 3, ..Query::default() };
        assert_eq!(index.rank(&query).unwrap()[0].product.id, "new-1");
        CatalogIndex::build_prebuilt(&changed, &changed_report, &file, &new).unwrap();
        assert!(!old_dir.exists(), "the index of the old content is removed once the new one is built");
    }

    #[test]
    fn a_damaged_prebuilt_index_is_refused_and_the_catalog_indexed_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shop.jsonl");
        fs::copy(DEMO, &file).unwrap();
        let (catalog, report, hash) = Catalog::load_hashed(&file).unwrap();
        let built = CatalogIndex::build_prebuilt(&catalog, &report, &file, &hash).unwrap();
        let kinds = built.join(KINDS);
        let bytes = fs::read(&kinds).unwrap();
        fs::write(&kinds, &bytes[..bytes.len() / 2]).unwrap();
        let catalog = Arc::new(catalog);
        let error = CatalogIndex::open_prebuilt(catalog.clone(), &file, &hash).err().expect("refused");
        assert!(matches!(error, IndexError::Corrupt { .. }), "{error}");
        let index = CatalogIndex::open_or_build(catalog.clone(), &file, &hash).unwrap();
        assert_eq!(shown(&index), shown(&CatalogIndex::build(catalog).unwrap()));
    }
}
