//! Identifiers of plan elements.
//!
//! Ids are short human-readable strings (`"gpu-pod"`, `"ib-leaf"`) so that a
//! plan file stays editable by hand and diffs stay readable. Each kind of id
//! is its own type so a link endpoint can never be confused with a site.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// Id of a site (data centre, cloud region, edge location).
    SiteId
);
string_id!(
    /// Id of a node group on the canvas.
    NodeId
);
string_id!(
    /// Id of a link between two node groups.
    LinkId
);
string_id!(
    /// Id of a lifecycle stage (workload).
    StageId
);
