//! Words and tables for the own-vs-rent comparison
//! ([`DeploymentComparison`]): one place for the CLI summary, the Results
//! tab and the PNG report.

use crate::format::usd as fmt_usd;
use crate::sim::cost::{Deployment, DeploymentComparison};
use std::fmt::Write;

/// The three ways of paying, in the order they are shown.
pub fn deployments(c: &DeploymentComparison) -> [&Deployment; 3] {
    [&c.on_prem, &c.cloud, &c.as_drawn]
}

/// Short label of a deployment for legends ("On-prem", "Cloud", "As drawn").
pub fn short_label(d: &Deployment) -> &str {
    d.label.split(" (").next().unwrap_or(&d.label)
}

/// Cumulative cost as (month, USD) points from month 0 (the up-front
/// purchase) to the end of the horizon.
pub fn curve(d: &Deployment) -> Vec<(f64, f64)> {
    std::iter::once((0.0, d.capex_usd))
        .chain(d.cumulative_usd.iter().enumerate().map(|(i, v)| ((i + 1) as f64, *v)))
        .collect()
}

/// Two sentences: when owning pays off, and above which utilization.
pub fn verdict(c: &DeploymentComparison) -> String {
    let h = c.horizon_months;
    let u = c.utilization * 100.0;
    let first = match c.break_even_months {
        Some(m) if m <= h as f64 => format!(
            "Owning the compute pays off after {} at {u:.0} % utilization ({} on-prem vs {} cloud over {h} months).",
            crate::sim::metrics::MetricKey::BreakEvenMonths.format(m),
            fmt_usd(c.on_prem.total_usd),
            fmt_usd(c.cloud.total_usd)
        ),
        Some(m) => format!(
            "Owning would pay off only after {m:.0} months, beyond the {h}-month horizon: renting is cheaper at {u:.0} % utilization ({} cloud vs {} on-prem).",
            fmt_usd(c.cloud.total_usd),
            fmt_usd(c.on_prem.total_usd)
        ),
        None => format!("Renting is cheaper every month at {u:.0} % utilization: owning never pays off."),
    };
    let second = match c.break_even_utilization {
        Some(b) => format!(" Over {h} months owning wins above {:.0} % utilization.", b * 100.0),
        None => format!(" Over {h} months renting wins at any utilization."),
    };
    first + &second
}

/// A plain-text table for the terminal.
pub fn text(c: &DeploymentComparison) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "own vs rent over {} months at {:.0} % utilization:",
        c.horizon_months,
        c.utilization * 100.0
    );
    let _ = writeln!(s, "  {:<56} {:>10} {:>10} {:>10}", "", "up front", "per month", "total");
    for d in deployments(c) {
        let _ = writeln!(
            s,
            "  {:<56} {:>10} {:>10} {:>10}",
            d.label,
            fmt_usd(d.capex_usd),
            fmt_usd(d.monthly_usd),
            fmt_usd(d.total_usd)
        );
    }
    if !c.unmatched.is_empty() {
        let _ = writeln!(
            s,
            "  not compared (no owned or rented equivalent): {}",
            c.unmatched.join(", ")
        );
    }
    let _ = writeln!(s, "  {}", verdict(c));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(capex: f64, own: f64, rent: f64, months: u32) -> DeploymentComparison {
        let d = |label: &str, capex: f64, monthly: f64| Deployment {
            label: label.into(),
            capex_usd: capex,
            monthly_usd: monthly,
            cumulative_usd: (1..=months).map(|m| capex + monthly * m as f64).collect(),
            total_usd: capex + monthly * months as f64,
        };
        DeploymentComparison {
            horizon_months: months,
            utilization: 0.7,
            on_prem: d("On-prem (buy everything)", capex, own),
            cloud: d("Cloud (rent on demand, pay for used hours)", 0.0, rent),
            as_drawn: d(
                "As drawn (owned nodes bought, rented ones by the hour)",
                capex / 2.0,
                (own + rent) / 2.0,
            ),
            break_even_months: crate::sim::cost::break_even_months(capex, own, rent),
            break_even_utilization: Some(0.29),
            unmatched: vec![],
        }
    }

    #[test]
    fn verdict_says_when_owning_pays_off_or_not() {
        let v = verdict(&cmp(1.2e6, 1e4, 1.1e5, 36));
        assert!(
            v.starts_with("Owning the compute pays off after 12.0 months at 70 %"),
            "{v}"
        );
        assert!(v.contains("above 29 % utilization"), "{v}");
        let v = verdict(&cmp(1.2e7, 1e4, 1.1e5, 36));
        assert!(v.contains("only after 120 months, beyond the 36-month horizon"), "{v}");
        let v = verdict(&cmp(1.2e6, 2e5, 1.1e5, 36));
        assert!(v.starts_with("Renting is cheaper every month"), "{v}");
        let t = text(&cmp(1.2e6, 1e4, 1.1e5, 36));
        assert!(t.contains("On-prem (buy everything)") && t.contains("$1.56M"), "{t}");
        assert_eq!(short_label(&cmp(1.0, 1.0, 1.0, 1).cloud), "Cloud");
    }
}
