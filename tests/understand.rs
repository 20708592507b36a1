//! `concierge understand` run as a shopper-facing tool: the real binary, real lexicon files.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_concierge");
const PROMPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/prompts");
const MESSAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/messages.txt");

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().expect("the binary runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn requests_give_one_json_line_per_message_in_order() {
    let (ok, stdout, stderr) = run(&["understand", "--prompts", PROMPTS, "--requests", MESSAGES]);
    assert!(ok, "{stderr}");
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let messages = std::fs::read_to_string(MESSAGES).unwrap();
    assert_eq!(lines.len(), messages.lines().count());
    for line in &lines {
        for key in ["purpose", "recipient", "age", "occasion", "budget", "interests", "exclude"] {
            assert!(line.get(key).is_some(), "{key} missing in {line}");
        }
    }
    let first = &lines[0];
    assert_eq!(first["purpose"], "gift");
    assert_eq!(first["recipient"], "child");
    assert_eq!(first["recipient_word"], "nephew");
    assert_eq!(first["age"], 6);
    let under = serde_json::json!({"min": null, "max": 25, "currency": "GBP", "stated": "under £25"});
    assert_eq!(first["budget"], under, "the shopper's words are kept beside the range");
    assert_eq!(first["interests"], serde_json::json!(["trains"]));
    assert_eq!(lines[1]["acts"], serde_json::json!(["greeting"]));
    assert_eq!(lines[2]["budget"]["max"], 34.5);
    assert_eq!(lines[3]["budget"], serde_json::Value::Null, "size 10 is not a budget");
    let euros = serde_json::json!({"min": 20, "max": 30, "currency": "EUR", "stated": "between 20 and 30 euros"});
    assert_eq!(lines[4]["budget"], euros);
}

#[test]
fn json_prints_exactly_the_interface_keys_first() {
    let (ok, stdout, _) = run(&["understand", "--json", "wooden train set for my nephew"]);
    assert!(ok);
    let order =
        ["purpose", "recipient", "recipient_word", "age", "occasion", "budget", "interests", "exclude", "keywords"];
    let positions: Vec<usize> = order
        .iter()
        .map(|key| stdout.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("{key} missing")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "keys out of order: {stdout}");
    assert!(stdout.starts_with(r#"{"purpose":"gift","#), "{stdout}");
}

#[test]
fn the_default_output_is_one_line_per_known_slot() {
    let (ok, stdout, _) = run(&["understand", "--prompts", PROMPTS, "my 6yo nephew loves trains, under £25"]);
    assert!(ok);
    assert_eq!(stdout, "purpose: gift\nrecipient: child (nephew)\nage: 6\nbudget: up to £25\ninterests: trains\n");
    let (_, stdout, _) = run(&["understand", "--prompts", PROMPTS, "..."]);
    assert_eq!(stdout, "nothing understood\n");
}

#[test]
fn asking_reads_a_bare_reply_as_that_slot() {
    let (ok, stdout, _) = run(&["understand", "--prompts", PROMPTS, "--asking", "age", "--json", "6"]);
    assert!(ok);
    assert!(stdout.contains(r#""age":6"#) && stdout.contains(r#""budget":null"#), "{stdout}");
    let (ok, _, stderr) = run(&["understand", "--asking", "colour", "6"]);
    assert!(!ok);
    assert!(stderr.contains("not a slot"), "{stderr}");
}

#[test]
fn requests_can_come_from_stdin() {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(["understand", "--prompts", PROMPTS, "--requests", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"under 20\r\n\xff\xfe broken utf8\n\nno lego\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].contains(r#""max":20"#), "{}", lines[0]);
    assert!(lines[3].contains(r#""exclude":["lego"]"#), "{}", lines[3]);
}

#[test]
fn a_broken_lexicon_file_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lexicon")).unwrap();
    let broken =
        "possessives = [\"my\"]\n\n[recipient.mother]\nwords = [\"mum\"]\n\n[recipient.father]\nwords = [\"dad\", 7]\n";
    std::fs::write(dir.path().join("lexicon/recipients.toml"), broken).unwrap();
    let (ok, _, stderr) = run(&["understand", "--prompts", dir.path().to_str().unwrap(), "hi"]);
    assert!(!ok);
    assert!(stderr.contains("recipients.toml:7: "), "{stderr}");
}

#[test]
fn a_missing_prompts_dir_given_explicitly_is_an_error() {
    let (ok, _, stderr) = run(&["understand", "--prompts", "/no/such/dir", "hi"]);
    assert!(!ok);
    assert!(stderr.contains("/no/such/dir"), "{stderr}");
    assert!(Path::new(PROMPTS).is_dir());
}
