//! Unit newtypes used where mix-ups are likely (bits vs bytes, GB vs GiB,
//! seconds vs nanoseconds). Plan files keep plain numbers with the unit in the
//! field name (`lane_gbps`, `memory_gb`); the simulator converts them here once.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Div, Mul, Sub};

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl Add for $name {
            type Output = Self;
            fn add(self, o: Self) -> Self { Self(self.0 + o.0) }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, o: Self) { self.0 += o.0; }
        }
        impl Sub for $name {
            type Output = Self;
            fn sub(self, o: Self) -> Self { Self(self.0 - o.0) }
        }
        impl Mul<f64> for $name {
            type Output = Self;
            fn mul(self, k: f64) -> Self { Self(self.0 * k) }
        }
        impl Div<f64> for $name {
            type Output = Self;
            fn div(self, k: f64) -> Self { Self(self.0 / k) }
        }
        impl $name {
            pub fn max(self, o: Self) -> Self { Self(self.0.max(o.0)) }
            pub fn min(self, o: Self) -> Self { Self(self.0.min(o.0)) }
        }
    };
}

unit!(
    /// A number of bytes.
    Bytes
);
unit!(
    /// A duration in seconds.
    Seconds
);
unit!(
    /// A data rate in bytes per second.
    BytesPerSec
);
unit!(
    /// A compute rate in floating-point operations per second.
    FlopsPerSec
);
unit!(
    /// An amount of work in floating-point operations.
    Flops
);

impl Bytes {
    pub fn from_gb(gb: f64) -> Self {
        Self(gb * 1e9)
    }
    pub fn from_gib(gib: f64) -> Self {
        Self(gib * (1u64 << 30) as f64)
    }
    pub fn from_tb(tb: f64) -> Self {
        Self(tb * 1e12)
    }
    pub fn gb(self) -> f64 {
        self.0 / 1e9
    }
}

impl BytesPerSec {
    /// From gigabits per second (network line rates are quoted in bits).
    pub fn from_gbit_per_s(gbps: f64) -> Self {
        Self(gbps * 1e9 / 8.0)
    }
    /// From gigabytes per second (memory and storage rates are quoted in bytes).
    pub fn from_gbyte_per_s(gbs: f64) -> Self {
        Self(gbs * 1e9)
    }
    pub fn gbyte_per_s(self) -> f64 {
        self.0 / 1e9
    }
}

impl FlopsPerSec {
    pub fn from_tflops(tflops: f64) -> Self {
        Self(tflops * 1e12)
    }
    pub fn tflops(self) -> f64 {
        self.0 / 1e12
    }
}

impl Div<BytesPerSec> for Bytes {
    type Output = Seconds;
    fn div(self, rate: BytesPerSec) -> Seconds {
        Seconds(self.0 / rate.0)
    }
}

impl Div<FlopsPerSec> for Flops {
    type Output = Seconds;
    fn div(self, rate: FlopsPerSec) -> Seconds {
        Seconds(self.0 / rate.0)
    }
}

impl Seconds {
    pub fn hours(self) -> f64 {
        self.0 / 3600.0
    }
    pub fn days(self) -> f64 {
        self.0 / 86400.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_and_bytes_do_not_mix() {
        // 400 Gb/s NDR = 50 GB/s.
        assert_eq!(BytesPerSec::from_gbit_per_s(400.0).gbyte_per_s(), 50.0);
        let t = Bytes::from_gb(100.0) / BytesPerSec::from_gbyte_per_s(50.0);
        assert_eq!(t, Seconds(2.0));
    }
}
