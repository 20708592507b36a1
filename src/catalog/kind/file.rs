//! [`Kinds`] on disk, beside a prebuilt index: reading them back costs a fraction of building
//! them from the products' text (about a third of start-up on a large catalog).
//!
//! Little-endian binary: a magic line with the format version, the vocabulary in id order,
//! the catalog's names (see `compound`) as word ids, then per product its identity, title,
//! type and title-type word ids, the words it has only inside names (with the name's number)
//! and its audience, then each word's identity count. Which products use a word as a type is
//! derived again on reading. A new field means a new version: an old file is then refused and
//! the kinds built again, never read wrong.

use std::collections::HashMap;
use std::io::{self, BufWriter, Read, Write};

use super::super::audience::Audience;
use super::super::compound::Names;
use super::{Kinds, Lists};

const MAGIC: &[u8; 16] = b"concierge-kinds2";

impl Kinds {
    /// Writes the kinds to `out`.
    pub(crate) fn write_to(&self, out: impl Write) -> io::Result<()> {
        let mut out = BufWriter::new(out);
        out.write_all(MAGIC)?;
        let mut words: Vec<(&str, u32)> = self.vocab.iter().map(|(w, &id)| (w.as_str(), id)).collect();
        words.sort_by_key(|&(_, id)| id);
        put(&mut out, words.len() as u32)?;
        for (word, _) in words {
            put(&mut out, word.len() as u32)?;
            out.write_all(word.as_bytes())?;
        }
        put(&mut out, self.name_words.len() as u32)?;
        for name in &self.name_words {
            put(&mut out, name.len() as u32)?;
            for &id in name {
                put(&mut out, id)?;
            }
        }
        put(&mut out, self.identity.len() as u32)?;
        for position in 0..self.identity.len() {
            let lists =
                [&self.identity[position], &self.titles[position], &self.types[position], &self.title_types[position]];
            for list in lists {
                put(&mut out, list.len() as u32)?;
                for &id in list {
                    put(&mut out, id)?;
                }
            }
            put(&mut out, self.named[position].len() as u32)?;
            for &(word, name) in &self.named[position] {
                put(&mut out, word)?;
                put(&mut out, name)?;
            }
            let a = self.audience[position];
            let bits = u8::from(a.female) | u8::from(a.male) << 1 | u8::from(a.child) << 2 | u8::from(a.adult) << 3;
            out.write_all(&[bits])?;
        }
        for &count in &self.in_identity {
            put(&mut out, count)?;
        }
        out.flush()
    }

    /// Reads kinds written by [`Kinds::write_to`] for a catalog of `products` products; an
    /// `InvalidData` error when the bytes are not that (another format, another catalog, cut
    /// short).
    pub(crate) fn read_from(input: impl Read, products: usize) -> io::Result<Kinds> {
        let mut input = io::BufReader::new(input);
        let mut magic = [0_u8; 16];
        input.read_exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(invalid("not a kinds file of this version"));
        }
        let words = take(&mut input)? as usize;
        let mut vocab = HashMap::with_capacity(words);
        for id in 0..words as u32 {
            let len = take(&mut input)? as usize;
            let mut bytes = vec![0_u8; len];
            input.read_exact(&mut bytes)?;
            let word = String::from_utf8(bytes).map_err(|_| invalid("a word is not UTF-8"))?;
            vocab.insert(word, id);
        }
        let mut spelled = vec![""; words];
        for (word, &id) in &vocab {
            spelled[id as usize] = word.as_str();
        }
        let count = take(&mut input)? as usize;
        let mut name_words = Vec::with_capacity(count.min(words));
        for _ in 0..count {
            name_words.push(ids(&mut input, words)?);
        }
        let names = Names::of(
            name_words.iter().map(|name| name.iter().map(|&id| spelled[id as usize].to_string()).collect()).collect(),
        );
        if take(&mut input)? as usize != products {
            return Err(invalid("written for a catalog of another size"));
        }
        let mut kinds = Kinds {
            identity: Lists::with_capacity(products),
            titles: Lists::with_capacity(products),
            types: Lists::with_capacity(products),
            title_types: Lists::with_capacity(products),
            audience: Vec::with_capacity(products),
            of_type: vec![Vec::new(); words],
            in_identity: Vec::with_capacity(words),
            named: Lists::with_capacity(products),
            name_words,
            names,
            vocab,
            modified: super::Modified::default(),
        };
        for position in 0..products {
            let identity = ids(&mut input, words)?;
            let titles = ids(&mut input, words)?;
            let types = ids(&mut input, words)?;
            kinds.title_types.push(ids(&mut input, words)?);
            let named_count = take(&mut input)? as usize;
            if named_count > words {
                return Err(invalid("more named words than the vocabulary"));
            }
            let mut named = Vec::with_capacity(named_count);
            for _ in 0..named_count {
                let (word, name) = (take(&mut input)?, take(&mut input)?);
                if word as usize >= words || name as usize >= count {
                    return Err(invalid("a named word past the vocabulary or the names"));
                }
                named.push((word, name));
            }
            kinds.named.push(named);
            for &id in &types {
                kinds.of_type[id as usize].push(position as u32);
            }
            let mut bits = [0_u8; 1];
            input.read_exact(&mut bits)?;
            let bit = |n: u8| bits[0] & (1 << n) != 0;
            kinds.audience.push(Audience { female: bit(0), male: bit(1), child: bit(2), adult: bit(3) });
            kinds.identity.push(identity);
            kinds.titles.push(titles);
            kinds.types.push(types);
        }
        for _ in 0..words {
            kinds.in_identity.push(take(&mut input)?);
        }
        if input.read(&mut [0_u8; 1])? != 0 {
            return Err(invalid("trailing bytes"));
        }
        kinds.shrink_to_fit();
        Ok(kinds)
    }
}

