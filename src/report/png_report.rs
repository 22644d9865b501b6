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

use super::draw::charts::{self, GanttSpan, LineSeries, StackedBar, UtilBar};
use super::draw::table::{self, Column, Row};
use super::draw::{Align, Canvas, DrawError, Rect, Rgb, TextStyle, graph, palette};
use crate::format as fmt;
use crate::model::catalog::Entry;
use crate::model::{Catalog, ModelSpec, Plan, PricingModel, Severity, SiteKind, StageId, StageKind};
use crate::sim::metrics::{Cause, MetricKey};
use std::collections::BTreeMap;

pub use super::figures::{CostLine, Figures, StageFigures, TimelineSpan, UseFigure};

/// Width of the page in pixels.
pub const PAGE_WIDTH: u32 = 2000;
/// The page never grows beyond this (long lists are cut with "… N more").
const MAX_HEIGHT: u32 = 12_000;
const MARGIN: i32 = 70;
const GAP: i32 = 28;
/// The plan drawing is at most this tall.
const MAX_GRAPH_H: i32 = 1500;

/// What a report is drawn from. `results` is `None` for a plan that has not
/// been simulated; `generated` is the date/time printed on the page (passed
/// in so the same input always gives the same pixels).
#[derive(Clone, Copy)]
pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    pub catalog: &'a Catalog,
    pub results: Option<&'a Figures>,
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
    let mut c = Canvas::new(PAGE_WIDTH, MAX_HEIGHT)?;
    let mut regions = Regions::default();
    let content_w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let mut y = title_band(&mut c, input, &mut regions);
    y = status_strip(&mut c, input, y + GAP);
    y = section_title(
        &mut c,
        y + GAP,
        "Plan at a glance",
        "From the plan and the catalog (list prices)",
    );
    y = glance_cards(&mut c, input, y);
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
    y = key_figures(&mut c, input, y);
    regions.key_figures = Rect::new(MARGIN, kf_top, content_w, y - kf_top);

    y = section_title(&mut c, y + GAP, "Plan", &plan_subtitle(input.plan));
    let layout = graph::layout(input.plan, MARGIN, y, content_w, MAX_GRAPH_H);
    regions.graph = Rect::new(MARGIN, y, content_w, layout.height);
    graph::draw(&mut c, input.plan, input.catalog, regions.graph, &layout);
    y += layout.height;

    y = section_title(&mut c, y + GAP, "Where the time and money go", "");
    let (chart_rects, bottom) = chart_grid(&mut c, input, y);
    regions.charts = chart_rects;
    y = bottom;

    y = tables(&mut c, input, y + GAP);
    y = own_vs_rent_section(&mut c, input, y + GAP, &mut regions);
    y = stages_section(&mut c, input, y + GAP);
    y = diagnosis_section(&mut c, input, y + GAP);
    y = assumptions_section(&mut c, input, y + GAP);
    let src_top = y + GAP;
    y = sources_section(&mut c, input, src_top);
    regions.sources = Rect::new(MARGIN, src_top, content_w, y - src_top);
    y = footer(&mut c, input, y + GAP);
    c.crop_height(y as u32);
    Ok(RenderedReport {
        width: c.width,
        height: c.height,
        rgb: c.pixels,
        regions,
    })
}

// ───────────────────────────── formatting ─────────────────────────────

fn cause_color(label: &str, i: usize) -> Rgb {
    let label = label.split(VALUE_SEP).next().unwrap_or(label);
    Cause::ALL
        .iter()
        .find(|c| c.label() == label)
        .map(|c| palette::cause(*c))
        .unwrap_or(palette::SERIES[i % palette::SERIES.len()])
}

fn stage_color(kind: &StageKind) -> Rgb {
    match kind {
        StageKind::Ingest(_) => Rgb::hex(0x6c7a89),
        StageKind::Preprocess(_) => Rgb::hex(0xb8860b),
        StageKind::Train(_) => Rgb::hex(0x2f6fd0),
        StageKind::Validate(_) => Rgb::hex(0x16a2b8),
        StageKind::Checkpoint(_) => Rgb::hex(0x8e44ad),
        StageKind::Serve(_) => Rgb::hex(0x2e9d5b),
    }
}

// ───────────────────────────── sections ─────────────────────────────

