//! Importing any file in any format never panics: the first byte picks the format (CSV,
//! Shopify, Google, JSON Lines) and the rest is the file.
#![no_main]

use concierge::catalog::{Format, ImportOptions, import};
use concierge::money::Currency;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let format = [Format::Csv, Format::Shopify, Format::Google, Format::Jsonl][usize::from(pick % 4)];
    let path = std::env::temp_dir().join(format!("concierge-fuzz-import-{}", std::process::id()));
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let mut options = ImportOptions::new(format);
    if pick & 4 != 0 {
        options.currency = "GBP".parse::<Currency>().ok();
    }
    let _ = import(&path, &options);
});
