//! What each product is, and what a request asks for, in whole words.
//!
//! A product's **identity** is the words of the fields that say what it is: its title, brand,
//! category path and tags. The description is not part of it: it is weak evidence only.
//! A product's **type** is the head of its title's noun phrase, once a leading brand is
//! removed (a brand called "Bunny Sarees" does not make a blouse a saree) (merchant titles put the type
//! last, before "for"/"with"/"-"/"(": "Brand Model Analog Watch - For Women" is a watch; a
//! generic last word such as "set" or "kit" keeps the word before it too: "Wooden Train Set")
//! and the last word of each part of its category path.
//!
//! Words are compared as true inflections only: plurals and possessives ("trains", "kids'")
//! are the same word, a stem is not ("training" is not "train").
//!
//! A request's type is the keyword the catalog itself most often uses as a type rather than
//! as a description word (over the keyword and its synonyms from `hints.toml`'s `[types]`):
//! "watch" in "a ladies watch", not "ladies"; "blanket" in "a warm blanket for the winter".

use std::collections::HashMap;

use super::audience::Audience;
use super::compound::{Names, forms, joined, known_words, verb_of};
use super::{Name, Product};

/// Kinds on disk, beside a prebuilt index.
mod file;
/// Per-product lists in one allocation.
mod lists;

use lists::Lists;

/// Words that name a packaging or a whole shop rather than a kind of product: as a title's last
/// word, the word before is a type too ("train set"); in a request, they are never the type
/// ("a *toy* kitchen" asks for a kitchen, "a tea *set*" for tea).
const GENERIC: [&str; 14] = [
    "set",
    "combo",
    "pack",
    "kit",
    "box",
    "collection",
    "pair",
    "piece",
    "bundle",
    "gift",
    "item",
    "toy",
    "present",
    "product",
];

/// Whether `word` (any case, singular or plural) names a packaging or a whole shop ("set",
/// "gifts") rather than a kind of product.
pub(crate) fn is_generic(word: &str) -> bool {
    GENERIC.contains(&singular(&word.to_lowercase()).as_str())
}

/// Words that end a title's type zone: what follows describes who it is for, what comes with it.
const CUTS: [&str; 7] = [" - ", " – ", " for ", " with ", " by ", " | ", " featuring "];

/// A request keyword counts as a type when at least this share of the products using it (in
/// their identity) use it as their type.
const TYPE_RATIO: f32 = 0.3;

/// Every product's identity and type words as interned ids, and how often each word is used.
pub(crate) struct Kinds {
    vocab: HashMap<String, u32>,
    /// Per catalog position: identity word ids, sorted, unique.
    identity: Lists<u32>,
    /// Per catalog position: the title's word ids (brand included), sorted, unique.
    titles: Lists<u32>,
    /// Per catalog position: type word ids.
    types: Lists<u32>,
    /// Per catalog position: the title's type word ids without packaging words (see
    /// [`title_types`]): what substitutes share.
    title_types: Lists<u32>,
    /// Per catalog position: who the product says it is for.
    audience: Vec<Audience>,
    /// Per word id: the positions of the products using it as a type, and how many products
    /// have it in their identity.
    of_type: Vec<Vec<u32>>,
    in_identity: Vec<u32>,
    /// Per catalog position: the words it has only inside names, each with the name's position
    /// (see [`super::compound`]).
    named: Lists<(u32, u32)>,
    /// Per name position: its word ids.
    name_words: Vec<Vec<u32>>,
    names: Names,
    /// [`Kinds::modified_by`]'s answers, by its arguments (see [`Modified`]).
    modified: Modified,
}

/// Remembered counts of products of some types having some words. Counting walks every
/// product of the types (tens of thousands at a million products), and rankings ask about the
/// same few pairs of request words again and again; the catalog under a `Kinds` never changes,
/// so an answer stays true. Bounded: past [`Modified::MOST`] pairs it starts over.
#[derive(Default)]
pub(crate) struct Modified(std::sync::Mutex<rustc_hash::FxHashMap<TypesAndWords, usize>>);