fn title_band(c: &mut Canvas, input: &ReportInput<'_>, regions: &mut Regions) -> i32 {
    let h = 210;
    let w = PAGE_WIDTH as i32;
    c.fill_rect(Rect::new(0, 0, w, h), palette::NAVY);
    c.fill_rect(Rect::new(0, h - 8, w, 8), palette::ACCENT);
    let kicker = TextStyle::new(20.0, Rgb::hex(0x9fb3d1)).bold();
    c.text(
        MARGIN,
        34,
        "CLUSTERFORGE · INFRASTRUCTURE PLAN REPORT",
        &kicker,
        Align::Left,
    );
    let title = TextStyle::new(50.0, palette::WHITE).bold();
    let name = c.ellipsize(&input.plan.name, &title, (w - 2 * MARGIN - 420) as f32);
    c.text(MARGIN, 66, &name, &title, Align::Left);
    let desc_style = TextStyle::new(20.0, Rgb::hex(0xd5deec));
    let desc = c.ellipsize(
        input.plan.description.lines().next().unwrap_or(""),
        &desc_style,
        (w - 2 * MARGIN - 420) as f32,
    );
    c.text(MARGIN, 138, &desc, &desc_style, Align::Left);

    let right = w - MARGIN;
    let small = TextStyle::new(18.0, Rgb::hex(0x9fb3d1));
    let value = TextStyle::new(22.0, palette::WHITE).bold();
    c.text(right, 36, "Generated", &small, Align::Right);
    c.text(right, 60, input.generated, &value, Align::Right);
    let (status, color) = match input.results {
        Some(r) => (format!("Simulated · seed {}", r.seed), Rgb::hex(0x7fd6a4)),
        None => ("Not simulated".to_owned(), Rgb::hex(0xf3c16b)),
    };
    let sw = c.text_width(&status, &value).ceil() as i32 + 32;
    c.round_rect(
        Rect::new(right - sw, 112, sw, 40),
        20.0,
        color.shade(0.55),
        Some((color, 2.0)),
    );
    c.text(right - sw / 2, 118, &status, &value.color(color), Align::Center);
    regions.title = Rect::new(0, 0, w, h);
    h
}

fn status_strip(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let problems = input.plan.validate(input.catalog);
    let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
    let warnings = problems.len() - errors;
    let (color, text) = if errors > 0 {
        (
            palette::ERROR,
            format!(
                "Validation: {errors} error{}, {warnings} warning{} — the plan cannot be simulated until the errors are fixed (listed below).",
                plural(errors),
                plural(warnings)
            ),
        )
    } else if warnings > 0 {
        (
            palette::WARNING,
            format!(
                "Validation: no errors, {warnings} warning{} (listed below).",
                plural(warnings)
            ),
        )
    } else {
        (
            palette::OK,
            "Validation: the plan has no errors and no warnings.".to_owned(),
        )
    };
    let sims = match input.results {
        Some(r) => format!(
            "  Results: simulated with seed {}, {} detailed iteration{} per training stage.",
            r.seed,
            r.detailed_iterations,
            plural(r.detailed_iterations as usize)
        ),
        None => "  Results: not simulated — simulated figures and charts are empty.".to_owned(),
    };
    let style = TextStyle::new(19.0, palette::INK);
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let lines = c.wrap(&format!("{text}{sims}"), &style, (w - 60) as f32);
    let lh = c.line_height(&style) as i32;
    let h = lh * lines.len() as i32 + 24;
    c.round_rect(
        Rect::new(MARGIN, y, w, h),
        8.0,
        color.tint(0.9),
        Some((color.tint(0.4), 1.5)),
    );
    c.fill_rect(Rect::new(MARGIN, y + 8, 6, h - 16), color);
    for (i, l) in lines.iter().enumerate() {
        c.text(MARGIN + 28, y + 12 + i as i32 * lh, l, &style, Align::Left);
    }
    y + h
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn section_title(c: &mut Canvas, y: i32, title: &str, note: &str) -> i32 {
    let style = TextStyle::new(30.0, palette::INK).bold();
    let w = c.text(MARGIN, y, title, &style, Align::Left);
    let lh = c.line_height(&style) as i32;
    if !note.is_empty() {
        let ns = TextStyle::new(18.0, palette::MUTED);
        let nh = c.line_height(&ns) as i32;
        c.text(MARGIN + w + 18, y + lh - nh - 4, note, &ns, Align::Left);
    }
    c.line(
        (MARGIN, y + lh + 6),
        (PAGE_WIDTH as i32 - MARGIN, y + lh + 6),
        palette::RULE,
        2,
    );
    y + lh + 20
}

/// A row of figure cards; `figures` are (label, value, note).
fn cards(c: &mut Canvas, y: i32, figures: &[(String, String, String)], accent: Rgb) -> i32 {
    let n = figures.len().max(1) as i32;
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let gap = 20;
    let cw = (w - gap * (n - 1)) / n;
    let h = 140;
    let label_s = TextStyle::new(18.0, palette::MUTED);
    let value_s = TextStyle::new(38.0, palette::INK).bold();
    let note_s = TextStyle::new(16.0, palette::MUTED);
    for (i, (label, value, note)) in figures.iter().enumerate() {
        let r = Rect::new(MARGIN + i as i32 * (cw + gap), y, cw, h);
        c.round_rect(r, 10.0, palette::WHITE, Some((palette::RULE, 1.5)));
        c.fill_rect(Rect::new(r.x + 1, r.y + 14, 5, h - 28), accent);
        let l = c.ellipsize(label, &label_s, (cw - 40) as f32);
        c.text(r.x + 22, r.y + 16, &l, &label_s, Align::Left);
        let v = c.ellipsize(value, &value_s, (cw - 40) as f32);
        let vs = if value == "—" {
            value_s.color(palette::FAINT)
        } else {
            value_s
        };
        c.text(r.x + 22, r.y + 46, &v, &vs, Align::Left);
        let nt = c.ellipsize(note, &note_s, (cw - 40) as f32);
        c.text(r.x + 22, r.y + 104, &nt, &note_s, Align::Left);
    }
    y + h
}

/// Figures that follow from the plan and the catalog alone.
pub struct Inventory {
    pub accelerators: u64,
    /// The most common accelerator's name.
    pub accelerator_name: String,
    /// Dense BF16 (or best available) peak, PFLOP/s.
    pub peak_pflops: f64,
    pub it_power_kw: f64,
    /// Purchase price of owned hardware (on-prem and edge), USD.
    pub purchase_usd: f64,
    /// Hourly price of rented capacity under each cloud site's pricing model, USD/h.
    pub cloud_usd_per_hour: f64,
    pub storage_tb: f64,
}

impl Inventory {
    pub fn of(plan: &Plan, catalog: &Catalog) -> Inventory {
        let mut inv = Inventory {
            accelerators: 0,
            accelerator_name: String::new(),
            peak_pflops: 0.0,
            it_power_kw: 0.0,
            purchase_usd: 0.0,
            cloud_usd_per_hour: 0.0,
            storage_tb: 0.0,
        };
        let mut by_device: BTreeMap<String, u64> = BTreeMap::new();
        for node in &plan.nodes {
            let count = node.count as f64;
            let site = plan.site(&node.site).map(|s| &s.kind);
            let rented = matches!(site, Some(SiteKind::Cloud(_)));
            match catalog.entry(&node.model) {
                Some(Entry::System(sys)) => {
                    inv.it_power_kw += count * sys.power_w / 1000.0;
                    if let Some(dev) = catalog.device(&sys.device)
                        && node.kind.is_accelerated()
                    {
                        let n = node.count as u64 * sys.devices as u64;
                        inv.accelerators += n;
                        *by_device.entry(dev.name.clone()).or_default() += n;
                        let peak = dev
                            .peak_tflops
                            .effective(crate::model::Precision::Bf16)
                            .map(|(_, v)| v)
                            .unwrap_or(0.0);
                        inv.peak_pflops += n as f64 * peak / 1000.0;
                    }
                    match (site, &sys.cloud) {
                        (Some(SiteKind::Cloud(cloud)), Some(price)) => {
                            let od = price.on_demand_usd_per_hour;
                            let hourly = match cloud.pricing {
                                PricingModel::OnDemand => od,
                                PricingModel::Reserved => price
                                    .reserved_usd_per_hour
                                    .unwrap_or(od * (1.0 - cloud.reserved_discount)),
                                PricingModel::Spot => {
                                    price.spot_usd_per_hour.unwrap_or(od * (1.0 - cloud.spot_discount))
                                }
                            };
                            inv.cloud_usd_per_hour += count * hourly;
                        }
                        _ if !rented => inv.purchase_usd += count * sys.price_usd,
                        _ => {}
                    }
                }
                Some(Entry::Storage(st)) => {
                    inv.it_power_kw += count * st.power_w / 1000.0;
                    inv.storage_tb += node.capacity_tb.unwrap_or(count * st.capacity_tb);
                    if !rented {
                        inv.purchase_usd += count * st.price_usd;
                    }
                }
                Some(Entry::Switch(sw)) => {
                    inv.it_power_kw += count * sw.power_w / 1000.0;
                    if !rented {
                        inv.purchase_usd += count * sw.price_usd;
                    }
                }
                Some(Entry::Device(_)) | None => {}
            }
        }
        inv.accelerator_name = by_device
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(name, _)| name.clone())
            .unwrap_or_default();
        inv
    }
}

