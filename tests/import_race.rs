//! Two imports of one file racing (issue 11): the second one read the store before the
//! first committed, so its own look-up found no duplicates; under its write lock the
//! store's answer decides. With the default `--on-duplicate skip` the loser reports the
//! rows as duplicates and reuses the product the winner made (exit 0, no "already
//! exists"); with `fail` it writes nothing and reports the rows as errors.
#![allow(clippy::unwrap_used)]

#[path = "common/backend.rs"]
mod backend;

use std::cell::RefCell;
use std::path::Path;

use tokenstation::seeds::parse_uri_list;
use tokenstation::station::import::{Hooks, ImportOptions, ImportReport, OnDuplicate, Outcome};
use tokenstation::station::{KeySource, Station};

const URIS: &str = "otpauth://totp/Acme:S-1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\
                    otpauth://totp/Acme:S-2?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n";

fn open(db: &Path) -> Station {
    let mut st = Station::open(db).unwrap();
    st.unlock(&KeySource::File(backend::key_for(db))).unwrap();
    st
}

/// Imports `URIS` with `loser`, letting `winner` import the same file while the loser
/// is sealing (after its own look-up, before its write transaction).
fn race(db: &Path, on_duplicate: OnDuplicate) -> (ImportReport, ImportReport) {
    let opts = ImportOptions {
        on_duplicate,
        ..ImportOptions::default()
    };
    let mut loser = open(db);
    let winner = RefCell::new(Some(open(db)));
    let won = RefCell::new(None);
    let mut progress = |_: u64, _: u64| {
        if let Some(mut w) = winner.borrow_mut().take() {
            let r = w
                .import_seeds(
                    "seeds.txt",
                    parse_uri_list(URIS).unwrap(),
                    &opts,
                    2,
                    Hooks::none(),
                )
                .unwrap();
            *won.borrow_mut() = Some(r);
        }
    };
    let never = || false;
    let lost = loser
        .import_seeds(
            "seeds.txt",
            parse_uri_list(URIS).unwrap(),
            &opts,
            1,
            Hooks {
                progress: &mut progress,
                cancelled: &never,
            },
        )
        .unwrap();
    (won.into_inner().unwrap(), lost)
}

fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend::store_in(dir.path(), "s.db");
    Station::init(&db, &KeySource::File(backend::key_for(&db)), 0).unwrap();
    (dir, db)
}

#[test]
fn the_loser_of_a_skip_race_reports_duplicates() {
    let (_dir, db) = store();
    let (won, lost) = race(&db, OnDuplicate::Skip);
    assert!(won.written && won.imported == 2, "{won:?}");
    assert_eq!(won.new_products, ["Imported"]);
    // Its look-up saw nothing; the store's UNIQUE answer made both rows duplicates.
    assert!(!lost.written, "{lost:?}");
    assert_eq!((lost.imported, lost.duplicates, lost.errors), (0, 2, 0));
    assert!(lost.rows.iter().all(|r| r.outcome == Outcome::Duplicate));
    assert!(
        lost.new_products.is_empty(),
        "the winner's product is reused"
    );
    let st = open(&db);
    assert_eq!(st.read().tokens_by_serial("S-1").unwrap().len(), 1);
    assert_eq!(st.read().product_list().unwrap().len(), 1);
}

#[test]
fn the_loser_of_a_fail_race_writes_nothing() {
    let (_dir, db) = store();
    let audit_before = open(&db)
        .read()
        .audit_list(&Default::default())
        .unwrap()
        .len();
    let (won, lost) = race(&db, OnDuplicate::Fail);
    assert!(won.written);
    assert!(!lost.written);
    assert_eq!(lost.errors, 1, "{lost:?}");
    assert!(lost.rows.iter().any(|r| r.outcome == Outcome::Error));
    let st = open(&db);
    // Only the winner's lines: a product, two tokens, the import.
    assert_eq!(
        st.read().audit_list(&Default::default()).unwrap().len(),
        audit_before + 4
    );
}
