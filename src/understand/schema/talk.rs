//! Shapes of `interests.toml` and `acts.toml`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use super::{List, Source, Table, normal};
use crate::slots::SlotName;
use crate::understand::acts::Simple;
use crate::understand::lexicon::{ActWords, InterestWords};
use crate::understand::phrases::PhraseSet;

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
    goes_with: SimpleEntry,
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
        (&file.goes_with, Simple::GoesWith),
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
