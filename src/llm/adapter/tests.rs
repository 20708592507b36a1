//! The adapter's fallbacks, with a scripted model (the real endpoint is in tests/llm.rs).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

use super::*;
use crate::catalog::{Catalog, CatalogIndex};
use crate::llm::Completion;
use crate::prompts::Prompts;
use crate::understand::{Lexicon, Understander};

/// What the scripted model does on its next call.
enum Script {
    Answer(&'static str),
    Fail,
    Hang,
}

#[derive(Default)]
struct Scripted {
    script: Mutex<VecDeque<Script>>,
    calls: Mutex<usize>,
}

impl Scripted {
    fn new(script: Vec<Script>) -> Arc<Scripted> {
        Arc::new(Scripted { script: Mutex::new(script.into()), calls: Mutex::new(0) })
    }

    fn next(&self) -> Script {
        *self.calls.lock().unwrap() += 1;
        self.script.lock().unwrap().pop_front().unwrap_or(Script::Fail)
    }

    fn calls(&self) -> usize {
        *self.calls.lock().unwrap()
    }
}

impl LanguageModel for Scripted {
    fn complete(&self, _: Request) -> BoxFuture<'_, Result<Completion, LlmError>> {
        let step = self.next();
        Box::pin(async move {
            match step {
                Script::Answer(text) => Ok(Completion { text: text.into(), usage: None }),
                Script::Fail => Err(LlmError::Endpoint("connection refused".into())),
                Script::Hang => futures_util::future::pending().await,
            }
        })
    }

    fn stream(&self, _: Request) -> BoxFuture<'_, Result<BoxStream<'static, Result<Chunk, LlmError>>, LlmError>> {
        let step = self.next();
        Box::pin(async move {
            match step {
                // Streamed a few characters at a time, as servers do.
                Script::Answer(text) => {
                    let pieces: Vec<Result<Chunk, LlmError>> = text
                        .as_bytes()
                        .chunks(7)
                        .map(|c| Ok(Chunk::Text(String::from_utf8_lossy(c).into_owned())))
                        .collect();
                    Ok(futures_util::stream::iter(pieces).boxed())
                }
                Script::Fail => Err(LlmError::Endpoint("connection refused".into())),
                Script::Hang => Ok(futures_util::stream::pending().boxed()),
            }
        })
    }
}

fn settings() -> LlmSettings {
    let config = crate::config::LlmConfig {
        base_url: Some("http://127.0.0.1:1/v1".into()),
        model: Some("scripted".into()),
        understand_timeout_ms: 200,
        phrase_timeout_ms: 200,
        breaker_failures: 2,
        ..Default::default()
    };
    LlmSettings::from_config(&config).unwrap()
}

fn llm(script: Vec<Script>) -> (Llm, Arc<Scripted>) {
    let model = Scripted::new(script);
    (Llm::new(model.clone(), settings(), LlmMetrics::new()).unwrap(), model)
}

struct Fixture {
    index: CatalogIndex,
    understander: Understander,
    prompts: Prompts,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/demo.jsonl");
        Fixture {
            index: CatalogIndex::build(Arc::new(Catalog::load(&path).unwrap().0)).unwrap(),
            understander: Understander::new(Lexicon::builtin()),
            prompts: Prompts::builtin(),
        }
    })
}

async fn understand(llm: &Llm, text: &str) -> Understanding {
    let f = fixture();
    let vocab = Vocabulary { understander: &f.understander, words: &f.index };
    llm.understand(f.prompts.model(), &vocab, text, None, f.understander.understand(text)).await
}

/// Collects emitted sentences.
#[derive(Default)]
struct Collected(Vec<String>);

impl Emit for Collected {
    async fn emit(&mut self, sentence: String) -> bool {
        self.0.push(sentence);
        true
    }
}

fn brief() -> Brief {
    Brief {
        draft: "Here is an idea: the Roast & Ritual Pour-Over Coffee Gift Set at £32.00.".into(),
        products: vec![crate::llm::phrase::BriefProduct {
            title: "Roast & Ritual Pour-Over Coffee Gift Set".into(),
            price: "£32.00".into(),
            why: vec![],
        }],
        quick_replies: vec![],
    }
}

