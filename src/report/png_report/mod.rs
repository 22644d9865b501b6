//! The PNG report: one tall page (2000 px wide) that a plan and, when it has
//! been simulated, its results leave the application as. The same code runs
//! for the GUI's "Export report…" and `clusterforge report`.
//!
//! The page holds: a title band (plan name, date, status), the plan at a
//! glance (figures from the plan and catalog alone), key simulated figures,
//! a drawing of the plan's graph, four charts (iteration-time breakdown,
//! utilization, cost by site and component, lifecycle timeline), the cost
//! table, the bill of materials, the stages, diagnoses and validation
//! problems, the assumptions, the fidelity settings, and the catalog sources
//! of every catalog entry the plan uses. The PNG carries the plan's RON in an
//! `iTXt` chunk, so opening the report reopens the plan.
//!
//! Without results (not simulated yet, or a plan with errors) the report
//! still renders: the simulated sections say "not simulated" and the
//! validation problems are listed.

mod assumptions;
mod bands;
mod charts;
mod cost;
mod findings;
mod glance;
mod key_figures;
mod labels;
mod layout;
mod plan_graph;
mod sources;
mod stages;
mod uncertainty;

use self::layout::{CONTENT_W, GAP, MARGIN, MAX_HEIGHT, section_title};
use super::draw::{Canvas, DrawError, Rect};
use crate::model::{Catalog, Plan};

pub use self::glance::Inventory;
pub use self::labels::{pricing_label, provider_label};
pub use self::layout::PAGE_WIDTH;
pub use self::sources::catalog_entries_used;
pub use super::figures::{CostLine, Figures, StageFigures, TimelineSpan, UseFigure};

/// What a report is drawn from. `results` is `None` for a plan that has not
/// been simulated; `generated` is the date/time printed on the page (passed
/// in so the same input always gives the same pixels).
#[derive(Clone, Copy)]
pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    pub catalog: &'a Catalog,
    pub results: Option<&'a Figures>,
    /// P10/P50/P90 bands of a seeded uncertainty run, when one was made.
    pub uncertainty: Option<&'a crate::sim::uncertainty::Uncertainty>,
    pub generated: &'a str,
}

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Draw(#[from] DrawError),
    #[error("encoding the PNG failed: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Where the main parts of the page are (used by tests and the GUI preview).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Regions {
    pub title: Rect,
    pub key_figures: Rect,
    pub graph: Rect,
    /// Breakdown, utilization, cost, timeline.
    pub charts: Vec<Rect>,
    /// The own-vs-rent chart (empty when the section is absent).
    pub own_vs_rent: Rect,
    pub sources: Rect,
}

/// A rendered page: RGB8 pixels, row by row.
pub struct RenderedReport {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub regions: Regions,
}

impl RenderedReport {
    /// PNG bytes with the plan's RON embedded.
    pub fn to_png(&self, plan: &Plan) -> Result<Vec<u8>, ReportError> {
        Ok(super::png::encode_rgb_with_plan(
            self.width,
            self.height,
            &self.rgb,
            &super::plan_to_ron(plan),
        )?)
    }
}

/// Render the report and encode it as PNG (with the plan embedded).
pub fn render_png(input: &ReportInput<'_>) -> Result<Vec<u8>, ReportError> {
    render(input)?.to_png(input.plan)
}

