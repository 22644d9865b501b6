//! Every change the editor makes to a plan, as data: [`Edit`] and how it
//! applies to a [`Plan`], the clipboard's [`Clip`], and fresh ids for new
//! elements. Pure (no egui, no files) so the editing rules are tested
//! without a window and any front end applies the same edits; the undo
//! history, the selection set and the canvas geometry stay in `ui`.

use super::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One element of the plan an edit names (to delete) or hands back (to
/// select). The editor's selection is a set of these.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sel {
    Node(NodeId),
    Link(LinkId),
    Site(SiteId),
    Stage(StageId),
}

/// A change to the plan. The editor applies each one as one undo step
/// (`ui::state::EditorState::apply`), so an edit must take the plan from one
/// whole state to another and say what to select afterwards.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    AddNode {
        node: Node,
        new_site: Option<Site>,
    },
    AddNodeWithLink {
        node: Node,
        link: Link,
    },
    AddLink(Link),
    AddSite(Site),
    AddStage(Stage),
    Delete(Vec<Sel>),
    /// Move nodes by `delta` (canvas units); optionally into another site.
    Move {
        ids: Vec<NodeId>,
        delta: (f32, f32),
        to_site: Option<SiteId>,
    },
    SetPositions(Vec<(NodeId, (f32, f32))>),
    SetNodes(Vec<Node>),
    SetLinks(Vec<Link>),
    SetSite(Site),
    SetStage(Stage),
    /// Replace `link` by two links through `node`.
    InsertNodeOnLink {
        link: LinkId,
        first: Link,
        second: Link,
    },
    Paste(Clip),
    SetPlanInfo {
        name: String,
        description: String,
        settings: SimSettings,
    },
    /// Several edits as one undo step (a drag that moves and inserts).
    Batch(Vec<Edit>),
}

impl Edit {
    pub fn label(&self) -> String {
        match self {
            Edit::AddNode { node, .. } => format!("Add {}", node.name),
            Edit::AddNodeWithLink { node, .. } => format!("Add {} and link", node.name),
            Edit::AddLink(_) => "Connect".into(),
            Edit::AddSite(s) => format!("Add site {}", s.name),
            Edit::AddStage(s) => format!("Add stage {}", s.name),
            Edit::Delete(s) => format!("Delete {} element(s)", s.len()),
            Edit::Move { ids, .. } => format!("Move {} node(s)", ids.len()),
            Edit::SetPositions(_) => "Arrange".into(),
            Edit::SetNodes(_) => "Edit node".into(),
            Edit::SetLinks(_) => "Edit link".into(),
            Edit::SetSite(_) => "Edit site".into(),
            Edit::SetStage(_) => "Edit stage".into(),
            Edit::InsertNodeOnLink { .. } => "Insert node on link".into(),
            Edit::Paste(c) => format!("Paste {} node(s)", c.nodes.len()),
            Edit::SetPlanInfo { .. } => "Edit plan".into(),
            Edit::Batch(list) => list.first().map(|e| e.label()).unwrap_or_default(),
        }
    }

