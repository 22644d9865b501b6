//! The money sections: "Costs and bill of materials" (the simulated cost
//! table beside the catalog's bill of materials) and "Own vs rent" (buying,
//! renting and the plan as drawn over the cost horizon).

use super::labels::component_label;
use super::layout::{COLUMN_W, GAP, MARGIN, RIGHT_X, section_title};
use super::{Regions, ReportInput};
use crate::format as fmt;
use crate::model::catalog::Entry;
use crate::model::{PricingModel, SiteKind};
use crate::report::draw::charts::{self, LineSeries};
use crate::report::draw::table::{self, Column, Row};
use crate::report::draw::{Align, Canvas, Rect, TextStyle, palette};
use crate::report::figures::CostLine;

pub(super) fn tables(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let y0 = section_title(c, y, "Costs and bill of materials", "");

    // Left: cost table (simulated).
    let left = Rect::new(MARGIN, y0, COLUMN_W, 0);
    let mut left_h = 0;
    let sub = TextStyle::new(21.0, palette::INK).bold();
    let sub_h = c.line_height(&sub) as i32 + 8;
    c.text(left.x, y0, "Cost by site and component", &sub, Align::Left);
    left_h += sub_h;
    match input.results.filter(|r| !r.cost.is_empty()) {
        Some(r) => {
            let total: f64 = r.cost.iter().map(|l| l.usd).sum();
            let mut lines: Vec<&CostLine> = r.cost.iter().collect();
            lines.sort_by(|a, b| b.usd.total_cmp(&a.usd).then_with(|| a.site.cmp(&b.site)));
            let mut rows: Vec<Row> = lines
                .iter()
                .take(16)
                .map(|l| {
                    Row::new(vec![
                        l.site.clone(),
                        component_label(&l.component),
                        fmt::usd(l.usd),
                        if total > 0.0 {
                            format!("{:.1} %", l.usd / total * 100.0)
                        } else {
                            "—".into()
                        },
                    ])
                })
                .collect();
            if lines.len() > 16 {
                let rest: f64 = lines[16..].iter().map(|l| l.usd).sum();
                rows.push(Row::new(vec![
                    format!("… {} more lines", lines.len() - 16),
                    String::new(),
                    fmt::usd(rest),
                    String::new(),
                ]));
            }
            rows.push(Row::total(vec![
                "Total".into(),
                String::new(),
                fmt::usd(total),
                "100 %".into(),
            ]));
            let cols = [
                Column::left("Site", 3.0),
                Column::left("Component / stage", 2.6),
                Column::right("Cost", 1.6),
                Column::right("Share", 1.2),
            ];
            left_h += table::draw(c, Rect::new(left.x, y0 + left_h, COLUMN_W, 0), &cols, &rows);
        }
        None => {
            let r = Rect::new(left.x, y0 + left_h, COLUMN_W, 120);
            charts::empty(
                c,
                r,
                if input.results.is_some() {
                    "No costs recorded"
                } else {
                    "Not simulated"
                },
            );
            left_h += 120;
        }
    }

    // Right: bill of materials (plan + catalog).
    c.text(
        RIGHT_X,
        y0,
        "Bill of materials (catalog list prices)",
        &sub,
        Align::Left,
    );
    let mut rows: Vec<Row> = input.plan.nodes.iter().map(|n| bom_row(input, n)).collect();
    let more = rows.len().saturating_sub(18);
    rows.truncate(18);
    if more > 0 {
        rows.push(Row::new(vec![format!("… {more} more node groups")]));
    }
    let cols = [
        Column::left("Node group", 2.6),
        Column::left("Model", 3.0),
        Column::right("Count", 1.0),
        Column::right("Unit price", 1.9),
        Column::right("Power", 1.3),
    ];
    let right_h = sub_h + table::draw(c, Rect::new(RIGHT_X, y0 + sub_h, COLUMN_W, 0), &cols, &rows);
    y0 + left_h.max(right_h)
}

