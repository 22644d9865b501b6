//! Cost and energy (TCO): the single place where money and kWh are computed.
//!
//! - Cloud nodes are rented by the hour at the site's pricing model
//!   (on-demand, reserved, spot); spot capacity loses work to preemptions.
//! - On-prem and edge nodes are bought: capex amortized over the site's
//!   years, power = system power × load × PUE × price, plus the site's
//!   operations and facility capex shared by capex.
//! - Storage is paid per GB-month (cloud) or bought (appliances); egress
//!   and WAN transfer per GB.
//! - Energy in kWh (facility, i.e. IT × PUE) and carbon per site.
//!
//! Other modules ask a [`Ledger`] (hourly, storage and egress prices of one
//! plan) and call [`plan_tco`]; [`compare_deployments`] answers
//! "on-prem vs cloud vs hybrid over the horizon, and when does owning pay off".

use crate::model::{Catalog, NodeId, NodeKind, NodeRole, Plan, PlanIndex, PricingModel, SiteId, SiteKind};
use crate::sim::SimError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub const HOURS_PER_YEAR: f64 = 8760.0;
pub const HOURS_PER_MONTH: f64 = HOURS_PER_YEAR / 12.0;

/// Fraction of peak power a server draws when idle. Source: Barroso, Clidaras
/// & Hölzle, "The Datacenter as a Computer" (2nd ed., 2013), Fig. 5.x: servers
/// idle at roughly 30-50 % of peak; GPU servers idle near 30 % (DGX H100 idles
/// ~3 kW of 10.2 kW max, T04). Power at load u = peak × (idle + (1 − idle) × u).
pub const IDLE_POWER_FRACTION: f64 = 0.3;

/// Work lost per spot preemption beyond the restart itself: on average half
/// the interval since the last checkpoint/drain. AWS gives a 2-minute notice
/// (tco.csv T20); we assume a 5-minute restart (re-provision + reload) and
/// 5 minutes of lost work. Estimate.
pub const SPOT_RESTART_S: f64 = 300.0;
pub const SPOT_LOST_WORK_S: f64 = 300.0;

/// Hourly cost of a node group (all its members) at a given utilization.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeHourly {
    /// Rent (cloud) in USD per hour.
    pub rent_usd: f64,
    /// Amortized purchase (on-prem, edge), USD per hour.
    pub capex_usd: f64,
    /// Electricity (on-prem, edge; cloud power is in the rent), USD per hour.
    pub power_usd: f64,
    /// Share of the site's operations and facility capex, USD per hour.
    pub operations_usd: f64,
    /// Facility energy drawn, kWh per hour (IT power × PUE), all kinds of site.
    pub energy_kwh: f64,
    /// Carbon, kg CO2e per hour (energy × the site's grid intensity).
    pub carbon_kg: f64,
    /// Whether the members are rented (cost scales with hours used).
    pub rented: bool,
}

impl NodeHourly {
    pub fn total_usd(&self) -> f64 {
        self.rent_usd + self.capex_usd + self.power_usd + self.operations_usd
    }
}

fn invalid(msg: String) -> SimError {
    SimError::Invalid(msg)
}

/// Cloud prices of one member: on-demand, reserved, spot (USD per hour).
type CloudPrices = (f64, Option<f64>, Option<f64>);

/// Purchase price and peak power of one member of a node.
fn member_price_power(catalog: &Catalog, kind: NodeKind, model: &str) -> (f64, f64, Option<CloudPrices>) {
    match kind.role() {
        // Quantum services are billed per use by their provider
        // (sim::quantum), so their hourly price and power are 0.
        NodeRole::Compute | NodeRole::Quantum => catalog
            .system(model)
            .map(|s| {
                let cloud = s
                    .cloud
                    .as_ref()
                    .map(|c| (c.on_demand_usd_per_hour, c.reserved_usd_per_hour, c.spot_usd_per_hour));
                (s.price_usd, s.power_w, cloud)
            })
            .unwrap_or((0.0, 0.0, None)),
        NodeRole::Storage => catalog
            .storage(model)
            .map(|s| (s.price_usd, s.power_w, None))
            .unwrap_or((0.0, 0.0, None)),
        NodeRole::Network => catalog
            .switch(model)
            .map(|s| (s.price_usd, s.power_w, None))
            .unwrap_or((0.0, 0.0, None)),
        NodeRole::Source => (0.0, 0.0, None),
    }
}

