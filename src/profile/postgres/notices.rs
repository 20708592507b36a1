//! The notices outbox in PostgreSQL (`concierge_notices`, migration 5): one row per waiting
//! notice, in position order, unique by its dedupe id, removed with its shopper's row (a
//! foreign key with `ON DELETE CASCADE`), so erasure takes the shopper's waiting notices too.
//!
//! Positions come from a sequence: two servers pushing at once may commit out of position
//! order, so a reader could see position 8 before 7 commits. Each push is one short
//! statement, which keeps that window to the commit itself.

use tokio_postgres::error::SqlState;

use super::{PostgresStore, database};
use crate::notices::{Notice, Outbox};
use crate::profile::error::StoreError;
use crate::profile::id::ShopperId;

fn corrupt(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt { shopper: "in the outbox".into(), reason: error.to_string() }
}

impl Outbox for PostgresStore {
    fn push(&self, shopper: ShopperId, notice: &Notice) -> Result<u64, StoreError> {
        let body = serde_json::to_vec(notice).map_err(corrupt)?;
        let id = shopper.to_string();
        self.run(async {
            let client = self.client().await?;
            let insert = client
                .prepare_cached(
                    "INSERT INTO concierge_notices (id, shopper, body) VALUES ($1, $2, $3)
                     ON CONFLICT (id) DO NOTHING RETURNING position",
                )
                .await
                .map_err(database)?;
            let row = match client.query_opt(&insert, &[&notice.id, &id, &body]).await {
                Ok(row) => row,
                // The shopper was erased meanwhile: nothing of theirs is kept.
                Err(error) if error.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => return Ok(0),
                Err(error) => return Err(database(error)),
            };
            let position: i64 = match row {
                Some(row) => row.get(0),
                None => {
                    let known = client
                        .query_opt("SELECT position FROM concierge_notices WHERE id = $1", &[&notice.id])
                        .await
                        .map_err(database)?;
                    known.map_or(0, |row| row.get(0))
                }
            };
            Ok(u64::try_from(position).unwrap_or(0))
        })
    }

    fn after(&self, cursor: u64, limit: usize) -> Result<Vec<(u64, Notice)>, StoreError> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit.min(crate::notices::outbox::MAX_PAGE)).unwrap_or(0);
        let rows = self.run(async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "SELECT position, body FROM concierge_notices WHERE position > $1 ORDER BY position LIMIT $2",
                )
                .await
                .map_err(database)?;
            client.query(&statement, &[&cursor, &limit]).await.map_err(database)
        })?;
        rows.iter()
            .map(|row| {
                let position: i64 = row.get(0);
                let body: Vec<u8> = row.get(1);
                Ok((u64::try_from(position).unwrap_or(0), serde_json::from_slice(&body).map_err(corrupt)?))
            })
            .collect()
    }

    fn ack(&self, up_to: u64) -> Result<usize, StoreError> {
        let up_to = i64::try_from(up_to).unwrap_or(i64::MAX);
        self.run(async {
            let client = self.client().await?;
            let removed = client
                .execute("DELETE FROM concierge_notices WHERE position <= $1", &[&up_to])
                .await
                .map_err(database)?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }

    fn withdraw(&self, position: u64) -> Result<bool, StoreError> {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        self.run(async {
            let client = self.client().await?;
            let removed = client
                .execute("DELETE FROM concierge_notices WHERE position = $1", &[&position])
                .await
                .map_err(database)?;
            Ok(removed > 0)
        })
    }

    fn forget(&self, shopper: ShopperId) -> Result<usize, StoreError> {
        let id = shopper.to_string();
        self.run(async {
            let client = self.client().await?;
            let removed =
                client.execute("DELETE FROM concierge_notices WHERE shopper = $1", &[&id]).await.map_err(database)?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }
}