fn glance_cards(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let inv = Inventory::of(input.plan, input.catalog);
    let plan = input.plan;
    let figs = vec![
        (
            "Sites · node groups · links".to_owned(),
            format!("{} · {} · {}", plan.sites.len(), plan.nodes.len(), plan.links.len()),
            format!("{} lifecycle stage{}", plan.stages.len(), plural(plan.stages.len())),
        ),
        (
            "Accelerators".to_owned(),
            fmt::si(inv.accelerators as f64),
            if inv.accelerator_name.is_empty() {
                "none".to_owned()
            } else {
                format!("mostly {}", inv.accelerator_name)
            },
        ),
        (
            "Peak compute".to_owned(),
            format!("{:.1} PFLOP/s", inv.peak_pflops),
            "dense BF16 (or nearest), datasheet".to_owned(),
        ),
        (
            "IT power at full load".to_owned(),
            format!("{:.0} kW", inv.it_power_kw),
            "systems, storage, switches".to_owned(),
        ),
        (
            "Owned hardware".to_owned(),
            fmt::usd(inv.purchase_usd),
            "purchase price, catalog".to_owned(),
        ),
        (
            "Rented capacity".to_owned(),
            format!("{}/h", fmt::usd(inv.cloud_usd_per_hour)),
            "per each site's pricing model".to_owned(),
        ),
    ];
    cards(c, y, &figs, palette::ACCENT)
}

fn first_of<'r>(results: &'r Figures, kind: &str) -> Option<&'r StageFigures> {
    results.workloads.iter().find(|w| w.kind == kind)
}

