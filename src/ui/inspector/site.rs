//! The site page: name, grid intensity and the prices of its kind (on-prem
//! power and amortization, cloud provider and pricing model, edge
//! locations).

use super::KeyedEdit;
use super::fields::{combo, grid, num, text};
use crate::model::edit::Edit;
use crate::model::*;
use crate::ui::state::EditorState;
use crate::ui::theme;
use egui::Ui;

pub(super) fn site_ui(ui: &mut Ui, _state: &EditorState, site: &Site, out: &mut Vec<KeyedEdit>) {
    ui.heading(format!("{}  {}", theme::site_icon(&site.kind), site.name));
    ui.weak(format!("{} site · id {}", site.kind.label(), site.id));
    let mut s = site.clone();
    grid(ui, "site_grid", |ui| {
        text(ui, "Name", &mut s.name, "Display name of the site");
        num(
            ui,
            "Grid carbon",
            &mut s.carbon_kg_per_kwh,
            "kg CO₂e/kWh",
            0.0..=2.0,
            "Carbon intensity of the electricity used",
        );
        match &mut s.kind {
            SiteKind::OnPrem(o) => {
                num(
                    ui,
                    "Amortization",
                    &mut o.amortization_years,
                    "years",
                    0.0..=30.0,
                    "Years over which hardware is written off",
                );
                num(
                    ui,
                    "Power price",
                    &mut o.power_usd_per_kwh,
                    "USD/kWh",
                    0.0..=10.0,
                    "Electricity price",
                );
                num(
                    ui,
                    "PUE",
                    &mut o.pue,
                    "",
                    1.0..=5.0,
                    "Facility power over IT power (1.1 hyperscale to 1.6 average)",
                );
                num(
                    ui,
                    "Operations",
                    &mut o.operations_usd_per_year,
                    "USD/year",
                    0.0..=1e10,
                    "Staff, support, colocation",
                );
                num(
                    ui,
                    "Facility capex",
                    &mut o.facility_capex_usd,
                    "USD",
                    0.0..=1e11,
                    "One-off build-out and cooling",
                );
            }
            SiteKind::Cloud(c) => {
                let providers = [
                    CloudProvider::Aws,
                    CloudProvider::Gcp,
                    CloudProvider::Azure,
                    CloudProvider::Oci,
                    CloudProvider::Other,
                ]
                .iter()
                .map(|p| (*p, format!("{p:?}")))
                .collect::<Vec<_>>();
                combo(ui, "Provider", &mut c.provider, &providers, "Cloud provider");
                text(ui, "Region", &mut c.region, "Cloud region, e.g. us-east-1");
                let pricing = [PricingModel::OnDemand, PricingModel::Reserved, PricingModel::Spot]
                    .iter()
                    .map(|p| (*p, format!("{p:?}")))
                    .collect::<Vec<_>>();
                combo(ui, "Pricing", &mut c.pricing, &pricing, "How instances are paid for");
                num(
                    ui,
                    "Egress",
                    &mut c.egress_usd_per_gb,
                    "USD/GB",
                    0.0..=10.0,
                    "Internet egress price",
                );
                num(
                    ui,
                    "Reserved discount",
                    &mut c.reserved_discount,
                    "",
                    0.0..=0.99,
                    "Fraction off on-demand for commitments",
                );
                num(
                    ui,
                    "Spot discount",
                    &mut c.spot_discount,
                    "",
                    0.0..=0.99,
                    "Fraction off on-demand for spot capacity",
                );
                num(
                    ui,
                    "Spot preemptions",
                    &mut c.spot_preemptions_per_hour,
                    "/h",
                    0.0..=10.0,
                    "Expected preemptions per instance-hour",
                );
                let mut hosts_owned = c.colocation.is_some();
                ui.checkbox(&mut hosts_owned, "Hosts owned hardware (colocation)")
                    .on_hover_text("Owned servers here pay space per kW-month, metered power and support");
                if hosts_owned != c.colocation.is_some() {
                    c.colocation = hosts_owned.then(crate::model::Colocation::default);
                }
                if let Some(colo) = &mut c.colocation {
                    num(
                        ui,
                        "Colocation",
                        &mut colo.usd_per_kw_month,
                        "USD/kW-month",
                        0.0..=10_000.0,
                        "Space, cooling and power delivery per kW of rated power",
                    );
                    num(
                        ui,
                        "Colocation power",
                        &mut colo.power_usd_per_kwh,
                        "USD/kWh",
                        0.0..=10.0,
                        "Metered energy price",
                    );
                    num(
                        ui,
                        "Colocation PUE",
                        &mut colo.pue,
                        "",
                        1.0..=3.0,
                        "Facility overhead on IT power",
                    );
                    num(
                        ui,
                        "Support",
                        &mut colo.support_per_year,
                        "of price/yr",
                        0.0..=1.0,
                        "Support contract per year, fraction of the purchase price",
                    );
                    num(
                        ui,
                        "Amortization",
                        &mut colo.amortization_years,
                        "years",
                        0.1..=50.0,
                        "Years the owned hardware is written off over",
                    );
                }
            }
            SiteKind::Edge(e) => {
                num(
                    ui,
                    "Locations",
                    &mut e.locations,
                    "",
                    0..=1_000_000,
                    "Places devices are deployed",
                );
                num(
                    ui,
                    "Power price",
                    &mut e.power_usd_per_kwh,
                    "USD/kWh",
                    0.0..=10.0,
                    "Electricity price at the edge",
                );
                num(
                    ui,
                    "Amortization",
                    &mut e.amortization_years,
                    "years",
                    0.0..=30.0,
                    "Years over which devices are written off",
                );
            }
        }
    });
    if &s != site {
        out.push((Edit::SetSite(s), Some(format!("site:{}", site.id))));
    }
}
