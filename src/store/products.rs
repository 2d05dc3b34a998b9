//! Products: token models with their OTP parameters.

use rusqlite::OptionalExtension;
use rusqlite::types::Value;

use super::{Reader, StoreError, Thing, Writer};
use crate::model::Product;
use crate::otp::{Digits, OtpParams};

const COLUMNS: &str = "id, name, vendor, model, family, kind, algorithm, digits, period, t0,
                       programmable, drift_per_year, skew";

/// The named parameters of a product row, shared by INSERT and UPDATE.
fn fields(p: &Product, now: i64) -> Vec<(&'static str, Value)> {
    vec![
        (":name", p.name.clone().into()),
        (":vendor", p.vendor.clone().into()),
        (":model", p.model.clone().into()),
        (":family", p.family.as_str().to_string().into()),
        (":kind", p.params.kind.as_str().to_string().into()),
        (":algorithm", p.params.algorithm.as_str().to_string().into()),
        (":digits", p.params.digits.get().into()),
        (":period", p.params.period.into()),
        (":t0", p.params.t0.into()),
        (":programmable", p.programmable.into()),
        (":drift_per_year", p.drift_per_year.into()),
        (":skew", p.skew.into()),
        (":now", now.into()),
    ]
}

/// Borrows named values as rusqlite parameters.
fn named<'a>(v: &'a [(&'static str, Value)]) -> Vec<(&'static str, &'a dyn rusqlite::ToSql)> {
    v.iter()
        .map(|(k, v)| (*k, v as &dyn rusqlite::ToSql))
        .collect()
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Product> {
    let text = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let bad = |i: usize, e: crate::otp::OtpError| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let digits: u8 = r.get(7)?;
    Ok(Product {
        id: r.get(0)?,
        name: r.get(1)?,
        vendor: r.get(2)?,
        model: r.get(3)?,
        family: text(4)?.parse().map_err(|e: crate::model::UnknownFamily| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?,
        params: OtpParams {
            kind: text(5)?.parse().map_err(|e| bad(5, e))?,
            algorithm: text(6)?.parse().map_err(|e| bad(6, e))?,
            digits: Digits::new(digits).map_err(|e| bad(7, e))?,
            period: r.get(8)?,
            t0: r.get(9)?,
        },
        programmable: r.get(10)?,
        drift_per_year: r.get(11)?,
        skew: r.get(12)?,
    })
}

impl Reader<'_> {
    /// Finds a product by name.
    pub fn product_find(&self, name: &str) -> Result<Option<Product>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM products WHERE name = ?1"),
                [name],
                row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Gets a product by name or fails naming it.
    pub fn product_get(&self, name: &str) -> Result<Product, StoreError> {
        self.product_find(name)?
            .ok_or_else(|| StoreError::NotFound(Thing::Product(name.to_string())))
    }

    /// Gets a product by id.
    pub fn product_by_id(&self, id: i64) -> Result<Product, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM products WHERE id = ?1"),
                [id],
                row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NotFound(Thing::ProductId(id)))
    }

    /// All products by name.
    pub fn product_list(&self) -> Result<Vec<Product>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM products ORDER BY name"))
            .map_err(|e| self.err(e))?;
        stmt.query_map([], row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Number of tokens of a product.
    pub fn product_token_count(&self, id: i64) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM tokens WHERE product_id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Adds a product; `p.id` is ignored.
    pub fn product_add(&self, p: &Product, now: i64) -> Result<Product, StoreError> {
        self.conn
            .execute(
                "INSERT INTO products (name, vendor, model, family, kind, algorithm, digits, period,
                                       t0, programmable, drift_per_year, skew, created_at, updated_at)
                 VALUES (:name, :vendor, :model, :family, :kind, :algorithm, :digits, :period,
                         :t0, :programmable, :drift_per_year, :skew, :now, :now)",
                named(&fields(p, now)).as_slice(),
            )
            .map_err(|e| self.unique(e, || Thing::Product(p.name.clone())))?;
        self.product_get(&p.name)
    }

    /// Rewrites a product's fields (by id).
    pub fn product_update(&self, p: &Product, now: i64) -> Result<(), StoreError> {
        let mut params = fields(p, now);
        params.push((":id", p.id.into()));
        self.conn
            .execute(
                "UPDATE products SET name = :name, vendor = :vendor, model = :model,
                        family = :family, kind = :kind, algorithm = :algorithm, digits = :digits,
                        period = :period, t0 = :t0, programmable = :programmable,
                        drift_per_year = :drift_per_year, skew = :skew, updated_at = :now
                 WHERE id = :id",
                named(&params).as_slice(),
            )
            .map_err(|e| self.unique(e, || Thing::Product(p.name.clone())))?;
        Ok(())
    }

    /// Deletes a product that has no tokens.
    pub fn product_delete(&self, p: &Product) -> Result<(), StoreError> {
        let n = self.product_token_count(p.id)?;
        if n > 0 {
            return Err(StoreError::InUse {
                what: Thing::Product(p.name.clone()),
                tokens: n,
            });
        }
        self.conn
            .execute("DELETE FROM products WHERE id = ?1", [p.id])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
