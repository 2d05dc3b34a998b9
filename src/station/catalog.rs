//! Products, holders and locations: the catalogue tokens hang from. Every change is
//! one transaction with its audit line. A new product gets its defaults here, in one
//! place for every face and for imports: TOTP, SHA-1, 6 digits, 30 s, bound to no
//! hardware, and a window of 1 step (TOTP) or a look-ahead of 10 counters (HOTP, RFC
//! 4226 §7.4, privacyIDEA's count window).

use super::names::{checked, checked_opt};
use super::{Result, Station, StationError};
use crate::model::{Family, Holder, Location, NameKind, Product, validate_name};
use crate::otp::{Algorithm, Digits, Kind, OtpParams, bounds};

/// The default window of a product of `kind`: ±1 TOTP step, or 10 HOTP counters ahead.
pub fn default_skew(kind: Kind) -> u32 {
    match kind {
        Kind::Totp => 1,
        Kind::Hotp => 10,
    }
}

/// A product's fields to set; `None` keeps the default (new product) or the stored
/// value (edit).
#[derive(Debug, Clone, Default)]
pub struct ProductChange {
    /// New name (edit only).
    pub rename: Option<String>,
    /// totp or hotp.
    pub kind: Option<Kind>,
    /// The hash.
    pub algorithm: Option<Algorithm>,
    /// Code length.
    pub digits: Option<Digits>,
    /// TOTP step, seconds.
    pub period: Option<u32>,
    /// TOTP T0, Unix seconds.
    pub t0: Option<i64>,
    /// Hardware family.
    pub family: Option<Family>,
    /// Maker.
    pub vendor: Option<String>,
    /// Model designation.
    pub model: Option<String>,
    /// Seeds can be burned into it.
    pub programmable: Option<bool>,
    /// Vendor's expected drift, seconds per year.
    pub drift_per_year: Option<f64>,
    /// Window (TOTP steps each side) or look-ahead (HOTP counters).
    pub skew: Option<u32>,
}

impl ProductChange {
    /// Applies the fields that are set.
    pub fn apply(&self, p: &mut Product) {
        if let Some(v) = &self.rename {
            p.name = v.clone();
        }
        if let Some(k) = self.kind {
            p.params.kind = k;
        }
        if let Some(v) = self.algorithm {
            p.params.algorithm = v;
        }
        if let Some(v) = self.digits {
            p.params.digits = v;
        }
        if let Some(v) = self.period {
            p.params.period = v;
        }
        if let Some(v) = self.t0 {
            p.params.t0 = v;
        }
        if let Some(v) = self.family {
            p.family = v;
        }
        if self.vendor.is_some() {
            p.vendor = self.vendor.clone();
        }
        if self.model.is_some() {
            p.model = self.model.clone();
        }
        if let Some(v) = self.programmable {
            p.programmable = v;
        }
        if self.drift_per_year.is_some() {
            p.drift_per_year = self.drift_per_year;
        }
        if let Some(v) = self.skew {
            p.skew = v;
        }
    }

    /// A new product named `name`: the defaults, then these fields. Without an
    /// explicit window an HOTP product looks 10 counters ahead.
    pub fn new_product(&self, name: &str) -> Product {
        let mut p = new_product(name, OtpParams::default());
        self.apply(&mut p);
        if self.skew.is_none() {
            p.skew = default_skew(p.params.kind);
        }
        p
    }
}

/// A product with the station's defaults for these parameters.
pub fn new_product(name: &str, params: OtpParams) -> Product {
    Product {
        id: 0,
        name: name.to_string(),
        vendor: None,
        model: None,
        family: Family::Generic,
        params,
        programmable: false,
        drift_per_year: None,
        skew: default_skew(params.kind),
    }
}

/// Checks an IANA time zone name.
pub fn check_tz(tz: &str) -> Result<()> {
    tz.parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| StationError::UnknownTimeZone(tz.to_string()))
}