/// Cloud price per member-hour of a rented system under the site's pricing.
pub fn cloud_member_price(
    on_demand: f64,
    reserved: Option<f64>,
    spot: Option<f64>,
    site: &crate::model::CloudSite,
) -> f64 {
    match site.pricing {
        PricingModel::OnDemand => on_demand,
        PricingModel::Reserved => reserved.unwrap_or(on_demand * (1.0 - site.reserved_discount)),
        PricingModel::Spot => spot.unwrap_or(on_demand * (1.0 - site.spot_discount)),
    }
}

/// Factor by which spot preemptions stretch wall time (≥ 1): each preemption
/// costs a restart plus lost work.
pub fn spot_slowdown(preemptions_per_hour: f64) -> f64 {
    let lost_fraction = (preemptions_per_hour.max(0.0) * (SPOT_RESTART_S + SPOT_LOST_WORK_S) / 3600.0).min(0.9);
    1.0 / (1.0 - lost_fraction)
}

/// How much power a node group draws: a load on the idle-to-peak line of
/// its catalog power, or watts a stage model computed itself.
#[derive(Clone, Copy, Debug)]
enum Draw {
    Utilization(f64),
    Watts(f64),
}

/// The prices of one plan, looked up in one step: nodes and sites by id and
/// each site's owned capex (which shares out its operations cost) computed
/// once, so costing every node of a 10⁵-group plan stays linear. Build one
/// per stage or per plan and ask it for every node.
pub struct Ledger<'a> {
    catalog: &'a Catalog,
    index: PlanIndex<'a>,
    /// Total purchase price of the owned nodes of each site.
    site_capex: HashMap<&'a SiteId, f64>,
}

impl<'a> Ledger<'a> {
    pub fn new(plan: &'a Plan, catalog: &'a Catalog) -> Self {
        let mut site_capex: HashMap<&SiteId, f64> = HashMap::new();
        for n in &plan.nodes {
            *site_capex.entry(&n.site).or_default() += member_price_power(catalog, n.kind, &n.model).0 * n.count as f64;
        }
        Self {
            catalog,
            index: PlanIndex::new(plan),
            site_capex,
        }
    }

