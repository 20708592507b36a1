//! Which source column feeds which native field: from `--map`, or guessed from column names
//! (`name` and `product_name` are titles, `sku` and `uniq_id` ids, `manufacturer` a brand).
//!
//! Every mistake in `--map` is found here, before a single row is read, and named with the
//! columns the file does have, so a merchant fixes it in one go.

use super::ImportError;

/// A native catalog field a column can feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Id,
    Title,
    Description,
    Category,
    Brand,
    Price,
    Currency,
    CompareAtPrice,
    Tags,
    InStock,
    Stock,
    Rating,
    ReviewCount,
    Url,
    Image,
    Replenishable,
    /// `attributes.NAME`.
    Attribute(String),
}

/// Every field with its name and the column names (normalised: lower case, `_` between words)
/// that map to it automatically, best first. Order matters: `price` is settled before
/// `compare_at_price`, so a file with both `sale_price` and `price` sells at the sale price.
const FIELDS: &[(&str, &[&str])] = &[
    ("id", &["id", "sku", "product_id", "item_id", "uniq_id", "unique_id", "pid", "handle", "variant_sku", "asin"]),
    ("title", &["title", "name", "product_name", "product_title", "item_name", "item_title"]),
    (
        "description",
        &["description", "body_html", "body", "product_description", "long_description", "short_description"],
    ),
    ("category", &["category", "categories", "category_path", "product_category", "product_type", "breadcrumb"]),
    ("brand", &["brand", "brand_name", "manufacturer", "vendor", "maker"]),
    (
        "price",
        &[
            "sale_price",
            "discounted_price",
            "selling_price",
            "offer_price",
            "special_price",
            "final_price",
            "current_price",
            "price",
            "unit_price",
            "variant_price",
        ],
    ),
    ("currency", &["currency", "currency_code", "price_currency"]),
    (
        "compare_at_price",
        &[
            "compare_at_price",
            "compare_price",
            "regular_price",
            "list_price",
            "retail_price",
            "original_price",
            "was_price",
            "rrp",
            "mrp",
            "msrp",
            "price",
        ],
    ),
    ("tags", &["tags", "tag", "keywords", "labels"]),
    ("in_stock", &["in_stock", "availability", "available", "is_in_stock", "stock_status", "instock"]),
    (
        "stock",
        &[
            "stock",
            "quantity",
            "qty",
            "inventory",
            "stock_quantity",
            "inventory_quantity",
            "quantity_available",
            "available_quantity",
            "number_available_in_stock",
        ],
    ),
    ("rating", &["rating", "average_rating", "avg_rating", "product_rating", "overall_rating", "stars", "star_rating"]),
    (
        "review_count",
        &[
            "review_count",
            "reviews",
            "reviews_count",
            "number_of_reviews",
            "num_reviews",
            "rating_count",
            "ratings_count",
            "total_reviews",
        ],
    ),
    ("url", &["url", "link", "product_url", "product_link", "permalink", "page_url"]),
    ("image", &["image", "image_url", "image_link", "image_src", "picture", "main_image", "thumbnail", "images"]),
    ("replenishable", &["replenishable", "consumable"]),
];

impl Field {
    /// The field named `name` (`price`, `attributes.colour`); `None` for anything else.
    pub(crate) fn parse(name: &str) -> Option<Field> {
        let name = name.trim();
        if let Some(attribute) = name.strip_prefix("attributes.") {
            return (!attribute.trim().is_empty()).then(|| Field::Attribute(attribute.trim().to_string()));
        }
        let field = match name.to_ascii_lowercase().as_str() {
            "id" => Field::Id,
            "title" => Field::Title,
            "description" => Field::Description,
            "category" => Field::Category,
            "brand" => Field::Brand,
            "price" => Field::Price,
            "currency" => Field::Currency,
            "compare_at_price" => Field::CompareAtPrice,
            "tags" => Field::Tags,
            "in_stock" => Field::InStock,
            "stock" => Field::Stock,
            "rating" => Field::Rating,
            "review_count" => Field::ReviewCount,
            "url" => Field::Url,
            "image" => Field::Image,
            "replenishable" => Field::Replenishable,
            _ => return None,
        };
        Some(field)
    }

    pub(crate) fn name(&self) -> String {
        match self {
            Field::Attribute(name) => format!("attributes.{name}"),
            other => FIELDS[other.order()].0.to_string(),
        }
    }

    /// The field's position in [`FIELDS`]; attributes come after every named field.
    fn order(&self) -> usize {
        let names = [
            Field::Id,
            Field::Title,
            Field::Description,
            Field::Category,
            Field::Brand,
            Field::Price,
            Field::Currency,
            Field::CompareAtPrice,
            Field::Tags,
            Field::InStock,
            Field::Stock,
            Field::Rating,
            Field::ReviewCount,
            Field::Url,
            Field::Image,
            Field::Replenishable,
        ];
        names.iter().position(|f| f == self).unwrap_or(names.len())
    }
}

/// Native fields and the column index each is read from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mapping {
    pub columns: Vec<(Field, usize)>,
}

impl Mapping {
    pub(crate) fn get(&self, field: &Field) -> Option<usize> {
        self.columns.iter().find(|(f, _)| f == field).map(|(_, c)| *c)
    }

