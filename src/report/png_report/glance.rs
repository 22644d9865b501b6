//! "Plan at a glance": figures that follow from the plan and the catalog
//! alone, so they are on the page even when the plan was never simulated.

use super::ReportInput;
use super::layout::cards;
use crate::format as fmt;
use crate::model::catalog::Entry;
use crate::model::{Catalog, Plan, PricingModel, SiteKind};
use crate::report::draw::{Canvas, palette};
use std::collections::BTreeMap;

/// Figures that follow from the plan and the catalog alone.
pub struct Inventory {
    pub accelerators: u64,
    /// The most common accelerator's name.
    pub accelerator_name: String,
    /// Dense BF16 (or best available) peak, PFLOP/s.
    pub peak_pflops: f64,
    pub it_power_kw: f64,
    /// Purchase price of owned hardware (on-prem and edge), USD.
    pub purchase_usd: f64,
    /// Hourly price of rented capacity under each cloud site's pricing model, USD/h.
    pub cloud_usd_per_hour: f64,
    pub storage_tb: f64,
}

impl Inventory {
    pub fn of(plan: &Plan, catalog: &Catalog) -> Inventory {
        let mut inv = Inventory {
            accelerators: 0,
            accelerator_name: String::new(),
            peak_pflops: 0.0,
            it_power_kw: 0.0,
            purchase_usd: 0.0,
            cloud_usd_per_hour: 0.0,
            storage_tb: 0.0,
        };
        let mut by_device: BTreeMap<String, u64> = BTreeMap::new();
        for node in &plan.nodes {
            let count = node.count as f64;
            let site = plan.site(&node.site).map(|s| &s.kind);
            let rented = matches!(site, Some(SiteKind::Cloud(_)));
            match catalog.entry(&node.model) {
                Some(Entry::System(sys)) => {
                    inv.it_power_kw += count * sys.power_w / 1000.0;
                    if let Some(dev) = catalog.device(&sys.device)
                        && node.kind.is_accelerated()
                    {
                        let n = node.count as u64 * sys.devices as u64;
                        inv.accelerators += n;
                        *by_device.entry(dev.name.clone()).or_default() += n;
                        let peak = dev
                            .peak_tflops
                            .effective(crate::model::Precision::Bf16)
                            .map(|(_, v)| v)
                            .unwrap_or(0.0);
                        inv.peak_pflops += n as f64 * peak / 1000.0;
                    }
                    match (site, &sys.cloud) {
                        (Some(SiteKind::Cloud(cloud)), Some(price)) => {
                            let od = price.on_demand_usd_per_hour;
                            let hourly = match cloud.pricing {
                                PricingModel::OnDemand => od,
                                PricingModel::Reserved => price
                                    .reserved_usd_per_hour
                                    .unwrap_or(od * (1.0 - cloud.reserved_discount)),
                                PricingModel::Spot => {
                                    price.spot_usd_per_hour.unwrap_or(od * (1.0 - cloud.spot_discount))
                                }
                            };
                            inv.cloud_usd_per_hour += count * hourly;
                        }
                        _ if !rented => inv.purchase_usd += count * sys.price_usd,
                        _ => {}
                    }
                }
                Some(Entry::Storage(st)) => {
                    inv.it_power_kw += count * st.power_w / 1000.0;
                    inv.storage_tb += node.capacity_tb.unwrap_or(count * st.capacity_tb);
                    if !rented {
                        inv.purchase_usd += count * st.price_usd;
                    }
                }
                Some(Entry::Switch(sw)) => {
                    inv.it_power_kw += count * sw.power_w / 1000.0;
                    if !rented {
                        inv.purchase_usd += count * sw.price_usd;
                    }
                }
                Some(Entry::Device(_)) | None => {}
            }
        }
        inv.accelerator_name = by_device
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(name, _)| name.clone())
            .unwrap_or_default();
        inv
    }
}

pub(super) fn glance_cards(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let inv = Inventory::of(input.plan, input.catalog);
    let plan = input.plan;
    let figs = vec![
        (
            "Sites · node groups · links".to_owned(),
            format!("{} · {} · {}", plan.sites.len(), plan.nodes.len(), plan.links.len()),
            fmt::plural(plan.stages.len(), "lifecycle stage", "lifecycle stages"),
        ),
        (
            "Accelerators".to_owned(),
            fmt::si(inv.accelerators as f64),
            if inv.accelerator_name.is_empty() {
                "none".to_owned()
            } else {
                format!("mostly {}", inv.accelerator_name)
            },
        ),
        (
            "Peak compute".to_owned(),
            format!("{:.1} PFLOP/s", inv.peak_pflops),
            "dense BF16 (or nearest), datasheet".to_owned(),
        ),
        (
            "IT power at full load".to_owned(),
            format!("{:.0} kW", inv.it_power_kw),
            "systems, storage, switches".to_owned(),
        ),
        (
            "Owned hardware".to_owned(),
            fmt::usd(inv.purchase_usd),
            "purchase price, catalog".to_owned(),
        ),
        (
            "Rented capacity".to_owned(),
            format!("{}/h", fmt::usd(inv.cloud_usd_per_hour)),
            "per each site's pricing model".to_owned(),
        ),
    ];
    cards(c, y, &figs, palette::ACCENT)
}
