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
        enc.add_itxt_chunk(PLAN_CHUNK_KEYWORD.to_owned(), plan_ron.to_owned())?;
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// The plan text embedded in a PNG, if any.
pub fn plan_text_from_png(bytes: &[u8]) -> Option<String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().ok()?;
    let info = reader.info();
    info.utf8_text
        .iter()
        .find(|c| c.keyword == PLAN_CHUNK_KEYWORD)
        .and_then(|c| c.get_text().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_text_round_trips_through_png() {
        let rgb = vec![200u8; 4 * 3 * 3];
        let bytes = encode_rgb_with_plan(4, 3, &rgb, "(format_version: 1)").unwrap();
        assert!(bytes.starts_with(PNG_SIGNATURE));
        assert_eq!(plan_text_from_png(&bytes).as_deref(), Some("(format_version: 1)"));
    }
}
