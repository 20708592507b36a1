use super::*;

const UCI: &str = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,2,2010-12-01 08:26:00,3.39,17850,United Kingdom
536365,POST,POSTAGE,1,2010-12-01 08:26:00,18,17850,United Kingdom
C536379,71053,WHITE METAL LANTERN,-8,2010-12-01 09:41:00,3.39,17850,United Kingdom
C536380,22423,REGENCY CAKESTAND 3 TIER,-1,2010-12-01 09:41:00,12.75,17850,United Kingdom
536381,22139,\"RETROSPOT, TEA SET\",3,2010-12-01 09:45:00,4.95,,United Kingdom
536382,21134,check,-20,2010-12-01 09:45:00,0,,United Kingdom
536383,15056bl,EDWARDIAN PARASOL BLACK,2,2010-12-01 10:00:00,5.95,12345,France
";

fn read(text: &str, options: &OrderImportOptions) -> (Vec<OrderLine>, OrderReport) {
    read_orders(text.as_bytes(), options).unwrap()
}

#[test]
fn the_uci_columns_are_recognised_and_each_quirk_is_skipped_with_its_reason() {
    let options = OrderImportOptions { fold_case: true, ..OrderImportOptions::default() };
    let (lines, report) = read(UCI, &options);
    let ids: Vec<&str> = lines.iter().map(|l| l.product_id.as_str()).collect();
    assert_eq!(ids, vec!["85123A", "22139", "15056BL"], "the lantern was cancelled whole");
    assert_eq!(report.rows, 9);
    assert_eq!(report.cancellations_applied, 1);
    assert_eq!(report.skipped["not a product code (postage, fee, discount, adjustment)"], 1);
    assert_eq!(report.skipped["repeated product in one order (summed)"], 1);
    assert_eq!(report.skipped["cancellation without a matching earlier purchase"], 1);
    assert_eq!(report.skipped["negative quantity without a customer (stock adjustment)"], 1);
    assert_eq!(lines[1].customer, None, "a guest basket is kept for bought-together");
    assert_eq!(lines[1].title.as_deref(), Some("RETROSPOT, TEA SET"));
    assert_eq!((report.orders, report.customers), (3, 2));
}

#[test]
fn a_partial_cancellation_leaves_the_rest_of_the_purchase() {
    let text = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID
1,10001,CANDLE,10,2011-01-01 10:00,1.0,7
C2,10001,CANDLE,-4,2011-01-02 10:00,1.0,7
";
    let (lines, _) = read(text, &OrderImportOptions::default());
    assert_eq!(lines[0].quantity, 6);
}

#[test]
fn a_map_names_the_columns_of_any_csv() {
    let text = "ref;buyer;sku;qty;when\nA-1;c-9;sku-1;2;2024-03-01T10:00:00Z\n";
    let map =
        [("order_id", "ref"), ("customer_id", "buyer"), ("product_id", "sku"), ("quantity", "qty"), ("at", "when")]
            .into_iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect();
    let options = OrderImportOptions { map, delimiter: b';', ..OrderImportOptions::default() };
    let (lines, _) = read(text, &options);
    assert_eq!(lines[0].customer.as_deref(), Some("c-9"));
    assert_eq!(lines[0].at, 1_709_287_200);
}

#[test]
fn a_missing_column_names_what_the_file_has() {
    let error = read_orders("a,b\n1,2\n".as_bytes(), &OrderImportOptions::default()).unwrap_err().to_string();
    assert!(error.contains("order_id") && error.contains("a, b"), "{error}");
}

#[test]
fn a_product_pattern_decides_what_is_a_product() {
    let options = OrderImportOptions {
        product_pattern: Some(Regex::new(r"^\d{5}[A-Za-z]{0,2}$").unwrap()),
        ..Default::default()
    };
    let text = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID
1,C2,CARRIAGE,1,2011-01-01 10:00,50,7
1,10001,CANDLE,1,2011-01-01 10:00,1,7
";
    let (lines, _) = read(text, &options);
    assert_eq!(lines.len(), 1);
}

#[test]
fn times_are_read_in_the_formats_exports_use() {
    for text in ["2011-12-09 12:50:00", "2011-12-09 12:50", "12/9/2011 12:50", "2011-12-09T12:50:00Z"] {
        assert_eq!(parse_time(text).map(|t| t.unix_timestamp()), Some(1_323_435_000), "{text}");
    }
    assert_eq!(parse_time("2011-12-09 07:50:00 -0500").map(|t| t.unix_timestamp()), Some(1_323_435_000));
    assert_eq!(parse_time("yesterday"), None);
}
