//! What changed between two plans: sites, nodes, links and stages added,
//! removed or changed, one readable line per change ("dgx-train: count 16
//! to 32", "train-leaf: medium InfiniBand NDR to 400 GbE").
//!
//! Elements are matched by id. Fields are compared through their serde
//! form, so every field of the plan is covered without a hand-written list;
//! canvas positions are ignored (they change no result).

use crate::model::{Medium, NodeKind, Plan, Precision, WiringPattern};
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Which part of the plan a change is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Plan,
    Site,
    Node,
    Link,
    Stage,
    Settings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

/// One change, e.g. `{part: Node, change: Changed, id: "dgx-train", text: "count 16 to 32"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffLine {
    pub part: Part,
    pub change: Change,
    /// Id of the element ("" for plan-level changes).
    pub id: String,
    pub text: String,
}

impl fmt::Display for DiffLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.part {
            Part::Plan => "plan",
            Part::Site => "site",
            Part::Node => "node",
            Part::Link => "link",
            Part::Stage => "stage",
            Part::Settings => "settings",
        };
        match self.change {
            Change::Added => write!(f, "added {what} {}: {}", self.id, self.text),
            Change::Removed => write!(f, "removed {what} {}: {}", self.id, self.text),
            Change::Changed if self.id.is_empty() => write!(f, "{what}: {}", self.text),
            Change::Changed => write!(f, "{}: {}", self.id, self.text),
        }
    }
}

/// Every difference from `baseline` to `current`, in plan order: sites,
/// nodes, links, stages, settings.
pub fn plan_diff(baseline: &Plan, current: &Plan) -> Vec<DiffLine> {
    let mut out = Vec::new();
    if baseline.name != current.name {
        out.push(DiffLine {
            part: Part::Plan,
            change: Change::Changed,
            id: String::new(),
            text: format!("name '{}' to '{}'", baseline.name, current.name),
        });
    }
    diff_elements(
        Part::Site,
        &baseline.sites,
        &current.sites,
        |s| s.id.as_str(),
        |s| format!("{} ({})", s.name, s.kind.label()),
        &mut out,
    );
    diff_elements(
        Part::Node,
        &baseline.nodes,
        &current.nodes,
        |n| n.id.as_str(),
        |n| format!("{} x {} ({})", n.count, n.kind.label(), n.model),
        &mut out,
    );
    diff_elements(
        Part::Link,
        &baseline.links,
        &current.links,
        |l| l.id.as_str(),
        |l| format!("{} to {}, {}", l.from, l.to, l.medium.label()),
        &mut out,
    );
    diff_elements(
        Part::Stage,
        &baseline.stages,
        &current.stages,
        |s| s.id.as_str(),
        |s| format!("{} ({})", s.name, s.kind.label()),
        &mut out,
    );
    let mut lines = Vec::new();
    diff_value(
        &mut Vec::new(),
        &to_value(&baseline.settings),
        &to_value(&current.settings),
        &mut lines,
    );
    out.extend(lines.into_iter().map(|text| DiffLine {
        part: Part::Settings,
        change: Change::Changed,
        id: String::new(),
        text,
    }));
    out
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn diff_elements<T: Serialize>(
    part: Part,
    baseline: &[T],
    current: &[T],
    id: impl Fn(&T) -> &str,
    summary: impl Fn(&T) -> String,
    out: &mut Vec<DiffLine>,
) {
    for b in baseline {
        if !current.iter().any(|c| id(c) == id(b)) {
            out.push(DiffLine {
                part,
                change: Change::Removed,
                id: id(b).to_owned(),
                text: summary(b),
            });
        }
    }
    for c in current {
        match baseline.iter().find(|b| id(b) == id(c)) {
            None => out.push(DiffLine {
                part,
                change: Change::Added,
                id: id(c).to_owned(),
                text: summary(c),
            }),
            Some(b) => {
                let mut lines = Vec::new();
                diff_value(&mut Vec::new(), &to_value(b), &to_value(c), &mut lines);
                out.extend(lines.into_iter().map(|text| DiffLine {
                    part,
                    change: Change::Changed,
                    id: id(c).to_owned(),
                    text,
                }));
            }
        }
    }
}

/// Fields that change no result and are not reported.
const IGNORED: &[&str] = &["pos", "description"];

/// An enum variant wrapper in serde's form: `{"Train": {...}}`.
fn variant(v: &Value) -> Option<(&str, &Value)> {
    let Value::Object(m) = v else { return None };
    if m.len() != 1 {
        return None;
    }
    let (k, inner) = m.iter().next()?;
    k.starts_with(|c: char| c.is_ascii_uppercase())
        .then_some((k.as_str(), inner))
}

fn diff_value(path: &mut Vec<String>, a: &Value, b: &Value, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    if let (Some((va, ia)), Some((vb, ib))) = (variant(a), variant(b)) {
        if va == vb {
            // Same variant: the variant name adds nothing to the path.
            diff_value(path, ia, ib, out);
        } else {
            out.push(line(path, &humanize(va), &humanize(vb)));
        }
        return;
    }
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                if IGNORED.contains(&k.as_str()) {
                    continue;
                }
                let (va, vb) = (ma.get(k).unwrap_or(&Value::Null), mb.get(k).unwrap_or(&Value::Null));
                // `kind: Train(..)` on both sides: the fields speak for themselves.
                let same_variant = matches!((variant(va), variant(vb)), (Some((x, _)), Some((y, _))) if x == y);
                if same_variant {
                    diff_value(path, va, vb, out);
                    continue;
                }
                path.push(k.clone());
                diff_value(path, va, vb, out);
                path.pop();
            }
        }
        (Value::Array(xa), Value::Array(xb))
            if xa.len() == xb.len() && xa.iter().chain(xb).any(|v| v.is_object() || v.is_array()) =>
        {
            for (i, (va, vb)) in xa.iter().zip(xb).enumerate() {
                path.push(format!("#{}", i + 1));
                diff_value(path, va, vb, out);
                path.pop();
            }
        }
        _ => {
            let key = path.last().map(String::as_str).unwrap_or("");
            out.push(line(path, &leaf(key, a), &leaf(key, b)));
        }
    }
}