/// Checks a product before it is stored: its names by the name rule, its family and
/// its OTP parameters by the `otp` bounds.
fn check_product(p: &Product) -> Result<()> {
    validate_name(NameKind::Product, &p.name).map_err(StationError::Name)?;
    for (kind, v) in [
        (NameKind::Manufacturer, &p.vendor),
        (NameKind::Model, &p.model),
    ] {
        if let Some(v) = v {
            validate_name(kind, v).map_err(StationError::Name)?;
        }
    }
    if !p.family.is_product_family() {
        return Err(StationError::UnknownFamily(p.family.to_string()));
    }
    p.params.validate()?;
    bounds::check_skew(p.skew)?;
    if let Some(d) = p.drift_per_year {
        bounds::check_drift_per_year(d)?;
    }
    Ok(())
}

/// Parses a product family name (`ykoath`, `generic`…).
pub fn parse_family(name: &str) -> Result<Family> {
    name.parse::<Family>()
        .ok()
        .filter(|f| f.is_product_family())
        .ok_or_else(|| StationError::UnknownFamily(name.to_string()))
}

impl Station {
    /// Adds a product.
    pub fn product_add(&mut self, p: &Product, now: i64) -> Result<Product> {
        check_product(p)?;
        self.write(|tx| {
            let added = tx.product_add(p, now)?;
            tx.audit(
                now,
                "product.add",
                &format!("product {}", p.name),
                None::<&()>,
                Some(&added),
            )?;
            Ok(added)
        })
    }

    /// Changes a product.
    pub fn product_edit(
        &mut self,
        name: &str,
        change: &ProductChange,
        now: i64,
    ) -> Result<Product> {
        self.write(|tx| {
            let before = tx.product_get(name)?;
            let mut after = before.clone();
            change.apply(&mut after);
            check_product(&after)?;
            if after.params != before.params && tx.product_token_count(before.id)? > 0 {
                return Err(StationError::ParamsLocked(name.to_string()));
            }
            tx.product_update(&after, now)?;
            tx.audit(
                now,
                "product.edit",
                &format!("product {name}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Removes a product without tokens.
    pub fn product_remove(&mut self, name: &str, now: i64) -> Result<()> {
        self.write(|tx| {
            let p = tx.product_get(name)?;
            tx.product_delete(&p)?;
            tx.audit(
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
        let ext_id = checked(NameKind::HolderId, ext_id)?;
        let label = checked_opt(NameKind::HolderLabel, label)?;
        self.write(|tx| {
            let h = tx.holder_add(&ext_id, label.as_deref(), now)?;
            tx.audit(
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
        let name = checked(NameKind::Location, name)?;
        check_tz(tz)?;
        self.write(|tx| {
            let l = tx.location_add(&name, tz, now)?;
            tx.audit(
                now,
                "location.add",
                &format!("location {name}"),
                None::<&()>,
                Some(&l),
            )?;
            Ok(l)
        })
    }

    /// Restricts a location to some products (empty: every product again). Audited.
    pub fn location_restrict(
        &mut self,
        name: &str,
        products: &[String],
        now: i64,
    ) -> Result<Vec<String>> {
        self.write(|tx| {
            let l = tx.location_get(name)?;
            let before = tx.location_product_names(l.id)?;
            let ids = products
                .iter()
                .map(|p| tx.product_get(p).map(|p| p.id))
                .collect::<Result<Vec<_>, _>>()?;
            tx.location_set_products(l.id, &ids)?;
            let after = tx.location_product_names(l.id)?;
            tx.audit(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_in_one_place() {
        let p = ProductChange::default().new_product("T");
        assert_eq!(
            (p.params, p.skew, p.family),
            (OtpParams::default(), 1, Family::Generic)
        );
        let h = ProductChange {
            kind: Some(Kind::Hotp),
            ..ProductChange::default()
        }
        .new_product("H");
        assert_eq!(h.skew, 10);
        let explicit = ProductChange {
            kind: Some(Kind::Hotp),
            skew: Some(3),
            ..ProductChange::default()
        }
        .new_product("H");
        assert_eq!(explicit.skew, 3);
        assert!(parse_family("pcsc-uid").is_err());
        assert_eq!(parse_family("ykoath").unwrap(), Family::Ykoath);
    }
}
