//! The primitives of the binary profile format: unsigned LEB128 integers, length-prefixed
//! bytes, one-byte tags, and times as seconds, nanoseconds and offset.
//!
//! Reading is bounded by the input: a length or count is never trusted beyond the bytes that
//! are left, so a corrupt or hostile value ends in an error, never a panic or an allocation
//! larger than the value itself.

use time::{OffsetDateTime, UtcOffset};

/// Appends the format's primitives to a buffer.
pub(super) struct Writer {
    pub(super) bytes: Vec<u8>,
}

impl Writer {
    pub(super) fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub(super) fn bool(&mut self, value: bool) {
        self.bytes.push(u8::from(value));
    }

    /// An unsigned integer in LEB128: seven bits a byte, low bits first.
    pub(super) fn u128(&mut self, mut value: u128) {
        while value >= 0x80 {
            self.bytes.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    pub(super) fn u64(&mut self, value: u64) {
        self.u128(u128::from(value));
    }

    pub(super) fn len(&mut self, value: usize) {
        self.u64(value as u64);
    }

    /// A signed integer, zigzag-mapped so small magnitudes stay short.
    pub(super) fn i128(&mut self, value: i128) {
        self.u128(((value << 1) ^ (value >> 127)) as u128);
    }

    pub(super) fn bytes(&mut self, value: &[u8]) {
        self.len(value.len());
        self.bytes.extend_from_slice(value);
    }

    pub(super) fn str(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    /// A presence tag (0 or 1), then the value when present.
    pub(super) fn option<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Writer, T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            write(self, value);
        }
    }

    pub(super) fn opt_str(&mut self, value: Option<&str>) {
        self.option(value, Writer::str);
    }

    /// A time as Unix seconds, nanoseconds and the UTC offset in seconds (kept, so a time
    /// stored with `+02:00` exports as it was given).
    pub(super) fn time(&mut self, value: OffsetDateTime) {
        self.i128(i128::from(value.unix_timestamp()));
        self.u64(u64::from(value.nanosecond()));
        self.i128(i128::from(value.offset().whole_seconds()));
    }
}

/// Why a value does not decode.
pub(super) type Result<T> = std::result::Result<T, String>;

/// Reads the format's primitives from a value, never past its end.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(super) fn u8(&mut self) -> Result<u8> {
        let (&first, rest) = self.bytes.split_first().ok_or("the value ends early")?;
        self.bytes = rest;
        Ok(first)
    }

    pub(super) fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(format!("expected a flag, found {other}")),
        }
    }

    /// An unsigned LEB128 integer of at most 19 bytes (128 bits).
    pub(super) fn u128(&mut self) -> Result<u128> {
        let mut value: u128 = 0;
        for shift in (0..128).step_by(7) {
            let byte = self.u8()?;
            let bits = u128::from(byte & 0x7f);
            if shift == 126 && bits > 0b11 {
                return Err("an integer over 128 bits".into());
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("an integer over 128 bits".into())
    }

    pub(super) fn u64(&mut self) -> Result<u64> {
        u64::try_from(self.u128()?).map_err(|_| "an integer over 64 bits".to_string())
    }

    pub(super) fn u32(&mut self) -> Result<u32> {
        u32::try_from(self.u128()?).map_err(|_| "an integer over 32 bits".to_string())
    }

    pub(super) fn i128(&mut self) -> Result<i128> {
        let raw = self.u128()?;
        Ok(((raw >> 1) as i128) ^ -((raw & 1) as i128))
    }

    /// A count of items that each take at least one byte: never more than the bytes left, so
    /// a collection sized from it is bounded by the value's own length.
    pub(super) fn count(&mut self) -> Result<usize> {
        let count = self.u64()?;
        if count > self.bytes.len() as u64 {
            return Err(format!("a count of {count} with {} bytes left", self.bytes.len()));
        }
        Ok(count as usize)
    }

    pub(super) fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.count()?;
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(taken)
    }

    pub(super) fn str(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| "text that is not UTF-8".to_string())
    }

    pub(super) fn string(&mut self) -> Result<String> {
        self.str().map(str::to_string)
    }

    pub(super) fn option<T>(&mut self, read: impl FnOnce(&mut Reader<'a>) -> Result<T>) -> Result<Option<T>> {
        if self.bool()? { read(self).map(Some) } else { Ok(None) }
    }

    pub(super) fn opt_string(&mut self) -> Result<Option<String>> {
        self.option(Reader::string)
    }

    /// A time written by [`Writer::time`]; out-of-range parts are an error.
    pub(super) fn time(&mut self) -> Result<OffsetDateTime> {
        let seconds = i64::try_from(self.i128()?).map_err(|_| "a time out of range".to_string())?;
        let nanos = self.u32()?;
        let offset = i32::try_from(self.i128()?).map_err(|_| "an offset out of range".to_string())?;
        let offset = UtcOffset::from_whole_seconds(offset).map_err(|e| format!("offset: {e}"))?;
        OffsetDateTime::from_unix_timestamp(seconds)
            .and_then(|t| t.replace_nanosecond(nanos))
            .map_err(|e| format!("time: {e}"))?
            .checked_to_offset(offset)
            .ok_or_else(|| "a time out of range at its offset".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn written(write: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mut w = Writer { bytes: Vec::new() };
        write(&mut w);
        w.bytes
    }

    #[test]
    fn integers_round_trip_at_their_edges() {
        for value in [0, 1, 127, 128, 300, u64::MAX as u128, u128::MAX] {
            let bytes = written(|w| w.u128(value));
            assert_eq!(Reader::new(&bytes).u128().unwrap(), value);
        }
        for value in [0, -1, 1, i64::MIN as i128, i128::MIN, i128::MAX] {
            let bytes = written(|w| w.i128(value));
            assert_eq!(Reader::new(&bytes).i128().unwrap(), value);
        }
    }

    #[test]
    fn an_integer_longer_than_128_bits_is_refused() {
        assert!(Reader::new(&[0xff; 20]).u128().is_err());
        assert!(
            Reader::new(&[
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0x7f
            ])
            .u128()
            .is_err()
        );
        assert!(Reader::new(&written(|w| w.u128(u128::from(u64::MAX) + 1))).u64().is_err());
    }

    #[test]
    fn a_length_beyond_the_value_is_an_error_not_an_allocation() {
        let bytes = written(|w| w.u64(u64::MAX));
        assert!(Reader::new(&bytes).bytes().unwrap_err().contains("bytes left"));
        assert!(Reader::new(&[3, b'a']).str().is_err());
        assert!(Reader::new(&[2, 0xff, 0xfe]).str().unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn times_keep_their_offset_and_nanoseconds() {
        let t = datetime!(2025-03-01 10:00:00.123456789 +02:00);
        let bytes = written(|w| w.time(t));
        let back = Reader::new(&bytes).time().unwrap();
        assert_eq!((back, back.offset()), (t, t.offset()));
    }

    #[test]
    fn impossible_times_are_refused() {
        let nanos = written(|w| {
            w.i128(0);
            w.u64(2_000_000_000);
            w.i128(0);
        });
        assert!(Reader::new(&nanos).time().is_err());
        let offset = written(|w| {
            w.i128(0);
            w.u64(0);
            w.i128(100_000);
        });
        assert!(Reader::new(&offset).time().is_err());
        let far = written(|w| {
            w.i128(i128::from(i64::MAX));
            w.u64(0);
            w.i128(0);
        });
        assert!(Reader::new(&far).time().is_err());
    }
}
