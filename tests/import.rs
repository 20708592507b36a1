//! Importing real exports: the Amazon UK and Flipkart samples, Shopify's own sample exports
//! (from ../shared/data, skipped with a note when absent), Google feeds written from Google's
//! published field list (tests/fixtures/google), and the `concierge import` binary itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use concierge::catalog::{Catalog, Format, ImportError, ImportOptions, Imported, Product, SkipReason, import};

/// A file of the shared real-data folder, or `None` (with a note) when the folder is absent.
fn shared(name: &str) -> Option<PathBuf> {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/")).join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} not found", path.display());
        None
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/google/")).join(name)
}

fn options(format: Format, currency: Option<&str>, map: &str) -> ImportOptions {
    ImportOptions {
        format,
        map: if map.is_empty() { Vec::new() } else { concierge::catalog::import::parse_map(map).unwrap() },
        delimiter: None,
        currency: currency.map(|c| c.parse().unwrap()),
    }
}

/// Writes the products as the command does and loads them with the native loader: every
/// product must load, with not a single problem.
fn assert_loads_cleanly(imported: &Imported) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.jsonl");
    let mut out = std::fs::File::create(&path).unwrap();
    for product in &imported.products {
        writeln!(out, "{}", serde_json::to_string(product).unwrap()).unwrap();
    }
    let (catalog, report) = Catalog::load(&path).unwrap();
    assert!(report.problems.is_empty(), "{:?}", &report.problems[..report.problems.len().min(3)]);
    assert_eq!(catalog.len(), imported.products.len());
}

fn find<'a>(imported: &'a Imported, id: &str) -> &'a Product {
    imported.products.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("no product `{id}`"))
}

const AMAZON_MAP: &str = "id=uniq_id,title=product_name,category=amazon_category_and_sub_category,\
    brand=manufacturer,price=price,stock=number_available_in_stock,review_count=number_of_reviews,\
    rating=average_rating";

#[test]
fn amazon_toys_import_every_row_with_a_price() {
    let Some(path) = shared("amazon-uk-toys.csv") else { return };
    let mut opts = options(Format::Csv, Some("GBP"), AMAZON_MAP);
    opts.delimiter = Some(b';');
    let imported = import(&path, &opts).unwrap();
    let priced = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(&path)
        .unwrap()
        .records()
        .filter(|r| !r.as_ref().unwrap()[4].trim().is_empty())
        .count();
    assert_eq!(imported.report.read, 10_000);
    assert_eq!(imported.products.len(), priced);
    assert_eq!(imported.report.skipped_by_reason().keys().collect::<Vec<_>>(), [&SkipReason::NoPrice]);
    let hornby = find(&imported, "eac7efa5dbd3d667f26eb3d3ab504464");
    assert_eq!(hornby.price.to_string(), "3.42");
    assert_eq!(hornby.stock, Some(5), "`5\u{a0}new` is five in stock");
    assert_eq!(hornby.category, ["Hobbies", "Model Trains & Railway Sets", "Rail Vehicles", "Trains"]);
    assert_eq!((hornby.rating, hornby.review_count, hornby.brand.as_deref()), (Some(4.9), Some(15), Some("Hornby")));
    assert!(imported.products.iter().any(|p| p.review_count.is_some_and(|n| n >= 1000)));
    assert!(imported.report.warnings.is_empty(), "{:?}", &imported.report.warnings[..1]);
    assert_loads_cleanly(&imported);
}

#[test]
fn amazon_toys_map_themselves_by_column_names() {
    let Some(path) = shared("amazon-uk-toys.csv") else { return };
    let explicit = import(&path, &options(Format::Csv, Some("GBP"), AMAZON_MAP)).unwrap();
    let automatic = import(&path, &options(Format::Csv, Some("GBP"), "")).unwrap();
    assert_eq!(automatic.products, explicit.products);
    assert!(automatic.report.notes.iter().any(|n| n.contains("`;`")), "{:?}", automatic.report.notes);
}