    /// Apply to `plan`. Returns the selection after the edit, if it changes.
    pub fn apply_to(&self, plan: &mut Plan, _catalog: &Catalog) -> Result<Option<BTreeSet<Sel>>, String> {
        match self {
            Edit::AddNode { node, new_site } => {
                if let Some(site) = new_site {
                    if plan.site(&site.id).is_some() {
                        return Err(format!("site id '{}' is taken", site.id));
                    }
                    plan.sites.push(site.clone());
                }
                if plan.node(&node.id).is_some() {
                    return Err(format!("node id '{}' is taken", node.id));
                }
                plan.nodes.push(node.clone());
                Ok(Some([Sel::Node(node.id.clone())].into()))
            }
            Edit::AddNodeWithLink { node, link } => {
                if plan.node(&node.id).is_some() || plan.link(&link.id).is_some() {
                    return Err("id is taken".into());
                }
                plan.nodes.push(node.clone());
                plan.links.push(link.clone());
                Ok(Some([Sel::Node(node.id.clone())].into()))
            }
            Edit::AddLink(link) => {
                if plan.link(&link.id).is_some() {
                    return Err(format!("link id '{}' is taken", link.id));
                }
                plan.links.push(link.clone());
                Ok(Some([Sel::Link(link.id.clone())].into()))
            }
            Edit::AddSite(site) => {
                if plan.site(&site.id).is_some() {
                    return Err(format!("site id '{}' is taken", site.id));
                }
                plan.sites.push(site.clone());
                Ok(Some([Sel::Site(site.id.clone())].into()))
            }
            Edit::AddStage(stage) => {
                if plan.stage(&stage.id).is_some() {
                    return Err(format!("stage id '{}' is taken", stage.id));
                }
                plan.stages.push(stage.clone());
                Ok(Some([Sel::Stage(stage.id.clone())].into()))
            }
            Edit::Delete(sels) => {
                let mut nodes: BTreeSet<NodeId> = BTreeSet::new();
                let mut links: BTreeSet<LinkId> = BTreeSet::new();
                let mut sites: BTreeSet<SiteId> = BTreeSet::new();
                let mut stages: BTreeSet<StageId> = BTreeSet::new();
                for s in sels {
                    match s {
                        Sel::Node(id) => {
                            nodes.insert(id.clone());
                        }
                        Sel::Link(id) => {
                            links.insert(id.clone());
                        }
                        Sel::Site(id) => {
                            sites.insert(id.clone());
                        }
                        Sel::Stage(id) => {
                            stages.insert(id.clone());
                        }
                    }
                }
                for n in &plan.nodes {
                    if sites.contains(&n.site) {
                        nodes.insert(n.id.clone());
                    }
                }
                plan.sites.retain(|s| !sites.contains(&s.id));
                plan.nodes.retain(|n| !nodes.contains(&n.id));
                plan.links
                    .retain(|l| !links.contains(&l.id) && !nodes.contains(&l.from) && !nodes.contains(&l.to));
                plan.stages.retain(|s| !stages.contains(&s.id));
                for s in &mut plan.stages {
                    s.after.retain(|d| !stages.contains(d));
                    s.placement.retain(|n| !nodes.contains(n));
                }
                Ok(Some(BTreeSet::new()))
            }
            Edit::Move { ids, delta, to_site } => {
                let set: HashSet<&NodeId> = ids.iter().collect();
                for n in plan.nodes.iter_mut().filter(|n| set.contains(&n.id)) {
                    n.pos = (n.pos.0 + delta.0, n.pos.1 + delta.1);
                    if let Some(site) = to_site {
                        n.site = site.clone();
                    }
                }
                Ok(None)
            }
            Edit::SetPositions(list) => {
                let map: BTreeMap<&NodeId, (f32, f32)> = list.iter().map(|(id, p)| (id, *p)).collect();
                for n in plan.nodes.iter_mut() {
                    if let Some(p) = map.get(&n.id) {
                        n.pos = *p;
                    }
                }
                Ok(None)
            }
            Edit::SetNodes(list) => {
                for new in list {
                    let Some(n) = plan.node_mut(&new.id) else {
                        return Err(format!("node '{}' no longer exists", new.id));
                    };
                    *n = new.clone();
                }
                Ok(None)
            }
            Edit::SetLinks(list) => {
                for new in list {
                    let Some(l) = plan.links.iter_mut().find(|l| l.id == new.id) else {
                        return Err(format!("link '{}' no longer exists", new.id));
                    };
                    *l = new.clone();
                }
                Ok(None)
            }
            Edit::SetSite(new) => {
                let Some(s) = plan.sites.iter_mut().find(|s| s.id == new.id) else {
                    return Err(format!("site '{}' no longer exists", new.id));
                };
                *s = new.clone();
                Ok(None)
            }
            Edit::SetStage(new) => {
                let Some(s) = plan.stages.iter_mut().find(|s| s.id == new.id) else {
                    return Err(format!("stage '{}' no longer exists", new.id));
                };
                *s = new.clone();
                Ok(None)
            }
            Edit::InsertNodeOnLink { link, first, second } => {
                let Some(i) = plan.links.iter().position(|l| &l.id == link) else {
                    return Err(format!("link '{link}' no longer exists"));
                };
                plan.links.remove(i);
                plan.links.insert(i, second.clone());
                plan.links.insert(i, first.clone());
                Ok(None)
            }
            Edit::Paste(clip) => {
                for s in &clip.sites {
                    if plan.site(&s.id).is_none() {
                        plan.sites.push(s.clone());
                    }
                }
                plan.nodes.extend(clip.nodes.iter().cloned());
                plan.links.extend(clip.links.iter().cloned());
                let sel = clip
                    .nodes
                    .iter()
                    .map(|n| Sel::Node(n.id.clone()))
                    .chain(clip.links.iter().map(|l| Sel::Link(l.id.clone())))
                    .collect();
                Ok(Some(sel))
            }
            Edit::SetPlanInfo {
                name,
                description,
                settings,
            } => {
                plan.name = name.clone();
                plan.description = description.clone();
                plan.settings = settings.clone();
                Ok(None)
            }
            Edit::Batch(list) => {
                let mut sel = None;
                for e in list {
                    if let Some(s) = e.apply_to(plan, _catalog)? {
                        sel = Some(s);
                    }
                }
                Ok(sel)
            }
        }
    }
}

/// What Copy puts on the clipboard: RON text, so it pastes into another
/// plan, another window or a text editor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clip {
    pub clusterforge_clip: u32,
    #[serde(default)]
    pub sites: Vec<Site>,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub links: Vec<Link>,
}

