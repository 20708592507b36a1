//! The statistics, done as the experimentation engines do (GrowthBook's frequentist engine is
//! the reference): the relative lift of a mean, with its standard error by the delta method;
//! Welch's t with Welch-Satterthwaite degrees of freedom for the interval and the p-value;
//! ratio metrics (revenue per order) by the delta method too; and the sample-ratio-mismatch
//! chi-square test of the split itself. Fixed horizon: decide the sample size before looking,
//! and read the p-value once, at the end (reading it every day inflates false positives).

use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

/// A sample-ratio mismatch is flagged below this p-value.
pub const SRM_ALPHA: f64 = 0.001;

/// One arm's per-unit metric: how many units, their mean and the (n - 1) sample variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub n: f64,
    pub mean: f64,
    pub variance: f64,
}

impl Sample {
    /// The summary of `values` (one per unit).
    pub fn of(values: &[f64]) -> Sample {
        let n = values.len() as f64;
        if values.is_empty() {
            return Sample { n: 0.0, mean: 0.0, variance: 0.0 };
        }
        let mean = values.iter().sum::<f64>() / n;
        let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        let variance = if values.len() > 1 { squares / (n - 1.0) } else { 0.0 };
        Sample { n, mean, variance }
    }

    /// The ratio of two per-unit sums, mean(x) / mean(y) (revenue per order: x revenue, y
    /// orders), as a sample whose `variance` is n times the delta-method variance of the ratio,
    /// so it plugs into [`relative_lift`] like a mean. `None` when no unit has any y.
    pub fn ratio(pairs: &[(f64, f64)]) -> Option<Sample> {
        let n = pairs.len() as f64;
        if pairs.len() < 2 {
            return None;
        }
        let (mx, my) = (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
        if my <= 0.0 {
            return None;
        }
        let var = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / (n - 1.0);
        let (vx, vy) = (var(&|p| (p.0 - mx).powi(2)), var(&|p| (p.1 - my).powi(2)));
        let cov = var(&|p| (p.0 - mx) * (p.1 - my));
        let ratio = mx / my;
        let variance = vx / my.powi(2) - 2.0 * mx * cov / my.powi(3) + mx.powi(2) * vy / my.powi(4);
        Some(Sample { n, mean: ratio, variance: variance.max(0.0) })
    }
}

/// A treatment's lift over the control: relative (0.5 means +50 %), with its standard error,
/// its two-sided interval, p-value and Welch-Satterthwaite degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub lift: f64,
    pub se: f64,
    pub ci: [f64; 2],
    pub p_value: f64,
    pub df: f64,
}

/// The relative lift of `treatment`'s mean over `control`'s at confidence `level` (0.95), by
/// the delta method and Welch's t. `None` when it is undefined: fewer than two units in an
/// arm, a control mean of 0, or no variance at all.
pub fn relative_lift(control: &Sample, treatment: &Sample, level: f64) -> Option<Estimate> {
    if control.n < 2.0 || treatment.n < 2.0 || control.mean == 0.0 {
        return None;
    }
    let (vc, vt) = (control.variance / control.n, treatment.variance / treatment.n);
    let (mc, mt) = (control.mean, treatment.mean);
    let lift = mt / mc - 1.0;
    let se = (vt / mc.powi(2) + vc * mt.powi(2) / mc.powi(4)).sqrt();
    let df = (vc + vt).powi(2) / (vc.powi(2) / (control.n - 1.0) + vt.powi(2) / (treatment.n - 1.0));
    if !(se > 0.0 && df.is_finite() && df > 0.0) {
        return None;
    }
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let critical = t.inverse_cdf(1.0 - (1.0 - level) / 2.0);
    let p_value = (2.0 * (1.0 - t.cdf((lift / se).abs()))).clamp(0.0, 1.0);
    Some(Estimate { lift, se, ci: [lift - critical * se, lift + critical * se], p_value, df })
}

