//! Look-ups by id in one step. `Plan` keeps its elements in vectors (file
//! order is the user's order), so `Plan::node` and `Plan::links_of` scan;
//! code that looks up every node or every link builds a [`PlanIndex`] once
//! and stays linear in the plan's size (a 10⁵-group plan is inside the file
//! size limit, and a scan per element made it quadratic: minutes of `check`).

use super::{Link, LinkId, Medium, Node, NodeId, NodeKind, NodeRole, Plan, Site, SiteId};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// Nodes, sites and the links of each node, by id. With duplicate ids (a
/// validation error) the first one wins, as with `Plan::node`.
pub struct PlanIndex<'a> {
    nodes: HashMap<&'a NodeId, &'a Node>,
    sites: HashMap<&'a SiteId, &'a Site>,
    links_of: HashMap<&'a NodeId, Vec<&'a Link>>,
}

impl<'a> PlanIndex<'a> {
    pub fn new(plan: &'a Plan) -> Self {
        let mut nodes = HashMap::with_capacity(plan.nodes.len());
        for n in &plan.nodes {
            nodes.entry(&n.id).or_insert(n);
        }
        let mut sites = HashMap::with_capacity(plan.sites.len());
        for s in &plan.sites {
            sites.entry(&s.id).or_insert(s);
        }
        let mut links_of: HashMap<&NodeId, Vec<&Link>> = HashMap::new();
        for l in &plan.links {
            links_of.entry(&l.from).or_default().push(l);
            if l.to != l.from {
                links_of.entry(&l.to).or_default().push(l);
            }
        }
        Self { nodes, sites, links_of }
    }

    pub fn node(&self, id: &NodeId) -> Option<&'a Node> {
        self.nodes.get(id).copied()
    }

    pub fn site(&self, id: &SiteId) -> Option<&'a Site> {
        self.sites.get(id).copied()
    }

    /// Links that touch a node, in plan order (as `Plan::links_of`).
    pub fn links_of(&self, id: &NodeId) -> impl Iterator<Item = &'a Link> + '_ {
        self.links_of.get(id).into_iter().flatten().copied()
    }

    /// Plan links on a fewest-hop path from `from` to `to` (breadth-first,
    /// links in plan order, so the choice is deterministic); empty when
    /// there is none. Intermediate hops go through network nodes
    /// (switches, gateways) and caches only; NVLink and PCIe links are
    /// inside servers and never carry traffic between groups.
    pub fn path(&self, from: &'a NodeId, to: &'a NodeId) -> Vec<LinkId> {
        if from == to {
            return Vec::new();
        }
        let mut prev: BTreeMap<&NodeId, (&NodeId, &LinkId)> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(n) = queue.pop_front() {
            if n == to {
                break;
            }
            // Only the start and network nodes forward traffic.
            if n != from {
                let forwards = self
                    .node(n)
                    .is_some_and(|x| x.kind.role() == NodeRole::Network || x.kind == NodeKind::NvmeCache);
                if !forwards {
                    continue;
                }
            }
            for l in self.links_of(n) {
                if matches!(l.medium, Medium::NvLink | Medium::Pcie4 | Medium::Pcie5) {
                    continue;
                }
                let other = if &l.from == n { &l.to } else { &l.from };
                if seen.insert(other) {
                    prev.insert(other, (n, &l.id));
                    queue.push_back(other);
                }
            }
        }
        let mut out = Vec::new();
        let mut at = to;
        while let Some(&(p, l)) = prev.get(at) {
            out.push(l.clone());
            at = p;
            if at == from {
                out.reverse();
                return out;
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Medium, NodeKind, WiringPattern};

    fn link(id: &str, from: &str, to: &str) -> Link {
        Link {
            id: id.into(),
            from: from.into(),
            to: to.into(),
            medium: Medium::Ethernet100,
            pattern: WiringPattern::OneToOne,
            lanes: 1,
            lane_gbps: 100.0,
            latency_us: 0.0,
        }
    }

    #[test]
    fn answers_as_the_plan_scans_do() {
        let mut plan = Plan::default();
        plan.nodes.push(Node::new("a", NodeKind::Gateway, "", 1, "s"));
        plan.nodes.push(Node::new("b", NodeKind::Gateway, "", 2, "s"));
        let mut dup = Node::new("a", NodeKind::Gateway, "", 3, "s");
        dup.name = "duplicate".into();
        plan.nodes.push(dup);
        plan.links = vec![link("l1", "a", "b"), link("l2", "b", "b"), link("l3", "b", "a")];
        let index = PlanIndex::new(&plan);
        for id in ["a", "b", "missing"] {
            let id = NodeId::from(id);
            assert_eq!(index.node(&id), plan.node(&id));
            let ours: Vec<_> = index.links_of(&id).map(|l| &l.id).collect();
            let theirs: Vec<_> = plan.links_of(&id).map(|l| &l.id).collect();
            assert_eq!(ours, theirs);
        }
    }
}
