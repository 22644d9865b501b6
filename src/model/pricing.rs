//! Dated prices: when and where each catalog price was taken, how sure it is
//! and what it was before; user price files that override catalog prices
//! without editing the catalog; negotiated discounts of a plan.
//!
//! Prices moved a lot in 2025 (AWS cut P5 on-demand by ~44 % in June 2025),
//! so a price without a date is not a figure a finance lead can use. Every
//! priced catalog entry carries a [`PriceRef`] (a unit test fails on one
//! without); a [`PriceBook`] (RON, `--prices FILE` or Prices › Load price
//! file… in the GUI) replaces prices by id and records the old ones in the
//! entry's history.

use super::catalog::{Catalog, CloudPrice};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A calendar date at year, month or day precision, as price lists quote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AsOf {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl AsOf {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (years 1990–2100).
    pub fn parse(text: &str) -> Result<AsOf, String> {
        let bad = || format!("'{text}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2025-06)");
        let mut parts = text.trim().split('-');
        let year: u16 = parts
            .next()
            .filter(|y| y.len() == 4)
            .and_then(|y| y.parse().ok())
            .ok_or_else(bad)?;
        let month: u8 = match parts.next() {
            Some(m) => m.parse().ok().filter(|m| (1..=12).contains(m)).ok_or_else(bad)?,
            None => 0,
        };
        let day: u8 = match parts.next() {
            Some(d) if month > 0 => d.parse().ok().filter(|d| (1..=31).contains(d)).ok_or_else(bad)?,
            Some(_) => return Err(bad()),
            None => 0,
        };
        if parts.next().is_some() || !(1990..=2100).contains(&year) {
            return Err(bad());
        }
        Ok(AsOf { year, month, day })
    }
}

impl fmt::Display for AsOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (0, _) => write!(f, "{}", self.year),
            (m, 0) => write!(f, "{}-{m:02}", self.year),
            (m, d) => write!(f, "{}-{m:02}-{d:02}", self.year),
        }
    }
}

/// When and where a catalog entry's price was taken, and how sure it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRef {
    /// Date of the quoted price: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub as_of: String,
    /// Where the price comes from (price page, press report, quote).
    pub source: String,
    /// Plausible low and high of the entry's [`MainPrice`] (same unit), for
    /// uncertainty runs; absent for exact list prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(f64, f64)>,
    /// Earlier prices of the same item (its main price), newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<PastPrice>,
}

/// An earlier price of a catalog entry, in the unit of its [`MainPrice`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastPrice {
    pub as_of: String,
    pub usd: f64,
    pub source: String,
}

/// The one price an entry is quoted by: what its range and history mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MainPrice {
    /// Bought: USD per unit.
    Purchase(f64),
    /// Rented: on-demand USD per hour.
    PerHour(f64),
    /// A storage service: USD per GB-month.
    PerGbMonth(f64),
    /// A serverless endpoint priced per request only: USD per million.
    PerMillionRequests(f64),
}

impl CloudPrice {
    /// Every hourly and per-request price times `f` (a discount or a
    /// sampled price factor: rent, reserved and spot move together).
    pub fn scale(&mut self, f: f64) {
        self.on_demand_usd_per_hour *= f;
        self.reserved_usd_per_hour = self.reserved_usd_per_hour.map(|v| v * f);
        self.spot_usd_per_hour = self.spot_usd_per_hour.map(|v| v * f);
        self.usd_per_million_requests = self.usd_per_million_requests.map(|v| v * f);
    }
}

impl super::catalog::StorageModel {
    /// The service prices (GB-month, requests, scans) times `f`.
    pub fn scale_service_prices(&mut self, f: f64) {
        self.usd_per_gb_month *= f;
        self.usd_per_1k_reads *= f;
        self.usd_per_1k_writes *= f;
        self.usd_per_tb_scanned *= f;
    }
}

impl MainPrice {
    pub fn usd(self) -> f64 {
        match self {
            MainPrice::Purchase(v)
            | MainPrice::PerHour(v)
            | MainPrice::PerGbMonth(v)
            | MainPrice::PerMillionRequests(v) => v,
        }
    }
    pub fn unit(self) -> &'static str {
        match self {
            MainPrice::Purchase(_) => "USD",
            MainPrice::PerHour(_) => "USD/h",
            MainPrice::PerGbMonth(_) => "USD/GB-month",
            MainPrice::PerMillionRequests(_) => "USD/M requests",
        }
    }
}

