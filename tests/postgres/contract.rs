//! What every `Store` promises, run against `SledStore` and `PostgresStore` alike: each case
//! is one function over `&dyn Store`, and the macro at the end makes a test of it per store.

use std::sync::Arc;

use concierge::profile::{
    CustomerId, Event, EventInput, Limits, PostgresOptions, PostgresStore, Profile, Recorded, ShopperId, SledStore,
    Source, Store, StoreError, StoreOptions, update_customer,
};
use concierge::slots::{SlotName, Slots};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const T0: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

pub fn aged(age: u32) -> Profile {
    let mut p = Profile::new(ShopperId::random(), T0);
    p.declare(SlotName::Age, &Slots { age: Some(age), ..Slots::default() }, Source::Chat, T0);
    p
}

/// A `product_viewed` event, with an idempotency id when given.
pub fn viewed(product: &str, id: Option<&str>) -> Event {
    let input = EventInput {
        id: id.map(str::to_string),
        kind: "product_viewed".into(),
        product_id: Some(product.into()),
        at: Some("2025-03-01T10:00:00Z".into()),
        ..EventInput::default()
    };
    Event::parse(input, T0).unwrap()
}

pub fn customer(id: &str) -> CustomerId {
    CustomerId::parse(id).unwrap()
}

fn stores_what_it_is_given_and_knows_nothing_else(store: &dyn Store) {
    let p = aged(6);
    store.save(&p).unwrap();
    assert_eq!(store.load(p.id()).unwrap().unwrap(), p);
    assert!(store.contains(p.id()).unwrap());
    let stranger = ShopperId::random();
    assert!(store.load(stranger).unwrap().is_none());
    assert!(!store.contains(stranger).unwrap());
}

fn update_creates_a_missing_profile_and_changes_an_existing_one(store: &dyn Store) {
    let id = ShopperId::random();
    let (created, durable) = store
        .update(id, T0, &mut |p| {
            p.record(viewed("a", None), &Limits::default());
        })
        .unwrap();
    durable.wait().unwrap();
    assert_eq!(created.events().len(), 1);
    let (changed, durable) = store.update(id, T0, &mut |p| p.start_visit(T0)).unwrap();
    durable.wait().unwrap();
    assert_eq!((changed.events().len(), changed.visits().number), (1, 2));
    assert_eq!(store.load(id).unwrap().unwrap(), changed);
}

fn concurrent_updates_of_one_shopper_lose_nothing(store: &dyn Store) {
    let id = ShopperId::random();
    std::thread::scope(|scope| {
        for t in 0..8 {
            scope.spawn(move || {
                for n in 0..20 {
                    let event = viewed(&format!("sku-{t}-{n}"), None);
                    let (_, durable) = store
                        .update(id, T0, &mut |p| {
                            p.record(event.clone(), &Limits::default());
                        })
                        .unwrap();
                    durable.wait().unwrap();
                }
            });
        }
    });
    assert_eq!(store.load(id).unwrap().unwrap().events().len(), 160);
}

fn an_event_id_seen_before_is_recorded_once(store: &dyn Store) {
    let id = ShopperId::random();
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let mut outcome = Recorded::Duplicate;
        store
            .update(id, T0, &mut |p| outcome = p.record(viewed("sku-1", Some("evt-1")), &Limits::default()))
            .unwrap()
            .1
            .wait()
            .unwrap();
        outcomes.push(outcome);
    }
    assert_eq!(outcomes, [Recorded::Stored, Recorded::Duplicate]);
    assert_eq!(store.load(id).unwrap().unwrap().events().len(), 1);
}

fn a_customer_id_finds_its_shopper_and_cannot_be_taken_by_another(store: &dyn Store) {
    let name = format!("c-{}", ShopperId::random());
    let mut first = aged(6);
    first.link_customer(&customer(&name), T0);
    store.save(&first).unwrap();
    assert_eq!(store.find_customer(&customer(&name)).unwrap(), Some(first.id()));
    let mut second = aged(7);
    second.link_customer(&customer(&name), T0);
    let error = store.save(&second).unwrap_err();
    assert!(matches!(error, StoreError::CustomerTaken { shopper, .. } if shopper == first.id()), "{error}");
    assert!(store.load(second.id()).unwrap().is_none(), "a refused write changes nothing");
    let refused = store.update(second.id(), T0, &mut |p| p.link_customer(&customer(&name), T0));
    assert!(matches!(refused, Err(StoreError::CustomerTaken { shopper, .. }) if shopper == first.id()));
    assert!(store.load(second.id()).unwrap().is_none(), "a refused update changes nothing");
}

fn relinking_moves_the_customer_link(store: &dyn Store) {
    let (one, two) = (format!("c1-{}", ShopperId::random()), format!("c2-{}", ShopperId::random()));
    let mut p = aged(6);
    p.link_customer(&customer(&one), T0);
    store.save(&p).unwrap();
    p.link_customer(&customer(&two), T0);
    store.save(&p).unwrap();
    assert_eq!(store.find_customer(&customer(&one)).unwrap(), None);
    assert_eq!(store.find_customer(&customer(&two)).unwrap(), Some(p.id()));
}

