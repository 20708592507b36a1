//! Multi-word names and the forms of a word: what a word of a product means where it stands.
//!
//! A word inside a **name** does not mean itself: "science" in the category "Science Fiction &
//! Fantasy" says nothing about science, "spider" in "Spider-Man" nothing about spiders. Names
//! are learned from the catalog: a part of a category path of two to four words (split at "&",
//! "," and "/": "Science Fiction", "Harry Potter", "Fancy Dress") and a hyphenated word
//! ("Spider-Man", "Die-Cast"; not a compound adjective such as "Gold-Plated") are names when their last word is neither generic ("set", "kit",
//! "toy") nor a type the catalog's titles use (at least [`TYPE_RATIO`] of the titles having the
//! word end with it). "Science Kits", "Railway Sets" and "T-Shirt" are not names: they name a
//! kind of product about their first words, so those words keep their meaning. A name matches
//! its words written with a hyphen or apart ("Spider-Man", "Spider Man").
//!
//! An interest is claimed of a product only by a word it has outside the words before the last
//! of a name, or by a whole name ("loves harry potter"): "Men's Jewellery" is still jewellery,
//! "Science Fiction" says nothing of science. Names never hide a word from the search itself
//! ("a star wars figure" still finds Star Wars figures by their words).
//!
//! **Forms**: a hyphenated word is also its parts joined ("die-cast", "diecast"), two words
//! written apart are the joined word when the catalog has it ("super hero", "superhero"), and a
//! past participle is its verb when the catalog has the verb ("remote controlled", "remote
//! control"; "painted", "paint"), never a stem ("training" is not "train").

use std::collections::{HashMap, HashSet};

use super::kind::{is_generic, parts, type_words, without_brand, words};
use super::{Name, Product};

/// A word is a type of the catalog's titles when at least this share of the titles having it
/// end with it (see [`super::kind`]).
const TYPE_RATIO: f32 = 0.3;

/// Shortest part of two words written apart that may stand for their joined form.
const MIN_JOINED_PART: usize = 3;

/// The names learned from one catalog, each as its words (singular, hyphenated words in parts).
#[derive(Default)]
pub(crate) struct Names {
    names: Vec<Vec<String>>,
    /// Name positions by their first word.
    by_first: HashMap<String, Vec<usize>>,
}

impl Names {
    /// Learns the names of `products` (see the module doc); linear in the catalog's text.
    pub(crate) fn learn(products: &[Product]) -> Names {
        let mut in_title: HashMap<String, u32> = HashMap::new();
        let mut as_head: HashMap<String, u32> = HashMap::new();
        let mut candidates: HashSet<Vec<String>> = HashSet::new();
        for product in products {
            let title = without_brand(&product.title, product.brand.as_deref());
            let mut seen: HashSet<String> = HashSet::new();
            for word in words(title) {
                for part in parts(&word).into_iter().chain(std::iter::once(word.clone())) {
                    if seen.insert(part.clone()) {
                        *in_title.entry(part).or_default() += 1;
                    }
                }
                hyphenated_name(&word, &mut candidates);
            }
            for head in type_words(title, &[]) {
                // "T-Shirt" is a shirt: the last part of a hyphenated head is a head too.
                if let Some(last) = parts(&head).pop().filter(|last| *last != head) {
                    *as_head.entry(last).or_default() += 1;
                }
                *as_head.entry(head).or_default() += 1;
            }
            for field in product.category.iter().chain(&product.tags) {
                for segment in field.split(['&', ',', '/']) {
                    let segment = words(segment);
                    for word in &segment {
                        hyphenated_name(word, &mut candidates);
                    }
                    let flat: Vec<String> = segment.iter().flat_map(|w| parts(w)).collect();
                    if (2..=4).contains(&segment.len()) && flat.iter().all(|w| w.chars().all(char::is_alphabetic)) {
                        candidates.insert(flat);
                    }
                }
            }
        }
        let is_type = |word: &str| {
            let used = in_title.get(word).copied().unwrap_or(0);
            let heads = as_head.get(word).copied().unwrap_or(0);
            is_generic(word) || (used > 0 && heads as f32 / used as f32 >= TYPE_RATIO)
        };
        let mut names: Vec<Vec<String>> =
            candidates.into_iter().filter(|name| name.last().is_some_and(|last| !is_type(last))).collect();
        names.sort();
        Names::of(names)
    }

