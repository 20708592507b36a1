//! `policy.toml`: which questions the assistant asks, in what order, and how many.

use serde::Deserialize;

use super::toml_file::parse;
use crate::problem::Problem;
use crate::slots::SlotName;

/// The question policy, read from `policy.toml` (see the comments in that file).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub order: Vec<SlotName>,
    pub max_questions: usize,
    pub max_questions_returning: usize,
    pub products: usize,
}

impl Policy {
    pub(crate) fn parse(file: &str, text: &str) -> Result<Policy, Problem> {
        let policy: Policy = parse(file, text)?;
        if policy.products == 0 {
            return Err(Problem { file: file.into(), line: 0, message: "`products` must be at least 1".into() });
        }
        Ok(policy)
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            order: vec![SlotName::Purpose, SlotName::Recipient, SlotName::Budget, SlotName::Interests],
            max_questions: 4,
            max_questions_returning: 1,
            products: 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_is_the_documented_default() {
        let policy = Policy::parse("policy.toml", include_str!("../../prompts/policy.toml")).unwrap();
        assert_eq!(policy, Policy::default());
    }

    #[test]
    fn an_unknown_slot_in_the_order_is_reported_at_its_line() {
        let problem =
            Policy::parse("policy.toml", "max_questions = 3\norder = [\"purpose\", \"shoe_size\"]\n").unwrap_err();
        assert_eq!(problem.line, 2, "{problem}");
        assert!(problem.message.contains("shoe_size"), "{problem}");
    }

    #[test]
    fn an_unknown_key_is_reported() {
        let text = include_str!("../../prompts/policy.toml").to_string() + "\nmax_qestions = 2\n";
        let problem = Policy::parse("policy.toml", &text).unwrap_err();
        assert!(problem.message.contains("max_qestions"), "{problem}");
        assert!(problem.line > 1);
    }
}
