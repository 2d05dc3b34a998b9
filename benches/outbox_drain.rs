//! Outbox drain rate (issue 17): how many events per second a kiosk's outbox sends
//! into PostgreSQL once the server is back. The outbox (SQLite, `synchronous = FULL`)
//! is filled with `EVENTS` offline events of distinct holders, then
//! `station::presence::drain::drain_some` sends them in order as the kiosk's outbox
//! thread does: per event one write transaction on the server (idempotency-key look-up,
//! holder and location look-ups, the insert, under the store's write lock) and one
//! durable delete from the outbox. Filling is not timed. Three rounds; the median is
//! printed. Needs `TOKENSTATION_TEST_PG` (`make bench-outbox` starts a throwaway
//! server like the tests').

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use tokenstation::station::presence::CredentialKey;
use tokenstation::station::presence::drain::drain_some;
use tokenstation::station::{KeySource, Station};
use tokenstation::store::outbox::{Outbox, OutboxEvent};

const HOLDERS: u32 = 500;
const EVENTS: u32 = 2_000;
const ROUNDS: u32 = 3;

fn fail(e: impl std::fmt::Display) -> ! {
    panic!("{e}")
}

fn main() {
    let Ok(server) = std::env::var("TOKENSTATION_TEST_PG") else {
        fail("outbox_drain: TOKENSTATION_TEST_PG is not set: run `make bench-outbox`")
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let name = format!("bench_outbox_{}", std::process::id());
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap_or_else(|e| fail(e));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| fail(e));
    let db = std::path::PathBuf::from(server.replacen("/postgres?", &format!("/{name}?"), 1));
    let key = KeySource::File(dir.path().join("pg.key"));
    let mut st = Station::init(&db, &key, 0).unwrap_or_else(|e| fail(e));
    st.location_add("Lobby", "UTC", 0)
        .unwrap_or_else(|e| fail(e));
    for i in 0..HOLDERS {
        let h = format!("h{i:04}");
        st.holder_add(&h, None, 0).unwrap_or_else(|e| fail(e));
        let tag =
            CredentialKey::tag_bytes(&(90_000 + i).to_be_bytes()).unwrap_or_else(|| fail("tag"));
        st.holder_enrol(&h, &tag, 0).unwrap_or_else(|e| fail(e));
    }
    let mut outbox = Outbox::open(&dir.path().join("outbox.db")).unwrap_or_else(|e| fail(e));
    let mut rates = Vec::new();
    for round in 0..ROUNDS {
        for k in 0..EVENTS {
            let i = k % HOLDERS;
            let e = OutboxEvent {
                seq: 0,
                idem: format!("bench|{round}|{k}"),
                station: Some("bench".into()),
                location: "Lobby".into(),
                at: i64::from(round * EVENTS + k),
                reader: Some("rdm6300:/dev/ttyUSB0".into()),
                credential: Some(format!("tag {:010}", 90_000 + i)),
                holder: Some(format!("h{i:04}")),
                label: None,
                direction: Some(
                    if (k / HOLDERS).is_multiple_of(2) {
                        "in"
                    } else {
                        "out"
                    }
                    .into(),
                ),
                status: "ok".into(),
                reason: None,
            };
            outbox.push(&e, 0).unwrap_or_else(|e| fail(e));
        }
        let sent = AtomicU64::new(0);
        let start = Instant::now();
        while drain_some(&mut st, &mut outbox, 64, &sent).unwrap_or_else(|e| fail(e)) > 0 {}
        let secs = start.elapsed().as_secs_f64();
        let rate = f64::from(EVENTS) / secs;
        println!("outbox_drain round {round}: {EVENTS} events in {secs:.2} s = {rate:.0} events/s");
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "outbox_drain: median {:.0} events/s ({EVENTS} events per round, {ROUNDS} rounds)",
        rates[rates.len() / 2]
    );
}
