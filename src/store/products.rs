//! Products: token models with their OTP parameters.

use super::sql::{DbResult, OptionalExtension, Param, Row, ToParam, params};

use super::{Reader, StoreError, Thing, Writer};
use crate::model::Product;
use crate::otp::{Digits, OtpParams};

const COLUMNS: &str = "id, name, vendor, model, family, kind, algorithm, digits, period, t0,
                       programmable, drift_per_year, skew";

/// The values of a product row, shared by INSERT and UPDATE: `?1` name, `?2` vendor,
/// `?3` model, `?4` family, `?5` kind, `?6` algorithm, `?7` digits, `?8` period, `?9`
/// t0, `?10` programmable, `?11` drift per year, `?12` skew, `?13` now.
fn fields(p: &Product, now: i64) -> Vec<Param<'_>> {
    vec![
        p.name.param(),
        p.vendor.param(),
        p.model.param(),
        Param::Text(p.family.as_str()),
        Param::Text(p.params.kind.as_str()),
        Param::Text(p.params.algorithm.as_str()),
        Param::Int(p.params.digits.get().into()),
        Param::Int(p.params.period.into()),
        Param::Int(p.params.t0),
        Param::Int(p.programmable.into()),
        p.drift_per_year.map_or(Param::Null, Param::Real),
        Param::Int(p.skew.into()),
        Param::Int(now),
    ]
}

fn row(r: &Row<'_>) -> DbResult<Product> {
    let text = |i: usize| -> DbResult<String> { r.get(i) };
    let bad = |i: usize, e: crate::otp::OtpError| super::sql::DbError::convert(i, e);
    let digits: u8 = r.get(7)?;
    Ok(Product {
        id: r.get(0)?,
        name: r.get(1)?,
        vendor: r.get(2)?,
        model: r.get(3)?,
        family: text(4)?
            .parse()
            .map_err(|e: crate::model::UnknownFamily| super::sql::DbError::convert(4, e))?,
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
        self.conn
            .query_map(
                &format!("SELECT {COLUMNS} FROM products ORDER BY name"),
                params![],
                row,
            )
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
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                fields(p, now),
            )
            .map_err(|e| self.unique(e, || Thing::Product(p.name.clone())))?;
        self.product_get(&p.name)
    }

    /// Rewrites a product's fields (by id).
    pub fn product_update(&self, p: &Product, now: i64) -> Result<(), StoreError> {
        let mut values = fields(p, now);
        values.push(Param::Int(p.id));
        self.conn
            .execute(
                "UPDATE products SET name = ?1, vendor = ?2, model = ?3, family = ?4, kind = ?5,
                        algorithm = ?6, digits = ?7, period = ?8, t0 = ?9, programmable = ?10,
                        drift_per_year = ?11, skew = ?12, updated_at = ?13
                 WHERE id = ?14",
                values,
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