/// One priced catalog entry, as the price checks and the price table see it.
#[derive(Clone, Debug)]
pub struct PricedEntry<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub price: MainPrice,
    pub price_ref: Option<&'a PriceRef>,
}

fn purchase(v: f64) -> Option<MainPrice> {
    (v > 0.0).then_some(MainPrice::Purchase(v))
}

/// A system's main price: its on-demand rent if rented, else its purchase.
fn system_main(s: &super::catalog::System) -> Option<MainPrice> {
    s.cloud.as_ref().and_then(cloud_main).or_else(|| purchase(s.price_usd))
}

/// A storage model's main price: per GB-month for a service, else purchase.
fn storage_main(s: &super::catalog::StorageModel) -> Option<MainPrice> {
    if s.usd_per_gb_month > 0.0 {
        Some(MainPrice::PerGbMonth(s.usd_per_gb_month))
    } else {
        purchase(s.price_usd)
    }
}

fn cloud_main(c: &CloudPrice) -> Option<MainPrice> {
    if c.on_demand_usd_per_hour > 0.0 {
        Some(MainPrice::PerHour(c.on_demand_usd_per_hour))
    } else {
        c.usd_per_million_requests
            .filter(|v| *v > 0.0)
            .map(MainPrice::PerMillionRequests)
    }
}

