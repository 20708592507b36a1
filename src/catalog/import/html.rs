//! HTML to plain text for product descriptions (Shopify's `Body (HTML)`, feeds' CDATA), and
//! the entity decoding titles from scraped exports need (`Tom &amp; Jerry`).
//!
//! A small careful stripper rather than a parser: descriptions are fragments, often broken, and
//! all we need is readable text. Block elements become line breaks, `<script>`/`<style>`
//! content and comments disappear, entities are decoded, whitespace collapsed.

/// Plain text from an HTML fragment. Text without any tag or entity comes back trimmed, with
/// its whitespace collapsed line by line.
pub(crate) fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if after.starts_with("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if !after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?') {
            // `a < b` is text, not a tag.
            text.push('<');
            rest = after;
            continue;
        }
        let Some(close) = after.find('>') else {
            rest = "";
            break;
        };
        let name = tag_name(&after[..close]);
        let closing = after.starts_with('/');
        rest = &after[close + 1..];
        if !closing && (name == "script" || name == "style") {
            let end = format!("</{name}");
            rest = find_ignoring_case(rest, &end).map_or("", |at| &rest[at..]);
            continue;
        }
        text.push_str(if is_block(&name) { "\n" } else { "" });
    }
    text.push_str(rest);
    let decoded = decode_entities(&text);
    decoded
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lower-cased element name of a tag's inside (`/p`, `br/`, `a href=".."` -> `p`, `br`, `a`).
fn tag_name(inside: &str) -> String {
    inside
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "section"
            | "article"
            | "blockquote"
            | "hr"
            | "dd"
            | "dt"
    )
}

fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(&needle.to_ascii_lowercase())
}

/// Decodes HTML character references: numeric (`&#39;`, `&#x27;`) and the named ones product
/// text uses. Anything that is not a reference we know (`AT&T`, `&bogus;`) is left as it is.
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let reference = after.find(';').filter(|&end| end <= 10).map(|end| (&after[..end], end));
        match reference.and_then(|(name, end)| entity(name).map(|c| (c, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "pound" => '£',
        "euro" => '€',
        "yen" => '¥',
        "cent" => '¢',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "deg" => '°',
        "times" => '×',
        "frac12" => '½',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bull" => '•',
        "middot" => '·',
        "eacute" => 'é',
        "egrave" => 'è',
        "agrave" => 'à',
        "ccedil" => 'ç',
        "uuml" => 'ü',
        "ouml" => 'ö',
        "auml" => 'ä',
        "szlig" => 'ß',
        _ => return None,
    };
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_and_blocks_become_lines() {
        let html =
            "Black cord choker. <ul>\n<li>14k yellow gold</li>\n<li>Length, 12\" with 2.5\" extender</li>\n</ul>";
        assert_eq!(strip_html(html), "Black cord choker.\n14k yellow gold\nLength, 12\" with 2.5\" extender");
        assert_eq!(strip_html("<p>Classic <b>blown</b> clay pot</p>"), "Classic blown clay pot");
        assert_eq!(strip_html("line one<br/>line two"), "line one\nline two");
    }

    #[test]
    fn entities_are_decoded_and_stray_ampersands_survive() {
        assert_eq!(strip_html("Tom &amp; Jerry&nbsp;&pound;5 &#8211; &#x27;ok&#39;"), "Tom & Jerry £5 – 'ok'");
        assert_eq!(decode_entities("AT&T & friends &bogus;"), "AT&T & friends &bogus;");
    }

    #[test]
    fn scripts_styles_and_comments_disappear() {
        let html = "<style>p{color:red}</style><p>Shown</p><!-- hidden --><script>alert(1)</script>";
        assert_eq!(strip_html(html), "Shown");
    }

    #[test]
    fn a_lone_angle_bracket_is_text_and_a_broken_tag_ends_the_text() {
        assert_eq!(strip_html("ages 3 < 8 years"), "ages 3 < 8 years");
        assert_eq!(strip_html("fine <b unclosed"), "fine");
        assert_eq!(strip_html("  plain   text  "), "plain text");
    }
}
