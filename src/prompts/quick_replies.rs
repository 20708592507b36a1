//! Checks that every quick reply means what it says: clicked, its label is sent as the
//! shopper's message, so it must be understood as an answer to its question.

use super::samples;
use super::{Policy, Questions};
use crate::problem::Problem;
use crate::understand::{Act, Lexicon, Understander};

/// One problem per quick reply that, sent in answer to its question, fills neither that slot
/// nor says "skip", "don't know" or "surprise me".
pub(crate) fn check(file: &str, policy: &Policy, questions: &Questions, lexicon: &Lexicon) -> Vec<Problem> {
    let understander = Understander::new(lexicon.clone());
    let mut problems = Vec::new();
    let context = &samples::common()[0];
    for &slot in &policy.order {
        let Some(question) = questions.render(slot, context) else { continue };
        for (line, reply) in questions.replies_with_lines(slot, context) {
            let said = understander.understand_with(&reply, Some(slot));
            let declines = said.acts.iter().any(|a| matches!(a, Act::Skip | Act::DontKnow | Act::SurpriseMe));
            if !said.slots.has(slot) && !declines {
                problems.push(Problem {
                    file: file.to_string(),
                    line,
                    message: format!(
                        "the quick reply `{reply}` of the `{slot}` question (\"{}\") is not understood as an answer to it; \
                         reword it, or teach the lexicon the words",
                        question.text
                    ),
                });
            }
        }
    }
    problems
}
