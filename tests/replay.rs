//! Replay: script parsing, assertions, reports, golden files and the runner, with a scripted
//! fake driver (canned frames) and a fake chat server for the `--url` driver; and the
//! `concierge replay` command on a deliberately broken script.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use concierge::catalog::Signal;
use concierge::chat::protocol::ServerFrame;
use concierge::chat::reply::{ProductCard, Reply};
use concierge::replay::report;
use concierge::replay::{Driver, DriverError, Fixture, Options, Script, Step, Summary, Verdict};
use concierge::slots::{Budget, Purpose, Slots};
use serde_json::Value;

/// A driver that plays back canned frames, one list per call, and logs what it was asked.
struct Canned {
    steps: VecDeque<Vec<ServerFrame>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Canned {
    fn next(&mut self, what: String) -> Result<Vec<ServerFrame>, DriverError> {
        self.log.lock().unwrap().push(what);
        self.steps.pop_front().ok_or_else(|| DriverError::Closed(": no more canned frames".into()))
    }
}

impl Driver for Canned {
    async fn apply_fixture(&mut self, fixture: &Fixture) -> Result<(), DriverError> {
        self.log.lock().unwrap().push(format!("fixture {:?}", fixture.declared));
        Ok(())
    }
    async fn open(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.next(format!("open {context}"))
    }
    async fn say(&mut self, text: &str) -> Result<Vec<ServerFrame>, DriverError> {
        self.next(format!("say {text}"))
    }
    async fn event(&mut self, event: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.next(format!("event {event}"))
    }
    async fn visit(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.next(format!("visit {context}"))
    }
}

fn product(id: &str, title: &str, price: &str) -> ProductCard {
    ProductCard {
        id: id.into(),
        title: title.into(),
        price: price.parse().unwrap(),
        currency: "GBP".parse().unwrap(),
        compare_at_price: None,
        url: None,
        image: None,
        category: vec!["Toys".into(), "Trains".into()],
        why: vec!["A gift for your nephew who loves trains".into()],
        signals: vec![Signal::Interest { term: "trains".into() }],
    }
}

fn reply(text: &str, asking: Option<&str>, slots: Slots, products: Vec<ProductCard>) -> ServerFrame {
    ServerFrame::Reply(Box::new(Reply {
        text: text.into(),
        asking: asking.map(str::to_string),
        quick_replies: vec![],
        slots,
        products,
        alternatives: vec![],
        offers: vec![],
    }))
}

fn welcome() -> ServerFrame {
    ServerFrame::Welcome {
        shopper: "token".into(),
        session: "s1".into(),
        returning: false,
        experiments: Default::default(),
    }
}

fn gift_for_child() -> Slots {
    Slots { purpose: Some(Purpose::Gift), recipient: Some("child".into()), ..Slots::default() }
}

fn under(max: u32) -> Slots {
    let budget = Budget { min: None, max: Some(concierge::money::Amount::units(max)), currency: None, stated: None };
    Slots { budget: Some(budget), interests: vec!["trains".into()], ..gift_for_child() }
}

/// The conversation INTERFACE.md's example describes, as the chat might answer it.
fn nephew_frames(third_price: &str) -> Vec<Vec<ServerFrame>> {
    vec![
        vec![
            welcome(),
            reply("Hi! Are you shopping for yourself, or is it a gift?", Some("purpose"), Slots::default(), vec![]),
        ],
        vec![reply(
            "Got it. What budget do you have in mind for your nephew?",
            Some("budget"),
            gift_for_child(),
            vec![],
        )],
        vec![reply(
            "Here are 3 ideas for a gift for your nephew who loves trains, under £25:",
            None,
            under(25),
            vec![
                product("sku-1", "Wooden Train Set", "24.99"),
                product("sku-2", "Train Whistle", "4.5"),
                product("sku-7", "Deluxe Train Set", third_price),
            ],
        )],
    ]
}

const NEPHEW: &str = r#"name: gift for a nephew under 25
context: {page: home, device: mobile}
turns:
  - expect:
      asking: purpose
  - say: "hi, I need a present for my nephew"
    expect:
      asking: budget
      slots: {purpose: gift, recipient: child}
  - say: "under £25, he loves trains"
    expect:
      text_matches: "(?i)train"
      products:
        count_min: 3
        price_max: 25
        any_title_matches: "(?i)train"
        none_title_matches: "(?i)lego"
        includes: [sku-1]
      slots: {budget: {max: 25.00}, interests: [Trains]}
      why_matches: "(?i)gift"
"#;

/// Writes `files` into a temporary folder and returns it with the scripts' paths.
fn folder(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = files
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    (dir, paths)
}

/// Runs `paths` with canned frames per script name.
fn run(paths: &[PathBuf], canned: HashMap<String, Vec<Vec<ServerFrame>>>, options: &Options) -> Summary {
    let log = Arc::new(Mutex::new(Vec::new()));
    let factory = move |script: &Script| {
        let steps = canned.get(&script.name).cloned().unwrap_or_default().into();
        let driver = Canned { steps, log: Arc::clone(&log) };
        async move { Ok(Box::new(driver)) }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(concierge::replay::run(paths, factory, options))
}

fn canned(name: &str, frames: Vec<Vec<ServerFrame>>) -> HashMap<String, Vec<Vec<ServerFrame>>> {
    HashMap::from([(name.to_string(), frames)])
}

#[test]
fn a_script_in_the_interface_format_parses_with_its_turns_and_fixture() {
    let text = r#"
name: returning
shopper:
  declared: {purpose: gift, budget: {max: 30}}
  orders: [{product_id: sku-9}, {items: [sku-1, {product_id: sku-2}]}]
  events: [{kind: product_viewed, product_id: sku-3}]
turns:
  - say: 20
  - event: {kind: product_viewed, product_id: sku-4}
  - visit: {context: {page: product, product_id: sku-4}}
  - expect: {asking: none}
"#;
    let script = Script::parse(text, Path::new("r.yaml")).unwrap();
    assert_eq!(script.name, "returning");
    let fixture = script.shopper.as_ref().unwrap();
    assert_eq!(fixture.orders, vec![vec!["sku-9".to_string()], vec!["sku-1".into(), "sku-2".into()]]);
    assert_eq!(fixture.order_events()[0]["order"]["items"][0]["product_id"], "sku-9");
    assert_eq!(script.turns[0].step, Step::Say("20".into()));
    assert!(matches!(&script.turns[2].step, Step::Visit { context } if context["product_id"] == "sku-4"));
    assert_eq!(script.turns[3].step, Step::Look);
    assert_eq!(script.turns[1].line, 9);
}

#[test]
fn a_typo_in_an_assertion_is_an_error_at_its_line() {
    let text = "turns:\n  - say: hi\n    expect:\n      products:\n        pirce_max: 25\n";
    let problems = Script::parse(text, Path::new("t.yaml")).unwrap_err();
    assert_eq!(problems.len(), 1);
    let shown = problems[0].to_string();
    assert!(shown.starts_with("t.yaml:5: unknown key `pirce_max` in products (did you mean `price_max`?)"), "{shown}");
}

#[test]
fn every_problem_of_a_script_is_reported_at_once_each_at_its_line() {
    let text = "name: x\nturns:\n  - say: hi\n    expect:\n      text_matches: \"(unclosed\"\n      askin: budget\n  - sya: hello\n";
    let problems = Script::parse(text, Path::new("t.yaml")).unwrap_err();
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![5, 6, 7], "{problems:?}");
    assert!(problems[0].message.contains("bad regex"), "{}", problems[0]);
}

#[test]
fn a_yaml_syntax_error_is_reported_with_its_line() {
    let problems = Script::parse("turns:\n  - say: \"unterminated\n", Path::new("t.yaml")).unwrap_err();
    assert!(problems[0].line >= 2, "{problems:?}");
    assert!(problems[0].message.contains("YAML"), "{problems:?}");
}

#[test]
fn a_declared_slot_of_the_wrong_shape_is_an_error_at_its_line() {
    let text = "shopper:\n  declared:\n    age: old\nturns:\n  - say: hi\n";
    let problems = Script::parse(text, Path::new("t.yaml")).unwrap_err();
    assert_eq!(problems[0].line, 3, "{problems:?}");
}

#[test]
fn a_conversation_that_meets_its_expectations_passes() {
    let (_dir, paths) = folder(&[("nephew.yaml", NEPHEW)]);
    let summary = run(&paths, canned("gift for a nephew under 25", nephew_frames("19.99")), &Options::default());
    assert!(summary.all_passed(), "{}", report::human(&summary));
    assert!(report::human(&summary).ends_with("replay: 1 passed, 0 failed\n"));
}

#[test]
fn a_product_over_budget_is_named_with_its_price_at_the_line_of_the_rule() {
    let (_dir, paths) = folder(&[("nephew.yaml", NEPHEW)]);
    let summary = run(&paths, canned("gift for a nephew under 25", nephew_frames("29.99")), &Options::default());
    let text = report::human(&summary);
    let expected = format!(
        "{}:15: turn 3 (say \"under £25, he loves trains\"): products.price_max: 25 — \"Deluxe Train Set\" (sku-7) costs 29.99",
        paths[0].display()
    );
    assert!(text.contains(&expected), "{text}");
    assert!(text.contains("    shopper: hi, I need a present for my nephew"), "{text}");
    assert!(text.contains("asking: null"), "{text}");
    assert!(text.ends_with("replay: 0 passed, 1 failed\n"), "{text}");
}

#[test]
fn wrong_slots_and_questions_say_what_came_back() {
    let script = "turns:\n  - say: hi\n    expect:\n      asking: null\n      slots: {purpose: self, age: null}\n";
    let (_dir, paths) = folder(&[("s.yaml", script)]);
    let frames = vec![
        vec![welcome(), reply("Hi", Some("purpose"), Slots::default(), vec![])],
        vec![reply("Who is it for?", Some("recipient"), Slots { age: Some(6), ..gift_for_child() }, vec![])],
    ];
    let text = report::human(&run(&paths, canned("s", frames), &Options::default()));
    assert!(text.contains(":4: turn 1 (say \"hi\"): asking: null (asks nothing) — it asks about recipient"), "{text}");
    assert!(text.contains(":5: turn 1 (say \"hi\"): slots.purpose: \"self\" — purpose is \"gift\""), "{text}");
    assert!(text.contains(":5: turn 1 (say \"hi\"): slots.age: null — age is 6"), "{text}");
}

#[test]
fn a_broken_script_fails_without_stopping_the_others_and_results_keep_their_order() {
    let broken = "turns:\n  - say: hi\n    expect:\n      products: {count_mni: 1}\n";
    let (_dir, paths) =
        folder(&[("a.yaml", NEPHEW), ("b.yaml", broken), ("c.yaml", &NEPHEW.replace("nephew under", "niece under"))]);
    let mut frames = canned("gift for a nephew under 25", nephew_frames("1"));
    frames.insert("gift for a niece under 25".into(), nephew_frames("2"));
    let summary = run(&paths, frames, &Options { jobs: 2, ..Options::default() });
    let order: Vec<bool> = summary.outcomes.iter().map(|o| o.passed()).collect();
    assert_eq!(order, vec![true, false, true]);
    let text = report::human(&summary);
    assert!(text.contains(&format!("{}:4: unknown key `count_mni`", paths[1].display())), "{text}");
    assert!(text.ends_with("replay: 2 passed, 1 failed\n"), "{text}");
}

#[test]
fn a_driver_that_cannot_talk_is_a_failure_with_its_message() {
    let (_dir, paths) = folder(&[("nephew.yaml", NEPHEW)]);
    let summary = run(&paths, HashMap::new(), &Options::default());
    let text = report::human(&summary);
    assert!(
        text.contains("cannot talk to the chat: the server closed the connection: no more canned frames"),
        "{text}"
    );
    assert_eq!(summary.failed(), 1);
}

#[test]
fn blessing_records_replies_and_a_later_change_shows_as_a_diff() {
    let (dir, paths) = folder(&[("nephew.yaml", NEPHEW)]);
    let name = "gift for a nephew under 25";
    let blessed = run(&paths, canned(name, nephew_frames("19.99")), &Options { bless: true, ..Options::default() });
    assert!(matches!(blessed.outcomes[0].verdict, Verdict::Passed { blessed: true }));
    let golden = std::fs::read_to_string(dir.path().join("nephew.golden.yaml")).unwrap();
    assert!(golden.contains("title: \"Deluxe Train Set\"") && golden.contains("price: 19.99"), "{golden}");

    let same = run(&paths, canned(name, nephew_frames("19.99")), &Options::default());
    assert!(same.all_passed(), "{}", report::human(&same));
    let changed = run(&paths, canned(name, nephew_frames("21.5")), &Options::default());
    let text = report::human(&changed);
    assert!(text.contains("-      price: 19.99") && text.contains("+      price: 21.5"), "{text}");
    assert!(text.contains("run with --bless to accept"), "{text}");
}

#[test]
fn golden_files_are_not_taken_for_scripts_when_a_folder_is_scanned() {
    let (dir, _) = folder(&[("a.yaml", NEPHEW), ("a.golden.yaml", "- step: x\n"), ("notes.txt", "x")]);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b.yml"), NEPHEW).unwrap();
    let found = concierge::replay::runner::discover(&[dir.path().to_path_buf()]);
    assert_eq!(found, vec![dir.path().join("a.yaml"), dir.path().join("sub/b.yml")]);
}

#[test]
fn the_junit_report_has_a_case_per_script_and_the_failure_text() {
    let broken = "turns:\n  - say: hi\n    expect: {why_matches: \"[\"}\n";
    let (_dir, paths) = folder(&[("a.yaml", NEPHEW), ("b.yaml", broken)]);
    let summary = run(&paths, canned("gift for a nephew under 25", nephew_frames("1")), &Options::default());
    let xml = String::from_utf8(report::junit(&summary).unwrap()).unwrap();
    assert!(xml.contains(r#"<testsuite name="concierge replay" tests="2" failures="1""#), "{xml}");
    assert!(xml.contains(r#"<testcase name="gift for a nephew under 25""#), "{xml}");
    assert!(xml.contains(r#"type="invalid_script""#) && xml.contains("bad regex"), "{xml}");
}

#[test]
fn product_rules_about_earlier_turns_compare_with_what_was_shown() {
    let script = "turns:\n  - say: trains under 30\n  - say: cheaper\n    expect:\n      products: {cheaper_than_before: true, none_shown_before: true}\n";
    let (_dir, paths) = folder(&[("c.yaml", script)]);
    let first = vec![product("a", "A", "20"), product("b", "B", "12")];
    let ok = vec![product("c", "C", "9")];
    let bad = vec![product("b", "B", "12")];
    let frames = |second: Vec<ProductCard>| {
        vec![
            vec![welcome(), reply("Hi", None, Slots::default(), vec![])],
            vec![reply("x", None, under(30), first.clone())],
            vec![reply("y", None, under(30), second)],
        ]
    };
    assert!(run(&paths, canned("c", frames(ok)), &Options::default()).all_passed());
    let text = report::human(&run(&paths, canned("c", frames(bad)), &Options::default()));
    assert!(text.contains("products.cheaper_than_before: true — \"B\" (b) costs 12, not under 12"), "{text}");
    assert!(text.contains("products.none_shown_before: true — \"B\" (b) was shown before"), "{text}");
}

#[test]
fn the_command_points_at_the_broken_line_and_counts_it_as_failed() {
    let broken = "name: broken\nturns:\n  - say: hello\n    expect:\n      asking: purpose\n      products:\n        pirce_max: 25\n";
    let (_dir, paths) = folder(&[("broken.yaml", broken), ("fine.yaml", NEPHEW)]);
    // Nothing listens on port 9 (discard): the fine script fails to connect, the broken
    // one is reported before any connection is tried.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_concierge"))
        .args(["replay", "--url", "ws://127.0.0.1:9/v1/chat"])
        .args(&paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(stdout.contains(&format!("{}:7: unknown key `pirce_max`", paths[0].display())), "{stdout}");
    assert!(stdout.contains("cannot connect to ws://127.0.0.1:9/v1/chat"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("replay: 0 passed, 2 failed"), "{stdout}");
}

/// The project's own suite of conversations (tests/conversations/).
fn conversations() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conversations"))
}

#[test]
fn every_project_conversation_script_is_valid() {
    let scripts = concierge::replay::runner::discover(&[conversations()]);
    assert!(scripts.len() >= 30, "only {} scripts", scripts.len());
    for path in &scripts {
        if let Err(problems) = Script::load(path) {
            panic!("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
        }
    }
}

#[test]
fn the_project_conversations_pass_in_process_on_the_demo_store() {
    let catalog = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl"));
    let prompts = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts"));
    let factory = match concierge::replay::in_process::driver_factory(catalog, Some(prompts)) {
        Ok(factory) => factory,
        Err(DriverError::Unavailable(why)) => {
            eprintln!("skipping: {why}");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let summary = runtime.block_on(concierge::replay::run(&[conversations()], factory, &Options::default()));
    assert!(summary.all_passed(), "{}", report::human(&summary));
}
