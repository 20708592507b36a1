//! Google Merchant Center XML feeds (RSS 2.0 `<item>`s or Atom `<entry>`s with `g:` fields),
//! streamed item by item into the same field maps the tab-separated reader produces.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::ImportError;
use super::html::decode_entities;
use super::table::check_text;

/// One feed item: the line its element starts on and its fields by lower-case local name
/// (`g:price` and `price` are both `price`; the Google-namespaced one wins).
#[derive(Debug, Clone, Default)]
pub(crate) struct Item {
    pub line: usize,
    fields: HashMap<String, (String, bool)>,
}

impl Item {
    pub(crate) fn new(line: usize) -> Item {
        Item { line, fields: HashMap::new() }
    }

    /// The trimmed value of `name`, or `""`.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |(value, _)| value.trim())
    }

    /// Sets a field unless it already has a value: the first of repeated elements wins, and a
    /// Google-namespaced value replaces a plain one (Atom's `<id>` is not the product id).
    pub(crate) fn set(&mut self, name: String, value: String, google: bool) {
        if value.trim().is_empty() {
            return;
        }
        match self.fields.get(&name) {
            Some((_, existing_google)) if *existing_google || !google => {}
            _ => {
                self.fields.insert(name, (value, google));
            }
        }
    }
}

/// The child element being read inside an item.
struct Open {
    name: String,
    google: bool,
    text: String,
    nested: bool,
}

/// Streams the items of an XML feed to `emit`. Fails on malformed XML (with its line) and on a
/// document holding no `<item>` or `<entry>` at all.
pub(crate) fn read_items(path: &Path, mut emit: impl FnMut(Item)) -> Result<(), ImportError> {
    let file = path.display().to_string();
    let io = |source| ImportError::Io { file: file.clone(), source };
    let mut input = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
    check_text(&file, input.fill_buf().map_err(io)?)?;
    let mut reader = NsReader::from_reader(input);
    let mut buf = Vec::new();
    let mut line = 1;
    let mut item: Option<Item> = None;
    let mut depth = 0usize;
    let mut open: Option<Open> = None;
    let mut items = 0usize;
    loop {
        let (namespace, event) = reader.read_resolved_event_into(&mut buf).map_err(|e| ImportError::Malformed {
            file: file.clone(),
            line,
            message: format!("malformed XML: {e}"),
        })?;
        let google = is_google(&namespace);
        match (&event, item.as_mut()) {
            (Event::Eof, _) => break,
            (Event::Start(start), None) if is_item(start) => {
                item = Some(Item::new(line));
                depth = 0;
            }
            (Event::Start(start), Some(current)) => {
                depth += 1;
                if depth == 1 {
                    let name = local_name(start);
                    if let Some(href) = href(start) {
                        current.set(name.clone(), href, google);
                    }
                    open = Some(Open { name, google, text: String::new(), nested: false });
                } else if let Some(field) = open.as_mut() {
                    field.nested = true; // g:shipping and friends: not a single value
                }
            }
            (Event::Empty(empty), Some(current)) if depth == 0 => {
                if let Some(href) = href(empty) {
                    current.set(local_name(empty), href, google);
                }
            }
            (Event::Text(text), Some(_)) if depth == 1 => {
                if let Some(field) = open.as_mut() {
                    field.text.push_str(&decode_entities(&String::from_utf8_lossy(text)));
                }
            }
            (Event::CData(data), Some(_)) if depth == 1 => {
                if let Some(field) = open.as_mut() {
                    field.text.push_str(&String::from_utf8_lossy(data));
                }
            }
            (Event::End(_), Some(current)) => {
                if depth == 0 {
                    items += 1;
                    emit(std::mem::take(current));
                    item = None;
                } else {
                    if depth == 1
                        && let Some(field) = open.take()
                        && !field.nested
                    {
                        current.set(field.name, field.text, field.google);
                    }
                    depth -= 1;
                }
            }
            _ => {}
        }
        line += event.iter().filter(|&&b| b == b'\n').count();
        buf.clear();
    }
    if items == 0 {
        return Err(ImportError::WrongFormat {
            file,
            expected: "a Google Merchant Center feed".into(),
            detail: "the XML holds no <item> (RSS) or <entry> (Atom) elements".into(),
        });
    }
    Ok(())
}

fn is_item(start: &BytesStart) -> bool {
    matches!(local_name(start).as_str(), "item" | "entry")
}

fn local_name(start: &BytesStart) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).to_ascii_lowercase()
}

/// Google's namespace (`http://base.google.com/ns/1.0`), or an undeclared `g:` prefix.
fn is_google(namespace: &ResolveResult) -> bool {
    match namespace {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).contains("base.google.com"),
        ResolveResult::Unknown(prefix) => prefix == b"g",
        ResolveResult::Unbound => false,
    }
}

/// An Atom `<link href="..">` (the alternate one, or one without `rel`).
fn href(start: &BytesStart) -> Option<String> {
    if local_name(start) != "link" {
        return None;
    }
    let attribute = |name: &str| {
        start.try_get_attribute(name).ok().flatten().map(|a| decode_entities(&String::from_utf8_lossy(&a.value)))
    };
    let rel = attribute("rel");
    if rel.as_deref().is_some_and(|r| r != "alternate") {
        return None;
    }
    attribute("href")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn items(xml: &str) -> Result<Vec<Item>, ImportError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(xml.as_bytes()).unwrap();
        let mut found = Vec::new();
        read_items(file.path(), |item| found.push(item))?;
        Ok(found)
    }

    #[test]
    fn rss_items_are_read_with_their_lines_and_google_fields() {
        let xml = "<?xml version=\"1.0\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\" version=\"2.0\">\n<channel>\n<title>Shop</title>\n\
                   <item>\n<g:id>A1</g:id>\n<title>Tom &amp; Jerry</title>\n<g:price>15.00 USD</g:price>\n\
                   <description><![CDATA[<p>Fun</p>]]></description>\n\
                   <g:shipping><g:country>US</g:country><g:price>4.99 USD</g:price></g:shipping>\n</item>\n\
                   <item>\n<g:id>A2</g:id>\n</item>\n</channel>\n</rss>\n";
        let found = items(xml).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].get("id"), found[0].get("title")), (5, "A1", "Tom & Jerry"));
        assert_eq!(found[0].get("price"), "15.00 USD", "the nested shipping price is not the price");
        assert_eq!(found[0].get("description"), "<p>Fun</p>");
        assert_eq!(found[1].line, 12);
    }

    #[test]
    fn atom_entries_take_the_google_id_and_the_link_href() {
        let xml = "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:g=\"http://base.google.com/ns/1.0\">\n\
                   <entry><id>tag:shop,2024:1</id><g:id>B1</g:id><link rel=\"alternate\" href=\"https://shop/b1?a=1&amp;b=2\"/>\
                   <g:price>3 EUR</g:price></entry></feed>";
        let found = items(xml).unwrap();
        assert_eq!(found[0].get("id"), "B1");
        assert_eq!(found[0].get("link"), "https://shop/b1?a=1&b=2");
    }

    #[test]
    fn malformed_or_itemless_xml_is_an_error_with_a_line() {
        let err = items("<rss>\n<channel>\n<item><g:id>1</g:id></wrong></item>").unwrap_err().to_string();
        assert!(err.contains(":3: malformed XML"), "{err}");
        let err = items("<html><body>hi</body></html>").unwrap_err().to_string();
        assert!(err.contains("no <item>"), "{err}");
    }
}
