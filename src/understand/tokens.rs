//! Tokens: a shopper's text normalised and split into words, numbers, symbols and punctuation.
//!
//! Normalising first (Unicode lowercase, common Latin accents folded, curly quotes, dashes and
//! ellipses made plain, apostrophes dropped from words) lets every rule and every lexicon entry
//! compare plain strings: "Mother’s Day", "mothers day" and "MOTHER'S DAY" become the same
//! tokens. Letters and digits are split into separate tokens (`ps5` is `ps` + `5`), and each
//! token records whether whitespace separated it from the one before (`glued`), so rules can
//! tell `£20` and `30ish` from `£ 20` and `30 ish` when it matters. Lexicon phrases are
//! tokenised by this same function, so they always compare like with like.
//!
//! Tokens own their text: nothing ever slices the original string, so odd input (combining
//! marks, emoji, characters whose lowercase is longer) can never split a character.

use super::phrases::{Vocab, WordSet};

/// What kind of text a token holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters (any script), apostrophes removed: `dont`, `mothers`.
    Word,
    /// ASCII digits with inner `.` or `,` separators: `20`, `1,299.99`, `12,50`.
    Num,
    /// One symbol character: `£ $ € ¥ ₹ % # + ~ & / @ * = < > -`.
    Sym,
    /// One punctuation character that ends a phrase: `, . ! ? ; : ( ) [ ] " \n`.
    Punct,
}

/// One token of normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) text: String,
    pub(crate) kind: Kind,
    /// No whitespace between this token and the previous one (`£` and `20` in `£20`).
    pub(crate) glued: bool,
    /// The word was written with a trailing `'s` (`dad's`): `text` is `dads`, `base()` is `dad`.
    pub(crate) possessive: bool,
    /// The lexicon's id for `text` (and for `base()`), [`UNKNOWN`] when no phrase uses it.
    pub(crate) id: u32,
    pub(crate) base_id: u32,
    /// The id of the word without a final `s` ("wifes" → "wife"), [`UNKNOWN`] when none.
    pub(crate) singular_id: u32,
    /// A stopword (or the possessive of one).
    pub(crate) stop: bool,
}

/// The id of a word no lexicon phrase contains.
pub(crate) const UNKNOWN: u32 = u32::MAX;

impl Token {
    pub(crate) fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }

    pub(crate) fn is_num(&self) -> bool {
        self.kind == Kind::Num
    }

    pub(crate) fn is_punct(&self) -> bool {
        self.kind == Kind::Punct
    }

    pub(crate) fn is_dash(&self) -> bool {
        self.kind == Kind::Sym && self.text == "-"
    }

    /// Punctuation that ends a sentence, not just a phrase (a comma does not).
    pub(crate) fn ends_sentence(&self) -> bool {
        self.is_punct() && matches!(self.text.as_str(), "." | "!" | "?" | ";" | "\n")
    }

    /// The word without a possessive `s`: `dad` for `dad's`, the text itself otherwise.
    pub(crate) fn base(&self) -> &str {
        if self.possessive { self.text.strip_suffix('s').unwrap_or(&self.text) } else { &self.text }
    }
}

