//! Whether a why line's claim is true of its product, judged independently of the ranker:
//! the claimed word must be a word of the product's text (title, brand, category, tags or
//! description), exactly or as a plural/singular of it. A stem is not a word: "trains" is not
//! in "training", "keep" is not in "keeper". An interest must stand outside the catalog's
//! multi-word names ("science" is not in "Science Fiction"); the names are the catalog's,
//! the matching is this module's own.

use crate::catalog::{Name, Product, Signal};

/// The words a signal claims the product has: an interest's or the request's words, a
/// hyphenated word joined ("die-cast" as "diecast", which the product may write so, apart or
/// hyphenated). Other kinds make no claim about the product's text.
pub(crate) fn claimed_words(signal: &Signal) -> Vec<String> {
    let claims = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
            .map(|w| w.trim_matches(['\'', '-']).replace(['\'', '-'], "").to_lowercase())
            .filter(|w| !w.is_empty())
            .collect()
    };
    match signal {
        Signal::Interest { term } => claims(term),
        Signal::Text { terms } => terms.iter().flat_map(|t| claims(t)).collect(),
        _ => Vec::new(),
    }
}

/// The claimed words of `signal` that `product`'s text does not contain as words. An interest
/// is claimed only by a word standing outside the words before the last of the catalog's
/// multi-word `names` (each as its words: "science fiction"), or by a whole name: "science" is
/// not a word of a figure filed under "Science Fiction & Fantasy", "fiction" is, and "harry
/// potter" is one of a Harry Potter wand.
pub(crate) fn untrue_words(product: &Product, signal: &Signal, names: &[Vec<String>]) -> Vec<String> {
    let claimed = claimed_words(signal);
    if claimed.is_empty() {
        return claimed;
    }
    let fields = product_fields(product);
    let text: Vec<String> = match signal {
        Signal::Interest { .. } => fields.iter().flat_map(|f| with_joined(outside_names(f, names, &claimed))).collect(),
        _ => fields.into_iter().flat_map(with_joined).collect(),
    };
    claimed.into_iter().filter(|w| !text.iter().any(|t| same_word(w, t))).collect()
}

/// A field's words and each two neighbours joined ("Die Cast", "Die-Cast": "diecast").
fn with_joined(field: Vec<String>) -> Vec<String> {
    let joined: Vec<String> = field.windows(2).map(|pair| pair.concat()).collect();
    field.into_iter().chain(joined).collect()
}

/// Each field of a product's text as its words: title, brand, each category part, each tag,
/// the description.
fn product_fields(product: &Product) -> Vec<Vec<String>> {
    let shared = product.brand.iter().chain(&product.category).chain(&product.tags).map(Name::as_str);
    let fields = std::iter::once(product.title.as_str()).chain(shared).chain(product.description.as_deref());
    fields.map(words).collect()
}

/// The words of `field` outside the words before the last of every name that `claimed` does
/// not hold whole.
fn outside_names(field: &[String], names: &[Vec<String>], claimed: &[String]) -> Vec<String> {
    let mut covered = vec![false; field.len()];
    let holds = |name: &[String]| name.iter().all(|n| claimed.iter().any(|c| same_word(c, n)));
    for name in names {
        if name.is_empty() || name.len() > field.len() || !field.iter().any(|f| same_word(f, &name[0])) || holds(name) {
            continue;
        }
        for start in 0..=field.len() - name.len() {
            // The last word is what the name is ("Crime Fiction" is fiction).
            if name.iter().zip(&field[start..]).all(|(n, f)| same_word(n, f)) {
                covered[start..start + name.len() - 1].fill(true);
            }
        }
    }
    field.iter().zip(covered).filter(|(_, c)| !c).map(|(w, _)| w.clone()).collect()
}

/// Lowercase runs of letters and digits; an apostrophe inside a word is dropped ("kids'").
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').replace('\'', "").to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The same word, or one the plural of the other ("train"/"trains", "box"/"boxes",
/// "story"/"stories"), a possessive ("kid"/"kids"), or the past participle of the other
/// ("control"/"controlled", "wire"/"wired"). A stem is not the same word ("training").
pub(crate) fn same_word(a: &str, b: &str) -> bool {
    let plural = |one: &str, many: &str| {
        many.strip_suffix('s').is_some_and(|s| s == one)
            || many.strip_suffix("es").is_some_and(|s| s == one)
            || many.strip_suffix("ies").is_some_and(|s| one.strip_suffix('y') == Some(s))
    };
    let participle = |verb: &str, done: &str| {
        let Some(stem) = done.strip_suffix("ed") else { return false };
        let doubled = verb.chars().last().is_some_and(|last| stem.strip_suffix(last) == Some(verb));
        verb.len() >= 3 && (stem == verb || format!("{stem}e") == verb || doubled)
    };
    a == b || plural(a, b) || plural(b, a) || participle(a, b) || participle(b, a)
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
        assert_eq!(untrue_words(&kit, &signal, &[]), vec!["trains".to_string()]);
    }

    #[test]
    fn plurals_and_singulars_are_the_same_word() {
        let set = product("Wooden Train Set", "");
        assert!(untrue_words(&set, &Signal::Interest { term: "trains".into() }, &[]).is_empty());
        let stories = product("Bedtime Stories", "");
        assert!(untrue_words(&stories, &Signal::Text { terms: vec!["story".into()] }, &[]).is_empty());
        assert!(same_word("boxes", "box"));
        assert!(!same_word("trainers", "train"));
        assert!(same_word("controlled", "control") && same_word("wire", "wired") && same_word("trained", "train"));
        assert!(!same_word("training", "train"));
    }

    #[test]
    fn a_hyphenated_claim_is_true_of_the_word_joined_apart_or_hyphenated() {
        let die_cast = Signal::Text { terms: vec!["die-cast".into(), "car".into()] };
        for title in ["Oxford Diecast Car", "SIKU Die Cast Car", "Maisto Die-Cast Car"] {
            assert!(untrue_words(&product(title, ""), &die_cast, &[]).is_empty(), "{title}");
        }
        assert_eq!(untrue_words(&product("Tank Car", ""), &die_cast, &[]), vec!["diecast".to_string()]);
    }

    #[test]
    fn regression_issue_15_an_interest_inside_a_longer_name_is_not_a_claim_made_true() {
        let mut figure = product("Mighty Morphin Power Rangers Figures Twin Pack", "");
        figure.category = vec!["Figures & Playsets".into(), "Science Fiction & Fantasy".into()];
        let names = vec![vec!["science".to_string(), "fiction".to_string()]];
        let science = Signal::Interest { term: "science".into() };
        assert_eq!(untrue_words(&figure, &science, &names), vec!["science".to_string()]);
        let whole = Signal::Interest { term: "science fiction".into() };
        assert!(untrue_words(&figure, &whole, &names).is_empty(), "the whole name is claimed");
        let kit = product("Science Fiction Water Science Kit", "");
        assert!(untrue_words(&kit, &science, &names).is_empty(), "science also stands alone in it");
        let spider = product("The Amazing Spider-Man Mask", "");
        let spiders = Signal::Interest { term: "spiders".into() };
        let names = vec![vec!["spider".to_string(), "man".to_string()]];
        assert_eq!(untrue_words(&spider, &spiders, &names), vec!["spiders".to_string()]);
    }
}
