//! Importing seed records (from PSKC, CSV or URI lists, parsed by `seeds`) as tokens:
//! products are matched or created, duplicates skipped or refused, every record
//! reported, and the whole import is one transaction: all selected tokens or none.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{Result, Station, StationError};
use crate::model::{NameKind, Product, TokenStatus, validate_name};
use crate::otp::{Kind, OtpParams};
use crate::seeds::{ImportError, Parsed, SeedRecord};
use crate::store::StoreError;
use crate::store::tokens::NewToken;
use crate::vault;

/// What to do with a serial that already exists in its product (or twice in a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDuplicate {
    /// Leave the existing token, report the record as a duplicate.
    #[default]
    Skip,
    /// Refuse the whole import.
    Fail,
}

mod report;

pub use report::{ImportReport, ImportRow, Outcome, RowProblem};

/// Import settings.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Put every token under this product (its parameters must agree).
    pub product: Option<String>,
    /// Duplicate handling.
    pub on_duplicate: OnDuplicate,
    /// Report only; write nothing.
    pub dry_run: bool,
    /// Import the good records and report the rest (else any error writes nothing).
    pub skip_errors: bool,
}

/// Progress and cancellation hooks for long imports and exports.
pub struct Hooks<'a> {
    /// Called with (done, total) as tokens are sealed and written.
    pub progress: &'a mut dyn FnMut(u64, u64),
    /// Returns true when the work is to stop (its job was cancelled).
    pub cancelled: &'a dyn Fn() -> bool,
}

impl Hooks<'static> {
    /// No progress report, never cancelled.
    pub fn none() -> Hooks<'static> {
        fn never() -> bool {
            false
        }
        // A closure that captures nothing is zero-sized: leaking it allocates nothing.
        Hooks {
            progress: Box::leak(Box::new(|_, _| {})),
            cancelled: &never,
        }
    }
}

/// What another process did between reading the store and taking its write lock.
enum Race {
    /// Took this row's serial (under `--on-duplicate fail`: the import is refused).
    Serial(usize),
    /// Made a product of this name with other codes.
    Product(String),
}

impl Race {
    /// Marks the report's rows the race concerns as errors: nothing was written.
    fn refuse(self, report: &mut ImportReport) {
        for (i, r) in report.rows.iter_mut().enumerate() {
            match &self {
                Race::Serial(row) if *row == i => {
                    r.outcome = Outcome::Error;
                    r.reason = Some(RowProblem::Duplicate {
                        serial: r.serial.clone().unwrap_or_default(),
                        product: r.product.clone().unwrap_or_default(),
                        in_file: false,
                    });
                }
                Race::Product(name) if r.product.as_deref() == Some(name.as_str()) => {
                    r.outcome = Outcome::Error;
                    r.reason = Some(RowProblem::ProductClash(name.clone()));
                }
                _ => {}
            }
        }
        report.written = false;
        report.recount();
    }
}

fn same_codes(a: &OtpParams, b: &OtpParams) -> bool {
    a.kind == b.kind
        && a.algorithm == b.algorithm
        && a.digits == b.digits
        && (a.kind == Kind::Hotp || (a.period == b.period && a.t0 == b.t0))
}

fn describe(p: &OtpParams) -> String {
    match p.kind {
        Kind::Totp => format!("totp {} {} digits {} s", p.algorithm, p.digits, p.period),
        Kind::Hotp => format!("hotp {} {} digits", p.algorithm, p.digits),
    }
}

fn new_product(name: String, r: &SeedRecord) -> Product {
    Product {
        vendor: r.manufacturer.clone(),
        model: r.model.clone(),
        ..super::catalog::new_product(&name, r.params)
    }
}