/// Splits `text` into normalised tokens. Linear in the length of the text; never panics.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let chars = normalize(text);
    let mut tokens: Vec<Token> = Vec::with_capacity(chars.len() / 4 + 1);
    let mut spaced = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let glued = !spaced && !tokens.is_empty();
        if c == '\n' {
            if tokens.last().is_some_and(|t| !t.is_punct()) {
                tokens.push(Token {
                    text: "\n".into(),
                    kind: Kind::Punct,
                    glued: false,
                    possessive: false,
                    id: UNKNOWN,
                    base_id: UNKNOWN,
                    singular_id: UNKNOWN,
                    stop: false,
                });
            }
            spaced = true;
            i += 1;
        } else if c.is_whitespace() {
            spaced = true;
            i += 1;
        } else if c.is_ascii_digit() {
            let end = number_end(&chars, i);
            tokens.push(Token {
                text: chars[i..end].iter().collect(),
                kind: Kind::Num,
                glued,
                possessive: false,
                id: UNKNOWN,
                base_id: UNKNOWN,
                singular_id: UNKNOWN,
                stop: false,
            });
            spaced = false;
            i = end;
        } else if c.is_alphabetic() {
            let (token, end) = word(&chars, i, glued);
            tokens.push(token);
            spaced = false;
            i = end;
        } else if c == '\'' {
            // A stray apostrophe ('bout, 90's) is dropped without separating what it joined.
            i += 1;
        } else if let Some(kind) = symbol_kind(c) {
            tokens.push(Token {
                text: c.to_string(),
                kind,
                glued,
                possessive: false,
                id: UNKNOWN,
                base_id: UNKNOWN,
                singular_id: UNKNOWN,
                stop: false,
            });
            spaced = false;
            i += 1;
        } else {
            // Emoji and other pictographs separate words like spaces do.
            spaced = true;
            i += 1;
        }
    }
    tokens
}

/// Where a number starting at `start` ends: digits, with `.` or `,` kept only between digits.
fn number_end(chars: &[char], start: usize) -> usize {
    let mut j = start;
    while j < chars.len() {
        let c = chars[j];
        let inner_separator =
            (c == '.' || c == ',') && j > start && chars.get(j + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() || inner_separator {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// Reads a word starting at `start`: letters, with apostrophes kept only between letters.
fn word(chars: &[char], start: usize, glued: bool) -> (Token, usize) {
    let mut raw = String::new();
    let mut j = start;
    while j < chars.len() {
        let c = chars[j];
        let inner_apostrophe = c == '\'' && j > start && chars.get(j + 1).is_some_and(|n| n.is_alphabetic());
        if c.is_alphabetic() || inner_apostrophe {
            raw.push(c);
            j += 1;
        } else {
            break;
        }
    }
    let possessive = raw.ends_with("'s");
    let text: String = raw.chars().filter(|&c| c != '\'').collect();
    (
        Token {
            text,
            kind: Kind::Word,
            glued,
            possessive,
            id: UNKNOWN,
            base_id: UNKNOWN,
            singular_id: UNKNOWN,
            stop: false,
        },
        j,
    )
}

fn symbol_kind(c: char) -> Option<Kind> {
    match c {
        ',' | '.' | '!' | '?' | ';' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '"' => Some(Kind::Punct),
        '$' | '£' | '€' | '¥' | '₹' | '¢' | '₩' | '₽' | '₺' | '₪' | '₱' | '฿' | '₫' | '₦' | '₴' | '%' | '#' | '+'
        | '~' | '&' | '/' | '@' | '*' | '=' | '<' | '>' | '-' => Some(Kind::Sym),
        _ => None,
    }
}

/// Lowercases (Unicode-aware), folds common accents, and maps look-alike punctuation to plain
/// ASCII so the tokenizer only needs to know one spelling of each.
fn normalize(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        for lower in c.to_lowercase() {
            match lower {
                '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{02bc}' | '`' | '\u{b4}' | '\u{2032}' => out.push('\''),
                '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{ab}' | '\u{bb}' => out.push('"'),
                '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}'
                | '\u{2043}' => out.push('-'),
                '\u{2026}' => out.push('.'),
                '\u{d7}' => out.push('x'),
                '\u{2248}' => out.push('~'),
                '\u{300}'..='\u{36f}' => {} // combining accents: "e\u{301}" reads as "e"
                'ß' => out.extend(['s', 's']),
                'æ' => out.extend(['a', 'e']),
                'œ' => out.extend(['o', 'e']),
                other => out.push(fold(other)),
            }
        }
    }
    out
}

/// Folds the accented Latin letters shoppers type (or their keyboards insert) to plain ones.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' | 'ş' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'ř' => 'r',
        'ğ' => 'g',
        'ď' => 'd',
        'ť' => 't',
        other => other,
    }
}

/// The tokens of one message and which of them a rule has already used.
///
/// Rules run in a fixed order and each marks the tokens it understood, so a later rule cannot
/// read the same words again ("nothing over £20" is money, so it is never an exclusion).
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub(crate) tokens: Vec<Token>,
    pub(crate) used: Vec<bool>,
}