    /// The plan's nodes and sites by id.
    pub fn index(&self) -> &PlanIndex<'a> {
        &self.index
    }

    /// Hourly cost of node group `node_id` (all `count` members) at
    /// `utilization` (0..1, the fraction of peak power drawn above idle).
    pub fn hourly(&self, node_id: &NodeId, utilization: f64) -> Result<NodeHourly, SimError> {
        self.hourly_at(node_id, Draw::Utilization(utilization))
    }

    /// Hourly cost of node group `node_id` drawing `it_w` watts of IT power
    /// in all (a model that knows its power better than the idle-to-peak
    /// line, such as a neuromorphic chip's static plus per-event energy).
    pub fn hourly_drawing(&self, node_id: &NodeId, it_w: f64) -> Result<NodeHourly, SimError> {
        self.hourly_at(node_id, Draw::Watts(it_w))
    }

    fn hourly_at(&self, node_id: &NodeId, draw: Draw) -> Result<NodeHourly, SimError> {
        let catalog = self.catalog;
        let node = self
            .index
            .node(node_id)
            .ok_or_else(|| invalid(format!("node '{node_id}' does not exist")))?;
        let site = self
            .index
            .site(&node.site)
            .ok_or_else(|| invalid(format!("node '{}' is in unknown site '{}'", node.id, node.site)))?;
        let count = node.count as f64;
        let (price, power_w, cloud) = member_price_power(catalog, node.kind, &node.model);
        let it_kw = match draw {
            Draw::Utilization(utilization) => {
                let u = if utilization.is_finite() {
                    utilization.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                power_w * count * (IDLE_POWER_FRACTION + (1.0 - IDLE_POWER_FRACTION) * u) / 1000.0
            }
            Draw::Watts(w) if w.is_finite() => w.max(0.0) / 1000.0,
            Draw::Watts(_) => 0.0,
        };
        let mut h = NodeHourly::default();
        match &site.kind {
            SiteKind::Cloud(c) => {
                h.rented = true;
                match cloud {
                    Some((od, res, spot)) => h.rent_usd = cloud_member_price(od, res, spot, c) * count,
                    // Switches and storage appliances drawn in a cloud
                    // site without a colocation cage are the provider's
                    // fabric and storage service: in the rent (None below).
                    None if price > 0.0 && (c.colocation.is_some() || node.kind.role() == NodeRole::Compute) => {
                        // Owned hardware in a colocation cage: amortized
                        // capex, rated power rented per kW-month, metered
                        // energy at the facility's PUE, support. Owned
                        // compute in a site without colocation figures is a
                        // validation error; should it be simulated anyway
                        // (a library caller), the defaults apply.
                        let colo = c.colocation.clone().unwrap_or_default();
                        h.rented = false;
                        h.capex_usd = price * count / (colo.amortization_years.max(0.1) * HOURS_PER_YEAR);
                        h.energy_kwh = it_kw * colo.pue.max(1.0);
                        h.power_usd = h.energy_kwh * colo.power_usd_per_kwh
                            + power_w * count / 1000.0 * colo.usd_per_kw_month / HOURS_PER_MONTH;
                        h.operations_usd = price * count * colo.support_per_year / HOURS_PER_YEAR;
                    }
                    None => {}
                }
                if h.rented || h.energy_kwh == 0.0 {
                    // Cloud providers' fleet PUE ~1.1 (Google, tco.csv T09).
                    h.energy_kwh = it_kw * 1.1;
                }
            }
            SiteKind::OnPrem(o) => {
                let years = o.amortization_years.max(0.1);
                h.capex_usd = price * count / (years * HOURS_PER_YEAR);
                h.energy_kwh = it_kw * o.pue.max(1.0);
                h.power_usd = h.energy_kwh * o.power_usd_per_kwh;
                let site_capex = self.site_capex.get(&site.id).copied().unwrap_or(0.0);
                if site_capex > 0.0 {
                    let share = price * count / site_capex;
                    h.operations_usd = share
                        * (o.operations_usd_per_year / HOURS_PER_YEAR
                            + o.facility_capex_usd / (years * HOURS_PER_YEAR));
                }
                if cloud.is_some() && price == 0.0 {
                    return Err(invalid(format!(
                        "'{}' ({}) is a cloud instance and cannot be bought for on-prem site '{}'",
                        node.name, node.model, site.name
                    )));
                }
            }
            SiteKind::Edge(e) => {
                h.capex_usd = price * count / (e.amortization_years.max(0.1) * HOURS_PER_YEAR);
                h.energy_kwh = it_kw;
                h.power_usd = h.energy_kwh * e.power_usd_per_kwh;
            }
        }
        h.carbon_kg = h.energy_kwh * site.carbon_kg_per_kwh;
        Ok(h)
    }

    /// Cost of keeping `stored_gb` on storage node `node_id` for
    /// `duration_s` (cloud per GB-month; owned appliances are in
    /// [`Ledger::hourly`]) plus request fees.
    pub fn storage(
        &self,
        node_id: &NodeId,
        stored_gb: f64,
        duration_s: f64,
        reads: f64,
        writes: f64,
    ) -> Result<f64, SimError> {
        let node = self
            .index
            .node(node_id)
            .ok_or_else(|| invalid(format!("node '{node_id}' does not exist")))?;
        let Some(s) = self.catalog.storage(&node.model) else {
            return Ok(0.0);
        };
        let months = duration_s.max(0.0) / 3600.0 / HOURS_PER_MONTH;
        Ok(s.usd_per_gb_month * stored_gb.max(0.0) * months
            + s.usd_per_1k_reads * reads.max(0.0) / 1000.0
            + s.usd_per_1k_writes * writes.max(0.0) / 1000.0)
    }

    /// On-demand query price of scanning node `node_id`'s data: `stored`
    /// bytes read from it, `logical` their uncompressed size (the store's
    /// model says which one it bills). 0 for stores not billed per scan.
    pub fn scan(&self, node_id: &NodeId, stored: f64, logical: f64) -> f64 {
        let Some(s) = self.index.node(node_id).and_then(|n| self.catalog.storage(&n.model)) else {
            return 0.0;
        };
        let bytes = if s.scan_bills_logical_bytes { logical } else { stored };
        s.usd_per_tb_scanned * bytes.max(0.0) / 1e12
    }

    /// Price of moving `gb` out of the site of `from` to the site of `to`:
    /// internet egress at the cloud site's price when the sites differ; free
    /// inside a site and out of owned sites (their WAN link is capex).
    pub fn egress(&self, from: &NodeId, to: &NodeId, gb: f64) -> f64 {
        let (Some(a), Some(b)) = (self.index.node(from), self.index.node(to)) else {
            return 0.0;
        };
        if a.site == b.site {
            return 0.0;
        }
        match self.index.site(&a.site).map(|s| &s.kind) {
            Some(SiteKind::Cloud(c)) => c.egress_usd_per_gb * gb.max(0.0),
            _ => 0.0,
        }
    }
}

