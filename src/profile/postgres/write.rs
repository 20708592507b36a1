//! One shopper's read-modify-write on PostgreSQL, and the retries and error mapping every
//! transaction of the store shares.
//!
//! The row is locked with `SELECT ... FOR UPDATE`, changed, and written back in one
//! transaction; a first write of a new shopper takes the shopper's advisory lock and checks
//! its tombstone (see `tombstones`), then inserts with `ON CONFLICT DO NOTHING`, starting over
//! on the winner's row when another server created it first. The encoded profile is bounded
//! (`max_profile_bytes`): a change past it writes nothing and is `TooLarge`.

use std::future::Future;
use std::time::Duration as StdDuration;

use deadpool_postgres::Object;
use time::OffsetDateTime;
use tokio_postgres::error::SqlState;

use super::{PostgresStore, tombstones};
use crate::profile::codec;
use crate::profile::error::StoreError;
use crate::profile::id::ShopperId;
use crate::profile::record::Profile;

/// How many times a transaction that lost a serialization race is tried.
const ATTEMPTS: usize = 5;

impl PostgresStore {
    /// One read-modify-write of `shopper`, creating it empty at `create` when it is not stored
    /// (or, with `create` `None`, answering [`Step::Missing`] and writing nothing).
    async fn update_once(
        &self,
        client: &mut Object,
        shopper: ShopperId,
        create: Option<OffsetDateTime>,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<Step, Failure> {
        let id = shopper.to_string();
        let tx = client.transaction().await?;
        let select =
            tx.prepare_cached("SELECT body, customer FROM concierge_profiles WHERE shopper = $1 FOR UPDATE").await?;
        let row = tx.query_opt(&select, &[&id]).await?;
        let existed = row.is_some();
        let (mut profile, before): (Profile, Option<String>) = match (row, create) {
            (Some(row), _) => (decode(shopper, row.get(0))?, row.get(1)),
            (None, Some(now)) => {
                tombstones::lock_shopper(&tx, &id).await?;
                tombstones::check_shopper(&tx, &self.salt, shopper).await?;
                (Profile::new(shopper, now), None)
            }
            (None, None) => return Ok(Step::Missing),
        };
        change(&mut profile);
        let (customer, seen, body) = self.columns(&profile)?;
        let sql = if existed {
            "UPDATE concierge_profiles SET customer = $2, last_seen = $3, body = $4 WHERE shopper = $1"
        } else {
            "INSERT INTO concierge_profiles (shopper, customer, last_seen, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (shopper) DO NOTHING"
        };
        let statement = tx.prepare_cached(sql).await?;
        if tx.execute(&statement, &[&id, &customer, &seen, &body]).await? == 0 {
            return Ok(Step::Raced);
        }
        // After the statement that links it, which waited for any erasure of its holder.
        if let Some(linked) = customer.as_deref().filter(|c| before.as_deref() != Some(*c)) {
            tombstones::check_customer(&tx, &self.salt, linked).await?;
        }
        tx.commit().await?;
        Ok(Step::Done(Box::new(profile)))
    }

    /// [`crate::profile::Store::update`] (`create` set) and `change` (`create` `None`): the
    /// read-modify-write retried on serialization failures and on a lost race to create.
    pub(super) fn modify(
        &self,
        shopper: ShopperId,
        create: Option<OffsetDateTime>,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<Option<Profile>, StoreError> {
        // The customer the change links is only known once it ran: remember the last one.
        let mut linked: Option<String> = None;
        self.run(async {
            let mut client = self.client().await?;
            for round in 1..=ATTEMPTS {
                let mut watched = |p: &mut Profile| {
                    change(p);
                    linked = p.customer().map(|c| c.id.as_str().to_string());
                };
                match self.update_once(&mut client, shopper, create, &mut watched).await {
                    Ok(Step::Done(profile)) => return Ok(Some(*profile)),
                    Ok(Step::Missing) => return Ok(None),
                    Ok(Step::Raced) => {}
                    Err(Failure::Postgres(error)) if is_customer_conflict(&error) => {
                        let customer = linked.clone().unwrap_or_default();
                        return Err(self.taken(&customer).await);
                    }
                    Err(Failure::Postgres(error)) if is_retryable(&error) && round < ATTEMPTS => {
                        tokio::time::sleep(StdDuration::from_millis(5 << round)).await;
                    }
                    Err(error) => return Err(error.into_store()),
                }
            }
            Err(StoreError::Database(format!("{}: shopper {shopper} kept conflicting; try again", self.shown)))
        })
    }

    /// `CustomerTaken` for `customer`, naming the shopper that holds it.
    async fn taken(&self, customer: &str) -> StoreError {
        let owner = match self.find(customer).await {
            Ok(Some(owner)) => owner,
            Ok(None) | Err(_) => return StoreError::Database(format!("customer `{customer}` is linked elsewhere")),
        };
        StoreError::CustomerTaken { customer: customer.to_string(), shopper: owner }
    }

    pub(super) async fn find(&self, customer: &str) -> Result<Option<ShopperId>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT shopper FROM concierge_profiles WHERE customer = $1", &[&customer])
            .await
            .map_err(database)?;
        row.map(|row| parse_id(row.get(0))).transpose()
    }

    /// Retries `attempt` on serialization failures and deadlocks; maps a customer-link
    /// conflict to `CustomerTaken` for `customer`.
    pub(super) async fn retrying<T, F>(
        &self,
        customer: Option<&str>,
        mut attempt: impl FnMut() -> F,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = Result<Option<T>, Failure>>,
    {
        for round in 1..=ATTEMPTS {
            match attempt().await {
                Ok(Some(done)) => return Ok(done),
                Ok(None) => {}
                Err(Failure::Postgres(error)) if is_customer_conflict(&error) => {
                    return Err(match customer {
                        Some(customer) => self.taken(customer).await,
                        None => database(error),
                    });
                }
                Err(Failure::Postgres(error)) if is_retryable(&error) && round < ATTEMPTS => {
                    tracing::debug!(%error, round, "retrying a transaction that lost a serialization race");
                    tokio::time::sleep(StdDuration::from_millis(5 << round)).await;
                }
                Err(Failure::Postgres(error)) => return Err(database(error)),
                Err(Failure::Store(error)) => return Err(error),
            }
        }
        Err(StoreError::Database(format!("{}: a transaction kept conflicting; try again", self.shown)))
    }

    /// The row's columns for a profile: customer link, last seen (Unix seconds), encoded
    /// body; `TooLarge` when the body is over the store's cap.
    fn columns(&self, profile: &Profile) -> Result<(Option<String>, i64, Vec<u8>), Failure> {
        let body = codec::encode(profile).map_err(StoreError::Encode)?;
        if body.len() > self.max_profile_bytes {
            return Err(Failure::Store(StoreError::TooLarge { bytes: body.len(), max: self.max_profile_bytes }));
        }
        let customer = profile.customer().map(|c| c.id.as_str().to_string());
        Ok((customer, profile.last_seen().unix_timestamp(), body))
    }
}

/// What went wrong inside a transaction: a database error (maybe worth a retry) or ours.
pub(super) enum Failure {
    Postgres(tokio_postgres::Error),
    Store(StoreError),
}

impl Failure {
    pub(super) fn into_store(self) -> StoreError {
        match self {
            Failure::Postgres(error) => database(error),
            Failure::Store(error) => error,
        }
    }
}

impl From<tokio_postgres::Error> for Failure {
    fn from(error: tokio_postgres::Error) -> Failure {
        Failure::Postgres(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

/// What one read-modify-write attempt came to.
enum Step {
    Done(Box<Profile>),
    /// Not stored, and not to be created.
    Missing,
    /// A concurrent first write of the same new shopper won: start over.
    Raced,
}

/// A database error as a `StoreError`: `Unavailable` when the connection is gone (the pool
/// replaces it), `Database` with the server's message and SQLSTATE otherwise.
pub(super) fn database(error: tokio_postgres::Error) -> StoreError {
    match error.as_db_error() {
        Some(db) => StoreError::Database(format!("{} (SQLSTATE {})", db.message(), db.code().code())),
        None => StoreError::Unavailable(format!("PostgreSQL connection: {error}")),
    }
}

/// A serialization failure or a deadlock: the transaction did nothing and may be run again.
pub(super) fn is_retryable(error: &tokio_postgres::Error) -> bool {
    matches!(error.code(), Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED)
}

fn is_customer_conflict(error: &tokio_postgres::Error) -> bool {
    error.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some("concierge_profiles_customer_key")
    })
}

pub(super) fn decode(shopper: ShopperId, body: &[u8]) -> Result<Profile, Failure> {
    codec::decode(body).map_err(|reason| {
        tracing::warn!(%shopper, %reason, "unreadable stored profile");
        Failure::Store(StoreError::Corrupt { shopper: shopper.to_string(), reason })
    })
}

pub(super) fn parse_id(text: &str) -> Result<ShopperId, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt {
        shopper: text.to_string(),
        reason: "the shopper column does not hold a shopper id".into(),
    })
}
