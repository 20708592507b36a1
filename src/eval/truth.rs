//! Whether a why line's claim is true of its product, judged independently of the ranker:
//! the claimed word must be a word of the product's text (title, brand, category, tags or
//! description), exactly or as a plural/singular of it. A stem is not a word: "trains" is not
//! in "training", "keep" is not in "keeper".

use crate::catalog::{Product, Signal};

/// The words a signal claims the product has: an interest's or the request's words.
/// Other kinds make no claim about the product's text.
pub(crate) fn claimed_words(signal: &Signal) -> Vec<String> {
    match signal {
        Signal::Interest { term } => words(term),
        Signal::Text { terms } => terms.iter().flat_map(|t| words(t)).collect(),
        _ => Vec::new(),
    }
}

/// The claimed words of `signal` that `product`'s text does not contain as words.
pub(crate) fn untrue_words(product: &Product, signal: &Signal) -> Vec<String> {
    let claimed = claimed_words(signal);
    if claimed.is_empty() {
        return claimed;
    }
    let text = product_words(product);
    claimed.into_iter().filter(|w| !text.iter().any(|t| same_word(w, t))).collect()
}

/// Every word of a product's text, lowercase.
pub(crate) fn product_words(product: &Product) -> Vec<String> {
    let mut out = words(&product.title);
    for field in product.brand.iter().chain(&product.category).chain(&product.tags).chain(&product.description) {
        out.extend(words(field));
    }
    out
}

/// Lowercase runs of letters and digits; an apostrophe inside a word is dropped ("kids'").
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').replace('\'', "").to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The same word, or one the plural of the other ("train"/"trains", "box"/"boxes",
/// "story"/"stories"), or a possessive ("kid"/"kids").
pub(crate) fn same_word(a: &str, b: &str) -> bool {
    let plural = |one: &str, many: &str| {
        many.strip_suffix('s').is_some_and(|s| s == one)
            || many.strip_suffix("es").is_some_and(|s| s == one)
            || many.strip_suffix("ies").is_some_and(|s| one.strip_suffix('y') == Some(s))
    };
    a == b || plural(a, b) || plural(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Amount;

    fn product(title: &str, description: &str) -> Product {
        let mut p = Product::new("p", title, Amount::units(10), "GBP".parse().unwrap());
        p.description = Some(description.into());
        p
    }

    #[test]
    fn a_stem_shared_with_another_word_is_not_a_claim_made_true() {
        let kit = product("Kids Football Kit", "Great for training sessions");
        let signal = Signal::Interest { term: "trains".into() };
        assert_eq!(untrue_words(&kit, &signal), vec!["trains".to_string()]);
    }

    #[test]
    fn plurals_and_singulars_are_the_same_word() {
        let set = product("Wooden Train Set", "");
        assert!(untrue_words(&set, &Signal::Interest { term: "trains".into() }).is_empty());
        let stories = product("Bedtime Stories", "");
        assert!(untrue_words(&stories, &Signal::Text { terms: vec!["story".into()] }).is_empty());
        assert!(same_word("boxes", "box"));
        assert!(!same_word("trainers", "train"));
    }
}
