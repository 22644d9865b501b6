//! "Assumptions and fidelity": what each site's prices and the simulator
//! assume, beside the settings that decide how detailed the run was, so a
//! reader can tell how far to trust the figures.

use super::ReportInput;
use super::labels::provider_label;
use super::layout::{COLUMN_W, MARGIN, RIGHT_X, section_title};
use crate::format as fmt;
use crate::model::{PricingModel, SiteKind};
use crate::report::draw::table::{self, Column, Row};
use crate::report::draw::{Align, Canvas, Rect, TextStyle, palette};

pub(super) fn assumptions_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let y0 = section_title(c, y, "Assumptions and fidelity", "");
    let body = TextStyle::new(18.0, palette::INK);
    let sub = TextStyle::new(21.0, palette::INK).bold();
    let sub_h = c.line_height(&sub) as i32 + 6;

    let mut items: Vec<String> = Vec::new();
    for s in &input.plan.sites {
        let text = match &s.kind {
            SiteKind::OnPrem(o) => format!(
                "{} (on-prem): hardware amortized over {} years; power ${:.3}/kWh at PUE {:.2}; operations {}/year; facility capex {}; grid {:.2} kg CO2e/kWh.",
                s.name,
                o.amortization_years,
                o.power_usd_per_kwh,
                o.pue,
                fmt::usd(o.operations_usd_per_year),
                fmt::usd(o.facility_capex_usd),
                s.carbon_kg_per_kwh
            ),
            SiteKind::Cloud(cl) => {
                let pricing = match cl.pricing {
                    PricingModel::OnDemand => "on-demand prices".to_owned(),
                    PricingModel::Reserved => format!(
                        "reserved prices ({:.0} % off on-demand where the catalog has no reserved price)",
                        cl.reserved_discount * 100.0
                    ),
                    PricingModel::Spot => format!(
                        "spot prices ({:.0} % off where the catalog has none; {} preemptions per instance-hour)",
                        cl.spot_discount * 100.0,
                        cl.spot_preemptions_per_hour
                    ),
                };
                format!(
                    "{} (cloud, {} {}): {pricing}; egress ${:.3}/GB; grid {:.2} kg CO2e/kWh.",
                    s.name,
                    provider_label(cl.provider),
                    cl.region,
                    cl.egress_usd_per_gb,
                    s.carbon_kg_per_kwh
                )
            }
            SiteKind::Edge(e) => format!(
                "{} (edge): {} locations; power ${:.3}/kWh; hardware amortized over {} years.",
                s.name, e.locations, e.power_usd_per_kwh, e.amortization_years
            ),
        };
        items.push(text);
    }
    if let Some(r) = input.results {
        items.extend(r.assumptions.iter().cloned());
    } else {
        items.push("Simulator assumptions are listed once the plan has been simulated.".into());
    }
    c.text(MARGIN, y0, "Assumptions", &sub, Align::Left);
    let mut ly = y0 + sub_h;
    for it in items.iter().take(24) {
        c.circle((MARGIN + 8, ly + 13), 4, palette::ACCENT);
        ly += c.paragraph(MARGIN + 24, ly, it, &body, (COLUMN_W - 30) as f32) + 6;
    }

    c.text(RIGHT_X, y0, "Fidelity settings", &sub, Align::Left);
    let s = &input.plan.settings;
    let mut rows = vec![
        Row::new(vec!["Random seed".into(), s.seed.to_string()]),
        Row::new(vec![
            "Detailed training iterations".into(),
            s.detailed_iterations.to_string(),
        ]),
        Row::new(vec!["TCO horizon".into(), format!("{} years", s.tco_horizon_years)]),
    ];
    match input.results {
        Some(r) => {
            rows.push(Row::new(vec!["Results: seed used".into(), r.seed.to_string()]));
            rows.push(Row::new(vec![
                "Results: detailed iterations".into(),
                r.detailed_iterations.to_string(),
            ]));
        }
        None => rows.push(Row::new(vec!["Results".into(), "not simulated".into()])),
    }
    rows.push(Row::new(vec![
        "ClusterForge version".into(),
        env!("CARGO_PKG_VERSION").into(),
    ]));
    let cols = [Column::left("Setting", 2.0), Column::right("Value", 1.2)];
    let ry = y0 + sub_h + table::draw(c, Rect::new(RIGHT_X, y0 + sub_h, COLUMN_W, 0), &cols, &rows);
    let note = TextStyle::new(17.0, palette::MUTED);
    let ry = ry
        + 10
        + c.paragraph(
            RIGHT_X,
            ry + 10,
            "Training stages are simulated in full detail for the listed number of iterations and extrapolated to the whole run; checkpoints and failures are kept for the whole run. The same plan and seed give the same results.",
            &note,
            COLUMN_W as f32,
        );
    ly.max(ry)
}
