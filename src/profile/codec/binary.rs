//! Format 2: the profile in binary, field by field in declaration order (see `wire` for the
//! primitives). Every struct is taken apart without `..`, so a field added to the profile does
//! not compile until it is written here; adding one changes the format: write it under a new
//! version and read the older versions with the field's default.
//!
//! Decoding checks what the JSON format's types check (customer ids, currencies, amounts that
//! are not negative, known kinds and slots), so a value cannot hold what an edit could not.

use std::collections::{BTreeMap, VecDeque};

use rust_decimal::Decimal;

use super::wire::{Reader, Result, Writer};
use crate::money::{Amount, Currency};
use crate::profile::event::{Event, EventKind, Order, OrderItem, OrderSource};
use crate::profile::id::{CustomerId, ShopperId};
use crate::profile::record::{Asked, Consent, CustomerLink, Declared, Profile, Purpose, SentNotice, Source, Visits};
use crate::slots::SlotName;

/// Appends the profile's body (without the version byte).
pub(super) fn write(w: &mut Writer, profile: &Profile) {
    let Profile {
        id,
        created_at,
        last_seen,
        consent,
        customer,
        declared,
        events,
        orders,
        visits,
        seen_event_ids,
        notices_sent,
    } = profile;
    w.bytes.extend_from_slice(id.as_bytes());
    w.time(*created_at);
    w.time(*last_seen);
    let Consent { personalization, notices, at } = *consent;
    w.bool(personalization);
    w.bool(notices);
    w.option(at, Writer::time);
    w.option(customer.as_ref(), |w, CustomerLink { id, at }| {
        w.str(id.as_str());
        w.time(*at);
    });
    w.len(declared.len());
    for (slot, Declared { value, word, source, at, consent }) in declared {
        w.str(slot.as_str());
        // A slot's value is small JSON ("gift", 6, {"max":25,..}); its own text keeps every
        // shape the slots may take without a second encoding of JSON values.
        w.str(&value.to_string());
        w.opt_str(word.as_deref());
        w.u8(source_tag(*source));
        w.time(*at);
        w.u8(match consent {
            Purpose::Personalization => 0,
        });
    }
    w.len(events.len());
    for event in events {
        write_event(w, event);
    }
    w.len(orders.len());
    for order in orders {
        write_order(w, order);
    }
    let Visits { number, started_at, asked } = visits;
    w.u64(u64::from(*number));
    w.time(*started_at);
    w.len(asked.len());
    for (slot, Asked { visit, at }) in asked {
        w.str(slot.as_str());
        w.u64(u64::from(*visit));
        w.time(*at);
    }
    w.len(seen_event_ids.len());
    for id in seen_event_ids {
        w.str(id);
    }
    w.len(notices_sent.len());
    for SentNotice { key, at } in notices_sent {
        w.str(key);
        w.time(*at);
    }
}

/// Reads a body written by [`write`]; bytes left over are an error.
pub(super) fn read(r: &mut Reader<'_>) -> Result<Profile> {
    let mut id = [0u8; 16];
    for byte in &mut id {
        *byte = r.u8()?;
    }
    let created_at = r.time()?;
    let last_seen = r.time()?;
    let consent = Consent { personalization: r.bool()?, notices: r.bool()?, at: r.option(Reader::time)? };
    let customer = r.option(|r| Ok(CustomerLink { id: customer_id(r.str()?)?, at: r.time()? }))?;
    let mut declared = BTreeMap::new();
    for _ in 0..r.count()? {
        let slot = slot(r.str()?)?;
        let value = serde_json::from_str(r.str()?).map_err(|e| format!("the value of {slot}: {e}"))?;
        let word = r.opt_string()?;
        let source = source(r.u8()?)?;
        let at = r.time()?;
        let consent = match r.u8()? {
            0 => Purpose::Personalization,
            other => return Err(format!("unknown consent purpose {other}")),
        };
        declared.insert(slot, Declared { value, word, source, at, consent });
    }
    let events = list(r, read_event)?;
    let orders = list(r, read_order)?;
    let number = r.u32()?;
    let started_at = r.time()?;
    let mut asked = BTreeMap::new();
    for _ in 0..r.count()? {
        let slot = slot(r.str()?)?;
        asked.insert(slot, Asked { visit: r.u32()?, at: r.time()? });
    }
    let seen_event_ids: VecDeque<String> = list(r, Reader::string)?.into();
    let notices_sent: VecDeque<SentNotice> = list(r, |r| Ok(SentNotice { key: r.string()?, at: r.time()? }))?.into();
    if !r.is_empty() {
        return Err("bytes after the profile".into());
    }
    Ok(Profile {
        id: ShopperId::from_bytes(id),
        created_at,
        last_seen,
        consent,
        customer,
        declared,
        events,
        orders,
        visits: Visits { number, started_at, asked },
        seen_event_ids,
        notices_sent,
    })
}