/// The type word ids and the word ids [`Kinds::modified_by`] is asked about.
type TypesAndWords = (Box<[u32]>, Box<[u32]>);

impl Modified {
    const MOST: usize = 4096;
}

impl Kinds {
    /// Reads every product twice (names and known words, then each product); linear in the
    /// catalog's text.
    pub(crate) fn build(products: &[Product]) -> Kinds {
        let names = Names::learn(products);
        let known = known_words(products);
        let knows = |word: &str| known.contains(word);
        let mut kinds = Kinds {
            vocab: HashMap::new(),
            identity: Lists::with_capacity(products.len()),
            titles: Lists::with_capacity(products.len()),
            types: Lists::with_capacity(products.len()),
            title_types: Lists::with_capacity(products.len()),
            audience: Vec::with_capacity(products.len()),
            of_type: Vec::new(),
            in_identity: Vec::new(),
            named: Lists::with_capacity(products.len()),
            name_words: Vec::new(),
            names: Names::default(),
            modified: Modified::default(),
        };
        for (position, product) in products.iter().enumerate() {
            let title = without_brand(&product.title, product.brand.as_deref());
            // The brand's words are searchable ("a playmobil set") but never a type, nor
            // counted as the catalog using a word.
            let mut fields: Vec<Vec<String>> = vec![words(title)];
            fields.extend(product.category.iter().chain(&product.tags).map(|part| words(part)));
            let mut all_words: Vec<String> = Vec::new();
            for field in &fields {
                all_words.extend(with_parts(field.clone()));
                all_words.extend(forms(field, &knows));
            }
            let mut described: Vec<u32> = all_words.iter().map(|w| kinds.intern(w)).collect();
            described.sort_unstable();
            described.dedup();
            for &id in &described {
                kinds.in_identity[id as usize] += 1;
            }
            let mut identity = described;
            let full_title = words(&product.title);
            let mut titled: Vec<u32> = with_parts(full_title.clone())
                .iter()
                .chain(&forms(&full_title, &knows))
                .map(|w| kinds.intern(w))
                .collect();
            titled.sort_unstable();
            titled.dedup();
            identity.extend(&titled);
            let brand = product.brand.as_deref().map(words).unwrap_or_default();
            for word in with_parts(brand.clone()) {
                identity.push(kinds.intern(&word));
            }
            identity.sort_unstable();
            identity.dedup();
            kinds.titles.push(titled);
            fields[0] = full_title;
            fields.push(brand);
            let named: Vec<(u32, u32)> =
                names.named_only(&fields).into_iter().map(|(w, at)| (kinds.intern(&w), at as u32)).collect();
            kinds.named.push(named);
            let mut types: Vec<u32> = Vec::new();
            for word in type_words(title, &product.category) {
                let id = kinds.intern(&word);
                if !types.contains(&id) {
                    types.push(id);
                }
            }
            for &id in &types {
                kinds.of_type[id as usize].push(position as u32);
            }
            let own: Vec<u32> =
                title_types(&product.title, product.brand.as_deref()).iter().map(|w| kinds.intern(w)).collect();
            kinds.title_types.push(own);
            kinds.audience.push(Audience::of_words(&all_words));
            kinds.identity.push(identity);
            kinds.types.push(types);
        }
        kinds.name_words = names.all().iter().map(|name| name.iter().map(|w| kinds.intern(w)).collect()).collect();
        kinds.names = names;
        kinds.shrink_to_fit();
        kinds
    }

    /// Gives back the room the lists reserved while they grew (a third more at a million
    /// products), once every product is in.
    fn shrink_to_fit(&mut self) {
        for lists in [&mut self.identity, &mut self.titles, &mut self.types, &mut self.title_types] {
            lists.shrink_to_fit();
        }
        self.named.shrink_to_fit();
        for positions in &mut self.of_type {
            positions.shrink_to_fit();
        }
    }

    fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.vocab.get(word) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab.insert(word.to_string(), id);
        self.of_type.push(Vec::new());
        self.in_identity.push(0);
        id
    }

    /// The ids of a phrase's words (each normalised), or `None` when a word is unknown to the
    /// catalog (then no product has the phrase).
    pub(crate) fn phrase(&self, text: &str) -> Option<Vec<u32>> {
        let ids: Vec<u32> = words(text).iter().map(|w| self.vocab.get(w).copied()).collect::<Option<_>>()?;
        (!ids.is_empty()).then_some(ids)
    }

    /// The ids of a phrase's words as [`Kinds::has`] matches them: a hyphenated word by its
    /// joined form, which the catalog has wherever it writes the word hyphenated, joined or
    /// apart ("die-cast", "diecast", "Die Cast"), else by its parts; a past participle by its
    /// verb ("controlled" as "control", see [`super::compound`]). `None` when a word is unknown
    /// to the catalog.
    pub(crate) fn words_of(&self, text: &str) -> Option<Vec<u32>> {
        let knows = |word: &str| self.vocab.contains_key(word);
        let mut ids = Vec::new();
        for word in words(text) {
            if word.contains('-') {
                match self.vocab.get(&joined(&word)) {
                    Some(&id) => ids.push(id),
                    None => {
                        for part in parts(&word) {
                            ids.push(*self.vocab.get(&part)?);
                        }
                    }
                }
            } else {
                let form = verb_of(&word, &knows).unwrap_or(word);
                ids.push(*self.vocab.get(&form)?);
            }
        }
        (!ids.is_empty()).then_some(ids)
    }

    /// Whether the product at `position` has `phrase` as what it means: every word in its
    /// identity, and each word that it has only inside a name claimed by the whole name
    /// ("science" is not claimed by "Science Fiction", "harry potter" is by "Harry Potter").
    pub(crate) fn claims(&self, position: usize, phrase: &[u32]) -> bool {
        self.has(position, phrase)
            && phrase.iter().all(|word| {
                let mut names = self.named[position].iter().filter(|(w, _)| w == word).peekable();
                names.peek().is_none()
                    || names.any(|&(_, at)| self.name_words[at as usize].iter().all(|w| phrase.contains(w)))
            })
    }

    /// The catalog's multi-word names, each as its words (see [`super::compound`]).
    pub(crate) fn names(&self) -> &[Vec<String>] {
        self.names.all()
    }

    /// Whether the product at `position` has every word of `phrase` in its identity.
    pub(crate) fn has(&self, position: usize, phrase: &[u32]) -> bool {
        let identity = &self.identity[position];
        phrase.iter().all(|id| identity.binary_search(id).is_ok())
    }

    /// Whether the product at `position` has every word of `phrase` in its title.
    pub(crate) fn in_title(&self, position: usize, phrase: &[u32]) -> bool {
        let title = &self.titles[position];
        phrase.iter().all(|id| title.binary_search(id).is_ok())
    }

    /// Whether the product at `position` is of one of `types` (word ids).
    pub(crate) fn is_type(&self, position: usize, types: &[u32]) -> bool {
        self.types[position].iter().any(|t| types.contains(t))
    }

    /// Whether the products at `a` and `b` are substitutes: their titles name one type (see
    /// [`title_types`]), so one is bought instead of the other rather than with it.
    pub(crate) fn substitutes(&self, a: usize, b: usize) -> bool {
        let (Some(a), Some(b)) = (self.title_types.get(a), self.title_types.get(b)) else { return false };
        a.iter().any(|t| b.contains(t))
    }

    pub(crate) fn audience(&self, position: usize) -> Audience {
        self.audience[position]
    }

    /// The type a request asks for, as word ids and words (the keyword's and its synonyms').
    ///
    /// A keyword can be a type when at least [`TYPE_RATIO`] of the products having it (or a
    /// synonym) are of that type, and it is not a generic word ("set", "toy"). Of several, the
    /// first in the request wins unless a later one is the head it modifies: "cushion covers"
    /// asks for covers because covers mention cushions far more often than cushions mention
    /// covers, while "a kite for the beach" stays a kite.
    pub(crate) fn requested_type(
        &self,
        keywords: &[String],
        synonyms: &dyn Fn(&str) -> Vec<String>,
    ) -> Option<(Vec<u32>, Vec<String>)> {
        let mut chosen: Option<(Vec<u32>, Vec<String>)> = None;
        for keyword in keywords.iter().filter(|k| !GENERIC.contains(&singular(&k.to_lowercase()).as_str())) {
            let mut ids: Vec<u32> = Vec::new();
            let mut names: Vec<String> = Vec::new();
            for word in std::iter::once(keyword.clone()).chain(synonyms(keyword)) {
                if let Some(&[id]) = self.phrase(&word).as_deref()
                    && !ids.contains(&id)
                {
                    ids.push(id);
                    names.push(word);
                }
            }
            // The keyword itself must be used as a type when the catalog has it (its synonyms
            // may be common words: "cup" sizes in lingerie titles must not stop "mug" being a
            // type); only a word the catalog never uses stands on its synonyms ("saree").
            let own: Vec<u32> = match self.phrase(keyword).as_deref() {
                Some(&[id]) => vec![id],
                Some(_) => continue,
                None => Vec::new(),
            };
            let others: Vec<u32> = ids.iter().copied().filter(|id| !own.contains(id)).collect();
            if !self.is_a_type(&own) && !self.is_a_type(&others) {
                continue;
            }
            chosen = match chosen {
                Some(first) if self.modified_by(&first.0, &ids) >= self.modified_by(&ids, &first.0) => Some(first),
                _ => Some((ids, names)),
            };
        }
        chosen
    }

    /// Whether the catalog uses these words (together) as a type: at least [`TYPE_RATIO`] of the
    /// products having them outside their brand are of that type.
    fn is_a_type(&self, ids: &[u32]) -> bool {
        let typed: usize = ids.iter().map(|&id| self.of_type[id as usize].len()).sum();
        let used: u32 = ids.iter().map(|&id| self.in_identity[id as usize]).sum();
        typed > 0 && used > 0 && typed as f32 / used as f32 >= TYPE_RATIO
    }

    /// How many products of one of `types` have one of `words` in their identity (remembered:
    /// see [`Modified`]).
    fn modified_by(&self, types: &[u32], words: &[u32]) -> usize {
        let key = (Box::from(types), Box::from(words));
        if let Some(&count) = self.modified.0.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return count;
        }
        let count = self.count_modified_by(types, words);
        let mut remembered = self.modified.0.lock().unwrap_or_else(|e| e.into_inner());
        if remembered.len() >= Modified::MOST {
            remembered.clear();
        }
        remembered.insert(key, count);
        count
    }

    /// [`Kinds::modified_by`], counted.
    fn count_modified_by(&self, types: &[u32], words: &[u32]) -> usize {
        let mut positions: Vec<u32> = types.iter().flat_map(|&t| self.of_type[t as usize].iter().copied()).collect();
        positions.sort_unstable();
        positions.dedup();
        positions.iter().filter(|&&p| words.iter().any(|w| self.identity[p as usize].binary_search(w).is_ok())).count()
    }
}