#[test]
fn flipkart_products_sell_at_the_discounted_price() {
    let Some(path) = shared("flipkart-products.csv") else { return };
    let map = "id=uniq_id,title=product_name,price=discounted_price,compare_at_price=retail_price,\
               rating=overall_rating,brand=brand";
    let imported = import(&path, &options(Format::Csv, Some("INR"), map)).unwrap();
    assert_eq!(imported.report.read, 20_000);
    assert_eq!(imported.products.len(), 20_000 - 78, "78 rows have no price at all");
    let shorts = find(&imported, "c2d766ca982eca8304150849735ffef9");
    assert_eq!(
        (shorts.price.to_string(), shorts.compare_at_price.map(|c| c.to_string())),
        ("379".into(), Some("999".into()))
    );
    assert_eq!(shorts.rating, None, "`No rating available` is no rating, not an error");
    let bellies = find(&imported, "e54bc0a7c3429da2ebef0b30331fe3d2");
    assert_eq!(bellies.rating, Some(5.0));
    assert!(imported.products.iter().any(|p| p.brand.is_none()), "empty brands stay empty");
    assert!(imported.report.warnings.is_empty(), "{:?}", &imported.report.warnings[..1]);
    assert_loads_cleanly(&imported);
}

#[test]
fn flipkart_pids_repeat_and_the_repeats_are_skipped_as_duplicates() {
    let Some(path) = shared("flipkart-products.csv") else { return };
    let map = "id=pid,title=product_name,price=discounted_price";
    let imported = import(&path, &options(Format::Csv, Some("INR"), map)).unwrap();
    let reasons = imported.report.skipped_by_reason();
    assert_eq!(reasons[&SkipReason::DuplicateId], 2);
    assert_eq!(imported.products.len(), 20_000 - 78 - 2);
    assert_loads_cleanly(&imported);
}

#[test]
fn shopify_sample_exports_fold_variants_into_twenty_products_each() {
    for name in ["apparel.csv", "home-and-garden.csv", "jewelery.csv"] {
        let Some(path) = shared(&format!("shopify/{name}")) else { return };
        let imported = import(&path, &options(Format::Shopify, Some("USD"), "")).unwrap();
        assert_eq!(imported.products.len(), 20, "{name}");
        assert!(imported.report.skipped.is_empty(), "{name}: {:?}", imported.report.skipped);
        assert!(imported.products.iter().all(|p| p.url.is_none() && p.image.is_some()), "{name}");
        assert_loads_cleanly(&imported);
    }
}

#[test]
fn shopify_variants_give_options_the_cheapest_price_and_plain_text() {
    let Some(path) = shared("shopify/jewelery.csv") else { return };
    let imported = import(&path, &options(Format::Shopify, Some("USD"), "")).unwrap();
    let anchor = find(&imported, "leather-anchor");
    assert_eq!(
        (anchor.price.to_string(), anchor.compare_at_price.map(|c| c.to_string())),
        ("55".into(), Some("85".into()))
    );
    assert_eq!(anchor.attributes["Color"], serde_json::json!(["Gold", "Silver"]));
    assert_eq!(anchor.image.as_deref(), Some("https://burst.shopifycdn.com/photos/anchor-bracelet-mens_925x.jpg"));
    let choker = find(&imported, "choker-with-gold-pendant");
    let description = choker.description.as_deref().unwrap();
    assert!(description.contains("\n14k yellow gold\n") && !description.contains('<'), "{description}");
    let bangle = find(&imported, "bangle-bracelet");
    assert!(!bangle.attributes.contains_key("Title"), "the Default Title pseudo-option is no option");
    assert_eq!(bangle.tags, ["Diamond", "Gem", "Gold"]);
    assert_eq!((bangle.category.as_slice(), bangle.brand.as_deref()), (&["Bracelet".into()][..], Some("Company 123")));
}

#[test]
fn shopify_stock_counts_only_tracked_variants() {
    let Some(path) = shared("shopify/home-and-garden.csv") else { return };
    let imported = import(&path, &options(Format::Shopify, Some("USD"), "")).unwrap();
    let pots = find(&imported, "biodegradable-cardboard-pots");
    assert_eq!((pots.stock, pots.in_stock), (Some(8), true), "tracked by Shopify: counted");
    let armchair = find(&imported, "pink-armchair");
    assert_eq!((armchair.stock, armchair.available()), (None, true), "untracked: always sellable");
    assert_eq!(find(&imported, "clay-plant-pot").attributes["Size"], serde_json::json!(["Regular", "Large"]));
}

