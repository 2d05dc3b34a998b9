//! Products with their token counts, holders with their tokens and credentials,
//! locations with their policy, kiosk settings, readers and presence tokens.

use serde::Serialize;

use super::presence::{Credential, KioskSettings};
use crate::model::{Holder, Location, Product};
use crate::station::{Result, Station};
use crate::store::tokens::TokenFilter;

/// A product and how many tokens it has.
#[derive(Debug, Clone, Serialize)]
pub struct ProductRow {
    /// The product.
    #[serde(flatten)]
    pub product: Product,
    /// Its tokens.
    pub tokens: i64,
}

/// A location and how many tokens are assigned to it.
#[derive(Debug, Clone, Serialize)]
pub struct LocationRow {
    /// The location.
    #[serde(flatten)]
    pub location: Location,
    /// Tokens assigned to it.
    pub tokens: i64,
}

/// One holder with what identifies them.
#[derive(Debug, Clone, Serialize)]
pub struct HolderDetail {
    /// External id.
    pub id: String,
    /// Label.
    pub label: Option<String>,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Serials of their tokens.
    pub tokens: Vec<String>,
    /// Their enrolled credentials (cards, tags, tokens).
    pub credentials: Vec<Credential>,
}

/// One location with its policy and kiosk set-up.
#[derive(Debug, Clone, Serialize)]
pub struct LocationDetail {
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub tz: String,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Serials of the tokens that verify here.
    pub tokens: Vec<String>,
    /// Products allowed here (empty: every product).
    pub products: Vec<String>,
    /// Kiosk mode, intervals and closing time.
    pub settings: KioskSettings,
    /// Configured readers.
    pub readers: Vec<String>,
    /// Serials of the presence tokens fixed here.
    pub presence_tokens: Vec<String>,
}

impl Station {
    /// Every product with its token count, by name.
    pub fn product_rows(&self) -> Result<Vec<ProductRow>> {
        let c = self.read();
        c.product_list()?
            .into_iter()
            .map(|p| {
                let tokens = c.product_token_count(p.id)?;
                Ok(ProductRow { product: p, tokens })
            })
            .collect()
    }

    /// One product with its token count.
    pub fn product_row(&self, name: &str) -> Result<ProductRow> {
        let c = self.read();
        let product = c.product_get(name)?;
        let tokens = c.product_token_count(product.id)?;
        Ok(ProductRow { product, tokens })
    }

    /// Every holder, by id.
    pub fn holders(&self) -> Result<Vec<Holder>> {
        Ok(self.read().holder_list()?)
    }

    /// One holder with their tokens and credentials.
    pub fn holder_detail(&self, id: &str) -> Result<HolderDetail> {
        let c = self.read();
        let h = c.holder_get(id)?;
        let tokens = c
            .token_list(&TokenFilter {
                holder: Some(h.ext_id.clone()),
                ..Default::default()
            })?
            .into_iter()
            .map(|t| t.serial)
            .collect();
        Ok(HolderDetail {
            credentials: c.credentials_of_holder(h.id)?,
            id: h.ext_id,
            label: h.label,
            created_at: h.created_at,
            tokens,
        })
    }

    /// Every location with its token count, by name.
    pub fn location_rows(&self) -> Result<Vec<LocationRow>> {
        let c = self.read();
        c.location_list()?
            .into_iter()
            .map(|l| {
                let tokens = c.location_token_count(l.id)?;
                Ok(LocationRow {
                    location: l,
                    tokens,
                })
            })
            .collect()
    }

    /// One location with its policy, kiosk settings, readers and presence tokens.
    pub fn location_detail(&self, name: &str) -> Result<LocationDetail> {
        let c = self.read();
        let l = c.location_get(name)?;
        let tokens = c
            .token_list(&TokenFilter {
                location: Some(l.name.clone()),
                ..Default::default()
            })?
            .into_iter()
            .map(|t| t.serial)
            .collect();
        let presence_tokens = c
            .presence_tokens_at(l.id)?
            .into_iter()
            .map(|id| c.token_by_id(id).map(|t| t.serial))
            .collect::<Result<_, _>>()?;
        Ok(LocationDetail {
            products: c.location_product_names(l.id)?,
            settings: KioskSettings::try_from(&c.presence_settings(l.id)?)?,
            readers: c.location_readers(l.id)?,
            presence_tokens,
            name: l.name,
            tz: l.tz,
            created_at: l.created_at,
            tokens,
        })
    }
}
