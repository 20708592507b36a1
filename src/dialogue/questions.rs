//! The question policy: which slot to ask about next, if any (see the module doc of
//! [`super`]).

use super::Session;
use crate::prompts::Policy;
use crate::slots::{Purpose, SlotName};

/// The next slot to ask about, or `None` when there is nothing (left) to ask.
pub(crate) fn next(session: &Session, policy: &Policy) -> Option<SlotName> {
    let limit = if progressive(session) { policy.max_questions_returning } else { policy.max_questions };
    if session.asked.len() >= limit {
        return None;
    }
    policy.order.iter().copied().find(|&slot| {
        !session.slots.has(slot)
            && !session.skipped.contains(&slot)
            && !session.asked.contains(&slot)
            && applies(slot, session)
    })
}

/// Whether the shopper has a product request but no budget yet: the one question worth
/// asking before showing products for a precise request.
pub(crate) fn budget_still_open(session: &Session, policy: &Policy) -> bool {
    policy.order.contains(&SlotName::Budget)
        && session.slots.budget.is_none()
        && !session.skipped.contains(&SlotName::Budget)
        && !session.asked.contains(&SlotName::Budget)
        && next(session, policy).is_some()
}

/// Progressive profiling applies to a returning shopper whose basics (purpose and budget)
/// were known from an earlier visit.
fn progressive(session: &Session) -> bool {
    session.returning && !session.ignore_profile && session.slots.purpose.is_some() && session.slots.budget.is_some()
}

/// Whether asking about `slot` makes sense given what is known.
fn applies(slot: SlotName, session: &Session) -> bool {
    let gift = session.slots.purpose == Some(Purpose::Gift);
    match slot {
        SlotName::Recipient | SlotName::Occasion => gift,
        SlotName::Age => gift && session.slots.recipient.is_some(),
        SlotName::Interests => !session.has_request(),
        SlotName::Purpose | SlotName::Budget | SlotName::Exclude => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slots::{Budget, Slots};

    fn policy() -> Policy {
        Policy::default()
    }

    #[test]
    fn questions_follow_the_merchants_order_and_skip_what_is_known() {
        let mut s = Session::default();
        assert_eq!(next(&s, &policy()), Some(SlotName::Purpose));
        s.slots.purpose = Some(Purpose::Gift);
        assert_eq!(next(&s, &policy()), Some(SlotName::Recipient));
        s.slots.recipient = Some("child".into());
        assert_eq!(next(&s, &policy()), Some(SlotName::Budget));
        s.slots.budget = Some(Budget::default());
        assert_eq!(next(&s, &policy()), Some(SlotName::Interests));
        s.slots.interests.push("trains".into());
        assert_eq!(next(&s, &policy()), None);
    }

    #[test]
    fn the_recipient_is_only_asked_for_a_gift() {
        let s = Session { slots: Slots { purpose: Some(Purpose::Myself), ..Slots::default() }, ..Session::default() };
        assert_eq!(next(&s, &policy()), Some(SlotName::Budget));
    }

    #[test]
    fn nothing_is_asked_twice_or_after_a_skip() {
        let s = Session { asked: vec![SlotName::Purpose], skipped: vec![SlotName::Budget], ..Session::default() };
        assert_eq!(next(&s, &policy()), Some(SlotName::Interests));
    }

    #[test]
    fn the_question_limit_stops_the_questions() {
        let s = Session {
            asked: vec![SlotName::Age, SlotName::Occasion, SlotName::Exclude, SlotName::Recipient],
            ..Session::default()
        };
        assert_eq!(next(&s, &policy()), None);
    }

    #[test]
    fn a_returning_shopper_with_known_basics_gets_one_new_question_a_visit() {
        let known = Slots { purpose: Some(Purpose::Gift), budget: Some(Budget::default()), ..Slots::default() };
        let mut s = Session::new(&known, true);
        assert_eq!(next(&s, &policy()), Some(SlotName::Recipient));
        s.asked.push(SlotName::Recipient);
        assert_eq!(next(&s, &policy()), None);
        let new = Session::new(&known, false);
        assert_eq!(next(&new, &policy()), Some(SlotName::Recipient));
    }
}
