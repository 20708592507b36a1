//! Exposures on sled, in three trees of their own (so the profile tree's layout is untouched):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `exposures` | `<experiment> 0x00 <unit>` | JSON `{"arm","at","of"}` |
//! | `exposed` | `<unit> 0x00 <experiment>` | empty: which units have any exposure, for `forget` |
//! | `purchases` | `<unit> 0x00 <order key>` | JSON `{"revenue","at"}` |
//!
//! The first exposure stands: it is inserted with compare-and-swap from nothing.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::SledStore;
use crate::profile::error::StoreError;
use crate::profile::exposures::{ANONYMOUS_PREFIX, Exposure, Exposures, Purchase, Unit};
use crate::profile::group_commit::Durable;

#[derive(Serialize, Deserialize)]
struct Stored {
    arm: String,
    at: i64,
    #[serde(default)]
    of: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Bought {
    revenue: f64,
    at: i64,
}

fn key(first: &str, second: &str) -> Vec<u8> {
    [first.as_bytes(), &[0], second.as_bytes()].concat()
}

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { shopper: what.to_string(), reason: error.to_string() }
}

fn time(at: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn decode(experiment: &str, unit: &str, bytes: &[u8]) -> Result<Exposure, StoreError> {
    let stored: Stored = serde_json::from_slice(bytes).map_err(|e| corrupt(unit, e))?;
    Ok(Exposure {
        experiment: experiment.to_string(),
        unit: Unit::from_stored(unit.to_string()),
        arm: stored.arm,
        at: time(stored.at),
        of: stored.of.map(Unit::from_stored),
    })
}

/// The text after the 0x00 separator of a key.
fn after_separator(key: &[u8]) -> String {
    let at = key.iter().position(|b| *b == 0).map_or(key.len(), |p| p + 1);
    String::from_utf8_lossy(&key[at..]).into_owned()
}

impl SledStore {
    fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }
}

impl Exposures for SledStore {
    fn exposure(&self, experiment: &str, unit: &Unit) -> Result<Option<Exposure>, StoreError> {
        let found = self.tree("exposures")?.get(key(experiment, unit.as_str()))?;
        found.map(|bytes| decode(experiment, unit.as_str(), &bytes)).transpose()
    }

    fn expose(&self, exposure: &Exposure) -> Result<Exposure, StoreError> {
        let stored = Stored {
            arm: exposure.arm.clone(),
            at: exposure.at.unix_timestamp(),
            of: exposure.of.as_ref().map(|u| u.as_str().to_string()),
        };
        let bytes = serde_json::to_vec(&stored).map_err(|e| corrupt(exposure.unit.as_str(), e))?;
        let name = key(&exposure.experiment, exposure.unit.as_str());
        let swapped = self.tree("exposures")?.compare_and_swap(name, None as Option<&[u8]>, Some(bytes))?;
        match swapped {
            Ok(()) => {
                self.tree("exposed")?.insert(key(exposure.unit.as_str(), &exposure.experiment), &[][..])?;
                Ok(exposure.clone())
            }
            Err(earlier) => match earlier.current {
                Some(bytes) => decode(&exposure.experiment, exposure.unit.as_str(), &bytes),
                None => Ok(exposure.clone()),
            },
        }
    }

    fn is_exposed(&self, unit: &Unit) -> Result<bool, StoreError> {
        Ok(self.tree("exposed")?.scan_prefix(key(unit.as_str(), "")).next().transpose()?.is_some())
    }

    fn add_purchase(&self, purchase: &Purchase) -> Result<Option<Durable>, StoreError> {
        let bought = Bought { revenue: purchase.revenue, at: purchase.at.unix_timestamp() };
        let bytes = serde_json::to_vec(&bought).map_err(|e| corrupt(purchase.unit.as_str(), e))?;
        let name = key(purchase.unit.as_str(), &purchase.key);
        let swapped = self.tree("purchases")?.compare_and_swap(name, None as Option<&[u8]>, Some(bytes))?;
        Ok(swapped.is_ok().then(|| self.durable()))
    }

    fn exposures(&self, experiment: &str) -> Result<Vec<Exposure>, StoreError> {
        let mut all = Vec::new();
        for entry in self.tree("exposures")?.scan_prefix(key(experiment, "")) {
            let (name, bytes) = entry?;
            all.push(decode(experiment, &after_separator(&name), &bytes)?);
        }
        Ok(all)
    }

    fn every(&self, each: &mut dyn FnMut(Exposure)) -> Result<(), StoreError> {
        for entry in self.tree("exposures")?.iter() {
            let (name, bytes) = entry?;
            let at = name.iter().position(|b| *b == 0).unwrap_or(name.len());
            let experiment = String::from_utf8_lossy(&name[..at]).into_owned();
            each(decode(&experiment, &after_separator(&name), &bytes)?);
        }
        Ok(())
    }

    fn purchases(&self, unit: &Unit) -> Result<Vec<Purchase>, StoreError> {
        let mut all = Vec::new();
        for entry in self.tree("purchases")?.scan_prefix(key(unit.as_str(), "")) {
            let (name, bytes) = entry?;
            let bought: Bought = serde_json::from_slice(&bytes).map_err(|e| corrupt(unit.as_str(), e))?;
            let key = after_separator(&name);
            all.push(Purchase { unit: unit.clone(), key, revenue: bought.revenue, at: time(bought.at) });
        }
        Ok(all)
    }

    fn forget(&self, unit: &Unit) -> Result<(), StoreError> {
        let (exposures, exposed, purchases) = (self.tree("exposures")?, self.tree("exposed")?, self.tree("purchases")?);
        for entry in exposed.scan_prefix(key(unit.as_str(), "")) {
            let (name, _) = entry?;
            exposures.remove(key(&after_separator(&name), unit.as_str()))?;
            exposed.remove(name)?;
        }
        for entry in purchases.scan_prefix(key(unit.as_str(), "")) {
            purchases.remove(entry?.0)?;
        }
        Ok(())
    }

    fn expire(&self, before: OffsetDateTime) -> Result<usize, StoreError> {
        let (exposures, exposed, purchases) = (self.tree("exposures")?, self.tree("exposed")?, self.tree("purchases")?);
        let limit = before.unix_timestamp();
        let mut removed = 0;
        // `exposed` is keyed by unit first, so the anonymous ones are one prefix scan.
        for entry in exposed.scan_prefix(ANONYMOUS_PREFIX.as_bytes()) {
            let (name, _) = entry?;
            let at = name.iter().position(|b| *b == 0).unwrap_or(name.len());
            let unit = String::from_utf8_lossy(&name[..at]).into_owned();
            let exposure_key = key(&after_separator(&name), &unit);
            let old = match exposures.get(&exposure_key)? {
                Some(bytes) => serde_json::from_slice::<Stored>(&bytes).map_err(|e| corrupt(&unit, e))?.at < limit,
                None => true,
            };
            if !old {
                continue;
            }
            exposures.remove(exposure_key)?;
            exposed.remove(&name)?;
            removed += 1;
            if exposed.scan_prefix(key(&unit, "")).next().is_none() {
                for bought in purchases.scan_prefix(key(&unit, "")) {
                    purchases.remove(bought?.0)?;
                }
            }
        }
        Ok(removed)
    }
}
