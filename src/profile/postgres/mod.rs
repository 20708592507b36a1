//! `PostgresStore`: the profile store on PostgreSQL, shared by several servers.
//!
//! One row per shopper in `concierge_profiles` (see `schema`). Every change is one
//! transaction that commits before the method returns, so the [`Durable`] ticket it hands back
//! is already resolved: an answer is acknowledged only after its `COMMIT` returned, with the
//! database's own durability (`synchronous_commit = on` by default).
//!
//! - Read-modify-write of one shopper: `SELECT ... FOR UPDATE` on its row, the change, then
//!   the row written back, in one transaction; a first write of a new shopper that races
//!   another inserts with `ON CONFLICT DO NOTHING` and starts over on the winner's row.
//! - The customer link is a `UNIQUE` column: a second shopper claiming it is refused
//!   (`CustomerTaken`) by the database itself, whichever server asks.
//! - Events are idempotent by id because their seen ids live in the row that is locked.
//! - The retention sweep runs under a transaction-scoped advisory lock that other servers try
//!   and skip, so one server sweeps at a time.
//! - Serialization failures (SQLSTATE 40001) and deadlocks (40P01) are retried a few times:
//!   PostgreSQL itself at `READ COMMITTED` raises neither here, but Postgres-compatible
//!   distributed engines (serializable by default) do. Those engines are untested.
//!
//! The `Store` trait is synchronous; this store blocks the calling thread for its round trips
//! ([`Store::blocks`] says so, and the server calls it on the blocking pool). Its connections
//! are driven by a small runtime of its own, so it works from any thread.

mod conversations;
mod listen;
mod orders;
mod schema;

use std::future::Future;
use std::time::Duration as StdDuration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use time::{Duration, OffsetDateTime};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

pub use schema::ERASED_CHANNEL;

use super::codec;
use super::error::StoreError;
use super::group_commit::Durable;
use super::id::{CustomerId, ShopperId};
use super::record::Profile;
use super::store::Store;

/// How to reach the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Connections kept by this server (each server has its own pool).
    pub pool_size: usize,
    /// The longest one store call may take, waiting for a connection included; past it the
    /// call fails with `Unavailable` and nothing is acknowledged.
    pub timeout: StdDuration,
}

impl Default for PostgresOptions {
    fn default() -> PostgresOptions {
        PostgresOptions { pool_size: 16, timeout: StdDuration::from_secs(5) }
    }
}

/// How many times a transaction that lost a serialization race is tried.
const ATTEMPTS: usize = 5;

