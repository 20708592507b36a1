//! Whose conversation a greeting continues: the one identity rule at a `hello`.
//!
//! A conversation is the shopper's the token names, with the customer the hello names:
//!
//! - a profile linked to a customer is continued only with that customer's valid signature, so
//!   on a shared device a visitor who is not logged in (or is logged in as someone else) never
//!   sees a customer's conversation, answers or orders;
//! - a customer login continues the profile linked to that customer, and merges into it the
//!   anonymous profile the token names (the same person, before logging in: answers kept with
//!   their provenance, see [`crate::profile::Profile::absorb`]), which is then erased;
//! - a customer the shop has not linked yet takes over the token's profile only when it is
//!   anonymous; a profile linked to another customer is never adopted;
//! - a token whose profile no longer exists (erased, expired) continues nothing.

use crate::profile::{CustomerId, ShopperId, Store, StoreError, Stored};

/// What a greeting continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Greeting {
    /// The shopper whose profile the visit continues; `None`: a new shopper.
    pub continues: Option<ShopperId>,
    /// The token's anonymous profile, to merge into the customer's and then erase.
    pub absorbs: Option<ShopperId>,
}

/// Applies the rule to a verified token's shopper and a verified customer id.
pub(crate) fn greet(
    store: &dyn Store,
    token: Option<ShopperId>,
    customer: Option<&CustomerId>,
) -> Result<Greeting, StoreError> {
    let anonymous = match token {
        Some(id) if store.whose(id)? == Stored::Anonymous => Some(id),
        _ => None,
    };
    let Some(customer) = customer else {
        return Ok(Greeting { continues: anonymous, absorbs: None });
    };
    Ok(match store.find_customer(customer)? {
        Some(linked) => Greeting { continues: Some(linked), absorbs: anonymous.filter(|a| *a != linked) },
        None => Greeting { continues: anonymous, absorbs: None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Profile, SledStore, StoreOptions, update_customer};
    use time::macros::datetime;

    const T0: time::OffsetDateTime = datetime!(2026-11-24 10:00 UTC);

    fn store() -> (SledStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (SledStore::open(dir.path(), StoreOptions::default()).unwrap(), dir)
    }

    fn customer(store: &SledStore, id: &str) -> (CustomerId, ShopperId) {
        let customer = CustomerId::parse(id).unwrap();
        let (profile, _) = update_customer(store, &customer, T0, &mut |_| ()).unwrap();
        (customer, profile.id())
    }

    fn anonymous(store: &SledStore) -> ShopperId {
        let id = ShopperId::random();
        store.save(&Profile::new(id, T0)).unwrap();
        id
    }

    #[test]
    fn a_customers_profile_is_never_continued_without_their_signature() {
        let (store, _dir) = store();
        let (c1, first) = customer(&store, "c-1");
        let (c2, _) = customer(&store, "c-2");
        assert_eq!(greet(&store, Some(first), None).unwrap().continues, None, "logged out");
        let second = greet(&store, Some(first), Some(&c2)).unwrap();
        assert_ne!(second.continues, Some(first), "another customer on the same device");
        assert_eq!(second.absorbs, None, "and nothing of the first is merged");
        assert_eq!(greet(&store, Some(first), Some(&c1)).unwrap().continues, Some(first));
    }

    #[test]
    fn a_login_merges_the_anonymous_profile_into_the_customers() {
        let (store, _dir) = store();
        let (c1, linked) = customer(&store, "c-1");
        let before = anonymous(&store);
        let greeting = greet(&store, Some(before), Some(&c1)).unwrap();
        assert_eq!(greeting, Greeting { continues: Some(linked), absorbs: Some(before) });
    }

    #[test]
    fn a_new_customer_takes_over_only_an_anonymous_profile() {
        let (store, _dir) = store();
        let (_, other) = customer(&store, "c-other");
        let fresh = CustomerId::parse("c-new").unwrap();
        let before = anonymous(&store);
        assert_eq!(greet(&store, Some(before), Some(&fresh)).unwrap().continues, Some(before));
        assert_eq!(greet(&store, Some(other), Some(&fresh)).unwrap().continues, None);
    }

    #[test]
    fn an_erased_or_unknown_token_continues_nothing() {
        let (store, _dir) = store();
        let gone = anonymous(&store);
        store.erase(gone).unwrap().wait().unwrap();
        assert_eq!(greet(&store, Some(gone), None).unwrap().continues, None);
        assert_eq!(greet(&store, Some(ShopperId::random()), None).unwrap().continues, None);
        assert_eq!(greet(&store, None, None).unwrap(), Greeting { continues: None, absorbs: None });
    }
}
