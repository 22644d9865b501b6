//! How numbers read, everywhere: the canvas, Results, Compare, the PNG
//! report and the CLI all format through here so one figure prints the same
//! text in every view. Pure functions, no egui.
//!
//! Conventions: SI prefixes for counts and rates ("41.2k tokens/s"),
//! durations in the unit a reader expects ("850 ms", "14 min", "11.7
//! days"), money with k/M/B ("$350k", "$27.9M"), fractions as percentages,
//! non-finite values as "—". Hand-written rather than `humantime` (which
//! prints "11days 16h 48m") because reports want one rounded unit.

/// A duration in one rounded unit (ns, µs, ms, s, min, h, days).
pub fn duration(s: f64) -> String {
    if !s.is_finite() {
        return "—".into();
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let a = s.abs();
    let text = if a == 0.0 {
        "0 s".into()
    } else if a < 1e-6 {
        format!("{:.0} ns", a * 1e9)
    } else if a < 1e-3 {
        format!("{:.0} µs", a * 1e6)
    } else if a < 1.0 {
        format!("{:.0} ms", a * 1e3)
    } else if a < 120.0 {
        format!("{a:.1} s")
    } else if a < 7200.0 {
        format!("{:.0} min", a / 60.0)
    } else if a < 72.0 * 3600.0 {
        format!("{:.1} h", a / 3600.0)
    } else if a < 3.0 * 365.25 * 86400.0 {
        format!("{:.1} days", a / 86400.0)
    } else {
        format!("{} years", si(a / (365.25 * 86400.0)))
    };
    format!("{sign}{text}")
}

/// US dollars with k/M/B suffixes, about three significant digits: "$0",
/// "$4.20", "$350", "$1.2k", "$350k", "$1.56M", "$27.9M", "$1.25B".
pub fn usd(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a == 0.0 {
        "$0".into()
    } else if a >= 1e12 {
        format!("{sign}${}T", si_digits(a / 1e12))
    } else if a >= 1e9 {
        format!("{sign}${:.2}B", a / 1e9)
    } else if a >= 1e8 {
        format!("{sign}${:.0}M", a / 1e6)
    } else if a >= 1e7 {
        format!("{sign}${:.1}M", a / 1e6)
    } else if a >= 1e6 {
        format!("{sign}${:.2}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}${:.0}k", a / 1e3)
    } else if a >= 1e3 {
        format!("{sign}${:.1}k", a / 1e3)
    } else if a >= 10.0 {
        format!("{sign}${a:.0}")
    } else {
        format!("{sign}${a:.2}")
    }
}

fn si_digits(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A number with k/M/B/T suffixes ("41.2k", "1.75T").
/// Energy of one operation or inference in joules, with a prefix from nJ to
/// kJ ("8.4 µJ", "1.9 J").
pub fn joules(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    let (d, unit) = if a >= 1e3 {
        (1e3, "kJ")
    } else if a >= 1.0 || a == 0.0 {
        (1.0, "J")
    } else if a >= 1e-3 {
        (1e-3, "mJ")
    } else if a >= 1e-6 {
        (1e-6, "µJ")
    } else {
        (1e-9, "nJ")
    };
    let x = v / d;
    if x.abs() >= 100.0 {
        format!("{x:.0} {unit}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1} {unit}")
    } else {
        format!("{x:.2} {unit}")
    }
}

pub fn si(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    let (d, s) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "B")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let x = v / d;
    if x.abs() >= 100.0 || s.is_empty() && x.fract() == 0.0 {
        format!("{x:.0}{s}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}{s}")
    } else {
        format!("{x:.2}{s}")
    }
}

/// A whole count with thousands separators ("131,072"); non-integers keep
/// one decimal.
pub fn count(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v.abs() >= 1e15 {
        return si(v);
    }
    let r = v.round();
    if (v - r).abs() > 1e-9 {
        return format!("{v:.1}");
    }
    let digits = format!("{}", r.abs() as u64);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if r < 0.0 { format!("-{out}") } else { out }
}

/// "1 warning", "2 warnings".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n as f64), if n == 1 { one } else { many })
}

/// kWh, MWh, GWh.
pub fn energy(kwh: f64) -> String {
    let a = kwh.abs();
    if a >= 1e6 {
        format!("{:.2} GWh", kwh / 1e6)
    } else if a >= 1e3 {
        format!("{:.1} MWh", kwh / 1e3)
    } else if a < 10.0 {
        format!("{kwh:.1} kWh")
    } else {
        format!("{kwh:.0} kWh")
    }
}

/// kg or t CO2e.
pub fn mass(kg: f64) -> String {
    if kg.abs() >= 1e4 {
        format!("{} t", si(kg / 1000.0))
    } else {
        format!("{} kg", si(kg))
    }
}

/// A fraction as a percentage ("41.0 %").
pub fn percent(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    format!("{:.1} %", v * 100.0)
}

/// Decimal bytes: B, kB, MB, GB, TB, PB.
pub fn bytes(v: f64) -> String {
    let a = v.abs();
    if a >= 1e15 {
        format!("{:.2} PB", v / 1e15)
    } else if a >= 1e12 {
        format!("{:.2} TB", v / 1e12)
    } else if a >= 1e9 {
        format!("{:.1} GB", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1} MB", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1} kB", v / 1e3)
    } else {
        format!("{v:.0} B")
    }
}

/// Power: W, kW, MW.
pub fn watts(w: f64) -> String {
    let a = w.abs();
    if a >= 1e6 {
        format!("{:.1} MW", w / 1e6)
    } else if a >= 1e3 {
        format!("{:.1} kW", w / 1e3)
    } else {
        format!("{w:.0} W")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_a_person_writes_it() {
        assert_eq!(duration(14.0 * 60.0), "14 min");
        assert_eq!(duration(11.7 * 86400.0), "11.7 days");
        assert_eq!(duration(578_560.7 * 86400.0), "1.58k years");
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(usd(350_000.0), "$350k");
        assert_eq!(usd(27.9e6), "$27.9M");
        assert_eq!(usd(350e9), "$350.00B");
        assert_eq!(usd(-4.2), "-$4.20");
        assert_eq!(count(131_072.0), "131,072");
        assert_eq!(count(-1000.0), "-1,000");
        assert_eq!(count(12.0), "12");
        assert_eq!(plural(1, "warning", "warnings"), "1 warning");
        assert_eq!(plural(2, "warning", "warnings"), "2 warnings");
        assert_eq!(watts(10_200_000.0), "10.2 MW");
        assert_eq!(bytes(94.3e9), "94.3 GB");
    }
}
