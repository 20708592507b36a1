//! [`Kinds`] on disk, beside a prebuilt index: reading them back costs a fraction of building
//! them from the products' text (about a third of start-up on a large catalog).
//!
//! Little-endian binary: a magic line with the format version, the vocabulary in id order,
//! then per product its identity, title and type word ids and its audience, then each word's
//! identity count. Which products use a word as a type is derived again on reading.

use std::collections::HashMap;
use std::io::{self, BufWriter, Read, Write};

use super::super::audience::Audience;
use super::Kinds;

const MAGIC: &[u8; 16] = b"concierge-kinds1";

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
        put(&mut out, self.identity.len() as u32)?;
        for position in 0..self.identity.len() {
            for list in [&self.identity[position], &self.titles[position], &self.types[position]] {
                put(&mut out, list.len() as u32)?;
                for &id in list {
                    put(&mut out, id)?;
                }
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
        if take(&mut input)? as usize != products {
            return Err(invalid("written for a catalog of another size"));
        }
        let mut kinds = Kinds {
            vocab,
            identity: Vec::with_capacity(products),
            titles: Vec::with_capacity(products),
            types: Vec::with_capacity(products),
            audience: Vec::with_capacity(products),
            of_type: vec![Vec::new(); words],
            in_identity: Vec::with_capacity(words),
        };
        for position in 0..products {
            let identity = ids(&mut input, words)?;
            let titles = ids(&mut input, words)?;
            let types = ids(&mut input, words)?;
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
        vec![watch, train]
    }

    #[test]
    fn kinds_read_back_answer_as_the_kinds_built() {
        let built = Kinds::build(&products());
        let mut bytes = Vec::new();
        built.write_to(&mut bytes).unwrap();
        let read = Kinds::read_from(bytes.as_slice(), 2).unwrap();
        let no_synonyms = |_: &str| Vec::new();
        for ask in [["ladies", "watch"], ["wooden", "train"], ["die", "cast"]] {
            let keywords: Vec<String> = ask.iter().map(|w| w.to_string()).collect();
            assert_eq!(built.requested_type(&keywords, &no_synonyms), read.requested_type(&keywords, &no_synonyms));
            let phrase = built.words_of(&ask.join(" "));
            assert_eq!(phrase, read.words_of(&ask.join(" ")));
            for position in 0..2 {
                let has = |k: &Kinds| phrase.as_ref().map(|p| (k.has(position, p), k.in_title(position, p)));
                assert_eq!(has(&built), has(&read), "{ask:?} at {position}");
                assert_eq!(built.audience(position), read.audience(position));
            }
        }
    }

    #[test]
    fn kinds_of_another_catalog_or_cut_short_are_refused() {
        let mut bytes = Vec::new();
        Kinds::build(&products()).write_to(&mut bytes).unwrap();
        let error = Kinds::read_from(bytes.as_slice(), 3).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(Kinds::read_from(&bytes[..bytes.len() - 3], 2).is_err());
        assert!(Kinds::read_from(&b"concierge-kinds0"[..], 2).is_err());
    }
}
