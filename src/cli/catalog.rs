//! `init`, `product`, `location` and `holder` commands.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{self, opt, table};
use super::time::{now, rfc3339};
use super::{Ctx, read_passphrase};
use crate::model::Product;
use crate::otp::{Algorithm, Digits, Kind, OtpParams};
use crate::station::{KeySource, Station};

/// `init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Derive the master key from a passphrase (Argon2id) instead of a key file. The
    /// passphrase is read from TOKENSTATION_PASSPHRASE or asked twice.
    #[arg(long)]
    pub passphrase: bool,
}

/// Creates the store and its key.
pub fn init(ctx: &Ctx, a: InitArgs) -> anyhow::Result<ExitCode> {
    let source = if a.passphrase {
        KeySource::Passphrase(read_passphrase(true)?)
    } else {
        KeySource::File(ctx.key_file.clone())
    };
    let st = Station::init(&ctx.db, &source, now())?;
    #[derive(Serialize)]
    struct Out {
        db: String,
        key: &'static str,
        key_file: Option<String>,
    }
    let out = Out {
        db: st.path().display().to_string(),
        key: if a.passphrase {
            "passphrase"
        } else {
            "keyfile"
        },
        key_file: (!a.passphrase).then(|| ctx.key_file.display().to_string()),
    };
    if ctx.json {
        return output::json(&out);
    }
    println!("created store {}", out.db);
    match &out.key_file {
        Some(k) => println!(
            "created key file {k} (mode 0600): back it up apart from the store; without it no seed can be read"
        ),
        None => println!("seeds are sealed under your passphrase: without it no seed can be read"),
    }
    Ok(ExitCode::SUCCESS)
}

/// OTP parameters on the command line.
#[derive(Debug, Args)]
pub struct ParamArgs {
    /// totp or hotp.
    #[arg(long)]
    pub kind: Option<Kind>,
    /// sha1, sha256 or sha512.
    #[arg(long)]
    pub algorithm: Option<Algorithm>,
    /// Code length, 6 to 10.
    #[arg(long, value_parser = parse_digits)]
    pub digits: Option<Digits>,
    /// TOTP time step in seconds.
    #[arg(long)]
    pub period: Option<u32>,
    /// TOTP T0 in Unix seconds.
    #[arg(long)]
    pub t0: Option<i64>,
    /// Hardware family: token2-nfc, molto2, ykoath, nitrokey3, nitrokey, software, generic.
    #[arg(long)]
    pub family: Option<String>,
    /// Maker.
    #[arg(long)]
    pub vendor: Option<String>,
    /// Model designation.
    #[arg(long)]
    pub model: Option<String>,
    /// Seeds can be burned into it (yes/no).
    #[arg(long)]
    pub programmable: Option<bool>,
    /// Vendor's expected clock drift, seconds per year.
    #[arg(long)]
    pub drift_per_year: Option<f64>,
    /// Window: TOTP steps each side of the learned drift, or HOTP look-ahead
    /// [default: 1 for TOTP, 10 for HOTP].
    #[arg(long)]
    pub skew: Option<u32>,
}

fn parse_digits(s: &str) -> Result<Digits, String> {
    let n: u8 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    Digits::new(n).map_err(|e| e.to_string())
}

impl ParamArgs {
    fn apply(self, p: &mut Product) {
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
            p.vendor = self.vendor;
        }
        if self.model.is_some() {
            p.model = self.model;
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
}

/// `product` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Add a product (defaults: totp, sha1, 6 digits, 30 s).
    Add {
        /// Unique name, e.g. "Token2 C302-i".
        name: String,
        /// Parameters.
        #[command(flatten)]
        params: ParamArgs,
    },
    /// List products.
    List,
    /// Show one product.
    Show {
        /// Product name.
        name: String,
    },
    /// Change a product (OTP parameters only while it has no tokens).
    Edit {
        /// Product name.
        name: String,
        /// New name.
        #[arg(long)]
        rename: Option<String>,
        /// Parameters to change.
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Remove a product that has no tokens.
    Rm {
        /// Product name.
        name: String,
    },
}

#[derive(Serialize)]
struct ProductOut<'a> {
    #[serde(flatten)]
    product: &'a Product,
    tokens: i64,
}

fn product_row(p: &Product, n: i64) -> Vec<String> {
    vec![
        p.name.clone(),
        p.params.kind.to_string(),
        p.params.algorithm.to_string(),
        p.params.digits.to_string(),
        if p.params.kind == Kind::Totp {
            format!("{}s", p.params.period)
        } else {
            "-".into()
        },
        p.family.clone(),
        p.skew.to_string(),
        n.to_string(),
    ]
}

