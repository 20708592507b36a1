//! One test per dialogue behaviour, with messages given as already-understood values (the
//! rules are tested on their own; end-to-end conversations live in tests/conversations).

use super::*;
use crate::money::{Amount, ExchangeRates};
use crate::slots::{Budget, Purpose, Slots};
use crate::understand::{Act, Understanding};

struct Fixture {
    policy: Policy,
    rates: ExchangeRates,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture { policy: Policy::default(), rates: ExchangeRates::default() }
    }

    fn shop(&self) -> Shop<'_> {
        Shop { policy: &self.policy, currency: gbp(), rates: &self.rates }
    }

    fn say(&self, session: &mut Session, said: Understanding) -> Decision {
        step(session, &said, &self.shop())
    }
}

fn gbp() -> Currency {
    "GBP".parse().unwrap()
}

fn slots(f: impl FnOnce(&mut Slots)) -> Understanding {
    let mut u = Understanding::default();
    f(&mut u.slots);
    u
}

fn acts(acts: &[Act]) -> Understanding {
    Understanding { acts: acts.to_vec(), ..Understanding::default() }
}

fn words(text: &str) -> Understanding {
    Understanding { keywords: text.split_whitespace().map(str::to_string).collect(), ..Understanding::default() }
}

fn under(max: u32) -> Option<Budget> {
    Some(Budget { min: None, max: Some(Amount::units(max)), currency: None, stated: None })
}

fn shown(session: &mut Session, prices: &[u32]) {
    session.shown = prices
        .iter()
        .enumerate()
        .map(|(i, p)| Shown {
            id: format!("p{}", i + 1),
            title: format!("Product {}", i + 1),
            price: Amount::units(*p),
            signals: vec![],
            why: vec![format!("reason {}", i + 1)],
        })
        .collect();
    session.seen = session.shown.iter().map(|s| s.id.clone()).collect();
}

fn recommends(d: &Decision) -> Option<RecommendKind> {
    match d.action {
        Action::Recommend { why } => Some(why),
        _ => None,
    }
}

#[test]
fn a_new_shopper_is_greeted_and_asked_the_first_question() {
    let f = Fixture::new();
    let mut s = Session::default();
    let d = open(&mut s, &f.shop(), false);
    assert_eq!(d.preface, vec![Preface::Greeting { returning: false }]);
    assert_eq!(d.ask, Some(Asking::Slot(SlotName::Purpose)));
    assert_eq!(d.action, Action::Nothing);
}

#[test]
fn a_new_shopper_from_a_topical_page_sees_products_and_a_question() {
    let f = Fixture::new();
    let d = open(&mut Session::default(), &f.shop(), true);
    assert_eq!(recommends(&d), Some(RecommendKind::Context));
    assert_eq!(d.ask, Some(Asking::Slot(SlotName::Purpose)));
}

#[test]
fn a_returning_shopper_is_welcomed_with_what_we_remember_and_asked_nothing() {
    let f = Fixture::new();
    let known =
        Slots { purpose: Some(Purpose::Gift), recipient: Some("child".into()), budget: under(25), ..Slots::default() };
    let mut s = Session::new(&known, true);
    let d = open(&mut s, &f.shop(), false);
    assert_eq!(d.preface, vec![Preface::Greeting { returning: true }]);
    assert_eq!(recommends(&d), Some(RecommendKind::Welcome));
    assert_eq!(d.ask, None);
}

#[test]
fn a_gift_for_someone_asks_the_budget_next() {
    let f = Fixture::new();
    let mut s = Session::default();
    let d = f.say(&mut s, slots(|s| s.recipient = Some("child".into())));
    assert_eq!(s.slots.purpose, Some(Purpose::Gift), "a recipient implies a gift");
    assert_eq!(d.ask, Some(Asking::Slot(SlotName::Budget)));
    assert_eq!(d.declared, vec![SlotName::Recipient]);
    assert!(matches!(d.preface[0], Preface::Acknowledge { .. }));
}

#[test]
fn several_slots_at_once_in_any_order_go_straight_to_products() {
    let f = Fixture::new();
    let mut s = Session::default();
    let d = f.say(
        &mut s,
        slots(|s| {
            s.budget = under(20);
            s.interests = vec!["dinosaurs".into()];
            s.recipient = Some("child".into());
            s.age = Some(6);
        }),
    );
    assert_eq!(recommends(&d), Some(RecommendKind::Fresh));
    assert_eq!(d.ask, None);
    assert_eq!(d.declared.len(), 4);
}

