//! Erasure that stays erased: tombstones refuse every write that would bring an erased shopper
//! or customer back, until the merchant's expiry; profiles are bounded by their encoded size;
//! the store's files are private.

use time::Duration;

use super::{T0, viewed};
use crate::profile::{
    CustomerId, Durability, Limits, Profile, ShopperId, SledStore, Store, StoreError, StoreOptions, update_customer,
};

fn open(dir: &tempfile::TempDir, options: StoreOptions) -> SledStore {
    SledStore::open(dir.path(), StoreOptions { durability: Durability::Group, ..options }).unwrap()
}

#[test]
fn no_write_recreates_an_erased_shopper() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, StoreOptions::default());
    let id = ShopperId::random();
    store.save(&Profile::new(id, T0)).unwrap();
    store.erase(id).unwrap().wait().unwrap();
    assert!(matches!(store.update(id, T0, &mut |_| ()), Err(StoreError::ShopperErased { .. })));
    assert!(matches!(store.write(&Profile::new(id, T0)), Err(StoreError::ShopperErased { .. })));
    assert!(store.change(id, &mut |_| ()).unwrap().is_none(), "change never creates");
    assert!(!store.contains(id).unwrap());
}

#[test]
fn change_alters_a_stored_profile_and_never_creates_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, StoreOptions::default());
    let unknown = ShopperId::random();
    assert!(store.change(unknown, &mut |_| ()).unwrap().is_none());
    assert!(!store.contains(unknown).unwrap());
    let id = ShopperId::random();
    store.save(&Profile::new(id, T0)).unwrap();
    let (changed, durable) = store
        .change(id, &mut |p| {
            p.record(viewed("sku-1", T0), &Limits::default());
        })
        .unwrap()
        .unwrap();
    durable.wait().unwrap();
    assert_eq!(changed.events().len(), 1);
    assert_eq!(store.load(id).unwrap().unwrap(), changed);
}

#[test]
fn an_erased_customer_is_not_recreated_until_its_tombstone_expires() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { erased_ids: Duration::days(30), ..StoreOptions::default() };
    let store = open(&dir, options);
    let customer = CustomerId::parse("c-erased").unwrap();
    let (profile, durable) = update_customer(&store, &customer, T0, &mut |_| ()).unwrap();
    durable.wait().unwrap();
    store.erase(profile.id()).unwrap().wait().unwrap();
    let late = update_customer(&store, &customer, T0, &mut |_| ());
    assert!(matches!(late, Err(StoreError::CustomerErased { .. })), "a late backend event recreates nothing");
    let mut login = Profile::new(ShopperId::random(), T0);
    login.link_customer(&customer, T0);
    assert!(matches!(store.write(&login), Err(StoreError::CustomerErased { .. })));
    assert_eq!(store.find_customer(&customer).unwrap(), None);
    // The sweep drops the tombstone once the merchant's expiry has passed (measured from the
    // erasure, by the real clock), and the customer id may then be linked anew.
    let later = time::OffsetDateTime::now_utc() + Duration::days(31);
    store.sweep(later, Duration::days(10_000)).unwrap();
    let (again, _) = update_customer(&store, &customer, T0, &mut |_| ()).unwrap();
    assert_ne!(again.id(), profile.id(), "a new shopper, never the erased one");
}

#[test]
fn tombstones_name_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, StoreOptions::default());
    let customer = CustomerId::parse("jane@example.com").unwrap();
    let (profile, _) = update_customer(&store, &customer, T0, &mut |_| ()).unwrap();
    store.erase(profile.id()).unwrap().wait().unwrap();
    let hex = profile.id().to_string();
    for kv in store.db().iter() {
        let (k, v) = kv.unwrap();
        for needle in [hex.as_bytes(), b"jane@example.com".as_slice()] {
            assert!(!k.windows(needle.len()).any(|w| w == needle), "{:?}", String::from_utf8_lossy(&k));
            assert!(!v.windows(needle.len()).any(|w| w == needle));
        }
    }
}

#[test]
fn a_profile_past_its_size_cap_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, StoreOptions { max_profile_bytes: 4096, ..StoreOptions::default() });
    let id = ShopperId::random();
    store.save(&Profile::new(id, T0)).unwrap();
    let limits = Limits::default();
    let grown = store.change(id, &mut |p| {
        for n in 0..200 {
            p.record(viewed(&format!("a-rather-long-product-id-{n:04}"), T0), &limits);
        }
    });
    match grown {
        Err(StoreError::TooLarge { bytes, max }) => assert!(bytes > max && max == 4096),
        other => panic!("not refused: {:?}", other.map(|o| o.map(|(p, _)| p.events().len()))),
    }
    assert!(store.load(id).unwrap().unwrap().events().is_empty(), "nothing of the refused write is stored");
}

#[cfg(unix)]
#[test]
fn the_store_directory_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, StoreOptions::default());
    store.save(&Profile::new(ShopperId::random(), T0)).unwrap();
    store.sweep(T0, Duration::days(1)).unwrap();
    let mut checked = 0;
    let mut pending = vec![store.path().to_path_buf()];
    while let Some(path) = pending.pop() {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        if path.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
        }
        checked += 1;
    }
    assert!(checked > 2);
}

#[test]
fn whose_tells_an_absent_an_anonymous_and_a_linked_shopper_apart() {
    use crate::profile::Stored;
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, StoreOptions::default());
    let anonymous = ShopperId::random();
    store.save(&Profile::new(anonymous, T0)).unwrap();
    let customer = CustomerId::parse("c-9").unwrap();
    let (linked, _) = update_customer(&store, &customer, T0, &mut |_| ()).unwrap();
    assert_eq!(store.whose(ShopperId::random()).unwrap(), Stored::Absent);
    assert_eq!(store.whose(anonymous).unwrap(), Stored::Anonymous);
    assert_eq!(store.whose(linked.id()).unwrap(), Stored::Customer(customer));
    store.erase(linked.id()).unwrap().wait().unwrap();
    assert_eq!(store.whose(linked.id()).unwrap(), Stored::Absent);
}
