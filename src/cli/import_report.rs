//! The report of a seed import as a table (the rows worth a look) and a summary line,
//! or as JSON.

use super::Ctx;
use super::errors::words;
use super::output::{self, table};
use crate::station::import::{ImportReport, Outcome};

/// Prints the report of an import.
pub fn print(ctx: &Ctx, r: &ImportReport) -> anyhow::Result<()> {
    if ctx.json {
        output::json(r)?;
        return Ok(());
    }
    let interesting: Vec<Vec<String>> = r
        .rows
        .iter()
        .filter(|row| {
            row.outcome != Outcome::Imported || !row.warnings.is_empty() || r.rows.len() <= 20
        })
        .map(|row| {
            let reason = row.reason.as_ref().map(|p| {
                let mut s = p.to_string();
                if let Some(h) = p.hint() {
                    s.push_str(&words(&h));
                }
                s
            });
            vec![
                row.line
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "-".into()),
                row.serial.clone().unwrap_or_else(|| "-".into()),
                row.product.clone().unwrap_or_else(|| "-".into()),
                format!("{:?}", row.outcome).to_lowercase(),
                reason
                    .or_else(|| (!row.warnings.is_empty()).then(|| row.warnings.join("; ")))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    if !interesting.is_empty() {
        table(
            &["LINE", "SERIAL", "PRODUCT", "OUTCOME", "REASON"],
            &interesting,
        )?;
    }
    for note in &r.notes {
        errln!("note: {note}");
    }
    let verb = if r.written || r.imported == 0 {
        "imported"
    } else if r.dry_run {
        "dry run, would import"
    } else {
        "nothing written, would import"
    };
    outln!(
        "{}: {verb} {}, {}, {} skipped, {}{}",
        r.source,
        r.imported,
        output::count(r.duplicates as u64, "duplicate", "duplicates"),
        r.skipped,
        output::count(r.errors as u64, "error", "errors"),
        if r.new_products.is_empty() {
            String::new()
        } else {
            format!("; new products: {}", r.new_products.join(", "))
        }
    )?;
    if r.errors > 0 && r.written {
        errln!(
            "note: {}: {} {} with errors left out (see the report)",
            r.source,
            r.errors,
            if r.errors == 1 { "record" } else { "records" },
        );
    } else if r.errors > 0 {
        errln!(
            "error: {}: {} {} cannot be imported (see the report); nothing was written: fix {} or leave {} out (--skip-errors imports the rest)",
            r.source,
            r.errors,
            if r.errors == 1 { "record" } else { "records" },
            if r.errors == 1 { "it" } else { "them" },
            if r.errors == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}