impl super::CatalogIndex {
    /// Whether two catalog products are substitutes ([`Kinds::substitutes`]); a product not in
    /// the catalog is nobody's substitute.
    pub(crate) fn substitutes(&self, a: &str, b: &str) -> bool {
        let catalog = self.catalog();
        match (catalog.position(a), catalog.position(b)) {
            (Some(a), Some(b)) => self.kinds().substitutes(a, b),
            _ => false,
        }
    }

    /// Whether the catalog product `id` names one of `words` (each a phrase) in what it is: its
    /// title, brand, category or tags. Words no product has name nothing.
    pub(crate) fn names_any(&self, id: &str, words: &[String]) -> bool {
        let Some(position) = self.catalog().position(id) else { return false };
        words.iter().filter_map(|w| self.kinds().words_of(w)).any(|phrase| self.kinds().has(position, &phrase))
    }
}

/// The title without a leading brand name (when something is left after it).
pub(crate) fn without_brand<'a>(title: &'a str, brand: Option<&str>) -> &'a str {
    let Some(brand) = brand.map(str::trim).filter(|b| !b.is_empty()) else { return title };
    match title.get(..brand.len()) {
        Some(head) if head.eq_ignore_ascii_case(brand) => {
            let rest = title[brand.len()..].trim_start();
            if rest.is_empty() || title[brand.len()..].starts_with(|c: char| c.is_alphanumeric()) {
                title
            } else {
                rest
            }
        }
        _ => title,
    }
}