/// A Shopify export with the cases the samples lack: tracked stock, `continue`, drafts,
/// unpublished products, image-only rows, a variant row for an unknown product.
const SHOPIFY_EDGE_CASES: &str = "\
Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Price,Variant Compare At Price,Image Src,Image Position,Google Shopping / Google Product Category,Google Shopping / Age Group,Status
tee,Tee,<p>Soft &amp; light</p>,Acme,Shirts,\"cotton, summer\",true,Size,S,Color,Red,T-S,shopify,0,deny,10.00,15.00,https://img/tee-1.jpg,1,Apparel & Accessories > Clothing,kids,active
tee,,,,,,,,M,,Red,T-M,shopify,3,deny,12.00,16.00,,,,,
tee,,,,,,,,L,,Blue,T-L,shopify,2,deny,14.00,,,,,,
tee,,,,,,,,,,,,,,,,,https://img/tee-2.jpg,2,,,
mug,Mug,,Acme,Mugs,,true,Title,Default Title,,,MUG,shopify,0,continue,8.50,,,,,,active
hidden,Hidden,,Acme,,,false,Title,Default Title,,,H,,,deny,5.00,,,,,,active
draft,Draft,,Acme,,,true,Title,Default Title,,,D,,,deny,5.00,,,,,,draft
orphan,,,,,,,,Small,,,O-S,,,deny,5.00,,,,,,
free,Free sample,,Acme,,,true,Title,Default Title,,,F,,,deny,0.00,,,,,,active
";

#[test]
fn shopify_edge_cases_fold_or_skip_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("products_export.csv");
    std::fs::write(&path, SHOPIFY_EDGE_CASES).unwrap();
    let imported = import(&path, &options(Format::Shopify, Some("GBP"), "")).unwrap();
    let tee = find(&imported, "tee");
    assert_eq!(tee.price.to_string(), "12", "S is sold out: the cheapest available is M");
    assert_eq!(tee.compare_at_price.map(|c| c.to_string()), Some("16".into()));
    assert_eq!((tee.stock, tee.in_stock), (Some(5), true));
    assert_eq!(tee.attributes["Size"], serde_json::json!(["S", "M", "L"]));
    assert_eq!(tee.attributes["Color"], serde_json::json!(["Red", "Blue"]));
    assert_eq!(tee.category, ["Apparel & Accessories", "Clothing", "Shirts"]);
    assert_eq!(tee.age_range(), Some((Some(5), Some(13))));
    assert_eq!(
        (tee.description.as_deref(), tee.image.as_deref()),
        (Some("Soft & light"), Some("https://img/tee-1.jpg"))
    );
    let mug = find(&imported, "mug");
    assert_eq!((mug.stock, mug.available()), (None, true), "sells when out of stock (`continue`)");
    assert_eq!(imported.products.len(), 2);
    let reasons = imported.report.skipped_by_reason();
    assert_eq!(reasons[&SkipReason::Unpublished], 2);
    assert_eq!(reasons[&SkipReason::NoTitle], 1);
    assert_eq!(reasons[&SkipReason::PriceNotPositive], 1);
    assert_eq!(imported.report.folded, 3);
    assert_loads_cleanly(&imported);
}

#[test]
fn google_tsv_feed_folds_groups_and_reports_every_bad_item() {
    let imported = import(&fixture("products.tsv"), &options(Format::Google, None, "")).unwrap();
    let ids: Vec<&str> = imported.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["TOY-001", "TOY-002", "SHIRT-1", "LAMP-1", "KITE-1"]);
    assert_eq!(imported.currency.map(|c| c.code()), Some("USD"));
    let puzzle = find(&imported, "TOY-002");
    assert_eq!(
        (puzzle.price.to_string(), puzzle.compare_at_price.map(|c| c.to_string())),
        ("12".into(), Some("15".into()))
    );
    let shirt = find(&imported, "SHIRT-1");
    assert_eq!(shirt.price.to_string(), "19.99", "the cheapest size in stock, not the sold-out S");
    assert_eq!(shirt.attributes["size"], serde_json::json!(["S", "M", "L"]));
    assert_eq!(shirt.age_range(), Some((Some(1), Some(5))));
    let train = find(&imported, "TOY-001");
    assert_eq!(train.description.as_deref(), Some("A classic & sturdy wooden train set."));
    assert_eq!(train.category, ["Toys", "Trains"]);
    assert_eq!(train.attributes["gtin"], "7312350336004");
    assert_eq!(find(&imported, "LAMP-1").title, "Lamp \"Moon\"");
    let lines: Vec<(usize, SkipReason)> = imported.report.skipped.iter().map(|s| (s.problem.line, s.reason)).collect();
    assert_eq!(
        lines,
        [
            (7, SkipReason::OtherCurrency),
            (8, SkipReason::NoPrice),
            (9, SkipReason::PriceNotPositive),
            (10, SkipReason::WrongFieldCount),
            (11, SkipReason::DuplicateId),
            (14, SkipReason::NoId)
        ]
    );
    assert_loads_cleanly(&imported);
}