/// Cost of a plan over a period, per site and per node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tco {
    pub period_s: f64,
    pub total_usd: f64,
    pub energy_kwh: f64,
    pub carbon_kg: f64,
    /// Site id → cost over the period.
    pub per_site: BTreeMap<String, SiteCost>,
    /// Node id → cost over the period.
    pub per_node: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteCost {
    pub rent_usd: f64,
    pub capex_usd: f64,
    pub power_usd: f64,
    pub operations_usd: f64,
    pub storage_usd: f64,
    pub energy_kwh: f64,
    pub carbon_kg: f64,
    pub total_usd: f64,
}

/// Cost of every node of the plan over `period_s`. `utilization` gives each
/// node's average load (missing nodes: `default_utilization`); `busy_hours`
/// overrides the billed hours of rented nodes (autoscaled or serverless
/// capacity pays only while up). Cloud storage is billed on its capacity
/// (`capacity_tb` of the node) when set.
pub fn plan_tco(
    plan: &Plan,
    catalog: &Catalog,
    period_s: f64,
    utilization: &BTreeMap<NodeId, f64>,
    default_utilization: f64,
    busy_hours: &BTreeMap<NodeId, f64>,
) -> Result<Tco, SimError> {
    let hours = period_s.max(0.0) / 3600.0;
    let mut t = Tco {
        period_s,
        ..Tco::default()
    };
    let ledger = Ledger::new(plan, catalog);
    for n in &plan.nodes {
        let u = utilization.get(&n.id).copied().unwrap_or(default_utilization);
        let h = ledger.hourly(&n.id, u)?;
        let billed = if h.rented {
            busy_hours.get(&n.id).copied().unwrap_or(hours).min(hours)
        } else {
            hours
        };
        let mut node_cost = h.rent_usd * billed + (h.capex_usd + h.power_usd + h.operations_usd) * hours;
        let energy = h.energy_kwh * if h.rented { billed } else { hours };
        let storage = match (n.kind.role(), n.capacity_tb) {
            (NodeRole::Storage, Some(tb)) => ledger.storage(&n.id, tb * 1000.0, period_s, 0.0, 0.0)?,
            _ => 0.0,
        };
        node_cost += storage;
        let s = t.per_site.entry(n.site.to_string()).or_default();
        s.rent_usd += h.rent_usd * billed;
        s.capex_usd += h.capex_usd * hours;
        s.power_usd += h.power_usd * hours;
        s.operations_usd += h.operations_usd * hours;
        s.storage_usd += storage;
        s.energy_kwh += energy;
        let carbon_kg_per_kwh = plan.site(&n.site).map(|s| s.carbon_kg_per_kwh).unwrap_or(0.0);
        s.carbon_kg += energy * carbon_kg_per_kwh;
        s.total_usd += node_cost;
        t.total_usd += node_cost;
        t.energy_kwh += energy;
        t.carbon_kg += energy * carbon_kg_per_kwh;
        t.per_node.insert(n.id.to_string(), node_cost);
    }
    Ok(t)
}

/// One way of paying for the plan's compute over the horizon.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub label: String,
    /// Up-front purchases, USD.
    pub capex_usd: f64,
    /// Running cost per month at the given utilization, USD.
    pub monthly_usd: f64,
    /// Cumulative cost at the end of each month, USD (index 0 = month 1).
    pub cumulative_usd: Vec<f64>,
    pub total_usd: f64,
}

/// On-prem vs cloud vs hybrid (the plan as drawn) over a horizon.
/// `on_prem` and `cloud` price the plan's compute groups only (each bought,
/// or rented on demand for the used hours; no resale value); `as_drawn`
/// prices every node of the plan (switches, storage, serverless) as placed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentComparison {
    pub horizon_months: u32,
    pub utilization: f64,
    pub on_prem: Deployment,
    pub cloud: Deployment,
    pub as_drawn: Deployment,
    /// Month at which owning becomes cheaper than renting, if within reach.
    pub break_even_months: Option<f64>,
    /// Utilization above which owning is cheaper over the horizon.
    pub break_even_utilization: Option<f64>,
    /// Compute groups without an equivalent on the other side (ignored).
    pub unmatched: Vec<String>,
}

