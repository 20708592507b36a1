//! Reports: the human one (a status line per script, then each failure with its file and
//! line, expected against actual, and the transcript so far, then `replay: N passed, N
//! failed`) and a JUnit XML one for CI systems.

use std::fmt::Write as _;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::play::{Line, Stop};
use super::runner::{Outcome, Summary, Verdict};
use crate::chat::reply::Reply;

/// The whole human report, ending with the summary line alone on the last line.
pub fn human(summary: &Summary) -> String {
    let mut out = String::new();
    for outcome in &summary.outcomes {
        let status = match outcome.verdict {
            Verdict::Passed { blessed: true } => "ok (blessed)",
            Verdict::Passed { blessed: false } => "ok",
            _ => "FAIL",
        };
        let _ = writeln!(out, "{status:<4} {} ({})", outcome.path.display(), outcome.name);
    }
    for outcome in summary.outcomes.iter().filter(|o| !o.passed()) {
        out.push('\n');
        out.push_str(&failure(outcome));
    }
    out.push('\n');
    if summary.outcomes.is_empty() {
        out.push_str("no scripts found\n");
    }
    let _ = writeln!(out, "replay: {} passed, {} failed", summary.passed(), summary.failed());
    out
}

/// One failed script's report: its `file:line:` lines first, then the details.
pub fn failure(outcome: &Outcome) -> String {
    let file = outcome.path.display();
    let mut out = String::new();
    match &outcome.verdict {
        Verdict::Passed { .. } => {}
        Verdict::Invalid(problems) => {
            for problem in problems {
                let _ = writeln!(out, "{problem}");
            }
        }
        Verdict::Stopped { stop: Stop::Driver { turn, line, what, error }, transcript } => {
            let at = if *line > 0 { format!("{file}:{line}") } else { file.to_string() };
            let _ = writeln!(out, "{at}: turn {turn} ({what}): cannot talk to the chat: {error}");
            transcript_block(&mut out, transcript);
        }
        Verdict::Stopped { stop: Stop::Broken { turn, what, failures, reply, .. }, transcript } => {
            for failure in failures {
                let _ = writeln!(out, "{file}:{}: turn {turn} ({what}): {failure}", failure.line);
            }
            out.push_str("  got:\n");
            match reply {
                Some(reply) => reply_block(&mut out, reply, "    "),
                None => out.push_str("    no reply\n"),
            }
            transcript_block(&mut out, transcript);
        }
        Verdict::Changed { golden, diff } => {
            let _ = writeln!(
                out,
                "{file}: replies differ from {} (check the change, then run with --bless to accept it):",
                golden.display()
            );
            for line in diff.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        Verdict::GoldenIo { golden, error } => {
            let _ = writeln!(out, "{file}: golden file {}: {error}", golden.display());
        }
    }
    out
}

fn reply_block(out: &mut String, reply: &Reply, indent: &str) {
    let _ = writeln!(out, "{indent}text: {:?}", reply.text);
    let _ = writeln!(out, "{indent}asking: {}", reply.asking.as_deref().unwrap_or("null"));
    let _ = writeln!(out, "{indent}slots: {}", serde_json::to_string(&reply.slots).unwrap_or_default());
    if reply.products.is_empty() {
        let _ = writeln!(out, "{indent}products: none");
    }
    for (i, p) in reply.products.iter().enumerate() {
        let _ = writeln!(out, "{indent}{}. {:?} ({}) {}", i + 1, p.title, p.id, p.currency.format(p.price));
    }
}

fn transcript_block(out: &mut String, transcript: &[Line]) {
    if transcript.is_empty() {
        return;
    }
    out.push_str("  transcript:\n");
    for line in transcript {
        match line {
            Line::Shopper(text) => {
                let _ = writeln!(out, "    shopper: {}", one_line(text, 300));
            }
            Line::Event(event) => {
                let _ = writeln!(out, "    (event {event})");
            }
            Line::Visit => out.push_str("    (a new visit of the same shopper)\n"),
            Line::Bot(reply) => {
                let asking = reply.asking.as_deref().map(|a| format!(" [asking {a}]")).unwrap_or_default();
                let _ = writeln!(out, "    bot:     {}{asking}", one_line(&reply.text, 300));
                for p in &reply.products {
                    let _ = writeln!(out, "             - {} ({}) {}", p.title, p.id, p.currency.format(p.price));
                }
            }
            Line::Handover(message) => {
                let _ = writeln!(out, "    handover: {}", one_line(message, 300));
            }
            Line::Error { code, message } => {
                let _ = writeln!(out, "    error:   {code}: {}", one_line(message, 300));
            }
        }
    }
}

/// Text on one line, cut to `max` characters, so a 10 KB message does not flood the report.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{cut}… ({} characters)", flat.chars().count())
}

/// The JUnit XML report: one `testsuite`, one `testcase` per script, a `failure` with the
/// human report for each failed one.
pub fn junit(summary: &Summary) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let total: f64 = summary.outcomes.iter().map(|o| o.elapsed.as_secs_f64()).sum();
    let counts = [
        ("name", "concierge replay".to_string()),
        ("tests", summary.outcomes.len().to_string()),
        ("failures", summary.failed().to_string()),
        ("errors", "0".to_string()),
        ("time", format!("{total:.3}")),
    ];
    let mut suites = BytesStart::new("testsuites");
    let mut suite = BytesStart::new("testsuite");
    for (key, value) in &counts {
        suites.push_attribute((*key, value.as_str()));
        suite.push_attribute((*key, value.as_str()));
    }
    w.write_event(Event::Start(suites))?;
    w.write_event(Event::Start(suite))?;
    for outcome in &summary.outcomes {
        let path = outcome.path.display().to_string();
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("name", outcome.name.as_str()));
        case.push_attribute(("classname", path.as_str()));
        case.push_attribute(("file", path.as_str()));
        case.push_attribute(("time", format!("{:.3}", outcome.elapsed.as_secs_f64()).as_str()));
        if outcome.passed() {
            w.write_event(Event::Empty(case))?;
            continue;
        }
        w.write_event(Event::Start(case))?;
        let text = failure(outcome);
        let mut element = BytesStart::new("failure");
        element.push_attribute(("message", text.lines().next().unwrap_or("failed")));
        element.push_attribute(("type", failure_type(&outcome.verdict)));
        w.write_event(Event::Start(element))?;
        w.write_event(Event::Text(BytesText::new(&text)))?;
        w.write_event(Event::End(BytesEnd::new("failure")))?;
        w.write_event(Event::End(BytesEnd::new("testcase")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn failure_type(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Passed { .. } => "passed",
        Verdict::Invalid(_) => "invalid_script",
        Verdict::Stopped { stop: Stop::Driver { .. }, .. } => "driver",
        Verdict::Stopped { stop: Stop::Broken { .. }, .. } => "assertion",
        Verdict::Changed { .. } => "golden_diff",
        Verdict::GoldenIo { .. } => "golden_io",
    }
}