impl Clip {
    /// Selected nodes with the links between them and the sites they live in.
    pub fn from_selection(plan: &Plan, selection: &BTreeSet<Sel>) -> Option<Clip> {
        let ids: HashSet<&NodeId> = selection
            .iter()
            .filter_map(|s| match s {
                Sel::Node(id) => Some(id),
                _ => None,
            })
            .collect();
        if ids.is_empty() {
            return None;
        }
        let (sites, nodes, links) = plan.induced(&ids);
        Some(Clip {
            clusterforge_clip: 1,
            sites,
            nodes,
            links,
        })
    }

    pub fn to_ron(&self) -> String {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::new().struct_names(true))
            .unwrap_or_else(|e| format!("// cannot copy: {e}"))
    }

    pub fn from_ron(text: &str) -> Result<Clip, String> {
        ron::from_str::<Clip>(text.trim())
            .map_err(|e| format!("the clipboard holds no ClusterForge nodes ({})", e.code))
    }

    /// A copy ready to paste into `plan`: fresh ids, moved by `offset`.
    /// Sites already in the plan are reused; missing ones are added.
    pub fn rekeyed_for(&self, plan: &Plan, offset: (f32, f32)) -> Clip {
        let mut taken: HashSet<String> = plan.nodes.iter().map(|n| n.id.0.clone()).collect();
        let mut taken_links: HashSet<String> = plan.links.iter().map(|l| l.id.0.clone()).collect();
        let mut node_map: BTreeMap<NodeId, NodeId> = BTreeMap::new();
        let sites: Vec<Site> = self
            .sites
            .iter()
            .filter(|s| plan.site(&s.id).is_none())
            .cloned()
            .collect();
        let fallback_site = plan.sites.first().map(|s| s.id.clone());
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                let id = NodeId(fresh_id(&mut taken, base_of(&n.id.0)));
                node_map.insert(n.id.clone(), id.clone());
                let mut n = n.clone();
                n.id = id;
                n.pos = (n.pos.0 + offset.0, n.pos.1 + offset.1);
                let site_known = plan.site(&n.site).is_some() || sites.iter().any(|s| s.id == n.site);
                if !site_known && let Some(f) = &fallback_site {
                    n.site = f.clone();
                }
                n
            })
            .collect();
        let links = self
            .links
            .iter()
            .filter_map(|l| {
                let from = node_map.get(&l.from)?.clone();
                let to = node_map.get(&l.to)?.clone();
                let mut l = l.clone();
                l.id = LinkId(fresh_id(&mut taken_links, base_of(&l.id.0)));
                l.from = from;
                l.to = to;
                Some(l)
            })
            .collect();
        Clip {
            clusterforge_clip: 1,
            sites,
            nodes,
            links,
        }
    }
}

/// `gpu-pod-3` becomes `gpu-pod`.
fn base_of(id: &str) -> &str {
    match id.rsplit_once('-') {
        Some((base, n)) if !base.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => base,
        _ => id,
    }
}

