//! Experiment exposures (issue #20) on `SledStore` and `PostgresStore` alike: the first
//! exposure stands, a purchase is kept once per unit and order, erasure forgets a unit, and a
//! database migrated before migration 6 gets it however the versions are numbered.

use concierge::profile::{Exposure, PostgresOptions, PostgresStore, Purchase, Store, Unit};
use time::Duration;

use crate::contract::T0;

fn exposure(experiment: &str, unit: &str, arm: &str, of: Option<&str>) -> Exposure {
    Exposure {
        experiment: experiment.into(),
        unit: Unit::from_stored(unit.into()),
        arm: arm.into(),
        at: T0,
        of: of.map(|u| Unit::from_stored(u.into())),
    }
}

fn bought(unit: &str, key: &str, revenue: f64) -> Purchase {
    Purchase { unit: Unit::from_stored(unit.into()), key: key.into(), revenue, at: T0 + Duration::hours(1) }
}

fn the_first_exposure_stands_and_is_listed_per_experiment(store: &dyn Store) {
    let exposures = store.experiments().expect("the store keeps exposures");
    let first = exposure("holdout", "s:1", "holdout", None);
    assert_eq!(exposures.expose(&first).unwrap(), first);
    let later = Exposure { at: T0 + Duration::days(1), ..exposure("holdout", "s:1", "assistant", None) };
    assert_eq!(exposures.expose(&later).unwrap(), first, "the earlier exposure is returned");
    exposures.expose(&exposure("holdout", "c:9", "holdout", Some("s:1"))).unwrap();
    exposures.expose(&exposure("ranking", "s:1", "popular", None)).unwrap();
    let mut listed = exposures.exposures("holdout").unwrap();
    listed.sort_by(|a, b| a.unit.cmp(&b.unit));
    assert_eq!(listed, [exposure("holdout", "c:9", "holdout", Some("s:1")), first]);
    assert_eq!(exposures.exposure("ranking", &Unit::from_stored("s:1".into())).unwrap().unwrap().arm, "popular");
    assert!(exposures.exposure("holdout", &Unit::from_stored("s:2".into())).unwrap().is_none());
}

fn purchases_are_kept_once_per_order_and_forgotten_with_their_unit(store: &dyn Store) {
    let exposures = store.experiments().expect("the store keeps exposures");
    let unit = Unit::from_stored("s:7".into());
    exposures.expose(&exposure("holdout", "s:7", "assistant", None)).unwrap();
    assert!(exposures.is_exposed(&unit).unwrap());
    assert!(!exposures.is_exposed(&Unit::from_stored("s:8".into())).unwrap());
    exposures.add_purchase(&bought("s:7", "o-1", 12.5)).unwrap().expect("a new order").wait().unwrap();
    assert!(exposures.add_purchase(&bought("s:7", "o-1", 12.5)).unwrap().is_none(), "a repeat");
    exposures.add_purchase(&bought("s:7", "o-2", 7.5)).unwrap().expect("another order").wait().unwrap();
    let mut keys: Vec<(String, f64)> =
        exposures.purchases(&unit).unwrap().into_iter().map(|p| (p.key, p.revenue)).collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(keys, [("o-1".to_string(), 12.5), ("o-2".to_string(), 7.5)]);
    exposures.forget(&unit).unwrap();
    assert!(!exposures.is_exposed(&unit).unwrap());
    assert!(exposures.purchases(&unit).unwrap().is_empty());
    assert!(exposures.exposures("holdout").unwrap().iter().all(|e| e.unit != unit));
}

fn anonymous_exposures_older_than_the_retention_expire_with_their_purchases_and_customers_stay(store: &dyn Store) {
    let exposures = store.experiments().expect("the store keeps exposures");
    let at = |unit: &str, days: i64| Exposure {
        at: T0 + Duration::days(days),
        ..exposure("holdout", unit, "assistant", None)
    };
    exposures.expose(&at("s:old", 0)).unwrap();
    exposures.expose(&Exposure { experiment: "ranking".into(), ..at("s:old", 0) }).unwrap();
    exposures.expose(&at("s:new", 10)).unwrap();
    exposures.expose(&at("c:42", 0)).unwrap();
    for unit in ["s:old", "s:new", "c:42"] {
        exposures.add_purchase(&bought(unit, "o-1", 5.0)).unwrap().expect("a new order").wait().unwrap();
    }
    assert_eq!(exposures.expire(T0 + Duration::days(5)).unwrap(), 2, "both of s:old's exposures");
    let old = Unit::from_stored("s:old".into());
    assert!(!exposures.is_exposed(&old).unwrap());
    assert!(exposures.purchases(&old).unwrap().is_empty(), "an expired unit's purchases go with it");
    let mut left: Vec<String> =
        exposures.exposures("holdout").unwrap().into_iter().map(|e| e.unit.to_string()).collect();
    left.sort();
    assert_eq!(left, ["c:42", "s:new"], "a customer's exposure and a recent one stay");
    assert_eq!(exposures.purchases(&Unit::from_stored("s:new".into())).unwrap().len(), 1);
    assert_eq!(exposures.purchases(&Unit::from_stored("c:42".into())).unwrap().len(), 1);
    assert_eq!(exposures.expire(T0 + Duration::days(5)).unwrap(), 0, "a second sweep finds nothing");
}

macro_rules! exposures_contract {
    ($($case:ident),* $(,)?) => {
        mod sled_exposures {
            $( #[test] fn $case() { let (store, _dir) = crate::contract::sled(); super::$case(store.as_ref()); } )*
        }
        mod postgres_exposures {
            $( #[test] fn $case() { if let Some(store) = crate::contract::postgres() { super::$case(store.as_ref()); } } )*
        }
    };
}

exposures_contract!(
    the_first_exposure_stands_and_is_listed_per_experiment,
    purchases_are_kept_once_per_order_and_forgotten_with_their_unit,
    anonymous_exposures_older_than_the_retention_expire_with_their_purchases_and_customers_stay,
);

/// Migration numbers are reserved per issue, so a database may have applied a later version
/// than one it lacks (6 before 3, after a merge): every missing version is applied, not only
/// those above the newest applied.
#[test]
fn a_migration_older_than_the_newest_applied_is_still_applied() {
    let Some(url) = crate::cluster::fresh_database() else { return };
    let cluster = crate::cluster::shared().expect("the cluster behind the database");
    let database = url.rsplit('/').next().expect("a database name");
    cluster.psql(database, "DROP TABLE concierge_conversations; DELETE FROM concierge_migrations WHERE version = 2");
    drop(PostgresStore::open(&url, PostgresOptions::default()).unwrap());
    let tables = "SELECT count(*) FROM pg_tables WHERE tablename IN ('concierge_conversations', 'concierge_exposures')";
    assert_eq!(cluster.psql(database, tables), "2");
    assert_eq!(cluster.psql(database, "SELECT count(*) FROM concierge_migrations WHERE version IN (2, 6)"), "2");
}
