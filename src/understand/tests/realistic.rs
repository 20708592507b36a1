//! Realistic shopper messages, each checked on the facts it states (and on what it must not
//! be read as). Checks are `key=value`: purpose, recipient, word (recipient_word), age,
//! occasion, min, max, cur (currency), likes, no (exclude), acts, kw (keywords); lists are
//! `|`-separated (`%` stands for a space), `-` means none.

use super::*;

fn facts(u: &Understanding) -> Vec<(&'static str, String)> {
    let s = &u.slots;
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join("|") };
    let acts: Vec<String> =
        u.acts.iter().map(|a| serde_json::to_string(a).unwrap_or_default().replace(['"', '{', '}'], "")).collect();
    vec![
        ("purpose", opt(s.purpose.map(|p| p.as_str().to_string()))),
        ("recipient", opt(s.recipient.clone())),
        ("word", opt(s.recipient_word.clone())),
        ("age", opt(s.age.map(|a| a.to_string()))),
        ("occasion", opt(s.occasion.clone())),
        ("min", opt(s.budget.and_then(|b| b.min).map(|a| a.to_string()))),
        ("max", opt(s.budget.and_then(|b| b.max).map(|a| a.to_string()))),
        ("cur", opt(s.budget.and_then(|b| b.currency).map(|c| c.code().to_string()))),
        ("likes", list(&s.interests)),
        ("no", list(&s.exclude)),
        ("acts", list(&acts)),
        ("kw", list(&u.keywords)),
    ]
}

fn check(cases: &[(&str, &str)]) {
    let u = understander();
    let mut failures = Vec::new();
    for (text, expected) in cases {
        let got = facts(&u.understand(text));
        for check in expected.split_whitespace() {
            let (key, want) = check.split_once('=').unwrap_or((check, ""));
            let Some((_, have)) = got.iter().find(|(k, _)| *k == key) else {
                failures.push(format!("{text:?}: unknown key {key}"));
                continue;
            };
            let want = want.replace('%', " ");
            if *have != want {
                failures.push(format!("{text:?}: {key} want {want}, got {have}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failed checks:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn opening_requests() {
    check(&[
        (
            "Looking for a birthday present for my husband who is into golf. Budget around £100",
            "purpose=gift recipient=partner word=husband occasion=birthday max=115 cur=GBP likes=golf kw=-",
        ),
        (
            "hi there, my son is turning 7 next week and he's mad about pokemon. Anything under 30 quid?",
            "recipient=child word=son age=7 max=30 cur=GBP likes=pokemon acts=greeting kw=-",
        ),
        ("need ideas for my 2 year old granddaughter", "recipient=child word=granddaughter age=2 max=-"),
        (
            "gift for a 13 year old girl who likes makeup and taylor swift",
            "recipient=child age=13 likes=makeup|taylor%swift",
        ),
        ("something for my sister's 21st", "recipient=sibling age=21 occasion=birthday"),
        ("mum loves candles and gin, £20-£40", "recipient=mother min=20 max=40 cur=GBP likes=candles|gin"),
        (
            "present for dad, he's into fishing and whisky, spend up to 75",
            "recipient=father max=75 cur=- likes=fishing|whisky",
        ),
        (
            "I want something for under 10 pounds for secret santa at work",
            "purpose=gift occasion=christmas max=10 cur=GBP",
        ),
        ("teacher gift end of year, not too pricey", "recipient=teacher max=- no=-"),
        (
            "my wife's 50th birthday is coming up and I want to spoil her, up to £200",
            "recipient=partner age=50 max=200 kw=-",
        ),
        ("a retirement gift for my colleague of 30 years", "recipient=colleague occasion=retirement age=- max=-"),
        ("dad, 65, loves walking", "recipient=father age=65 likes=walking"),
        ("son 6 loves dinosaurs", "recipient=child age=6 likes=dinosaurs"),
        (
            "It's for my brother. He's 16 and into skateboarding and hip hop. Not more than £60.",
            "recipient=sibling age=16 max=60 likes=skateboarding|hip%hop",
        ),
        (
            "For my mum. She doesn't like chocolate or flowers. Maybe 40?",
            "recipient=mother max=40 no=chocolate|flowers",
        ),
        (
            "hi! quick one - need a gift for a 5yo girl, loves frozen, peppa pig. 10-15 pounds please",
            "age=5 min=10 max=15 cur=GBP likes=frozen|peppa%pig acts=greeting",
        ),
        ("Stocking stuffers for a 10 year old boy under $10", "occasion=christmas age=10 max=10 cur=USD"),
        (
            "bday present for bf, he loves gaming, ps5 games maybe, up to 70",
            "recipient=partner occasion=birthday max=70 likes=gaming|ps5%games",
        ),
        ("my 7 year old and 9 year old boys love football", "recipient=child age=7 likes=football"),
        ("I'm 25 and want a treat for myself, into skincare", "purpose=self age=25 likes=skincare"),
        ("a 12 year old whisky for my dad", "recipient=father age=- max=- kw=whisky"),
        ("I'd like something under 50 for my fiancé, he's a big Arsenal fan", "recipient=partner max=50 likes=arsenal"),
    ]);
}

#[test]
fn replies_and_corrections() {
    check(&[
        ("I'm on a tight budget, maybe 15?", "max=15"),
        ("sorry I meant £30 not £20", "max=30 cur=GBP"),
        ("under £20 - actually make that £25", "max=25"),
        ("not sure, maybe £30-40?", "min=30 max=40 acts=dont_know"),
        ("no, something for a baby", "recipient=child acts=no"),
        ("yes the second one", "acts=yes|more_like:2 kw=-"),
        ("the third one looks good", "acts=more_like:3"),
        ("I like the 3rd one but cheaper", "acts=more_like:3|cheaper"),
        ("show me the last one again", "acts=more_like:last"),
        ("tell me more about number 2", "acts=why:2"),
        ("budget is not an issue", "acts=skip no=-"),
        ("I don't like any of these", "acts=something_else no=-"),
        ("could you do it for less than 15?", "max=15 acts=-"),
        ("where is my order", "acts=handover"),
    ]);
}

#[test]
fn numbers_in_sentences_that_are_not_money() {
    check(&[
        ("my son wears size 8 and loves football", "max=- age=- likes=football"),
        ("a 500 piece jigsaw for my nan", "max=- recipient=grandparent"),
        ("a 4 player board game for the family", "max=- recipient=family"),
        ("we've been married 25 years", "max=- age=-"),
        ("she was born in 1990", "max=- age=-"),
        ("a 12 month magazine subscription", "max=- age=-"),
        ("something for 3 kids, all under 10", "max=- recipient=child"),
        ("a 64gb ipad", "max=-"),
        ("iphone 13 case", "max=- kw=iphone|13|case"),
        ("I need it by the 24th", "max=- age=-"),
        ("can it arrive by 5pm tomorrow?", "max=-"),
        ("rated at least 4 stars", "min=- max=-"),
        ("90% cotton", "max=-"),
        ("top 5 gifts for dad", "max=-"),
        ("he has 3 dogs and 2 cats", "max=-"),
        ("he's 6 foot tall and wears size 11 shoes", "max=- age=-"),
        ("a 100 year old recipe book", "age=- max=-"),
        ("I've spent 200 on him already this year", "max=-"),
    ]);
}
