//! Utilization over time, bucketed. Each series holds at most `max_buckets`
//! buckets; when a run outgrows them, neighbouring buckets merge and the
//! bucket width doubles, so memory stays bounded however long the run is
//! while the whole run stays covered.

use std::collections::BTreeMap;

/// What a series measures. Ordered so output iterates deterministically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKey {
    /// Bytes/s carried by all physical connections of a plan link (both directions).
    Link(u32),
    /// Bytes/s on the links inside the servers of a group.
    Internal(u32),
    /// Bytes/s read from / written to the members of a storage group.
    StorageRead(u32),
    StorageWrite(u32),
    /// Busy devices of a compute group (0..=devices in the group).
    Devices(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Capacity the values are measured against (same unit as the values),
    /// so utilization = value / capacity. 0 when unknown.
    pub capacity: f64,
    /// Integral of the recorded rate per bucket (units × seconds).
    sums: Vec<f64>,
}

impl Series {
    /// Mean rate in each bucket.
    pub fn means(&self, bucket_s: f64) -> Vec<f64> {
        self.sums.iter().map(|s| s / bucket_s).collect()
    }
    /// Mean utilization (0..1) per bucket, when the capacity is known.
    pub fn utilization(&self, bucket_s: f64) -> Vec<f64> {
        if self.capacity > 0.0 {
            self.sums.iter().map(|s| s / bucket_s / self.capacity).collect()
        } else {
            vec![0.0; self.sums.len()]
        }
    }
    /// Total of rate × time recorded (bytes for link series).
    pub fn total(&self) -> f64 {
        self.sums.iter().sum()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Records {
    bucket_s: f64,
    max_buckets: usize,
    series: BTreeMap<RecordKey, Series>,
    /// End of the latest interval recorded.
    horizon_s: f64,
}

impl Default for Records {
    fn default() -> Self {
        // 1 ms buckets to start: a collective spans a few buckets; long runs
        // coarsen by doubling.
        Self::new(1e-3, 512)
    }
}

impl Records {
    pub fn new(bucket_s: f64, max_buckets: usize) -> Self {
        Self {
            bucket_s: if bucket_s > 0.0 { bucket_s } else { 1e-3 },
            max_buckets: max_buckets.max(2),
            series: BTreeMap::new(),
            horizon_s: 0.0,
        }
    }
    pub fn bucket_s(&self) -> f64 {
        self.bucket_s
    }
    pub fn horizon_s(&self) -> f64 {
        self.horizon_s
    }
    pub fn series(&self) -> &BTreeMap<RecordKey, Series> {
        &self.series
    }
    pub fn get(&self, key: RecordKey) -> Option<&Series> {
        self.series.get(&key)
    }
    pub fn set_capacity(&mut self, key: RecordKey, capacity: f64) {
        self.series
            .entry(key)
            .or_insert_with(|| Series {
                capacity: 0.0,
                sums: Vec::new(),
            })
            .capacity = capacity;
    }

    /// Record that `busy` of the `total` devices of compute group `group`
    /// worked during `[t0, t1]` seconds (utilization = busy / total).
    pub fn add_devices_busy(&mut self, group: u32, t0: f64, t1: f64, busy: f64, total: f64) {
        let key = RecordKey::Devices(group);
        if self.series.get(&key).is_none_or(|s| s.capacity != total) {
            self.set_capacity(key, total);
        }
        self.add(key, t0, t1, busy);
    }

    /// Record `rate` (units/s) held constant over `[t0, t1]` seconds.
    pub fn add(&mut self, key: RecordKey, t0: f64, t1: f64, rate: f64) {
        if t1.is_nan() || t0.is_nan() || t1 <= t0 || !rate.is_finite() || rate == 0.0 || t0 < 0.0 {
            return;
        }
        while t1 > self.bucket_s * self.max_buckets as f64 {
            self.coarsen();
        }
        self.horizon_s = self.horizon_s.max(t1);
        let w = self.bucket_s;
        let s = self.series.entry(key).or_insert_with(|| Series {
            capacity: 0.0,
            sums: Vec::new(),
        });
        let last = ((t1 / w).ceil() as usize).clamp(1, self.max_buckets);
        if s.sums.len() < last {
            s.sums.resize(last, 0.0);
        }
        let first = ((t0 / w).floor() as usize).min(last - 1);
        for b in first..last {
            let lo = (b as f64 * w).max(t0);
            let hi = ((b + 1) as f64 * w).min(t1);
            if hi > lo {
                s.sums[b] += rate * (hi - lo);
            }
        }
    }

    fn coarsen(&mut self) {
        self.bucket_s *= 2.0;
        for s in self.series.values_mut() {
            let merged: Vec<f64> = s.sums.chunks(2).map(|c| c.iter().sum()).collect();
            s.sums = merged;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_survive_coarsening_and_memory_is_bounded() {
        let mut r = Records::new(1.0, 8);
        r.add(RecordKey::Link(0), 0.5, 2.5, 10.0);
        assert_eq!(r.get(RecordKey::Link(0)).map(|s| s.total()), Some(20.0));
        r.add(RecordKey::Link(0), 100.0, 1000.0, 1.0);
        let s = r.get(RecordKey::Link(0)).unwrap();
        assert!((s.total() - 920.0).abs() < 1e-9);
        assert!(s.sums.len() <= 8);
        assert!(r.bucket_s() >= 125.0);
    }

    #[test]
    fn device_busy_series() {
        let mut r = Records::new(1.0, 4);
        r.add_devices_busy(2, 0.0, 2.0, 4.0, 8.0);
        assert_eq!(r.get(RecordKey::Devices(2)).unwrap().utilization(1.0), vec![0.5, 0.5]);
    }

    #[test]
    fn utilization_uses_capacity() {
        let mut r = Records::new(1.0, 4);
        r.set_capacity(RecordKey::Link(1), 20.0);
        r.add(RecordKey::Link(1), 0.0, 1.0, 10.0);
        assert_eq!(r.get(RecordKey::Link(1)).unwrap().utilization(1.0), vec![0.5]);
    }
}