/// `base`, or `base-2`, `base-3`, … whichever is free; marks it taken.
pub fn fresh_id(taken: &mut HashSet<String>, base: &str) -> String {
    let base = if base.is_empty() { "item" } else { base };
    let mut candidate = base.to_owned();
    let mut i = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{i}");
        i += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

pub fn fresh_node_id(plan: &Plan, base: &str) -> NodeId {
    let mut taken: HashSet<String> = plan.nodes.iter().map(|n| n.id.0.clone()).collect();
    NodeId(fresh_id(&mut taken, &slug(base)))
}
pub fn fresh_link_id(plan: &Plan, from: &NodeId, to: &NodeId) -> LinkId {
    let mut taken: HashSet<String> = plan.links.iter().map(|l| l.id.0.clone()).collect();
    LinkId(fresh_id(&mut taken, &format!("{from}--{to}")))
}
pub fn fresh_site_id(plan: &Plan, base: &str) -> SiteId {
    let mut taken: HashSet<String> = plan.sites.iter().map(|s| s.id.0.clone()).collect();
    SiteId(fresh_id(&mut taken, &slug(base)))
}
pub fn fresh_stage_id(plan: &Plan, base: &str) -> StageId {
    let mut taken: HashSet<String> = plan.stages.iter().map(|s| s.id.0.clone()).collect();
    StageId(fresh_id(&mut taken, &slug(base)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, site: &str) -> Node {
        Node {
            id: id.into(),
            name: id.into(),
            kind: NodeKind::GpuServer,
            model: String::new(),
            count: 1,
            site: site.into(),
            pos: (0.0, 0.0),
            capacity_tb: None,
            cache_hit_ratio: None,
        }
    }

    fn link(from: &str, to: &str) -> Link {
        Link {
            id: LinkId(format!("{from}--{to}")),
            from: from.into(),
            to: to.into(),
            medium: Medium::NvLink,
            pattern: WiringPattern::Spread,
            lanes: 1,
            lane_gbps: 100.0,
            latency_us: 1.0,
        }
    }

    /// Sites `a` (nodes `gpu`, `store`) and `b` (node `cpu`), links from
    /// `gpu` to both, and a checkpoint stage on `gpu` writing to `store`.
    fn plan() -> Plan {
        let site = |id: &str| Site {
            id: id.into(),
            name: id.into(),
            kind: SiteKind::Edge(EdgeSite {
                locations: 1,
                power_usd_per_kwh: 0.1,
                amortization_years: 4.0,
            }),
            carbon_kg_per_kwh: 0.37,
        };
        Plan {
            sites: vec![site("a"), site("b")],
            nodes: vec![node("gpu", "a"), node("store", "a"), node("cpu", "b")],
            links: vec![link("gpu", "store"), link("gpu", "cpu")],
            stages: vec![Stage {
                id: "save".into(),
                name: "save".into(),
                after: Vec::new(),
                placement: vec!["gpu".into(), "cpu".into()],
                kind: StageKind::Checkpoint(CheckpointStage {
                    size_gb: 1.0,
                    target: "store".into(),
                }),
            }],
            ..Plan::default()
        }
    }

    fn node_ids(plan: &Plan) -> Vec<&str> {
        plan.nodes.iter().map(|n| n.id.0.as_str()).collect()
    }

    #[test]
    fn fresh_ids_skip_taken_ones() {
        let mut taken: HashSet<String> = ["a".to_owned(), "a-2".to_owned()].into();
        assert_eq!(fresh_id(&mut taken, "a"), "a-3");
        assert_eq!(fresh_id(&mut taken, "b"), "b");
        assert_eq!(base_of("gpu-pod-12"), "gpu-pod");
        assert_eq!(slug("DGX H100 (8×)"), "dgx-h100-8");
    }

    #[test]
    fn deleting_a_site_takes_its_nodes_their_links_and_placements() {
        let mut p = plan();
        let sel = Edit::Delete(vec![Sel::Site("a".into())]).apply_to(&mut p, &Catalog::builtin());
        assert_eq!(sel, Ok(Some(BTreeSet::new())), "nothing is left selected");
        assert_eq!(node_ids(&p), ["cpu"]);
        assert!(p.links.is_empty());
        assert_eq!(p.stages[0].placement, [NodeId::from("cpu")]);
    }

    #[test]
    fn a_taken_id_is_refused_and_a_batch_selects_what_its_last_edit_selected() {
        let catalog = Catalog::builtin();
        let mut p = plan();
        let taken = Edit::AddNode {
            node: node("gpu", "a"),
            new_site: None,
        };
        assert!(taken.apply_to(&mut p, &catalog).is_err());
        let batch = Edit::Batch(vec![
            Edit::AddNode {
                node: node("gpu-2", "a"),
                new_site: None,
            },
            Edit::AddLink(link("gpu-2", "cpu")),
        ]);
        let sel = batch.apply_to(&mut p, &catalog);
        assert_eq!(sel, Ok(Some([Sel::Link("gpu-2--cpu".into())].into())));
        assert_eq!(node_ids(&p), ["gpu", "store", "cpu", "gpu-2"]);
    }

    #[test]
    fn a_rekeyed_clip_pastes_fresh_ids_with_the_links_between_its_nodes() {
        let mut p = plan();
        let selection: BTreeSet<Sel> = [Sel::Node("gpu".into()), Sel::Node("cpu".into())].into();
        let clip = Clip::from_selection(&p, &selection).expect("nodes are selected");
        assert_eq!(clip.links.len(), 1, "only the link between copied nodes");
        let back = Clip::from_ron(&clip.to_ron()).expect("the clipboard text reads back");
        assert_eq!(back, clip);
        let clip = clip.rekeyed_for(&p, (40.0, 40.0));
        let sel = Edit::Paste(clip).apply_to(&mut p, &Catalog::builtin());
        assert_eq!(node_ids(&p), ["gpu", "store", "cpu", "gpu-2", "cpu-2"]);
        let pasted = p.link(&"gpu--cpu-2".into()).expect("the copied link joins the copies");
        assert_eq!((pasted.from.0.as_str(), pasted.to.0.as_str()), ("gpu-2", "cpu-2"));
        assert_eq!(p.node(&"cpu-2".into()).map(|n| n.pos), Some((40.0, 40.0)));
        assert_eq!(
            sel.map(|s| s.map(|s| s.len())),
            Ok(Some(3)),
            "the pasted nodes and link"
        );
    }
}
