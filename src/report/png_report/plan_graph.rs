//! "Plan": the drawing of the plan's graph (node groups by site, labelled
//! links). The drawing itself is `report::draw::graph`; this section titles
//! it and records where it landed for `Regions`.

use super::layout::{CONTENT_W, GAP, MARGIN, MAX_GRAPH_H, section_title};
use super::{Regions, ReportInput};
use crate::model::Plan;
use crate::report::draw::{Canvas, Rect, graph};

/// Draw the section starting `GAP` below `y`; returns its bottom.
pub(super) fn plan_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32, regions: &mut Regions) -> i32 {
    let y = section_title(c, y + GAP, "Plan", &plan_subtitle(input.plan));
    let layout = graph::layout(input.plan, MARGIN, y, CONTENT_W, MAX_GRAPH_H);
    regions.graph = Rect::new(MARGIN, y, CONTENT_W, layout.height);
    graph::draw(c, input.plan, input.catalog, regions.graph, &layout);
    y + layout.height
}

fn plan_subtitle(plan: &Plan) -> String {
    let mut kinds: Vec<&str> = plan.sites.iter().map(|s| s.kind.label()).collect();
    kinds.dedup();
    format!(
        "Node groups by site; links labelled with medium and lanes × Gbit/s ({})",
        kinds.join(", ")
    )
}