fn key_figures(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let Some(results) = input.results else {
        let style = TextStyle::new(20.0, palette::MUTED);
        let w = PAGE_WIDTH as i32 - 2 * MARGIN;
        let r = Rect::new(MARGIN, y, w, 90);
        c.round_rect(r, 10.0, palette::PANEL, Some((palette::RULE, 1.5)));
        let msg = "Not simulated. Time to train, tokens/s, MFU, GPU-hours, energy and cost appear here once the plan has been simulated (`clusterforge report` simulates before drawing; the GUI runs it with Run).";
        let lines = c.wrap(msg, &style, (w - 60) as f32);
        let lh = c.line_height(&style) as i32;
        for (i, l) in lines.iter().enumerate() {
            c.text(
                MARGIN + 30,
                y + (90 - lh * lines.len() as i32) / 2 + i as i32 * lh,
                l,
                &style,
                Align::Left,
            );
        }
        return y + 90;
    };
    let get = |w: Option<&StageFigures>, key: MetricKey| w.and_then(|w| w.metrics.get(&key).copied());
    let train = first_of(results, "train");
    let summary = |key: MetricKey| results.summary.get(&key).copied();
    let train_name = train
        .and_then(|t| input.plan.stage(&t.stage))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "no training stage".to_owned());
    // A card: the registry's label over the registry's formatting.
    let card = |key: MetricKey, v: Option<f64>, note: String| {
        (
            key.label().to_owned(),
            v.map(|v| key.format(v)).unwrap_or_else(|| "—".to_owned()),
            note,
        )
    };
    let mut y = y;
    let figs = vec![
        card(
            MetricKey::TimeToTrain,
            get(train, MetricKey::TimeToTrain),
            train_name.clone(),
        ),
        card(
            MetricKey::TokensPerSecond,
            get(train, MetricKey::TokensPerSecond),
            "training throughput".to_owned(),
        ),
        card(
            MetricKey::Mfu,
            get(train, MetricKey::Mfu),
            "model FLOPs utilization".to_owned(),
        ),
        card(
            MetricKey::GpuHours,
            get(train, MetricKey::GpuHours).or(summary(MetricKey::GpuHours)),
            "accelerator-hours".to_owned(),
        ),
        card(
            MetricKey::PlanEnergy,
            summary(MetricKey::PlanEnergy),
            summary(MetricKey::PlanCarbon)
                .map(|kg| MetricKey::PlanCarbon.format(kg))
                .unwrap_or_else(|| "facility meter".to_owned()),
        ),
        card(
            MetricKey::PlanCost,
            summary(MetricKey::PlanCost),
            "whole lifecycle".to_owned(),
        ),
    ];
    y = cards(c, y, &figs, palette::ONPREM);
    for serve in results.workloads.iter().filter(|w| w.kind == "serve") {
        let name = input
            .plan
            .stage(&serve.stage)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| serve.stage.to_string());
        let s = Some(serve);
        let mut figs = vec![card(
            MetricKey::TokensPerSecond,
            get(s, MetricKey::TokensPerSecond),
            "serving throughput".to_owned(),
        )];
        figs[0].0 = format!("{name}: {}", figs[0].0);
        figs.extend([
            card(
                MetricKey::RequestsPerSecond,
                get(s, MetricKey::RequestsPerSecond),
                "completed".to_owned(),
            ),
            card(
                MetricKey::TtftP99,
                get(s, MetricKey::TtftP99),
                slo_note(input.plan, &serve.stage, true),
            ),
            card(
                MetricKey::TpotP99,
                get(s, MetricKey::TpotP99),
                slo_note(input.plan, &serve.stage, false),
            ),
            card(
                MetricKey::SloAttainment,
                get(s, MetricKey::SloAttainment),
                "requests within both SLOs".to_owned(),
            ),
        ]);
        y = cards(c, y + 20, &figs, palette::EDGE);
    }
    y
}

fn slo_note(plan: &Plan, stage: &StageId, ttft: bool) -> String {
    match plan.stage(stage).map(|s| &s.kind) {
        Some(StageKind::Serve(s)) => {
            let v = if ttft { s.ttft_slo_s } else { s.tpot_slo_s };
            format!("target {}", fmt::duration(v))
        }
        _ => String::new(),
    }
}

fn plan_subtitle(plan: &Plan) -> String {
    let mut kinds: Vec<&str> = plan.sites.iter().map(|s| s.kind.label()).collect();
    kinds.dedup();
    format!(
        "Node groups by site; links labelled with medium and lanes × Gbit/s ({})",
        kinds.join(", ")
    )
}

