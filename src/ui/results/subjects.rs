//! Which rows and series of the Results tab are selected on the canvas.
//! Results name what they are about with typed keys
//! (`sim::metrics::Resource`), so a row maps to its plan node or link
//! without parsing a display name.

use crate::model::Subject;
use crate::ui::state::Sel;
use std::collections::BTreeSet;

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
