//! Management that was missing (issue 12), through the binary: holders removed and
//! edited, credentials removed, a credential enrolled twice in two notations,
//! locations removed, a token's assignments undone — each audited, each refusal one
//! line naming what to do.

#![allow(clippy::unwrap_used)]

mod common;

use common::Station;

fn audit_count(s: &Station, action: &str) -> usize {
    s.json(&["audit", "list", "--action", action])
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn holders_are_edited_unenrolled_and_removed() {
    let s = Station::new();
    s.ok(&["holder", "add", "h1", "--label", "Alice"]);
    let h = s.json(&[
        "holder", "edit", "h1", "--new-id", "h9", "--label", "Alice M.",
    ]);
    assert_eq!(
        (h["ext_id"].clone(), h["label"].clone()),
        ("h9".into(), "Alice M.".into())
    );
    s.fails(&["holder", "show", "h1"], 2);
    let cleared = s.json(&["holder", "edit", "h9", "--clear-label"]);
    assert!(cleared["label"].is_null(), "{cleared}");
    s.fails(&["holder", "edit", "h9"], 2); // nothing to change

    // One tag in two notations: the second enrolment is a no-op with a note.
    s.ok(&["holder", "enrol", "h9", "--tag", "0011649747"]);
    let out = s
        .cmd(&["holder", "enrol", "h9", "--tag", "0A00B1C2D3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already has tag 0011649747") && err.contains("nothing changed"),
        "{err}"
    );
    let v = s.json(&["holder", "enrol", "h9", "--tag", "0A00B1C2D3"]);
    assert_eq!(v["already_enrolled"], true);
    assert_eq!(
        s.json(&["holder", "show", "h9"])["credentials"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(audit_count(&s, "holder.enrol"), 1);
    // Someone else's tag stays refused.
    s.ok(&["holder", "add", "h2"]);
    let (_, err) = s.fails(&["holder", "enrol", "h2", "--tag", "0011649747"], 2);
    assert!(err.contains("already enrolled for holder 'h9'"), "{err}");

    // Unenrol, in the other notation; a second time names what is missing.
    s.ok(&["holder", "unenrol", "h9", "--tag", "0A00B1C2D3"]);
    assert!(
        s.json(&["holder", "show", "h9"])["credentials"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (_, err) = s.fails(&["holder", "unenrol", "h9", "--tag", "0011649747"], 2);
    assert!(err.contains("is not enrolled for holder 'h9'"), "{err}");
    assert_eq!(audit_count(&s, "holder.unenrol"), 1);

    // A holder with a token: --force releases the token, which stays.
    s.ok(&["product", "add", "P"]);
    s.ok(&["token", "add", "T1", "--product", "P", "--generate"]);
    s.ok(&["token", "assign", "T1", "--holder", "h9"]);
    let (_, err) = s.fails(&["holder", "rm", "h9"], 2);
    assert!(
        err.contains("holds a token: T1") && err.contains("--force"),
        "{err}"
    );
    let r = s.json(&["holder", "rm", "h9", "--force"]);
    assert_eq!(r["tokens"], serde_json::json!(["T1"]));
    assert!(s.json(&["token", "show", "T1"])["holder"].is_null());
    s.fails(&["holder", "show", "h9"], 2);
    let out = s.ok(&["holder", "rm", "h2"]);
    assert_eq!(out.trim(), "removed holder h2");
    assert_eq!(audit_count(&s, "holder.remove"), 2);
}

#[test]
fn locations_are_removed_and_assignments_undone() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok(&["token", "add", "T1", "--product", "P", "--generate"]);
    s.ok(&["location", "add", "Lab"]);
    s.ok(&["location", "add", "Hall"]);
    s.ok(&["token", "assign", "T1", "--location", "Lab"]);
    let t = s.json(&["token", "unassign", "T1", "--location", "Lab"]);
    assert_eq!(t["locations"], serde_json::json!([]));
    let (_, err) = s.fails(&["token", "unassign", "T1", "--location", "Lab"], 2);
    assert!(err.contains("not assigned to location 'Lab'"), "{err}");
    s.ok(&["token", "assign", "T1", "--all-locations"]);
    let t = s.json(&["token", "unassign", "T1", "--all-locations"]);
    assert_eq!(t["all_locations"], false);
    s.ok(&["holder", "add", "h1"]);
    s.ok(&["token", "assign", "T1", "--holder", "h1"]);
    let t = s.json(&["token", "unassign", "T1", "--holder"]);
    assert!(t["holder"].is_null(), "{t}");
    assert_eq!(audit_count(&s, "token.unassign"), 3);

    s.ok(&["token", "assign", "T1", "--location", "Lab"]);
    let (_, err) = s.fails(&["location", "rm", "Lab"], 2);
    assert!(
        err.contains("1 assigned token") && err.contains("--force"),
        "{err}"
    );
    s.ok(&["location", "rm", "Lab", "--force"]);
    s.ok(&["location", "rm", "Hall"]);
    assert!(s.json(&["location", "list"]).as_array().unwrap().is_empty());
    assert_eq!(
        s.json(&["token", "show", "T1"])["locations"],
        serde_json::json!([])
    );
    assert_eq!(audit_count(&s, "location.remove"), 2);
}

#[test]
fn presence_report_defaults_to_this_month_and_names_no_holder_as_null() {
    let s = Station::new();
    s.ok(&["location", "add", "Lab", "--tz", "Europe/Paris"]);
    let r = s.json(&["presence", "report", "--location", "Lab"]);
    let from = r["from"].as_str().unwrap();
    assert!(from.contains("-01 00:00:00"), "the first of the month: {r}");
    assert!(r["holders"].as_array().unwrap().is_empty());
}
