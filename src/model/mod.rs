//! The plan document, the hardware catalog, validation and the edits the
//! editor makes to a plan. Pure data and checks: no GUI, no file I/O.

pub mod arrange;
pub mod catalog;
pub mod edit;
pub mod ids;
pub mod index;
pub mod plan;
pub mod pricing;
pub mod quantum;
pub mod templates;
pub mod validate;
pub mod workload;

pub use catalog::{Catalog, Device, DeviceKind, RequestScope, StorageModel, SwitchModel, System};
pub use ids::{LinkId, NodeId, SiteId, StageId};
pub use index::PlanIndex;
pub use plan::*;
pub use validate::{Problem, Severity, Subject};
pub use workload::*;
