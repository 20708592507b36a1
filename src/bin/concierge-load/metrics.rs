//! The server's own view: its turn-latency histogram (`concierge_turn_seconds_fine`, buckets 1.25x apart) scraped from
//! `/metrics` before and after a run; the difference gives the run's server-side quantiles.

/// Cumulative bucket counts by upper bound (seconds), as Prometheus prints them.
pub struct Histogram {
    buckets: Vec<(f64, f64)>,
}

/// Server-side turn latency of one run, in milliseconds.
pub struct ServerTurns {
    pub turns: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

pub async fn scrape(url: &str) -> Result<Histogram, reqwest::Error> {
    let text = reqwest::get(url).await?.text().await?;
    Ok(parse(&text))
}

/// Reads `concierge_turn_seconds_fine_bucket{le="X"} N` lines.
fn parse(text: &str) -> Histogram {
    let mut buckets = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("concierge_turn_seconds_fine_bucket{le=\"") else { continue };
        let Some((le, count)) = rest.split_once("\"}") else { continue };
        let le = if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap_or(f64::NAN) };
        if let Ok(count) = count.trim().parse::<f64>() {
            buckets.push((le, count));
        }
    }
    Histogram { buckets }
}

impl Histogram {
    /// The turns between `before` and now, with quantiles interpolated inside buckets.
    pub fn since(&self, before: &Histogram) -> ServerTurns {
        let delta: Vec<(f64, f64)> = self
            .buckets
            .iter()
            .map(|&(le, n)| {
                let earlier = before.buckets.iter().find(|b| b.0 == le).map_or(0.0, |b| b.1);
                (le, n - earlier)
            })
            .collect();
        let total = delta.last().map_or(0.0, |b| b.1);
        let quantile = |q: f64| {
            let target = total * q;
            let mut lower = (0.0, 0.0);
            for &(le, n) in &delta {
                if n >= target && n > 0.0 {
                    if !le.is_finite() {
                        return lower.0 * 1e3;
                    }
                    let share = if n > lower.1 { (target - lower.1) / (n - lower.1) } else { 1.0 };
                    return (lower.0 + (le - lower.0) * share) * 1e3;
                }
                lower = (le, n);
            }
            0.0
        };
        ServerTurns { turns: total as u64, p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_the_difference_of_two_scrapes() {
        let before = parse(
            "concierge_turn_seconds_fine_bucket{le=\"0.001\"} 10\nconcierge_turn_seconds_fine_bucket{le=\"0.002\"} 10\nconcierge_turn_seconds_fine_bucket{le=\"+Inf\"} 10\n",
        );
        let after = parse(
            "concierge_turn_seconds_fine_bucket{le=\"0.001\"} 60\nconcierge_turn_seconds_fine_bucket{le=\"0.002\"} 110\nconcierge_turn_seconds_fine_bucket{le=\"+Inf\"} 110\n",
        );
        let run = after.since(&before);
        assert_eq!(run.turns, 100);
        assert!((run.p50 - 1.0).abs() < 1e-9, "{}", run.p50);
        assert!(run.p99 > 1.9 && run.p99 <= 2.0, "{}", run.p99);
    }
}
