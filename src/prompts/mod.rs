//! Merchant-editable prompt files: every text a shopper reads comes from `prompts/`.
//!
//! A merchant changes wording by editing files, never Rust. Loading validates everything
//! (TOML syntax, unknown or missing keys, template syntax, template variables that do not
//! exist) and reports each problem as `file:line: message`; an invalid set is refused whole,
//! so a running server keeps its old set.
//!
//! Files: `why.toml` (a template per signal kind), `questions.toml` (a question per slot),
//! `replies.toml` (every other reply), `policy.toml` (what to ask, in what order, how much),
//! `hints.toml` (product words for recipients and occasions), `lexicon/*.toml` (the words
//! understanding uses: see [`crate::understand::Lexicon`]), and `model.toml` (the optional
//! language model's prompts and the privacy disclosure; the built-in copy when absent).

mod hints;
mod language_model;
mod policy;
mod questions;
mod quick_replies;
mod replies;
mod samples;
mod templates;
mod toml_file;
mod why;

use std::path::Path;

pub use hints::Hints;
pub use language_model::ModelPrompts;
pub use policy::Policy;
pub use questions::{Question, Questions};
pub use replies::Replies;
pub use templates::money_filter;
pub use why::WhyTemplates;

pub(crate) use toml_file::parse as parse_toml;

use crate::problem::Problem;
use crate::understand::Lexicon;

/// The built-in copies of the repository's prompt files, used when no prompts folder exists.
const BUILTIN: &[(&str, &str)] = &[
    ("why.toml", include_str!("../../prompts/why.toml")),
    ("questions.toml", include_str!("../../prompts/questions.toml")),
    ("replies.toml", include_str!("../../prompts/replies.toml")),
    ("policy.toml", include_str!("../../prompts/policy.toml")),
    ("hints.toml", include_str!("../../prompts/hints.toml")),
];

/// Optional files: the built-in copy stands in when a merchant's folder lacks one.
const MODEL: (&str, &str) = ("model.toml", include_str!("../../prompts/model.toml"));
const NOTICES: (&str, &str) = ("notices.toml", crate::notices::wording::BUILTIN);
const SERVICE: (&str, &str) = ("service.toml", crate::service::wording::BUILTIN);
const OFFERS: (&str, &str) = ("offers.toml", crate::offers::BUILTIN);

/// Files a prompts folder may leave out: the built-in one then applies.
const OPTIONAL: [(&str, &str); 4] = [MODEL, NOTICES, SERVICE, OFFERS];

/// A validated set of prompt files.
#[derive(Debug)]
pub struct Prompts {
    why: WhyTemplates,
    questions: Questions,
    replies: Replies,
    policy: Policy,
    hints: Hints,
    lexicon: Lexicon,
    model: ModelPrompts,
    notices: crate::notices::Wording,
    service: crate::service::Wording,
    offers: crate::offers::Offers,
}

