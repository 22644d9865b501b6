//! Reading user price files (`--prices FILE`, Prices › Load price file…):
//! a [`PriceBook`] in RON applied over the catalog's prices.

use crate::model::Catalog;
use crate::model::pricing::PriceBook;
use std::path::Path;

/// A price file larger than this is refused unread: a book of every
/// catalog entry is a few kB.
pub const MAX_PRICE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Parses a price book; errors give line:column and what to fix.
pub fn parse(text: &str) -> Result<PriceBook, String> {
    ron::from_str(text).map_err(|e| {
        format!(
            "{}: {} (a price file is `PriceBook(as_of: \"2026-03\", source: \"…\", prices: [(id: \"dgx-h100\", price_usd: Some(289000.0))])`)",
            e.span.start, e.code
        )
    })
}

/// Reads `path` and applies it over `catalog`.
pub fn apply_file(catalog: &Catalog, path: &Path) -> Result<Catalog, String> {
    let text = super::read::read_text_capped(path, MAX_PRICE_FILE_BYTES).map_err(|e| format!("price file {e}"))?;
    let book = parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
    catalog
        .with_prices(&book)
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_line_and_column() {
        let e = parse("PriceBook(\n  as_of: \"2026\",\n  oops\n)").unwrap_err();
        assert!(e.starts_with("3:"), "{e}");
        assert!(e.contains("PriceBook("), "{e}");
    }

    #[test]
    fn the_example_price_file_applies_to_the_builtin_catalog() {
        let book = parse(include_str!("../../assets/prices-example.ron")).unwrap();
        let c = Catalog::builtin().with_prices(&book).unwrap();
        assert!(c.price_book.is_some());
        assert_eq!(c.price_problems(), Vec::<String>::new());
    }
}