    /// The names given, in this order, so positions stay those of [`Names::all`] (kinds read
    /// from disk refer to names by position).
    pub(crate) fn of(names: Vec<Vec<String>>) -> Names {
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (at, name) in names.iter().enumerate() {
            if let Some(first) = name.first() {
                by_first.entry(first.clone()).or_default().push(at);
            }
        }
        Names { names, by_first }
    }

    /// Every name, as its words.
    pub(crate) fn all(&self) -> &[Vec<String>] {
        &self.names
    }

    /// The words that `fields` (each a field's words) have only before the last word of a name,
    /// each with the position of a name it stands in (one entry per name).
    pub(crate) fn named_only(&self, fields: &[Vec<String>]) -> Vec<(String, usize)> {
        let mut inside: Vec<(String, usize)> = Vec::new();
        let mut outside: HashSet<String> = HashSet::new();
        for field in fields {
            let flat: Vec<String> = field.iter().flat_map(|w| parts(w)).collect();
            let mut covered: Vec<Option<usize>> = vec![None; flat.len()];
            for start in 0..flat.len() {
                for &at in self.by_first.get(&flat[start]).into_iter().flatten() {
                    let name = &self.names[at];
                    // The last word is what the name is ("Crime Fiction" is fiction): only the
                    // words before it lose their own meaning.
                    if flat.get(start..start + name.len()) == Some(name.as_slice()) {
                        for slot in &mut covered[start..start + name.len() - 1] {
                            slot.get_or_insert(at);
                        }
                    }
                }
            }
            for (word, name) in flat.into_iter().zip(covered) {
                match name {
                    Some(at) if !inside.iter().any(|(w, n)| *w == word && *n == at) => inside.push((word, at)),
                    Some(_) => {}
                    None => {
                        outside.insert(word);
                    }
                }
            }
        }
        inside.retain(|(word, _)| !outside.contains(word));
        inside
    }
}

/// Every word of the catalog's titles, brands, categories and tags, with the parts and the
/// joined form of each hyphenated word: what [`forms`] may turn a word into.
pub(crate) fn known_words(products: &[Product]) -> HashSet<String> {
    let mut known = HashSet::new();
    for product in products {
        let shared = product.brand.iter().chain(&product.category).chain(&product.tags).map(Name::as_str);
        let fields = std::iter::once(product.title.as_str()).chain(shared);
        for word in fields.flat_map(words) {
            if word.contains('-') {
                known.insert(joined(&word));
                known.extend(parts(&word));
            }
            known.insert(word);
        }
    }
    known
}

/// A hyphenated word of letters is a candidate name, as its parts ("spider-man"), unless it
/// is a compound adjective ending in a participle: "gold-plated", "dinosaur-themed" and
/// "jewellery-making" are about their first word.
fn hyphenated_name(word: &str, candidates: &mut HashSet<Vec<String>>) {
    if word.contains('-') && word.chars().all(|c| c.is_alphabetic() || c == '-') {
        let split = parts(word);
        let adjective = split.last().is_some_and(|last| last.ends_with("ed") || last.ends_with("ing"));
        if split.len() >= 2 && !adjective {
            candidates.insert(split);
        }
    }
}

/// The joined form of a hyphenated word ("die-cast" -> "diecast").
pub(crate) fn joined(word: &str) -> String {
    parts(word).concat()
}

/// The other forms `field` (a field's words, in order) has for words the catalog `knows`: the
/// joined form of each hyphenated word, of two words written apart whose joined form it knows,
/// and the verb of each past participle it knows.
pub(crate) fn forms(field: &[String], knows: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (i, word) in field.iter().enumerate() {
        if word.contains('-') {
            out.push(joined(word));
        } else if let Some(verb) = verb_of(word, knows) {
            out.push(verb);
        }
        if let Some(next) = field.get(i + 1) {
            let letters = |w: &str| w.len() >= MIN_JOINED_PART && w.chars().all(char::is_alphabetic);
            if letters(word) && letters(next) {
                let together = format!("{word}{next}");
                if knows(&together) {
                    out.push(together);
                }
            }
        }
    }
    out
}