const PRODUCT_HEADER: &[&str] = &[
    "NAME", "KIND", "ALG", "DIGITS", "PERIOD", "FAMILY", "SKEW", "TOKENS",
];

/// Runs a `product` subcommand.
pub fn product(ctx: &Ctx, cmd: ProductCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ProductCommand::Add { name, params } => {
            let mut st = ctx.open()?;
            let mut p = Product {
                id: 0,
                name,
                vendor: None,
                model: None,
                family: "generic".into(),
                params: OtpParams::default(),
                programmable: false,
                drift_per_year: None,
                skew: 1,
            };
            let explicit_skew = params.skew.is_some();
            params.apply(&mut p);
            if !explicit_skew && p.params.kind == Kind::Hotp {
                p.skew = 10; // RFC 4226 §7.4 look-ahead, privacyIDEA's count window
            }
            let added = st.product_add(&p, now())?;
            show_product(ctx, &st, &added)
        }
        ProductCommand::List => {
            let st = ctx.open()?;
            let c = st.read();
            let list = c.product_list()?;
            let counts = list
                .iter()
                .map(|p| c.product_token_count(p.id))
                .collect::<Result<Vec<_>, _>>()?;
            if ctx.json {
                let out: Vec<ProductOut<'_>> = list
                    .iter()
                    .zip(&counts)
                    .map(|(product, &tokens)| ProductOut { product, tokens })
                    .collect();
                return output::json(&out);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .zip(&counts)
                .map(|(p, &n)| product_row(p, n))
                .collect();
            table(PRODUCT_HEADER, &rows);
            Ok(ExitCode::SUCCESS)
        }
        ProductCommand::Show { name } => {
            let st = ctx.open()?;
            let p = st.read().product_get(&name)?;
            show_product(ctx, &st, &p)
        }
        ProductCommand::Edit {
            name,
            rename,
            params,
        } => {
            let mut st = ctx.open()?;
            let p = st.product_edit(&name, now(), |p| {
                if let Some(r) = rename {
                    p.name = r;
                }
                params.apply(p);
            })?;
            show_product(ctx, &st, &p)
        }
        ProductCommand::Rm { name } => {
            let mut st = ctx.open()?;
            st.product_remove(&name, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"removed": name}));
            }
            println!("removed product {name}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show_product(ctx: &Ctx, st: &Station, p: &Product) -> anyhow::Result<ExitCode> {
    let tokens = st.read().product_token_count(p.id)?;
    if ctx.json {
        return output::json(&ProductOut { product: p, tokens });
    }
    println!("product       {}", p.name);
    println!("vendor/model  {} / {}", opt(&p.vendor), opt(&p.model));
    println!(
        "family        {}{}",
        p.family,
        if p.programmable {
            " (programmable)"
        } else {
            ""
        }
    );
    println!(
        "codes         {} {} {} digits{}",
        p.params.kind,
        p.params.algorithm,
        p.params.digits,
        if p.params.kind == Kind::Totp {
            format!(", {} s steps from T0={}", p.params.period, p.params.t0)
        } else {
            String::new()
        }
    );
    println!(
        "window        {}",
        if p.params.kind == Kind::Totp {
            format!("±{} steps around the learned drift", p.skew)
        } else {
            format!("{} counters ahead", p.skew)
        }
    );
    println!(
        "drift/year    {}",
        p.drift_per_year
            .map(|d| format!("{d} s"))
            .unwrap_or_else(|| "-".into())
    );
    println!("tokens        {tokens}");
    Ok(ExitCode::SUCCESS)
}

/// `location` subcommands.
#[derive(Debug, Subcommand)]
pub enum LocationCommand {
    /// Add a location.
    Add {
        /// Unique name.
        name: String,
        /// IANA time zone, e.g. Europe/Paris.
        #[arg(long, default_value = "UTC")]
        tz: String,
    },
    /// List locations.
    List,
    /// Show one location.
    Show {
        /// Location name.
        name: String,
    },
    /// Let only some products verify at a location (`--clear` for all again).
    #[command(group(clap::ArgGroup::new("which").required(true).args(["product", "clear"])))]
    Restrict {
        /// Location name.
        name: String,
        /// An allowed product (repeat for more).
        #[arg(long)]
        product: Vec<String>,
        /// Allow every product again.
        #[arg(long)]
        clear: bool,
    },
    /// Clear a location's failure count and cooldown after LIMIT_REACHED.
    Unlock {
        /// Location name.
        name: String,
    },
    /// Presence: readers, mode, hours, presence tokens.
    #[command(flatten)]
    Presence(super::presence_admin::LocationPresenceCommand),
}

