//! PNG helpers: a report carries the RON of its plan in an `iTXt` chunk so
//! that opening the report reopens the plan.

pub const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Keyword of the text chunk holding the plan.
pub const PLAN_CHUNK_KEYWORD: &str = "clusterforge-plan";

/// Encode RGB8 pixels as PNG with the plan text embedded.
pub fn encode_rgb_with_plan(
    width: u32,
    height: u32,
    rgb: &[u8],
    plan_ron: &str,
) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Compressed (zlib): a plan's RON shrinks ~10×, so a 10⁵-group
        // report stays far below the 64 MiB read cap; readers inflate it
        // with that cap (`plan_text_from_png`).
        let mut text = png::text_metadata::ITXtChunk::new(PLAN_CHUNK_KEYWORD.to_owned(), plan_ron.to_owned());
        text.compressed = true;
        let mut writer = enc.write_header()?;
        writer.write_text_chunk(&text)?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Why no plan text came out of a PNG.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanTextError {
    #[error("this PNG is not a ClusterForge report (it carries no plan)")]
    NoPlan,
    #[error("this PNG cannot be decoded: {0}")]
    Corrupt(String),
    #[error(
        "the plan in this PNG inflates to more than {max} bytes, more than a plan may have; is it really a ClusterForge report?"
    )]
    TooLarge { max: u64 },
    #[error("the plan in this PNG is damaged: {0}")]
    BadText(String),
}

/// The plan text embedded in a PNG, inflated with an explicit output cap of
/// `max_text_bytes`. The png crate's `get_text()` inflates without a cap (a
/// 1 MB PNG could demand gigabytes) and hides the compressed bytes, so the
/// chunks are walked here: `bytes` is already in memory (the file was read
/// with a cap), every length is checked against what is left, and the only
/// allocation is the inflated text, through `Read::take(max + 1)`.
pub fn plan_text_from_png(bytes: &[u8], max_text_bytes: u64) -> Result<String, PlanTextError> {
    let corrupt = |what: &str| PlanTextError::Corrupt(what.to_owned());
    let Some(mut rest) = bytes.strip_prefix(PNG_SIGNATURE) else {
        return Err(corrupt("no PNG signature"));
    };
    loop {
        if rest.is_empty() {
            // Truncated after a whole chunk: no plan chunk was seen.
            return Err(PlanTextError::NoPlan);
        }
        let Some((header, after)) = rest.split_first_chunk::<8>() else {
            return Err(corrupt("truncated chunk header"));
        };
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        // Chunk data plus its 4-byte CRC must be present.
        if after.len() < len.saturating_add(4) {
            return Err(corrupt("truncated chunk"));
        }
        let (data, after) = after.split_at(len);
        let (crc, after) = after.split_at(4);
        let mut sum = flate2::Crc::new();
        sum.update(kind);
        sum.update(data);
        if sum.sum().to_be_bytes() != crc {
            return Err(corrupt(&format!(
                "the CRC of a {} chunk is wrong",
                String::from_utf8_lossy(kind)
            )));
        }
        match kind {
            b"IEND" => return Err(PlanTextError::NoPlan),
            b"iTXt" => {
                if let Some(text) = itxt_plan_text(data, max_text_bytes)? {
                    return Ok(text);
                }
            }
            _ => {}
        }
        rest = after;
    }
}

/// The text of an iTXt chunk if its keyword is the plan's (PNG spec 11.3.4.5:
/// keyword NUL, compression flag, method, language NUL, translated keyword
/// NUL, text).
fn itxt_plan_text(data: &[u8], max_text_bytes: u64) -> Result<Option<String>, PlanTextError> {
    let bad = |what: &str| PlanTextError::BadText(what.to_owned());
    let mut fields = data.splitn(2, |&b| b == 0);
    let keyword = fields.next().unwrap_or_default();
    if keyword != PLAN_CHUNK_KEYWORD.as_bytes() {
        return Ok(None);
    }
    let Some(rest) = fields.next() else {
        return Err(bad("the text chunk ends after its keyword"));
    };
    let [flag, method, rest @ ..] = rest else {
        return Err(bad("the text chunk ends after its keyword"));
    };
    let mut fields = rest.splitn(3, |&b| b == 0);
    let (Some(_language), Some(_translated), Some(text)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(bad("the text chunk lacks its language or translated keyword"));
    };
    let raw = match (flag, method) {
        (0, _) => {
            if text.len() as u64 > max_text_bytes {
                return Err(PlanTextError::TooLarge { max: max_text_bytes });
            }
            text.to_vec()
        }
        (1, 0) => inflate_capped(text, max_text_bytes)?,
        (1, m) => return Err(bad(&format!("unknown compression method {m}"))),
        (f, _) => return Err(bad(&format!("compression flag {f} is neither 0 nor 1"))),
    };
    String::from_utf8(raw)
        .map(Some)
        .map_err(|e| bad(&format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to())))
}

