//! One turn of the dialogue: [`step`].

use super::questions::{budget_still_open, next};
use super::{Action, Asking, Decision, Forget, Preface, RecommendKind, Session, Shop, needs_currency_confirmation};
use crate::slots::{Purpose, SlotName, Slots};
use crate::understand::{Act, Understanding};

/// Decides what to do about one message and updates the session accordingly. Pure: no I/O,
/// no clock, no randomness (see the module doc of [`super`]).
pub fn step(session: &mut Session, said: &Understanding, shop: &Shop<'_>) -> Decision {
    session.turns += 1;
    let acts = &said.acts;
    let has = |act: &Act| acts.contains(act);
    let mut decision = Decision::default();

    if has(&Act::Handover) {
        decision.action = Action::Handover;
        return finish(session, decision);
    }
    if has(&Act::StartOver) {
        session.reset();
        decision.preface.push(Preface::StartedOver);
    }
    if session.asking == Some(Asking::Confirm) {
        session.asking = None;
        if has(&Act::Yes) {
            return forget_fact(session, decision, None);
        }
        decision.preface.push(Preface::KeptEverything);
        if has(&Act::No) && said.slots.eq(&Slots::default()) && said.keywords.is_empty() {
            return finish(session, decision);
        }
    }
    if let Some(forget) = acts.iter().find_map(|a| if let Act::Forget(slot) = a { Some(*slot) } else { None }) {
        if forget.is_none() {
            // Erasing everything cannot be undone: ask first ("forget that" lands here too).
            decision.ask = Some(Asking::Confirm);
            return finish(session, decision);
        }
        return forget_fact(session, decision, forget);
    }
    for (act, action) in [(Act::ShowProfile, Action::ShowProfile), (Act::Privacy, Action::Privacy)] {
        if has(&act) {
            decision.action = action;
            return finish(session, decision);
        }
    }
    if let Some(which) = acts.iter().find_map(|a| if let Act::Why(n) = a { Some(*n) } else { None }) {
        decision.action = Action::Explain { product: session.shown_at(which.unwrap_or(1)).cloned() };
        return finish(session, decision);
    }

    let asked = session.asking.take();
    if asked == Some(Asking::Currency)
        && said.slots.budget.is_none()
        && let Some(answer) = confirm_currency(session, said)
    {
        return ask_or_recommend(session, decision, shop, answer);
    }
    if let Some(Asking::Slot(slot)) = asked
        && (has(&Act::Skip) || has(&Act::DontKnow) || has(&Act::SurpriseMe))
        && !said.slots.has(slot)
    {
        session.skipped.push(slot);
    }

    if starts_new_request(session, said) {
        session.keywords.clear();
        session.slots.interests.clear();
        session.like = None;
        if said.slots.age.is_none() {
            session.slots.age = None;
        }
    }
    let changed = absorb_slots(session, said, shop, &mut decision);
    absorb_keywords(session, said);
    if !changed.is_empty() {
        decision.preface.push(Preface::Acknowledge { changed: changed.clone() });
        decision.declared = changed;
    }
    if decision.ask == Some(Asking::Currency) {
        return finish(session, decision);
    }

    if has(&Act::GoesWith) {
        // "What goes with the second one?": the pointer is read as "more like" by the rules.
        let pointed = acts.iter().find_map(|a| if let Act::MoreLike(n) = a { Some(*n) } else { None });
        session.goes_with = pointed.and_then(|n| session.shown_at(n)).map(|s| s.id.clone());
        decision.action = Action::Recommend { why: RecommendKind::GoesWith };
        return finish(session, decision);
    }
    if let Some(kind) = refinement(session, acts) {
        decision.action = Action::Recommend { why: kind };
        return finish(session, decision);
    }
    if has(&Act::SurpriseMe) {
        decision.action = Action::Recommend { why: RecommendKind::Fresh };
        return finish(session, decision);
    }
    let understood = !said.slots.eq(&Slots::default()) || !said.keywords.is_empty() || !acts.is_empty();
    if !understood {
        decision.preface.push(Preface::NotUnderstood);
        decision.ask = asked.filter(|a| matches!(a, Asking::Slot(_)));
        return finish(session, decision);
    }
    if has(&Act::Thanks) && decision.declared.is_empty() && said.keywords.is_empty() {
        decision.preface.push(Preface::Thanks);
        return finish(session, decision);
    }
    if has(&Act::Greeting) && decision.declared.is_empty() && said.keywords.is_empty() {
        decision.preface.push(Preface::Greeting { returning: session.returning });
        let remembers = session.has_request() || session.slots.recipient.is_some() || session.slots.budget.is_some();
        let kind = if session.returning && remembers { RecommendKind::Welcome } else { RecommendKind::Fresh };
        return ask_or_recommend(session, decision, shop, kind);
    }
    ask_or_recommend(session, decision, shop, RecommendKind::Fresh)
}

/// Asks the next question the policy allows, or recommends when there is enough to go on.
fn ask_or_recommend(session: &mut Session, mut decision: Decision, shop: &Shop<'_>, kind: RecommendKind) -> Decision {
    // A precise request needs at most the budget before showing products.
    let question = if session.has_request() {
        budget_still_open(session, shop.policy).then_some(SlotName::Budget)
    } else {
        next(session, shop.policy)
    };
    match question {
        Some(slot) => {
            session.asked.push(slot);
            decision.ask = Some(Asking::Slot(slot));
        }
        None => decision.action = Action::Recommend { why: kind },
    }
    finish(session, decision)
}

fn finish(session: &mut Session, decision: Decision) -> Decision {
    session.asking = decision.ask;
    decision
}