impl Catalog {
    /// Every entry that has a price, with its main price and date/source.
    pub fn priced_entries(&self) -> Vec<PricedEntry<'_>> {
        fn entry<'a>(
            id: &'a str,
            name: &'a str,
            price: Option<MainPrice>,
            price_ref: &'a Option<PriceRef>,
        ) -> Option<PricedEntry<'a>> {
            price.map(|price| PricedEntry {
                id,
                name,
                price,
                price_ref: price_ref.as_ref(),
            })
        }
        let devices = self
            .devices
            .iter()
            .map(|d| entry(&d.id, &d.name, purchase(d.price_usd), &d.price_ref));
        let systems = self
            .systems
            .iter()
            .map(|s| entry(&s.id, &s.name, system_main(s), &s.price_ref));
        let storage = self
            .storage
            .iter()
            .map(|s| entry(&s.id, &s.name, storage_main(s), &s.price_ref));
        let switches = self
            .switches
            .iter()
            .map(|s| entry(&s.id, &s.name, purchase(s.price_usd), &s.price_ref));
        devices
            .chain(systems)
            .chain(storage)
            .chain(switches)
            .flatten()
            .collect()
    }

    /// Problems with the catalog's price dates: a priced entry without a
    /// date and source, a date that does not parse, a range that does not
    /// hold the price, history not older than the price. Empty when sound.
    pub fn price_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.priced_entries() {
            let Some(r) = e.price_ref else {
                out.push(format!(
                    "'{}' has a price but no price_ref (as_of date and source)",
                    e.id
                ));
                continue;
            };
            let date = match AsOf::parse(&r.as_of) {
                Ok(d) => Some(d),
                Err(msg) => {
                    out.push(format!("'{}': price_ref.as_of {msg}", e.id));
                    None
                }
            };
            if r.source.trim().is_empty() {
                out.push(format!("'{}': price_ref has no source", e.id));
            }
            if let Some((lo, hi)) = r.range {
                let p = e.price.usd();
                if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= p && p <= hi) {
                    out.push(format!("'{}': price range {lo}–{hi} does not hold the price {p}", e.id));
                }
            }
            for h in &r.history {
                match (AsOf::parse(&h.as_of), date) {
                    (Ok(old), Some(new)) if old >= new => out.push(format!(
                        "'{}': history price of {} is not older than {}",
                        e.id, h.as_of, r.as_of
                    )),
                    (Err(msg), _) => out.push(format!("'{}': history as_of {msg}", e.id)),
                    _ => {}
                }
                if !(h.usd.is_finite() && h.usd >= 0.0) || h.source.trim().is_empty() {
                    out.push(format!(
                        "'{}': history price of {} needs a finite USD and a source",
                        e.id, h.as_of
                    ));
                }
            }
        }
        out
    }

    /// The newest price date in the catalog (shown with every report).
    pub fn newest_price_date(&self) -> Option<AsOf> {
        self.priced_entries()
            .iter()
            .filter_map(|e| e.price_ref.and_then(|r| AsOf::parse(&r.as_of).ok()))
            .max()
    }

    /// This catalog with `book`'s prices in place of its own. The replaced
    /// main price moves into the entry's history. Errors name the book's
    /// entry (1-based) and what to fix; nothing is applied on error.
    pub fn with_prices(&self, book: &PriceBook) -> Result<Catalog, String> {
        AsOf::parse(&book.as_of).map_err(|m| format!("price file as_of: {m}"))?;
        if book.source.trim().is_empty() {
            return Err("price file: `source` is empty: say where the prices come from".into());
        }
        let mut c = self.clone();
        let mut seen = std::collections::HashSet::new();
        for (i, o) in book.prices.iter().enumerate() {
            let at = |msg: String| format!("price file entry {} ('{}'): {msg}", i + 1, o.id);
            if !seen.insert(o.id.as_str()) {
                return Err(at("the id is listed twice".into()));
            }
            o.check().map_err(at)?;
            let as_of = o.as_of.clone().unwrap_or_else(|| book.as_of.clone());
            let source = o.source.clone().unwrap_or_else(|| book.source.clone());
            c.apply_override(o, as_of, source).map_err(at)?;
        }
        c.price_book = Some(PriceBookInfo {
            name: book.name.clone(),
            as_of: book.as_of.clone(),
            source: book.source.clone(),
            entries: book.prices.len(),
        });
        Ok(c)
    }

    fn apply_override(&mut self, o: &PriceOverride, as_of: String, source: String) -> Result<(), String> {
        let fields = o.fields();
        let allow = |ok: &[&str]| -> Result<(), String> {
            match fields.iter().find(|f| !ok.contains(f)) {
                Some(f) => Err(format!(
                    "`{f}` does not apply to this entry (it takes {})",
                    ok.join(", ")
                )),
                None => Ok(()),
            }
        };
        let old = self
            .priced_entries()
            .into_iter()
            .find(|e| e.id == o.id)
            .map(|e| e.price);
        let (slot, new_main): (&mut Option<PriceRef>, Option<MainPrice>) =
            if let Some(d) = self.devices.iter_mut().find(|d| d.id == o.id) {
                allow(&["price_usd"])?;
                if let Some(v) = o.price_usd {
                    d.price_usd = v;
                }
                (&mut d.price_ref, purchase(d.price_usd))
            } else if let Some(s) = self.systems.iter_mut().find(|s| s.id == o.id) {
                match &mut s.cloud {
                    Some(cl) => {
                        allow(&[
                            "on_demand_usd_per_hour",
                            "reserved_usd_per_hour",
                            "spot_usd_per_hour",
                            "usd_per_million_requests",
                        ])?;
                        if let Some(v) = o.on_demand_usd_per_hour {
                            cl.on_demand_usd_per_hour = v;
                        }
                        if o.reserved_usd_per_hour.is_some() {
                            cl.reserved_usd_per_hour = o.reserved_usd_per_hour;
                        }
                        if o.spot_usd_per_hour.is_some() {
                            cl.spot_usd_per_hour = o.spot_usd_per_hour;
                        }
                        if o.usd_per_million_requests.is_some() {
                            cl.usd_per_million_requests = o.usd_per_million_requests;
                        }
                    }
                    None => {
                        allow(&["price_usd"])?;
                        if let Some(v) = o.price_usd {
                            s.price_usd = v;
                        }
                    }
                }
                let main = system_main(s);
                (&mut s.price_ref, main)
            } else if let Some(s) = self.storage.iter_mut().find(|s| s.id == o.id) {
                allow(&[
                    "price_usd",
                    "usd_per_gb_month",
                    "usd_per_1k_reads",
                    "usd_per_1k_writes",
                    "usd_per_tb_scanned",
                ])?;
                s.usd_per_tb_scanned = o.usd_per_tb_scanned.unwrap_or(s.usd_per_tb_scanned);
                s.price_usd = o.price_usd.unwrap_or(s.price_usd);
                s.usd_per_gb_month = o.usd_per_gb_month.unwrap_or(s.usd_per_gb_month);
                s.usd_per_1k_reads = o.usd_per_1k_reads.unwrap_or(s.usd_per_1k_reads);
                s.usd_per_1k_writes = o.usd_per_1k_writes.unwrap_or(s.usd_per_1k_writes);
                let main = storage_main(s);
                (&mut s.price_ref, main)
            } else if let Some(s) = self.switches.iter_mut().find(|s| s.id == o.id) {
                allow(&["price_usd"])?;
                if let Some(v) = o.price_usd {
                    s.price_usd = v;
                }
                (&mut s.price_ref, purchase(s.price_usd))
            } else {
                return Err("no catalog entry has this id (`clusterforge catalog` lists them)".into());
            };
        let mut history = slot
            .take()
            .map(|r| (r.as_of, r.source, r.history))
            .map_or_else(Vec::new, |(a, s, mut h)| {
                if let Some(p) = old {
                    h.insert(
                        0,
                        PastPrice {
                            as_of: a,
                            usd: p.usd(),
                            source: s,
                        },
                    );
                }
                h
            });
        history.retain(|h| AsOf::parse(&h.as_of).ok() < AsOf::parse(&as_of).ok());
        let range = o
            .range
            .filter(|(lo, hi)| new_main.is_some_and(|p| *lo <= p.usd() && p.usd() <= *hi));
        if o.range.is_some() && range.is_none() {
            return Err("`range` must hold the new price (low ≤ price ≤ high)".into());
        }
        *slot = Some(PriceRef {
            as_of,
            source,
            range,
            history,
        });
        Ok(())
    }

    /// Multiply every price field of entry `id` by `factor` (a sample of its
    /// price range: rent, reserved and spot move together).
    pub fn scale_price(&mut self, id: &str, factor: f64) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        if let Some(d) = self.devices.iter_mut().find(|d| d.id == id) {
            d.price_usd *= factor;
        } else if let Some(s) = self.systems.iter_mut().find(|s| s.id == id) {
            s.price_usd *= factor;
            if let Some(cl) = &mut s.cloud {
                cl.scale(factor);
            }
        } else if let Some(s) = self.storage.iter_mut().find(|s| s.id == id) {
            s.price_usd *= factor;
            s.scale_service_prices(factor);
        } else if let Some(s) = self.switches.iter_mut().find(|s| s.id == id) {
            s.price_usd *= factor;
        }
    }

    /// This catalog with `discounts` taken off its prices: purchase prices
    /// of everything bought, cloud prices (rent, storage, requests) of
    /// everything rented. Borrowed unchanged when there is no discount.
    pub fn discounted(&self, discounts: &Discounts) -> Cow<'_, Catalog> {
        let buy = 1.0 - discounts.purchase.clamp(0.0, 0.99);
        let rent = 1.0 - discounts.cloud.clamp(0.0, 0.99);
        if buy == 1.0 && rent == 1.0 || !(buy.is_finite() && rent.is_finite()) {
            return Cow::Borrowed(self);
        }
        let mut c = self.clone();
        for d in &mut c.devices {
            d.price_usd *= buy;
        }
        for s in &mut c.systems {
            s.price_usd *= buy;
            if let Some(cl) = &mut s.cloud {
                cl.scale(rent);
            }
        }
        for s in &mut c.storage {
            s.price_usd *= buy;
            s.scale_service_prices(rent);
        }
        for s in &mut c.switches {
            s.price_usd *= buy;
        }
        Cow::Owned(c)
    }
}

