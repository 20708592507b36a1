use super::*;

fn brief() -> Brief {
    Brief {
        draft: "Here are three ideas for a 6-year-old who loves trains, under £25.".into(),
        products: vec![
            BriefProduct {
                title: "Brio Wooden Railway Starter Set".into(),
                price: "£24.99".into(),
                why: vec!["For someone who loves trains".into()],
            },
            BriefProduct { title: "Steam Engine Puzzle".into(), price: "£1,299.00".into(), why: vec![] },
        ],
        quick_replies: vec!["Cheaper".into()],
    }
}

fn checker() -> Checker {
    Checker::new(&brief(), "my nephew is 6 and loves trains", &["discount".into(), "free delivery".into()])
}

#[test]
fn a_faithful_rewording_passes() {
    let c = checker();
    c.check("Your nephew will love the Brio Wooden Railway Starter Set at £24.99.").unwrap();
    c.check("It's perfect for a 6-year-old who's mad about trains!").unwrap();
    c.check("The Steam Engine Puzzle is £1,299 if you want to splash out.").unwrap();
}

#[test]
fn an_invented_price_or_number_fails() {
    let c = checker();
    assert!(c.check("The Brio set is just £19.99 today.").unwrap_err().contains("19.99"));
    assert!(c.check("Get 90% off everything.").is_err());
}

#[test]
fn an_invented_name_fails() {
    let c = checker();
    assert!(c.check("You could also try the Lego Duplo Express.").unwrap_err().contains("Lego"));
    assert!(c.check("Ask Sarah in store for help.").is_err());
}

#[test]
fn a_claim_the_facts_do_not_make_fails() {
    let c = checker();
    assert!(c.check("Order today for free delivery.").unwrap_err().contains("free delivery"));
    assert!(c.check("Use the code at checkout for a discount.").is_err());
    assert!(c.check("See https://example.com for more.").is_err());
}

#[test]
fn the_prompt_lists_every_fact() {
    let prompt = brief().prompt().content;
    for fact in ["Brio Wooden Railway Starter Set", "£24.99", "For someone who loves trains", "Here are three ideas"] {
        assert!(prompt.contains(fact), "{fact} missing from {prompt}");
    }
}

#[test]
fn sentences_are_cut_as_the_text_streams_in() {
    let mut s = Sentences::default();
    assert!(s.push("Here are some ideas").is_empty());
    assert_eq!(s.push(" at £24.99. They suit a"), vec!["Here are some ideas at £24.99. "]);
    assert_eq!(s.push(" train fan! Enjoy?\nMore"), vec!["They suit a train fan! ", "Enjoy? "]);
    assert_eq!(s.finish().as_deref(), Some("More"));
    assert_eq!(s.finish(), None);
}
