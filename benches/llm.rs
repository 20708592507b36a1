//! What the language-model adapter adds to a model's own latency: each call through the adapter
//! (prompt building, token counting, the breaker, the HTTP client, schema parsing, the merge or
//! the sentence checks) against an endpoint that answers at once, compared with a bare HTTP
//! request to the same endpoint. Run: `cargo bench --bench llm`.

#[allow(dead_code)]
#[path = "../tests/common/fake_llm.rs"]
mod fake_llm;

use std::sync::Arc;
use std::time::{Duration, Instant};

use concierge::catalog::{Catalog, CatalogIndex};
use concierge::config::LlmConfig;
use concierge::llm::adapter::Emit;
use concierge::llm::openai::OpenAiModel;
use concierge::llm::phrase::{Brief, BriefProduct};
use concierge::llm::understand::Vocabulary;
use concierge::llm::{Llm, LlmMetrics, LlmSettings};
use concierge::prompts::Prompts;
use concierge::understand::{Lexicon, Understander};
use serde_json::json;

const RUNS: usize = 400;
const TEXT: &str = "gift for my sister-in-law, she's taken up yoga lately";

struct Discard;

impl Emit for Discard {
    async fn emit(&mut self, _: String) -> bool {
        true
    }
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    (samples[samples.len() / 2], samples[samples.len() * 99 / 100])
}

async fn time<F: std::future::Future>(mut call: impl FnMut() -> F) -> (Duration, Duration) {
    for _ in 0..20 {
        call().await;
    }
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        call().await;
        samples.push(started.elapsed());
    }
    percentiles(samples)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let slots = json!({"purpose":"gift","recipient":"sister-in-law","age":null,"occasion":null,
        "budget":null,"interests":["yoga"],"exclude":[]});
    let reply = "Lovely idea for someone who loves yoga. The Lotus Path Eco Yoga Mat 6mm - Sage is £28.00.";
    let fake = fake_llm::start(fake_llm::Behaviour::Fixed { slots, reply: reply.into() }).await;
    let config =
        LlmConfig { base_url: Some(fake.base_url.clone()), model: Some("local".into()), ..LlmConfig::default() };
    let settings = LlmSettings::from_config(&config).unwrap();
    let model = OpenAiModel::new(&fake.base_url, "local", None, Duration::from_secs(1));
    let llm = Llm::new(Arc::new(model), settings, LlmMetrics::new()).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/demo.jsonl");
    let index = CatalogIndex::build(Arc::new(Catalog::load(&path).unwrap().0)).unwrap();
    let understander = Understander::new(Lexicon::builtin());
    let prompts = Prompts::builtin();
    let vocab = Vocabulary { understander: &understander, words: &index };
    let brief = Brief {
        draft: "Here are 3 ideas for your sister-in-law, under £40:".into(),
        products: vec![BriefProduct {
            title: "Lotus Path Eco Yoga Mat 6mm - Sage".into(),
            price: "£28.00".into(),
            why: vec!["Loves yoga".into()],
        }],
        quick_replies: vec![],
    };

    let http = reqwest::Client::new();
    let url = format!("{}/chat/completions", fake.base_url);
    let bare = time(|| {
        let request = http.post(&url).json(&json!({"model":"local","messages":[]}));
        async move { request.send().await.unwrap().bytes().await.unwrap() }
    })
    .await;
    let understand = time(|| llm.understand(prompts.model(), &vocab, TEXT, None, understander.understand(TEXT))).await;
    let phrase = time(|| async { llm.phrase(prompts.model(), &brief, &[], TEXT, &mut Discard).await.unwrap() }).await;
    println!("language-model adapter, against an endpoint that answers at once ({RUNS} calls each)");
    println!("  bare HTTP request      p50 {:>9.1?}  p99 {:>9.1?}", bare.0, bare.1);
    println!("  understand (adapter)   p50 {:>9.1?}  p99 {:>9.1?}", understand.0, understand.1);
    println!("  phrase, streamed       p50 {:>9.1?}  p99 {:>9.1?}", phrase.0, phrase.1);
    println!(
        "  added by the adapter   understand {:.2?}, phrase {:.2?} (p50 over the bare request)",
        understand.0.saturating_sub(bare.0),
        phrase.0.saturating_sub(bare.0)
    );
}
