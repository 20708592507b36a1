//! Exposures in PostgreSQL (`concierge_exposures`, `concierge_purchases`, migration 6). The
//! first exposure stands (`ON CONFLICT DO NOTHING`); a purchase is kept once per unit and key.

use time::OffsetDateTime;

use super::{PostgresStore, database};
use crate::profile::error::StoreError;
use crate::profile::exposures::{ANONYMOUS_PREFIX, Exposure, Exposures, Purchase, Unit};
use crate::profile::group_commit::Durable;

fn time(at: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn exposure(experiment: &str, row: &tokio_postgres::Row) -> Exposure {
    Exposure {
        experiment: experiment.to_string(),
        unit: Unit::from_stored(row.get(0)),
        arm: row.get(1),
        at: time(row.get(2)),
        of: row.get::<_, Option<String>>(3).map(Unit::from_stored),
    }
}

impl Exposures for PostgresStore {
    fn exposure(&self, experiment: &str, unit: &Unit) -> Result<Option<Exposure>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT unit, arm, at, of_unit FROM concierge_exposures WHERE experiment = $1 AND unit = $2",
                    &[&experiment, &unit.as_str()],
                )
                .await
                .map_err(database)?;
            Ok(row.map(|row| exposure(experiment, &row)))
        })
    }

    fn expose(&self, wanted: &Exposure) -> Result<Exposure, StoreError> {
        let of = wanted.of.as_ref().map(|u| u.as_str().to_string());
        self.run(async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO concierge_exposures (experiment, unit, arm, at, of_unit) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (experiment, unit) DO NOTHING",
                    &[&wanted.experiment, &wanted.unit.as_str(), &wanted.arm, &wanted.at.unix_timestamp(), &of],
                )
                .await
                .map_err(database)?;
            let row = client
                .query_one(
                    "SELECT unit, arm, at, of_unit FROM concierge_exposures WHERE experiment = $1 AND unit = $2",
                    &[&wanted.experiment, &wanted.unit.as_str()],
                )
                .await
                .map_err(database)?;
            Ok(exposure(&wanted.experiment, &row))
        })
    }

    fn is_exposed(&self, unit: &Unit) -> Result<bool, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt("SELECT 1 FROM concierge_exposures WHERE unit = $1 LIMIT 1", &[&unit.as_str()])
                .await
                .map_err(database)?;
            Ok(row.is_some())
        })
    }

    fn add_purchase(&self, purchase: &Purchase) -> Result<Option<Durable>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let added = client
                .execute(
                    "INSERT INTO concierge_purchases (unit, key, revenue, at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (unit, key) DO NOTHING",
                    &[&purchase.unit.as_str(), &purchase.key, &purchase.revenue, &purchase.at.unix_timestamp()],
                )
                .await
                .map_err(database)?;
            Ok((added == 1).then(|| Durable::ready(Ok(()))))
        })
    }

    fn exposures(&self, experiment: &str) -> Result<Vec<Exposure>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query("SELECT unit, arm, at, of_unit FROM concierge_exposures WHERE experiment = $1", &[&experiment])
                .await
                .map_err(database)?;
            Ok(rows.iter().map(|row| exposure(experiment, row)).collect())
        })
    }

    fn every(&self, each: &mut dyn FnMut(Exposure)) -> Result<(), StoreError> {
        let rows = self.run(async {
            let client = self.client().await?;
            client
                .query("SELECT unit, arm, at, of_unit, experiment FROM concierge_exposures", &[])
                .await
                .map_err(database)
        })?;
        for row in &rows {
            each(exposure(&row.get::<_, String>(4), row));
        }
        Ok(())
    }

    fn purchases(&self, unit: &Unit) -> Result<Vec<Purchase>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query("SELECT key, revenue, at FROM concierge_purchases WHERE unit = $1", &[&unit.as_str()])
                .await
                .map_err(database)?;
            Ok(rows
                .iter()
                .map(|row| Purchase { unit: unit.clone(), key: row.get(0), revenue: row.get(1), at: time(row.get(2)) })
                .collect())
        })
    }

    fn forget(&self, unit: &Unit) -> Result<(), StoreError> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute("DELETE FROM concierge_exposures WHERE unit = $1", &[&unit.as_str()])
                .await
                .map_err(database)?;
            client
                .execute("DELETE FROM concierge_purchases WHERE unit = $1", &[&unit.as_str()])
                .await
                .map_err(database)?;
            Ok(())
        })
    }

    fn expire(&self, before: OffsetDateTime) -> Result<usize, StoreError> {
        let anonymous = format!("{ANONYMOUS_PREFIX}%");
        self.run(async {
            let client = self.client().await?;
            let removed = client
                .execute(
                    "DELETE FROM concierge_exposures WHERE unit LIKE $1 AND at < $2",
                    &[&anonymous, &before.unix_timestamp()],
                )
                .await
                .map_err(database)?;
            client
                .execute(
                    "DELETE FROM concierge_purchases p WHERE p.unit LIKE $1
                     AND NOT EXISTS (SELECT 1 FROM concierge_exposures e WHERE e.unit = p.unit)",
                    &[&anonymous],
                )
                .await
                .map_err(database)?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }
}
