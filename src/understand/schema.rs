//! The lexicon files' TOML shapes and their compilation into phrase sets.
//!
//! Every struct denies unknown keys, so a misspelt key is a `file:line` problem instead of a
//! silently ignored list. Phrases keep their spans, so a bad pattern or an unknown currency code
//! is reported at its own line.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use super::acts::Simple;
use super::lexicon::{
    ActWords, AgeWords, Bound, CurrencyWords, InterestWords, Mark, MoneyWords, OccasionWords, PurposeWords,
    RecipientWords, Stopwords,
};
use super::phrases::{PhraseSet, Vocab, WordSet};
use super::tokens::tokenize;
use crate::money::Currency;
use crate::problem::Problem;
use crate::slots::SlotName;

type List = Vec<Spanned<String>>;
type Table = BTreeMap<Spanned<String>, Spanned<String>>;

/// One file being compiled: its shown name, its text, and where its problems go.
pub(crate) struct Source<'a> {
    file: &'a str,
    text: &'a str,
    problems: &'a mut Vec<Problem>,
    vocab: &'a mut Vocab,
}

impl<'a> Source<'a> {
    pub(crate) fn new(
        file: &'a str,
        text: &'a str,
        problems: &'a mut Vec<Problem>,
        vocab: &'a mut Vocab,
    ) -> Source<'a> {
        Source { file, text, problems, vocab }
    }

    fn problem(&mut self, span: Range<usize>, message: String) {
        let end = span.start.min(self.text.len());
        let line = self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1;
        self.problems.push(Problem { file: self.file.to_string(), line, message });
    }

    /// Parses the file; a syntax or shape error becomes a problem and the default (empty) shape.
    fn parse<T: DeserializeOwned + Default>(&mut self) -> T {
        match toml::from_str::<T>(self.text) {
            Ok(value) => value,
            Err(e) => {
                let message = e.message().trim().replace('\n', " ");
                let span = e.span().unwrap_or(0..0);
                self.problem(span, message);
                T::default()
            }
        }
    }

    /// Adds every phrase of `list` to `set` with `value`.
    fn add<V: Clone>(&mut self, set: &mut PhraseSet<V>, list: &[Spanned<String>], value: V) {
        for phrase in list {
            if let Err(message) = set.insert(self.vocab, phrase.get_ref(), value.clone()) {
                self.problem(phrase.span(), message);
            }
        }
    }

    fn set(&mut self, list: &List) -> PhraseSet<()> {
        let mut set = PhraseSet::default();
        self.add(&mut set, list, ());
        set
    }

    fn currency(&mut self, code: &Spanned<String>) -> Option<Currency> {
        match code.get_ref().parse::<Currency>() {
            Ok(currency) => Some(currency),
            Err(message) => {
                self.problem(code.span(), message);
                None
            }
        }
    }
}