fn line(path: &[String], from: &str, to: &str) -> String {
    if path.is_empty() {
        format!("{from} to {to}")
    } else {
        format!("{} {from} to {to}", path.join("."))
    }
}

/// "OnDemand" -> "on demand", "OnPrem" -> "on-prem".
fn humanize(variant: &str) -> String {
    match variant {
        "OnPrem" => return "on-prem".into(),
        "OneFOneB" => return "1F1B".into(),
        _ => {}
    }
    let mut s = String::new();
    for (i, ch) in variant.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            s.push(' ');
        }
        s.push(ch.to_ascii_lowercase());
    }
    s
}

fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e7 {
        format!("{x:.0}")
    } else if x.abs() >= 1e7 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A leaf value as a reader knows it: media, precisions, node kinds and
/// wiring patterns by their labels.
fn leaf(key: &str, v: &Value) -> String {
    fn label<T: serde::de::DeserializeOwned>(v: &Value, f: impl Fn(T) -> &'static str) -> Option<String> {
        serde_json::from_value::<T>(v.clone()).ok().map(|t| f(t).to_owned())
    }
    let typed = match key {
        "medium" => label::<Medium>(v, Medium::label),
        "precision" | "quantization" => label::<Precision>(v, Precision::label),
        "kind" => label::<NodeKind>(v, NodeKind::label),
        "pattern" => label::<WiringPattern>(v, WiringPattern::label),
        _ => None,
    };
    if let Some(t) = typed {
        return t;
    }
    match v {
        Value::Null => "none".into(),
        Value::Bool(b) => if *b { "on" } else { "off" }.into(),
        Value::Number(n) => n.as_f64().map(fmt_number).unwrap_or_else(|| n.to_string()),
        Value::String(s) if s.starts_with(|c: char| c.is_ascii_uppercase()) && !s.contains(' ') => humanize(s),
        Value::String(s) => s.clone(),
        Value::Array(xs) => {
            let items: Vec<String> = xs.iter().map(|x| leaf("", x)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(_) => variant(v).map_or_else(|| "(settings)".into(), |(name, _)| humanize(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Precision, StageKind};
    use crate::report::presets;

    fn preset(id: &str) -> Plan {
        presets::preset(id).and_then(|p| p.plan().ok()).expect("preset parses")
    }

    #[test]
    fn identical_plans_have_no_changes_and_moves_are_ignored() {
        let a = preset("onprem-finance");
        let mut b = a.clone();
        assert!(plan_diff(&a, &b).is_empty());
        b.nodes[0].pos.0 += 100.0;
        b.description.push_str(" edited");
        assert!(
            plan_diff(&a, &b).is_empty(),
            "positions and descriptions change no result"
        );
    }

    #[test]
    fn counts_media_precision_and_structure_read_as_sentences() {
        let a = preset("onprem-finance");
        let mut b = a.clone();
        if let Some(n) = b.node_mut(&"dgx-train".into()) {
            n.count = 64;
        }
        if let Some(l) = b.links.iter_mut().find(|l| l.id.as_str() == "train-leaf") {
            l.medium = Medium::Ethernet400;
        }
        for s in &mut b.stages {
            if let StageKind::Train(t) = &mut s.kind {
                t.precision = Precision::Fp8;
                t.parallelism.dp *= 2;
            }
        }
        let removed = b.links.remove(0);
        b.settings.seed = 7;
        let lines: Vec<String> = plan_diff(&a, &b).iter().map(|d| d.to_string()).collect();
        let has = |s: &str| lines.iter().any(|l| l == s);
        assert!(has("dgx-train: count 32 to 64"), "{lines:#?}");
        assert!(has("train-leaf: medium InfiniBand NDR to 400 GbE"), "{lines:#?}");
        assert!(has("train: precision BF16 to FP8"), "{lines:#?}");
        assert!(has("train: parallelism.dp 8 to 16"), "{lines:#?}");
        assert!(has("settings: seed 42 to 7"), "{lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("removed link {}", removed.id))),
            "{lines:#?}"
        );
        assert!(lines.iter().all(|l| !l.contains('→')), "no arrow glyph");
    }

    #[test]
    fn a_site_changing_kind_is_one_line() {
        let a = preset("onprem-finance");
        let b = preset("cloud-startup");
        let lines: Vec<String> = plan_diff(&a, &b).iter().map(|d| d.to_string()).collect();
        assert!(lines.iter().any(|l| l.starts_with("added site aws")), "{lines:#?}");
        assert!(
            lines.iter().any(|l| l.starts_with("removed node dgx-train")),
            "{lines:#?}"
        );
        let mut c = a.clone();
        c.sites[0].kind = b.sites[0].kind.clone();
        let lines: Vec<String> = plan_diff(&a, &c).iter().map(|d| d.to_string()).collect();
        assert_eq!(lines, vec![format!("{}: kind on-prem to cloud", a.sites[0].id)]);
    }
}
