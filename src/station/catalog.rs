//! Products, holders and locations: the catalogue tokens hang from. Every change is
//! one transaction with its audit line.

use super::{Result, Station, StationError};
use crate::model::{Holder, Location, Product};

/// Checks an IANA time zone name.
pub fn check_tz(tz: &str) -> Result<()> {
    tz.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| {
        StationError::Input(format!(
            "unknown time zone '{tz}': use an IANA name such as Europe/Paris or UTC"
        ))
    })
}

/// Checks a product before it is stored.
fn check_product(p: &Product) -> Result<()> {
    if p.name.trim().is_empty() {
        return Err(StationError::Input("product name is empty".into()));
    }
    const FAMILIES: &[&str] = &[
        "generic",
        "software",
        "token2-nfc",
        "molto2",
        "ykoath",
        "nitrokey3",
        "nitrokey",
    ];
    if !FAMILIES.contains(&p.family.as_str()) {
        return Err(StationError::Input(format!(
            "unknown family '{}': use one of {}",
            p.family,
            FAMILIES.join(", ")
        )));
    }
    if p.params.period == 0 {
        return Err(StationError::Input(
            "period must be at least 1 second".into(),
        ));
    }
    Ok(())
}

impl Station {
    /// Adds a product.
    pub fn product_add(&mut self, p: &Product, now: i64) -> Result<Product> {
        check_product(p)?;
        self.write(|c, audit| {
            let added = c.product_add(p, now)?;
            audit.log(
                c,
                now,
                "product.add",
                &format!("product {}", p.name),
                None::<&()>,
                Some(&added),
            )?;
            Ok(added)
        })
    }

    /// Changes a product: `edit` receives the stored product and changes it.
    pub fn product_edit(
        &mut self,
        name: &str,
        now: i64,
        edit: impl FnOnce(&mut Product),
    ) -> Result<Product> {
        self.write(|c, audit| {
            let before = c.product_get(name)?;
            let mut after = before.clone();
            edit(&mut after);
            check_product(&after)?;
            if after.params != before.params && c.product_token_count(before.id)? > 0 {
                return Err(StationError::Input(format!(
                    "product '{name}' has tokens: its OTP parameters (kind, algorithm, digits, period, t0) cannot change; make a new product"
                )));
            }
            c.product_update(&after, now)?;
            audit.log(c, now, "product.edit", &format!("product {name}"), Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Removes a product without tokens.
    pub fn product_remove(&mut self, name: &str, now: i64) -> Result<()> {
        self.write(|c, audit| {
            let p = c.product_get(name)?;
            c.product_delete(&p)?;
            audit.log(
                c,
                now,
                "product.rm",
                &format!("product {name}"),
                Some(&p),
                None::<&()>,
            )
        })
    }

    /// Adds a holder.
    pub fn holder_add(&mut self, ext_id: &str, label: Option<&str>, now: i64) -> Result<Holder> {
        if ext_id.trim().is_empty() {
            return Err(StationError::Input("holder id is empty".into()));
        }
        self.write(|c, audit| {
            let h = c.holder_add(ext_id, label, now)?;
            audit.log(
                c,
                now,
                "holder.add",
                &format!("holder {ext_id}"),
                None::<&()>,
                Some(&h),
            )?;
            Ok(h)
        })
    }

    /// Adds a location.
    pub fn location_add(&mut self, name: &str, tz: &str, now: i64) -> Result<Location> {
        if name.trim().is_empty() {
            return Err(StationError::Input("location name is empty".into()));
        }
        check_tz(tz)?;
        self.write(|c, audit| {
            let l = c.location_add(name, tz, now)?;
            audit.log(
                c,
                now,
                "location.add",
                &format!("location {name}"),
                None::<&()>,
                Some(&l),
            )?;
            Ok(l)
        })
    }
}

impl Station {
    /// Restricts a location to some products (empty: every product again). Audited.
    pub fn location_restrict(
        &mut self,
        name: &str,
        products: &[String],
        now: i64,
    ) -> Result<Vec<String>> {
        self.write(|c, audit| {
            let l = c.location_get(name)?;
            let before = c.location_product_names(l.id)?;
            let ids = products
                .iter()
                .map(|p| c.product_get(p).map(|p| p.id))
                .collect::<Result<Vec<_>, _>>()?;
            c.location_set_products(l.id, &ids)?;
            let after = c.location_product_names(l.id)?;
            audit.log(
                c,
                now,
                "location.restrict",
                &format!("location {name}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