async fn phrase(llm: &Llm) -> (Option<String>, Vec<String>) {
    let mut out = Collected::default();
    let text = llm.phrase(fixture().prompts.model(), &brief(), &[], "coffee ideas", &mut out).await;
    (text, out.0)
}

/// The rules miss the interest here (they keep "yoga" as a loose keyword).
const YOGA: &str = "gift for my sister-in-law, she's taken up yoga lately";

#[tokio::test]
async fn a_valid_answer_is_merged_with_the_rules() {
    let (llm, _) = llm(vec![Script::Answer(
        r#"{"purpose":"gift","recipient":"sister-in-law","age":null,"occasion":null,"budget":null,"interests":["yoga"],"exclude":[]}"#,
    )]);
    let got = understand(&llm, YOGA).await;
    assert_eq!(got.slots.interests, ["yoga"], "{got:?}");
    assert_eq!(got.slots.purpose, Some(crate::slots::Purpose::Gift));
}

#[tokio::test]
async fn garbage_falls_back_to_the_rules() {
    let (llm, _) = llm(vec![Script::Answer("Sure! Here is the JSON you asked for")]);
    assert_eq!(understand(&llm, YOGA).await, fixture().understander.understand(YOGA));
}

#[tokio::test]
async fn a_hanging_model_costs_the_timeout_then_the_breaker_skips_it() {
    let (llm, model) = llm(vec![Script::Hang, Script::Hang, Script::Hang]);
    let started = std::time::Instant::now();
    let rules = fixture().understander.understand(YOGA);
    assert_eq!(understand(&llm, YOGA).await, rules);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(understand(&llm, YOGA).await, rules);
    assert_eq!(model.calls(), 2);
    let open = std::time::Instant::now();
    assert_eq!(understand(&llm, YOGA).await, rules);
    assert_eq!(model.calls(), 2, "the open breaker does not call the model");
    assert!(open.elapsed() < Duration::from_millis(100), "and costs no timeout");
}

#[tokio::test]
async fn a_faithful_reply_streams_sentence_by_sentence() {
    let (llm, _) =
        llm(vec![Script::Answer("How about the Roast & Ritual Pour-Over Coffee Gift Set? It is £32.00 and lovely.")]);
    let (text, sentences) = phrase(&llm).await;
    assert_eq!(sentences.len(), 2, "{sentences:?}");
    assert_eq!(text.as_deref(), Some(sentences.concat().trim()));
}

#[tokio::test]
async fn an_invented_price_stops_the_stream_and_the_template_is_used() {
    let (llm, _) = llm(vec![Script::Answer("Lovely choice. It is only £9.99 this week! Enjoy.")]);
    let (text, sentences) = phrase(&llm).await;
    assert_eq!(text, None);
    assert_eq!(sentences, vec!["Lovely choice. "], "nothing after the failing sentence is sent");
}

#[tokio::test]
async fn injected_instructions_cannot_produce_an_unbacked_offer() {
    // Whatever the model was talked into, its reply is checked against the facts.
    let (llm, _) = llm(vec![Script::Answer("As you asked, you get 90% off with code VIP90.")]);
    assert_eq!(phrase(&llm).await, (None, vec![]));
}

#[tokio::test]
async fn a_dead_or_hanging_phrasing_model_means_the_template() {
    let (llm, _) = llm(vec![Script::Fail, Script::Hang]);
    assert_eq!(phrase(&llm).await.0, None);
    let started = std::time::Instant::now();
    assert_eq!(phrase(&llm).await.0, None);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn quick_replies_and_fully_understood_messages_skip_the_model() {
    let (llm, _) = llm(vec![]);
    let rules = &fixture().understander;
    assert!(!llm.wants_to_understand(&rules.understand("under £20"), false));
    assert!(!llm.wants_to_understand(&rules.understand(YOGA), true), "a quick reply");
    assert!(llm.wants_to_understand(&rules.understand(YOGA), false));
}