/// Inflate zlib data, refusing output past `max_bytes`.
fn inflate_capped(compressed: &[u8], max_bytes: u64) -> Result<Vec<u8>, PlanTextError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| PlanTextError::BadText(format!("cannot inflate: {e}")))?;
    if out.len() as u64 > max_bytes {
        return Err(PlanTextError::TooLarge { max: max_bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_text_round_trips_through_png() {
        let rgb = vec![200u8; 4 * 3 * 3];
        let bytes = encode_rgb_with_plan(4, 3, &rgb, "(format_version: 1)").unwrap();
        assert!(bytes.starts_with(PNG_SIGNATURE));
        assert_eq!(
            plan_text_from_png(&bytes, 1 << 20).as_deref(),
            Ok("(format_version: 1)")
        );
    }

    /// A chunk with its length and CRC.
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
        out
    }

    /// A PNG of `1x1` pixels whose first chunk after IHDR is the given one.
    fn png_with_first(extra: &[u8]) -> Vec<u8> {
        let good = encode_rgb_with_plan(1, 1, &[0, 0, 0], "(format_version: 1)").unwrap();
        // Signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC).
        let split = 8 + 25;
        let mut out = good[..split].to_vec();
        out.extend_from_slice(extra);
        out.extend_from_slice(&good[split..]);
        out
    }

    fn itxt(compressed: bool, text: &[u8]) -> Vec<u8> {
        let mut data = PLAN_CHUNK_KEYWORD.as_bytes().to_vec();
        data.extend_from_slice(&[0, u8::from(compressed), 0, 0, 0]);
        data.extend_from_slice(text);
        chunk(b"iTXt", &data)
    }

    pub(crate) fn zlib(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn a_compressed_plan_chunk_is_read() {
        let bytes = png_with_first(&itxt(true, &zlib(b"(format_version: 2)")));
        assert_eq!(
            plan_text_from_png(&bytes, 1 << 20).as_deref(),
            Ok("(format_version: 2)")
        );
    }

    #[test]
    fn a_text_bomb_is_refused_at_the_cap() {
        // 100 MB of zeros compress to ~100 KB; inflating must stop at the cap.
        let bomb = zlib(&vec![0u8; 100_000_000]);
        assert!(bomb.len() < 200_000, "{}", bomb.len());
        let bytes = png_with_first(&itxt(true, &bomb));
        let max = 64 * 1024 * 1024;
        assert_eq!(plan_text_from_png(&bytes, max), Err(PlanTextError::TooLarge { max }));
        // A smaller cap refuses it sooner, with the same error.
        assert_eq!(
            plan_text_from_png(&bytes, 1000),
            Err(PlanTextError::TooLarge { max: 1000 })
        );
    }

    #[test]
    fn an_uncompressed_chunk_over_the_cap_is_refused() {
        let bytes = png_with_first(&itxt(false, &[b' '; 2000]));
        assert_eq!(
            plan_text_from_png(&bytes, 1000),
            Err(PlanTextError::TooLarge { max: 1000 })
        );
    }

    #[test]
    fn damaged_pngs_say_why() {
        let good = encode_rgb_with_plan(1, 1, &[0, 0, 0], "(format_version: 1)").unwrap();
        // Truncated in the middle of a chunk.
        assert!(matches!(
            plan_text_from_png(&good[..20], 1 << 20),
            Err(PlanTextError::Corrupt(_))
        ));
        // A flipped bit fails the CRC.
        let mut flipped = good.clone();
        flipped[20] ^= 1;
        assert!(matches!(
            plan_text_from_png(&flipped, 1 << 20),
            Err(PlanTextError::Corrupt(_))
        ));
        // A length field claiming 4 GB on a short file.
        let mut long = good[..8].to_vec();
        long.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, b'i', b'T', b'X', b't']);
        assert!(matches!(
            plan_text_from_png(&long, 1 << 20),
            Err(PlanTextError::Corrupt(_))
        ));
        // Garbage inside the compressed text.
        let bytes = png_with_first(&itxt(true, b"not zlib at all"));
        assert!(matches!(
            plan_text_from_png(&bytes, 1 << 20),
            Err(PlanTextError::BadText(_))
        ));
        // A PNG without the plan chunk.
        let plain = png_with_first(&[]);
        let without: Vec<u8> = {
            // Drop the plan chunk the encoder wrote: rebuild from IHDR, IDAT, IEND.
            let mut out = plain[..33].to_vec();
            let mut rest = &plain[33..];
            while rest.len() >= 12 {
                let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let whole = &rest[..12 + len];
                if &whole[4..8] != b"iTXt" {
                    out.extend_from_slice(whole);
                }
                rest = &rest[12 + len..];
            }
            out
        };
        assert_eq!(plan_text_from_png(&without, 1 << 20), Err(PlanTextError::NoPlan));
    }
}