/// The words of a title that say what kind of product it is (the head of its type zone, after
/// a leading brand), less packaging words: "Wooden Train Set" -> `["train"]`, "JUMBO BAG PINK"
/// -> `["bag"]`, "Brand Analog Watch - For Women" -> `["watch"]`. Two products sharing one are
/// substitutes, not complements.
pub(crate) fn title_types(title: &str, brand: Option<&str>) -> Vec<String> {
    let title = without_brand(title, brand);
    type_words(title, &[]).into_iter().filter(|w| !GENERIC.contains(&w.as_str())).collect()
}

/// A product's type words: the head of the title's type zone (and the word before a generic
/// head), and the last word of each category part.
pub(super) fn type_words(title: &str, category: &[Name]) -> Vec<String> {
    let lower = title.to_lowercase();
    let mut end = lower.find(['(', ',', '[']).unwrap_or(lower.len());
    for cut in CUTS {
        if let Some(at) = lower.find(cut) {
            end = end.min(at);
        }
    }
    let mut out = head_words(&lower[..end]);
    for part in category {
        out.extend(head_words(part));
    }
    out
}

/// The last content word of a phrase (skipping numbers, units and who it is for), and the
/// word before it when that last word is generic ("train set").
fn head_words(phrase: &str) -> Vec<String> {
    let words = words(phrase);
    let content: Vec<&String> = words.iter().filter(|w| !skipped_at_end(w)).collect();
    let mut out = Vec::new();
    if let Some(last) = content.last() {
        out.push((*last).clone());
        if GENERIC.contains(&last.as_str())
            && let Some(before) = content.len().checked_sub(2).map(|i| content[i])
        {
            out.push(before.clone());
        }
    }
    out
}

/// Words a title may end with after its type: sizes, units, who it is for, colours.
fn skipped_at_end(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) || AFTER_TYPE.contains(&word) || COLOURS.contains(&word)
}

const AFTER_TYPE: [&str; 23] = [
    "cm", "mm", "ml", "l", "kg", "g", "inch", "men", "women", "man", "woman", "boy", "girl", "kid", "unisex", "baby",
    "of", "small", "medium", "large", "xl", "xxl", "xs",
];

const COLOURS: [&str; 26] = [
    "multicolor",
    "multicolour",
    "multi",
    "black",
    "white",
    "blue",
    "green",
    "grey",
    "gray",
    "red",
    "pink",
    "purple",
    "yellow",
    "orange",
    "brown",
    "beige",
    "navy",
    "maroon",
    "cream",
    "silver",
    "gold",
    "golden",
    "teal",
    "ivory",
    "khaki",
    "olive",
];

/// `words` with the parts of each hyphenated word added after it ("die-cast", "die", "cast").
fn with_parts(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        if word.contains('-') {
            out.extend(parts(&word).into_iter().filter(|p| p != &word));
        }
        out.push(word);
    }
    out
}