/// Owned and rented variants of one compute node group.
struct Variants {
    /// Purchase price of all members and their peak power (W).
    buy_usd: f64,
    power_w: f64,
    /// On-demand rent of all members, USD per hour.
    rent_usd_per_h: f64,
}

fn variants(catalog: &Catalog, model: &str, count: u32) -> Option<Variants> {
    let sys = catalog.system(model)?;
    // Peak FP32 of a whole system, to match systems with other devices.
    let peak = |s: &crate::model::System| {
        catalog
            .device(&s.device)
            .and_then(|d| d.peak_tflops.fp32)
            .unwrap_or(0.0)
            * s.devices as f64
    };
    // The same device and count if the catalog has it; otherwise (CPU
    // servers of another vendor) the system of the same kind with the
    // closest peak, in proportion to peak.
    let counterpart = |want: &dyn Fn(&crate::model::System) -> bool| -> Option<(&crate::model::System, f64)> {
        let same = catalog
            .systems
            .iter()
            .filter(|s| s.device == sys.device && s.devices == sys.devices && s.kind == sys.kind)
            .filter(|s| want(s))
            .min_by(|a, b| cloud_od(a).total_cmp(&cloud_od(b)));
        if let Some(s) = same {
            return Some((s, 1.0));
        }
        if sys.kind != NodeKind::CpuServer {
            return None;
        }
        let p0 = peak(sys);
        catalog
            .systems
            .iter()
            .filter(|s| s.kind == sys.kind && want(s) && peak(s) > 0.0)
            .min_by(|a, b| (peak(a) / p0 - 1.0).abs().total_cmp(&(peak(b) / p0 - 1.0).abs()))
            .map(|s| (s, p0 / peak(s)))
    };
    let (bought, fb) = if sys.price_usd > 0.0 {
        (sys, 1.0)
    } else {
        counterpart(&|s| s.price_usd > 0.0)?
    };
    let (rented, fr) = if sys.cloud.is_some() {
        (sys, 1.0)
    } else {
        counterpart(&|s| s.cloud.is_some())?
    };
    let c = count as f64;
    Some(Variants {
        buy_usd: bought.price_usd * c * fb,
        power_w: bought.power_w * c * fb,
        rent_usd_per_h: cloud_od(rented) * c * fr,
    })
}

fn cloud_od(s: &crate::model::System) -> f64 {
    s.cloud.as_ref().map(|c| c.on_demand_usd_per_hour).unwrap_or(f64::MAX)
}

/// Defaults for an on-prem site when the plan has none: US industrial power 0.08 USD/kWh (T11), PUE 1.58 (T08),
/// operations: colocation at 184 USD per kW-month of peak power (T10).
const DEFAULT_POWER_USD_PER_KWH: f64 = 0.0806;
const DEFAULT_PUE: f64 = 1.58;
const COLO_USD_PER_KW_MONTH: f64 = 184.06;