    /// From `--map` pairs: every field must be a native one and every column in the header.
    pub(crate) fn explicit(pairs: &[(String, String)], header: &[String]) -> Result<Mapping, ImportError> {
        let mut mapping = Mapping::default();
        for (name, column) in pairs {
            let Some(field) = Field::parse(name) else {
                let known: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
                return Err(ImportError::BadMap(format!(
                    "unknown field `{name}`; fields are: {}, or attributes.NAME",
                    known.join(", ")
                )));
            };
            let index = header
                .iter()
                .position(|h| h == column)
                .or_else(|| header.iter().position(|h| h.trim().eq_ignore_ascii_case(column.trim())))
                .ok_or_else(|| {
                    ImportError::BadMap(format!(
                        "`{name}={column}`: the file has no column `{column}`; its columns are: {}",
                        list(header)
                    ))
                })?;
            if mapping.get(&field).is_some() {
                return Err(ImportError::BadMap(format!("`{name}` is mapped twice")));
            }
            mapping.columns.push((field, index));
        }
        mapping.columns.sort_by_key(|(field, _)| field.order());
        Ok(mapping)
    }

    /// From column names alone: each field takes the best synonym the header has, each column
    /// feeds one field at most. A column whose name mentions "category" is a last resort for
    /// the category.
    pub(crate) fn automatic(header: &[String]) -> Mapping {
        let normalised: Vec<String> = header.iter().map(|h| normalise(h)).collect();
        let mut mapping = Mapping::default();
        let mut used = vec![false; header.len()];
        for (name, synonyms) in FIELDS {
            let Some(field) = Field::parse(name) else { continue };
            let found = synonyms
                .iter()
                .find_map(|s| normalised.iter().enumerate().position(|(i, n)| !used[i] && n == s))
                .or_else(|| {
                    (field == Field::Category)
                        .then(|| normalised.iter().enumerate().position(|(i, n)| !used[i] && n.contains("category")))
                        .flatten()
                });
            if let Some(index) = found {
                used[index] = true;
                mapping.columns.push((field, index));
            }
        }
        mapping
    }

    /// Fails naming the first required field (id, title, price) no column feeds.
    pub(crate) fn require_essentials(&self, header: &[String], explicit: bool) -> Result<(), ImportError> {
        for field in [Field::Id, Field::Title, Field::Price] {
            if self.get(&field).is_none() {
                let how = if explicit { "add it to --map" } else { "name it with --map" };
                return Err(ImportError::BadMap(format!(
                    "no column for `{}`: {how} {}=COLUMN; the file's columns are: {}",
                    field.name(),
                    field.name(),
                    list(header)
                )));
            }
        }
        Ok(())
    }

    /// `(field, column name)` pairs for the report, and the columns nothing reads.
    pub(crate) fn describe(&self, header: &[String]) -> (Vec<(String, String)>, Vec<String>) {
        let used: Vec<(String, String)> =
            self.columns.iter().map(|(f, i)| (f.name(), header.get(*i).cloned().unwrap_or_default())).collect();
        let ignored = (0..header.len())
            .filter(|i| !self.columns.iter().any(|(_, c)| c == i))
            .map(|i| header[i].clone())
            .collect();
        (used, ignored)
    }
}

/// `Product Name` -> `product_name`; `Body (HTML)` -> `body_html`.
pub(crate) fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches("g:")
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

fn list(header: &[String]) -> String {
    header.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn mapped(mapping: &Mapping, h: &[String]) -> Vec<(String, String)> {
        mapping.describe(h).0
    }

    #[test]
    fn columns_named_like_fields_or_their_synonyms_map_themselves() {
        let h =
            header(&["uniq_id", "Product Name", "pid", "retail_price", "discounted_price", "brand", "overall_rating"]);
        let m = Mapping::automatic(&h);
        let pairs = mapped(&m, &h);
        let get = |f: &str| pairs.iter().find(|(n, _)| n == f).map(|(_, c)| c.as_str());
        assert_eq!(get("id"), Some("uniq_id"));
        assert_eq!(get("title"), Some("Product Name"));
        assert_eq!(get("price"), Some("discounted_price"));
        assert_eq!(get("compare_at_price"), Some("retail_price"));
        assert_eq!(get("rating"), Some("overall_rating"));
        assert_eq!(m.describe(&h).1, ["pid"]);
    }

    #[test]
    fn a_sale_price_column_sells_and_the_plain_price_becomes_compare_at() {
        let h = header(&["SKU", "Name", "Regular price", "Sale price"]);
        let pairs = mapped(&Mapping::automatic(&h), &h);
        assert!(pairs.contains(&("price".into(), "Sale price".into())));
        assert!(pairs.contains(&("compare_at_price".into(), "Regular price".into())));
    }

    #[test]
    fn a_category_column_is_found_by_its_name() {
        let h = header(&["uniq_id", "amazon_category_and_sub_category"]);
        let pairs = mapped(&Mapping::automatic(&h), &h);
        assert!(pairs.contains(&("category".into(), "amazon_category_and_sub_category".into())));
    }

    #[test]
    fn an_explicit_map_names_unknown_fields_and_missing_columns() {
        let h = header(&["uniq_id", "product name", "price"]);
        let err = Mapping::explicit(&[("colour".into(), "x".into())], &h).unwrap_err().to_string();
        assert!(err.contains("unknown field `colour`") && err.contains("attributes.NAME"), "{err}");
        let err = Mapping::explicit(&[("title".into(), "name".into())], &h).unwrap_err().to_string();
        assert!(err.contains("no column `name`") && err.contains("`product name`"), "{err}");
        let m = Mapping::explicit(&[("title".into(), "Product Name".into())], &h).unwrap();
        assert_eq!(m.get(&Field::Title), Some(1));
        let err = m.require_essentials(&h, true).unwrap_err().to_string();
        assert!(err.contains("no column for `id`"), "{err}");
    }

    #[test]
    fn attribute_fields_keep_their_name() {
        let h = header(&["Colour"]);
        let m = Mapping::explicit(&[("attributes.colour".into(), "Colour".into())], &h).unwrap();
        assert_eq!(mapped(&m, &h), [("attributes.colour".to_string(), "Colour".to_string())]);
    }
}