/// Negotiated discounts of a plan (off the catalog's list prices).
/// Reserved/committed-use pricing is a cloud site's pricing model; these
/// are the deals on top: an enterprise discount programme, a hardware quote.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Discounts {
    /// Off the list price of bought hardware (fraction, 0.15 = 15 % off).
    pub purchase: f64,
    /// Off every catalog cloud price: instances, storage, requests.
    pub cloud: f64,
}

impl Discounts {
    pub fn is_none(&self) -> bool {
        self.purchase == 0.0 && self.cloud == 0.0
    }
    /// "15 % off purchases, 30 % off cloud prices", or "" for none.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if self.purchase != 0.0 {
            parts.push(format!("{} off purchase prices", percent(self.purchase)));
        }
        if self.cloud != 0.0 {
            parts.push(format!("{} off cloud prices", percent(self.cloud)));
        }
        parts.join(", ")
    }
}

/// A user price file: prices that replace the catalog's, by id.
///
/// ```ron
/// PriceBook(
///     name: "Our 2026 quotes",
///     as_of: "2026-03",
///     source: "Dell quote Q-1234; AWS EDP pricing sheet",
///     prices: [
///         (id: "dgx-h100", price_usd: Some(289000.0)),
///         (id: "aws-p5-48xlarge", on_demand_usd_per_hour: Some(55.04), as_of: Some("2025-06")),
///     ],
/// )
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceBook {
    #[serde(default)]
    pub name: String,
    /// Date of the prices, unless an entry gives its own.
    pub as_of: String,
    /// Where they come from, unless an entry gives its own.
    pub source: String,
    pub prices: Vec<PriceOverride>,
}