/// Compare owning vs renting the plan's compute at `utilization` (fraction
/// of hours the capacity is needed; rented capacity is paid only then) over
/// `horizon_months`. "As drawn" prices the plan's own mix (hybrid).
pub fn compare_deployments(
    plan: &Plan,
    catalog: &Catalog,
    utilization: f64,
    horizon_months: u32,
) -> Result<DeploymentComparison, SimError> {
    let u = if utilization.is_finite() {
        utilization.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let onprem_site = plan.sites.iter().find_map(|s| match &s.kind {
        SiteKind::OnPrem(o) => Some(o.clone()),
        _ => None,
    });
    let (price_kwh, pue, ops_per_kw_month) = match &onprem_site {
        Some(o) => (o.power_usd_per_kwh, o.pue.max(1.0), None),
        None => (DEFAULT_POWER_USD_PER_KWH, DEFAULT_PUE, Some(COLO_USD_PER_KW_MONTH)),
    };
    let mut cmp = DeploymentComparison {
        horizon_months,
        utilization: u,
        ..Default::default()
    };
    let (mut capex, mut own_monthly, mut rent_monthly) = (0.0, 0.0, 0.0);
    for n in plan.nodes.iter().filter(|n| n.kind.role() == NodeRole::Compute) {
        match variants(catalog, &n.model, n.count) {
            Some(v) => {
                capex += v.buy_usd;
                let kw = v.power_w / 1000.0 * (IDLE_POWER_FRACTION + (1.0 - IDLE_POWER_FRACTION) * u);
                own_monthly += kw * pue * price_kwh * HOURS_PER_MONTH;
                if let Some(colo) = ops_per_kw_month {
                    own_monthly += v.power_w / 1000.0 * colo;
                }
                rent_monthly += v.rent_usd_per_h * u * HOURS_PER_MONTH;
            }
            None => cmp.unmatched.push(n.id.to_string()),
        }
    }
    if let Some(o) = &onprem_site {
        // The site's operations and facility costs belong to the owned variant.
        own_monthly += o.operations_usd_per_year / 12.0;
        capex += o.facility_capex_usd;
    }
    // Within the horizon owning costs the purchase up front (no resale value:
    // conservative for owning; T03 suggests 25-35 % residual after 3 years).
    let months = horizon_months.max(1);
    let curve = |capex: f64, monthly: f64| (1..=months).map(|m| capex + monthly * m as f64).collect::<Vec<_>>();
    cmp.on_prem = Deployment {
        label: "On-prem (buy everything)".into(),
        capex_usd: capex,
        monthly_usd: own_monthly,
        cumulative_usd: curve(capex, own_monthly),
        total_usd: capex + own_monthly * months as f64,
    };
    cmp.cloud = Deployment {
        label: "Cloud (rent on demand, pay for used hours)".into(),
        capex_usd: 0.0,
        monthly_usd: rent_monthly,
        cumulative_usd: curve(0.0, rent_monthly),
        total_usd: rent_monthly * months as f64,
    };
    // As drawn: owned nodes bought up front, rented nodes paid by the hour.
    let mut drawn_capex = 0.0;
    let mut drawn_monthly = 0.0;
    let ledger = Ledger::new(plan, catalog);
    for n in &plan.nodes {
        let h = ledger.hourly(&n.id, u)?;
        if h.rented {
            drawn_monthly += h.rent_usd * u * HOURS_PER_MONTH;
        } else {
            drawn_capex += member_price_power(catalog, n.kind, &n.model).0 * n.count as f64;
            drawn_monthly += (h.power_usd + h.operations_usd) * HOURS_PER_MONTH;
        }
    }
    for s in &plan.sites {
        if let SiteKind::OnPrem(o) = &s.kind {
            drawn_capex += o.facility_capex_usd;
            // Facility capex was amortized in the operations share; remove it
            // from the monthly figure since it is paid up front here.
            drawn_monthly -= o.facility_capex_usd / (o.amortization_years.max(0.1) * 12.0);
        }
    }
    cmp.as_drawn = Deployment {
        label: "As drawn (owned nodes bought, rented ones by the hour)".into(),
        capex_usd: drawn_capex,
        monthly_usd: drawn_monthly.max(0.0),
        cumulative_usd: curve(drawn_capex, drawn_monthly.max(0.0)),
        total_usd: drawn_capex + drawn_monthly.max(0.0) * months as f64,
    };
    cmp.break_even_months = break_even_months(capex, own_monthly, rent_monthly);
    // Utilization u* where owning and renting cost the same over the horizon:
    // capex + m·(fixed + var·u) = m·rent_full·u.
    let m = months as f64;
    let rent_full = if u > 0.0 {
        rent_monthly / u
    } else {
        full_rent(plan, catalog)
    };
    let own_at = |uu: f64| {
        let mut own = 0.0;
        for n in plan.nodes.iter().filter(|n| n.kind.role() == NodeRole::Compute) {
            if let Some(v) = variants(catalog, &n.model, n.count) {
                let kw = v.power_w / 1000.0 * (IDLE_POWER_FRACTION + (1.0 - IDLE_POWER_FRACTION) * uu);
                own += kw * pue * price_kwh * HOURS_PER_MONTH;
                if let Some(colo) = ops_per_kw_month {
                    own += v.power_w / 1000.0 * colo;
                }
            }
        }
        if let Some(o) = &onprem_site {
            own += o.operations_usd_per_year / 12.0;
        }
        capex + own * m
    };
    let diff = |uu: f64| own_at(uu) - rent_full * uu * m;
    if diff(1.0) <= 0.0 {
        // Bisection: diff is decreasing in u (rent grows faster than power).
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if diff(mid) > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        cmp.break_even_utilization = Some(hi);
    }
    Ok(cmp)
}

fn full_rent(plan: &Plan, catalog: &Catalog) -> f64 {
    plan.nodes
        .iter()
        .filter(|n| n.kind.role() == NodeRole::Compute)
        .filter_map(|n| variants(catalog, &n.model, n.count))
        .map(|v| v.rent_usd_per_h * HOURS_PER_MONTH)
        .sum()
}

/// Months until buying (capex + monthly running cost) is cheaper than renting
/// (monthly rent); `None` when renting is never more expensive per month.
pub fn break_even_months(capex_usd: f64, own_monthly_usd: f64, rent_monthly_usd: f64) -> Option<f64> {
    let saving = rent_monthly_usd - own_monthly_usd;
    (saving > 0.0).then(|| capex_usd / saving)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pricing::{PriceBook, PriceOverride};
    use crate::model::{CloudProvider, CloudSite, Node, OnPremSite, Site};

    fn plan(kind: SiteKind, model: &str, count: u32) -> Plan {
        Plan {
            sites: vec![Site {
                id: "s".into(),
                name: "S".into(),
                kind,
                carbon_kg_per_kwh: 0.4,
            }],
            nodes: vec![Node {
                id: "n".into(),
                name: "N".into(),
                kind: NodeKind::GpuServer,
                model: model.into(),
                count,
                site: "s".into(),
                pos: (0.0, 0.0),
                capacity_tb: None,
                cache_hit_ratio: None,
            }],
            ..Plan::default()
        }
    }

    fn onprem() -> SiteKind {
        SiteKind::OnPrem(OnPremSite {
            amortization_years: 4.0,
            power_usd_per_kwh: 0.0806,
            pue: 1.58,
            operations_usd_per_year: 0.0,
            facility_capex_usd: 0.0,
        })
    }

    fn cloud(pricing: PricingModel) -> SiteKind {
        SiteKind::Cloud(CloudSite {
            provider: CloudProvider::Aws,
            region: "us-east-1".into(),
            pricing,
            egress_usd_per_gb: 0.09,
            reserved_discount: 0.4,
            spot_discount: 0.65,
            spot_preemptions_per_hour: 0.0,
            colocation: None,
        })
    }

    /// AWS on-demand prices before the June-2025 cut, the ones the 2023
    /// figures of tco.csv (T12, T13, T17, T28) were computed at.
    fn aws_2023_sheet() -> PriceBook {
        PriceBook {
            name: "AWS us-east-1 2023".into(),
            as_of: "2023".into(),
            source: "AWS pricing page us-east-1 before the June-2025 cut: p5 98.32 (tco.csv T12), 1-yr reserved \
                     57.63 (The Next Platform, T13); p4d 32.77 (T17)"
                .into(),
            prices: vec![
                PriceOverride {
                    id: "aws-p5-48xlarge".into(),
                    on_demand_usd_per_hour: Some(98.32),
                    reserved_usd_per_hour: Some(57.63),
                    ..Default::default()
                },
                PriceOverride {
                    id: "aws-p4d-24xlarge".into(),
                    on_demand_usd_per_hour: Some(32.77),
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn owned_dgx_h100_matches_tco_t28_arithmetic() {
        // T28: 10.2 kW × 70 % × PUE 1.58 × 8.06 c/kWh ≈ 0.91 USD/h of energy
        // (T28 uses TDP × utilization, we add the idle floor), capex over
        // 4 years of 350k ≈ 9.99 USD/h.
        let c = Catalog::builtin();
        let p = plan(onprem(), "dgx-h100", 1);
        let h = Ledger::new(&p, &c).hourly(&"n".into(), 0.7).unwrap();
        assert!((h.capex_usd - 350_000.0 / (4.0 * 8760.0)).abs() < 1e-9);
        let kw = 10.2 * (0.3 + 0.7 * 0.7);
        assert!((h.power_usd - kw * 1.58 * 0.0806).abs() < 1e-9);
        assert!(h.power_usd > 0.9 && h.power_usd < 1.1, "{}", h.power_usd);
        assert!((h.carbon_kg - kw * 1.58 * 0.4).abs() < 1e-9);
        assert!(!h.rented);
    }

    #[test]
    fn cloud_pricing_models_rank_and_spot_preemptions_slow_down() {
        let c = Catalog::builtin();
        let prices = |c: &Catalog| {
            let price = |m| {
                let p = plan(cloud(m), "aws-p5-48xlarge", 2);
                Ledger::new(&p, c).hourly(&"n".into(), 1.0).unwrap().rent_usd
            };
            (
                price(PricingModel::OnDemand),
                price(PricingModel::Reserved),
                price(PricingModel::Spot),
            )
        };
        // Catalog p5 price since the June-2025 cut, no catalog reserved
        // price: the site's reserved and spot discounts apply.
        let (od, res, spot) = prices(&c);
        assert!((od - 2.0 * 55.0).abs() < 1e-9);
        assert!((res - 2.0 * 55.0 * 0.6).abs() < 1e-9, "site reserved discount");
        assert!((spot - 2.0 * 55.0 * 0.35).abs() < 1e-9, "site spot discount");
        assert!(spot < res && res < od);
        // The 2023 price sheet had a reserved price: the catalog's wins over
        // the site's discount.
        let sheet = c.with_prices(&aws_2023_sheet()).unwrap();
        let (od, res, spot) = prices(&sheet);
        assert!((od - 2.0 * 98.32).abs() < 1e-9);
        assert!((res - 2.0 * 57.63).abs() < 1e-9, "catalog reserved price wins");
        assert!((spot - 2.0 * 98.32 * 0.35).abs() < 1e-9, "site spot discount");
        assert!(spot < res && res < od);
        assert_eq!(spot_slowdown(0.0), 1.0);
        assert!(spot_slowdown(0.1) > 1.01 && spot_slowdown(0.1) < 1.05);
        // A cloud instance cannot be bought.
        let p = plan(onprem(), "aws-p5-48xlarge", 1);
        assert!(Ledger::new(&p, &c).hourly(&"n".into(), 0.5).is_err());
    }

    #[test]
    fn break_even_dgx_h100_vs_p5_is_months_not_years_at_high_utilization() {
        // T03/T28: an owned 8×H100 node pays off within ~1-2 years at high
        // utilization against 2023 on-demand prices: checked at those prices.
        let c = Catalog::builtin().with_prices(&aws_2023_sheet()).unwrap();
        let p = plan(onprem(), "dgx-h100", 16);
        let cmp = compare_deployments(&p, &c, 0.9, 36).unwrap();
        let be = cmp.break_even_months.unwrap();
        assert!(be > 3.0 && be < 18.0, "break-even {be} months");
        let u = cmp.break_even_utilization.unwrap();
        assert!(u > 0.05 && u < 0.4, "break-even utilization {u}");
        // At 5 % utilization renting wins over 3 years.
        let low = compare_deployments(&p, &c, 0.05, 36).unwrap();
        assert!(low.cloud.total_usd < low.on_prem.total_usd);
        assert!(cmp.unmatched.is_empty());
        assert_eq!(cmp.on_prem.cumulative_usd.len(), 36);
        // Today's catalog (p5 cut ~44 % in June 2025): cheaper rent moves the
        // break-even out, but owning still pays off within the horizon.
        let now = compare_deployments(&p, &Catalog::builtin(), 0.9, 36).unwrap();
        let (be_now, u_now) = (now.break_even_months.unwrap(), now.break_even_utilization.unwrap());
        assert!(
            be_now > be && be_now < 36.0,
            "break-even {be_now} months vs {be} in 2023"
        );
        assert!(
            u_now > u && u_now < 0.6,
            "break-even utilization {u_now} vs {u} in 2023"
        );
    }

    #[test]
    fn tco_sums_sites_and_storage() {
        let c = Catalog::builtin();
        let mut p = plan(cloud(PricingModel::OnDemand), "aws-p5-48xlarge", 1);
        p.nodes.push(Node {
            id: "s3".into(),
            name: "S3".into(),
            kind: NodeKind::ObjectStore,
            model: "aws-s3".into(),
            count: 1,
            site: "s".into(),
            pos: (0.0, 0.0),
            capacity_tb: Some(100.0),
            cache_hit_ratio: None,
        });
        let month = HOURS_PER_MONTH * 3600.0;
        let t = plan_tco(&p, &c, month, &BTreeMap::new(), 1.0, &BTreeMap::new()).unwrap();
        let s3 = 0.023 * 100_000.0;
        assert!((t.per_node["s3"] - s3).abs() < 1e-6);
        // p5 on-demand 55.0 USD/h (catalog, since the June-2025 cut).
        assert!((t.total_usd - (55.0 * HOURS_PER_MONTH + s3)).abs() < 1e-6);
        assert!((t.per_site["s"].total_usd - t.total_usd).abs() < 1e-9);
        assert!(t.energy_kwh > 0.0);
        assert!(Ledger::new(&p, &c).egress(&"n".into(), &"s3".into(), 100.0) == 0.0);
    }
}
