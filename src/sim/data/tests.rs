use super::*;

#[test]
fn csv_to_parquet_matches_the_athena_example_d01_d03() {
    // data.csv D01-D03: 1 TB of CSV on S3 vs 130 GB of Parquet (snappy);
    // a query scans 1.15 TB / 5.75 USD vs 2.51 GB / 0.01 USD and runs 236 s
    // vs 6.78 s (34×). D01 calibrates the Parquet encoding factor (so its
    // check is a consistency check); the scanned fraction 2.51/130 is the
    // query's own column selection. Time and cost are predictions.
    let raw = 1e12;
    let csv = scan_query(raw, DataFormat::Csv, Codec::None, 1.0, 32.0);
    let cols = 2.51 / 130.0;
    let pq = scan_query(raw, DataFormat::Parquet, Codec::Snappy, cols, 32.0);
    assert!((pq.stored_bytes / 130e9 - 1.0).abs() < 0.02, "{}", pq.stored_bytes);
    assert!((pq.scanned_bytes / 2.51e9 - 1.0).abs() < 0.03, "{}", pq.scanned_bytes);
    // Scanned-data cost: 5 USD/TB; published 5.75 (1.15 TB) vs 0.01.
    assert!(csv.cost_usd > 4.0 && csv.cost_usd < 6.5, "{}", csv.cost_usd);
    assert!(pq.cost_usd < 0.02, "{}", pq.cost_usd);
    assert!(1.0 - pq.cost_usd / csv.cost_usd > 0.99);
    // Query speed-up: published 34×; accept 10-100× (worker count unknown).
    let speedup = csv.seconds / pq.seconds;
    assert!(speedup > 10.0 && speedup < 100.0, "speed-up {speedup}");
    // Parquet is 87 % smaller than CSV.
    assert!(1.0 - pq.stored_bytes / csv.stored_bytes > 0.85);
}

#[test]
fn codecs_trade_ratio_for_cpu() {
    let (g, _, _) = codec_facts(Codec::Gzip);
    let (z, zc, _) = codec_facts(Codec::Zstd);
    let (s, sc, _) = codec_facts(Codec::Snappy);
    assert!(g > z && z > s && s > 1.0);
    assert!(
        zc > 10.0 * codec_facts(Codec::Gzip).1,
        "gzip compresses ~16x slower than zstd"
    );
    assert!(sc > 300.0);
    assert!(stored_bytes(1e12, DataFormat::Csv, Codec::Gzip) < stored_bytes(1e12, DataFormat::Csv, Codec::Snappy));
}
