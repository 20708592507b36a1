//! The dashboard's HTML and SVG, built as text. Every number a chart draws is also in a
//! `data-` attribute with the report's full precision (the browser test compares them with the
//! JSON report), and every text from outside (arm names, demand groups) is escaped.

use std::fmt::Write;

use crate::experiments::Report;
use crate::experiments::funnel::Tally;
use crate::money::Currency;

/// Colours for arms, in order (the control first), readable on white.
const COLOURS: [&str; 6] = ["#6b7280", "#2f5d50", "#b45309", "#1d4ed8", "#9d174d", "#4d7c0f"];
const WIDTH: f64 = 640.0;

/// Text for HTML element content and attribute values (the shop front's escaper).
pub(super) use crate::server::demo_art::xml_escape as escape;

fn percent(x: f64) -> String {
    format!("{:+.1} %", x * 100.0)
}

fn colour(n: usize) -> &'static str {
    COLOURS[n % COLOURS.len()]
}

/// The whole signed-in page.
pub(super) fn dashboard(reports: &[Report], funnel: &Tally, currency: Currency) -> String {
    let mut body = String::from(
        "<header><h1>Does the assistant pay?</h1><form method=\"post\" action=\"/admin/logout\">\
         <button type=\"submit\">Sign out</button></form></header><main>",
    );
    if reports.is_empty() {
        body.push_str(
            "<p class=\"empty\">No experiment is running. Set <code>experiments.holdout_percent</code> \
             (5 is a good start) to hold out a share of shoppers and measure the assistant's lift.</p>",
        );
    }
    for report in reports {
        body.push_str(&experiment(report, currency));
    }
    body.push_str(&funnel_section(funnel));
    body.push_str(&demand_section(funnel, currency));
    body.push_str("</main>");
    super::document("concierge dashboard", &body)
}

fn experiment(report: &Report, currency: Currency) -> String {
    let key = escape(&report.key);
    let mut out = format!(
        "<section class=\"experiment\" data-testid=\"experiment\" data-key=\"{key}\"><h2>Experiment <code>{key}</code> \
         <small>compared with <code>{}</code></small></h2>",
        escape(&report.control)
    );
    let srm = &report.srm;
    if srm.flagged {
        let _ = write!(
            out,
            "<p class=\"alarm\" data-testid=\"srm\" data-p=\"{}\">The split is unhealthy: the shoppers per arm do not fit \
             the weights (sample-ratio mismatch, p = {:.5}). Find the cause before trusting any lift.</p>",
            srm.p_value, srm.p_value
        );
    } else {
        let _ = write!(
            out,
            "<p class=\"ok\" data-testid=\"srm\" data-p=\"{}\">The split is healthy (sample-ratio check p = {:.3}).</p>",
            srm.p_value, srm.p_value
        );
    }
    let _ = write!(out, "<p class=\"note\">{}</p>", escape(&report.warning));
    out.push_str(&arms_table(report, currency));
    out.push_str(&lift_chart(report));
    out.push_str(&conversion_chart(report));
    out.push_str("</section>");
    out
}

