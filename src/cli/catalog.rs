//! `init` and `product` commands.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{self, opt, table};
use super::time::now;
use super::{Ctx, read_passphrase};
use crate::otp::{Algorithm, Digits, Kind};
use crate::station::catalog::{ProductChange, parse_family};
use crate::station::views::ProductRow;
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
        KeySource::File(ctx.key_file()?)
    };
    let st = Station::init(&ctx.db, &source, now())?;
    #[derive(Serialize)]
    struct Out {
        db: String,
        key: &'static str,
        key_file: Option<String>,
    }
    let out = Out {
        db: st.store_name().to_string(),
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
    outln!("created store {}", out.db)?;
    match &out.key_file {
        Some(k) => outln!(
            "created key file {k} (mode 0600): back it up apart from the store; without it no seed can be read"
        )?,
        None => outln!("seeds are sealed under your passphrase: without it no seed can be read")?,
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
    /// TOTP T0 in Unix seconds (negative before 1970, e.g. -315619200).
    #[arg(long, allow_negative_numbers = true)]
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
    /// Seeds can be burned into it: yes/no (or true/false, on/off, 1/0).
    #[arg(long, value_name = "yes|no", value_parser = clap::builder::BoolishValueParser::new())]
    pub programmable: Option<bool>,
    /// Vendor's expected clock drift, seconds per year (negative: the clock is slow).
    #[arg(long, allow_hyphen_values = true)]
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
    fn change(self, rename: Option<String>) -> anyhow::Result<ProductChange> {
        Ok(ProductChange {
            rename,
            kind: self.kind,
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.period,
            t0: self.t0,
            family: self.family.as_deref().map(parse_family).transpose()?,
            vendor: self.vendor,
            model: self.model,
            programmable: self.programmable,
            drift_per_year: self.drift_per_year,
            skew: self.skew,
        })
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

fn product_row(r: &ProductRow) -> Vec<String> {
    let (p, n) = (&r.product, r.tokens);
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
        p.family.to_string(),
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
            let mut st = ctx.open_unlocked()?;
            let p = params.change(None)?.new_product(&name);
            let added = st.product_add(&p, now())?;
            show_product(ctx, &st, &added.name)
        }
        ProductCommand::List => {
            let st = ctx.open_read()?;
            let list = st.product_rows()?;
            if ctx.json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list.iter().map(product_row).collect();
            table(PRODUCT_HEADER, &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        ProductCommand::Show { name } => show_product(ctx, &ctx.open_read()?, &name),
        ProductCommand::Edit {
            name,
            rename,
            params,
        } => {
            let mut st = ctx.open_unlocked()?;
            let p = st.product_edit(&name, &params.change(rename)?, now())?;
            show_product(ctx, &st, &p.name)
        }
        ProductCommand::Rm { name } => {
            let mut st = ctx.open_unlocked()?;
            st.product_remove(&name, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"removed": name}));
            }
            outln!("removed product {name}")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show_product(ctx: &Ctx, st: &Station, name: &str) -> anyhow::Result<ExitCode> {
    let row = st.product_row(name)?;
    if ctx.json {
        return output::json(&row);
    }
    let p = &row.product;
    outln!("product       {}", p.name)?;
    outln!("vendor/model  {} / {}", opt(&p.vendor), opt(&p.model))?;
    outln!(
        "family        {}{}",
        p.family,
        if p.programmable {
            " (programmable)"
        } else {
            ""
        }
    )?;
    outln!(
        "codes         {} {} {} digits{}",
        p.params.kind,
        p.params.algorithm,
        p.params.digits,
        if p.params.kind == Kind::Totp {
            format!(", {} s steps from T0={}", p.params.period, p.params.t0)
        } else {
            String::new()
        }
    )?;
    outln!(
        "window        {}",
        if p.params.kind == Kind::Totp {
            format!(
                "±{} around the learned drift",
                output::count(p.skew, "step", "steps")
            )
        } else {
            format!("{} ahead", output::count(p.skew, "counter", "counters"))
        }
    )?;
    let expected = crate::station::drift::expected::expected_drift_per_year(p.family, None);
    outln!(
        "drift/year    {}",
        match (p.drift_per_year, expected) {
            _ if p.params.kind == Kind::Hotp => "- (HOTP: no clock)".into(),
            (Some(d), _) => format!("{d} s"),
            (None, Some(d)) => format!("{d} s (the family's default)"),
            (None, None) => "-".into(),
        }
    )?;
    outln!("tokens        {}", row.tokens)?;
    Ok(ExitCode::SUCCESS)
}