/// A hyphenated word's parts, each singular ("t-shirts" -> "t", "shirt"); any other word alone.
pub(super) fn parts(word: &str) -> Vec<String> {
    if !word.contains('-') {
        return vec![word.to_string()];
    }
    word.split('-').filter(|p| !p.is_empty()).map(singular).collect()
}

/// Lowercase words of `text`, each in its singular form: runs of letters and digits, joined
/// by an inner hyphen ("t-shirt"); apostrophes are dropped ("kids'" is "kid").
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if c == '-' && !current.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            current.push('-');
        } else if c == '\'' || c == '’' {
            continue;
        } else if !current.is_empty() {
            out.push(singular(&std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        out.push(singular(&current));
    }
    out
}

/// The singular of an English plural, for comparing words: "trains" -> "train", "boxes" ->
/// "box", "stories" -> "story", "dresses" -> "dress"; anything else unchanged ("training",
/// "glass", "bus").
pub(crate) fn singular(word: &str) -> String {
    let n = word.len();
    if n > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..n - 3]);
    }
    for ending in ["sses", "ches", "shes", "xes", "zes"] {
        if n > ending.len() + 1 && word.ends_with(ending) {
            return word[..n - 2].to_string();
        }
    }
    if n > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") && !word.ends_with("is") {
        return word[..n - 1].to_string();
    }
    word.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Amount;

    fn product(title: &str, brand: Option<&str>, category: &[&str]) -> Product {
        let mut p = Product::new("p", title, Amount::units(10), "GBP".parse().unwrap());
        p.brand = brand.map(Name::from);
        p.category = category.iter().map(|&c| c.into()).collect();
        p
    }

    fn types_of(p: &Product) -> Vec<String> {
        type_words(without_brand(&p.title, p.brand.as_deref()), &p.category)
    }

    #[test]
    fn a_title_names_its_type_before_for_with_or_a_dash() {
        let watch = product("Follow Me SH1021 Ladies Leather Analog Watch - For Women", None, &[]);
        assert_eq!(types_of(&watch), ["watch"]);
        let set = product("Wooden Train Set with Bridge", None, &["Toys", "Trains"]);
        assert_eq!(types_of(&set), ["set", "train", "toy", "train"]);
        let mug = product("Doraemon Gift Family Ceramic Coffee Mug Multicolour Mug - 325 ml", None, &[]);
        assert_eq!(types_of(&mug), ["mug"]);
        let blue = product("Stoneware mug blue, large", None, &[]);
        assert_eq!(types_of(&blue), ["mug"], "a colour or size after the type is not the type");
    }

    #[test]
    fn a_brand_is_not_a_type_nor_part_of_what_the_product_is() {
        let blouse = product("Bunny Sarees Cotton Embroidered Blouse Material", Some("Bunny Sarees"), &[]);
        assert_eq!(types_of(&blouse), ["material"]);
        let kinds = Kinds::build(&[blouse]);
        let none = |_: &str| Vec::new();
        assert_eq!(kinds.requested_type(&["saree".into()], &none), None, "a brand's word is never a type");
    }

    #[test]
    fn plurals_are_one_word_and_stems_are_not() {
        assert_eq!(words("Trains, Kids' T-Shirts & Stories"), ["train", "kid", "t-shirt", "story"]);
        assert_eq!(singular("training"), "training");
        assert_eq!(singular("dresses"), "dress");
        assert_eq!(singular("glass"), "glass");
    }

    #[test]
    fn the_requested_type_is_the_word_the_catalog_uses_as_a_type() {
        let products = [
            product("Leading Lady Women's Camisole", None, &[]),
            product("Lady Diana Lip Balm", None, &[]),
            product("Titan Ladies Analog Watch", None, &[]),
            product("Sonata Analog Watch - For Men", None, &[]),
        ];
        let kinds = Kinds::build(&products);
        let none = |_: &str| Vec::new();
        let watch = kinds.phrase("watch").unwrap();
        let asked = kinds.requested_type(&["ladies".into(), "watch".into()], &none);
        assert_eq!(asked.map(|(ids, _)| ids), Some(watch));
        assert_eq!(kinds.requested_type(&["ladies".into()], &none), None);
    }

    #[test]
    fn of_two_types_the_head_of_the_phrase_wins() {
        let products = [
            product("JMD Printed Cushions Cover", None, &[]),
            product("Kripa Floral Cushions Cover", None, &[]),
            product("Hemden Cotton Cover", None, &[]),
            product("Soft Cushion", None, &[]),
            product("Rainbow Delta Kite", None, &[]),
            product("Stunt Kite", None, &[]),
            product("Beach Ball", None, &[]),
            product("Beach Towel", None, &[]),
            product("Inflatable Beach Toy", None, &[]),
        ];
        let kinds = Kinds::build(&products);
        let none = |_: &str| Vec::new();
        let asked = |words: &[&str]| {
            let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            kinds.requested_type(&words, &none).map(|(_, names)| names)
        };
        assert_eq!(asked(&["cushion", "covers"]), Some(vec!["covers".to_string()]));
        assert_eq!(asked(&["kite", "beach"]), Some(vec!["kite".to_string()]));
        // Asked again, the remembered counts give the same answers.
        assert_eq!(asked(&["cushion", "covers"]), Some(vec!["covers".to_string()]));
        assert_eq!(asked(&["kite", "beach"]), Some(vec!["kite".to_string()]));
    }

    #[test]
    fn remembered_counts_of_modified_products_are_the_counted_ones_and_stay_bounded() {
        let products = [
            product("JMD Printed Cushions Cover", None, &[]),
            product("Soft Cushion", None, &[]),
            product("Hemden Cotton Cover", None, &[]),
        ];
        let kinds = Kinds::build(&products);
        let (cover, cushion) = (kinds.phrase("cover").unwrap(), kinds.phrase("cushion").unwrap());
        for _ in 0..2 {
            assert_eq!(kinds.modified_by(&cover, &cushion), 1);
            assert_eq!(kinds.modified_by(&cushion, &cover), 0, "the soft cushion has no cover");
        }
        // Pairs nobody asks twice (as a stranger's requests could be) do not grow it past its bound.
        for id in 0..(2 * Modified::MOST as u32) {
            assert_eq!(kinds.modified_by(&cover, &[id + 1000]), kinds.count_modified_by(&cover, &[id + 1000]));
        }
        assert!(kinds.modified.0.lock().unwrap().len() <= Modified::MOST);
        assert_eq!(kinds.modified_by(&cover, &cushion), 1);
    }

    #[test]
    fn a_hyphenated_word_matches_its_parts_written_apart() {
        let products = [product("SIKU Die Cast Tractor", None, &[]), product("Maisto Die-Cast Cars", None, &[])];
        let kinds = Kinds::build(&products);
        let asked = kinds.words_of("die-cast").unwrap();
        assert!(kinds.has(0, &asked) && kinds.has(1, &asked));
        assert!(kinds.in_title(1, &asked));
        assert_eq!(kinds.words_of("die-cast tank"), None, "a word no product has matches nothing");
    }

    #[test]
    fn synonyms_from_the_lexicon_name_the_same_type() {
        let products = [product("Mahek Striped Cotton Sari", None, &[]), product("Mahek Silk Sari", None, &[])];
        let kinds = Kinds::build(&products);
        let synonyms = |w: &str| if w == "saree" { vec!["sari".to_string()] } else { Vec::new() };
        let sari = kinds.phrase("sari").unwrap();
        let asked = kinds.requested_type(&["saree".into()], &synonyms);
        assert_eq!(asked, Some((sari, vec!["sari".to_string()])));
    }
}
