//! Loading the native JSON Lines catalog: every bad line is reported with its number and
//! skipped, never aborting the rest.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::prebuilt::{self, ContentHash};
use super::product::Interner;
use super::{Catalog, Name, Product};
use crate::money::Currency;
pub use crate::problem::Problem;

/// What a load did: lines read, products kept, and every line it skipped with the reason.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub file: String,
    pub read: usize,
    pub loaded: usize,
    pub problems: Vec<Problem>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{}: no usable product ({} problems{})", .report.file, .report.problems.len(),
        .report.problems.first().map(|p| format!(", first: {p}")).unwrap_or_default())]
    Empty { report: LoadReport },
}

impl Catalog {
    /// Loads a native JSONL catalog file. See [`Catalog::parse_jsonl`].
    pub fn load(path: &Path) -> Result<(Catalog, LoadReport), CatalogError> {
        Catalog::load_hashed(path).map(|(catalog, report, _)| (catalog, report))
    }

    /// [`Catalog::load`], with the hash of the file's bytes that keys its prebuilt index.
    ///
    /// When `concierge index` stored this content's products beside its prebuilt index, they
    /// are read from there (the same products and problems, without parsing the JSON Lines);
    /// a stored file that cannot be read is reported (a warning) and the JSON Lines read.
    pub fn load_hashed(path: &Path) -> Result<(Catalog, LoadReport, ContentHash), CatalogError> {
        let file = path.display().to_string();
        if prebuilt::any_prebuilt(path) {
            let hash = ContentHash::of_file(path).map_err(|source| CatalogError::Io { file: file.clone(), source })?;
            match prebuilt::open_products(path, &hash, &file) {
                Ok(Some((catalog, report))) => return Ok((catalog, report, hash)),
                Ok(None) => {}
                Err(error) => tracing::warn!("{error}; reading {file} itself instead"),
            }
        }
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io { file: file.clone(), source })?;
        let hash = ContentHash::of(text.as_bytes());
        Catalog::parse_jsonl(&text, &file).map(|(catalog, report)| (catalog, report, hash))
    }

    /// Parses JSON Lines text (`file` names it in problems). Blank lines are ignored. A line that
    /// is not a valid product (bad JSON, missing id/title/price/currency, price not above zero,
    /// a duplicate id, another currency than the catalog's) is skipped and reported.
    ///
    /// The catalog's currency is the one most rows use (ties: the earliest), so one mistyped
    /// first row cannot make every other row "foreign". Fails only when no row is usable.
    pub fn parse_jsonl(text: &str, file: &str) -> Result<(Catalog, LoadReport), CatalogError> {
        let mut report = LoadReport { file: file.to_string(), ..LoadReport::default() };
        let mut candidates: Vec<(usize, Product)> = Vec::new();
        let mut interner = Interner::default();
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = line.trim_start_matches('\u{feff}').trim();
            if line.is_empty() {
                continue;
            }
            report.read += 1;
            match serde_json::from_str::<Product>(line)
                .map_err(|e| describe_json_error(&e))
                .and_then(|product| validate(product, &mut interner))
            {
                Ok(product) => candidates.push((line_no, product)),
                Err(message) => report.problems.push(Problem { file: file.to_string(), line: line_no, message }),
            }
        }
        let Some(currency) = majority_currency(&candidates) else {
            if report.read == 0 {
                report.problems.push(Problem {
                    file: file.to_string(),
                    line: 0,
                    message: "the catalog is empty".into(),
                });
            }
            return Err(CatalogError::Empty { report });
        };
        // Decided over borrowed ids first, so no id is copied to find the duplicates.
        let verdicts: Vec<Option<String>> = {
            let mut seen: HashSet<&str> = HashSet::with_capacity(candidates.len());
            candidates
                .iter()
                .map(|(_, product)| {
                    if product.currency != currency {
                        Some(format!(
                            "product `{}` is priced in {}, the catalog in {currency}; skipped",
                            product.id, product.currency
                        ))
                    } else if !seen.insert(product.id.as_str()) {
                        Some(format!("duplicate id `{}`; the first one is kept", product.id))
                    } else {
                        None
                    }
                })
                .collect()
        };
        let mut products = Vec::with_capacity(candidates.len());
        for ((line, product), problem) in candidates.into_iter().zip(verdicts) {
            match problem {
                Some(message) => report.problems.push(Problem { file: file.to_string(), line, message }),
                None => products.push(product),
            }
        }
        report.problems.sort_by_key(|p| p.line);
        report.loaded = products.len();
        Ok((Catalog::from_valid(products, currency), report))
    }
}

