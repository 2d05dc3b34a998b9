//! What a burn job decides before it touches a token: the family to open it as (the
//! product's), whether a batch's next numbered serial is taken, and the audit line of
//! a burn that failed before [`Station::burn`] could start.

use super::{BurnOrder, now};
use crate::devices::session::{self, ReaderSpec};
use crate::model::Family;
use crate::station::provision::BurnFailure;
use crate::station::{Result, Station, StationError};

impl Station {
    /// The family a burn opens the token as when none was named: the product's (the
    /// product of `--from-store`'s token), when it is bound to one that fits the
    /// reader; else `None` (detected from the card).
    pub(super) fn burn_family(
        &self,
        reader: &ReaderSpec,
        product: Option<&str>,
        from_store: Option<&str>,
    ) -> Result<Option<Family>> {
        let family = match (product, from_store) {
            (Some(p), _) => self.read().product_get(p)?.family,
            (None, Some(serial)) => {
                let t = crate::station::tokens::find_token(&self.read(), serial, None)?;
                self.read().product_by_id(t.product_id)?.family
            }
            (None, None) => return Ok(None),
        };
        Ok((!family.is_unbound() && session::family_fits(reader, family)).then_some(family))
    }

    /// Whether a batch's numbered `serial` is already a token of `product` that a burn
    /// would refuse (an unverified row of an earlier failed burn is burned again).
    pub(super) fn serial_taken(&self, product: &str, serial: &str) -> bool {
        crate::station::tokens::find_token(&self.read(), serial, Some(product))
            .is_ok_and(|t| t.status != crate::model::TokenStatus::Unverified)
    }

    /// Audits a burn that failed before [`Station::burn`] could start (opening the
    /// token, its secrets) and hands the error back.
    pub(super) fn burn_open_failed(&mut self, order: &BurnOrder, e: StationError) -> StationError {
        if !matches!(e, StationError::Interrupted) {
            let subject = match &order.serial {
                Some(s) => format!("token {s}"),
                None => format!("reader {}", order.reader.name()),
            };
            let f = BurnFailure {
                subject: &subject,
                step: "open",
                reader: order.reader.name(),
                product: order.product.as_deref(),
            };
            self.audit_burn_failure(&f, &e, now());
        }
        e
    }
}
