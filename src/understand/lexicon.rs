//! The lexicon: the merchant-editable words the rules understand, loaded from
//! `prompts/lexicon/*.toml` and compiled into phrase sets once, so understanding a message is
//! only lookups.
//!
//! Each file is optional: a file the merchant did not provide comes from the built-in copy
//! (the repository's own `prompts/lexicon`, compiled into the binary), so a shop can override
//! just `currencies.toml`. Number words ("twenty-five") stay in code: they are language, not
//! merchant vocabulary. Every problem is reported as `file:line: message`, all at once.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rust_decimal::Decimal;

use super::acts::Simple;
use super::phrases::{PhraseSet, Vocab, WordSet};
use super::schema;
use crate::money::Currency;
use crate::problem::Problem;
use crate::slots::SlotName;

/// The lexicon files, each with its built-in text.
pub(crate) const FILES: [(&str, &str); 9] = [
    ("acts.toml", include_str!("../../prompts/lexicon/acts.toml")),
    ("ages.toml", include_str!("../../prompts/lexicon/ages.toml")),
    ("currencies.toml", include_str!("../../prompts/lexicon/currencies.toml")),
    ("interests.toml", include_str!("../../prompts/lexicon/interests.toml")),
    ("money.toml", include_str!("../../prompts/lexicon/money.toml")),
    ("occasions.toml", include_str!("../../prompts/lexicon/occasions.toml")),
    ("purpose.toml", include_str!("../../prompts/lexicon/purpose.toml")),
    ("recipients.toml", include_str!("../../prompts/lexicon/recipients.toml")),
    ("stopwords.toml", include_str!("../../prompts/lexicon/stopwords.toml")),
];