fn forget_fact(session: &mut Session, mut decision: Decision, slot: Option<SlotName>) -> Decision {
    match slot {
        Some(slot) => {
            clear(&mut session.slots, slot);
            decision.forget = Some(Forget::Slot(slot));
            decision.preface.push(Preface::Forgot { slot });
        }
        None => {
            session.reset();
            decision.forget = Some(Forget::Everything);
            decision.preface.push(Preface::ForgotAll);
        }
    }
    finish(session, decision)
}

/// Reads a yes/no to "did you mean £30?": yes keeps the amounts in the shop's currency, no
/// drops them and asks the budget again. `None` when the message is neither.
///
/// A yes keeps the budget as the shopper said it (its currency and words: "about 40 dollars"),
/// as a new shopper's opening request does: with no exchange rate the amounts are taken in the
/// shop's currency and the budget's reason says so ("read as GBP, not USD").
fn confirm_currency(session: &mut Session, said: &Understanding) -> Option<RecommendKind> {
    let pending = session.pending_budget.take()?;
    if said.acts.contains(&Act::Yes) {
        session.slots.budget = Some(pending);
        session.refinement = Default::default();
        Some(RecommendKind::Fresh)
    } else if said.acts.contains(&Act::No) {
        session.asked.retain(|s| *s != SlotName::Budget);
        Some(RecommendKind::Fresh)
    } else {
        session.pending_budget = Some(pending);
        None
    }
}

/// Merges the message's slots into the session; returns the slots it set or changed.
fn absorb_slots(
    session: &mut Session,
    said: &Understanding,
    shop: &Shop<'_>,
    decision: &mut Decision,
) -> Vec<SlotName> {
    let mut new = said.slots.clone();
    if let Some(budget) = new.budget
        && needs_currency_confirmation(&budget, shop)
    {
        session.pending_budget = Some(budget);
        new.budget = None;
        decision.ask = Some(Asking::Currency);
    }
    if new.budget.is_some() {
        session.refinement = Default::default();
    }
    if new.purpose == Some(Purpose::Myself) {
        // "It's for me after all": who the gift was for no longer applies.
        session.slots.recipient = None;
        session.slots.recipient_word = None;
    }
    // "Not lego" after "loves lego": a negated interest is no longer an interest.
    session.slots.interests.retain(|i| !new.exclude.iter().any(|e| e.eq_ignore_ascii_case(i)));
    let changed: Vec<SlotName> = SlotName::ALL.into_iter().filter(|&s| new.has(s)).collect();
    session.slots.merge(&new);
    if new.recipient.is_some() && session.slots.purpose.is_none() {
        session.slots.purpose = Some(Purpose::Gift);
    }
    changed
}

/// Whether the message asks for something new for someone else: a different person (or "for
/// me" after a gift) together with what they want (product words or interests). Such a message
/// replaces the request; a new person, budget or "for me after all" alone refine it.
fn starts_new_request(session: &Session, said: &Understanding) -> bool {
    let (known, new) = (&session.slots, &said.slots);
    let other_recipient = new.recipient.as_ref().is_some_and(|r| known.recipient.as_ref() != Some(r))
        || new.recipient_word.as_ref().is_some_and(|w| known.recipient_word.as_ref().is_some_and(|k| k != w));
    let other_purpose = new.purpose.is_some() && known.purpose.is_some() && new.purpose != known.purpose;
    let wants = !said.keywords.is_empty() || !new.interests.is_empty();
    session.has_request() && wants && (other_recipient || other_purpose)
}

/// Takes the message's product words: a message that only adds a detail ("in blue", "with
/// batteries") refines the request; any other message with product words replaces it.
fn absorb_keywords(session: &mut Session, said: &Understanding) {
    if said.keywords.is_empty() {
        return;
    }
    let adds_detail = said.keywords.len() <= 2 && session.has_request() && said.slots.eq(&Slots::default());
    if adds_detail {
        for word in &said.keywords {
            if !session.keywords.contains(word) {
                session.keywords.push(word.clone());
            }
        }
    } else {
        session.keywords = said.keywords.clone();
    }
    session.like = None;
}

/// Applies "cheaper", "something nicer", "something else", "more like the second one".
fn refinement(session: &mut Session, acts: &[Act]) -> Option<RecommendKind> {
    for act in acts {
        match act {
            Act::Cheaper => {
                let cheapest = session.shown.iter().map(|s| s.price).min();
                let cap = cheapest.or(session.slots.budget.and_then(|b| b.max));
                session.refinement.below = cap;
                session.refinement.above = None;
                return Some(RecommendKind::Cheaper);
            }
            Act::Pricier => {
                session.refinement.above = session.shown.iter().map(|s| s.price).max();
                session.refinement.below = None;
                return Some(RecommendKind::Pricier);
            }
            Act::SomethingElse => return Some(RecommendKind::Other),
            Act::MoreLike(n) => {
                let id = session.shown_at(*n).map(|s| s.id.clone())?;
                session.like = Some(id);
                return Some(RecommendKind::Like);
            }
            _ => {}
        }
    }
    None
}

fn clear(slots: &mut Slots, slot: SlotName) {
    match slot {
        SlotName::Purpose => slots.purpose = None,
        SlotName::Recipient => {
            slots.recipient = None;
            slots.recipient_word = None;
        }
        SlotName::Age => slots.age = None,
        SlotName::Occasion => slots.occasion = None,
        SlotName::Budget => slots.budget = None,
        SlotName::Interests => slots.interests.clear(),
        SlotName::Exclude => slots.exclude.clear(),
    }
}