/// Runs a `location` subcommand.
pub fn location(ctx: &Ctx, cmd: LocationCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LocationCommand::Presence(c) => super::presence_admin::location(ctx, c),
        LocationCommand::Add { name, tz } => {
            let mut st = ctx.open()?;
            let l = st.location_add(&name, &tz, now())?;
            if ctx.json {
                return output::json(&l);
            }
            println!("added location {} ({})", l.name, l.tz);
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::List => {
            let st = ctx.open()?;
            let c = st.read();
            let list = c.location_list()?;
            if ctx.json {
                return output::json(&list);
            }
            let rows = list
                .iter()
                .map(|l| {
                    Ok(vec![
                        l.name.clone(),
                        l.tz.clone(),
                        c.location_token_count(l.id)?.to_string(),
                    ])
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            table(&["NAME", "TZ", "TOKENS"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::Show { name } => {
            let st = ctx.open()?;
            let c = st.read();
            let l = c.location_get(&name)?;
            let tokens = c.token_list(&crate::store::tokens::TokenFilter {
                location: Some(name.clone()),
                ..Default::default()
            })?;
            let products = c.location_product_names(l.id)?;
            if ctx.json {
                let serials: Vec<&str> = tokens.iter().map(|t| t.serial.as_str()).collect();
                return output::json(
                    &serde_json::json!({"name": l.name, "tz": l.tz, "created_at": l.created_at, "tokens": serials, "products": products}),
                );
            }
            println!("location  {}", l.name);
            println!("tz        {}", l.tz);
            println!(
                "products  {}",
                if products.is_empty() {
                    "all".to_string()
                } else {
                    products.join(", ")
                }
            );
            println!("created   {}", rfc3339(l.created_at));
            println!(
                "tokens    {}",
                tokens
                    .iter()
                    .map(|t| t.serial.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::Restrict {
            name,
            product,
            clear,
        } => {
            let mut st = ctx.open()?;
            let products = if clear { Vec::new() } else { product };
            let now_allowed = st.location_restrict(&name, &products, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "products": now_allowed}));
            }
            if now_allowed.is_empty() {
                println!("location {name}: every product verifies here");
            } else {
                println!(
                    "location {name}: only {} verify here",
                    now_allowed.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::Unlock { name } => {
            let mut st = ctx.open()?;
            let cleared = st.location_unlock(&name, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "cleared": cleared}));
            }
            let what = if cleared {
                "failure count and cooldown cleared"
            } else {
                "was not limited"
            };
            println!("location {name}: {what}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `holder` subcommands.
#[derive(Debug, Subcommand)]
pub enum HolderCommand {
    /// Add a holder.
    Add {
        /// Opaque external id (badge number, employee id…).
        id: String,
        /// Display label.
        #[arg(long)]
        label: Option<String>,
    },
    /// List holders.
    List,
    /// Show one holder and their tokens.
    Show {
        /// Holder id.
        id: String,
    },
    /// Kiosk credentials.
    #[command(flatten)]
    Presence(super::presence_admin::HolderPresenceCommand),
}

/// Runs a `holder` subcommand.
pub fn holder(ctx: &Ctx, cmd: HolderCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        HolderCommand::Presence(c) => super::presence_admin::holder(ctx, c),
        HolderCommand::Add { id, label } => {
            let mut st = ctx.open()?;
            let h = st.holder_add(&id, label.as_deref(), now())?;
            if ctx.json {
                return output::json(&h);
            }
            println!("added holder {}", h.ext_id);
            Ok(ExitCode::SUCCESS)
        }
        HolderCommand::List => {
            let st = ctx.open()?;
            let list = st.read().holder_list()?;
            if ctx.json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|h| vec![h.ext_id.clone(), opt(&h.label)])
                .collect();
            table(&["ID", "LABEL"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        HolderCommand::Show { id } => {
            let st = ctx.open()?;
            let c = st.read();
            let h = c.holder_get(&id)?;
            let tokens = c.token_list(&crate::store::tokens::TokenFilter {
                holder: Some(id.clone()),
                ..Default::default()
            })?;
            if ctx.json {
                let serials: Vec<&str> = tokens.iter().map(|t| t.serial.as_str()).collect();
                return output::json(
                    &serde_json::json!({"id": h.ext_id, "label": h.label, "created_at": h.created_at, "tokens": serials}),
                );
            }
            println!("holder   {}", h.ext_id);
            println!("label    {}", opt(&h.label));
            println!(
                "tokens   {}",
                tokens
                    .iter()
                    .map(|t| t.serial.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