/// Every word list the understanding rules use, compiled for fast matching.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub(crate) vocab: Vocab,
    pub(crate) stop: Stopwords,
    pub(crate) purpose: PurposeWords,
    pub(crate) recipients: RecipientWords,
    pub(crate) occasions: OccasionWords,
    pub(crate) ages: AgeWords,
    pub(crate) currency: CurrencyWords,
    pub(crate) money: MoneyWords,
    pub(crate) interests: InterestWords,
    pub(crate) acts: ActWords,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Stopwords {
    pub(crate) words: WordSet,
    pub(crate) filler: PhraseSet<()>,
    pub(crate) ignore: PhraseSet<()>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct PurposeWords {
    pub(crate) gift: PhraseSet<()>,
    pub(crate) myself: PhraseSet<()>,
    pub(crate) self_replies: PhraseSet<()>,
    pub(crate) self_description: PhraseSet<()>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct RecipientWords {
    pub(crate) words: PhraseSet<String>,
    pub(crate) after_my: PhraseSet<String>,
    pub(crate) possessives: PhraseSet<()>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct OccasionWords {
    /// Phrase → (occasion, whether it also makes the purpose "gift").
    pub(crate) words: PhraseSet<(String, bool)>,
    pub(crate) ordinal_occasion: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct AgeWords {
    pub(crate) years_old: PhraseSet<()>,
    pub(crate) years: PhraseSet<()>,
    pub(crate) months_old: PhraseSet<()>,
    pub(crate) months: PhraseSet<()>,
    pub(crate) weeks_old: PhraseSet<()>,
    pub(crate) before: PhraseSet<()>,
    pub(crate) subjects: PhraseSet<()>,
    pub(crate) first_person: PhraseSet<()>,
    pub(crate) be: PhraseSet<()>,
    pub(crate) approx: PhraseSet<()>,
    pub(crate) persons: PhraseSet<()>,
    pub(crate) newborn: PhraseSet<()>,
}

/// A word or symbol naming a currency, as found next to an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) currency: Currency,
    /// Shared by several currencies: `currency` is only the configured default.
    pub(crate) ambiguous: bool,
    /// Names a hundredth of the unit (pence).
    pub(crate) minor: bool,
    /// As the merchant wrote it, for notes: `$`, `kr`, `bucks`.
    pub(crate) text: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct CurrencyWords {
    pub(crate) around_factor: Decimal,
    pub(crate) marks: PhraseSet<Mark>,
    pub(crate) amounts: PhraseSet<(Decimal, Currency)>,
    pub(crate) multipliers: PhraseSet<Decimal>,
}

/// Which end of a budget a comparator sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    Max,
    Min,
    Around,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct MoneyWords {
    pub(crate) before: PhraseSet<Bound>,
    pub(crate) between: PhraseSet<()>,
    pub(crate) range_to: PhraseSet<()>,
    pub(crate) after: PhraseSet<Bound>,
    pub(crate) weak_after: PhraseSet<()>,
    pub(crate) cues: PhraseSet<()>,
    pub(crate) not_budget_after: PhraseSet<()>,
    pub(crate) not_budget_before: PhraseSet<()>,
    pub(crate) cheap: PhraseSet<()>,
    pub(crate) hedges: PhraseSet<()>,
    pub(crate) corrections: PhraseSet<()>,
    pub(crate) negations: PhraseSet<()>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct InterestWords {
    pub(crate) likes: PhraseSet<()>,
    pub(crate) likes_at_start: PhraseSet<()>,
    pub(crate) not_after: PhraseSet<()>,
    pub(crate) dislikes: PhraseSet<()>,
    pub(crate) fans: PhraseSet<()>,
    pub(crate) weak_fans: PhraseSet<()>,
    pub(crate) crazy: PhraseSet<()>,
    pub(crate) intensifiers: PhraseSet<()>,
    pub(crate) is_a: PhraseSet<()>,
    pub(crate) agents: PhraseSet<String>,
    /// Normalised phrase text → the interest to use.
    pub(crate) synonyms: HashMap<String, String>,
    pub(crate) compounds: PhraseSet<()>,
    pub(crate) strip_leading: PhraseSet<()>,
    pub(crate) strip_trailing: PhraseSet<()>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ActWords {
    pub(crate) phrases: PhraseSet<Simple>,
    pub(crate) replies: PhraseSet<Simple>,
    pub(crate) reply_followers: HashSet<String>,
    pub(crate) more_like: PhraseSet<()>,
    pub(crate) why: PhraseSet<()>,
    pub(crate) why_not: PhraseSet<()>,
    pub(crate) forget: PhraseSet<()>,
    pub(crate) forget_everything: PhraseSet<()>,
    pub(crate) forget_slots: PhraseSet<SlotName>,
    pub(crate) position_markers: PhraseSet<()>,
    pub(crate) position_last: PhraseSet<()>,
}

impl Lexicon {
    /// Loads `dir/lexicon/*.toml` (`dir` is the prompts directory). A known file that is
    /// missing comes from the built-in copy; an unknown `.toml` file there is a problem (likely
    /// a misspelt name). Every problem in every file is returned, as `file:line: message`.
    pub fn load(dir: &Path) -> Result<Lexicon, Vec<Problem>> {
        let lexicon_dir = dir.join("lexicon");
        let mut problems = Vec::new();
        let mut texts: Vec<(String, String)> = Vec::with_capacity(FILES.len());
        for (name, builtin) in FILES {
            let path = lexicon_dir.join(name);
            let shown = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(text) => texts.push((shown, text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    texts.push((format!("{shown} (built in)"), builtin.to_string()))
                }
                Err(e) => problems.push(Problem { file: shown, line: 0, message: format!("cannot read: {e}") }),
            }
        }
        problems.extend(unknown_files(&lexicon_dir));
        let compiled = compile(&texts);
        match compiled {
            Ok(lexicon) if problems.is_empty() => Ok(lexicon),
            Ok(_) => Err(problems),
            Err(more) => {
                problems.extend(more);
                Err(problems)
            }
        }
    }

    /// The repository's own `prompts/lexicon` files, compiled into the binary.
    pub fn builtin() -> Lexicon {
        let texts: Vec<(String, String)> =
            FILES.iter().map(|(name, text)| (format!("lexicon/{name} (built in)"), text.to_string())).collect();
        // Invariant: the built-in files are checked by `builtin_lexicon_loads_without_problems`,
        // so they always compile; a failure here is a bug in this repository, not bad input.
        compile(&texts).expect("the built-in lexicon compiles (tested)")
    }

    /// The factor "around X" multiplies X by to give the budget's maximum.
    pub fn around_factor(&self) -> Decimal {
        self.currency.around_factor
    }
}

/// `.toml` files in the lexicon directory that no rule reads.
fn unknown_files(lexicon_dir: &Path) -> Vec<Problem> {
    let Ok(entries) = std::fs::read_dir(lexicon_dir) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".toml") && !FILES.iter().any(|(known, _)| *known == name) {
            let known: Vec<&str> = FILES.iter().map(|(known, _)| *known).collect();
            problems.push(Problem {
                file: entry.path().display().to_string(),
                line: 0,
                message: format!("unknown lexicon file (expected one of {})", known.join(", ")),
            });
        }
    }
    problems.sort_by(|a, b| a.file.cmp(&b.file));
    problems
}

/// Compiles the nine files, given in the order of [`FILES`] as (shown name, text).
fn compile(texts: &[(String, String)]) -> Result<Lexicon, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut lexicon = Lexicon::default();
    let mut vocab = Vocab::default();
    for ((name, _), (shown, text)) in FILES.iter().zip(texts) {
        let mut source = schema::Source::new(shown, text, &mut problems, &mut vocab);
        match *name {
            "acts.toml" => lexicon.acts = schema::acts(&mut source),
            "ages.toml" => lexicon.ages = schema::ages(&mut source),
            "currencies.toml" => lexicon.currency = schema::currencies(&mut source),
            "interests.toml" => lexicon.interests = schema::interests(&mut source),
            "money.toml" => lexicon.money = schema::money(&mut source),
            "occasions.toml" => lexicon.occasions = schema::occasions(&mut source),
            "purpose.toml" => lexicon.purpose = schema::purpose(&mut source),
            "recipients.toml" => lexicon.recipients = schema::recipients(&mut source),
            _ => lexicon.stop = schema::stopwords(&mut source),
        }
    }
    lexicon.vocab = vocab;
    if problems.is_empty() { Ok(lexicon) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lexicon_loads_without_problems() {
        let texts: Vec<(String, String)> = FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        if let Err(problems) = compile(&texts) {
            let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
            panic!("built-in lexicon has problems:\n{}", shown.join("\n"));
        }
    }

    #[test]
    fn a_missing_lexicon_dir_means_the_builtin_lexicon() {
        let dir = tempfile::tempdir().unwrap();
        let lexicon = Lexicon::load(dir.path()).unwrap();
        assert_eq!(lexicon.around_factor(), Decimal::new(115, 2));
    }

    #[test]
    fn a_broken_file_is_reported_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lexicon")).unwrap();
        let text = "possessives = [\"my\"]\n\n[recipient.mother]\nwords = [\"mum\"]\n\n[recipient.father]\nwords = [\"dad\", 7]\n";
        std::fs::write(dir.path().join("lexicon/recipients.toml"), text).unwrap();
        let problems = Lexicon::load(dir.path()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().contains("recipients.toml:7: "), "{}", problems[0]);
    }

    #[test]
    fn unknown_keys_files_and_codes_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lexicon")).unwrap();
        std::fs::write(
            dir.path().join("lexicon/occasions.toml"),
            "[occasion.birthday]\nwords = [\"bday\"]\nwrods = []\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("lexicon/currencies.toml"), "codes = [\"GBP\",\n \"XYZ\"]\n").unwrap();
        std::fs::write(dir.path().join("lexicon/recipient.toml"), "").unwrap();
        let problems: Vec<String> = Lexicon::load(dir.path()).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("occasions.toml:3: ") && p.contains("wrods")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("currencies.toml:2: ") && p.contains("XYZ")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("recipient.toml: unknown lexicon file")), "{problems:?}");
    }

    #[test]
    fn a_bad_pattern_is_reported_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lexicon")).unwrap();
        std::fs::write(
            dir.path().join("lexicon/stopwords.toml"),
            "words = [\"a\"]\nfiller = [\n  \"(looking|searching for\",\n]\n",
        )
        .unwrap();
        let problems = Lexicon::load(dir.path()).unwrap_err();
        assert!(problems[0].to_string().contains("stopwords.toml:3: "), "{}", problems[0]);
    }
}