#[test]
fn a_precise_request_is_asked_only_its_budget() {
    let f = Fixture::new();
    let mut s = Session::default();
    let d = f.say(&mut s, words("running shoes"));
    assert_eq!(d.ask, Some(Asking::Slot(SlotName::Budget)));
    let d = f.say(&mut s, slots(|s| s.budget = under(80)));
    assert_eq!(recommends(&d), Some(RecommendKind::Fresh));
}

#[test]
fn a_skipped_question_is_never_asked_again() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, slots(|s| s.purpose = Some(Purpose::Myself)));
    assert_eq!(s.asking, Some(Asking::Slot(SlotName::Budget)));
    let d = f.say(&mut s, acts(&[Act::Skip]));
    assert!(s.skipped.contains(&SlotName::Budget));
    assert_eq!(d.ask, Some(Asking::Slot(SlotName::Interests)));
    let d = f.say(&mut s, acts(&[Act::DontKnow]));
    assert_eq!(recommends(&d), Some(RecommendKind::Fresh), "nothing left to ask: recommend");
}

#[test]
fn surprise_me_recommends_at_once() {
    let f = Fixture::new();
    let mut s = Session::default();
    open(&mut s, &f.shop(), false);
    let d = f.say(&mut s, acts(&[Act::SurpriseMe]));
    assert_eq!(recommends(&d), Some(RecommendKind::Fresh));
}

#[test]
fn a_correction_replaces_the_budget_and_drops_price_refinements() {
    let f = Fixture::new();
    let mut s = Session {
        keywords: vec!["mug".into()],
        slots: Slots { budget: under(30), ..Slots::default() },
        ..Session::default()
    };
    s.refinement.below = Some(Amount::units(12));
    let d = f.say(&mut s, slots(|s| s.budget = under(15)));
    assert_eq!(s.slots.budget, under(15));
    assert_eq!(s.refinement, PriceRefinement::default());
    assert_eq!(recommends(&d), Some(RecommendKind::Fresh));
}

#[test]
fn for_me_after_all_forgets_who_the_gift_was_for() {
    let f = Fixture::new();
    let mut s = Session {
        slots: Slots {
            purpose: Some(Purpose::Gift),
            recipient: Some("partner".into()),
            recipient_word: Some("wife".into()),
            ..Slots::default()
        },
        ..Session::default()
    };
    f.say(&mut s, slots(|s| s.purpose = Some(Purpose::Myself)));
    assert_eq!(s.slots.purpose, Some(Purpose::Myself));
    assert_eq!(s.slots.recipient, None);
    assert_eq!(s.slots.recipient_word, None);
}

#[test]
fn cheaper_shows_products_below_the_cheapest_shown() {
    let f = Fixture::new();
    let mut s = Session { keywords: vec!["mug".into()], ..Session::default() };
    shown(&mut s, &[18, 12, 25]);
    let d = f.say(&mut s, acts(&[Act::Cheaper]));
    assert_eq!(recommends(&d), Some(RecommendKind::Cheaper));
    assert_eq!(s.refinement.below, Some(Amount::units(12)));
    let d = f.say(&mut s, acts(&[Act::Pricier]));
    assert_eq!(recommends(&d), Some(RecommendKind::Pricier));
    assert_eq!(s.refinement, PriceRefinement { below: None, above: Some(Amount::units(25)) });
}

#[test]
fn something_else_and_more_like_the_second_one_are_refinements() {
    let f = Fixture::new();
    let mut s = Session { keywords: vec!["mug".into()], ..Session::default() };
    shown(&mut s, &[10, 11, 12]);
    assert_eq!(recommends(&f.say(&mut s, acts(&[Act::SomethingElse]))), Some(RecommendKind::Other));
    assert_eq!(recommends(&f.say(&mut s, acts(&[Act::MoreLike(2)]))), Some(RecommendKind::Like));
    assert_eq!(s.like.as_deref(), Some("p2"));
    f.say(&mut s, words("teapot"));
    assert_eq!(s.like, None, "a new request replaces 'more like'");
}

