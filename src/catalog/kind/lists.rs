//! Per catalog position, a short list (a product's word ids), all lists in one allocation.
//!
//! A `Vec<Vec<u32>>` pays a 24-byte header and a heap block per product for each of the five
//! lists [`super::Kinds`] keeps: a few hundred MB at a million products, most of it headers and
//! allocator rounding around lists of one to ten ids. Here a list costs its items and one
//! 4-byte end offset.

use std::ops::Index;

/// Lists of `T`, numbered in the order they were pushed.
#[derive(Debug, Clone)]
pub(crate) struct Lists<T> {
    /// Where each list ends in `items` (it starts where the one before ended).
    ends: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy> Lists<T> {
    pub(crate) fn with_capacity(lists: usize) -> Lists<T> {
        Lists { ends: Vec::with_capacity(lists), items: Vec::new() }
    }

    /// Adds the next list.
    pub(crate) fn push(&mut self, list: impl AsRef<[T]>) {
        self.items.extend_from_slice(list.as_ref());
        self.ends.push(self.items.len() as u32);
    }

    /// How many lists there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// List `i`, or `None` past the last.
    pub(crate) fn get(&self, i: usize) -> Option<&[T]> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.items[start..end])
    }

    /// Gives back the room reserved beyond the items, once every list is pushed.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.ends.shrink_to_fit();
        self.items.shrink_to_fit();
    }
}

impl<T: Copy> Index<usize> for Lists<T> {
    type Output = [T];

    /// List `i`; panics past the last, as a `Vec`'s index does.
    fn index(&self, i: usize) -> &[T] {
        self.get(i).unwrap_or_else(|| panic!("list {i} of {}", self.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_back_as_pushed_empty_ones_included() {
        let pushed: Vec<Vec<u32>> = vec![vec![3, 1], vec![], vec![7], vec![], vec![2, 2, 9]];
        let mut lists = Lists::with_capacity(pushed.len());
        for list in &pushed {
            lists.push(list);
        }
        lists.shrink_to_fit();
        assert_eq!(lists.len(), 5);
        for (i, list) in pushed.iter().enumerate() {
            assert_eq!(&lists[i], list.as_slice());
            assert_eq!(lists.get(i), Some(list.as_slice()));
        }
        assert_eq!(lists.get(5), None);
    }
}
