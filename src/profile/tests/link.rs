use std::sync::Arc;

use time::Duration;

use super::{T0, profile, viewed};
use crate::profile::{
    CustomerId, Event, EventInput, Limits, Profile, ShopperId, SledStore, Source, Store, StoreOptions, update_customer,
};
use crate::slots::{SlotName, Slots};

fn customer(text: &str) -> CustomerId {
    CustomerId::parse(text).unwrap()
}

#[test]
fn a_backend_event_for_an_unknown_customer_creates_one_linked_shopper() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
    let c = customer("c-42");
    let (first, durable) = update_customer(&store, &c, T0, &mut |_| ()).unwrap();
    durable.wait().unwrap();
    let (again, durable) = update_customer(&store, &c, T0, &mut |_| ()).unwrap();
    durable.wait().unwrap();
    assert_eq!(first.id(), again.id());
    assert_eq!(store.find_customer(&c).unwrap(), Some(first.id()));
}

#[test]
fn racing_first_events_for_one_customer_end_in_one_shopper() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path(), StoreOptions::default()).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|n| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let event = Event { id: Some(format!("e-{n}")), ..viewed("sku-1", T0) };
                let (p, durable) = update_customer(store.as_ref(), &customer("c-1"), T0, &mut |p| {
                    p.record(event.clone(), &Limits::default());
                })
                .unwrap();
                durable.wait().unwrap();
                p.id()
            })
        })
        .collect();
    let ids: Vec<ShopperId> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]));
    assert_eq!(store.load(ids[0]).unwrap().unwrap().events().len(), 4);
}

#[test]
fn absorbing_an_anonymous_profile_loses_no_answer() {
    let mut known = profile();
    known.declare(SlotName::Age, &Slots { age: Some(5), ..Slots::default() }, Source::Chat, T0);
    known.declare(
        SlotName::Occasion,
        &Slots { occasion: Some("birthday".into()), ..Slots::default() },
        Source::Chat,
        T0,
    );
    known.record(Event { id: Some("e-1".into()), ..viewed("a", T0) }, &Limits::default());
    let later = T0 + Duration::days(1);
    let mut anonymous = Profile::new(ShopperId::from_bytes([2; 16]), later);
    anonymous.declare(SlotName::Age, &Slots { age: Some(6), ..Slots::default() }, Source::Chat, later);
    anonymous.record(Event { id: Some("e-1".into()), ..viewed("a", T0) }, &Limits::default());
    anonymous.record(Event { id: Some("e-2".into()), ..viewed("b", later) }, &Limits::default());
    let purchase = EventInput { kind: "purchase".into(), product_id: Some("c".into()), ..EventInput::default() };
    anonymous.record(Event::parse(purchase, later).unwrap(), &Limits::default());
    known.absorb(&anonymous, &Limits::default());
    let slots = known.slots();
    assert_eq!((slots.age, slots.occasion.as_deref()), (Some(6), Some("birthday")));
    assert_eq!(known.events().len(), 2, "the event both had is kept once");
    assert_eq!(known.orders().len(), 1);
    assert_eq!(known.id(), ShopperId::from_bytes([1; 16]));
    assert_eq!(known.last_seen(), later);
}

#[test]
fn a_consent_withdrawn_before_login_stays_withdrawn() {
    let mut known = profile();
    known.record(viewed("a", T0), &Limits::default());
    let mut anonymous = Profile::new(ShopperId::from_bytes([2; 16]), T0);
    anonymous.set_personalization(false, T0);
    known.absorb(&anonymous, &Limits::default());
    assert!(!known.consent().personalization);
    assert!(known.events().is_empty());
}