/// The text without control characters (line breaks and tabs become spaces), trimmed;
/// borrowed when it is already so (nearly always), to spare a million copies.
fn clean(text: &str) -> Cow<'_, str> {
    if text.trim() == text && !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let spaced: String =
        text.chars().filter_map(|c| if c.is_control() { c.is_whitespace().then_some(' ') } else { Some(c) }).collect();
    Cow::Owned(spaced.trim().to_string())
}

/// [`clean`] in place.
fn clean_owned(text: &mut String) {
    if let Cow::Owned(cleaned) = clean(text) {
        *text = cleaned;
    }
}

/// [`clean`] for a name many products share, as the interner's one copy.
fn clean_name(name: &Name, interner: &mut Interner) -> Name {
    interner.name(&clean(name))
}

/// Whether `link` is an absolute `http://` or `https://` URL with a host, or a path on the
/// shop's own site (`/p/sku-1`, as the demo store's links are), with no whitespace or control
/// characters. A path is resolved against the page that shows it, so it can never name a
/// script (`javascript:`) or another host (`//host` is refused).
fn is_web_link(link: &str) -> bool {
    if link.starts_with('/') && !link.starts_with("//") && !link.starts_with("/\\") {
        return !link.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    }
    let lower = link.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !link.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

/// Checks what serde cannot: non-empty id and title, a price above zero, a sane rating, and
/// links a browser may follow safely (`url`, `image`: absolute `http(s)` URLs or paths on the
/// shop's own site, never `javascript:`, `data:` or `//another-host`). Control characters are taken out of every text shown to
/// shoppers (a line break becomes a space); an id with one is refused, since ids are matched
/// exactly.
fn validate(mut product: Product, interner: &mut Interner) -> Result<Product, String> {
    if product.id.trim() != product.id {
        product.id = product.id.trim().to_string();
    }
    if product.id.chars().any(char::is_control) {
        return Err(format!("product `{}`: `id` holds a control character", product.id.escape_debug()));
    }
    clean_owned(&mut product.title);
    if let Some(description) = &mut product.description {
        clean_owned(description);
    }
    product.brand = product.brand.as_ref().map(|b| clean_name(b, interner));
    for name in product.category.iter_mut().chain(&mut product.tags) {
        *name = clean_name(name, interner);
    }
    product.attributes = product.attributes.interned(interner);
    product.category.shrink_to_fit();
    product.tags.shrink_to_fit();
    for (field, link) in [("url", &product.url), ("image", &product.image)] {
        if let Some(link) = link
            && !is_web_link(link)
        {
            let shown: String = link.chars().take(40).collect();
            return Err(format!(
                "product `{}`: `{field}` must be an http(s) URL, not `{}`",
                product.id,
                shown.escape_debug()
            ));
        }
    }
    if product.id.is_empty() {
        return Err("`id` is empty".into());
    }
    if product.title.is_empty() {
        return Err(format!("product `{}`: `title` is empty", product.id));
    }
    if product.price.is_zero() {
        return Err(format!("product `{}`: price must be above zero", product.id));
    }
    if let Some(rating) = product.rating
        && !(0.0..=5.0).contains(&rating)
    {
        return Err(format!("product `{}`: rating {rating} is outside 0-5", product.id));
    }
    Ok(product)
}

fn describe_json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde_json appends " at line 1 column N"; the line is ours to report, the column helps.
    match text.rfind(" at line ") {
        Some(cut) => format!("{} (column {})", &text[..cut], error.column()),
        None => text,
    }
}

