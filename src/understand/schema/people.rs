//! Shapes of `stopwords.toml`, `purpose.toml`, `recipients.toml`, `occasions.toml` and
//! `ages.toml`.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use super::{List, Source, normal};
use crate::understand::lexicon::{AgeWords, OccasionWords, PurposeWords, RecipientWords, Stopwords};
use crate::understand::phrases::{PhraseSet, WordSet};

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct StopwordsFile {
    words: List,
    filler: List,
    ignore: List,
}

pub(crate) fn stopwords(source: &mut Source) -> Stopwords {
    let file: StopwordsFile = source.parse();
    Stopwords {
        words: file.words.iter().map(|w| normal(w.get_ref())).collect::<WordSet>(),
        filler: source.set(&file.filler),
        ignore: source.set(&file.ignore),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct PurposeFile {
    gift: List,
    #[serde(rename = "self")]
    myself: List,
    self_replies: List,
    self_description: List,
}

pub(crate) fn purpose(source: &mut Source) -> PurposeWords {
    let file: PurposeFile = source.parse();
    PurposeWords {
        gift: source.set(&file.gift),
        myself: source.set(&file.myself),
        self_replies: source.set(&file.self_replies),
        self_description: source.set(&file.self_description),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RecipientsFile {
    possessives: List,
    recipient: BTreeMap<Spanned<String>, RecipientEntry>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RecipientEntry {
    words: List,
    after_my: List,
}

pub(crate) fn recipients(source: &mut Source) -> RecipientWords {
    let file: RecipientsFile = source.parse();
    let mut words = PhraseSet::default();
    let mut after_my = PhraseSet::default();
    let mut owners = HashMap::new();
    for (name, entry) in &file.recipient {
        let canonical = name.get_ref().trim().to_lowercase();
        unique(source, &mut owners, &canonical, entry.words.iter().chain(&entry.after_my));
        source.add(&mut words, &entry.words, canonical.clone());
        source.add(&mut after_my, &entry.after_my, canonical);
    }
    RecipientWords { words, after_my, possessives: source.set(&file.possessives) }
}

/// Reports a phrase listed under two different names (a word cannot mean two recipients).
fn unique<'p>(
    source: &mut Source,
    owners: &mut HashMap<String, String>,
    name: &str,
    phrases: impl Iterator<Item = &'p Spanned<String>>,
) {
    for phrase in phrases {
        let key = normal(phrase.get_ref());
        match owners.get(&key) {
            Some(owner) if owner != name => {
                let message = format!("`{}` is listed under both `{owner}` and `{name}`", phrase.get_ref());
                source.problem(phrase.span(), message);
            }
            _ => {
                owners.insert(key, name.to_string());
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct OccasionsFile {
    ordinal_occasion: Option<Spanned<String>>,
    occasion: BTreeMap<Spanned<String>, OccasionEntry>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct OccasionEntry {
    words: List,
    gift_words: List,
}

pub(crate) fn occasions(source: &mut Source) -> OccasionWords {
    let file: OccasionsFile = source.parse();
    let mut words = PhraseSet::default();
    let mut owners = HashMap::new();
    for (name, entry) in &file.occasion {
        let canonical = name.get_ref().trim().to_lowercase();
        unique(source, &mut owners, &canonical, entry.words.iter().chain(&entry.gift_words));
        source.add(&mut words, &entry.words, (canonical.clone(), false));
        source.add(&mut words, &entry.gift_words, (canonical, true));
    }
    let ordinal_occasion = file.ordinal_occasion.and_then(|name| {
        let known = file.occasion.keys().any(|k| k.get_ref() == name.get_ref());
        if !known {
            source.problem(name.span(), format!("ordinal_occasion `{}` is not an [occasion.NAME]", name.get_ref()));
        }
        known.then(|| name.into_inner())
    });
    OccasionWords { words, ordinal_occasion }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct AgesFile {
    years_old: List,
    years: List,
    months_old: List,
    months: List,
    weeks_old: List,
    before: List,
    subjects: List,
    first_person: List,
    be: List,
    approx: List,
    persons: List,
    newborn: List,
}

pub(crate) fn ages(source: &mut Source) -> AgeWords {
    let file: AgesFile = source.parse();
    AgeWords {
        years_old: source.set(&file.years_old),
        years: source.set(&file.years),
        months_old: source.set(&file.months_old),
        months: source.set(&file.months),
        weeks_old: source.set(&file.weeks_old),
        before: source.set(&file.before),
        subjects: source.set(&file.subjects),
        first_person: source.set(&file.first_person),
        be: source.set(&file.be),
        approx: source.set(&file.approx),
        persons: source.set(&file.persons),
        newborn: source.set(&file.newborn),
    }
}
