//! Which plan node or link a results row or series is about, so clicking it
//! selects the subject on the canvas and selected subjects are highlighted.
//!
//! The simulator names utilization entries and series by display name
//! ("Training DGX H100 compute", "link train-storage", "lustre read",
//! "Training DGX H100 stage 0 compute"): a `link <id>` prefix names a link;
//! otherwise the longest node name or id the text starts with names a node.
//! `node_use`/`link_use` keys are plan ids already.

use crate::model::{LinkId, NodeId, Plan, Subject};
use crate::ui::state::Sel;
use std::collections::BTreeSet;

/// The plan node or link `display` names, if any.
pub fn subject_of(plan: &Plan, display: &str) -> Option<Subject> {
    let display = display.trim();
    if let Some(rest) = display.strip_prefix("link ") {
        let id = rest.split_whitespace().next().unwrap_or(rest);
        if let Some(l) = plan.links.iter().find(|l| l.id.as_str() == id) {
            return Some(Subject::Link(l.id.clone()));
        }
    }
    if let Some(l) = plan.links.iter().find(|l| l.id.as_str() == display) {
        return Some(Subject::Link(l.id.clone()));
    }
    let starts = |name: &str| {
        !name.is_empty()
            && display.starts_with(name)
            && display[name.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
    };
    plan.nodes
        .iter()
        .flat_map(|n| [(n.name.as_str(), &n.id), (n.id.as_str(), &n.id)])
        .filter(|(name, _)| starts(name))
        .max_by_key(|(name, _)| name.len())
        .map(|(_, id)| Subject::Node(id.clone()))
}

/// The subject of a serving stage's own series ("utilization",
/// "queue_length", …): the stage's first placement node.
pub fn stage_node(plan: &Plan, stage_id: &str) -> Option<Subject> {
    plan.stages
        .iter()
        .find(|s| s.id.as_str() == stage_id)
        .and_then(|s| s.placement.first())
        .map(|n| Subject::Node(n.clone()))
}

/// `subject` is selected on the canvas.
pub fn is_selected(selection: &BTreeSet<Sel>, subject: &Subject) -> bool {
    match subject {
        Subject::Node(id) => selection.contains(&Sel::Node(id.clone())),
        Subject::Link(id) => selection.contains(&Sel::Link(id.clone())),
        Subject::Site(id) => selection.contains(&Sel::Site(id.clone())),
        Subject::Stage(id) => selection.contains(&Sel::Stage(id.clone())),
        Subject::Plan => false,
    }
}

/// A plan id key of `node_use` / `link_use` as a subject.
pub fn subject_of_id(plan: &Plan, id: &str, is_link: bool) -> Option<Subject> {
    if is_link {
        let id = LinkId::from(id);
        plan.link(&id).map(|_| Subject::Link(id))
    } else {
        let id = NodeId::from(id);
        plan.node(&id).map(|_| Subject::Node(id))
    }
}

/// The display name of a subject ("DGX H100 pod", "link a--b").
pub fn subject_name(plan: &Plan, subject: &Subject) -> String {
    match subject {
        Subject::Node(id) => plan.node(id).map(|n| n.name.clone()).unwrap_or_else(|| id.to_string()),
        Subject::Link(id) => format!("link {id}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, Medium, Node, NodeKind, WiringPattern};

    fn plan() -> Plan {
        let node = |id: &str, name: &str| Node {
            name: name.into(),
            ..Node::new(id, NodeKind::GpuServer, "", 1, "dc")
        };
        let mut p = Plan::default();
        p.nodes.push(node("train", "Training DGX H100"));
        p.nodes.push(node("train2", "Training DGX H100 spare"));
        p.nodes.push(node("lustre", "Lustre"));
        p.links.push(Link {
            id: "train-storage".into(),
            from: "train".into(),
            to: "lustre".into(),
            medium: Medium::InfinibandNdr,
            pattern: WiringPattern::Spread,
            lanes: 1,
            lane_gbps: 400.0,
            latency_us: 1.0,
        });
        p
    }

    #[test]
    fn display_names_map_to_nodes_and_links() {
        let p = plan();
        let node = |id: &str| Some(Subject::Node(id.into()));
        assert_eq!(subject_of(&p, "Training DGX H100 compute"), node("train"));
        assert_eq!(
            subject_of(&p, "Training DGX H100 spare stage 0 compute"),
            node("train2")
        );
        assert_eq!(subject_of(&p, "lustre read"), node("lustre"));
        assert_eq!(
            subject_of(&p, "link train-storage"),
            Some(Subject::Link("train-storage".into()))
        );
        assert_eq!(subject_of(&p, "queue_length"), None);
        // A name must end at a word boundary: "Lustre2" is not "Lustre".
        assert_eq!(subject_of(&p, "Lustre2 read"), None);
    }
}
