//! Look-up of one code over one day for 100,000 tokens (2,880 steps each): one timed
//! run, printed (criterion would repeat a multi-second search many times).

use std::time::Instant;

use tokenstation::station::{KeySource, Station, default_key_file};

mod fixtures;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("lookup_one_day_100k: benchmark");
        return;
    }
    let db = fixtures::store(100_000);
    let mut st = Station::open(&db).unwrap_or_else(|e| panic!("{e}"));
    st.unlock(&KeySource::File(default_key_file(&db)))
        .unwrap_or_else(|e| panic!("{e}"));
    st.policy_set("lookup.max_codes", "1000000000", 0)
        .unwrap_or_else(|e| panic!("{e}"));
    let to = 1_764_000_000i64;
    let from = to - 86_400;
    let start = Instant::now();
    let r = st
        .lookup("123456", None, from, to)
        .unwrap_or_else(|e| panic!("{e}"));
    let took = start.elapsed();
    println!(
        "lookup_one_day_100k: {} tokens, {} codes, {} hits in {:.2?} ({:.1} M codes/s on {} threads)",
        r.tokens_searched,
        r.codes_computed,
        r.hits.len(),
        took,
        r.codes_computed as f64 / took.as_secs_f64() / 1e6,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
}
