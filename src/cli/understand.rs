//! `concierge understand`: what the agent understands from one shopper message, with no
//! history. Human-readable by default, the INTERFACE JSON shape with `--json`, and one JSON
//! line per message with `--requests FILE` (streamed, so a file of any size works; `-` is stdin).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::slots::{Budget, SlotName};
use crate::understand::{Act, Lexicon, Note, Understander, Understanding};

#[derive(Debug, Args)]
pub struct UnderstandArgs {
    /// The prompts directory; its `lexicon/*.toml` files hold the words understood. When the
    /// default `prompts/` does not exist, the built-in lexicon is used.
    #[arg(long, env = "CONCIERGE_PROMPTS", value_name = "DIR")]
    pub prompts: Option<PathBuf>,
    /// Print one JSON object (the slots, then keywords, acts and notes).
    #[arg(long)]
    pub json: bool,
    /// Read the message as the reply to a question about this slot (purpose, recipient, age,
    /// occasion, budget, interests, exclude): "30" then means a budget of 30, "6" an age of 6.
    #[arg(long, value_name = "SLOT", value_parser = parse_slot)]
    pub asking: Option<SlotName>,
    /// Read one message per line from FILE (`-` for stdin) and print one JSON line each.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub requests: Option<PathBuf>,
    /// The shopper's message.
    #[arg(required_unless_present = "requests")]
    pub text: Option<String>,
}

/// Runs the command; problems in the lexicon files are printed as `file:line: message`.
pub fn run(args: UnderstandArgs) -> anyhow::Result<()> {
    let understander = Understander::new(lexicon(args.prompts.as_deref())?);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if let Some(path) = &args.requests {
        let input: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(BufReader::new(std::io::stdin().lock()))
        } else {
            let file = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
            Box::new(BufReader::new(file))
        };
        return requests(&understander, args.asking, input, &mut out, path);
    }
    let text = args.text.unwrap_or_default();
    let understanding = understander.understand_with(&text, args.asking);
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&understanding)?)?;
    } else {
        write!(out, "{}", human(&understanding))?;
    }
    out.flush()?;
    Ok(())
}

fn parse_slot(name: &str) -> Result<SlotName, String> {
    let names: Vec<&str> = SlotName::ALL.iter().map(|s| s.as_str()).collect();
    SlotName::parse(name).ok_or_else(|| format!("`{name}` is not a slot; expected one of {}", names.join(", ")))
}

/// The lexicon from `dir`, or from `prompts/` when it exists, else the built-in one.
fn lexicon(dir: Option<&Path>) -> anyhow::Result<Lexicon> {
    let dir = match dir {
        Some(dir) if !dir.is_dir() => bail!("{}: no such prompts directory", dir.display()),
        Some(dir) => dir.to_path_buf(),
        None if Path::new("prompts").is_dir() => PathBuf::from("prompts"),
        None => return Ok(Lexicon::builtin()),
    };
    Lexicon::load(&dir).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the lexicon has {} problem(s):\n{}", problems.len(), lines.join("\n"))
    })
}

/// One JSON line out per line in, in order; invalid UTF-8 is read lossily, never fatal.
fn requests(
    understander: &Understander,
    asking: Option<SlotName>,
    mut input: impl BufRead,
    out: &mut impl Write,
    path: &Path,
) -> anyhow::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = input.read_until(b'\n', &mut line).with_context(|| format!("{}: cannot read", path.display()))?;
        if read == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        writeln!(out, "{}", serde_json::to_string(&understander.understand_with(text, asking))?)?;
    }
    out.flush()?;
    Ok(())
}

/// One line per known slot, then keywords, acts and notes; "nothing understood" when empty.
pub(crate) fn human(u: &Understanding) -> String {
    let s = &u.slots;
    let mut lines = Vec::new();
    if let Some(purpose) = s.purpose {
        lines.push(format!("purpose: {}", purpose.as_str()));
    }
    if let Some(recipient) = &s.recipient {
        match &s.recipient_word {
            Some(word) if word != recipient => lines.push(format!("recipient: {recipient} ({word})")),
            _ => lines.push(format!("recipient: {recipient}")),
        }
    }
    if let Some(age) = s.age {
        lines.push(format!("age: {age}"));
    }
    if let Some(occasion) = &s.occasion {
        lines.push(format!("occasion: {occasion}"));
    }
    if let Some(budget) = &s.budget {
        lines.push(format!("budget: {}", budget_text(budget)));
    }
    for (name, list) in [("interests", &s.interests), ("exclude", &s.exclude), ("keywords", &u.keywords)] {
        if !list.is_empty() {
            lines.push(format!("{name}: {}", list.join(", ")));
        }
    }
    if !u.acts.is_empty() {
        let acts: Vec<String> = u.acts.iter().map(act_text).collect();
        lines.push(format!("acts: {}", acts.join(", ")));
    }
    for note in &u.notes {
        lines.push(format!("note: {}", note_text(note)));
    }
    if lines.is_empty() {
        lines.push("nothing understood".to_string());
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// An act as its JSON name and value: "yes", "more_like 2", "why last", "forget budget".
fn act_text(act: &Act) -> String {
    match serde_json::to_value(act) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(name, value)| match value {
                serde_json::Value::Null => name.clone(),
                serde_json::Value::String(v) => format!("{name} {v}"),
                other => format!("{name} {other}"),
            })
            .collect(),
        _ => format!("{act:?}"),
    }
}

fn note_text(note: &Note) -> String {
    match note {
        Note::AmbiguousCurrency { symbol, assumed } => format!("\"{symbol}\" read as {assumed} (ambiguous)"),
        Note::Correction => "corrects an earlier answer".to_string(),
        Note::WantsCheap => "wants low prices".to_string(),
    }
}

/// "up to £25", "£20 to £30", "from 50 (store currency)".
fn budget_text(budget: &Budget) -> String {
    let money = |amount: crate::money::Amount| match budget.currency {
        Some(currency) => currency.format(amount),
        None => amount.to_string(),
    };
    let range = match (budget.min, budget.max) {
        (Some(min), Some(max)) => format!("{} to {}", money(min), money(max)),
        (Some(min), None) => format!("from {}", money(min)),
        (None, Some(max)) => format!("up to {}", money(max)),
        (None, None) => "any".to_string(),
    };
    if budget.currency.is_none() { format!("{range} (store currency)") } else { range }
}
