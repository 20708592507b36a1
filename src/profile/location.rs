//! Where the profile store is: a sled data directory (the embedded default) or a PostgreSQL
//! URL, as the `store` setting, `CONCIERGE_STORE` and `--store` name it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::error::StoreError;
use super::postgres::{PostgresOptions, PostgresStore, redact};
use super::sled_store::{SledStore, StoreOptions};
use super::store::Store;

/// A store's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A data directory; the profiles are in `<dir>/profiles`.
    Sled(PathBuf),
    /// `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl StoreLocation {
    /// Reads a location: a `postgres://` or `postgresql://` URL, else a directory path.
    pub fn parse(text: &str) -> StoreLocation {
        let lower = text.trim().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            StoreLocation::Postgres(text.trim().to_string())
        } else {
            StoreLocation::Sled(PathBuf::from(text))
        }
    }

    /// Opens the store. `sled` applies to a directory, `postgres` to a URL.
    pub fn open(&self, sled: StoreOptions, postgres: PostgresOptions) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            StoreLocation::Sled(dir) => Arc::new(SledStore::open(dir, sled)?),
            StoreLocation::Postgres(url) => Arc::new(PostgresStore::open(url, postgres)?),
        })
    }
}

/// Prints the location with any password hidden.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sled(dir) => write!(f, "{}", dir.display()),
            StoreLocation::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_postgres_and_anything_else_a_directory() {
        assert_eq!(StoreLocation::parse("postgres://db/shop"), StoreLocation::Postgres("postgres://db/shop".into()));
        assert_eq!(
            StoreLocation::parse("PostgreSQL://db/shop"),
            StoreLocation::Postgres("PostgreSQL://db/shop".into())
        );
        assert_eq!(StoreLocation::parse("./data"), StoreLocation::Sled("./data".into()));
        let shown = StoreLocation::parse("postgres://u:pw@db/shop").to_string();
        assert!(!shown.contains("pw"), "{shown}");
    }
}