impl Prompts {
    /// Loads and validates every prompt file in `dir`; all problems are returned, not just the
    /// first, so a merchant can fix them in one go.
    pub fn load(dir: &Path) -> Result<Prompts, Vec<Problem>> {
        let read = |name: &str| -> Result<(String, String), Problem> {
            let path = dir.join(name);
            let file = path.display().to_string();
            std::fs::read_to_string(&path).map(|text| (file.clone(), text)).map_err(|e| Problem {
                file,
                line: 0,
                message: format!("cannot read: {e}"),
            })
        };
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for (name, _) in BUILTIN {
            match read(name) {
                Ok(file) => files.push((*name, file)),
                Err(problem) => problems.push(problem),
            }
        }
        for (name, _) in OPTIONAL {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push((name, (path.display().to_string(), text))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => problems.push(Problem {
                    file: path.display().to_string(),
                    line: 0,
                    message: format!("cannot read: {e}"),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let lexicon = Lexicon::load(dir);
        match (Prompts::parse(&files, lexicon.as_ref().ok().cloned()), lexicon) {
            (Ok(prompts), Ok(_)) => Ok(prompts),
            (Ok(_), Err(more)) => Err(more),
            (Err(mut found), lexicon) => {
                found.extend(lexicon.err().unwrap_or_default());
                Err(found)
            }
        }
    }

    /// The prompt files compiled into the binary (the repository's `prompts/` folder).
    pub fn builtin() -> Prompts {
        let files: Vec<(&str, (String, String))> =
            BUILTIN.iter().map(|(name, text)| (*name, (format!("<built-in>/{name}"), text.to_string()))).collect();
        // The built-in files are tested (`builtin_prompts_are_valid`), so this cannot fail.
        Prompts::parse(&files, Some(Lexicon::builtin()))
            .unwrap_or_else(|problems| panic!("built-in prompts are invalid: {problems:?}"))
    }

    /// Loads `dir` when given, else `prompts/` when it exists, else the built-in set.
    pub fn load_or_builtin(dir: Option<&Path>) -> Result<Prompts, Vec<Problem>> {
        match dir {
            Some(dir) => Prompts::load(dir),
            None if Path::new("prompts").is_dir() => Prompts::load(Path::new("prompts")),
            None => Ok(Prompts::builtin()),
        }
    }

    /// `files`: (file name, (display path, text)); `lexicon`: the loaded lexicon, `None` when it
    /// had problems (reported by the caller).
    fn parse(files: &[(&str, (String, String))], lexicon: Option<Lexicon>) -> Result<Prompts, Vec<Problem>> {
        let mut problems = Vec::new();
        let find = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, f)| f);
        let mut load = |name: &str| -> Option<&(String, String)> {
            let found = find(name);
            if found.is_none() {
                problems.push(Problem { file: name.into(), line: 0, message: "missing prompt file".into() });
            }
            found
        };
        let (why, questions, replies, policy, hints) =
            (load("why.toml"), load("questions.toml"), load("replies.toml"), load("policy.toml"), load("hints.toml"));
        let why = why.and_then(|(f, t)| WhyTemplates::parse(f, t).map_err(|p| problems.extend(p)).ok());
        let questions = questions.and_then(|(f, t)| Questions::parse(f, t).map_err(|p| problems.extend(p)).ok());
        let replies = replies.and_then(|(f, t)| Replies::parse(f, t).map_err(|p| problems.extend(p)).ok());
        let policy = policy.and_then(|(f, t)| Policy::parse(f, t).map_err(|p| problems.push(p)).ok());
        let hints = hints.and_then(|(f, t)| Hints::parse(f, t).map_err(|p| problems.push(p)).ok());
        let builtin_model = (format!("<built-in>/{}", MODEL.0), MODEL.1.to_string());
        let (file, text) = find(MODEL.0).unwrap_or(&builtin_model);
        let model = ModelPrompts::parse(file, text).map_err(|p| problems.extend(p)).ok();
        let builtin_notices = (format!("<built-in>/{}", NOTICES.0), NOTICES.1.to_string());
        let (file, text) = find(NOTICES.0).unwrap_or(&builtin_notices);
        let notices = crate::notices::Wording::parse(file, text).map_err(|p| problems.extend(p)).ok();
        let builtin_service = (format!("<built-in>/{}", SERVICE.0), SERVICE.1.to_string());
        let (file, text) = find(SERVICE.0).unwrap_or(&builtin_service);
        let service = crate::service::Wording::parse(file, text).map_err(|p| problems.extend(p)).ok();
        let builtin_offers = (format!("<built-in>/{}", OFFERS.0), OFFERS.1.to_string());
        let (file, text) = find(OFFERS.0).unwrap_or(&builtin_offers);
        let offers = crate::offers::Offers::parse(file, text).map_err(|p| problems.extend(p)).ok();
        if let (Some(policy), Some(questions), Some((file, _))) = (&policy, &questions, find("questions.toml")) {
            for slot in policy.order.iter().filter(|s| !questions.has(**s)) {
                problems.push(Problem {
                    file: file.clone(),
                    line: 0,
                    message: format!("no question for `{slot}`, which policy.toml asks"),
                });
            }
        }
        if let (Some(policy), Some(questions), Some(lexicon), Some((file, _))) =
            (&policy, &questions, &lexicon, find("questions.toml"))
        {
            problems.extend(quick_replies::check(file, policy, questions, lexicon));
        }
        match (why, questions, replies, policy, hints, lexicon, model, (notices, service, offers)) {
            (
                Some(why),
                Some(questions),
                Some(replies),
                Some(policy),
                Some(hints),
                Some(lexicon),
                Some(model),
                (Some(notices), Some(service), Some(offers)),
            ) if problems.is_empty() => {
                Ok(Prompts { why, questions, replies, policy, hints, lexicon, model, notices, service, offers })
            }
            _ => Err(problems),
        }
    }

    /// These prompts for `shop`: replies and questions read it as `{{ shop.name }}`, ...
    pub fn with_shop(mut self, shop: &crate::shop::Shop) -> Prompts {
        let value = minijinja::Value::from_serialize(shop);
        self.replies.set_shop(&value);
        self.questions.set_shop(&value);
        self
    }

    pub fn why(&self) -> &WhyTemplates {
        &self.why
    }

    pub fn questions(&self) -> &Questions {
        &self.questions
    }

    pub fn replies(&self) -> &Replies {
        &self.replies
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn hints(&self) -> &Hints {
        &self.hints
    }

    /// The merchant's offers (`offers.toml`; none when the file is absent).
    pub fn offers(&self) -> &crate::offers::Offers {
        &self.offers
    }

    /// The words of order service (`service.toml`).
    pub fn service(&self) -> &crate::service::Wording {
        &self.service
    }

    /// The words of proactive notices (`notices.toml`).
    pub fn notices(&self) -> &crate::notices::Wording {
        &self.notices
    }

    /// The language model's prompts and disclosure (`model.toml`).
    pub fn model(&self) -> &ModelPrompts {
        &self.model
    }

    /// The understanding lexicon (`lexicon/*.toml`).
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_prompts_are_valid() {
        let files: Vec<(&str, (String, String))> =
            BUILTIN.iter().map(|(n, t)| (*n, (n.to_string(), t.to_string()))).collect();
        if let Err(problems) = Prompts::parse(&files, Some(Lexicon::builtin())) {
            panic!("{problems:#?}");
        }
    }

    /// Regression: `concierge check` reported a quick reply it did not understand without a
    /// line, and without the question it answers.
    #[test]
    fn a_quick_reply_that_is_not_understood_is_reported_at_its_line_with_its_question() {
        let mut files: Vec<(&str, (String, String))> =
            BUILTIN.iter().map(|(n, t)| (*n, (n.to_string(), t.to_string()))).collect();
        let (_, (_, questions)) = files.iter_mut().find(|(n, _)| *n == "questions.toml").expect("questions.toml");
        let at = questions.find("quick_replies = [\"It's a gift\"").expect("the purpose question's replies");
        questions.replace_range(at..at, "quick_replies = [\n  \"Wibble wobble\",\n]\n# ");
        let line = questions[..at].matches('\n').count() + 2;
        let problems = Prompts::parse(&files, Some(Lexicon::builtin())).expect_err("a reply it cannot read");
        let found = problems.iter().find(|p| p.message.contains("`Wibble wobble`")).expect("the reply is named");
        assert_eq!(found.line, line, "{found}");
        assert!(found.message.contains("`purpose` question (\"Are you shopping for yourself"), "{found}");
    }

    #[test]
    fn the_repository_prompts_folder_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        Prompts::load(&dir).unwrap();
    }
}
