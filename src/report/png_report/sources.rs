//! "Catalog sources": every catalog entry the plan uses (with the devices a
//! system pulls in) and where its figures come from, plus the models the
//! catalog does not have, so a gap in the sources is visible on the page.

use super::ReportInput;
use super::layout::{COLUMN_W, CONTENT_W, GAP, MARGIN, section_title};
use crate::model::catalog::Entry;
use crate::model::{Catalog, Plan};
use crate::report::draw::{Align, Canvas, Rect, TextStyle, charts, palette};

/// Catalog entries the plan uses, with the entries they pull in (a system's
/// device and host CPU), in first-use order.
pub fn catalog_entries_used<'c>(plan: &Plan, catalog: &'c Catalog) -> Vec<(String, Entry<'c>)> {
    let mut out: Vec<(String, Entry<'c>)> = Vec::new();
    let mut push = |id: &str, e: Entry<'c>| {
        if !out.iter().any(|(i, _)| i == id) {
            out.push((id.to_owned(), e));
        }
    };
    for n in &plan.nodes {
        if n.model.is_empty() {
            continue;
        }
        match catalog.entry(&n.model) {
            Some(Entry::System(s)) => {
                push(&s.id, Entry::System(s));
                if let Some(d) = catalog.device(&s.device) {
                    push(&d.id, Entry::Device(d));
                }
                if let Some(d) = s.host_cpu.as_deref().and_then(|id| catalog.device(id)) {
                    push(&d.id, Entry::Device(d));
                }
            }
            Some(e) => push(&n.model, e),
            None => {}
        }
    }
    out
}

pub(super) fn sources_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let y0 = section_title(
        c,
        y,
        "Catalog sources",
        "Every catalog entry this plan uses, with its source",
    );
    let entries = catalog_entries_used(input.plan, input.catalog);
    // Models the catalog does not have: listed so the gap is visible.
    let mut unknown: Vec<&str> = input
        .plan
        .nodes
        .iter()
        .filter(|n| !n.model.is_empty() && input.catalog.entry(&n.model).is_none())
        .map(|n| n.model.as_str())
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    let w = CONTENT_W;
    if entries.is_empty() && unknown.is_empty() {
        let r = Rect::new(MARGIN, y0, w, 80);
        charts::empty(c, r, "The plan uses no catalog entries");
        return y0 + 80;
    }
    let head = TextStyle::new(18.0, palette::INK).bold();
    let body = TextStyle::new(16.0, palette::MUTED);
    let blocks: Vec<(String, Vec<String>)> = entries
        .iter()
        .map(|(id, e)| {
            let (kind, name, source) = match e {
                Entry::System(s) => ("system", s.name.as_str(), s.source.as_str()),
                Entry::Device(d) => ("device", d.name.as_str(), d.source.as_str()),
                Entry::Storage(s) => ("storage", s.name.as_str(), s.source.as_str()),
                Entry::Switch(s) => ("switch", s.name.as_str(), s.source.as_str()),
            };
            let title = c.ellipsize(&format!("{name}  ·  {kind} `{id}`"), &head, COLUMN_W as f32);
            (title, c.wrap(source, &body, (COLUMN_W - 16) as f32))
        })
        .chain(unknown.iter().map(|id| {
            (
                c.ellipsize(&format!("`{id}`  ·  not in the catalog"), &head, COLUMN_W as f32),
                vec!["No source: the plan names a model this catalog does not have.".to_owned()],
            )
        }))
        .collect();
    let hh = c.line_height(&head) as i32;
    let bh = c.line_height(&body) as i32;
    let block_h = |b: &(String, Vec<String>)| hh + bh * b.1.len() as i32 + 14;
    // Fill the left column to about half the total, then the right one.
    let total: i32 = blocks.iter().map(block_h).sum();
    let mut split = blocks.len();
    let mut acc = 0;
    for (i, b) in blocks.iter().enumerate() {
        if acc >= total / 2 {
            split = i;
            break;
        }
        acc += block_h(b);
    }
    let mut bottom = y0;
    for (col, part) in [&blocks[..split], &blocks[split..]].iter().enumerate() {
        let x = MARGIN + col as i32 * (COLUMN_W + GAP);
        let mut yy = y0;
        for (title, lines) in part.iter() {
            c.text(x, yy, title, &head, Align::Left);
            yy += hh;
            for l in lines {
                c.text(x + 16, yy, l, &body, Align::Left);
                yy += bh;
            }
            yy += 14;
        }
        bottom = bottom.max(yy);
    }
    bottom
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_entries_used_include_devices_and_host_cpus() {
        let catalog = Catalog::builtin();
        let mut plan = Plan::default();
        for (id, model, kind) in [
            ("a", "dgx-h100", crate::model::NodeKind::GpuServer),
            ("b", "dgx-h100", crate::model::NodeKind::GpuServer),
            ("c", "aws-s3", crate::model::NodeKind::ObjectStore),
        ] {
            plan.nodes.push(crate::model::Node {
                id: id.into(),
                name: id.into(),
                kind,
                model: model.into(),
                count: 1,
                site: "s".into(),
                pos: (0.0, 0.0),
                capacity_tb: None,
                cache_hit_ratio: None,
            });
        }
        let ids: Vec<String> = catalog_entries_used(&plan, &catalog)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let sys = catalog.system("dgx-h100").unwrap();
        let mut expected = vec!["dgx-h100".to_owned(), sys.device.clone()];
        expected.extend(sys.host_cpu.clone());
        expected.push("aws-s3".into());
        assert_eq!(ids, expected);
    }
}