/// New prices for one catalog entry; fields left out keep the catalog's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PriceOverride {
    pub id: String,
    pub price_usd: Option<f64>,
    pub on_demand_usd_per_hour: Option<f64>,
    pub reserved_usd_per_hour: Option<f64>,
    pub spot_usd_per_hour: Option<f64>,
    pub usd_per_million_requests: Option<f64>,
    pub usd_per_gb_month: Option<f64>,
    pub usd_per_1k_reads: Option<f64>,
    pub usd_per_1k_writes: Option<f64>,
    pub usd_per_tb_scanned: Option<f64>,
    pub range: Option<(f64, f64)>,
    pub as_of: Option<String>,
    pub source: Option<String>,
}

impl PriceOverride {
    fn values(&self) -> [(&'static str, Option<f64>); 9] {
        [
            ("price_usd", self.price_usd),
            ("on_demand_usd_per_hour", self.on_demand_usd_per_hour),
            ("reserved_usd_per_hour", self.reserved_usd_per_hour),
            ("spot_usd_per_hour", self.spot_usd_per_hour),
            ("usd_per_million_requests", self.usd_per_million_requests),
            ("usd_per_gb_month", self.usd_per_gb_month),
            ("usd_per_1k_reads", self.usd_per_1k_reads),
            ("usd_per_1k_writes", self.usd_per_1k_writes),
            ("usd_per_tb_scanned", self.usd_per_tb_scanned),
        ]
    }
    fn fields(&self) -> Vec<&'static str> {
        self.values()
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| *k)
            .collect()
    }
    fn check(&self) -> Result<(), String> {
        if self.fields().is_empty() {
            return Err("gives no price: set e.g. `price_usd` or `on_demand_usd_per_hour`".into());
        }
        for (k, v) in self.values() {
            if let Some(v) = v
                && !(v.is_finite() && (0.0..1e12).contains(&v))
            {
                // 1e300 in full is 301 digits: say it in scientific notation.
                let shown = if v.abs() >= 1e12 {
                    format!("{v:e}")
                } else {
                    v.to_string()
                };
                return Err(format!(
                    "`{k}` is {shown}: a price is a finite number ≥ 0 and below 10¹²"
                ));
            }
        }
        if let Some(d) = &self.as_of {
            AsOf::parse(d)?;
        }
        Ok(())
    }
}

/// "15 %" (model code formats its own few figures: no `crate::format` here).
fn percent(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

/// Which price book a catalog's prices come from (shown in reports).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceBookInfo {
    pub name: String,
    pub as_of: String,
    pub source: String,
    pub entries: usize,
}

impl Catalog {
    /// One line saying where this catalog's prices come from and their date.
    pub fn prices_label(&self) -> String {
        let newest = self
            .newest_price_date()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "undated".into());
        match &self.price_book {
            Some(b) => {
                let name = if b.name.is_empty() {
                    "user price file"
                } else {
                    b.name.as_str()
                };
                format!(
                    "Prices: {name} as of {} ({} {}), catalog list prices elsewhere (newest {newest})",
                    b.as_of,
                    b.entries,
                    if b.entries == 1 { "entry" } else { "entries" }
                )
            }
            None => format!("Prices: catalog list prices, newest {newest}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Catalog {
        Catalog::builtin()
    }

    #[test]
    fn dates_parse_at_three_precisions_and_order() {
        assert_eq!(AsOf::parse("2025").map(|d| d.to_string()), Ok("2025".into()));
        assert_eq!(AsOf::parse("2025-06").map(|d| d.to_string()), Ok("2025-06".into()));
        assert_eq!(
            AsOf::parse("2025-06-01").map(|d| d.to_string()),
            Ok("2025-06-01".into())
        );
        for bad in [
            "",
            "25",
            "2025-13",
            "2025-00",
            "June 2025",
            "2025-06-01-01",
            "3000",
            "2025--01",
        ] {
            assert!(AsOf::parse(bad).is_err(), "{bad}");
        }
        assert!(AsOf::parse("2024").unwrap() < AsOf::parse("2024-01").unwrap());
        assert!(AsOf::parse("2024-12").unwrap() < AsOf::parse("2025").unwrap());
    }

    #[test]
    fn every_catalog_price_has_a_date_and_a_source() {
        let c = builtin();
        assert!(c.priced_entries().len() > 30);
        assert_eq!(c.price_problems(), Vec::<String>::new());
    }

    #[test]
    fn an_undated_price_is_a_problem() {
        let mut c = builtin();
        c.switches[0].price_ref = None;
        let p = c.price_problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains(&c.switches[0].id) && p[0].contains("as_of"), "{p:?}");
    }

