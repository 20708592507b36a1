//! Understanding shoppers' messages with rules and the merchant's lexicon: text in, typed
//! slots, dialogue acts, search keywords and notes out. No model, no I/O, microseconds.
//!
//! One message is tokenised once ([`tokens`]) and read by rules in a fixed order, each using up
//! the tokens it understood so no later rule reads them again:
//!
//! 1. idioms that only look meaningful ("no rush") are set aside;
//! 2. occasions ("mother's day"; "40th birthday" is also age 40);
//! 3. ages ("6yo", "turning 40");
//! 4. money (budgets; sizes, counts, years, times ... are never money), then cheap hints;
//! 5. dialogue acts;
//! 6. recipients and purpose;
//! 7. exclusions ("no lego");
//! 8. interests ("loves trains");
//! 9. whatever content words remain become search keywords.
//!
//! The order is the point: "40th" is an age before money can see it, "nothing over £20" is a
//! budget before it can be an exclusion, "cheaper than £20" a budget before it can be a
//! request for cheaper products. Slots hold only what this message states; merging with what
//! the conversation already knows is the dialogue's job.

mod acts;
mod ages;
mod amounts;
mod interests;
mod keywords;
mod lexicon;
mod money;
mod notmoney;
mod numbers;
mod occasions;
mod people;
mod phrases;
mod schema;
mod tokens;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use acts::Act;
pub use lexicon::Lexicon;

use crate::money::Currency;
use crate::slots::{SlotName, Slots};
use tokens::Scan;

/// What one message says.
///
/// Serialises as the INTERFACE `understand --json` shape (the [`Slots`] keys, all present)
/// followed by `keywords`, `acts` and `notes`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Understanding {
    /// Only what this message states.
    #[serde(flatten)]
    pub slots: Slots,
    /// Content words left for text search: lowercase, in order, no stopwords, nothing a slot
    /// used ("wooden", "train", "set").
    pub keywords: Vec<String>,
    /// Dialogue acts, in text order.
    pub acts: Vec<Act>,
    /// Things the dialogue may want to confirm or act on.
    pub notes: Vec<Note>,
}

/// Something the dialogue may want to confirm or act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// A symbol or word several currencies share ("$", "kr", "bucks") was taken to mean the
    /// lexicon's default for it.
    AmbiguousCurrency { symbol: String, assumed: Currency },
    /// The message corrects an earlier answer ("actually under 15", "I meant my niece").
    Correction,
    /// The shopper wants low prices but named no amount ("nothing too expensive").
    WantsCheap,
}

/// Understands messages with one lexicon. Cheap to share: `understand` takes `&self`.
#[derive(Debug, Clone)]
pub struct Understander {
    lexicon: Lexicon,
}

/// A message's understanding while the rules run, with the facts they pass along.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) slots: Slots,
    pub(crate) notes: Vec<Note>,
    /// Something besides a recipient says the purchase is for someone else: an occasion's gift
    /// word ("secret santa"), or someone else's age ("she's 12").
    pub(crate) gift_hint: bool,
    /// The age is the shopper's own ("I'm 30", "my 40th"): dropped when a recipient is named.
    pub(crate) shoppers_age: bool,
}

impl Understander {
    pub fn new(lexicon: Lexicon) -> Understander {
        Understander { lexicon }
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// What `text` says on its own, with no conversation around it. Pure; linear in the text.
    ///
    /// A bare number with no currency and no money word is a budget only when it is the whole
    /// message ("30", "30 I guess"): then it is a maximum.
    pub fn understand(&self, text: &str) -> Understanding {
        self.understand_with(text, None)
    }

    /// Like [`Understander::understand`], for a reply to a question about `asking` (the slot
    /// the agent's last reply asked about). With `Budget`, any number that is not clearly
    /// something else is the budget ("30 I guess", "6"); with `Age`, a lone number is the age;
    /// with `Interests` or `Exclude`, a bare list ("horses and books") fills that slot; with
    /// `Purpose`, "me" means self.
    pub fn understand_with(&self, text: &str, asking: Option<SlotName>) -> Understanding {
        let lex = &self.lexicon;
        let mut scan = Scan::read(text, &lex.vocab, &lex.stop.words);
        let mut draft = Draft::default();
        if !lex.money.corrections.find_all(&scan).is_empty() {
            draft.notes.push(Note::Correction);
        }
        for (start, end, _) in lex.stop.ignore.find_all(&scan) {
            scan.consume(start, end);
        }
        occasions::extract(&mut scan, lex, &mut draft);
        ages::extract(&mut scan, lex, asking, &mut draft);
        money::extract(&mut scan, lex, asking, &mut draft);
        money::cheap_hint(&mut scan, lex, &mut draft);
        let acts = acts::extract(&mut scan, lex);
        people::extract(&mut scan, lex, asking, &mut draft);
        interests::exclusions(&mut scan, lex, asking, &mut draft);
        interests::interests(&mut scan, lex, asking, &mut draft);
        if draft.shoppers_age && draft.slots.recipient.is_some() {
            draft.slots.age = None;
        }
        // "for my 2 year old", "a teddy for a newborn": someone else's age under 18 with no
        // person named is a child.
        if draft.slots.recipient.is_none() && !draft.shoppers_age && draft.slots.age.is_some_and(|a| a < 18) {
            draft.slots.recipient = Some("child".into());
        }
        let keywords = keywords::keywords(&scan, lex);
        Understanding { slots: draft.slots, keywords, acts, notes: draft.notes }
    }
}
