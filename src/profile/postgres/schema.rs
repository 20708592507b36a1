//! The Postgres schema and its migrations, applied exactly once however many servers start
//! together: each server takes a transaction-scoped advisory lock before reading the applied
//! versions, so the second waits for the first's commit and then finds nothing left to do.
//!
//! One row per shopper. The profile (declared facts, consent, events, orders, seen event ids)
//! stays one encoded value, as on sled (see `codec`), so a read-modify-write of a shopper is
//! one row locked with `SELECT ... FOR UPDATE`; the columns beside it are what the database
//! must index: the customer link (unique: one customer, one shopper) and `last_seen` for the
//! retention sweep of anonymous shoppers.
//!
//! Migration numbers need not be contiguous (each issue that adds tables reserves its own
//! number): a database gets every migration it lacks, in number order, and one that holds a
//! number this release does not know was migrated by a newer release and is refused.

use tokio_postgres::Client;

use super::write::{database, is_retryable};
use crate::profile::error::StoreError;

/// Advisory lock keys ("concierg" in ASCII, plus one per purpose), shared by every server
/// on the database.
pub(super) const MIGRATION_LOCK: i64 = 0x636f_6e63_6965_7267;
pub(super) const SWEEP_LOCK: i64 = MIGRATION_LOCK + 1;

/// The channel an erase is announced on (the payload is the shopper id), so every server can
/// end that shopper's conversations.
pub const ERASED_CHANNEL: &str = "concierge_erased";

/// Each migration once, in order; never edit one that has shipped, add the next. Numbers may
/// have gaps (each issue reserves its own): `migrate` applies every one above the current.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE concierge_profiles (
        shopper   text PRIMARY KEY,
        customer  text UNIQUE,
        last_seen bigint NOT NULL,
        body      bytea NOT NULL
    );
    CREATE INDEX concierge_profiles_anonymous_seen ON concierge_profiles (last_seen) WHERE customer IS NULL;",
    ),
    (
        2,
        // Conversations go with their shopper: erasing the profile row erases them too.
        "CREATE TABLE concierge_conversations (
        session text PRIMARY KEY,
        shopper text NOT NULL REFERENCES concierge_profiles (shopper) ON DELETE CASCADE,
        expires bigint NOT NULL,
        state   bytea NOT NULL
    );
    CREATE INDEX concierge_conversations_shopper ON concierge_conversations (shopper);
    CREATE INDEX concierge_conversations_expires ON concierge_conversations (expires);",
    ),
    (
        3,
        // Tombstones of erased shoppers and customer ids (keys salted hashes: see `tombstone`),
        // and the store's own settings (the tombstone salt).
        "CREATE TABLE concierge_tombstones (
        key     text PRIMARY KEY,
        expires bigint NOT NULL
    );
    CREATE INDEX concierge_tombstones_expires ON concierge_tombstones (expires);
    CREATE TABLE concierge_settings (
        name  text PRIMARY KEY,
        value bytea NOT NULL
    );",
    ),
    (
        4,
        // The order log (issue 18): not tied to a profile row, since guest orders count for
        // bought-together and customers are imported before they ever chat; erasing a shopper
        // deletes their customer's lines in the same transaction.
        "CREATE TABLE concierge_order_lines (
        order_id   text NOT NULL,
        product_id text NOT NULL,
        customer   text,
        at         bigint NOT NULL,
        line       bytea NOT NULL,
        PRIMARY KEY (order_id, product_id)
    );
    CREATE INDEX concierge_order_lines_customer ON concierge_order_lines (customer, at) WHERE customer IS NOT NULL;",
    ),
    (
        5,
        // Notices waiting for the shop's backend go with their shopper, as conversations do.
        "CREATE TABLE concierge_notices (
        position bigserial PRIMARY KEY,
        id       text NOT NULL UNIQUE,
        shopper  text NOT NULL REFERENCES concierge_profiles (shopper) ON DELETE CASCADE,
        body     bytea NOT NULL
    );
    CREATE INDEX concierge_notices_shopper ON concierge_notices (shopper);",
    ),
    (
        6,
        // Issue #20. No foreign key to the profiles: a held-out shopper who never chats has no
        // profile, yet their exposure and orders count. Revenue is in the shop's currency.
        "CREATE TABLE concierge_exposures (
        experiment text NOT NULL,
        unit       text NOT NULL,
        arm        text NOT NULL,
        at         bigint NOT NULL,
        of_unit    text,
        PRIMARY KEY (experiment, unit)
    );
    CREATE INDEX concierge_exposures_unit ON concierge_exposures (unit);
    CREATE TABLE concierge_purchases (
        unit    text NOT NULL,
        key     text NOT NULL,
        revenue double precision NOT NULL,
        at      bigint NOT NULL,
        PRIMARY KEY (unit, key)
    );",
    ),
    (
        7,
        // Issue #19: who watches each product (wishlisted or carted), so a stock change reads
        // only those shoppers; the entries go with their shopper's row. Whether the index was
        // built from the profiles stored before it is in concierge_settings.
        "CREATE TABLE concierge_watchers (
        product text NOT NULL,
        shopper text NOT NULL REFERENCES concierge_profiles (shopper) ON DELETE CASCADE,
        PRIMARY KEY (product, shopper)
    );
    CREATE INDEX concierge_watchers_shopper ON concierge_watchers (shopper);",
    ),
];

/// The newest schema version this release knows.
pub(crate) const LATEST: i32 = {
    let (mut latest, mut at) = (0, 0);
    while at < MIGRATIONS.len() {
        if MIGRATIONS[at].0 > latest {
            latest = MIGRATIONS[at].0;
        }
        at += 1;
    }
    latest
};

/// The advisory lock class of per-shopper locks (the two-key form, a key space apart from the
/// one-key locks above): taken by an erasure and by the write that creates a shopper, so the
/// two never interleave (see `PostgresStore::erase`).
pub(super) const SHOPPER_LOCK_CLASS: i32 = 0x636f_6e63;

/// Applies the migrations the database lacks; returns how many this call applied. Refuses a
/// database migrated by a newer release (its schema may mean something this one cannot read).
pub(super) async fn migrate(client: &mut Client) -> Result<usize, StoreError> {
    for attempt in 1..=3 {
        match migrate_once(client).await {
            Err(error) if attempt < 3 && is_retryable(&error) => continue,
            Err(error) => return Err(database(error)),
            Ok(applied) => return applied,
        }
    }
    Err(StoreError::Database("migrations kept conflicting".into()))
}

async fn migrate_once(client: &mut Client) -> Result<Result<usize, StoreError>, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS concierge_migrations (
            version    integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let rows = tx.query("SELECT version FROM concierge_migrations", &[]).await?;
    let done: Vec<i32> = rows.iter().map(|row| row.get(0)).collect();
    if let Some(unknown) = done.iter().find(|v| !MIGRATIONS.iter().any(|(known, _)| known == *v)) {
        return Ok(Err(StoreError::Database(format!(
            "the database schema has migration {unknown}, which this release (up to {LATEST}) does not know: \
             upgrade concierge"
        ))));
    }
    let mut missing: Vec<&(i32, &str)> = MIGRATIONS.iter().filter(|(v, _)| !done.contains(v)).collect();
    missing.sort_by_key(|(v, _)| *v);
    let mut applied = 0;
    for (version, sql) in missing {
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO concierge_migrations (version) VALUES ($1)", &[version]).await?;
        applied += 1;
    }
    tx.commit().await?;
    if applied > 0 {
        tracing::info!(applied, version = LATEST, "profile store schema migrated");
    }
    Ok(Ok(applied))
}