#[test]
fn why_explains_a_shown_product_with_its_own_reasons() {
    let f = Fixture::new();
    let mut s = Session::default();
    assert_eq!(f.say(&mut s, acts(&[Act::Why(None)])).action, Action::Explain { product: None });
    shown(&mut s, &[10, 11, 12]);
    let d = f.say(&mut s, acts(&[Act::Why(Some(2))]));
    let Action::Explain { product: Some(p) } = d.action else { panic!("{d:?}") };
    assert_eq!((p.id.as_str(), p.why[0].as_str()), ("p2", "reason 2"));
    let d = f.say(&mut s, acts(&[Act::Why(Some(usize::MAX))]));
    assert!(matches!(d.action, Action::Explain { product: Some(ref p) } if p.id == "p3"), "the last one");
}

#[test]
fn start_over_forgets_the_conversation_but_reads_the_rest_of_the_message() {
    let f = Fixture::new();
    let mut s = Session {
        keywords: vec!["mug".into()],
        slots: Slots { budget: under(30), ..Slots::default() },
        ..Session::default()
    };
    let mut said = slots(|s| s.recipient = Some("mother".into()));
    said.acts = vec![Act::StartOver];
    let d = f.say(&mut s, said);
    assert_eq!(d.preface[0], Preface::StartedOver);
    assert!(s.keywords.is_empty() && s.slots.budget.is_none());
    assert_eq!(s.slots.recipient.as_deref(), Some("mother"));
    assert!(s.ignore_profile);
}

#[test]
fn forgetting_a_fact_removes_it_and_forgetting_everything_erases() {
    let f = Fixture::new();
    let mut s = Session { slots: Slots { budget: under(30), age: Some(7), ..Slots::default() }, ..Session::default() };
    let d = f.say(&mut s, acts(&[Act::Forget(Some(SlotName::Budget))]));
    assert_eq!(d.forget, Some(Forget::Slot(SlotName::Budget)));
    assert_eq!((s.slots.budget, s.slots.age), (None, Some(7)));
    let d = f.say(&mut s, acts(&[Act::Forget(None)]));
    assert_eq!((d.forget, d.ask), (None, Some(Asking::Confirm)), "erasing everything is confirmed first");
    let d = f.say(&mut s, acts(&[Act::Yes]));
    assert_eq!(d.forget, Some(Forget::Everything));
    assert_eq!(s.slots, Slots::default());
}

#[test]
fn anything_but_yes_to_erasing_keeps_everything() {
    let f = Fixture::new();
    let mut s = Session { slots: Slots { age: Some(7), ..Slots::default() }, ..Session::default() };
    f.say(&mut s, acts(&[Act::Forget(None)]));
    let d = f.say(&mut s, acts(&[Act::No]));
    assert_eq!(d.forget, None);
    assert_eq!(d.preface, vec![Preface::KeptEverything]);
    assert_eq!(s.slots.age, Some(7));
}

#[test]
fn asking_for_a_person_hands_over_and_profile_questions_show_the_profile() {
    let f = Fixture::new();
    let mut s = Session::default();
    assert_eq!(f.say(&mut s, acts(&[Act::Handover])).action, Action::Handover);
    assert_eq!(f.say(&mut s, acts(&[Act::ShowProfile])).action, Action::ShowProfile);
    assert_eq!(f.say(&mut s, acts(&[Act::Privacy])).action, Action::Privacy);
}

#[test]
fn a_budget_in_a_foreign_currency_is_confirmed_then_read_in_the_shops() {
    let f = Fixture::new();
    let mut s = Session { keywords: vec!["mug".into()], ..Session::default() };
    let usd = Some(Budget { min: None, max: Some(Amount::units(30)), currency: "USD".parse().ok(), stated: None });
    let d = f.say(&mut s, slots(|s| s.budget = usd));
    assert_eq!(d.ask, Some(Asking::Currency));
    assert_eq!(s.slots.budget, None, "not used before it is confirmed");
    let d = f.say(&mut s, acts(&[Act::Yes]));
    assert_eq!(s.slots.budget, usd, "kept as said; the query reads it in the shop's currency");
    assert_eq!(recommends(&d), Some(RecommendKind::Fresh));
}

