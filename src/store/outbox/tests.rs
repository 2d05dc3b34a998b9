//! Tests of the outbox file: order, idempotency keys, reopening, refusals.

use super::*;

fn ev(idem: &str, holder: &str, dir: &str, at: i64) -> OutboxEvent {
    OutboxEvent {
        seq: 0,
        idem: idem.into(),
        station: Some("k1".into()),
        location: "Lobby".into(),
        at,
        reader: Some("r".into()),
        credential: Some("tag 0011649747".into()),
        holder: Some(holder.into()),
        label: None,
        direction: Some(dir.into()),
        status: "ok".into(),
        reason: None,
    }
}

#[test]
fn keeps_order_once_per_key_and_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/outbox.db");
    let mut o = Outbox::open(&path).unwrap();
    let a = o.push(&ev("a", "h1", "in", 10), 1).unwrap();
    let b = o.push(&ev("b", "h1", "out", 100), 2).unwrap();
    assert_eq!(o.push(&ev("a", "h1", "in", 10), 3).unwrap(), a);
    assert!(a.seq < b.seq);
    assert_eq!(
        o.snap_last("Lobby", "h1").unwrap(),
        Some(("out".into(), 100))
    );
    drop(o);
    let o = Outbox::open(&path).unwrap();
    let rows = o.oldest(10).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.idem.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    o.remove(a.seq).unwrap();
    assert_eq!(o.pending().unwrap(), 1);
    // an older event does not replace a newer last one
    o.note_last("Lobby", "h1", "in", 50).unwrap();
    assert_eq!(
        o.snap_last("Lobby", "h1").unwrap(),
        Some(("out".into(), 100))
    );
}

#[test]
fn refuses_a_store_file_and_a_newer_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    drop(crate::store::Store::create(&store).unwrap());
    let e = Outbox::open(&store).err().unwrap();
    assert!(e.to_string().contains("not a kiosk outbox"), "{e}");
    let path = dir.path().join("o.db");
    drop(Outbox::open(&path).unwrap());
    let c = Connection::open(&path).unwrap();
    c.pragma_update(None, "user_version", 9).unwrap();
    drop(c);
    let e = Outbox::open(&path).err().unwrap();
    assert!(
        e.to_string().contains("newer than this tokenstation"),
        "{e}"
    );
}

#[test]
fn snapshot_keeps_readers_and_key_check_and_open_existing_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.db");
    assert!(matches!(
        Outbox::open_existing(&path),
        Err(StoreError::Missing(_))
    ));
    assert!(!path.exists());
    let mut o = Outbox::open(&path).unwrap();
    assert_eq!(o.key_check().unwrap(), None);
    let mut s = SnapSettings {
        tz: "UTC".into(),
        mode: "card".into(),
        min_interval: 0,
        fold: 0,
        taken_at: 5,
        readers: Some(vec![
            "rdm6300:/dev/ttyS0".into(),
            "pcsc:ACS ACR122U 00 00".into(),
        ]),
    };
    let snap = Snapshot {
        key_check: Some("v1:keyfile:abc".into()),
        ..Snapshot::default()
    };
    o.snapshot_replace("Lobby", &s, &snap).unwrap();
    assert_eq!(o.snap_settings("Lobby").unwrap(), Some(s.clone()));
    assert_eq!(o.key_check().unwrap().as_deref(), Some("v1:keyfile:abc"));
    // a copy without readers reads back as none copied, not as no readers
    s.readers = None;
    o.snapshot_replace("Lobby", &s, &Snapshot::default())
        .unwrap();
    drop(o);
    let o = Outbox::open_existing(&path).unwrap();
    assert_eq!(o.snap_settings("Lobby").unwrap().unwrap().readers, None);
    assert_eq!(o.key_check().unwrap().as_deref(), Some("v1:keyfile:abc"));
}