impl Scan {
    /// Tokens without lexicon ids: only for tokenising phrases and for tests.
    pub(crate) fn new(text: &str) -> Scan {
        let tokens = tokenize(text);
        let used = vec![false; tokens.len()];
        Scan { tokens, used }
    }

    /// Tokens of a shopper's message, each looked up once in the lexicon's vocabulary so that
    /// every later phrase match compares numbers, not strings.
    pub(crate) fn read(text: &str, vocab: &Vocab, stopwords: &WordSet) -> Scan {
        let mut scan = Scan::new(text);
        for token in &mut scan.tokens {
            token.id = vocab.get(&token.text);
            token.base_id = if token.possessive { vocab.get(token.base()) } else { token.id };
            if token.is_word() && token.text.len() > 3 && !token.text.ends_with("ss") {
                token.singular_id = token.text.strip_suffix('s').map_or(UNKNOWN, |s| vocab.get(s));
            }
            token.stop = token.is_word()
                && (stopwords.contains(token.text.as_str()) || (token.possessive && stopwords.contains(token.base())));
        }
        scan
    }

    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    /// The token at `i` when it exists and no rule has used it yet.
    pub(crate) fn free(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i).filter(|_| !self.used[i])
    }

    /// The text of the unused word at `i`, if that is what is there.
    pub(crate) fn word(&self, i: usize) -> Option<&str> {
        self.free(i).filter(|t| t.is_word()).map(|t| t.text.as_str())
    }

    /// Whether the unused token at `i` is exactly `text`.
    pub(crate) fn is(&self, i: usize, text: &str) -> bool {
        self.free(i).is_some_and(|t| t.text == text)
    }

    /// Marks tokens `start..end` as understood.
    pub(crate) fn consume(&mut self, start: usize, end: usize) {
        let end = end.min(self.used.len());
        for used in self.used.iter_mut().take(end).skip(start) {
            *used = true;
        }
    }

    /// The index of the previous token before `i`, skipping a dash or two (`sister-in-law`).
    pub(crate) fn prev(&self, i: usize) -> Option<usize> {
        (i.saturating_sub(3)..i).rev().find(|&j| !self.tokens[j].is_dash())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn curly_apostrophes_and_case_do_not_change_words() {
        assert_eq!(texts("Mother’s Day"), texts("mother's day"));
        assert_eq!(texts("MOTHERS DAY"), vec!["mothers", "day"]);
        assert!(tokenize("dad’s")[0].possessive);
        assert_eq!(tokenize("dad’s")[0].base(), "dad");
    }

    #[test]
    fn numbers_keep_their_separators_and_split_from_letters() {
        assert_eq!(texts("£1,299.99"), vec!["£", "1,299.99"]);
        assert_eq!(texts("12,50€"), vec!["12,50", "€"]);
        assert_eq!(texts("ps5 30ish"), vec!["ps", "5", "30", "ish"]);
        let t = tokenize("£20 and 20 £");
        assert!(t[1].glued);
        assert!(!t[4].glued);
        assert_eq!(texts("20, 30."), vec!["20", ",", "30", "."]);
    }

    #[test]
    fn accents_dashes_and_emoji_are_normalised() {
        assert_eq!(texts("Fiancée"), vec!["fiancee"]);
        assert_eq!(texts("fiance\u{301}"), vec!["fiance"]);
        assert_eq!(texts("20–30"), vec!["20", "-", "30"]);
        assert_eq!(texts("trains🚂budget"), vec!["trains", "budget"]);
        assert!(!tokenize("trains🚂budget")[1].glued);
    }

    #[test]
    fn odd_unicode_never_breaks_the_tokenizer() {
        for text in ["İstanbul", "ǅ", "\u{feff}", "x\u{301}\u{301}\u{301}", "🏳️‍🌈", "Ⅻ ½ ²", "\u{0}"] {
            let _ = tokenize(text);
        }
        assert_eq!(texts("İ"), vec!["i"]);
    }
}