/// The verb a past participle is a form of, when the catalog `knows` it: "controlled" ->
/// "control", "painted" -> "paint", "wired" -> "wire". Never a stem: "training" is no form.
pub(crate) fn verb_of(word: &str, knows: &dyn Fn(&str) -> bool) -> Option<String> {
    let stem = word.strip_suffix("ed").filter(|s| s.len() >= 3 && s.chars().all(char::is_alphabetic))?;
    let bytes = stem.as_bytes();
    let doubled = bytes.len() >= 2 && bytes[bytes.len() - 1] == bytes[bytes.len() - 2];
    let mut options = vec![stem.to_string(), format!("{stem}e")];
    if doubled {
        options.insert(0, stem[..stem.len() - 1].to_string());
    }
    options.into_iter().find(|v| v.len() >= 3 && knows(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Amount;

    fn product(title: &str, category: &[&str]) -> Product {
        let mut p = Product::new("p", title, Amount::units(10), "GBP".parse().unwrap());
        p.category = category.iter().map(|&c| c.into()).collect();
        p
    }

    fn toys() -> Vec<Product> {
        vec![
            product("Power Rangers Twin Pack Figures", &["Figures & Playsets", "Science Fiction & Fantasy"]),
            product("Water Science Kit", &["Arts & Crafts", "Children's Craft Kits"]),
            product("The Amazing Spider-Man Mask", &["Fancy Dress", "Masks"]),
            product("Wooden Train Set", &["Model Trains & Railway Sets"]),
            product("Classic Kids T-Shirt", &["Clothing"]),
            product("Gold-Plated Heart Necklace", &["Jewellery"]),
        ]
    }

    fn field(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn a_category_part_whose_last_word_is_no_type_is_a_name_and_a_kind_of_product_is_not() {
        let names = Names::learn(&toys());
        let all = names.all();
        let has = |name: &[&str]| all.iter().any(|n| n.iter().map(String::as_str).eq(name.iter().copied()));
        assert!(has(&["science", "fiction"]));
        assert!(has(&["spider", "man"]));
        assert!(has(&["fancy", "dress"]));
        assert!(!has(&["craft", "kit"]), "a kit is a kind of product: craft kits are about crafts");
        assert!(!has(&["railway", "set"]));
        assert!(!has(&["t", "shirt"]), "shirts are a type of the titles");
        assert!(!has(&["gold", "plated"]), "a compound adjective is about its first word");
    }

    #[test]
    fn a_word_only_inside_a_name_is_named_and_one_also_outside_is_not() {
        let names = Names::learn(&toys());
        let figure = [field("Power Rangers Twin Pack Figures"), field("Science Fiction & Fantasy")];
        let named: Vec<String> = names.named_only(&figure).into_iter().map(|(w, _)| w).collect();
        assert!(named.contains(&"science".to_string()), "{named:?}");
        assert!(!named.contains(&"fiction".to_string()), "science fiction is fiction: {named:?}");
        let kit = [field("Science Fiction Water Science Kit"), field("Children's Craft Kits")];
        assert!(names.named_only(&kit).iter().all(|(w, _)| w != "science"), "science also stands alone here");
        let apart = [field("Spider Man Swim Ring")];
        assert!(names.named_only(&apart).iter().any(|(w, _)| w == "spider"), "a name matches written apart");
    }

    #[test]
    fn hyphenated_words_participles_and_words_apart_have_their_other_forms() {
        let known = ["diecast", "control", "superhero", "paint", "wire"];
        let knows = |w: &str| known.contains(&w);
        assert_eq!(forms(&field("Die-Cast Car"), &knows), ["diecast"]);
        assert_eq!(forms(&field("Radio Controlled Car"), &knows), ["control"]);
        assert_eq!(forms(&field("Super Hero Squad"), &knows), ["superhero"]);
        assert_eq!(verb_of("painted", &knows).as_deref(), Some("paint"));
        assert_eq!(verb_of("wired", &knows).as_deref(), Some("wire"));
        assert_eq!(verb_of("training", &knows), None, "a stem is not a form");
        assert_eq!(verb_of("red", &knows), None);
        assert_eq!(verb_of("seed", &|w: &str| w == "se"), None, "too short to be a verb");
    }
}