    fn book(prices: Vec<PriceOverride>) -> PriceBook {
        PriceBook {
            name: "quotes".into(),
            as_of: "2026-03".into(),
            source: "vendor quote".into(),
            prices,
        }
    }

    #[test]
    fn a_price_file_overrides_and_keeps_the_old_price_in_history() {
        let c = builtin();
        let id = "dgx-h100";
        let old = c.system(id).unwrap().price_usd;
        let b = book(vec![PriceOverride {
            id: id.into(),
            price_usd: Some(250_000.0),
            ..Default::default()
        }]);
        let d = c.with_prices(&b).unwrap();
        let s = d.system(id).unwrap();
        assert_eq!(s.price_usd, 250_000.0);
        let r = s.price_ref.as_ref().unwrap();
        assert_eq!((r.as_of.as_str(), r.source.as_str()), ("2026-03", "vendor quote"));
        assert_eq!(r.history.first().map(|h| h.usd), Some(old));
        assert_eq!(d.price_problems(), Vec::<String>::new());
        assert!(
            d.prices_label().contains("quotes as of 2026-03 (1 entry)"),
            "{}",
            d.prices_label()
        );
        // Everything else is untouched.
        assert_eq!(d.systems.len(), c.systems.len());
        assert_eq!(d.system("hgx-h200"), c.system("hgx-h200"));
    }

    #[test]
    fn bad_price_files_are_refused_with_the_entry_and_the_fix() {
        let c = builtin();
        let cases = [
            (
                PriceOverride {
                    id: "no-such".into(),
                    price_usd: Some(1.0),
                    ..Default::default()
                },
                "no catalog entry",
            ),
            (
                PriceOverride {
                    id: "h100-sxm".into(),
                    on_demand_usd_per_hour: Some(1.0),
                    ..Default::default()
                },
                "does not apply",
            ),
            (
                PriceOverride {
                    id: "h100-sxm".into(),
                    price_usd: Some(-1.0),
                    ..Default::default()
                },
                "finite number",
            ),
            (
                PriceOverride {
                    id: "h100-sxm".into(),
                    price_usd: Some(f64::NAN),
                    ..Default::default()
                },
                "finite number",
            ),
            (
                PriceOverride {
                    id: "h100-sxm".into(),
                    ..Default::default()
                },
                "gives no price",
            ),
            (
                PriceOverride {
                    id: "h100-sxm".into(),
                    price_usd: Some(1.0),
                    range: Some((2.0, 3.0)),
                    ..Default::default()
                },
                "range",
            ),
        ];
        for (o, want) in cases {
            let e = c.with_prices(&book(vec![o.clone()])).unwrap_err();
            assert!(e.contains("entry 1") && e.contains(want), "{o:?}: {e}");
        }
        let mut b = book(vec![]);
        b.as_of = "soon".into();
        assert!(c.with_prices(&b).unwrap_err().contains("YYYY"));
    }

    #[test]
    fn discounts_scale_bought_and_rented_prices_separately() {
        let c = builtin();
        assert!(matches!(c.discounted(&Discounts::default()), Cow::Borrowed(_)));
        let d = c.discounted(&Discounts {
            purchase: 0.2,
            cloud: 0.1,
        });
        let (a, b) = (c.system("dgx-h100").unwrap(), d.system("dgx-h100").unwrap());
        assert!((b.price_usd - 0.8 * a.price_usd).abs() < 1e-6);
        let od = |c: &Catalog| {
            c.system("aws-p5-48xlarge")
                .and_then(|s| s.cloud.as_ref())
                .map(|p| p.on_demand_usd_per_hour)
        };
        assert!((od(&d).unwrap() - 0.9 * od(&c).unwrap()).abs() < 1e-9);
        let gb = |c: &Catalog| c.storage("aws-s3").map(|s| s.usd_per_gb_month).unwrap();
        assert!((gb(&d) - 0.9 * gb(&c)).abs() < 1e-12);
    }
}
