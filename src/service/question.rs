//! What a message asks about the shopper's orders, read with general word rules: a question
//! word or a complaint together with something that names an order ("where is my parcel?",
//! "my order hasn't come", "I want to return the blue one"). A request to buy ("I'd like to
//! order a teapot") names no order status and is left to the shopping dialogue.

/// What the shopper wants to know or do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Where it is, when it comes, its status.
    Where,
    /// It has not arrived (a parcel marked delivered then needs a person).
    NotArrived,
    /// A return, refund or exchange, or it came broken or wrong: a person's job.
    Return,
    Cancel,
    /// Consent to notices, given (`true`) or withdrawn.
    Notices(bool),
}

/// An order question: what is asked, the message's other words (to tell which order), and the
/// tokens that look like order ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub ask: Ask,
    pub words: Vec<String>,
    pub ids: Vec<String>,
}

const ORDER: &[&str] = &[
    "order",
    "orders",
    "parcel",
    "parcels",
    "package",
    "packages",
    "delivery",
    "deliveries",
    "shipment",
    "shipping",
    "tracking",
    "purchase",
    "purchases",
    "stuff",
];
const ARRIVE: &[&str] = &[
    "arrived",
    "arrive",
    "arriving",
    "come",
    "came",
    "coming",
    "delivered",
    "here",
    "received",
    "receive",
    "turned",
    "shipped",
    "dispatched",
    "showed",
];
const NOT: &[&str] = &["not", "never", "yet", "still", "late", "missing", "lost", "delayed"];
const RETURN: &[&str] = &["return", "returns", "returning", "refund", "refunds", "exchange", "replace", "replacement"];
const FAULT: &[&str] = &["broken", "damaged", "faulty", "wrong", "defective", "cracked"];
const CANCEL: &[&str] = &["cancel", "cancelling", "canceling", "cancellation"];
const NOTICES: &[&str] = &["notice", "notices", "notification", "notifications", "alert", "alerts", "notify"];
const OFF: &[&str] = &["stop", "off", "unsubscribe", "disable", "no", "not", "dont", "without"];
/// Words that carry no product or order meaning in these questions.
const FILLER: &[&str] = &[
    "i", "me", "my", "mine", "the", "a", "an", "is", "are", "was", "were", "be", "been", "it", "its", "of", "to",
    "for", "on", "in", "at", "and", "or", "one", "ones", "that", "this", "these", "those", "has", "have", "had", "do",
    "does", "did", "will", "would", "can", "could", "please", "where", "when", "what", "which", "who", "why", "how",
    "want", "like", "need", "about", "with", "from", "so", "yet", "you", "your", "we", "our", "us", "hi", "hello",
    "hey", "thanks", "thank", "status", "track", "tracking", "back", "send", "sent", "get", "got", "yes", "ordered",
    "bought", "today", "week", "days", "still", "there", "any", "news", "update", "s", "t", "m",
];

/// The order question `text` asks, if it asks one.
pub fn read(text: &str) -> Option<Question> {
    let words = words(text);
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    let names_order = has(ORDER) || phrase(&words, &["my", "order"]);
    let notices = has(NOTICES) || phrase(&words, &["keep", "me", "posted"]);
    let ask = if notices {
        Ask::Notices(!has(OFF) && !phrase(&words, &["no", "more"]))
    } else if has(CANCEL) && (names_order || has(&["it", "that"])) {
        Ask::Cancel
    } else if has(RETURN) || (has(FAULT) && (names_order || has(ARRIVE) || has(&["one", "it"]))) {
        Ask::Return
    } else if has(NOT) && has(ARRIVE) && (names_order || has(&["it", "my"])) {
        Ask::NotArrived
    } else if (names_order
        && (has(&["where", "track", "tracking", "status", "when", "update", "news"])
            || phrase(&words, &["about", "my"])))
        || (has(&["when", "where"]) && has(ARRIVE) && has(&["it", "my"]))
    {
        Ask::Where
    } else {
        return None;
    };
    let content = words
        .iter()
        .filter(|w| {
            let w = w.as_str();
            w.len() > 2
                && !w.chars().any(|c| c.is_ascii_digit())
                && ![ORDER, ARRIVE, NOT, RETURN, FAULT, CANCEL, NOTICES, OFF, FILLER].iter().any(|set| set.contains(&w))
        })
        .cloned()
        .collect();
    Some(Question { ask, words: content, ids: ids(text) })
}

/// Lower-case words, contractions opened ("hasn't" -> "has", "not"; "where's" -> "where").
fn words(text: &str) -> Vec<String> {
    let text = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    let mut out = Vec::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let raw = raw.trim_matches('\'');
        if raw.is_empty() {
            continue;
        }
        if let Some(base) = raw.strip_suffix("n't") {
            let base = match base {
                "won" => "will",
                "can" | "ca" => "can",
                other => other,
            };
            out.push(base.to_string());
            out.push("not".to_string());
        } else if let Some((base, _)) = raw.split_once('\'') {
            out.push(base.to_string());
        } else {
            out.push(raw.to_string());
        }
    }
    out
}

fn phrase(words: &[String], wanted: &[&str]) -> bool {
    words.windows(wanted.len()).any(|w| w.iter().zip(wanted).all(|(a, b)| a == b))
}

/// Tokens that look like an order id: letters and digits with at least two digits, or one
/// digit among other characters ("o-2", "#1042", "A17"), but not a day ("14th", "14").
fn ids(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|t| {
            let digits = t.chars().filter(char::is_ascii_digit).count();
            let day = t.trim_end_matches(|c: char| c.is_ascii_alphabetic()).len() <= 2
                && t.chars().next().is_some_and(|c| c.is_ascii_digit());
            digits > 0 && (digits >= 3 || t.len() > digits) && !day
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(text: &str) -> Option<Ask> {
        read(text).map(|q| q.ask)
    }

    #[test]
    fn questions_about_an_order_are_read_as_such() {
        assert_eq!(ask("where's my parcel?"), Some(Ask::Where));
        assert_eq!(ask("Any news on my order?"), Some(Ask::Where));
        assert_eq!(ask("can you track my package"), Some(Ask::Where));
        assert_eq!(ask("Yes, it's about my order"), Some(Ask::Where));
        assert_eq!(ask("my order hasn't come"), Some(Ask::NotArrived));
        assert_eq!(ask("it still hasn’t arrived"), Some(Ask::NotArrived));
        assert_eq!(ask("I want to return the blue one"), Some(Ask::Return));
        assert_eq!(ask("the mug arrived broken"), Some(Ask::Return));
        assert_eq!(ask("please cancel my order"), Some(Ask::Cancel));
        assert_eq!(ask("send me notices please"), Some(Ask::Notices(true)));
        assert_eq!(ask("stop the notifications"), Some(Ask::Notices(false)));
    }

    #[test]
    fn shopping_requests_are_not_order_questions() {
        for text in [
            "I'd like to order a present for my nephew",
            "a gift for my dad under £30",
            "something for a 6 year old who loves trains",
            "cheaper please",
            "why that one?",
            "can it be delivered by Friday",
        ] {
            assert_eq!(ask(text), None, "{text}");
        }
    }

    #[test]
    fn the_other_words_tell_which_order_and_ids_are_found() {
        let question = read("I want to return the blue teapot from order #A1042").unwrap();
        assert_eq!(question.words, ["blue", "teapot"]);
        assert_eq!(question.ids, ["a1042"]);
        assert!(read("where is the parcel I ordered on the 14th").unwrap().ids.is_empty(), "a day is not an id");
    }
}