fn arms_table(report: &Report, currency: Currency) -> String {
    let mut out = String::from(
        "<div class=\"scroll\"><table data-testid=\"arms\"><thead><tr><th>Arm</th><th>Shoppers</th><th>Converted</th>\
         <th>Conversion</th><th>Orders</th><th>Revenue</th><th>Per shopper</th><th>Order value</th><th>Repeat</th></tr></thead><tbody>",
    );
    for (n, arm) in report.arms.iter().enumerate() {
        let aov = arm.aov.map_or("–".to_string(), |a| format!("{currency} {a:.2}"));
        let _ = write!(
            out,
            "<tr data-arm=\"{name}\"><th><span class=\"swatch\" style=\"background:{}\"></span>{name}</th>\
             <td data-field=\"shoppers\">{}</td><td data-field=\"converted\">{}</td>\
             <td data-field=\"conversion_rate\" data-value=\"{}\">{:.2} %</td><td data-field=\"orders\">{}</td>\
             <td data-field=\"revenue\" data-value=\"{}\">{currency} {:.2}</td><td>{currency} {:.2}</td><td>{aov}</td>\
             <td>{:.1} %</td></tr>",
            colour(n),
            arm.shoppers,
            arm.converted,
            arm.conversion_rate,
            arm.conversion_rate * 100.0,
            arm.orders,
            arm.revenue,
            arm.revenue,
            arm.revenue_per_shopper,
            arm.repeat_rate * 100.0,
            name = escape(&arm.name),
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// Each metric's lift as a dot on its 95 % interval, around a line at no change.
fn lift_chart(report: &Report) -> String {
    let rows: Vec<_> = report.metrics.iter().collect();
    let (row_height, left, right) = (34.0, 190.0, WIDTH - 70.0);
    let height = row_height * rows.len().max(1) as f64 + 30.0;
    let bound = rows.iter().flat_map(|m| m.ci.map(|[lo, hi]| lo.abs().max(hi.abs()))).fold(0.1f64, f64::max).min(10.0);
    let x = |v: f64| left + (v.clamp(-bound, bound) + bound) / (2.0 * bound) * (right - left);
    let mut svg = format!(
        "<figure><figcaption>Lift over <code>{}</code> with its 95 % interval (a bar that crosses the line is not \
         significant)</figcaption><svg data-testid=\"lift-chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"Lift per metric\"><line x1=\"{z}\" x2=\"{z}\" y1=\"4\" y2=\"{}\" class=\"zero\"/>\
         <text x=\"{z}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">no change</text>",
        escape(&report.control),
        height - 22.0,
        height - 6.0,
        z = x(0.0),
    );
    for (n, m) in rows.iter().enumerate() {
        let y = 20.0 + n as f64 * row_height;
        let label = format!("{} · {}", m.metric.replace('_', " "), m.arm);
        let _ = write!(svg, "<text x=\"4\" y=\"{}\" class=\"label\">{}</text>", y + 4.0, escape(&label));
        match (m.lift, m.ci, m.p_value) {
            (Some(lift), Some([lo, hi]), Some(p)) => {
                let class = if p < 0.05 { if lift > 0.0 { "up" } else { "down" } } else { "flat" };
                let _ = write!(
                    svg,
                    "<g class=\"{class}\" data-testid=\"lift\" data-metric=\"{}\" data-arm=\"{}\" data-lift=\"{lift}\" \
                     data-lo=\"{lo}\" data-hi=\"{hi}\" data-p=\"{p}\"><line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/>\
                     <circle cx=\"{}\" cy=\"{y}\" r=\"5\"/><text x=\"{}\" y=\"{}\" class=\"value\">{}</text></g>",
                    escape(&m.metric),
                    escape(&m.arm),
                    x(lo),
                    x(hi),
                    x(lift),
                    right + 6.0,
                    y + 4.0,
                    percent(lift),
                );
            }
            _ => {
                let _ = write!(
                    svg,
                    "<g data-testid=\"lift\" data-metric=\"{}\" data-arm=\"{}\"><text x=\"{left}\" y=\"{}\" class=\"axis\">\
                     not enough data yet</text></g>",
                    escape(&m.metric),
                    escape(&m.arm),
                    y + 4.0
                );
            }
        }
    }
    svg.push_str("</svg></figure>");
    svg
}

/// Cumulative conversion rate per arm, day by day.
fn conversion_chart(report: &Report) -> String {
    let (left, right, top, bottom) = (48.0, WIDTH - 10.0, 10.0, 190.0);
    let mut dates: Vec<&str> = report.timeline.iter().map(|p| p.date.as_str()).collect();
    dates.dedup();
    let rate = |p: &crate::experiments::report::TimelinePoint| {
        if p.shoppers == 0 { 0.0 } else { p.converted as f64 / p.shoppers as f64 }
    };
    let top_rate = report.timeline.iter().map(rate).fold(0.01f64, f64::max) * 1.1;
    let x = |n: usize| left + if dates.len() < 2 { 0.0 } else { n as f64 / (dates.len() - 1) as f64 * (right - left) };
    let y = |r: f64| bottom - r / top_rate * (bottom - top);
    let mut svg = format!(
        "<figure><figcaption>Cumulative conversion per arm over time</figcaption>\
         <svg data-testid=\"conversion-chart\" viewBox=\"0 0 {WIDTH} 220\" role=\"img\" aria-label=\"Cumulative conversion\">\
         <line x1=\"{left}\" x2=\"{right}\" y1=\"{bottom}\" y2=\"{bottom}\" class=\"grid\"/>\
         <text x=\"4\" y=\"{}\" class=\"axis\">{:.1} %</text><text x=\"4\" y=\"{bottom}\" class=\"axis\">0 %</text>",
        top + 8.0,
        top_rate * 100.0
    );
    if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
        let _ = write!(
            svg,
            "<text x=\"{left}\" y=\"212\" class=\"axis\">{}</text><text x=\"{right}\" y=\"212\" class=\"axis\" \
             text-anchor=\"end\">{}</text>",
            escape(first),
            escape(last)
        );
    }
    for (n, arm) in report.arms.iter().enumerate() {
        let points: Vec<String> = report
            .timeline
            .iter()
            .filter(|p| p.arm == arm.name)
            .filter_map(|p| dates.iter().position(|d| *d == p.date).map(|i| format!("{:.1},{:.1}", x(i), y(rate(p)))))
            .collect();
        let last = report.timeline.iter().rev().find(|p| p.arm == arm.name).map_or(0.0, rate);
        let _ = write!(
            svg,
            "<polyline data-testid=\"conversion-line\" data-arm=\"{}\" data-last=\"{last}\" points=\"{}\" \
             style=\"stroke:{}\"/>",
            escape(&arm.name),
            points.join(" "),
            colour(n)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn funnel_section(tally: &Tally) -> String {
    let stages = [
        ("conversations", "Conversations", tally.conversations),
        ("engaged", "Said something", tally.engaged),
        ("questions_asked", "Questions asked", tally.questions_asked),
        ("questions_answered", "Questions answered", tally.questions_answered),
        ("recommendations", "Replies with products", tally.recommendations),
        ("products_shown", "Products shown", tally.products_shown),
        ("products_clicked", "Products clicked", tally.products_clicked),
        ("handovers", "Handed to a person", tally.handovers),
    ];
    let most = stages.iter().map(|s| s.2).max().unwrap_or(0).max(1) as f64;
    let (left, right) = (190.0, WIDTH - 70.0);
    let mut svg = format!(
        "<section data-testid=\"funnel\"><h2>The assistant's funnel</h2><p class=\"note\">This server since it started: \
         visits opened or resumed, and what happened in them. Where the bars drop is where shoppers leave.</p>\
         <svg data-testid=\"funnel-chart\" viewBox=\"0 0 {WIDTH} {}\" role=\"img\" aria-label=\"Funnel\">",
        stages.len() as f64 * 30.0 + 6.0
    );
    for (n, (key, label, count)) in stages.iter().enumerate() {
        let y = 4.0 + n as f64 * 30.0;
        let width = (*count as f64 / most * (right - left)).max(1.0);
        let _ = write!(
            svg,
            "<g data-stage=\"{key}\" data-count=\"{count}\"><text x=\"4\" y=\"{}\" class=\"label\">{label}</text>\
             <rect x=\"{left}\" y=\"{y}\" width=\"{width:.1}\" height=\"22\" rx=\"3\"/>\
             <text x=\"{}\" y=\"{}\" class=\"value\">{count}</text></g>",
            y + 16.0,
            left + width + 6.0,
            y + 16.0
        );
    }
    svg.push_str("</svg></section>");
    svg
}

fn demand_section(tally: &Tally, currency: Currency) -> String {
    let mut groups: Vec<_> = tally.unserved.iter().collect();
    groups.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then(a.0.cmp(b.0)));
    let mut out = String::from(
        "<section data-testid=\"demand\"><h2>Demand the shop does not serve</h2><p class=\"note\">Requests that found no \
         product, grouped by what was asked for, with the budgets given: products to stock, or words to teach the \
         assistant.</p>",
    );
    if groups.is_empty() {
        out.push_str("<p class=\"empty\">None so far.</p></section>");
        return out;
    }
    out.push_str(
        "<div class=\"scroll\"><table><thead><tr><th>Asked for</th><th>Requests</th><th>Budgets</th></tr></thead><tbody>",
    );
    for (group, demand) in groups.iter().take(50) {
        let mut budgets = demand.budgets.clone();
        budgets.sort_by(f64::total_cmp);
        let shown = match (budgets.first(), budgets.last()) {
            (Some(lo), Some(hi)) if lo == hi => format!("up to {currency} {lo:.2}"),
            (Some(lo), Some(hi)) => {
                let median = budgets[budgets.len() / 2];
                format!("up to {currency} {lo:.2} – {hi:.2} (median {median:.2}, {} given)", budgets.len())
            }
            _ => "none given".into(),
        };
        let _ = write!(
            out,
            "<tr data-testid=\"unserved\" data-requests=\"{}\"><td>{}</td><td>{}</td><td>{shown}</td></tr>",
            demand.requests,
            escape(group),
            demand.requests
        );
    }
    out.push_str("</tbody></table></div></section>");
    out
}
