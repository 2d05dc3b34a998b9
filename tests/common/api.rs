//! The HTTP API in process: a store with products, locations, a holder and tokens, a
//! key of every role, and the router driven with `tower::ServiceExt::oneshot` from a
//! fixed client address.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request};
use tower::ServiceExt;

use tokenstation::api::limit::Rates;
use tokenstation::api::{Config, Server};
use tokenstation::model::access::Role;
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};
use tokenstation::station::access::KeySpec;
use tokenstation::station::catalog::ProductChange;
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::{KeySource, Station, default_key_file};

/// The seed of every fixture token (RFC 6238's).
pub const SEED: &[u8] = b"12345678901234567890";

/// Now, Unix seconds.
pub fn now() -> i64 {
    tokenstation::station::time::now()
}

/// The TOTP code of the fixture seed at `t`.
pub fn code_at(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

/// A six-digit code valid in no step within ±`steps` of `t`.
pub fn wrong_code(t: i64, steps: i64) -> String {
    let valid: Vec<String> = (-steps..=steps).map(|k| code_at(t + 30 * k)).collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !valid.contains(c))
        .unwrap()
}

/// The key of each role.
pub struct Keys {
    /// Admin, unlimited.
    pub admin: String,
    /// Operator, unlimited.
    pub operator: String,
    /// Technician, unlimited.
    pub technician: String,
    /// Technician limited to product P.
    pub tech_p: String,
    /// Kiosk at Lobby.
    pub kiosk: String,
    /// Kiosk at Lobby and Lab.
    pub kiosk2: String,
}

/// An answer.
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub text: String,
}

impl Resp {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    /// The `error` code of an error body.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or("").to_string()
    }
}

/// A store behind the router.
pub struct Api {
    /// Holds the store.
    pub dir: tempfile::TempDir,
    /// The store file.
    pub db: PathBuf,
    /// The router (with a mock client address 127.0.0.1:5555).
    pub router: Router,
    server: Option<Server>,
    /// A key of each role.
    pub keys: Keys,
}

fn key(st: &mut Station, name: &str, role: Role, locations: &[&str], products: &[&str]) -> String {
    let spec = KeySpec {
        name: name.into(),
        role,
        locations: locations.iter().map(|s| s.to_string()).collect(),
        products: products.iter().map(|s| s.to_string()).collect(),
        cidrs: Vec::new(),
        expires_at: None,
    };
    st.key_add(&spec, now()).unwrap().key.to_string()
}

/// Rates high enough not to get in a test's way.
pub fn generous() -> Rates {
    let n = |v| NonZeroU32::new(v).unwrap();
    Rates {
        key_per_minute: n(1_000_000),
        key_burst: n(100_000),
        auth_failures_per_minute: n(100_000),
    }
}

/// Builds the fixture store: products P (TOTP) and Q, locations Lobby and Lab, holder
/// alice; tokens T1 (P, active, every location, held by alice), T2 (P, unverified),
/// Q1 (Q, active, Lab only); a key of every role.
pub fn store(dir: &tempfile::TempDir) -> (Station, Keys) {
    let db = dir.path().join("s.db");
    store_at(&db, &default_key_file(&db))
}

/// [`store`] at `db` (a file or a PostgreSQL URL) with the key file `key`.
pub fn store_at(db: &std::path::Path, key_file: &std::path::Path) -> (Station, Keys) {
    let mut st = Station::init(db, &KeySource::File(key_file.to_path_buf()), 0).unwrap();
    let t = now();
    for p in ["P", "Q"] {
        st.product_add(&ProductChange::default().new_product(p), t)
            .unwrap();
    }
    for l in ["Lobby", "Lab"] {
        st.location_add(l, "UTC", t).unwrap();
    }
    st.holder_add("alice", Some("Alice"), t).unwrap();
    for (serial, product) in [("T1", "P"), ("T2", "P"), ("Q1", "Q")] {
        st.token_add(
            serial,
            product,
            SeedInput::Secret(Secret::from_slice(SEED)),
            t,
        )
        .unwrap();
    }
    // Activated a minute ago, so that the current code is still unused.
    let before = t - 60;
    for serial in ["T1", "Q1"] {
        assert!(
            st.token_activate(serial, None, &code_at(before), before)
                .unwrap()
                .is_ok()
        );
    }
    st.token_assign_location("T1", None, None, t).unwrap();
    st.token_assign_location("Q1", None, Some("Lab"), t)
        .unwrap();
    st.token_assign_holder("T1", None, "alice", t).unwrap();
    // The tests count token failures from one key; the per-source delay (which would
    // slow that key after 3) has its own test (api_verify::per_source_delay_by_end_user).
    st.policy_set("limit.source_free_failures", "1000", t)
        .unwrap();
    let keys = Keys {
        admin: key(&mut st, "admin", Role::Admin, &[], &[]),
        operator: key(&mut st, "ops", Role::Operator, &[], &[]),
        technician: key(&mut st, "tech", Role::Technician, &[], &[]),
        tech_p: key(&mut st, "tech-p", Role::Technician, &[], &["P"]),
        kiosk: key(&mut st, "kiosk", Role::Kiosk, &["Lobby"], &[]),
        kiosk2: key(&mut st, "kiosk2", Role::Kiosk, &["Lobby", "Lab"], &[]),
    };
    (st, keys)
}

impl Api {
    /// The fixture behind a router with generous rates.
    pub fn new() -> Api {
        Api::with_rates(generous())
    }

    /// The fixture behind a router with these rates.
    pub fn with_rates(rates: Rates) -> Api {
        let dir = tempfile::tempdir().unwrap();
        let (st, keys) = store(&dir);
        let db = dir.path().join("s.db");
        let cfg = Config {
            rates,
            ..Config::default()
        };
        let server = Server::new(st, &cfg).unwrap();
        let router = server
            .router
            .clone()
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5555))));
        Api {
            dir,
            db,
            router,
            server: Some(server),
            keys,
        }
    }

    /// A station on the same store (to look at what the API did).
    pub fn station(&self) -> Station {
        let mut st = Station::open(&self.db).unwrap();
        st.unlock(&KeySource::File(default_key_file(&self.db)))
            .unwrap();
        st
    }

    /// Sends a request.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let r = self.router.clone().oneshot(req).await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// `METHOD uri` with a bearer key and a JSON body.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        key: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(k) = key {
            b = b.header("authorization", format!("Bearer {k}"));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    /// `GET uri` with a key.
    pub async fn get(&self, uri: &str, key: &str) -> Resp {
        self.call("GET", uri, Some(key), None).await
    }

    /// `POST uri` with a key and a JSON body.
    pub async fn post(&self, uri: &str, key: &str, body: serde_json::Value) -> Resp {
        self.call("POST", uri, Some(key), Some(body)).await
    }

    /// Stops the writer thread (after the last request).
    pub fn finish(mut self) {
        let Api { router, server, .. } = &mut self;
        drop(std::mem::replace(router, Router::new()));
        if let Some(s) = server.take() {
            s.finish();
        }
    }
}
