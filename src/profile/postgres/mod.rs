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
//! - Erasure leaves tombstones, as on sled (see `tombstones`): no write from any server
//!   recreates an erased shopper or links an erased customer id until they expire; a profile
//!   is bounded by its encoded size (`TooLarge`).
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
mod exposures;
mod listen;
mod notices;
mod orders;
mod schema;
mod tombstones;
mod watchers;
mod write;

use std::future::Future;
use std::time::Duration as StdDuration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use time::{Duration, OffsetDateTime};
use tokio_postgres::NoTls;

pub use schema::ERASED_CHANNEL;
use write::{Failure, database, decode, parse_id};

use super::conversations::Erasure;
use super::error::StoreError;
use super::group_commit::Durable;
use super::id::{CustomerId, ShopperId};
use super::record::Profile;
use super::sled_store::{DEFAULT_ERASED_IDS, DEFAULT_MAX_PROFILE_BYTES};
use super::store::{Store, Stored};
use super::tombstone::Salt;

/// How to reach the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Connections kept by this server (each server has its own pool).
    pub pool_size: usize,
    /// The longest one store call may take, waiting for a connection included; past it the
    /// call fails with `Unavailable` and nothing is acknowledged.
    pub timeout: StdDuration,
    /// The largest encoded profile stored, as for sled ([`super::StoreOptions`]).
    pub max_profile_bytes: usize,
    /// How long an erased shopper or customer id stays refused (its tombstone).
    pub erased_ids: Duration,
}

impl Default for PostgresOptions {
    fn default() -> PostgresOptions {
        PostgresOptions {
            pool_size: 16,
            timeout: StdDuration::from_secs(5),
            max_profile_bytes: DEFAULT_MAX_PROFILE_BYTES,
            erased_ids: DEFAULT_ERASED_IDS,
        }
    }
}

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
    erased: tokio::sync::broadcast::Sender<Erasure>,
    /// The tombstones' salt, shared by every server on the database.
    salt: Salt,
    max_profile_bytes: usize,
    erased_ids: Duration,
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
        let mut store = PostgresStore {
            runtime: Some(runtime),
            handle,
            pool,
            timeout: options.timeout,
            shown,
            erased,
            salt: Salt::from_bytes([0; 32]),
            max_profile_bytes: options.max_profile_bytes,
            erased_ids: options.erased_ids,
        };
        store.salt = store.run(async {
            let mut client = store.client().await?;
            schema::migrate(&mut client).await?;
            tombstones::salt(&client).await
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

    fn whose(&self, shopper: ShopperId) -> Result<Stored, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached("SELECT customer FROM concierge_profiles WHERE shopper = $1")
                .await
                .map_err(database)?;
            let row = client.query_opt(&statement, &[&shopper.to_string()]).await.map_err(database)?;
            Ok(match row.map(|row| row.get::<_, Option<String>>(0)) {
                None => Stored::Absent,
                Some(None) => Stored::Anonymous,
                Some(Some(customer)) => Stored::Customer(CustomerId::from_stored(&customer)),
            })
        })
    }

    fn write(&self, profile: &Profile) -> Result<Durable, StoreError> {
        // The same read-modify-write as `update`, whose change is "replace it with this".
        self.modify(profile.id(), Some(profile.last_seen()), &mut |stored| *stored = profile.clone())?;
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
        let expires = (OffsetDateTime::now_utc() + self.erased_ids).unix_timestamp();
        self.run(self.retrying(None, || async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tombstones::lock_shopper(&tx, &id).await?;
            tx.execute(
                "DELETE FROM concierge_order_lines WHERE customer =
                 (SELECT customer FROM concierge_profiles WHERE shopper = $1)",
                &[&id],
            )
            .await?;
            let row =
                tx.query_opt("DELETE FROM concierge_profiles WHERE shopper = $1 RETURNING customer", &[&id]).await?;
            let mut buried = vec![self.salt.shopper_text(shopper)];
            if let Some(customer) = row.and_then(|row| row.get::<_, Option<String>>(0)) {
                buried.push(self.salt.customer_text(&customer));
            }
            tombstones::bury(&tx, &buried, expires).await?;
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
        let expires = (now + self.erased_ids).unix_timestamp();
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
            tombstones::expire(&tx, now.unix_timestamp()).await?;
            let mut buried = Vec::with_capacity(rows.len());
            for row in &rows {
                let shopper: &str = row.get(0);
                tx.execute("SELECT pg_notify($1, $2)", &[&ERASED_CHANNEL, &shopper]).await?;
                if let Ok(id) = shopper.parse::<ShopperId>() {
                    buried.push(self.salt.shopper_text(id));
                }
            }
            tombstones::bury(&tx, &buried, expires).await?;
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

    fn notices(&self) -> Option<&dyn crate::notices::Outbox> {
        Some(self)
    }

    fn orders(&self) -> Option<&dyn crate::orders::OrderLog> {
        Some(self)
    }

    fn watchers(&self) -> Option<&dyn crate::notices::Watchers> {
        Some(self)
    }

    fn conversations(&self) -> Option<&dyn crate::profile::conversations::Conversations> {
        Some(self)
    }

    fn experiments(&self) -> Option<&dyn crate::profile::exposures::Exposures> {
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
