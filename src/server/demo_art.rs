//! The demo store's product pictures: small SVGs drawn for the project and composed per
//! product (a department's line drawing on a colour of its own aisle), so the demo shows real
//! pictures with no image files to ship and no third-party host to depend on.

use std::fmt::Write;

use crate::catalog::Product;

/// One department's drawing: white strokes and shapes on a 100 x 100 grid, centred in the art.
struct Drawing {
    department: &'static str,
    shapes: &'static str,
}

/// Drawn by hand for the demo catalog's departments; any other department gets the gift box.
const DRAWINGS: &[Drawing] = &[
    Drawing {
        department: "toys",
        shapes: r##"<rect x="14" y="40" width="34" height="26" rx="3"/><rect x="20" y="28" width="14" height="12" rx="2"/><rect x="52" y="46" width="34" height="20" rx="3"/><circle cx="24" cy="72" r="7"/><circle cx="42" cy="72" r="7"/><circle cx="60" cy="72" r="7"/><circle cx="78" cy="72" r="7"/><path d="M48 58h4" stroke="#fff" stroke-width="4"/>"##,
    },
    Drawing {
        department: "books",
        shapes: r##"<path d="M50 28C40 22 26 22 16 26v48c10-4 24-4 34 2z"/><path d="M50 28c10-6 24-6 34-2v48c-10-4-24-4-34 2z" opacity=".8"/>"##,
    },
    Drawing {
        department: "garden",
        shapes: r##"<path d="M30 60h40l-6 24H36z"/><path d="M50 60V36" stroke="#fff" stroke-width="4" fill="none"/><path d="M50 44c-16 0-22-10-22-20 14 0 22 8 22 20z"/><path d="M50 38c0-14 10-20 22-20 0 12-8 20-22 20z" opacity=".85"/>"##,
    },
    Drawing {
        department: "home",
        shapes: r##"<path d="M16 50 50 22l34 28v4H16z"/><rect x="24" y="52" width="52" height="32"/><rect x="44" y="62" width="12" height="22" fill-opacity=".35" fill="#000"/>"##,
    },
    Drawing {
        department: "kitchen",
        shapes: r##"<path d="M22 38h44v26a16 16 0 0 1-16 16H38a16 16 0 0 1-16-16z"/><path d="M66 44h6a8 8 0 0 1 0 16h-6" stroke="#fff" stroke-width="5" fill="none"/><path d="M34 20c-4 6 4 8 0 14M46 20c-4 6 4 8 0 14" stroke="#fff" stroke-width="3" fill="none"/>"##,
    },
    Drawing {
        department: "jewellery",
        shapes: r##"<path d="M30 26h40l14 16-34 40-34-40z"/><path d="M16 42h68M38 26l-6 16 18 40 18-40-6-16" stroke-opacity=".35" stroke="#000" stroke-width="2" fill="none"/>"##,
    },
    Drawing {
        department: "beauty",
        shapes: r##"<rect x="32" y="40" width="36" height="44" rx="8"/><rect x="40" y="26" width="20" height="14" rx="2" opacity=".85"/><rect x="46" y="16" width="8" height="10"/><rect x="38" y="54" width="24" height="14" rx="2" fill-opacity=".3" fill="#000"/>"##,
    },
    Drawing {
        department: "sport",
        shapes: r##"<circle cx="50" cy="50" r="32"/><path d="M50 36l13 9-5 15H42l-5-15z" fill-opacity=".35" fill="#000"/><path d="M50 18v18M63 45l17-6M58 60l10 14M42 60 32 74M37 45l-17-6" stroke-opacity=".35" stroke="#000" stroke-width="3"/>"##,
    },
    Drawing {
        department: "tech accessories",
        shapes: r##"<path d="M22 58V50a28 28 0 0 1 56 0v8" stroke="#fff" stroke-width="6" fill="none"/><rect x="16" y="54" width="16" height="26" rx="6"/><rect x="68" y="54" width="16" height="26" rx="6"/>"##,
    },
];

/// Anything without a drawing of its own: a wrapped gift.
const GIFT: &str = r##"<rect x="20" y="42" width="60" height="40" rx="3"/><rect x="16" y="32" width="68" height="12" rx="3"/><rect x="46" y="32" width="8" height="50" fill-opacity=".3" fill="#000"/><path d="M50 32c-6-12-20-14-20-6s14 6 20 6zm0 0c6-12 20-14 20-6s-14 6-20 6z"/>"##;

/// The product's picture as a standalone SVG document (240 x 180, the 4:3 of the pages' shelves): its department's drawing on
/// a colour chosen by its aisle (the category's last level), with that aisle's name beneath.
pub(crate) fn product_svg(product: &Product) -> String {
    let department = product.category.first().map(|c| c.to_lowercase()).unwrap_or_default();
    let shapes = DRAWINGS.iter().find(|d| d.department == department).map_or(GIFT, |d| d.shapes);
    let aisle = product.category.last().map(|c| c.as_str()).unwrap_or("Gift");
    let hue = stable_hash(aisle) % 360;
    let mut svg = String::with_capacity(1600);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 180" width="240" height="180" role="img" aria-label="{label}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},38%,52%)"/><stop offset="1" stop-color="hsl({hue2},42%,36%)"/></linearGradient></defs><rect width="240" height="180" fill="url(#g)"/><g transform="translate(55 0) scale(1.3)" fill="#fff">{shapes}</g><text x="120" y="164" text-anchor="middle" font-family="system-ui,sans-serif" font-size="17" fill="#fff" fill-opacity=".9">{label}</text></svg>"##,
        label = xml_escape(&short(aisle, 26)),
        hue2 = (hue + 24) % 360,
    );
    svg
}

/// A stable hash (FNV-1a), so a product's colour never changes between runs or builds.
fn stable_hash(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// At most `max` characters, with an ellipsis when cut.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Text safe inside HTML or SVG (XML) text and attribute values.
pub(super) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(category: &[&str]) -> Product {
        let line = serde_json::json!({"id": "p-1", "title": "A thing", "price": 5, "currency": "GBP",
            "category": category});
        serde_json::from_value(line).expect("a valid product")
    }

    #[test]
    fn a_department_with_a_drawing_gets_its_own_and_others_get_the_gift_box() {
        let books = product_svg(&product(&["Books", "History"]));
        let unknown = product_svg(&product(&["Pets", "Leads"]));
        assert!(books.contains("M50 28C40 22"), "{books}");
        assert!(unknown.contains(GIFT), "{unknown}");
        assert!(books.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }

    #[test]
    fn the_aisle_name_is_escaped_and_its_colour_stable() {
        let svg = product_svg(&product(&["Home", "Tea & <Cakes>\""]));
        assert!(svg.contains("Tea &amp; &lt;Cakes&gt;&quot;"), "{svg}");
        assert!(!svg.contains("<Cakes>"));
        assert_eq!(svg, product_svg(&product(&["Home", "Tea & <Cakes>\""])));
        assert_ne!(stable_hash("Tea"), stable_hash("Trains"));
    }
}
