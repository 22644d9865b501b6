//! Lining nodes up on the canvas grid. The grid and the node size are plan
//! geometry (positions are stored in the plan), so they live here and the
//! canvas draws with them.

use super::edit::Edit;
use super::*;

/// Width and height of a node card in canvas units.
pub const NODE_W: f32 = 200.0;
pub const NODE_H: f32 = 68.0;
/// Grid spacing in canvas units (snapping step).
pub const GRID: f32 = 20.0;

/// The nearest grid line to `v`.
pub fn snap(v: f32) -> f32 {
    (v / GRID).round() * GRID
}

/// Alignment and distribution of the selected nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrange {
    AlignLeft,
    AlignRight,
    AlignTop,
    AlignBottom,
    AlignCenterH,
    AlignCenterV,
    DistributeH,
    DistributeV,
}

pub fn arrange(plan: &Plan, ids: &[NodeId], how: Arrange) -> Option<Edit> {
    let mut nodes: Vec<&Node> = plan.nodes.iter().filter(|n| ids.contains(&n.id)).collect();
    if nodes.len() < 2 {
        return None;
    }
    let (w, h) = (NODE_W, NODE_H);
    let min_x = nodes.iter().map(|n| n.pos.0).fold(f32::INFINITY, f32::min);
    let max_x = nodes.iter().map(|n| n.pos.0).fold(f32::NEG_INFINITY, f32::max);
    let min_y = nodes.iter().map(|n| n.pos.1).fold(f32::INFINITY, f32::min);
    let max_y = nodes.iter().map(|n| n.pos.1).fold(f32::NEG_INFINITY, f32::max);
    let mid_x = (min_x + max_x) / 2.0;
    let mid_y = (min_y + max_y) / 2.0;
    let mut out = Vec::new();
    match how {
        Arrange::AlignLeft => nodes.iter().for_each(|n| out.push((n.id.clone(), (min_x, n.pos.1)))),
        Arrange::AlignRight => nodes.iter().for_each(|n| out.push((n.id.clone(), (max_x, n.pos.1)))),
        Arrange::AlignTop => nodes.iter().for_each(|n| out.push((n.id.clone(), (n.pos.0, min_y)))),
        Arrange::AlignBottom => nodes.iter().for_each(|n| out.push((n.id.clone(), (n.pos.0, max_y)))),
        Arrange::AlignCenterH => nodes
            .iter()
            .for_each(|n| out.push((n.id.clone(), (n.pos.0, snap(mid_y))))),
        Arrange::AlignCenterV => nodes
            .iter()
            .for_each(|n| out.push((n.id.clone(), (snap(mid_x), n.pos.1)))),
        Arrange::DistributeH => {
            nodes.sort_by(|a, b| a.pos.0.total_cmp(&b.pos.0));
            let span = (max_x - min_x).max((nodes.len() - 1) as f32 * (w + GRID));
            let step = span / (nodes.len() - 1) as f32;
            for (i, n) in nodes.iter().enumerate() {
                out.push((n.id.clone(), (snap(min_x + step * i as f32), n.pos.1)));
            }
        }
        Arrange::DistributeV => {
            nodes.sort_by(|a, b| a.pos.1.total_cmp(&b.pos.1));
            let span = (max_y - min_y).max((nodes.len() - 1) as f32 * (h + GRID));
            let step = span / (nodes.len() - 1) as f32;
            for (i, n) in nodes.iter().enumerate() {
                out.push((n.id.clone(), (n.pos.0, snap(min_y + step * i as f32))));
            }
        }
    }
    Some(Edit::SetPositions(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::templates::{SiteTemplate, new_node};

    fn three_nodes() -> Plan {
        let catalog = Catalog::builtin();
        let mut plan = Plan::default();
        let site = SiteTemplate::OnPrem.new_site(&plan);
        plan.sites.push(site.clone());
        for pos in [(0.0, 0.0), (37.0, 500.0), (900.0, 45.0)] {
            let node = new_node(&plan, &catalog, NodeKind::GpuServer, "dgx-h100", pos, site.id.clone());
            plan.nodes.push(node);
        }
        plan
    }

    fn positions(edit: Edit) -> Vec<(f32, f32)> {
        match edit {
            Edit::SetPositions(p) => p.into_iter().map(|(_, pos)| pos).collect(),
            other => panic!("arrange gave {other:?}"),
        }
    }

    #[test]
    fn align_top_puts_every_node_on_the_highest_row() {
        let plan = three_nodes();
        let ids: Vec<NodeId> = plan.nodes.iter().map(|n| n.id.clone()).collect();
        let pos = positions(arrange(&plan, &ids, Arrange::AlignTop).unwrap());
        assert!(pos.iter().all(|p| p.1 == 0.0), "{pos:?}");
    }

    #[test]
    fn distribute_spaces_nodes_evenly_on_the_grid_without_overlap() {
        let plan = three_nodes();
        let ids: Vec<NodeId> = plan.nodes.iter().map(|n| n.id.clone()).collect();
        let mut xs: Vec<f32> = positions(arrange(&plan, &ids, Arrange::DistributeH).unwrap())
            .into_iter()
            .map(|p| p.0)
            .collect();
        xs.sort_by(f32::total_cmp);
        assert!(xs.iter().all(|x| snap(*x) == *x), "{xs:?}");
        let gaps: Vec<f32> = xs.windows(2).map(|w| w[1] - w[0]).collect();
        assert!((gaps[0] - gaps[1]).abs() <= GRID, "{gaps:?}");
        assert!(gaps.iter().all(|g| *g >= NODE_W), "{gaps:?}");
    }

    #[test]
    fn one_node_cannot_be_arranged() {
        let plan = three_nodes();
        assert!(arrange(&plan, &[plan.nodes[0].id.clone()], Arrange::AlignLeft).is_none());
    }
}
