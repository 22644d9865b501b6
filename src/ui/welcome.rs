//! The welcome screen (first run, or Help › Welcome): what ClusterForge
//! does, the presets gallery, Start empty, Open…, recent files and the tour.
//! It shows over the plan already open; closing it leaves that plan.

use crate::report::presets;
use crate::ui::app::AfterDiscard;
use crate::ui::files::Persisted;
use std::path::PathBuf;

/// What the user chose on the welcome screen. The app runs it (through the
/// unsaved-changes guard) and closes the welcome.
#[derive(Clone, Debug, PartialEq)]
pub enum WelcomeAction {
    /// New, Open…, a recent file or a preset.
    Open(AfterDiscard),
    Tour,
    Close,
}

/// What ClusterForge does, in two sentences.
pub const INTRO: &str = "ClusterForge lets you design AI infrastructure on a canvas: GPU, TPU and CPU servers, \
storage and fabrics, on-prem, in the cloud or both. It simulates training, serving, data pipelines and cost on \
that design, so you can compare options before you buy or rent anything.";

/// Width of the left column and of one preset card with its spacing.
const START_COLUMN_WIDTH: f32 = 300.0;
const CARD_STEP: f32 = 244.0;

/// The welcome window. Returns what the user chose, if anything.
pub fn welcome_ui(ctx: &egui::Context, persisted: &mut Persisted) -> Option<WelcomeAction> {
    let mut action = None;
    // Three preset columns in a normal window, fewer in a small one (900 px minimum).
    let screen_width = ctx.content_rect().width();
    let columns = ((screen_width - 80.0 - START_COLUMN_WIDTH - 16.0) / CARD_STEP).floor() as usize;
    let columns = columns.clamp(1, 3);
    let modal = egui::Modal::new(egui::Id::unique("welcome")).show(ctx, |ui| {
        ui.set_max_width(START_COLUMN_WIDTH + 16.0 + columns as f32 * CARD_STEP);
        ui.horizontal(|ui| {
            ui.heading("Welcome to ClusterForge");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("Close")
                    .on_hover_text("Keep the plan that is open (Esc)")
                    .clicked()
                {
                    action = Some(WelcomeAction::Close);
                }
            });
        });
        ui.add(egui::Label::new(INTRO).wrap());
        ui.add_space(8.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(START_COLUMN_WIDTH);
                if let Some(a) = start_ui(ui, &persisted.recent) {
                    action = Some(a);
                }
            });
            ui.add_space(16.0);
            ui.vertical(|ui| {
                ui.strong("Start from a preset");
                ui.weak("Shipped example plans: open one, press Run, then change it");
                ui.add_space(4.0);
                let height = (ui.ctx().content_rect().height() - 220.0).clamp(200.0, 600.0);
                egui::ScrollArea::vertical()
                    .id_salt("welcome_gallery")
                    .max_height(height)
                    .min_scrolled_height(height)
                    .show(ui, |ui| {
                        if let Some(chosen) = presets_gallery_ui(ui, false, columns) {
                            action = Some(WelcomeAction::Open(match chosen {
                                Some(id) => AfterDiscard::OpenPreset(id),
                                None => AfterDiscard::New,
                            }));
                        }
                    });
            });
        });
        ui.separator();
        ui.checkbox(&mut persisted.welcome_at_start, "Show this screen at start")
            .on_hover_text(
                "While you have no recent files, ClusterForge opens with this screen. \
                 Help › Welcome opens it any time",
            );
    });
    if action.is_none() && modal.should_close() {
        action = Some(WelcomeAction::Close);
    }
    action
}

