//! Golden transcripts: `--bless` records every reply of a script next to it
//! (`gift.yaml` → `gift.golden.yaml`); later runs compare and show a unified diff of what
//! changed, so a merchant sees every effect of an edit to prompts or catalog.
//!
//! The file is written by hand as YAML that reads like the conversation (one entry per step,
//! strings in JSON-style double quotes, which YAML accepts) and is compared as text, so the
//! diff shows exactly the lines a person would read. Only what the shopper sees is recorded
//! (text, question, quick replies, slots, products with prices and why lines), never session
//! ids or tokens, which change on every run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::chat::protocol::ServerFrame;
use crate::chat::reply::Reply;

/// What one step of the script got back, as the golden file shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub step: String,
    pub frames: Vec<ServerFrame>,
}

impl Record {
    pub fn new(step: &str, frames: &[ServerFrame]) -> Record {
        let kept = frames.iter().filter(|f| !matches!(f, ServerFrame::Welcome { .. } | ServerFrame::ReplyDelta { .. }));
        Record { step: step.to_string(), frames: kept.cloned().collect() }
    }
}

/// The golden file of a script: `name.yaml` → `name.golden.yaml`, in the same folder.
pub fn path_for(script: &Path) -> PathBuf {
    let stem = script.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    script.with_file_name(format!("{stem}.golden.yaml"))
}

/// Whether a file is a golden file (so folder scans skip it).
pub fn is_golden(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().contains(".golden."))
}

/// The golden text of a run.
pub fn render(records: &[Record]) -> String {
    let mut out = String::from(
        "# Golden transcript written by `concierge replay --bless`: every reply of the script next\n\
         # to this file. A later run fails with a diff when a reply changes; bless again to accept.\n",
    );
    for record in records {
        let _ = writeln!(out, "- step: {}", json(&record.step));
        if record.frames.is_empty() {
            out.push_str("  frames: []\n");
        }
        for frame in &record.frames {
            match frame {
                ServerFrame::Reply(reply) => render_reply(&mut out, reply),
                ServerFrame::Handover { reason, message } => {
                    let _ = writeln!(out, "  handover: {{reason: {}, message: {}}}", json(reason), json(message));
                }
                ServerFrame::Error { code, message } => {
                    let _ = writeln!(out, "  error: {{code: {}, message: {}}}", json(code), json(message));
                }
                ServerFrame::Welcome { .. } | ServerFrame::ReplyDelta { .. } | ServerFrame::Notice(_) => {}
            }
        }
    }
    out
}

fn render_reply(out: &mut String, reply: &Reply) {
    let _ = writeln!(out, "  text: {}", json(&reply.text));
    let _ = writeln!(out, "  asking: {}", reply.asking.as_deref().map_or_else(|| "null".into(), json));
    let _ = writeln!(out, "  quick_replies: {}", json(&reply.quick_replies));
    let _ = writeln!(out, "  slots: {}", json(&reply.slots));
    if reply.products.is_empty() {
        out.push_str("  products: []\n");
        return;
    }
    out.push_str("  products:\n");
    for p in &reply.products {
        let _ = writeln!(out, "    - id: {}", json(&p.id));
        let _ = writeln!(out, "      title: {}", json(&p.title));
        let _ = writeln!(out, "      price: {}", json(&p.price));
        out.push_str("      why:\n");
        for line in &p.why {
            let _ = writeln!(out, "        - {}", json(line));
        }
    }
}

/// A value as one line of JSON, which YAML reads as the same value.
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A unified diff from the golden text to this run's, or `None` when they are the same.
pub fn diff(golden: &str, now: &str) -> Option<String> {
    if golden == now {
        return None;
    }
    let diff = similar::TextDiff::from_lines(golden, now);
    Some(diff.unified_diff().context_radius(2).header("golden", "this run").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_files_sit_next_to_their_script() {
        assert_eq!(path_for(Path::new("a/gift.yaml")), PathBuf::from("a/gift.golden.yaml"));
        assert_eq!(path_for(Path::new("gift.yml")), PathBuf::from("gift.golden.yaml"));
        assert!(is_golden(Path::new("a/gift.golden.yaml")));
        assert!(!is_golden(Path::new("a/gift.yaml")));
    }

    #[test]
    fn a_changed_reply_shows_as_a_diff_of_its_lines() {
        let a = "- step: \"x\"\n  text: \"Hi\"\n  asking: null\n";
        let b = "- step: \"x\"\n  text: \"Hello\"\n  asking: null\n";
        let d = diff(a, b).unwrap();
        assert!(d.contains("-  text: \"Hi\""), "{d}");
        assert!(d.contains("+  text: \"Hello\""), "{d}");
        assert_eq!(diff(a, a), None);
    }
}
