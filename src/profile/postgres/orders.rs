//! The order log in PostgreSQL (`concierge_order_lines`, migration 4): one row per order and
//! product, indexed by customer, shared by every server on the database.

use super::{PostgresStore, database};
use crate::orders::{OrderLine, OrderLog};
use crate::profile::{CustomerId, StoreError};

/// Lines written per round trip when appending many.
const CHUNK: usize = 1_000;

impl OrderLog for PostgresStore {
    fn append(&self, lines: &[OrderLine]) -> Result<usize, StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            for chunk in lines.chunks(CHUNK) {
                let tx = client.transaction().await.map_err(database)?;
                let statement = tx
                    .prepare_cached(
                        "INSERT INTO concierge_order_lines (order_id, product_id, customer, at, line)
                         VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (order_id, product_id) DO UPDATE
                         SET customer = EXCLUDED.customer, at = EXCLUDED.at, line = EXCLUDED.line",
                    )
                    .await
                    .map_err(database)?;
                for line in chunk {
                    let body = line.encode();
                    let row: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
                        [&line.order_id, &line.product_id, &line.customer, &line.at, &body];
                    tx.execute(&statement, &row).await.map_err(database)?;
                }
                tx.commit().await.map_err(database)?;
            }
            Ok(lines.len())
        })
    }

    fn scan(&self, each: &mut dyn FnMut(OrderLine)) -> Result<(), StoreError> {
        let rows = self.run(async {
            let client = self.client().await?;
            client.query("SELECT line FROM concierge_order_lines ORDER BY order_id", &[]).await.map_err(database)
        })?;
        for row in rows {
            each(OrderLine::decode(row.get(0))?);
        }
        Ok(())
    }

    fn of_customer(&self, customer: &CustomerId) -> Result<Vec<OrderLine>, StoreError> {
        let rows = self.run(async {
            let client = self.client().await?;
            client
                .query(
                    "SELECT line FROM concierge_order_lines WHERE customer = $1 ORDER BY at, order_id",
                    &[&customer.as_str()],
                )
                .await
                .map_err(database)
        })?;
        rows.iter().map(|row| OrderLine::decode(row.get(0))).collect()
    }

    fn forget_customer(&self, customer: &str) -> Result<usize, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let removed = client
                .execute("DELETE FROM concierge_order_lines WHERE customer = $1", &[&customer])
                .await
                .map_err(database)?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }
}
