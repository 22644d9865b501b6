//! Presets shipped with the application, embedded so an installed binary
//! finds them without a presets directory.

use super::plan_file::{PlanFileError, parse_plan};
use crate::model::Plan;

pub struct Preset {
    /// File stem, used on the command line (`--preset onprem-finance`).
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub ron: &'static str,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        id: "onprem-finance",
        title: "On-prem finance: 256x H100 for sensitive data",
        summary: "32 DGX H100 on a rail-optimized InfiniBand NDR fat-tree with Lustre and NVMe caches: \
                  ingest, tokenize, train a 70B model, evaluate and serve, all inside one data centre",
        ron: include_str!("../../presets/onprem-finance.ron"),
    },
    Preset {
        id: "cloud-startup",
        title: "Cloud startup: fine-tune on p5, serve serverless",
        summary: "4 AWS p5.48xlarge train an 8B model from S3 for about a day; a scale-to-zero L4 endpoint \
                  serves bursty internet traffic with cold starts",
        ron: include_str!("../../presets/cloud-startup.ron"),
    },
    Preset {
        id: "hybrid-enterprise",
        title: "Hybrid enterprise: train on-prem, serve from the cloud",
        summary: "16 DGX H100 train a 13B model on records that must stay on-prem; the weights cross a \
                  private WAN link to S3 and a reserved p4d fleet serves global users",
        ron: include_str!("../../presets/hybrid-enterprise.ron"),
    },
    Preset {
        id: "serverless-inference",
        title: "Serverless inference: scale-to-zero L4 endpoints",
        summary: "An 8B chat model on up to 12 serverless L4 endpoints that scale to zero at night: per-second \
                  and per-request pricing, 45 s cold starts, a 24-hour diurnal load",
        ron: include_str!("../../presets/serverless-inference.ron"),
    },
    Preset {
        id: "edge-fleet",
        title: "Edge-AI fleet: 200 stores with Jetson AGX Orin",
        summary: "INT8 ResNet-50-class vision on one Jetson AGX Orin per store, frames never leave the store; \
                  a cloud registry ships model updates over the WAN",
        ron: include_str!("../../presets/edge-fleet.ron"),
    },
    Preset {
        id: "data-lake-pipeline",
        title: "Data lake and warehouse pipeline (CSV to Parquet)",
        summary: "50 TB of click-stream CSV in an S3 data lake converted to Parquet + zstd on 16 CPU nodes, \
                  loaded into Redshift and tokenized to feed a 32-GPU fine-tune",
        ron: include_str!("../../presets/data-lake-pipeline.ron"),
    },
    Preset {
        id: "cpu-classic-ml",
        title: "CPU cluster for classic ML: real-time fraud scoring",
        summary: "Gradient-boosted trees score 6,000 card transactions/s within 10 ms on six Xeon 8480+ \
                  servers, which also run the nightly CSV-to-Parquet feature ETL",
        ron: include_str!("../../presets/cpu-classic-ml.ron"),
    },
    Preset {
        id: "tpu-v5p-pod",
        title: "TPU v5p pod slice: 256 chips training a 70B model",
        summary: "64 v5p-8 hosts joined by optical ICI switches train a 70B model on 200B tokens streamed \
                  from Cloud Storage, billed per chip-hour",
        ron: include_str!("../../presets/tpu-v5p-pod.ron"),
    },
    Preset {
        id: "superpod-1024-h100",
        title: "SuperPOD-class cluster: 1,024x H100 on InfiniBand NDR",
        summary: "128 DGX H100 on a rail-optimized non-blocking NDR fat-tree (32 leaves, 16 spines) with a \
                  Lustre storage fabric, pre-training a 175B model",
        ron: include_str!("../../presets/superpod-1024-h100.ron"),
    },
    Preset {
        id: "neuromorphic-kws",
        title: "Neuromorphic keyword spotting at the edge vs Jetson",
        summary: "Experimental: figures from vendor publications. A spiking keyword-spotting network on one \
                  Loihi 2 chip per sensor box next to the same network run densely on a Jetson AGX Orin: \
                  latency, energy per inference and cost side by side",
        ron: include_str!("../../presets/neuromorphic-kws.ron"),
    },
    Preset {
        id: "hybrid-quantum",
        title: "Hybrid quantum optimisation from an on-prem CPU cluster",
        summary: "Experimental: figures from vendor publications. A QAOA loop with its optimiser on an on-prem \
                  CPU server and its circuits on IBM Heron (session), Rigetti Ankaa-3 and IonQ Forte (Braket \
                  jobs): wall time, queueing and the provider's bill side by side",
        ron: include_str!("../../presets/hybrid-quantum.ron"),
    },
];