#[test]
fn regression_issue_15_a_confirmed_foreign_budget_keeps_the_shoppers_words() {
    let f = Fixture::new();
    let mut s = Session { keywords: vec!["necklace".into()], ..Session::default() };
    let stated = crate::slots::Stated::new("about 40 dollars");
    let usd = Budget { min: None, max: Some(Amount::units(46)), currency: "USD".parse().ok(), stated };
    f.say(&mut s, slots(|s| s.budget = Some(usd)));
    f.say(&mut s, acts(&[Act::Yes]));
    assert_eq!(s.slots.budget.and_then(|b| b.stated), stated, "the words are not lost on confirmation");
}

#[test]
fn a_budget_in_a_currency_with_a_rate_needs_no_confirmation() {
    let mut f = Fixture::new();
    f.rates = ExchangeRates::new([("USD".parse().unwrap(), rust_decimal::Decimal::new(79, 2))]);
    let mut s = Session { keywords: vec!["mug".into()], ..Session::default() };
    let usd = Some(Budget { min: None, max: Some(Amount::units(30)), currency: "USD".parse().ok(), stated: None });
    let d = f.say(&mut s, slots(|s| s.budget = usd));
    assert_eq!(recommends(&d), Some(RecommendKind::Fresh));
    assert_eq!(s.slots.budget, usd, "the slot keeps what the shopper said; the query converts");
}

#[test]
fn an_unintelligible_message_says_so_and_repeats_the_question() {
    let f = Fixture::new();
    let mut s = Session::default();
    open(&mut s, &f.shop(), false);
    let d = f.say(&mut s, Understanding::default());
    assert_eq!(d.preface, vec![Preface::NotUnderstood]);
    assert_eq!(d.ask, Some(Asking::Slot(SlotName::Purpose)));
    assert_eq!(s.asked, vec![SlotName::Purpose], "repeating is not asking again");
}

#[test]
fn a_negated_interest_stops_being_an_interest() {
    let f = Fixture::new();
    let mut s = Session {
        slots: Slots { interests: vec!["lego".into(), "trains".into()], ..Slots::default() },
        ..Session::default()
    };
    f.say(&mut s, slots(|s| s.exclude = vec!["Lego".into()]));
    assert_eq!(s.slots.interests, vec!["trains"]);
    assert_eq!(s.slots.exclude, vec!["Lego"]);
}

#[test]
fn a_detail_refines_the_request_and_a_new_request_replaces_it() {
    let f = Fixture::new();
    let mut s = Session {
        keywords: vec!["mug".into()],
        slots: Slots { budget: under(20), ..Slots::default() },
        ..Session::default()
    };
    f.say(&mut s, words("blue"));
    assert_eq!(s.keywords, vec!["mug", "blue"]);
    f.say(&mut s, words("a garden kneeler pad"));
    assert_eq!(s.keywords, vec!["a", "garden", "kneeler", "pad"]);
}

#[test]
fn the_same_messages_always_give_the_same_decisions() {
    let f = Fixture::new();
    let script = || {
        let mut s = Session::default();
        let mut out = vec![open(&mut s, &f.shop(), false)];
        out.push(f.say(&mut s, slots(|s| s.recipient = Some("child".into()))));
        out.push(f.say(&mut s, slots(|s| s.budget = under(25))));
        out.push(f.say(&mut s, acts(&[Act::Cheaper])));
        (out, s)
    };
    assert_eq!(script(), script());
}

#[test]
fn what_goes_with_this_recommends_complements_without_asking_and_points_at_a_shown_product() {
    let f = Fixture::new();
    let mut s = Session { keywords: vec!["mug".into()], ..Session::default() };
    let d = f.say(&mut s, acts(&[Act::GoesWith]));
    assert_eq!(recommends(&d), Some(RecommendKind::GoesWith));
    assert_eq!(d.ask, None, "the shopper asked: no question before the answer");
    assert_eq!(s.goes_with, None, "no pointer: the page's product or what is in view");
    shown(&mut s, &[10, 11, 12]);
    f.say(&mut s, acts(&[Act::GoesWith, Act::MoreLike(2)]));
    assert_eq!(s.goes_with.as_deref(), Some("p2"));
    assert_eq!(s.like, None, "a pointer after 'goes with' is not 'more like'");
}
