//! Numbers as shoppers write them: digits with thousands separators or decimal commas
//! (`1,299.99`, `12,50`, `1.299,99`), English number words up to the thousands ("twenty-five",
//! "a hundred and fifty"), ordinals ("40th", "twenty-first") and decades ("30s", "forties").
//!
//! Number words stay in code rather than in the lexicon: they are grammar, not merchant
//! vocabulary. Whether a number is money, an age or a size is decided elsewhere.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::tokens::Scan;

/// Parses digits with optional separators. The last separator is the decimal point when both
/// `.` and `,` appear; a lone `,` is a thousands separator when every group after it has three
/// digits (`12,000`), else a decimal comma (`12,50`); a lone `.` is a decimal point, except in
/// `1.500`-style groups of three after a short non-zero lead (European thousands).
pub(crate) fn parse_digits(text: &str) -> Option<Decimal> {
    let commas = text.matches(',').count();
    let dots = text.matches('.').count();
    let plain = match (commas, dots) {
        (0, 0) => text.to_string(),
        (_, 0) if thousands_groups(text, ',') || lakh_groups(text) => text.replace(',', ""),
        (1, 0) if text.rsplit(',').next().is_some_and(|f| (1..=2).contains(&f.len())) => text.replace(',', "."),
        (_, 0) => return None,
        (0, _) if thousands_groups(text, '.') => text.replace('.', ""),
        (0, 1) => text.to_string(),
        _ => {
            let last = text.rfind(['.', ','])?;
            let (whole, fraction) = text.split_at(last);
            let separator = if fraction.starts_with('.') { ',' } else { '.' };
            if whole.contains(fraction.chars().next()?) || !thousands_groups(whole, separator) {
                return None;
            }
            format!("{}.{}", whole.replace(separator, ""), &fraction[1..])
        }
    };
    Decimal::from_str(&plain).ok()
}

/// Whether `text` is grouped the Indian way: `1,50,000`, `12,34,567` (twos, then three).
fn lakh_groups(text: &str) -> bool {
    let groups: Vec<&str> = text.split(',').collect();
    let Some((last, rest)) = groups.split_last() else { return false };
    let Some((lead, middle)) = rest.split_first() else { return false };
    last.len() == 3
        && !middle.is_empty()
        && (1..=2).contains(&lead.len())
        && !lead.starts_with('0')
        && middle.iter().all(|g| g.len() == 2)
}