impl Station {
    /// Imports parsed records. Errors in records are reported, not raised: the report
    /// says `written: false` and nothing changes. `Err` is for the store, the key, or
    /// an interruption.
    pub fn import_seeds(
        &mut self,
        source: &str,
        parsed: Parsed,
        opts: &ImportOptions,
        now: i64,
        hooks: Hooks<'_>,
    ) -> Result<ImportReport> {
        let c = self.read();
        let forced = opts
            .product
            .as_deref()
            .map(|p| c.product_get(p))
            .transpose()?;
        let mut products: HashMap<String, Product> = c
            .product_list()?
            .into_iter()
            .map(|p| (p.name.clone(), p))
            .collect();
        let mut created: Vec<String> = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let mut rows = Vec::with_capacity(parsed.len());
        let mut accepted: Vec<(usize, SeedRecord, String)> = Vec::new();
        let Parsed { records, notes } = parsed;
        for entry in records {
            let rec = match entry {
                Ok(r) => r,
                Err(e) => {
                    let skipped = matches!(e, ImportError::NotOtp { .. });
                    let place = e.place();
                    rows.push(ImportRow {
                        line: place.and_then(|p| p.line()),
                        key_id: None,
                        serial: place.and_then(|p| p.serial()).map(str::to_string),
                        product: forced.as_ref().map(|p| p.name.clone()),
                        outcome: if skipped {
                            Outcome::Skipped
                        } else {
                            Outcome::Error
                        },
                        reason: Some(RowProblem::Parse(e.to_string())),
                        warnings: Vec::new(),
                    });
                    continue;
                }
            };
            let mut row = ImportRow {
                line: rec.line,
                key_id: rec.key_id.clone(),
                serial: rec
                    .serial
                    .clone()
                    .or_else(|| rec.key_id.clone())
                    .or_else(|| rec.account.clone()),
                product: None,
                outcome: Outcome::Imported,
                reason: None,
                warnings: rec.warnings.clone(),
            };
            let Some(serial) = row.serial.clone().filter(|s| !s.trim().is_empty()) else {
                row.outcome = Outcome::Error;
                row.reason = Some(RowProblem::NoSerial);
                rows.push(row);
                continue;
            };
            // The product: forced, or by maker and model, or by parameters.
            let product = match &forced {
                Some(p) if !same_codes(&p.params, &rec.params) => {
                    (row.outcome, row.product) = (Outcome::Error, Some(p.name.clone()));
                    row.reason = Some(RowProblem::ParamsDiffer {
                        record: describe(&rec.params),
                        product: p.name.clone(),
                        wanted: describe(&p.params),
                    });
                    rows.push(row);
                    continue;
                }
                Some(p) => p.name.clone(),
                None => {
                    let base = match (&rec.manufacturer, &rec.model) {
                        (Some(m), Some(o)) => format!("{m} {o}"),
                        (Some(m), None) => m.clone(),
                        (None, Some(o)) => o.clone(),
                        (None, None) => "Imported".to_string(),
                    };
                    let fitting = |name: &str, known: &HashMap<String, Product>| {
                        known.get(name).map(|p| same_codes(&p.params, &rec.params))
                    };
                    let name = match fitting(&base, &products) {
                        Some(true) | None => base,
                        Some(false) => format!("{base} ({})", describe(&rec.params)),
                    };
                    // Maker and model passed the name rule each; joined they may not.
                    if let Err(e) = validate_name(NameKind::Product, &name) {
                        row.outcome = Outcome::Error;
                        row.reason = Some(RowProblem::ProductName(e));
                        rows.push(row);
                        continue;
                    }
                    match fitting(&name, &products) {
                        Some(true) => {}
                        None => {
                            products.insert(name.clone(), new_product(name.clone(), &rec));
                            created.push(name.clone());
                        }
                        Some(false) => {
                            row.outcome = Outcome::Error;
                            row.reason = Some(RowProblem::ProductClash(name));
                            rows.push(row);
                            continue;
                        }
                    }
                    name
                }
            };
            row.product = Some(product.clone());
            let exists = products
                .get(&product)
                .filter(|p| p.id != 0)
                .map(|p| {
                    c.tokens_by_serial(&serial)
                        .map(|ts| ts.iter().any(|t| t.product_id == p.id))
                })
                .transpose()?
                .unwrap_or(false);
            if exists || !seen.insert((product.clone(), serial.clone())) {
                row.outcome = match opts.on_duplicate {
                    OnDuplicate::Skip => Outcome::Duplicate,
                    OnDuplicate::Fail => Outcome::Error,
                };
                row.reason = Some(RowProblem::Duplicate {
                    serial: serial.clone(),
                    product: product.clone(),
                    in_file: !exists,
                });
                rows.push(row);
                continue;
            }
            accepted.push((rows.len(), rec, product));
            rows.push(row);
        }
        let mut report = ImportReport {
            source: source.to_string(),
            written: false,
            dry_run: opts.dry_run,
            imported: 0,
            duplicates: 0,
            skipped: 0,
            errors: 0,
            new_products: created.clone(),
            notes,
            rows,
        };
        report.recount();
        if (report.errors > 0 && !opts.skip_errors) || opts.dry_run || accepted.is_empty() {
            return Ok(report);
        }

        // Seal everything first (no lock held), then write in one transaction.
        // Progress counts tokens: sealing is the first half of each, writing the second.
        let total = accepted.len() as u64 * 2;
        let key = self.key()?;
        let mut sealed = Vec::with_capacity(accepted.len());
        for (i, (row, rec, product)) in accepted.iter().enumerate() {
            if i % 1024 == 0 {
                if (hooks.cancelled)() {
                    return Err(StationError::Interrupted);
                }
                (hooks.progress)(i as u64, total);
            }
            let uid = super::tokens::new_uid()?;
            let blob = vault::seal(key, uid.as_bytes(), &rec.secret)?;
            sealed.push((
                *row,
                uid,
                blob,
                (rec.counter, rec.drift_steps, rec.issuer.as_deref()),
                product.clone(),
            ));
        }
        let done = accepted.len() as u64;
        // Another process may have imported the same file (or made the same products)
        // since the rows were read above. The write lock is held from here, so the
        // store's own answer (a UNIQUE violation) decides, row by row: a serial taken
        // meanwhile is a duplicate like any other (skipped, or the import refused), a
        // product made meanwhile is used when its codes agree.
        let mut raced: Option<Race> = None;
        let mut late_duplicates: Vec<usize> = Vec::new();
        let mut reused: Vec<String> = Vec::new();
        let outcome = self.write(|c| {
            for name in &created {
                let p = products.get(name).ok_or_else(|| StationError::Internal(format!("product {name} vanished")))?;
                let added = match c.product_add(p, now) {
                    Ok(added) => {
                        c.audit(now, "product.add", &format!("product {name}"), None::<&()>, Some(&added))?;
                        added
                    }
                    Err(StoreError::Duplicate(_)) => match c.product_find(name)? {
                        Some(q) if same_codes(&q.params, &p.params) => {
                            reused.push(name.clone());
                            q
                        }
                        _ => {
                            raced = Some(Race::Product(name.clone()));
                            return Err(StationError::Interrupted);
                        }
                    },
                    Err(e) => return Err(e.into()),
                };
                products.insert(name.clone(), added);
            }
            let mut written = 0usize;
            for (i, (row, uid, blob, (counter, drift, issuer), product)) in sealed.iter().enumerate() {
                if i % 1024 == 0 {
                    if (hooks.cancelled)() {
                        return Err(StationError::Interrupted);
                    }
                    (hooks.progress)(done + i as u64, total);
                }
                let p = &products[product];
                let serial = report.rows[*row].serial.clone().unwrap_or_default();
                let t = match c.token_add(&NewToken {
                    uid,
                    product_id: p.id,
                    serial: &serial,
                    status: TokenStatus::Unverified,
                    sealed_seed: blob,
                    counter: *counter,
                    drift_steps: *drift,
                    issuer: *issuer,
                    now,
                }) {
                    Ok(t) => t,
                    Err(StoreError::Duplicate(_)) if opts.on_duplicate == OnDuplicate::Skip => {
                        late_duplicates.push(*row);
                        continue;
                    }
                    Err(StoreError::Duplicate(_)) => {
                        raced = Some(Race::Serial(*row));
                        return Err(StationError::Interrupted);
                    }
                    Err(e) => return Err(e.into()),
                };
                c.audit(now, "token.import", &format!("token {serial}"), None::<&()>, Some(&t))?;
                written += 1;
            }
            if written == 0 && created.len() == reused.len() {
                return Ok(false);
            }
            c.audit(
                now,
                "seeds.import",
                &format!("file {source}"),
                None::<&()>,
                Some(&serde_json::json!({"imported": written, "duplicates": report.duplicates + late_duplicates.len(), "skipped": report.skipped, "new_products": created.iter().filter(|n| !reused.contains(n)).collect::<Vec<_>>()})),
            )?;
            Ok(true)
        });
        let written = match (outcome, raced) {
            (Ok(written), _) => written,
            (Err(_), Some(race)) => {
                race.refuse(&mut report);
                return Ok(report);
            }
            (Err(e), None) => return Err(e),
        };
        for row in late_duplicates {
            let r = &mut report.rows[row];
            r.outcome = Outcome::Duplicate;
            r.reason = Some(RowProblem::Duplicate {
                serial: r.serial.clone().unwrap_or_default(),
                product: r.product.clone().unwrap_or_default(),
                in_file: false,
            });
        }
        report.new_products.retain(|n| !reused.contains(n));
        report.recount();
        (hooks.progress)(total, total);
        report.written = written;
        Ok(report)
    }
}
