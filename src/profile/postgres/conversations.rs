//! Conversations saved in PostgreSQL (`concierge_conversations`), one row per session, removed
//! with their shopper's row (a foreign key with `ON DELETE CASCADE`) and by the sweep once
//! expired.

use time::OffsetDateTime;
use tokio_postgres::error::SqlState;

use super::{PostgresStore, database};
use crate::profile::conversations::{Conversations, Erasure};
use crate::profile::error::StoreError;
use crate::profile::id::ShopperId;

impl Conversations for PostgresStore {
    fn save_conversation(
        &self,
        session: &str,
        shopper: ShopperId,
        state: &[u8],
        expires: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let (id, expires) = (shopper.to_string(), expires.unix_timestamp());
        self.run(async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    // A session id names one shopper's conversation for good: never another's.
                    "INSERT INTO concierge_conversations (session, shopper, expires, state)
                     SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM concierge_profiles WHERE shopper = $2)
                     ON CONFLICT (session) DO UPDATE SET expires = EXCLUDED.expires, state = EXCLUDED.state
                     WHERE concierge_conversations.shopper = EXCLUDED.shopper",
                )
                .await
                .map_err(database)?;
            match client.execute(&statement, &[&session, &id, &expires, &state]).await {
                Ok(rows) => Ok(rows == 1),
                // The shopper was erased between the check and the insert.
                Err(error) if error.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => Ok(false),
                Err(error) => Err(database(error)),
            }
        })
    }

    fn load_conversation(
        &self,
        session: &str,
        shopper: ShopperId,
        now: OffsetDateTime,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (id, now) = (shopper.to_string(), now.unix_timestamp());
        self.run(async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "SELECT state FROM concierge_conversations WHERE session = $1 AND shopper = $2 AND expires > $3",
                )
                .await
                .map_err(database)?;
            let row = client.query_opt(&statement, &[&session, &id, &now]).await.map_err(database)?;
            Ok(row.map(|row| row.get(0)))
        })
    }

    fn erasures(&self) -> tokio::sync::broadcast::Receiver<Erasure> {
        self.erased.subscribe()
    }
}
