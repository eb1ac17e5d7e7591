//! Helpers for plot tests: scratch directories and a minimal SVG reader.

use std::path::PathBuf;

/// A fresh, empty directory under the system temp dir, unique per test name and process.
pub fn scratch_dir(test_name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "myelin-lab-plot-{}-{test_name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Number of `<tag ` elements in the SVG text.
pub fn count_elements(svg: &str, tag: &str) -> usize {
    svg.matches(&format!("<{tag} ")).count()
}

/// The text content of every `<text>` element, trimmed.
pub fn text_contents(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|chunk| {
            let start = chunk.find('>')? + 1;
            let end = chunk.find("</text>")?;
            Some(chunk[start..end].trim().to_string())
        })
        .collect()
}

/// Every coordinate of every `<polyline points="…">`, as parsed numbers, in pixels (device
/// units divided by [`super::SUPERSAMPLE`]).
pub fn polyline_points(svg: &str) -> Vec<Vec<(f64, f64)>> {
    svg.split("<polyline")
        .skip(1)
        .map(|chunk| {
            let start = chunk.find("points=\"").expect("polyline has points") + 8;
            let end = start + chunk[start..].find('"').expect("closing quote");
            chunk[start..end]
                .split_whitespace()
                .map(|pair| {
                    let (x, y) = pair.split_once(',').expect("x,y pair");
                    let unit = f64::from(super::SUPERSAMPLE);
                    let (x, y): (f64, f64) =
                        (x.parse().expect("numeric x"), y.parse().expect("numeric y"));
                    (x / unit, y / unit)
                })
                .collect()
        })
        .collect()
}

/// The `(width, height)` declared on the root `<svg>` element.
pub fn svg_size(svg: &str) -> (f64, f64) {
    let attribute = |name: &str| -> f64 {
        let key = format!("{name}=\"");
        let start = svg.find(&key).expect("svg size attribute") + key.len();
        let end = start + svg[start..].find('"').expect("closing quote");
        svg[start..end].parse().expect("numeric size")
    };
    (attribute("width"), attribute("height"))
}