/// The profile store on a PostgreSQL database (see the module doc).
pub struct PostgresStore {
    /// Drives the pool's connections; `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    pool: Pool,
    timeout: StdDuration,
    /// The URL without its password, for messages.
    shown: String,
    /// Every erased shopper's id, from any server (see `listen`).
    erased: tokio::sync::broadcast::Sender<ShopperId>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`), applies any
    /// migration the database lacks, and keeps a pool of connections. Fails with
    /// `Unavailable` when the database cannot be reached in `options.timeout`.
    pub fn open(url: &str, options: PostgresOptions) -> Result<PostgresStore, StoreError> {
        let shown = redact(url);
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError::Database(format!("{shown}: not a PostgreSQL URL: {e}")))?;
        config.connect_timeout(options.timeout);
        config.application_name("concierge");
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            .build()
            .map_err(|e| StoreError::Database(format!("{shown}: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("concierge-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable(format!("{shown}: cannot start its runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let (erased, _) = tokio::sync::broadcast::channel(1024);
        let store = PostgresStore { runtime: Some(runtime), handle, pool, timeout: options.timeout, shown, erased };
        store.run(async {
            let mut client = store.client().await?;
            schema::migrate(&mut client).await
        })?;
        store.handle.spawn(listen::listen(config, store.erased.clone()));
        Ok(store)
    }

    /// The URL, password removed.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Runs `work` to completion on this thread with the store's runtime driving its I/O,
    /// within the store's timeout. On a multi-threaded runtime's worker the thread is first
    /// handed over with `block_in_place`, so other tasks move on meanwhile; callers should still
    /// prefer the blocking pool ([`Store::blocks`]).
    fn run<T>(&self, work: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
        let timeout = self.timeout;
        let shown = &self.shown;
        let bounded = async move {
            match tokio::time::timeout(timeout, work).await {
                Ok(result) => result,
                Err(_) => Err(StoreError::Unavailable(format!("{shown}: no answer within {timeout:?}"))),
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(current) if current.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| self.handle.block_on(bounded))
            }
            _ => self.handle.block_on(bounded),
        }
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(|e| StoreError::Unavailable(format!("{}: {e}", self.shown)))
    }

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
        let select = tx.prepare_cached("SELECT body FROM concierge_profiles WHERE shopper = $1 FOR UPDATE").await?;
        let row = tx.query_opt(&select, &[&id]).await?;
        let existed = row.is_some();
        let mut profile = match (row, create) {
            (Some(row), _) => decode(shopper, row.get(0))?,
            (None, Some(now)) => Profile::new(shopper, now),
            (None, None) => return Ok(Step::Missing),
        };
        change(&mut profile);
        let (customer, seen, body) = columns(&profile)?;
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
        tx.commit().await?;
        Ok(Step::Done(Box::new(profile)))
    }

    /// [`Store::update`] (`create` set) and [`Store::change`] (`create` `None`): the
    /// read-modify-write retried on serialization failures and on a lost race to create.
    fn modify(
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

    async fn find(&self, customer: &str) -> Result<Option<ShopperId>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT shopper FROM concierge_profiles WHERE customer = $1", &[&customer])
            .await
            .map_err(database)?;
        row.map(|row| parse_id(row.get(0))).transpose()
    }

    /// Retries `attempt` on serialization failures and deadlocks; maps a customer-link
    /// conflict to `CustomerTaken` for `customer`.
    async fn retrying<T, F>(&self, customer: Option<&str>, mut attempt: impl FnMut() -> F) -> Result<T, StoreError>
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
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which is not allowed on a runtime thread.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Store for PostgresStore {
    fn blocks(&self) -> bool {
        true
    }

    fn check(&self) -> Result<(), StoreError> {
        self.run(async {
            let client = self.client().await?;
            client.simple_query("SELECT 1").await.map_err(database)?;
            Ok(())
        })
    }

    fn load(&self, shopper: ShopperId) -> Result<Option<Profile>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached("SELECT body FROM concierge_profiles WHERE shopper = $1")
                .await
                .map_err(database)?;
            let row = client.query_opt(&statement, &[&shopper.to_string()]).await.map_err(database)?;
            row.map(|row| decode(shopper, row.get(0)).map_err(Failure::into_store)).transpose()
        })
    }

    fn contains(&self, shopper: ShopperId) -> Result<bool, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let statement =
                client.prepare_cached("SELECT 1 FROM concierge_profiles WHERE shopper = $1").await.map_err(database)?;
            Ok(client.query_opt(&statement, &[&shopper.to_string()]).await.map_err(database)?.is_some())
        })
    }

    fn write(&self, profile: &Profile) -> Result<Durable, StoreError> {
        let (customer, seen, body) = columns(profile).map_err(Failure::into_store)?;
        let id = profile.id().to_string();
        self.run(self.retrying(customer.as_deref(), || async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "INSERT INTO concierge_profiles (shopper, customer, last_seen, body) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (shopper) DO UPDATE
                     SET customer = EXCLUDED.customer, last_seen = EXCLUDED.last_seen, body = EXCLUDED.body",
                )
                .await?;
            client.execute(&statement, &[&id, &customer, &seen, &body]).await?;
            Ok(Some(()))
        }))?;
        Ok(Durable::ready(Ok(())))
    }

    fn update(
        &self,
        shopper: ShopperId,
        now: OffsetDateTime,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<(Profile, Durable), StoreError> {
        let profile = self.modify(shopper, Some(now), change)?;
        let profile =
            profile.ok_or_else(|| StoreError::Database(format!("{}: shopper {shopper} not created", self.shown)))?;
        Ok((profile, Durable::ready(Ok(()))))
    }

    fn change(
        &self,
        shopper: ShopperId,
        change: &mut dyn FnMut(&mut Profile),
    ) -> Result<Option<(Profile, Durable)>, StoreError> {
        Ok(self.modify(shopper, None, change)?.map(|profile| (profile, Durable::ready(Ok(())))))
    }

    fn erase(&self, shopper: ShopperId) -> Result<Durable, StoreError> {
        let id = shopper.to_string();
        self.run(self.retrying(None, || async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tx.execute(
                "DELETE FROM concierge_order_lines WHERE customer =
                 (SELECT customer FROM concierge_profiles WHERE shopper = $1)",
                &[&id],
            )
            .await?;
            tx.execute("DELETE FROM concierge_profiles WHERE shopper = $1", &[&id]).await?;
            // Delivered to every listening server when (and only if) the delete commits.
            tx.execute("SELECT pg_notify($1, $2)", &[&ERASED_CHANNEL, &id]).await?;
            tx.commit().await?;
            Ok(Some(()))
        }))?;
        Ok(Durable::ready(Ok(())))
    }

    fn find_customer(&self, customer: &CustomerId) -> Result<Option<ShopperId>, StoreError> {
        self.run(self.find(customer.as_str()))
    }

    fn sweep(&self, now: OffsetDateTime, idle: Duration) -> Result<usize, StoreError> {
        let limit = (now - idle).unix_timestamp();
        let removed = self.run(self.retrying(None, || async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let locked: bool =
                tx.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&schema::SWEEP_LOCK]).await?.get(0);
            if !locked {
                tracing::debug!("another server is sweeping");
                return Ok(Some(0));
            }
            let rows = tx
                .query(
                    "DELETE FROM concierge_profiles WHERE customer IS NULL AND last_seen <= $1 RETURNING shopper",
                    &[&limit],
                )
                .await?;
            tx.execute("DELETE FROM concierge_conversations WHERE expires <= $1", &[&now.unix_timestamp()]).await?;
            for row in &rows {
                let shopper: &str = row.get(0);
                tx.execute("SELECT pg_notify($1, $2)", &[&ERASED_CHANNEL, &shopper]).await?;
            }
            tx.commit().await?;
            Ok(Some(rows.len()))
        }))?;
        if removed > 0 {
            tracing::info!(removed, "retention sweep removed idle anonymous shoppers");
        }
        Ok(removed)
    }

    fn flush(&self) -> Result<(), StoreError> {
        // Every change committed before its method returned.
        Ok(())
    }

    fn orders(&self) -> Option<&dyn crate::orders::OrderLog> {
        Some(self)
    }

    fn conversations(&self) -> Option<&dyn crate::profile::conversations::Conversations> {
        Some(self)
    }

    fn shoppers_after(&self, after: Option<ShopperId>, limit: usize) -> Result<Vec<ShopperId>, StoreError> {
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT shopper FROM concierge_profiles WHERE shopper > $1 ORDER BY shopper LIMIT $2",
                    &[&after, &limit],
                )
                .await
                .map_err(database)?;
            rows.iter().map(|row| parse_id(row.get(0))).collect()
        })
    }
}

/// What went wrong inside a transaction: a database error (maybe worth a retry) or ours.
enum Failure {
    Postgres(tokio_postgres::Error),
    Store(StoreError),
}

impl Failure {
    fn into_store(self) -> StoreError {
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

/// A database error as a `StoreError`: `Unavailable` when the connection is gone (the pool
/// replaces it), `Database` with the server's message and SQLSTATE otherwise.
/// What one read-modify-write attempt came to.
enum Step {
    Done(Box<Profile>),
    /// Not stored, and not to be created.
    Missing,
    /// A concurrent first write of the same new shopper won: start over.
    Raced,
}

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

/// The row's columns for a profile: customer link, last seen (Unix seconds), encoded body.
fn columns(profile: &Profile) -> Result<(Option<String>, i64, Vec<u8>), Failure> {
    let body = codec::encode(profile).map_err(StoreError::Encode)?;
    let customer = profile.customer().map(|c| c.id.as_str().to_string());
    Ok((customer, profile.last_seen().unix_timestamp(), body))
}

fn decode(shopper: ShopperId, body: &[u8]) -> Result<Profile, Failure> {
    codec::decode(body).map_err(|reason| {
        tracing::warn!(%shopper, %reason, "unreadable stored profile");
        Failure::Store(StoreError::Corrupt { shopper: shopper.to_string(), reason })
    })
}

fn parse_id(text: &str) -> Result<ShopperId, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt {
        shopper: text.to_string(),
        reason: "the shopper column does not hold a shopper id".into(),
    })
}

/// `url` with any password replaced by `***`, safe to print and log.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(redact("postgres://shop:s3cret@db:5432/concierge"), "postgres://shop:***@db:5432/concierge");
        assert_eq!(redact("postgres://shop@db/concierge"), "postgres://shop@db/concierge");
        assert_eq!(redact("postgresql://db/concierge?user=x"), "postgresql://db/concierge?user=x");
    }
}