fn erase_removes_the_profile_and_frees_its_customer(store: &dyn Store) {
    let name = format!("gone-{}", ShopperId::random());
    let keep = aged(5);
    store.save(&keep).unwrap();
    let mut gone = aged(6);
    gone.link_customer(&customer(&name), T0);
    store.save(&gone).unwrap();
    store.erase(gone.id()).unwrap().wait().unwrap();
    assert!(store.load(gone.id()).unwrap().is_none());
    assert!(store.find_customer(&customer(&name)).unwrap().is_none());
    assert!(store.load(keep.id()).unwrap().is_some());
    store.erase(ShopperId::random()).unwrap().wait().unwrap();
}

fn the_sweep_removes_only_idle_anonymous_shoppers(store: &dyn Store) {
    let idle = aged(1);
    let mut linked = aged(2);
    linked.link_customer(&customer(&format!("c-{}", ShopperId::random())), T0);
    let mut active = aged(3);
    active.touch(T0 + Duration::days(100));
    for p in [&idle, &linked, &active] {
        store.save(p).unwrap();
    }
    assert_eq!(store.sweep(T0 + Duration::days(181), Duration::days(180)).unwrap(), 1);
    assert!(store.load(idle.id()).unwrap().is_none());
    assert!(store.load(linked.id()).unwrap().is_some());
    assert!(store.load(active.id()).unwrap().is_some());
}

fn every_shopper_can_be_paged_through_in_id_order(store: &dyn Store) {
    let mut ids: Vec<ShopperId> = (0..7)
        .map(aged)
        .map(|p| {
            store.save(&p).unwrap();
            p.id()
        })
        .collect();
    ids.sort_by_key(|id| id.to_string());
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = store.shoppers_after(after, 3).unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = Some(*last);
        seen.extend(page);
    }
    assert_eq!(seen, ids);
}

fn no_write_recreates_an_erased_shopper(store: &dyn Store) {
    let p = aged(6);
    store.save(&p).unwrap();
    store.erase(p.id()).unwrap().wait().unwrap();
    assert!(matches!(store.update(p.id(), T0, &mut |_| ()), Err(StoreError::ShopperErased { .. })));
    assert!(matches!(store.write(&p), Err(StoreError::ShopperErased { .. })));
    assert!(store.change(p.id(), &mut |_| ()).unwrap().is_none(), "change never creates");
    assert!(!store.contains(p.id()).unwrap());
    let never_stored = ShopperId::random();
    store.erase(never_stored).unwrap().wait().unwrap();
    assert!(matches!(store.update(never_stored, T0, &mut |_| ()), Err(StoreError::ShopperErased { .. })));
}

fn an_erased_customer_id_is_not_linked_again_until_its_tombstone_expires(store: &dyn Store) {
    let name = customer(&format!("erased-{}", ShopperId::random()));
    let (profile, durable) = update_customer(store, &name, T0, &mut |_| ()).unwrap();
    durable.wait().unwrap();
    store.erase(profile.id()).unwrap().wait().unwrap();
    let late = update_customer(store, &name, T0, &mut |_| ());
    assert!(matches!(late, Err(StoreError::CustomerErased { .. })), "a late backend event recreates nothing");
    let mut login = aged(30);
    login.link_customer(&name, T0);
    assert!(matches!(store.write(&login), Err(StoreError::CustomerErased { .. })));
    assert!(store.load(login.id()).unwrap().is_none(), "a refused write changes nothing");
    let anonymous = aged(31);
    store.save(&anonymous).unwrap();
    let relink = store.update(anonymous.id(), T0, &mut |p| p.link_customer(&name, T0));
    assert!(matches!(relink, Err(StoreError::CustomerErased { .. })));
    assert_eq!(store.load(anonymous.id()).unwrap().unwrap(), anonymous);
    // Tombstones expire by the real clock, measured from the erasure (90 days by default).
    let later = OffsetDateTime::now_utc() + Duration::days(91);
    store.sweep(later, Duration::days(100_000)).unwrap();
    let (again, _) = update_customer(store, &name, T0, &mut |_| ()).unwrap();
    assert_ne!(again.id(), profile.id(), "a new shopper, never the erased one");
}

fn the_sweep_leaves_a_tombstone_of_each_shopper_it_removes(store: &dyn Store) {
    let idle = aged(1);
    store.save(&idle).unwrap();
    assert_eq!(store.sweep(T0 + Duration::days(181), Duration::days(180)).unwrap(), 1);
    assert!(matches!(store.update(idle.id(), T0, &mut |_| ()), Err(StoreError::ShopperErased { .. })));
}

/// A product id of 47 bytes; three of them make an id near the 200-byte limit, so 400 events
/// are past the cap in any encoding of the profile (the binary one is about half the JSON).
const LONG_ID: &str = "a-rather-long-product-id-that-fills-the-profile";

