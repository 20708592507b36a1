//! The order log on sled: two trees beside the profiles, so no profile's size cap bounds a
//! customer's history.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `orders` | `<order_id> 0x00 <product_id>` | the line (see `OrderLine::encode`) |
//! | `orders_by_customer` | `<customer> 0x00 <order_id> 0x00 <product_id>` | empty: an index |
//!
//! Ids never hold 0x00 (the importer and the event parser refuse control characters), so the
//! separator keeps keys unambiguous. Both inserts of a line go in one transaction.

use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::SledStore;
use crate::orders::{OrderLine, OrderLog};
use crate::profile::{CustomerId, StoreError};

const LINES: &str = "orders";
const BY_CUSTOMER: &str = "orders_by_customer";
/// Lines written per transaction when appending many.
const CHUNK: usize = 2_000;

fn line_key(line: &OrderLine) -> Vec<u8> {
    [line.order_id.as_bytes(), b"\0", line.product_id.as_bytes()].concat()
}

fn customer_key(customer: &str, line: &OrderLine) -> Vec<u8> {
    [customer.as_bytes(), b"\0", &line_key(line)].concat()
}

impl SledStore {
    fn order_trees(&self) -> Result<(sled::Tree, sled::Tree), StoreError> {
        Ok((self.db.open_tree(LINES)?, self.db.open_tree(BY_CUSTOMER)?))
    }
}

impl OrderLog for SledStore {
    fn append(&self, lines: &[OrderLine]) -> Result<usize, StoreError> {
        let (all, by_customer) = self.order_trees()?;
        for chunk in lines.chunks(CHUNK) {
            let result = (&all, &by_customer).transaction(|(all, by_customer)| {
                for line in chunk {
                    let old = all.insert(line_key(line), line.encode())?;
                    // A replaced line may have named another customer: move its index entry.
                    if let Some(old) = old.and_then(|b| OrderLine::decode(&b).ok())
                        && let Some(customer) = old.customer.as_deref()
                    {
                        by_customer.remove(customer_key(customer, &old))?;
                    }
                    if let Some(customer) = line.customer.as_deref() {
                        by_customer.insert(customer_key(customer, line), &[][..])?;
                    }
                }
                Ok::<(), ConflictableTransactionError<StoreError>>(())
            });
            result.map_err(|e| match e {
                sled::transaction::TransactionError::Abort(e) => e,
                sled::transaction::TransactionError::Storage(e) => StoreError::from(e),
            })?;
        }
        self.db.flush()?;
        Ok(lines.len())
    }

    fn scan(&self, each: &mut dyn FnMut(OrderLine)) -> Result<(), StoreError> {
        let (all, _) = self.order_trees()?;
        for entry in all.iter() {
            let (_, value) = entry?;
            each(OrderLine::decode(&value)?);
        }
        Ok(())
    }

    fn of_customer(&self, customer: &CustomerId) -> Result<Vec<OrderLine>, StoreError> {
        let (all, by_customer) = self.order_trees()?;
        let prefix = [customer.as_str().as_bytes(), b"\0"].concat();
        let mut lines = Vec::new();
        for entry in by_customer.scan_prefix(&prefix) {
            let (key, _) = entry?;
            if let Some(value) = all.get(&key[prefix.len()..])? {
                lines.push(OrderLine::decode(&value)?);
            }
        }
        lines.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.order_id.cmp(&b.order_id)));
        Ok(lines)
    }

    fn forget_customer(&self, customer: &str) -> Result<usize, StoreError> {
        let (all, by_customer) = self.order_trees()?;
        let prefix = [customer.as_bytes(), b"\0"].concat();
        let mut removed = 0;
        for entry in by_customer.scan_prefix(&prefix) {
            let (key, _) = entry?;
            all.remove(&key[prefix.len()..])?;
            by_customer.remove(&key)?;
            removed += 1;
        }
        Ok(removed)
    }
}