fn put(out: &mut impl Write, value: u32) -> io::Result<()> {
    out.write_all(&value.to_le_bytes())
}

fn take(input: &mut impl Read) -> io::Result<u32> {
    let mut bytes = [0_u8; 4];
    input.read_exact(&mut bytes)?;
    Ok(u32::from_le_bytes(bytes))
}

/// A list of word ids, each checked against the vocabulary's size.
fn ids(input: &mut impl Read, words: usize) -> io::Result<Vec<u32>> {
    let len = take(input)? as usize;
    if len > words {
        return Err(invalid("a list longer than the vocabulary"));
    }
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        let id = take(input)?;
        if id as usize >= words {
            return Err(invalid("a word id past the vocabulary"));
        }
        out.push(id);
    }
    Ok(out)
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Product;
    use crate::money::Amount;

    fn products() -> Vec<Product> {
        let gbp = "GBP".parse().unwrap();
        let mut watch = Product::new("a", "Sekonda Ladies Analog Watch - For Women", Amount::units(30), gbp);
        watch.brand = Some("Sekonda".into());
        watch.category = vec!["Fashion".into(), "Watches".into()];
        let mut train = Product::new("b", "Wooden Train Set for Kids", Amount::units(20), gbp);
        train.tags = vec!["die-cast".into()];
        let mut ranger = Product::new("c", "Power Rangers Red Ranger Figure", Amount::units(12), gbp);
        ranger.category = vec!["Toys".into(), "Science Fiction & Fantasy".into()];
        let mut kit = Product::new("d", "Crystal Growing Science Kit", Amount::units(15), gbp);
        kit.category = vec!["Toys".into(), "Science Kits".into()];
        let deluxe = Product::new("e", "Deluxe Wooden Train Set", Amount::units(35), gbp);
        vec![watch, train, ranger, kit, deluxe]
    }

    #[test]
    fn kinds_read_back_answer_as_the_kinds_built() {
        let built = Kinds::build(&products());
        let mut bytes = Vec::new();
        built.write_to(&mut bytes).unwrap();
        let read = Kinds::read_from(bytes.as_slice(), 5).unwrap();
        let no_synonyms = |_: &str| Vec::new();
        assert_eq!(built.names(), read.names(), "the catalog's names");
        assert!(!read.names().is_empty(), "Science Fiction is a name");
        for ask in [&["ladies", "watch"][..], &["wooden", "train"], &["die", "cast"], &["science"], &["fiction"]] {
            let keywords: Vec<String> = ask.iter().map(|w| w.to_string()).collect();
            assert_eq!(built.requested_type(&keywords, &no_synonyms), read.requested_type(&keywords, &no_synonyms));
            let phrase = built.words_of(&ask.join(" "));
            assert_eq!(phrase, read.words_of(&ask.join(" ")));
            for position in 0..5 {
                let has = |k: &Kinds| {
                    phrase.as_ref().map(|p| (k.has(position, p), k.in_title(position, p), k.claims(position, p)))
                };
                assert_eq!(has(&built), has(&read), "{ask:?} at {position}");
                assert_eq!(built.audience(position), read.audience(position));
                for other in 0..5 {
                    assert_eq!(built.substitutes(position, other), read.substitutes(position, other));
                }
            }
        }
        let science = read.words_of("science").unwrap();
        assert!(!read.claims(2, &science), "science inside Science Fiction is no claim, read back too");
        assert!(read.claims(3, &science));
        assert!(read.substitutes(1, 4), "two wooden train sets are substitutes, read back too");
    }

    #[test]
    fn kinds_of_another_catalog_or_cut_short_are_refused() {
        let mut bytes = Vec::new();
        Kinds::build(&products()).write_to(&mut bytes).unwrap();
        let error = Kinds::read_from(bytes.as_slice(), 6).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(Kinds::read_from(&bytes[..bytes.len() - 3], 5).is_err());
        assert!(Kinds::read_from(&b"concierge-kinds1"[..], 5).is_err(), "the format before names");
        assert!(Kinds::read_from(&b"concierge-kinds0"[..], 2).is_err());
    }
}
