//! How long understanding one shopper message takes (target: well under 50 µs).
//!
//! Run with `cargo bench --bench understand`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};

use concierge::understand::{Lexicon, Understander};

fn understand(c: &mut Criterion) {
    let understander = Understander::new(Lexicon::builtin());
    let typical =
        "Hi! I need a present for my 6yo nephew's birthday, under £25. He loves trains and dinosaurs, no lego please";
    c.bench_function("understand a typical opening message", |b| {
        b.iter(|| understander.understand(black_box(typical)))
    });
    c.bench_function("understand a short reply", |b| {
        b.iter(|| understander.understand(black_box("around 30 I guess")))
    });
    let long = typical.repeat(10_240 / typical.len() + 1);
    c.bench_function("understand 10 KB", |b| b.iter(|| understander.understand(black_box(&long))));
}

criterion_group!(benches, understand);
criterion_main!(benches);