fn majority_currency(candidates: &[(usize, Product)]) -> Option<Currency> {
    let mut counts: HashMap<Currency, (usize, usize)> = HashMap::new();
    for (order, (_, p)) in candidates.iter().enumerate() {
        counts.entry(p.currency).or_insert((0, order)).0 += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1))).map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_reported_with_its_number_and_the_rest_loads() {
        let text = concat!(
            "{\"id\":\"a\",\"title\":\"A\",\"price\":5,\"currency\":\"GBP\"}\n",
            "{\"id\":\"b\",\"title\":\"B\",\"price\":\n",
            "\n",
            "{\"id\":\"c\",\"title\":\"C\",\"price\":0,\"currency\":\"GBP\"}\n",
            "{\"id\":\"d\",\"title\":\"D\",\"price\":-3,\"currency\":\"GBP\"}\n",
            "{\"id\":\"a\",\"title\":\"A again\",\"price\":6,\"currency\":\"GBP\"}\n",
            "{\"id\":\"e\",\"title\":\"E\",\"price\":7,\"currency\":\"EUR\"}\n",
            "{\"title\":\"no id\",\"price\":7,\"currency\":\"GBP\"}\n",
            "{\"id\":\"f\",\"title\":\"F\",\"price\":\"£3\",\"currency\":\"GBP\"}\n",
            "{\"id\":\"g\",\"title\":\"G\",\"price\":8,\"currency\":\"GBP\"}\n",
        );
        let (catalog, report) = Catalog::parse_jsonl(text, "shop.jsonl").unwrap();
        let ids: Vec<_> = catalog.products().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["a", "g"]);
        let lines: Vec<_> = report.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4, 5, 6, 7, 8, 9]);
        assert!(report.problems[0].to_string().starts_with("shop.jsonl:2: "));
        assert!(report.problems[3].message.contains("duplicate id `a`"));
        assert!(report.problems[4].message.contains("EUR"));
        assert_eq!(report.read, 9);
        assert_eq!(report.loaded, 2);
    }

    #[test]
    fn control_characters_are_taken_out_and_unsafe_links_refused() {
        let text = concat!(
            "{\"id\":\"a\",\"title\":\"Train\\u0007 set\\nbig\",\"price\":5,\"currency\":\"GBP\",\"url\":\"https://shop.example/a\"}\n",
            "{\"id\":\"b\",\"title\":\"B\",\"price\":5,\"currency\":\"GBP\",\"url\":\"javascript:alert(1)\"}\n",
            "{\"id\":\"c\",\"title\":\"C\",\"price\":5,\"currency\":\"GBP\",\"image\":\"data:image/png;base64,xx\"}\n",
            "{\"id\":\"d\",\"title\":\"D\",\"price\":5,\"currency\":\"GBP\",\"url\":\" JavaScript:alert(1)\"}\n",
            "{\"id\":\"e\",\"title\":\"E\",\"price\":5,\"currency\":\"GBP\",\"url\":\"//evil.example/e\"}\n",
            "{\"id\":\"f\",\"title\":\"F\",\"price\":5,\"currency\":\"GBP\",\"url\":\"/p/f\",\"image\":\"/img/f.svg\"}\n",
        );
        let (catalog, report) = Catalog::parse_jsonl(text, "c.jsonl").unwrap();
        assert_eq!(catalog.len(), 2, "an https link and a path on the shop's own site are kept");
        assert_eq!(catalog.products()[0].title, "Train set big");
        assert_eq!(report.problems.len(), 4, "{:?}", report.problems);
        assert!(report.problems.iter().all(|p| p.to_string().contains("http(s) URL")));
    }

    #[test]
    fn the_currency_most_rows_use_wins() {
        let text = concat!(
            "{\"id\":\"x\",\"title\":\"X\",\"price\":5,\"currency\":\"USD\"}\n",
            "{\"id\":\"a\",\"title\":\"A\",\"price\":5,\"currency\":\"GBP\"}\n",
            "{\"id\":\"b\",\"title\":\"B\",\"price\":5,\"currency\":\"GBP\"}\n",
        );
        let (catalog, report) = Catalog::parse_jsonl(text, "c.jsonl").unwrap();
        assert_eq!(catalog.currency().code(), "GBP");
        assert_eq!(report.problems.len(), 1);
        assert_eq!(report.problems[0].line, 1);
    }

    #[test]
    fn an_empty_catalog_is_an_error_that_says_so() {
        let err = Catalog::parse_jsonl("\n\n", "empty.jsonl").unwrap_err();
        assert!(err.to_string().contains("empty.jsonl"), "{err}");
        assert!(err.to_string().contains("the catalog is empty"), "{err}");
    }
}
