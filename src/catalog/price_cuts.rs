//! A segment's prices cut at a few values, each cut holding as bits the documents priced at
//! most that much: a budget then refuses most documents 64 at a time, without reading their
//! prices.
//!
//! The all-words search over words held as bits (see [`super::dense`]) finds the documents
//! having every word 64 at a time; under a budget most of them cost more, and reading each one's
//! price from a column of a million was most of that search. ANDed with the cut at or above the
//! budget, only documents that may be within it are looked at (and checked exactly, as every
//! filter is): the ones priced between the budget and the cut, a sixteenth of the catalog at
//! most, are the only ones read in vain.

/// How many cuts: at about every sixteenth of the prices. At a million products they hold
/// 2 MB.
const CUTS: usize = 16;

/// One segment's cuts, ascending by value.
#[derive(Default)]
pub(crate) struct PriceCuts {
    cuts: Vec<Cut>,
}

struct Cut {
    /// The highest price (in minor units) of the documents held.
    value: u64,
    /// Bit `d % 64` of `bits[d / 64]` is set when document `d` costs at most `value`.
    bits: Vec<u64>,
}

impl PriceCuts {
    /// The cuts of `prices` (by document, in minor units): at values some documents have, about
    /// a sixteenth of the documents apart.
    pub(crate) fn of(prices: &[u64]) -> PriceCuts {
        // The values are taken from a sample: any cut is right, only how evenly they split varies.
        let step = (prices.len() / 4096).max(1);
        let mut sample: Vec<u64> = prices.iter().step_by(step).copied().collect();
        sample.sort_unstable();
        let mut values: Vec<u64> = (1..=CUTS).filter_map(|i| sample.get(i * sample.len() / CUTS)).copied().collect();
        values.dedup();
        let words = prices.len().div_ceil(64);
        let mut cuts: Vec<Cut> = values.into_iter().map(|value| Cut { value, bits: vec![0; words] }).collect();
        // Each document in the first cut holding it, then every cut also holds the ones below it.
        for (doc, &price) in prices.iter().enumerate() {
            let first = cuts.partition_point(|c| c.value < price);
            if let Some(cut) = cuts.get_mut(first) {
                cut.bits[doc / 64] |= 1 << (doc % 64);
            }
        }
        for i in 1..cuts.len() {
            let (below, above) = cuts.split_at_mut(i);
            for (word, &under) in above[0].bits.iter_mut().zip(&below[i - 1].bits) {
                *word |= under;
            }
        }
        PriceCuts { cuts }
    }

    /// The place of the lowest cut holding every document priced at most `most`; `None` when
    /// no cut does (the budget is past the highest cut, and refuses too few to be worth it).
    pub(crate) fn at_most(&self, most: u64) -> Option<usize> {
        let at = self.cuts.partition_point(|c| c.value < most);
        (at < self.cuts.len()).then_some(at)
    }

    /// The documents `64 * word` to `64 * word + 63` that cut `cut` holds, as bits.
    pub(crate) fn holds(&self, cut: usize, word: usize) -> u64 {
        self.cuts[cut].bits[word]
    }

    /// Whether cut `cut` holds document `doc`.
    #[cfg(test)]
    fn holds_doc(&self, cut: usize, doc: usize) -> bool {
        self.holds(cut, doc / 64) & (1 << (doc % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn a_cut_at_or_above_a_budget_holds_every_document_within_it_and_few_beyond() {
        let mut rng = StdRng::seed_from_u64(9);
        let prices: Vec<u64> = (0..20_000).map(|_| rng.random_range(100..100_000)).collect();
        let cuts = PriceCuts::of(&prices);
        assert!((12..=CUTS).contains(&cuts.cuts.len()), "{} cuts", cuts.cuts.len());
        for most in [0, 99, 100, 5_000, 50_000, 90_000] {
            let Some(cut) = cuts.at_most(most) else { panic!("a budget of {most} has a cut") };
            let held = (0..prices.len()).filter(|&d| cuts.holds_doc(cut, d)).count();
            let within = prices.iter().filter(|&&p| p <= most).count();
            for (doc, &price) in prices.iter().enumerate() {
                assert!(price > most || cuts.holds_doc(cut, doc), "{doc} at {price} within {most}");
            }
            assert!(held - within <= prices.len() / 8, "{most}: {held} held for {within} within");
        }
        assert_eq!(cuts.at_most(100_000), None, "past the highest cut");
    }

    #[test]
    fn equal_prices_make_fewer_cuts_and_a_segment_of_one_price_one() {
        let cuts = PriceCuts::of(&[500; 1000]);
        assert_eq!(cuts.cuts.len(), 1);
        assert!(cuts.holds_doc(0, 999) && cuts.at_most(499) == Some(0) && cuts.at_most(501).is_none());
        assert!(PriceCuts::of(&[]).at_most(1).is_none());
    }
}