/// The left column: start empty, open, recent files, tour.
fn start_ui(ui: &mut egui::Ui, recent: &[PathBuf]) -> Option<WelcomeAction> {
    let mut action = None;
    let wide = |text: &str| egui::Button::new(text).min_size(egui::vec2(START_COLUMN_WIDTH, 32.0));
    ui.strong("Start");
    if ui
        .add(wide("📄 Start empty"))
        .on_hover_text("Close this screen and start from a blank canvas")
        .clicked()
    {
        action = Some(WelcomeAction::Open(AfterDiscard::New));
    }
    if ui
        .add(wide("📂 Open…"))
        .on_hover_text("Open a plan file (.ron) or a report PNG")
        .clicked()
    {
        action = Some(WelcomeAction::Open(AfterDiscard::Open));
    }
    if ui
        .add(wide("ℹ Take the tour"))
        .on_hover_text("Four callouts over the real window: palette, canvas, inspector, results")
        .clicked()
    {
        action = Some(WelcomeAction::Tour);
    }
    ui.add_space(12.0);
    ui.strong("Recent files");
    if recent.is_empty() {
        ui.weak("None yet: plans you open or save appear here");
    }
    for path in recent {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let folder = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
        let r = ui
            .add(egui::Button::new(format!("🗋 {name}")).frame(false))
            .on_hover_text(format!("Open {}", path.display()));
        ui.label(egui::RichText::new(folder).weak().small());
        if r.clicked() {
            action = Some(WelcomeAction::Open(AfterDiscard::OpenPath(path.clone())));
        }
    }
    action
}

/// The presets as cards, `columns` per row, optionally led by an "Empty
/// plan" card. Returns `Some(Some(id))` for a preset, `Some(None)` for the
/// empty plan. Used by the welcome screen and File › Presets….
pub fn presets_gallery_ui(ui: &mut egui::Ui, with_empty: bool, columns: usize) -> Option<Option<&'static str>> {
    let mut chosen = None;
    let mut cards: Vec<(Option<&'static str>, &str, &str, &str)> = Vec::new();
    if with_empty {
        cards.push((None, "📄", "Empty plan", "Start from a blank canvas"));
    }
    for p in presets::PRESETS {
        cards.push((Some(p.id), preset_icon(p.id), p.title, p.summary));
    }
    for row in cards.chunks(columns.max(1)) {
        ui.horizontal_top(|ui| {
            for (id, icon, title, summary) in row {
                let r = ui.allocate_ui_with_layout(
                    egui::vec2(236.0, 170.0),
                    egui::Layout::top_down(egui::Align::Min),
                    |ui| preset_card_ui(ui, icon, title, summary),
                );
                if r.inner {
                    chosen = Some(*id);
                }
            }
        });
    }
    chosen
}

pub fn preset_icon(id: &str) -> &'static str {
    if id.contains("hybrid") {
        "🔗"
    } else if id.contains("cloud") || id.contains("serverless") {
        "☁"
    } else if id.contains("edge") {
        "📡"
    } else if id.contains("data") {
        "🗄"
    } else {
        "🏢"
    }
}

/// A preset card; returns true when chosen (a click anywhere on the card).
pub fn preset_card_ui(ui: &mut egui::Ui, icon: &str, title: &str, summary: &str) -> bool {
    let mut chosen = false;
    let frame = egui::Frame::group(ui.style()).inner_margin(10.0).show(ui, |ui| {
        ui.set_width(214.0);
        ui.set_min_height(148.0);
        ui.label(egui::RichText::new(icon).size(30.0));
        if ui
            .add(egui::Button::new(egui::RichText::new(title).strong()).frame(false))
            .on_hover_text(format!("Open '{title}'"))
            .clicked()
        {
            chosen = true;
        }
        ui.add(egui::Label::new(egui::RichText::new(summary).weak()).wrap());
    });
    // The whole card is a target; the title button stays the named widget.
    let card = ui.interact(
        frame.response.rect,
        ui.scope_id().with(("preset_card", title)),
        egui::Sense::click(),
    );
    card.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Preset card: {title}")));
    if card.hovered() {
        ui.painter().rect_stroke(
            frame.response.rect,
            4.0,
            ui.visuals().widgets.hovered.bg_stroke,
            egui::StrokeKind::Inside,
        );
        ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
    }
    chosen || card.clicked()
}
