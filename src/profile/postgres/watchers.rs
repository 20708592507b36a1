//! Who watches each product, in PostgreSQL (`concierge_watchers`, migration 7): one row per
//! product and shopper, removed with its shopper's row (a foreign key with `ON DELETE
//! CASCADE`), so erasure takes the shopper's entries too. Whether the index was built from the
//! profiles stored before it is a row of `concierge_settings`.

use tokio_postgres::error::SqlState;

use super::{PostgresStore, database};
use crate::notices::Watchers;
use crate::profile::error::StoreError;
use crate::profile::id::ShopperId;

/// The `concierge_settings` row that says the index covers every profile.
const BUILT: &str = "watchers_built";

impl Watchers for PostgresStore {
    fn watch(&self, product: &str, shopper: ShopperId) -> Result<(), StoreError> {
        let id = shopper.to_string();
        self.run(async {
            let client = self.client().await?;
            let insert = client
                .prepare_cached(
                    "INSERT INTO concierge_watchers (product, shopper) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .await
                .map_err(database)?;
            match client.execute(&insert, &[&product, &id]).await {
                Ok(_) => Ok(()),
                // The shopper was erased meanwhile: nothing of theirs is kept.
                Err(error) if error.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => Ok(()),
                Err(error) => Err(database(error)),
            }
        })
    }

    fn unwatch(&self, product: &str, shopper: ShopperId) -> Result<(), StoreError> {
        let id = shopper.to_string();
        self.run(async {
            let client = self.client().await?;
            client
                .execute("DELETE FROM concierge_watchers WHERE product = $1 AND shopper = $2", &[&product, &id])
                .await
                .map_err(database)?;
            Ok(())
        })
    }

    fn of_product(&self, product: &str) -> Result<Vec<ShopperId>, StoreError> {
        let rows = self.run(async {
            let client = self.client().await?;
            client
                .query("SELECT shopper FROM concierge_watchers WHERE product = $1 ORDER BY shopper", &[&product])
                .await
                .map_err(database)
        })?;
        // Rows only ever hold ids this store wrote; one that does not parse names no one.
        Ok(rows.iter().filter_map(|row| row.get::<_, &str>(0).parse().ok()).collect())
    }

    fn forget(&self, shopper: ShopperId) -> Result<usize, StoreError> {
        let id = shopper.to_string();
        self.run(async {
            let client = self.client().await?;
            let removed =
                client.execute("DELETE FROM concierge_watchers WHERE shopper = $1", &[&id]).await.map_err(database)?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }

    fn built(&self) -> Result<bool, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt("SELECT 1 FROM concierge_settings WHERE name = $1", &[&BUILT])
                .await
                .map_err(database)?;
            Ok(row.is_some())
        })
    }

    fn mark_built(&self) -> Result<(), StoreError> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO concierge_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                    &[&BUILT, &&b"1"[..]],
                )
                .await
                .map_err(database)?;
            Ok(())
        })
    }
}
