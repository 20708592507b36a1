//! Finding a product by its id: a hash table of catalog positions that reads each key from the
//! product itself.
//!
//! A `HashMap<String, usize>` held a second copy of every id and 32 bytes per slot (~80 MB at
//! a million products, by their sizes); this table holds 4 bytes per slot and no copy (~10 MB).

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use super::Product;

/// Positions of products, found by id. Built from the products it is then always asked
/// with: each lookup passes the same slice back.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ids {
    table: HashTable<u32>,
    hasher: RandomState,
}

impl Ids {
    /// The table of `products`' ids; their ids must be unique (the loader guarantees it).
    pub(crate) fn of(products: &[Product]) -> Ids {
        let hasher = RandomState::new();
        let mut table = HashTable::with_capacity(products.len());
        for (position, product) in products.iter().enumerate() {
            let hash = hasher.hash_one(product.id.as_str());
            table.insert_unique(hash, position as u32, |&p| hasher.hash_one(products[p as usize].id.as_str()));
        }
        Ids { table, hasher }
    }

    /// The position of the product with id `id` in `products` (the slice the table was built of).
    pub(crate) fn find(&self, products: &[Product], id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table.find(hash, |&p| products[p as usize].id == id).map(|&p| p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Amount;

    #[test]
    fn every_id_finds_its_product_and_an_unknown_id_none() {
        let gbp = "GBP".parse().unwrap();
        let products: Vec<Product> =
            (0..1000).map(|i| Product::new(format!("sku-{i}"), "A", Amount::units(1), gbp)).collect();
        let ids = Ids::of(&products);
        for (position, product) in products.iter().enumerate() {
            assert_eq!(ids.find(&products, &product.id), Some(position));
        }
        assert_eq!(ids.find(&products, "sku-1000"), None);
        assert_eq!(ids.find(&products, ""), None);
    }
}