/// Render the report page.
pub fn render(input: &ReportInput<'_>) -> Result<RenderedReport, ReportError> {
    // The prices the simulation used: the plan's discounts off the catalog.
    let discounted = input.catalog.discounted(&input.plan.settings.discounts);
    let input = &ReportInput {
        catalog: &discounted,
        ..*input
    };
    let mut c = Canvas::new(PAGE_WIDTH, MAX_HEIGHT)?;
    let mut regions = Regions::default();
    let content_w = CONTENT_W;
    let mut y = bands::title_band(&mut c, input, &mut regions);
    y = bands::status_strip(&mut c, input, y + GAP);
    y = section_title(
        &mut c,
        y + GAP,
        "Plan at a glance",
        if input.plan.settings.discounts.is_none() {
            "From the plan and the catalog (list prices)"
        } else {
            "From the plan and the catalog (list prices less the plan's discounts)"
        },
    );
    y = glance::glance_cards(&mut c, input, y);
    y = section_title(
        &mut c,
        y + GAP,
        "Key figures",
        if input.results.is_some() {
            "Simulated"
        } else {
            "Not simulated"
        },
    );
    let kf_top = y;
    y = key_figures::key_figures(&mut c, input, y);
    regions.key_figures = Rect::new(MARGIN, kf_top, content_w, y - kf_top);

    y = plan_graph::plan_section(&mut c, input, y, &mut regions);

    y = section_title(&mut c, y + GAP, "Where the time and money go", "");
    let (chart_rects, bottom) = charts::chart_grid(&mut c, input, y);
    regions.charts = chart_rects;
    y = bottom;

    y = cost::tables(&mut c, input, y + GAP);
    y = cost::own_vs_rent_section(&mut c, input, y + GAP, &mut regions);
    if input.uncertainty.is_some() {
        y = uncertainty::uncertainty_section(&mut c, input, y + GAP);
    }
    y = stages::stages_section(&mut c, input, y + GAP);
    y = findings::diagnosis_section(&mut c, input, y + GAP);
    y = assumptions::assumptions_section(&mut c, input, y + GAP);
    let src_top = y + GAP;
    y = sources::sources_section(&mut c, input, src_top);
    regions.sources = Rect::new(MARGIN, src_top, content_w, y - src_top);
    y = bands::footer(&mut c, input, y + GAP);
    c.crop_height(y as u32);
    Ok(RenderedReport {
        width: c.width,
        height: c.height,
        rgb: c.pixels,
        regions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format as fmt;

    #[test]
    fn durations_pick_readable_units() {
        assert_eq!(fmt::duration(0.0004), "400 µs");
        assert_eq!(fmt::duration(0.25), "250 ms");
        assert_eq!(fmt::duration(42.0), "42.0 s");
        assert_eq!(fmt::duration(900.0), "15 min");
        assert_eq!(fmt::duration(5.0 * 3600.0), "5.0 h");
        assert_eq!(fmt::duration(10.0 * 86400.0), "10.0 days");
        assert_eq!(fmt::duration(f64::NAN), "—");
    }

    #[test]
    fn money_and_counts() {
        assert_eq!(fmt::usd(1_234_567.0), "$1.23M");
        assert_eq!(fmt::usd(45_600.0), "$46k");
        assert_eq!(fmt::usd(1_500.0), "$1.5k");
        assert_eq!(fmt::usd(3.5), "$3.50");
        assert_eq!(fmt::si(1.0e12), "1.00T");
        assert_eq!(fmt::si(256.0), "256");
        assert_eq!(fmt::si(12_345.0), "12.3k");
        use crate::sim::metrics::MetricKey as K;
        assert_eq!(K::Mfu.format(0.412), "41.2 %");
        assert_eq!(K::TimeToTrain.format(7200.0), "2.0 h");
        assert_eq!(K::TokensPerSecond.format(1.27e6), "1.27M tokens/s");
        assert_eq!(K::SecondsPerIteration.format(1.5), "1.5 s");
        assert_eq!(K::MemoryPerGpu.format(61.2e9), "61.2 GB");
        assert_eq!(K::DataDemand.format(2.5e9), "2.5 GB/s");
        assert_eq!(K::Goodput.format(0.93), "93.0 %");
        assert_eq!(K::ModelTflopsPerGpu.format(412.3), "412 TFLOP/s");
        assert_eq!(K::TokensPerSecondPerGpu.label(), "Tokens/s per GPU");
        assert_eq!(K::DataDemand.label(), "Data demand");
        assert_eq!(fmt::usd(0.0), "$0");
    }

    #[test]
    fn empty_plan_renders() {
        let plan = Plan::default();
        let catalog = Catalog::builtin();
        let input = ReportInput {
            plan: &plan,
            catalog: &catalog,
            results: None,
            uncertainty: None,
            generated: "2026-01-01",
        };
        let r = render(&input).unwrap();
        assert_eq!(r.width, PAGE_WIDTH);
        assert_eq!(r.rgb.len(), (r.width * r.height * 3) as usize);
        assert!(r.height > 1500);
    }
}
