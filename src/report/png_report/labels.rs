//! Words several sections share, so a stage, a cost component
//! or a pricing model reads the same in every chart and table (and in the
//! plan drawing, which uses `provider_label` and `pricing_label`).

use crate::model::{CloudProvider, Plan, PricingModel, StageId};

/// "AWS", "Google Cloud", …
pub fn provider_label(p: CloudProvider) -> &'static str {
    use CloudProvider as P;
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

/// A cost line's component key as a label: underscores to spaces, first letter up.
pub(super) fn component_label(key: &str) -> String {
    let mut s = key.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

/// The stage's name, or its id when the plan no longer has it.
pub(super) fn stage_name(plan: &Plan, id: &StageId) -> String {
    plan.stage(id).map(|s| s.name.clone()).unwrap_or_else(|| id.to_string())
}
