//! "Plan": the drawing of the plan's graph (node groups by site, labelled
//! links). The drawing itself is `report::draw::graph`; this section titles
//! it and records where it landed for `Regions`.

use super::layout::{CONTENT_W, GAP, MARGIN, MAX_GRAPH_H, section_title};
use super::{Regions, ReportInput};
use crate::format;
use crate::model::{NodeId, Plan};
use crate::report::draw::{Canvas, Rect, graph};
use std::borrow::Cow;
use std::collections::HashSet;

/// Most node groups the drawing shows. A page has room for about this many
/// readable cards; beyond it the drawing would be an unreadable smear whose
/// cost grows with the plan (10⁵ groups took minutes), so the report shows
/// the groups that matter and says how many it left out.
pub(super) const MAX_CARDS: usize = 60;

/// Draw the section starting `GAP` below `y`; returns its bottom.
pub(super) fn plan_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32, regions: &mut Regions) -> i32 {
    let shown = drawable(input.plan);
    let y = section_title(c, y + GAP, "Plan", &plan_subtitle(input.plan, &shown));
    let layout = graph::layout(&shown, MARGIN, y, CONTENT_W, MAX_GRAPH_H);
    regions.graph = Rect::new(MARGIN, y, CONTENT_W, layout.height);
    graph::draw(c, &shown, input.catalog, regions.graph, &layout);
    y + layout.height
}

/// The plan as drawn: the whole plan when it fits, otherwise the groups the
/// stages run on, then the largest by device count (plan order breaks
/// ties), with the sites that hold them and the links between them.
pub(super) fn drawable(plan: &Plan) -> Cow<'_, Plan> {
    if plan.nodes.len() <= MAX_CARDS {
        return Cow::Borrowed(plan);
    }
    let placed: HashSet<&NodeId> = plan.stages.iter().flat_map(|s| s.placement.iter()).collect();
    let mut order: Vec<usize> = (0..plan.nodes.len()).collect();
    order.sort_by_key(|&i| {
        let n = &plan.nodes[i];
        (!placed.contains(&n.id), std::cmp::Reverse(n.count), i)
    });
    let ids: HashSet<&NodeId> = order.into_iter().take(MAX_CARDS).map(|i| &plan.nodes[i].id).collect();
    let (sites, nodes, links) = plan.induced(&ids);
    Cow::Owned(Plan {
        format_version: plan.format_version,
        name: plan.name.clone(),
        description: plan.description.clone(),
        sites,
        nodes,
        links,
        stages: plan.stages.clone(),
        settings: plan.settings.clone(),
    })
}

fn plan_subtitle(plan: &Plan, shown: &Plan) -> String {
    let mut kinds: Vec<&str> = plan.sites.iter().map(|s| s.kind.label()).collect();
    kinds.dedup();
    let scope = if shown.nodes.len() < plan.nodes.len() {
        format!(
            "Showing {} of {} node groups: those the stages run on, then the largest",
            format::count(shown.nodes.len() as f64),
            format::count(plan.nodes.len() as f64)
        )
    } else {
        "Node groups by site".to_owned()
    };
    format!(
        "{scope}; links labelled with medium and lanes × Gbit/s ({})",
        kinds.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, Medium, Node, NodeKind, WiringPattern};

    fn chain(n: usize) -> Plan {
        let mut plan = crate::report::presets::preset("onprem-finance")
            .and_then(|p| p.plan().ok())
            .expect("preset parses");
        let site = plan.nodes[0].site.clone();
        for i in 0..n {
            plan.nodes
                .push(Node::new(&format!("gw-{i}"), NodeKind::Gateway, "", 1, site.as_str()));
            plan.links.push(Link {
                id: format!("chain-{i}").as_str().into(),
                from: plan.nodes[0].id.clone(),
                to: format!("gw-{i}").as_str().into(),
                medium: Medium::Ethernet100,
                pattern: WiringPattern::OneToOne,
                lanes: 1,
                lane_gbps: 100.0,
                latency_us: 1.0,
            });
        }
        plan
    }

    #[test]
    fn a_small_plan_is_drawn_whole() {
        let plan = chain(3);
        assert!(matches!(drawable(&plan), Cow::Borrowed(_)));
        assert!(plan_subtitle(&plan, &plan).starts_with("Node groups by site"));
    }

    #[test]
    fn a_large_plan_keeps_the_placed_and_largest_groups_and_says_so() {
        let plan = chain(5_000);
        let shown = drawable(&plan);
        assert_eq!(shown.nodes.len(), MAX_CARDS);
        for stage in &plan.stages {
            for id in &stage.placement {
                assert!(shown.nodes.iter().any(|n| &n.id == id), "{id} placed but not drawn");
            }
        }
        let ids: HashSet<&NodeId> = shown.nodes.iter().map(|n| &n.id).collect();
        assert!(shown.links.iter().all(|l| ids.contains(&l.from) && ids.contains(&l.to)));
        let sub = plan_subtitle(&plan, &shown);
        assert!(sub.starts_with("Showing 60 of 5,0"), "{sub}");
    }
}