/// Own vs rent over the plan's cost horizon: cumulative cost of buying,
/// renting and the plan as drawn, with the break-even month, the verdict
/// and the figures. Absent when there is nothing to compare.
pub(super) fn own_vs_rent_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32, regions: &mut Regions) -> i32 {
    let Some(t) = input.results.and_then(|r| r.tco.as_ref()) else {
        return y - GAP;
    };
    let y0 = section_title(
        c,
        y,
        &format!("Own vs rent over {} months", t.horizon_months),
        &format!(
            "The plan's compute bought, rented on demand for {:.0} % of the hours, or paid as drawn",
            t.utilization * 100.0
        ),
    );
    let h = 460;
    regions.own_vs_rent = Rect::new(MARGIN, y0, COLUMN_W, h);
    let inner = charts::panel(
        c,
        regions.own_vs_rent,
        "Cumulative cost",
        "USD at the end of each month",
    );
    let series: Vec<LineSeries> = crate::report::tco::deployments(t)
        .iter()
        .enumerate()
        .map(|(i, d)| LineSeries {
            label: crate::report::tco::short_label(d).to_owned(),
            color: palette::SERIES[i % palette::SERIES.len()],
            points: crate::report::tco::curve(d),
        })
        .collect();
    let marker = t.break_even_months.map(|m| (m, format!("break-even {m:.1} months")));
    charts::lines(
        c,
        inner,
        &series,
        marker.as_ref().map(|(m, l)| (*m, l.as_str())),
        &|m| format!("{m:.0} mo"),
        &fmt::usd,
    );
    // Right: the verdict and the figures.
    let body = TextStyle::new(20.0, palette::INK);
    let mut ry = y0 + 8;
    ry += c.paragraph(RIGHT_X, ry, &crate::report::tco::verdict(t), &body, COLUMN_W as f32) + 16;
    let mut rows: Vec<Row> = crate::report::tco::deployments(t)
        .iter()
        .map(|d| {
            Row::new(vec![
                d.label.clone(),
                fmt::usd(d.capex_usd),
                fmt::usd(d.monthly_usd),
                fmt::usd(d.total_usd),
            ])
        })
        .collect();
    if !t.unmatched.is_empty() {
        rows.push(Row::new(vec![format!("Not compared: {}", t.unmatched.join(", "))]));
    }
    let cols = [
        Column::left("Deployment", 4.6),
        Column::right("Up front", 1.4),
        Column::right("Per month", 1.4),
        Column::right("Total", 1.4),
    ];
    ry += table::draw(c, Rect::new(RIGHT_X, ry, COLUMN_W, 0), &cols, &rows) + 16;
    let note = TextStyle::new(17.0, palette::MUTED);
    ry += c.paragraph(
        RIGHT_X,
        ry,
        "Buying: catalog list price of the compute up front (no resale value), power at TDP × (idle share + \
         utilization) × PUE × the site's price, and the site's operations. Renting: the cloud on-demand price \
         of the same systems for the hours used. As drawn: each node priced the way the plan places it.",
        &note,
        COLUMN_W as f32,
    );
    (y0 + h).max(ry)
}

fn bom_row(input: &ReportInput<'_>, n: &crate::model::Node) -> Row {
    let cloud = match input.plan.site(&n.site).map(|s| &s.kind) {
        Some(SiteKind::Cloud(c)) => Some(c),
        _ => None,
    };
    let (model, price, power_w) = match input.catalog.entry(&n.model) {
        Some(Entry::System(s)) => {
            let price = match (cloud, &s.cloud) {
                (Some(cl), Some(p)) => {
                    let od = p.on_demand_usd_per_hour;
                    let h = match cl.pricing {
                        PricingModel::OnDemand => od,
                        PricingModel::Reserved => p.reserved_usd_per_hour.unwrap_or(od * (1.0 - cl.reserved_discount)),
                        PricingModel::Spot => p.spot_usd_per_hour.unwrap_or(od * (1.0 - cl.spot_discount)),
                    };
                    format!("{}/h", fmt::usd(h))
                }
                // A cloud QPU is billed per use by its provider's formula.
                _ if s.quantum.is_some() => "per use".to_owned(),
                _ => fmt::usd(s.price_usd),
            };
            (s.name.clone(), price, s.power_w)
        }
        Some(Entry::Storage(s)) => {
            let price = if s.usd_per_gb_month > 0.0 {
                format!("${:.3}/GB-mo", s.usd_per_gb_month)
            } else {
                fmt::usd(s.price_usd)
            };
            (s.name.clone(), price, s.power_w)
        }
        Some(Entry::Switch(s)) => (s.name.clone(), fmt::usd(s.price_usd), s.power_w),
        Some(Entry::Device(d)) => (d.name.clone(), fmt::usd(d.price_usd), d.tdp_w),
        None if n.model.is_empty() => (n.kind.label().to_owned(), "—".into(), 0.0),
        None => (format!("{} (unknown)", n.model), "—".into(), 0.0),
    };
    let power = if power_w > 0.0 {
        format!("{:.1} kW", n.count as f64 * power_w / 1000.0)
    } else {
        "—".into()
    };
    Row::new(vec![n.name.clone(), model, format!("{}", n.count), price, power])
}