/// The preset opened on first start.
pub const DEFAULT_PRESET: &str = "onprem-finance";

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

impl Preset {
    pub fn plan(&self) -> Result<Plan, PlanFileError> {
        parse_plan(self.ron, &format!("preset {}", self.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Catalog, Severity, SiteKind};
    use crate::report::plan_file::plan_to_ron;

    fn parsed(p: &Preset) -> Plan {
        match p.plan() {
            Ok(plan) => plan,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn presets_are_registered_once_and_default_exists() {
        assert_eq!(PRESETS.len(), 11);
        let mut ids: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PRESETS.len(), "duplicate preset id");
        assert!(preset(DEFAULT_PRESET).is_some());
        assert!(preset("no-such-preset").is_none());
    }

    #[test]
    fn every_preset_parses_and_round_trips() {
        for p in PRESETS {
            let plan = parsed(p);
            assert!(!plan.name.is_empty() && !plan.description.is_empty(), "{}", p.id);
            let text = plan_to_ron(&plan);
            let again = match parse_plan(&text, p.id) {
                Ok(plan) => plan,
                Err(e) => panic!("{}: re-parse failed: {e}", p.id),
            };
            assert_eq!(again, plan, "{} changes in a save/load round trip", p.id);
        }
    }

    #[test]
    fn every_preset_validates_cleanly_against_the_builtin_catalog() {
        let catalog = Catalog::builtin();
        for p in PRESETS {
            let problems = parsed(p).validate(&catalog);
            let listed: Vec<String> = problems.iter().map(|pr| pr.to_string()).collect();
            assert!(
                problems.iter().all(|pr| pr.severity != Severity::Error),
                "{} has errors: {listed:#?}",
                p.id
            );
            assert!(problems.is_empty(), "{} has warnings: {listed:#?}", p.id);
        }
    }

    #[test]
    fn presets_cover_on_prem_cloud_and_hybrid() {
        let kinds = |id: &str| -> (bool, bool) {
            let plan = preset(id).map(parsed).unwrap_or_default();
            let onprem = plan.sites.iter().any(|s| matches!(s.kind, SiteKind::OnPrem(_)));
            let cloud = plan.sites.iter().any(|s| matches!(s.kind, SiteKind::Cloud(_)));
            (onprem, cloud)
        };
        assert_eq!(kinds("onprem-finance"), (true, false));
        assert_eq!(kinds("cloud-startup"), (false, true));
        assert_eq!(kinds("hybrid-enterprise"), (true, true));
    }

    #[test]
    fn canvas_positions_do_not_overlap() {
        // Cards are about 200 x 80 canvas units; presets keep them 220 x 90 apart.
        for p in PRESETS {
            let plan = parsed(p);
            for (i, a) in plan.nodes.iter().enumerate() {
                for b in &plan.nodes[i + 1..] {
                    let dx = (a.pos.0 - b.pos.0).abs();
                    let dy = (a.pos.1 - b.pos.1).abs();
                    assert!(dx >= 220.0 || dy >= 90.0, "{}: '{}' overlaps '{}'", p.id, a.id, b.id);
                }
            }
        }
    }
}