#[test]
fn google_xml_feed_reads_rss_items() {
    let imported = import(&fixture("products.xml"), &options(Format::Google, None, "")).unwrap();
    let ids: Vec<&str> = imported.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["TOY-001", "PLUSH-1", "SCARF", "BABY-1", "KITE-1"]);
    let train = find(&imported, "TOY-001");
    assert_eq!(train.category, ["Toys", "Trains"], "the first product_type wins");
    assert_eq!(train.price.to_string(), "24.99", "the nested shipping price is not the price");
    assert_eq!(train.description.as_deref(), Some("A classic & sturdy wooden train set.\n3+ years"));
    let plush = find(&imported, "PLUSH-1");
    assert_eq!((plush.title.as_str(), plush.price.to_string()), ("Tom & Jerry Plush", "9.5".into()));
    let scarf = find(&imported, "SCARF");
    assert_eq!((scarf.price.to_string(), scarf.in_stock), ("16".into(), true));
    assert_eq!(find(&imported, "KITE-1").price.to_string(), "1049");
    assert_eq!(find(&imported, "BABY-1").attributes["availability"], "preorder");
    let reasons = imported.report.skipped_by_reason();
    for reason in [SkipReason::NoTitle, SkipReason::NoPrice, SkipReason::OtherCurrency, SkipReason::DuplicateId] {
        assert_eq!(reasons.get(&reason), Some(&1), "{reason}");
    }
    assert_loads_cleanly(&imported);
}

#[test]
fn google_atom_feed_reads_entries() {
    let imported = import(&fixture("atom.xml"), &options(Format::Google, None, "")).unwrap();
    let gnome = find(&imported, "A-1");
    assert_eq!(
        (gnome.url.as_deref(), gnome.description.as_deref()),
        (Some("https://shop.example/p/a-1"), Some("A cheerful gnome"))
    );
    assert!(!find(&imported, "A-2").in_stock);
}

#[test]
fn a_file_in_the_wrong_format_is_a_clear_error() {
    let Some(amazon) = shared("amazon-uk-toys.csv") else { return };
    let err = import(&amazon, &options(Format::Shopify, Some("GBP"), "")).unwrap_err();
    assert!(matches!(err, ImportError::WrongFormat { .. }), "{err}");
    assert!(err.to_string().contains("Handle"), "{err}");
    let err = import(&amazon, &options(Format::Google, None, "")).unwrap_err();
    assert!(err.to_string().contains("Google Merchant Center"), "{err}");
    let err = import(&amazon, &options(Format::Jsonl, None, "")).unwrap_err();
    assert!(err.to_string().contains("JSON Lines"), "{err}");
    let binary = Path::new(env!("CARGO_BIN_EXE_concierge"));
    let err = import(binary, &options(Format::Csv, Some("GBP"), "")).unwrap_err();
    assert!(matches!(err, ImportError::NotText { .. }), "{err}");
}