/// The p-value of Pearson's chi-square goodness-of-fit test of `observed` counts against
/// `expected` ones (k categories, k - 1 degrees of freedom); 1 when there is nothing to test.
pub fn chi_square_p(observed: &[f64], expected: &[f64]) -> f64 {
    let statistic: f64 =
        observed.iter().zip(expected).filter(|(_, e)| **e > 0.0).map(|(o, e)| (o - e).powi(2) / e).sum();
    let freedom = observed.len().saturating_sub(1) as f64;
    match ChiSquared::new(freedom) {
        Ok(chi) if freedom > 0.0 => (1.0 - chi.cdf(statistic)).clamp(0.0, 1.0),
        _ => 1.0,
    }
}

/// The sample-ratio-mismatch test: do the units per arm fit the arms' weights? Returns the
/// p-value and whether it is flagged (p < [`SRM_ALPHA`]).
pub fn sample_ratio_mismatch(counts: &[u64], weights: &[f64]) -> (f64, bool) {
    let total: f64 = counts.iter().map(|c| *c as f64).sum();
    let weight: f64 = weights.iter().sum();
    if total == 0.0 || weight <= 0.0 {
        return (1.0, false);
    }
    let expected: Vec<f64> = weights.iter().map(|w| total * w / weight).collect();
    let observed: Vec<f64> = counts.iter().map(|c| *c as f64).collect();
    let p = chi_square_p(&observed, &expected);
    (p, p < SRM_ALPHA)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, within: f64) -> bool {
        (a - b).abs() <= within
    }

    #[test]
    fn the_published_growthbook_example_is_reproduced_to_four_decimals() {
        let control = Sample { n: 3407.0, mean: 0.41, variance: 3.9f64.powi(2) };
        let treatment = Sample { n: 3461.0, mean: 0.70, variance: 6.2f64.powi(2) };
        let e = relative_lift(&control, &treatment, 0.95).unwrap();
        assert!(close(e.lift, 0.70732, 5e-5), "lift {}", e.lift);
        assert!(close(e.se, 0.37879, 5e-5), "se {}", e.se);
        assert!(close(e.ci[0], -0.03526, 5e-5), "lower {}", e.ci[0]);
        assert!(close(e.ci[1], 1.44989, 5e-5), "upper {}", e.ci[1]);
        assert!(close(e.p_value, 0.06191, 5e-5), "p {}", e.p_value);
        assert!(close(e.df, 5841.7, 0.1), "df {}", e.df);
    }

    #[test]
    fn the_distributions_match_printed_tables() {
        let t10 = StudentsT::new(0.0, 1.0, 10.0).unwrap();
        assert!(close(t10.inverse_cdf(0.975), 2.228139, 1e-5));
        // 1 degree of freedom: a statistic of 3.841459 has p = 0.05.
        let chi = ChiSquared::new(1.0).unwrap();
        assert!(close(1.0 - chi.cdf(3.841459), 0.05, 1e-6));
    }

    #[test]
    fn a_ratio_metric_of_constant_ratios_has_no_variance() {
        let pairs = [(10.0, 1.0), (20.0, 2.0), (30.0, 3.0)];
        let ratio = Sample::ratio(&pairs).unwrap();
        assert!(close(ratio.mean, 10.0, 1e-12) && close(ratio.variance, 0.0, 1e-9));
        assert_eq!(Sample::ratio(&[(0.0, 0.0), (0.0, 0.0)]), None);
    }

    #[test]
    fn an_even_split_is_not_flagged_and_a_lopsided_one_is() {
        assert!(!sample_ratio_mismatch(&[5_020, 4_980], &[1.0, 1.0]).1);
        let (p, flagged) = sample_ratio_mismatch(&[5_300, 4_700], &[1.0, 1.0]);
        assert!(flagged, "p = {p}");
    }

    #[test]
    fn an_undefined_lift_is_none() {
        let zero = Sample { n: 100.0, mean: 0.0, variance: 0.0 };
        let some = Sample { n: 100.0, mean: 1.0, variance: 1.0 };
        assert_eq!(relative_lift(&zero, &some, 0.95), None);
        assert_eq!(relative_lift(&Sample::of(&[1.0]), &some, 0.95), None);
    }
}