fn a_profile_past_the_size_cap_is_refused_and_nothing_is_written(store: &dyn Store) {
    let p = aged(6);
    store.save(&p).unwrap();
    let grown = store.change(p.id(), &mut |p| {
        for n in 0..400 {
            p.record(viewed(&format!("{}-{n:04}", LONG_ID.repeat(3)), None), &Limits::default());
        }
    });
    match grown {
        Err(StoreError::TooLarge { bytes, max }) => assert!(bytes > max && max == CAP, "{bytes} > {max}"),
        other => panic!("not refused: {:?}", other.map(|o| o.map(|(p, _)| p.events().len()))),
    }
    assert_eq!(store.load(p.id()).unwrap().unwrap(), p, "nothing of the refused write is stored");
    let mut big = aged(7);
    for n in 0..400 {
        big.record(viewed(&format!("{}-{n:04}", LONG_ID.repeat(3)), None), &Limits::default());
    }
    assert!(matches!(store.save(&big), Err(StoreError::TooLarge { .. })));
    assert!(store.load(big.id()).unwrap().is_none());
}

fn the_store_reports_itself_ready(store: &dyn Store) {
    store.check().unwrap();
    store.flush().unwrap();
}

/// The contract's stores keep profiles of at most this many bytes, encoded.
const CAP: usize = 32 * 1024;

pub fn sled() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { max_profile_bytes: CAP, ..StoreOptions::default() };
    (Arc::new(SledStore::open(dir.path(), options).unwrap()), dir)
}

pub fn postgres() -> Option<Arc<dyn Store>> {
    let url = crate::cluster::fresh_database()?;
    let options = PostgresOptions { max_profile_bytes: CAP, ..PostgresOptions::default() };
    Some(Arc::new(PostgresStore::open(&url, options).unwrap()))
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod sled {
            $( #[test] fn $case() { let (store, _dir) = super::sled(); super::$case(store.as_ref()); } )*
        }
        mod postgres {
            $( #[test] fn $case() { if let Some(store) = super::postgres() { super::$case(store.as_ref()); } } )*
        }
    };
}

contract!(
    stores_what_it_is_given_and_knows_nothing_else,
    update_creates_a_missing_profile_and_changes_an_existing_one,
    concurrent_updates_of_one_shopper_lose_nothing,
    an_event_id_seen_before_is_recorded_once,
    a_customer_id_finds_its_shopper_and_cannot_be_taken_by_another,
    relinking_moves_the_customer_link,
    erase_removes_the_profile_and_frees_its_customer,
    the_sweep_removes_only_idle_anonymous_shoppers,
    every_shopper_can_be_paged_through_in_id_order,
    the_store_reports_itself_ready,
    no_write_recreates_an_erased_shopper,
    an_erased_customer_id_is_not_linked_again_until_its_tombstone_expires,
    the_sweep_leaves_a_tombstone_of_each_shopper_it_removes,
    a_profile_past_the_size_cap_is_refused_and_nothing_is_written,
);

/// Profiles written by releases before issue 22 hold JSON (format 1); they still read, and the
/// next change of the shopper stores them in the binary format 2.
#[test]
fn a_profile_stored_as_json_by_an_earlier_release_reads_and_is_rewritten_in_binary() {
    let Some(url) = crate::cluster::fresh_database() else { return };
    let cluster = crate::cluster::shared().expect("the cluster behind the database");
    let database = url.rsplit('/').next().expect("a database name");
    let store = PostgresStore::open(&url, PostgresOptions::default()).unwrap();
    let id = ShopperId::random();
    store.save(&Profile::new(id, T0)).unwrap();
    let body = serde_json::json!({
        "id": id.to_string(),
        "created_at": "2024-01-01T09:00:00Z",
        "last_seen": "2024-02-01T09:00:00+02:00",
        "visits": {"number": 3, "started_at": "2024-02-01T09:00:00Z"},
        "declared": {"age": {"value": 6, "source": "quiz", "at": "2024-01-01T09:00:00Z"}},
        "events": [{"kind": "product_viewed", "product_id": "sku-1", "at": "2024-01-01T09:00:00Z"}]
    });
    let format = "SELECT get_byte(body, 0) FROM concierge_profiles";
    assert_eq!(cluster.psql(database, format), "2", "this release writes format 2");
    cluster.psql(
        database,
        &format!("UPDATE concierge_profiles SET body = '\\x01'::bytea || convert_to($j${body}$j$, 'UTF8')"),
    );
    assert_eq!(cluster.psql(database, format), "1");
    let old = store.load(id).unwrap().unwrap();
    assert_eq!((old.slots().age, old.visits().number, old.events().len()), (Some(6), 3, 1));
    assert_eq!(old.last_seen().offset().whole_hours(), 2);
    let (changed, durable) = store.update(id, T0, &mut |p| p.start_visit(T0)).unwrap();
    durable.wait().unwrap();
    assert_eq!(cluster.psql(database, format), "2");
    assert_eq!(store.load(id).unwrap().unwrap(), changed);
    assert_eq!((changed.slots().age, changed.visits().number, changed.events().len()), (Some(6), 4, 1));
}