fn write_event(w: &mut Writer, event: &Event) {
    let Event { id, kind, product_id, query, choice, status, order, at } = event;
    w.opt_str(id.as_deref());
    w.str(kind.as_str());
    w.opt_str(product_id.as_deref());
    w.opt_str(query.as_deref());
    w.opt_str(choice.as_deref());
    w.opt_str(status.as_deref());
    w.option(order.as_ref(), write_order);
    w.time(*at);
}

fn read_event(r: &mut Reader<'_>) -> Result<Event> {
    let id = r.opt_string()?;
    let name = r.str()?;
    let kind = EventKind::parse(name).ok_or_else(|| format!("unknown event kind `{}`", clip(name)))?;
    Ok(Event {
        id,
        kind,
        product_id: r.opt_string()?,
        query: r.opt_string()?,
        choice: r.opt_string()?,
        status: r.opt_string()?,
        order: r.option(read_order)?,
        at: r.time()?,
    })
}

fn write_order(w: &mut Writer, order: &Order) {
    let Order { id, items, total, currency, estimated_delivery, at, source } = order;
    w.opt_str(id.as_deref());
    w.len(items.len());
    for OrderItem { product_id, quantity, price, currency } in items {
        w.str(product_id);
        w.u64(u64::from(*quantity));
        w.option(*price, write_amount);
        w.option(*currency, |w, c| w.str(c.code()));
    }
    w.option(*total, write_amount);
    w.option(*currency, |w, c| w.str(c.code()));
    w.option(*estimated_delivery, |w, day| w.i128(i128::from(day.to_julian_day())));
    w.time(*at);
    w.u8(match source {
        OrderSource::Shop => 0,
        OrderSource::Shopper => 1,
    });
}

fn read_order(r: &mut Reader<'_>) -> Result<Order> {
    let id = r.opt_string()?;
    let items = list(r, |r| {
        Ok(OrderItem {
            product_id: r.string()?,
            quantity: r.u32()?,
            price: r.option(read_amount)?,
            currency: r.option(read_currency)?,
        })
    })?;
    Ok(Order {
        id,
        items,
        total: r.option(read_amount)?,
        currency: r.option(read_currency)?,
        estimated_delivery: r.option(|r| {
            let day = i32::try_from(r.i128()?).map_err(|_| "a date out of range".to_string())?;
            time::Date::from_julian_day(day).map_err(|e| format!("date: {e}"))
        })?,
        at: r.time()?,
        source: match r.u8()? {
            0 => OrderSource::Shop,
            1 => OrderSource::Shopper,
            other => return Err(format!("unknown order source {other}")),
        },
    })
}

/// An amount as its exact decimal: mantissa and scale.
fn write_amount(w: &mut Writer, amount: Amount) {
    let decimal = amount.decimal();
    w.i128(decimal.mantissa());
    w.u64(u64::from(decimal.scale()));
}

fn read_amount(r: &mut Reader<'_>) -> Result<Amount> {
    let mantissa = r.i128()?;
    let scale = r.u32()?;
    let decimal = Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|e| format!("amount: {e}"))?;
    Amount::new(decimal).ok_or_else(|| "a negative amount".to_string())
}

fn read_currency(r: &mut Reader<'_>) -> Result<Currency> {
    let code = r.str()?;
    if code.len() != 3 {
        return Err(format!("`{}` is not a currency code", clip(code)));
    }
    code.parse()
}

fn customer_id(text: &str) -> Result<CustomerId> {
    CustomerId::parse(text).map_err(|e| format!("customer id: {e}"))
}

fn slot(name: &str) -> Result<SlotName> {
    SlotName::parse(name).ok_or_else(|| format!("unknown slot `{}`", clip(name)))
}

fn source_tag(source: Source) -> u8 {
    match source {
        Source::Chat => 0,
        Source::Quiz => 1,
        Source::Settings => 2,
        Source::Api => 3,
        Source::Agent => 4,
    }
}

fn source(tag: u8) -> Result<Source> {
    Ok(match tag {
        0 => Source::Chat,
        1 => Source::Quiz,
        2 => Source::Settings,
        3 => Source::Api,
        4 => Source::Agent,
        other => return Err(format!("unknown source {other}")),
    })
}

/// A list of items each read by `read`, never reserving more than the value could hold.
fn list<'a, T>(r: &mut Reader<'a>, mut read: impl FnMut(&mut Reader<'a>) -> Result<T>) -> Result<Vec<T>> {
    let count = r.count()?;
    // Each item takes at least one byte, so `count` is bounded by the value's length; the
    // reservation is capped besides, as an item in memory is larger than its first byte.
    let mut items = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        items.push(read(r)?);
    }
    Ok(items)
}

/// A name from a value, shortened for an error message.
fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}
