use std::sync::Arc;

use time::macros::datetime;

use super::*;
use crate::profile::{Limits, SledStore, StoreOptions};

/// Shopper ids as tokens, as in-process replay names them.
struct Plain;

impl Identity for Plain {
    fn verify(&self, token: &str) -> Option<ShopperId> {
        token.parse().ok()
    }

    fn sign(&self, shopper: ShopperId) -> String {
        shopper.to_string()
    }

    fn customer(&self, _: Customer) -> Option<CustomerId> {
        None
    }

    fn resume_id(&self) -> String {
        "resume-1".into()
    }
}

struct Fixture {
    assistant: Arc<Assistant>,
    profiles: Profiles,
    _dir: tempfile::TempDir,
}

fn demo() -> Fixture {
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/demo.jsonl");
    let assistant = Arc::new(crate::chat::load(&catalog, None, Default::default(), None).unwrap().assistant);
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { durability: Durability::None, ..StoreOptions::default() };
    let store = Arc::new(SledStore::open(dir.path(), options).unwrap());
    let profiles = Profiles { store, window: crate::profile::DEFAULT_BEHAVIOUR_WINDOW, limits: Limits::default() };
    Fixture { assistant, profiles, _dir: dir }
}

async fn send(chat: &mut Chat, f: &Fixture, run: Run, frame: ClientFrame) -> Vec<ServerFrame> {
    let services = Services {
        assistant: Arc::clone(&f.assistant),
        profiles: &f.profiles,
        llm: None,
        identity: &Plain,
        run,
        now: datetime!(2026-02-01 10:00 UTC),
        log_text: false,
        experiments: None,
    };
    let mut frames = Vec::new();
    assert!(chat.handle(frame, &services, &mut frames).await, "a Vec peer never goes away");
    frames
}

fn hello() -> ClientFrame {
    ClientFrame::Hello { shopper: None, session: None, customer: None, context: PageContext::default() }
}

fn say(text: &str) -> ClientFrame {
    ClientFrame::Say { text: text.into(), choice: None, id: None }
}

fn kinds(frames: &[ServerFrame]) -> Vec<&'static str> {
    frames
        .iter()
        .map(|f| match f {
            ServerFrame::Welcome { .. } => "welcome",
            ServerFrame::Reply(_) => "reply",
            ServerFrame::ReplyDelta { .. } => "reply_delta",
            ServerFrame::Handover { .. } => "handover",
            ServerFrame::Error { .. } => "error",
            ServerFrame::Notice(_) => "notice",
        })
        .collect()
}

#[tokio::test]
async fn a_say_before_hello_is_refused_with_hello_required() {
    let f = demo();
    let mut chat = Chat::default();
    let frames = send(&mut chat, &f, Run::Inline, say("a gift")).await;
    assert!(matches!(&frames[..], [ServerFrame::Error { code, .. }] if code == "hello_required"), "{frames:?}");
    assert!(!chat.is_open());
}

#[tokio::test]
async fn a_hello_is_welcomed_with_the_resume_id_and_greeted() {
    let f = demo();
    let mut chat = Chat::default();
    let frames = send(&mut chat, &f, Run::Inline, hello()).await;
    assert_eq!(kinds(&frames), ["welcome", "reply"]);
    let ServerFrame::Welcome { session, returning, .. } = &frames[0] else { unreachable!() };
    assert_eq!((session.as_str(), *returning), ("resume-1", false));
    assert!(chat.is_open());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_pool_and_the_calling_task_give_the_same_frames() {
    let f = demo();
    let (mut inline, mut pooled) = (Chat::default(), Chat::default());
    for frame in [hello(), say("a gift for my nephew"), say("under £20")] {
        let a = send(&mut inline, &f, Run::Inline, frame.clone()).await;
        let b = send(&mut pooled, &f, Run::Blocking, frame).await;
        // Shopper tokens differ (two shoppers); everything a shopper reads is the same.
        let replies = |frames: &[ServerFrame]| -> Vec<String> {
            frames.iter().filter(|f| !matches!(f, ServerFrame::Welcome { .. })).map(ServerFrame::to_text).collect()
        };
        assert_eq!(replies(&a), replies(&b));
        assert_eq!(kinds(&a), kinds(&b));
    }
}

#[tokio::test]
async fn a_refused_event_is_a_bad_message_and_the_visit_goes_on() {
    let f = demo();
    let mut chat = Chat::default();
    send(&mut chat, &f, Run::Inline, hello()).await;
    let event = serde_json::json!({"kind": "no_such_kind"});
    let frames = send(&mut chat, &f, Run::Inline, ClientFrame::Event { event }).await;
    assert!(matches!(&frames[..], [ServerFrame::Error { code, .. }] if code == "bad_message"), "{frames:?}");
    let viewed = serde_json::json!({"kind": "product_viewed", "product_id": "anything"});
    assert!(send(&mut chat, &f, Run::Inline, ClientFrame::Event { event: viewed }).await.is_empty());
    assert_eq!(kinds(&send(&mut chat, &f, Run::Inline, say("a gift")).await), ["reply"]);
}

#[tokio::test]
async fn forgetting_everything_welcomes_the_new_shopper_before_the_reply() {
    let f = demo();
    let mut chat = Chat::default();
    let first = send(&mut chat, &f, Run::Inline, hello()).await;
    let ServerFrame::Welcome { shopper: old, .. } = &first[0] else { unreachable!() };
    send(&mut chat, &f, Run::Inline, say("forget everything")).await;
    let frames = send(&mut chat, &f, Run::Inline, say("yes")).await;
    assert_eq!(kinds(&frames), ["welcome", "reply"], "{frames:?}");
    let ServerFrame::Welcome { shopper: new, .. } = &frames[0] else { unreachable!() };
    assert_ne!(old, new, "the erased shopper's token is dead");
}

#[tokio::test]
async fn a_say_resent_with_an_id_already_applied_is_answered_again_and_not_applied_again() {
    let f = demo();
    let mut chat = Chat::default();
    send(&mut chat, &f, Run::Inline, hello()).await;
    let said = |id: &str, text: &str| ClientFrame::Say { text: text.into(), choice: None, id: Some(id.into()) };
    let first = send(&mut chat, &f, Run::Inline, said("m-1", "a gift for my nephew under £25")).await;
    let shopper = chat.shopper().unwrap();
    let stored = f.profiles.store.load(shopper).unwrap().unwrap();
    // Sent again with other text: the id alone says it is the same message.
    let again = send(&mut chat, &f, Run::Inline, said("m-1", "under £10")).await;
    assert_eq!(again, first, "the same reply");
    assert_eq!(f.profiles.store.load(shopper).unwrap().unwrap(), stored, "nothing applied");
    let next = send(&mut chat, &f, Run::Inline, said("m-2", "under £10")).await;
    assert_ne!(next, first, "a new id is a new message");
    assert_ne!(f.profiles.store.load(shopper).unwrap().unwrap(), stored);
}
