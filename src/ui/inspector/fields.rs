//! The typed fields every inspector page is built from: a two-column grid,
//! a number with its unit, a line of text, a choice, an optional number.
//! Shared so every field of every element labels itself the same way (the
//! label is the widget's accessible name) and carries a tooltip.

use egui::{DragValue, Ui, emath::Numeric};

pub(super) fn grid(ui: &mut Ui, id: &str, add: impl FnOnce(&mut Ui)) {
    egui::Grid::new(id)
        .num_columns(2)
        .spacing([10.0, 6.0])
        .striped(false)
        .show(ui, add);
}

/// A labelled number with a unit.
pub(super) fn num<T: Numeric>(
    ui: &mut Ui,
    label: &str,
    value: &mut T,
    unit: &str,
    range: std::ops::RangeInclusive<T>,
    tip: &str,
) {
    let l = ui.label(label);
    let speed = {
        let v = value.to_f64().abs();
        (v * 0.01).max(if T::INTEGRAL { 0.1 } else { 0.001 })
    };
    let mut dv = DragValue::new(value).range(range).speed(speed);
    if !unit.is_empty() {
        dv = dv.suffix(format!(" {unit}"));
    }
    ui.add(dv).labelled_by(l.id).on_hover_text(tip);
    ui.end_row();
}

/// A fraction 0..=`max` edited as a percentage with one decimal; only a
/// changed percentage is written back (x * 100 / 100 need not round-trip).
pub(super) fn percent(ui: &mut Ui, label: &str, fraction: &mut f64, max: f64, tip: &str) {
    let l = ui.label(label);
    let shown = *fraction * 100.0;
    let mut edited = shown;
    let dv = DragValue::new(&mut edited)
        .range(0.0..=max * 100.0)
        .speed(0.5)
        .max_decimals(1)
        .suffix(" %");
    ui.add(dv).labelled_by(l.id).on_hover_text(tip);
    ui.end_row();
    if edited != shown {
        *fraction = (edited / 100.0).clamp(0.0, max);
    }
}

pub(super) fn text(ui: &mut Ui, label: &str, value: &mut String, tip: &str) {
    let l = ui.label(label);
    ui.add(egui::TextEdit::singleline(value).desired_width(180.0))
        .labelled_by(l.id)
        .on_hover_text(tip);
    ui.end_row();
}

pub(super) fn combo<T: PartialEq + Clone>(ui: &mut Ui, label: &str, value: &mut T, options: &[(T, String)], tip: &str) {
    let l = ui.label(label);
    let current = options
        .iter()
        .find(|(v, _)| v == value)
        .map(|(_, s)| s.split(" — ").next().unwrap_or(s).to_owned())
        .unwrap_or_else(|| "—".into());
    let r = egui::ComboBox::from_id_salt(label)
        .selected_text(egui::RichText::new(current))
        .width(180.0)
        .truncate()
        .show_ui(ui, |ui| {
            for (v, s) in options {
                ui.selectable_value(value, v.clone(), s);
            }
        });
    r.response.labelled_by(l.id).on_hover_text(tip);
    ui.end_row();
}

pub(super) fn optional(ui: &mut Ui, label: &str, value: &mut Option<f64>, default: f64, unit: &str, tip: &str) {
    let l = ui.label(label);
    ui.horizontal(|ui| {
        let mut on = value.is_some();
        if ui
            .checkbox(&mut on, "")
            .on_hover_text(format!("Override: {tip}"))
            .changed()
        {
            *value = if on { Some(default) } else { None };
        }
        if let Some(v) = value {
            let speed = (*v * 0.01).max(0.001);
            let mut dv = DragValue::new(v).speed(speed);
            if !unit.is_empty() {
                dv = dv.suffix(format!(" {unit}"));
            }
            ui.add(dv).labelled_by(l.id).on_hover_text(tip);
        } else {
            ui.weak("catalog");
        }
    });
    ui.end_row();
}
