//! TEMPORARY stand-in for the understanding module (replaced by the real rules at merge):
//! just the types the dialogue is written against.

use serde::Serialize;

use crate::money::Currency;
use crate::slots::{SlotName, Slots};

/// What one message says.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Understanding {
    #[serde(flatten)]
    pub slots: Slots,
    pub acts: Vec<Act>,
    pub keywords: Vec<String>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Act {
    Yes,
    No,
    DontKnow,
    Skip,
    SurpriseMe,
    Greeting,
    Thanks,
    Cheaper,
    Pricier,
    SomethingElse,
    MoreLike(usize),
    Why(Option<usize>),
    StartOver,
    ShowProfile,
    Forget(Option<SlotName>),
    Handover,
    Privacy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Note {
    AmbiguousCurrency { symbol: String, assumed: Currency },
}

/// What the agent just asked, so a bare answer ("30") can be read in its light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expecting {
    #[default]
    Nothing,
    Slot(SlotName),
}

/// TEMPORARY: the rules-based understander (replaced at merge).
#[derive(Debug, Default)]
pub struct Understander;

impl Understander {
    pub fn builtin() -> Understander {
        Understander
    }

    pub fn understand(&self, text: &str, _expecting: Expecting) -> Understanding {
        Understanding { keywords: text.split_whitespace().map(str::to_lowercase).collect(), ..Understanding::default() }
    }
}