#[test]
fn the_binary_imports_amazon_toys_and_refuses_what_it_cannot_import() {
    let Some(amazon) = shared("amazon-uk-toys.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("toys.jsonl");
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_concierge")).arg("import").args(args).output().unwrap();
    let amazon = amazon.to_str().unwrap();
    let output = run(&[
        amazon,
        "--format",
        "csv",
        "--delimiter",
        ";",
        "--currency",
        "GBP",
        "--map",
        AMAZON_MAP,
        "-o",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("read 10000 rows") && stdout.contains("wrote 8565 products (GBP)"), "{stdout}");
    assert!(stdout.contains("   1435  no price") && stdout.contains("amazon-uk-toys.csv:11: "), "{stdout}");
    let (catalog, report) = Catalog::load(&out).unwrap();
    assert_eq!((catalog.len(), report.problems.len()), (8565, 0));

    let refused = dir.path().join("refused.jsonl");
    let output = run(&[amazon, "--format", "csv", "-o", refused.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--currency"));
    assert!(!refused.exists(), "nothing is written when the import fails");
}

fn mapped(imported: &Imported, field: &str) -> Option<String> {
    imported.report.mapping.iter().find(|(f, _)| f == field).map(|(_, c)| c.clone())
}

/// Regression: `import --format shopify` (and google, jsonl) printed no column mapping,
/// although the README promises it for every format.
#[test]
fn every_format_reports_the_mapping_it_used() {
    let dir = tempfile::tempdir().unwrap();
    let shopify = dir.path().join("products_export.csv");
    std::fs::write(&shopify, SHOPIFY_EDGE_CASES).unwrap();
    let imported = import(&shopify, &options(Format::Shopify, Some("GBP"), "")).unwrap();
    assert_eq!(mapped(&imported, "id").as_deref(), Some("Handle"));
    assert_eq!(mapped(&imported, "price").as_deref(), Some("Variant Price"));
    assert!(mapped(&imported, "attributes").is_some_and(|c| c.contains("Option1 Value")), "{:?}", imported.report);

    let tsv = import(&fixture("products.tsv"), &options(Format::Google, None, "")).unwrap();
    assert_eq!(mapped(&tsv, "price").as_deref(), Some("sale_price or price"));
    assert_eq!(mapped(&tsv, "image").as_deref(), Some("image_link"));
    let xml = import(&fixture("products.xml"), &options(Format::Google, None, "")).unwrap();
    assert_eq!(mapped(&xml, "title").as_deref(), Some("title"));
    assert_eq!(mapped(&xml, "in_stock").as_deref(), Some("availability"));
    assert_eq!(mapped(&xml, "attributes").as_deref(), Some("color + age_group + gtin"));
    assert_eq!(mapped(&xml, "stock"), None, "no item has a quantity");

    let native = dir.path().join("native.jsonl");
    std::fs::write(&native, "{\"id\":\"a\",\"title\":\"A\",\"price\":3,\"currency\":\"GBP\",\"colour\":\"red\"}\n")
        .unwrap();
    let jsonl = import(&native, &options(Format::Jsonl, None, "")).unwrap();
    assert_eq!(mapped(&jsonl, "title").as_deref(), Some("title"));
    assert_eq!(mapped(&jsonl, "kept as is").as_deref(), Some("colour"));
    assert_eq!(mapped(&jsonl, "brand"), None, "no product has a brand");
}

#[test]
fn import_with_index_builds_the_prebuilt_index_recommend_opens_and_a_changed_catalog_is_never_served_stale() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/demo.jsonl");
    let out = dir.path().join("shop.jsonl");
    let concierge = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_concierge")).args(args).output().unwrap();
    let text = |o: &std::process::Output| {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    };
    let output =
        concierge(&["import", demo.to_str().unwrap(), "--format", "jsonl", "--index", "-o", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("indexed 220 products"), "{}", text(&output));
    let (_, _, hash) = Catalog::load_hashed(&out).unwrap();
    let first = concierge::catalog::prebuilt_dir(&out, &hash);
    assert!(first.join("kinds.bin").exists(), "{} holds the index", first.display());

    let recommend = |words: &str| {
        let output = concierge(&["recommend", "--json", "--catalog", out.to_str().unwrap(), words]);
        assert!(output.status.success(), "{}", text(&output));
        let reply: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        reply["products"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(!recommend("a wooden train").is_empty());

    // The merchant edits the catalog: its old index must not answer for the new products.
    let mut file = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    writeln!(file, r#"{{"id":"zx-1","title":"Zebra Xylophone","price":12,"currency":"GBP"}}"#).unwrap();
    assert_eq!(recommend("a xylophone").first().map(String::as_str), Some("zx-1"));
    let output = concierge(&["index", out.to_str().unwrap()]);
    assert!(output.status.success() && text(&output).contains("indexed 221 products"), "{}", text(&output));
    assert!(!first.exists(), "rebuilding removes the index of the old content");
    assert_eq!(recommend("a xylophone").first().map(String::as_str), Some("zx-1"));
}