fn chart_grid(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> (Vec<Rect>, i32) {
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let cw = (w - GAP) / 2;
    let ch = 520;
    let rects = [
        Rect::new(MARGIN, y, cw, ch),
        Rect::new(MARGIN + cw + GAP, y, cw, ch),
        Rect::new(MARGIN, y + ch + GAP, cw, ch),
        Rect::new(MARGIN + cw + GAP, y + ch + GAP, cw, ch),
    ];
    let not_sim = "Not simulated";
    let r = input.results;

    // Iteration-time breakdown.
    let inner = charts::panel(
        c,
        rects[0],
        "Iteration time by cause",
        "Seconds per training iteration, stacked by cause",
    );
    let bars: Vec<StackedBar> = r
        .map(|r| {
            r.workloads
                .iter()
                // Per-iteration causes exist for training; other stages'
                // causes cover their whole run and would not compare.
                .filter(|w| w.kind == "train" && !w.breakdown.is_empty())
                .map(|w| StackedBar {
                    label: stage_name(input.plan, &w.stage),
                    segments: w.breakdown.iter().map(|c| (c.label().to_owned(), c.seconds)).collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let bars = with_values_in_legend(bars, &fmt::duration);
    if bars.is_empty() {
        charts::empty(
            c,
            inner,
            if r.is_some() {
                "No training stage was simulated"
            } else {
                not_sim
            },
        );
    } else {
        charts::stacked_bars(c, inner, &bars, &cause_color, &fmt::duration);
    }

    // Utilization.
    let has_peaks = r.is_some_and(|r| r.utilization.iter().any(|u| u.peak.is_some()));
    let subtitle = if has_peaks {
        "Mean busy fraction per device, link and storage; black tick: peak; orange ≥ 70 %, red ≥ 90 %"
    } else {
        "Mean busy fraction per device, link and storage; orange ≥ 70 %, red ≥ 90 %"
    };
    let inner = charts::panel(c, rects[1], "Utilization", subtitle);
    let mut util: Vec<UtilBar> = r
        .map(|r| {
            r.utilization
                .iter()
                .map(|u| UtilBar {
                    label: u.label.clone(),
                    mean: u.mean,
                    peak: u.peak,
                })
                .collect()
        })
        .unwrap_or_default();
    util.sort_by(|a, b| b.mean.total_cmp(&a.mean).then_with(|| a.label.cmp(&b.label)));
    util.truncate(10);
    if util.is_empty() {
        charts::empty(
            c,
            inner,
            if r.is_some() {
                "No utilization recorded"
            } else {
                not_sim
            },
        );
    } else {
        charts::utilization(c, inner, &util);
    }

    // Cost by site and component.
    let inner = charts::panel(
        c,
        rects[2],
        "Cost by site and component",
        "USD over the simulated lifecycle",
    );
    let mut by_site: Vec<StackedBar> = Vec::new();
    if let Some(r) = r {
        for line in &r.cost {
            let label = component_label(&line.component);
            match by_site.iter_mut().find(|b| b.label == line.site) {
                Some(bar) => match bar.segments.iter_mut().find(|(k, _)| *k == label) {
                    Some(seg) => seg.1 += line.usd,
                    None => bar.segments.push((label, line.usd)),
                },
                None => by_site.push(StackedBar {
                    label: line.site.clone(),
                    segments: vec![(label, line.usd)],
                }),
            }
        }
    }
    let by_site = with_values_in_legend(by_site, &fmt::usd);
    if by_site.is_empty() {
        charts::empty(c, inner, if r.is_some() { "No costs recorded" } else { not_sim });
    } else {
        charts::stacked_bars(
            c,
            inner,
            &by_site,
            &|_, i| palette::SERIES[i % palette::SERIES.len()],
            &fmt::usd,
        );
    }

    // Lifecycle timeline.
    let inner = charts::panel(c, rects[3], "Lifecycle timeline", "When each stage runs");
    // Every stage of the plan in plan order; stages the simulator does not
    // model yet are listed as such rather than left out.
    let spans: Vec<GanttSpan> = r
        .map(|r| {
            input
                .plan
                .stages
                .iter()
                .map(|st| {
                    let span = r.timeline.iter().find(|s| s.stage == st.id);
                    GanttSpan {
                        label: st.name.clone(),
                        start: span.map(|s| s.start_s).unwrap_or(0.0),
                        end: span.map(|s| s.end_s).unwrap_or(0.0),
                        color: stage_color(&st.kind),
                        simulated: span.is_some(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if spans.is_empty() {
        charts::empty(c, inner, if r.is_some() { "No stages ran" } else { not_sim });
    } else {
        charts::gantt(c, inner, &spans, &fmt::duration);
    }
    (rects.to_vec(), y + 2 * ch + GAP)
}

/// Separates a legend label from the value appended to it.
const VALUE_SEP: &str = " · ";

/// With a single bar, the legend carries each segment's value and share.
fn with_values_in_legend(mut bars: Vec<StackedBar>, fmt: &dyn Fn(f64) -> String) -> Vec<StackedBar> {
    if let [bar] = bars.as_mut_slice() {
        let total: f64 = bar.segments.iter().map(|(_, v)| v.max(0.0)).sum();
        for (label, v) in &mut bar.segments {
            let share = if total > 0.0 { *v / total * 100.0 } else { 0.0 };
            *label = format!("{label}{VALUE_SEP}{} ({share:.0} %)", fmt(*v));
        }
    }
    bars
}

/// "AWS", "Google Cloud", …
pub fn provider_label(p: crate::model::CloudProvider) -> &'static str {
    use crate::model::CloudProvider as P;
    match p {
        P::Aws => "AWS",
        P::Gcp => "Google Cloud",
        P::Azure => "Azure",
        P::Oci => "Oracle Cloud",
        P::Other => "cloud",
    }
}

/// "on-demand", "reserved", "spot".
pub fn pricing_label(p: PricingModel) -> &'static str {
    match p {
        PricingModel::OnDemand => "on-demand",
        PricingModel::Reserved => "reserved",
        PricingModel::Spot => "spot",
    }
}

fn component_label(key: &str) -> String {
    let mut s = key.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

fn stage_name(plan: &Plan, id: &StageId) -> String {
    plan.stage(id).map(|s| s.name.clone()).unwrap_or_else(|| id.to_string())
}

fn tables(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let y0 = section_title(c, y, "Costs and bill of materials", "");
    let col_w = (w - GAP) / 2;

    // Left: cost table (simulated).
    let left = Rect::new(MARGIN, y0, col_w, 0);
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
            left_h += table::draw(c, Rect::new(left.x, y0 + left_h, col_w, 0), &cols, &rows);
        }
        None => {
            let r = Rect::new(left.x, y0 + left_h, col_w, 120);
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
    let rx = MARGIN + col_w + GAP;
    c.text(rx, y0, "Bill of materials (catalog list prices)", &sub, Align::Left);
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
    let right_h = sub_h + table::draw(c, Rect::new(rx, y0 + sub_h, col_w, 0), &cols, &rows);
    y0 + left_h.max(right_h)
}

/// Own vs rent over the plan's cost horizon: cumulative cost of buying,
/// renting and the plan as drawn, with the break-even month, the verdict
/// and the figures. Absent when there is nothing to compare.
fn own_vs_rent_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32, regions: &mut Regions) -> i32 {
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
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let col_w = (w - GAP) / 2;
    let h = 460;
    regions.own_vs_rent = Rect::new(MARGIN, y0, col_w, h);
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
    let rx = MARGIN + col_w + GAP;
    let body = TextStyle::new(20.0, palette::INK);
    let mut ry = y0 + 8;
    ry += c.paragraph(rx, ry, &crate::report::tco::verdict(t), &body, col_w as f32) + 16;
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
    ry += table::draw(c, Rect::new(rx, ry, col_w, 0), &cols, &rows) + 16;
    let note = TextStyle::new(17.0, palette::MUTED);
    ry += c.paragraph(
        rx,
        ry,
        "Buying: catalog list price of the compute up front (no resale value), power at TDP × (idle share + \
         utilization) × PUE × the site's price, and the site's operations. Renting: the cloud on-demand price \
         of the same systems for the hours used. As drawn: each node priced the way the plan places it.",
        &note,
        col_w as f32,
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

fn stages_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let y = section_title(c, y, "Lifecycle stages", "");
    if input.plan.stages.is_empty() {
        let r = Rect::new(MARGIN, y, PAGE_WIDTH as i32 - 2 * MARGIN, 90);
        charts::empty(
            c,
            r,
            "The plan has no stages: add ingest, training or serving workloads",
        );
        return y + 90;
    }
    let rows: Vec<Row> = input
        .plan
        .stages
        .iter()
        .map(|s| {
            let placement: Vec<String> = s
                .placement
                .iter()
                .map(|id| {
                    input
                        .plan
                        .node(id)
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| id.to_string())
                })
                .collect();
            let after: Vec<String> = s.after.iter().map(|id| stage_name(input.plan, id)).collect();
            Row::new(vec![
                s.name.clone(),
                s.kind.label().to_owned(),
                placement.join(", "),
                if after.is_empty() {
                    "start".into()
                } else {
                    after.join(", ")
                },
                stage_details(&s.kind),
            ])
        })
        .collect();
    let cols = [
        Column::left("Stage", 2.2),
        Column::left("Kind", 1.5),
        Column::left("Runs on", 2.2),
        Column::left("After", 1.8),
        Column::left("Details", 6.5),
    ];
    y + table::draw(c, Rect::new(MARGIN, y, PAGE_WIDTH as i32 - 2 * MARGIN, 0), &cols, &rows)
}

fn model_summary(m: &ModelSpec) -> String {
    match m {
        ModelSpec::Transformer(t) => {
            let name = if t.name.is_empty() {
                "Transformer".to_owned()
            } else {
                t.name.clone()
            };
            format!("{name} {}L×{}", t.layers, t.hidden)
        }
        ModelSpec::Params { params_b, seq_len } => format!("{params_b}B params, seq {seq_len}"),
        ModelSpec::Cnn { name, .. } => name.clone(),
        ModelSpec::Trees { trees, depth, .. } => format!("{trees} trees, depth {depth}"),
    }
}

fn stage_details(kind: &StageKind) -> String {
    match kind {
        StageKind::Ingest(d) | StageKind::Preprocess(d) => format!(
            "{} TB · {:?}/{:?} to {:?}/{:?} · {} partitions",
            d.dataset_tb, d.input_format, d.input_codec, d.output_format, d.output_codec, d.partitions
        ),
        StageKind::Train(t) => {
            let p = &t.parallelism;
            format!(
                "{} · {} tokens · {} · TP{} PP{} DP{} · batch {}",
                model_summary(&t.model),
                fmt::si(t.tokens),
                t.precision.label(),
                p.tp,
                p.pp,
                p.dp,
                t.global_batch
            )
        }
        StageKind::Validate(v) => format!(
            "{} · {} tokens · {}",
            model_summary(&v.model),
            fmt::si(v.tokens),
            v.precision.label()
        ),
        StageKind::Checkpoint(cp) => format!("{} GB to {}", cp.size_gb, cp.target),
        StageKind::Serve(s) => format!(
            "{} · {} req/s · {} · TTFT ≤ {} · TPOT ≤ {}",
            model_summary(&s.model),
            s.rate_rps,
            s.quantization.label(),
            fmt::duration(s.ttft_slo_s),
            fmt::duration(s.tpot_slo_s)
        ),
    }
}

fn diagnosis_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let problems = input.plan.validate(input.catalog);
    let diagnoses: Vec<(String, String)> = input
        .results
        .map(|r| {
            r.workloads
                .iter()
                .filter(|w| !w.diagnosis.is_empty())
                .map(|w| (stage_name(input.plan, &w.stage), w.diagnosis.clone()))
                .collect()
        })
        .unwrap_or_default();
    // Every metric of every simulated stage, grouped by stage.
    let metrics: Vec<(String, Vec<Row>)> = input
        .results
        .map(|r| {
            r.workloads
                .iter()
                .filter(|w| !w.metrics.is_empty())
                .map(|w| {
                    let rows = w
                        .metrics
                        .iter()
                        .map(|(k, v)| Row::new(vec![k.label().to_owned(), k.format(*v)]))
                        .collect();
                    (stage_name(input.plan, &w.stage), rows)
                })
                .collect()
        })
        .unwrap_or_default();
    if problems.is_empty() && diagnoses.is_empty() && metrics.is_empty() {
        return y - GAP;
    }
    let mut y = section_title(
        c,
        y,
        "Findings",
        "Bottlenecks, validation problems and all stage metrics",
    );
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let body = TextStyle::new(19.0, palette::INK);
    let bold = body.bold();
    let lh = c.line_height(&body) as i32;
    for (stage, text) in &diagnoses {
        let label = format!("{stage}:");
        let lw = c.text(MARGIN + 20, y, &label, &bold, Align::Left);
        let h = c.paragraph(MARGIN + 30 + lw, y, text, &body, (w - lw - 60) as f32);
        c.fill_rect(Rect::new(MARGIN, y + 3, 6, h - 6), palette::ACCENT);
        y += h + 10;
    }
    const MAX_PROBLEMS: usize = 14;
    for p in problems.iter().take(MAX_PROBLEMS) {
        let (tag, color) = match p.severity {
            Severity::Error => ("ERROR", palette::ERROR),
            Severity::Warning => ("WARNING", palette::WARNING),
        };
        let tag_style = TextStyle::new(16.0, palette::WHITE).bold();
        let tw = c.text_width(tag, &tag_style).ceil() as i32 + 20;
        c.round_rect(Rect::new(MARGIN, y + 1, tw, lh - 2), 5.0, color, None);
        c.text(MARGIN + tw / 2, y + 3, tag, &tag_style, Align::Center);
        let mut text = format!("{}: {}", p.subject, p.message);
        if !p.hint.is_empty() {
            text.push_str(&format!(" — {}", p.hint));
        }
        let h = c.paragraph(MARGIN + tw + 14, y, &text, &body, (w - tw - 20) as f32);
        y += h + 8;
    }
    if problems.len() > MAX_PROBLEMS {
        let more = format!(
            "… and {} more; `clusterforge check PLAN` lists them all.",
            problems.len() - MAX_PROBLEMS
        );
        c.text(MARGIN, y, &more, &body.color(palette::MUTED), Align::Left);
        y += lh + 8;
    }
    let sub = TextStyle::new(21.0, palette::INK).bold();
    let sub_h = c.line_height(&sub) as i32 + 8;
    for (stage, rows) in &metrics {
        y += 14;
        c.text(MARGIN, y, &format!("{stage}: all metrics"), &sub, Align::Left);
        y += sub_h;
        // Three side-by-side tables, filled column by column.
        let col_w = (w - 2 * GAP) / 3;
        let per = rows.len().div_ceil(3).max(1);
        let cols = [Column::left("Metric", 2.4), Column::right("Value", 1.2)];
        let mut h = 0;
        for (i, chunk) in rows.chunks(per).enumerate() {
            let x = MARGIN + i as i32 * (col_w + GAP);
            h = h.max(table::draw(c, Rect::new(x, y, col_w, 0), &cols, chunk));
        }
        y += h;
    }
    y
}

fn assumptions_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let y0 = section_title(c, y, "Assumptions and fidelity", "");
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    let col_w = (w - GAP) / 2;
    let body = TextStyle::new(18.0, palette::INK);
    let sub = TextStyle::new(21.0, palette::INK).bold();
    let sub_h = c.line_height(&sub) as i32 + 6;

    let mut items: Vec<String> = Vec::new();
    for s in &input.plan.sites {
        let text = match &s.kind {
            SiteKind::OnPrem(o) => format!(
                "{} (on-prem): hardware amortized over {} years; power ${:.3}/kWh at PUE {:.2}; operations {}/year; facility capex {}; grid {:.2} kg CO2e/kWh.",
                s.name,
                o.amortization_years,
                o.power_usd_per_kwh,
                o.pue,
                fmt::usd(o.operations_usd_per_year),
                fmt::usd(o.facility_capex_usd),
                s.carbon_kg_per_kwh
            ),
            SiteKind::Cloud(cl) => {
                let pricing = match cl.pricing {
                    PricingModel::OnDemand => "on-demand prices".to_owned(),
                    PricingModel::Reserved => format!(
                        "reserved prices ({:.0} % off on-demand where the catalog has no reserved price)",
                        cl.reserved_discount * 100.0
                    ),
                    PricingModel::Spot => format!(
                        "spot prices ({:.0} % off where the catalog has none; {} preemptions per instance-hour)",
                        cl.spot_discount * 100.0,
                        cl.spot_preemptions_per_hour
                    ),
                };
                format!(
                    "{} (cloud, {} {}): {pricing}; egress ${:.3}/GB; grid {:.2} kg CO2e/kWh.",
                    s.name,
                    provider_label(cl.provider),
                    cl.region,
                    cl.egress_usd_per_gb,
                    s.carbon_kg_per_kwh
                )
            }
            SiteKind::Edge(e) => format!(
                "{} (edge): {} locations; power ${:.3}/kWh; hardware amortized over {} years.",
                s.name, e.locations, e.power_usd_per_kwh, e.amortization_years
            ),
        };
        items.push(text);
    }
    if let Some(r) = input.results {
        items.extend(r.assumptions.iter().cloned());
    } else {
        items.push("Simulator assumptions are listed once the plan has been simulated.".into());
    }
    c.text(MARGIN, y0, "Assumptions", &sub, Align::Left);
    let mut ly = y0 + sub_h;
    for it in items.iter().take(24) {
        c.circle((MARGIN + 8, ly + 13), 4, palette::ACCENT);
        ly += c.paragraph(MARGIN + 24, ly, it, &body, (col_w - 30) as f32) + 6;
    }

    let rx = MARGIN + col_w + GAP;
    c.text(rx, y0, "Fidelity settings", &sub, Align::Left);
    let s = &input.plan.settings;
    let mut rows = vec![
        Row::new(vec!["Random seed".into(), s.seed.to_string()]),
        Row::new(vec![
            "Detailed training iterations".into(),
            s.detailed_iterations.to_string(),
        ]),
        Row::new(vec!["TCO horizon".into(), format!("{} years", s.tco_horizon_years)]),
    ];
    match input.results {
        Some(r) => {
            rows.push(Row::new(vec!["Results: seed used".into(), r.seed.to_string()]));
            rows.push(Row::new(vec![
                "Results: detailed iterations".into(),
                r.detailed_iterations.to_string(),
            ]));
        }
        None => rows.push(Row::new(vec!["Results".into(), "not simulated".into()])),
    }
    rows.push(Row::new(vec![
        "ClusterForge version".into(),
        env!("CARGO_PKG_VERSION").into(),
    ]));
    let cols = [Column::left("Setting", 2.0), Column::right("Value", 1.2)];
    let ry = y0 + sub_h + table::draw(c, Rect::new(rx, y0 + sub_h, col_w, 0), &cols, &rows);
    let note = TextStyle::new(17.0, palette::MUTED);
    let ry = ry
        + 10
        + c.paragraph(
            rx,
            ry + 10,
            "Training stages are simulated in full detail for the listed number of iterations and extrapolated to the whole run; checkpoints and failures are kept for the whole run. The same plan and seed give the same results.",
            &note,
            col_w as f32,
        );
    ly.max(ry)
}

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

fn sources_section(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
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
    let w = PAGE_WIDTH as i32 - 2 * MARGIN;
    if entries.is_empty() && unknown.is_empty() {
        let r = Rect::new(MARGIN, y0, w, 80);
        charts::empty(c, r, "The plan uses no catalog entries");
        return y0 + 80;
    }
    let col_w = (w - GAP) / 2;
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
            let title = c.ellipsize(&format!("{name}  ·  {kind} `{id}`"), &head, col_w as f32);
            (title, c.wrap(source, &body, (col_w - 16) as f32))
        })
        .chain(unknown.iter().map(|id| {
            (
                c.ellipsize(&format!("`{id}`  ·  not in the catalog"), &head, col_w as f32),
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
        let x = MARGIN + col as i32 * (col_w + GAP);
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

fn footer(c: &mut Canvas, input: &ReportInput<'_>, y: i32) -> i32 {
    let w = PAGE_WIDTH as i32;
    c.fill_rect(Rect::new(0, y, w, 80), palette::PANEL);
    c.line((0, y), (w, y), palette::RULE, 1);
    let style = TextStyle::new(17.0, palette::MUTED);
    let text = format!(
        "Generated by ClusterForge {} on {}. This PNG carries the plan's RON: open it in ClusterForge or run `clusterforge check` on it to get the plan back.",
        env!("CARGO_PKG_VERSION"),
        input.generated
    );
    let text = c.ellipsize(&text, &style, (w - 2 * MARGIN) as f32);
    c.text(MARGIN, y + 28, &text, &style, Align::Left);
    y + 80
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn empty_plan_renders() {
        let plan = Plan::default();
        let catalog = Catalog::builtin();
        let input = ReportInput {
            plan: &plan,
            catalog: &catalog,
            results: None,
            generated: "2026-01-01",
        };
        let r = render(&input).unwrap();
        assert_eq!(r.width, PAGE_WIDTH);
        assert_eq!(r.rgb.len(), (r.width * r.height * 3) as usize);
        assert!(r.height > 1500);
    }
}
