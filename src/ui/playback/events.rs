//! The event list beside the scrubber: filters (kind, stage, text) and one
//! row per shown event; the event at the cursor is highlighted.

use super::clock::{EventFilter, KINDS, format_clock, kind_label};
use super::timeline::kind_color;
use crate::sim::Results;
use crate::ui::theme::Palette;
use egui::{Align2, FontId, Pos2, Rect, Sense, Vec2};

const ROW_H: f32 = 20.0;

/// Kind menu, stage combo and text box. `stages` in the order they run.
pub fn filter_ui(ui: &mut egui::Ui, filter: &mut EventFilter, stages: &[String], pal: &Palette) {
    ui.horizontal(|ui| {
        let n = filter.kinds.len();
        let title = if n == KINDS.len() {
            "All kinds".to_owned()
        } else {
            format!("Kinds ({n} of {})", KINDS.len())
        };
        // Stays open while kinds are ticked; a click outside closes it.
        let config =
            egui::containers::menu::MenuConfig::new().close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
        let (kinds_button, _) = egui::containers::menu::MenuButton::new(title)
            .config(config)
            .ui(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("All").on_hover_text("Show every kind of event").clicked() {
                        filter.kinds = KINDS.into_iter().collect();
                    }
                    if ui.button("None").on_hover_text("Hide every kind of event").clicked() {
                        filter.kinds.clear();
                    }
                });
                ui.separator();
                for kind in KINDS {
                    let mut on = filter.kinds.contains(&kind);
                    ui.horizontal(|ui| {
                        let (dot, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
                        ui.painter().circle_filled(dot.center(), 4.0, kind_color(kind, pal));
                        if ui
                            .checkbox(&mut on, kind_label(kind))
                            .on_hover_text("Show or hide events of this kind")
                            .changed()
                        {
                            if on {
                                filter.kinds.insert(kind);
                            } else {
                                filter.kinds.remove(&kind);
                            }
                        }
                    });
                }
            });
        kinds_button.on_hover_text("Which kinds of event the list and the timeline show");

        let current = filter.stage.clone().unwrap_or_else(|| "All stages".to_owned());
        egui::ComboBox::from_id_salt("playback_stage_filter")
            .selected_text(current)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut filter.stage, None, "All stages");
                for s in stages {
                    ui.selectable_value(&mut filter.stage, Some(s.clone()), s.as_str());
                }
            })
            .response
            .on_hover_text("Only events of one stage");

        ui.add(
            egui::TextEdit::singleline(&mut filter.text)
                .hint_text("Filter text")
                .desired_width(ui.available_width() - 70.0),
        )
        .on_hover_text("Words that must all appear in the event (text, stage, node or link id, kind)");
        if !filter.is_everything() && ui.button("Clear").on_hover_text("Show every event again").clicked() {
            *filter = EventFilter::default();
        }
    });
}

/// One row per event in `visible`. `scroll_to` brings that event into view
/// this frame. Returns the event the user clicked.
pub fn event_list_ui(
    ui: &mut egui::Ui,
    results: &Results,
    visible: &[usize],
    current: Option<usize>,
    scroll_to: Option<usize>,
    pal: &Palette,
) -> Option<usize> {
    if visible.is_empty() {
        let what = if results.events.is_empty() {
            "This run recorded no events"
        } else {
            "No event matches the filter"
        };
        ui.weak(what);
        return None;
    }
    let spacing = ui.spacing().item_spacing.y;
    let mut area = egui::ScrollArea::vertical()
        .id_salt("playback_events")
        .auto_shrink([false, false]);
    if let Some(row) = scroll_to.and_then(|i| visible.iter().position(|&v| v == i)) {
        let view_h = ui.available_height();
        let y = row as f32 * (ROW_H + spacing) - view_h / 2.0 + ROW_H / 2.0;
        area = area.vertical_scroll_offset(y.max(0.0));
    }
    let mut clicked = None;
    area.show_rows(ui, ROW_H, visible.len(), |ui, range| {
        for &i in &visible[range] {
            let Some(e) = results.events.get(i) else { continue };
            let width = ui.available_width();
            let (rect, response) = ui.allocate_exact_size(Vec2::new(width, ROW_H), Sense::click());
            let stage = if e.stage.is_empty() { "plan" } else { e.stage.as_str() };
            let is_current = Some(i) == current;
            response.widget_info(|| {
                egui::WidgetInfo::selected(
                    egui::Role::Button,
                    true,
                    is_current,
                    format!("{} {} {} {}", format_clock(e.t_s), kind_label(e.kind), stage, e.text),
                )
            });
            let painter = ui.painter_at(rect);
            if is_current {
                painter.rect_filled(rect, 3, ui.visuals().selection.bg_fill);
            } else if response.hovered() {
                painter.rect_filled(rect, 3, ui.visuals().widgets.hovered.weak_bg_fill);
            }
            let text_color = if is_current {
                ui.visuals().selection.stroke.color
            } else {
                pal.text
            };
            let y = rect.center().y;
            let font = FontId::proportional(12.5);
            let mut x = rect.min.x + 4.0;
            painter.text(
                Pos2::new(x + 98.0, y),
                Align2::RIGHT_CENTER,
                format_clock(e.t_s),
                font.clone(),
                if is_current { text_color } else { pal.text_weak },
            );
            x += 106.0;
            painter.circle_filled(Pos2::new(x + 4.0, y), 4.0, kind_color(e.kind, pal));
            x += 12.0;
            painter.text(
                Pos2::new(x, y),
                Align2::LEFT_CENTER,
                kind_label(e.kind),
                font.clone(),
                text_color,
            );
            x += 84.0;
            let stage_clip = Rect::from_min_max(Pos2::new(x, rect.min.y), Pos2::new(x + 96.0, rect.max.y));
            ui.painter_at(stage_clip).text(
                Pos2::new(x, y),
                Align2::LEFT_CENTER,
                stage,
                font.clone(),
                if is_current { text_color } else { pal.text_weak },
            );
            x += 100.0;
            painter.text(Pos2::new(x, y), Align2::LEFT_CENTER, &e.text, font, text_color);
            let response = response.on_hover_text(format!(
                "{} · {} · {}{}\n{}",
                format_clock(e.t_s),
                kind_label(e.kind),
                stage,
                e.subject
                    .as_ref()
                    .map(|s| format!(" · {}", s.plan_subject()))
                    .unwrap_or_default(),
                e.text
            ));
            if response.clicked() {
                clicked = Some(i);
            }
        }
    });
    clicked
}

/// Stage ids in the order they start (timeline first, then any only events name).
pub fn stage_ids(results: &Results) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut spans: Vec<&crate::sim::StageSpan> = results.timeline.iter().collect();
    spans.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let from_events = results.events.iter().map(|e| &e.stage).filter(|s| !s.is_empty());
    for s in spans.iter().map(|s| &s.stage).chain(from_events) {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}