/// Whether `text` is `d{1,3}(SEP ddd)+` with a lead that is not `0`.
fn thousands_groups(text: &str, separator: char) -> bool {
    let mut groups = text.split(separator);
    let Some(lead) = groups.next() else { return false };
    let rest: Vec<&str> = groups.collect();
    !rest.is_empty()
        && (1..=3).contains(&lead.len())
        && !lead.starts_with('0')
        && rest.iter().all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

fn unit(word: &str) -> Option<u64> {
    let value = match word {
        "zero" | "nil" | "nought" => 0,
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        _ => return None,
    };
    Some(value)
}

fn teen(word: &str) -> Option<u64> {
    let value = match word {
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        _ => return None,
    };
    Some(value)
}

fn tens(word: &str) -> Option<u64> {
    let value = match word {
        "twenty" => 20,
        "thirty" => 30,
        "forty" | "fourty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    };
    Some(value)
}

#[derive(Clone, Copy, PartialEq)]
enum Last {
    Start,
    A,
    Unit,
    Teen,
    Tens,
    Hundred,
    Thousand,
    And,
}

/// A number written in words from token `i`: its value and where it ends. "a" only counts
/// before "hundred" or "thousand"; "and" only inside ("a hundred and fifty").
pub(crate) fn words_at(scan: &Scan, i: usize) -> Option<(u64, usize)> {
    let (mut total, mut current, mut last, mut j, mut end) = (0u64, 0u64, Last::Start, i, i);
    loop {
        // "twenty-five": a dash may join tens and a unit.
        if last == Last::Tens && scan.free(j).is_some_and(|t| t.is_dash()) {
            j += 1;
        }
        let Some(word) = scan.word(j) else { break };
        let next_is_scale = matches!(scan.word(j + 1), Some("hundred" | "thousand"));
        let step = match word {
            "a" | "an" if last == Last::Start && next_is_scale => Some((Last::A, 1)),
            "hundred" if matches!(last, Last::A | Last::Unit | Last::Teen) => Some((Last::Hundred, current * 100)),
            "thousand" if matches!(last, Last::A | Last::Unit | Last::Teen | Last::Tens | Last::Hundred) => {
                total += current * 1000;
                current = 0;
                Some((Last::Thousand, 0))
            }
            "and" if matches!(last, Last::Hundred | Last::Thousand) => {
                let next = scan.word(j + 1).unwrap_or("");
                (unit(next).or_else(|| teen(next)).or_else(|| tens(next)).is_some()).then_some((Last::And, current))
            }
            _ => small_step(word, last, current),
        };
        let Some((now, value)) = step else { break };
        current = value;
        last = now;
        j += 1;
        if !matches!(last, Last::A | Last::And) {
            end = j;
        }
    }
    (end > i).then_some((total + current, end))
}

/// A unit, teen or tens word continuing a number in words.
fn small_step(word: &str, last: Last, current: u64) -> Option<(Last, u64)> {
    let open = matches!(last, Last::Start | Last::Hundred | Last::Thousand | Last::And);
    if let Some(v) = unit(word).filter(|_| open || last == Last::Tens) {
        return Some((Last::Unit, current + v));
    }
    if let Some(v) = teen(word).filter(|_| open) {
        return Some((Last::Teen, current + v));
    }
    tens(word).filter(|_| open).map(|v| (Last::Tens, current + v))
}

/// A number at `i`, in digits (one token) or words: its value and where it ends.
pub(crate) fn number_at(scan: &Scan, i: usize) -> Option<(Decimal, usize)> {
    let token = scan.free(i)?;
    if token.is_num() {
        return parse_digits(&token.text).map(|v| (v, i + 1));
    }
    words_at(scan, i).map(|(v, end)| (Decimal::from(v), end))
}

fn unit_ordinal(word: &str) -> Option<u32> {
    let value = match word {
        "first" => 1,
        "second" => 2,
        "third" => 3,
        "fourth" => 4,
        "fifth" => 5,
        "sixth" => 6,
        "seventh" => 7,
        "eighth" => 8,
        "ninth" => 9,
        _ => return None,
    };
    Some(value)
}

fn other_ordinal(word: &str) -> Option<u32> {
    let value = match word {
        "tenth" => 10,
        "eleventh" => 11,
        "twelfth" => 12,
        "thirteenth" => 13,
        "fourteenth" => 14,
        "fifteenth" => 15,
        "sixteenth" => 16,
        "seventeenth" => 17,
        "eighteenth" => 18,
        "nineteenth" => 19,
        "twentieth" => 20,
        "thirtieth" => 30,
        "fortieth" => 40,
        "fiftieth" => 50,
        "sixtieth" => 60,
        "seventieth" => 70,
        "eightieth" => 80,
        "ninetieth" => 90,
        "hundredth" => 100,
        _ => return None,
    };
    Some(value)
}

/// An ordinal at `i`: `40th`, `1st`, `fortieth`, `twenty-first`. Its value and end.
pub(crate) fn ordinal_at(scan: &Scan, i: usize) -> Option<(u32, usize)> {
    let token = scan.free(i)?;
    if token.is_num() {
        let suffix = scan.free(i + 1).filter(|t| t.glued && t.is_word())?;
        if !matches!(suffix.text.as_str(), "st" | "nd" | "rd" | "th") {
            return None;
        }
        let value = token.text.parse::<u32>().ok()?;
        return Some((value, i + 2));
    }
    let word = scan.word(i)?;
    if let Some(v) = unit_ordinal(word).or_else(|| other_ordinal(word)) {
        return Some((v, i + 1));
    }
    let tens = tens(word)?;
    let mut j = i + 1;
    if scan.free(j).is_some_and(|t| t.is_dash()) {
        j += 1;
    }
    let unit = unit_ordinal(scan.word(j)?)?;
    Some((tens as u32 + unit, j + 1))
}

/// A decade at `i`: `30s`, `30's`, `thirties`. Its first year and end.
pub(crate) fn decade_at(scan: &Scan, i: usize) -> Option<(u32, usize)> {
    let token = scan.free(i)?;
    if token.is_num() {
        scan.free(i + 1).filter(|t| t.glued && t.text == "s")?;
        let value = token.text.parse::<u32>().ok().filter(|v| v % 10 == 0 && (10..=90).contains(v))?;
        return Some((value, i + 2));
    }
    let value = match scan.word(i)? {
        "teens" => 13,
        "twenties" => 20,
        "thirties" => 30,
        "forties" => 40,
        "fifties" => 50,
        "sixties" => 60,
        "seventies" => 70,
        "eighties" => 80,
        "nineties" => 90,
        _ => return None,
    };
    Some((value, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(text: &str) -> Option<String> {
        parse_digits(text).map(|d| d.normalize().to_string())
    }

    fn words(text: &str) -> Option<(u64, usize)> {
        words_at(&Scan::new(text), 0)
    }

    #[test]
    fn separators_are_read_as_shoppers_mean_them() {
        let cases = [
            ("20", "20"),
            ("12,000", "12000"),
            ("1,299.99", "1299.99"),
            ("12,50", "12.5"),
            ("12,5", "12.5"),
            ("1.299,99", "1299.99"),
            ("1.500", "1500"),
            ("0.750", "0.75"),
            ("2.5", "2.5"),
            ("1,000,000", "1000000"),
            ("1,50,000", "150000"),
            ("12,34,567", "1234567"),
        ];
        for (text, want) in cases {
            assert_eq!(digits(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(digits("1,2345"), None);
        assert_eq!(digits("1.2.3"), None);
        assert_eq!(digits("99999999999999999999999999999999"), None);
    }

    #[test]
    fn number_words_are_summed_with_their_scales() {
        assert_eq!(words("twenty"), Some((20, 1)));
        assert_eq!(words("twenty-five quid"), Some((25, 3)));
        assert_eq!(words("twenty five"), Some((25, 2)));
        assert_eq!(words("a hundred and fifty"), Some((150, 4)));
        assert_eq!(words("two hundred"), Some((200, 2)));
        assert_eq!(words("fifteen hundred"), Some((1500, 2)));
        assert_eq!(words("two thousand five hundred"), Some((2500, 4)));
        assert_eq!(words("one"), Some((1, 1)));
    }

    #[test]
    fn number_words_stop_where_the_number_does() {
        assert_eq!(words("a gift"), None);
        assert_eq!(words("six seven"), Some((6, 1)));
        assert_eq!(words("twenty thirty"), Some((20, 1)));
        assert_eq!(words("a hundred and more"), Some((100, 2)));
        assert_eq!(words("nine-year-old"), Some((9, 1)));
    }

    #[test]
    fn ordinals_and_decades_are_read() {
        let at = |text: &str| ordinal_at(&Scan::new(text), 0).map(|o| o.0);
        assert_eq!(at("40th birthday"), Some(40));
        assert_eq!(at("21st"), Some(21));
        assert_eq!(at("fortieth"), Some(40));
        assert_eq!(at("twenty-first"), Some(21));
        assert_eq!(at("second"), Some(2));
        assert_eq!(at("40 th"), None);
        let decade = |text: &str| decade_at(&Scan::new(text), 0).map(|o| o.0);
        assert_eq!(decade("30s"), Some(30));
        assert_eq!(decade("30's"), Some(30));
        assert_eq!(decade("forties"), Some(40));
        assert_eq!(decade("35s"), None);
    }
}