/// The normalised text of a phrase as the rules compare it: tokens joined by single spaces,
/// except where they were glued (`d&d`).
pub(crate) fn normal(text: &str) -> String {
    let mut out = String::new();
    for token in tokenize(text) {
        if !out.is_empty() && !token.glued {
            out.push(' ');
        }
        out.push_str(&token.text);
    }
    out
}

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

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CurrenciesFile {
    around_factor: Option<Spanned<f64>>,
    codes: List,
    names: Table,
    ambiguous: Table,
    minor: Table,
    amounts: BTreeMap<Spanned<String>, AmountEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountEntry {
    amount: Spanned<f64>,
    currency: Spanned<String>,
}

/// "around X" multiplies X by this unless the file says otherwise.
const DEFAULT_AROUND_FACTOR: Decimal = Decimal::from_parts(115, 0, 0, false, 2);

pub(crate) fn currencies(source: &mut Source) -> CurrencyWords {
    let file: CurrenciesFile = source.parse();
    let mut marks = PhraseSet::default();
    for code in &file.codes {
        if let Some(currency) = source.currency(code) {
            let text = code.get_ref().to_uppercase();
            let mark = Mark { currency, ambiguous: false, minor: false, text };
            source.add(&mut marks, std::slice::from_ref(code), mark);
        }
    }
    for (table, ambiguous, minor) in
        [(&file.names, false, false), (&file.ambiguous, true, false), (&file.minor, false, true)]
    {
        for (word, code) in table {
            if let Some(currency) = source.currency(code) {
                let mark = Mark { currency, ambiguous, minor, text: word.get_ref().clone() };
                source.add(&mut marks, std::slice::from_ref(word), mark);
            }
        }
    }
    let mut amounts = PhraseSet::default();
    for (word, entry) in &file.amounts {
        let value = positive(source, &entry.amount);
        if let (Some(value), Some(currency)) = (value, source.currency(&entry.currency)) {
            source.add(&mut amounts, std::slice::from_ref(word), (value, currency));
        }
    }
    let around_factor = match &file.around_factor {
        None => DEFAULT_AROUND_FACTOR,
        Some(factor) => match positive(source, factor) {
            Some(f) if f >= Decimal::ONE && f <= Decimal::from(3) => f,
            _ => {
                source.problem(factor.span(), "around_factor must be between 1 and 3, e.g. 1.15".into());
                DEFAULT_AROUND_FACTOR
            }
        },
    };
    CurrencyWords { around_factor, marks, amounts }
}

fn positive(source: &mut Source, value: &Spanned<f64>) -> Option<Decimal> {
    let decimal = crate::money::Amount::from_f64(*value.get_ref()).map(|a| a.decimal()).filter(|d| !d.is_zero());
    if decimal.is_none() {
        source.problem(value.span(), format!("`{}` is not a positive number", value.get_ref()));
    }
    decimal
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct MoneyFile {
    max_before: List,
    min_before: List,
    around_before: List,
    between: List,
    range_to: List,
    max_after: List,
    min_after: List,
    weak_after: List,
    around_after: List,
    cues: List,
    not_budget_after: List,
    not_budget_before: List,
    cheap: List,
    hedges: List,
    corrections: List,
    negations: List,
}

pub(crate) fn money(source: &mut Source) -> MoneyWords {
    let file: MoneyFile = source.parse();
    let mut before = PhraseSet::default();
    source.add(&mut before, &file.around_before, Bound::Around);
    source.add(&mut before, &file.min_before, Bound::Min);
    source.add(&mut before, &file.max_before, Bound::Max);
    let mut after = PhraseSet::default();
    source.add(&mut after, &file.around_after, Bound::Around);
    source.add(&mut after, &file.min_after, Bound::Min);
    source.add(&mut after, &file.max_after, Bound::Max);
    MoneyWords {
        before,
        between: source.set(&file.between),
        range_to: source.set(&file.range_to),
        after,
        weak_after: source.set(&file.weak_after),
        cues: source.set(&file.cues),
        not_budget_after: source.set(&file.not_budget_after),
        not_budget_before: source.set(&file.not_budget_before),
        cheap: source.set(&file.cheap),
        hedges: source.set(&file.hedges),
        corrections: source.set(&file.corrections),
        negations: source.set(&file.negations),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct InterestsFile {
    likes: List,
    likes_at_start: List,
    not_after: List,
    dislikes: List,
    fans: List,
    weak_fans: List,
    crazy: List,
    intensifiers: List,
    is_a: List,
    agents: Table,
    synonyms: Table,
    compounds: List,
    strip_leading: List,
    strip_trailing: List,
}

pub(crate) fn interests(source: &mut Source) -> InterestWords {
    let file: InterestsFile = source.parse();
    let mut agents = PhraseSet::default();
    for (word, interest) in &file.agents {
        source.add(&mut agents, std::slice::from_ref(word), normal(interest.get_ref()));
    }
    let synonyms = file.synonyms.iter().map(|(k, v)| (normal(k.get_ref()), normal(v.get_ref()))).collect();
    InterestWords {
        likes: source.set(&file.likes),
        likes_at_start: source.set(&file.likes_at_start),
        not_after: source.set(&file.not_after),
        dislikes: source.set(&file.dislikes),
        fans: source.set(&file.fans),
        weak_fans: source.set(&file.weak_fans),
        crazy: source.set(&file.crazy),
        intensifiers: source.set(&file.intensifiers),
        is_a: source.set(&file.is_a),
        agents,
        synonyms,
        compounds: source.set(&file.compounds),
        strip_leading: source.set(&file.strip_leading),
        strip_trailing: source.set(&file.strip_trailing),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SimpleEntry {
    phrases: List,
    replies: List,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Triggers {
    triggers: List,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct WhyEntry {
    triggers: List,
    not: List,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ForgetEntry {
    triggers: List,
    everything: List,
    slots: BTreeMap<Spanned<String>, List>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Positions {
    markers: List,
    last: List,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ActsFile {
    reply_followers: List,
    yes: SimpleEntry,
    no: SimpleEntry,
    dont_know: SimpleEntry,
    skip: SimpleEntry,
    surprise_me: SimpleEntry,
    greeting: SimpleEntry,
    thanks: SimpleEntry,
    cheaper: SimpleEntry,
    pricier: SimpleEntry,
    something_else: SimpleEntry,
    start_over: SimpleEntry,
    show_profile: SimpleEntry,
    handover: SimpleEntry,
    privacy: SimpleEntry,
    more_like: Triggers,
    why: WhyEntry,
    forget: ForgetEntry,
    positions: Positions,
}

pub(crate) fn acts(source: &mut Source) -> ActWords {
    let file: ActsFile = source.parse();
    let mut phrases = PhraseSet::default();
    let mut replies = PhraseSet::default();
    let simple = [
        (&file.yes, Simple::Yes),
        (&file.no, Simple::No),
        (&file.dont_know, Simple::DontKnow),
        (&file.skip, Simple::Skip),
        (&file.surprise_me, Simple::SurpriseMe),
        (&file.greeting, Simple::Greeting),
        (&file.thanks, Simple::Thanks),
        (&file.cheaper, Simple::Cheaper),
        (&file.pricier, Simple::Pricier),
        (&file.something_else, Simple::SomethingElse),
        (&file.start_over, Simple::StartOver),
        (&file.show_profile, Simple::ShowProfile),
        (&file.handover, Simple::Handover),
        (&file.privacy, Simple::Privacy),
    ];
    for (entry, act) in simple {
        source.add(&mut phrases, &entry.phrases, act);
        source.add(&mut replies, &entry.replies, act);
    }
    let mut forget_slots = PhraseSet::default();
    for (name, list) in &file.forget.slots {
        match SlotName::parse(name.get_ref()) {
            Some(slot) => source.add(&mut forget_slots, list, slot),
            None => source.problem(name.span(), format!("`{}` is not a slot name", name.get_ref())),
        }
    }
    let reply_followers: HashSet<String> = file.reply_followers.iter().map(|w| normal(w.get_ref())).collect();
    ActWords {
        phrases,
        replies,
        reply_followers,
        more_like: source.set(&file.more_like.triggers),
        why: source.set(&file.why.triggers),
        why_not: source.set(&file.why.not),
        forget: source.set(&file.forget.triggers),
        forget_everything: source.set(&file.forget.everything),
        forget_slots,
        position_markers: source.set(&file.positions.markers),
        position_last: source.set(&file.positions.last),
    }
}
