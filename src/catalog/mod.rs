//! The merchant's catalog: products, loading with per-line problems, importers, the search
//! index and the ranker that explains itself.
//!
//! A catalog has exactly one currency. Loading never aborts on a bad row: the row is skipped
//! and reported as `file:line: message`, and the rest loads.

mod alternatives;
mod audience;
mod collect;
mod columns;
mod compound;
mod dense;
#[cfg(test)]
mod equivalence;
mod filtered;
mod ids;
pub mod import;
mod index;
mod intersect;
mod kind;
mod load;
mod lookup;
mod memory;
mod prebuilt;
mod price_cuts;
mod product;
mod quality;
mod rank;
mod retrieve;
mod signal;
mod union;

pub use audience::Audience;
pub use filtered::Filters;
pub use import::{Format, ImportError, ImportOptions, ImportReport, Imported, Skip, SkipReason, import};
pub use index::{CatalogIndex, IndexError};
pub(crate) use kind::{singular, title_types};
pub use load::{CatalogError, LoadReport, Problem};
pub use prebuilt::{ContentHash, prebuilt_dir};
pub use product::{Attributes, Name, Product};
pub use rank::{Hint, Query, Ranked};
pub use signal::Signal;

use crate::money::Currency;

/// An immutable, validated set of products in one currency, addressable by id.
///
/// Built once per catalog version and shared read-only (behind an `Arc`), so a catalog swap
/// is one pointer store and shoppers see the old or the new, never a mix.
#[derive(Debug, Clone)]
pub struct Catalog {
    products: Vec<Product>,
    ids: ids::Ids,
    currency: Currency,
}

impl Catalog {
    /// Builds a catalog from already validated products; they must share `currency` and have
    /// unique ids (the loader guarantees both).
    fn from_valid(products: Vec<Product>, currency: Currency) -> Catalog {
        let ids = ids::Ids::of(&products);
        Catalog { products, ids, currency }
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Product> {
        self.position(id).map(|i| &self.products[i])
    }

    /// The position in [`Catalog::products`] of the product with id `id`.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.ids.find(&self.products, id)
    }
}
