//! `report.html`: the report's [`Document`] as one self-contained web page.
//!
//! The same sections and numbers as `report.md`, plus a table of contents, every plot's SVG
//! inline in the section whose numbers it shows, and tables sortable by clicking a column
//! heading (a few lines of inline script; the page reads fine without it). Styles are
//! inline and nothing is loaded from anywhere: no fonts, images, scripts or favicon.

use std::collections::BTreeMap;

use super::document::{Block, Document, Section};
use super::plots::Plot;

/// Renders the page. Links to plot files become links to the inline figures.
pub fn to_html(document: &Document, plots: &[Plot]) -> String {
    let anchors: BTreeMap<&str, String> = plots
        .iter()
        .filter(|p| p.svg.is_ok())
        .map(|p| (p.file.as_str(), p.anchor()))
        .collect();
    let link = |target: &str| match anchors.get(target) {
        Some(anchor) => format!("#{anchor}"),
        None => target.to_string(),
    };
    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // An empty data: icon keeps the browser from asking for /favicon.ico.
    page.push_str("<link rel=\"icon\" href=\"data:,\">\n");
    page.push_str(&format!("<title>{}</title>\n", escape(&document.title)));
    page.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    page.push_str(&format!("<h1>{}</h1>\n", escape(&document.title)));
    page.push_str("<nav id=\"contents\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
    for section in &document.sections {
        page.push_str(&format!(
            "<li><a href=\"#{}\">{}</a></li>\n",
            section.id,
            inline(&section.title, &link)
        ));
    }
    page.push_str("</ol>\n</nav>\n<main>\n");
    for block in &document.intro {
        page.push_str(&block_html(block, &link));
    }
    for section in &document.sections {
        page.push_str(&section_html(section, plots, &link));
    }
    page.push_str("</main>\n");
    page.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    page
}

fn section_html(section: &Section, plots: &[Plot], link: &dyn Fn(&str) -> String) -> String {
    let mut out = format!(
        "<section id=\"{}\">\n<h2>{}</h2>\n",
        section.id,
        inline(&section.title, link)
    );
    for block in &section.blocks {
        out.push_str(&block_html(block, link));
    }
    let figures: Vec<String> = plots
        .iter()
        .filter(|p| p.section == section.id)
        .filter_map(|p| {
            let svg = p.svg.as_ref().ok()?;
            Some(format!(
                "<figure id=\"{}\" class=\"plot\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                p.anchor(),
                strip_xml_prolog(svg),
                escape(&p.caption)
            ))
        })
        .collect();
    if !figures.is_empty() {
        out.push_str("<div class=\"figures\">\n");
        out.extend(figures);
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
    out
}

fn block_html(block: &Block, link: &dyn Fn(&str) -> String) -> String {
    match block {
        Block::Paragraph(text) => format!("<p>{}</p>\n", inline(text, link)),
        Block::List(items) => {
            let items: String = items
                .iter()
                .map(|i| format!("<li>{}</li>\n", inline(i, link)))
                .collect();
            format!("<ul>\n{items}</ul>\n")
        }
        Block::Table(table) => {
            let mut out = String::from(
                "<div class=\"table-wrap\">\n<table class=\"sortable\">\n<thead>\n<tr>",
            );
            for h in &table.header {
                out.push_str(&format!(
                    "<th scope=\"col\" tabindex=\"0\" aria-sort=\"none\">{}</th>",
                    inline(h, link)
                ));
            }
            out.push_str("</tr>\n</thead>\n<tbody>\n");
            for row in &table.rows {
                out.push_str("<tr>");
                for cell in row {
                    out.push_str(&format!("<td>{}</td>", inline(cell, link)));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n</div>\n");
            out
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The document's inline Markdown subset as HTML: `` `code` ``, `**bold**`,
/// `[text](target)` (targets passed through `link`); everything else is escaped.
pub fn inline(text: &str, link: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut bold = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            if let Some(end) = rest[1..].find('`') {
                out.push_str(&format!("<code>{}</code>", escape(&rest[1..1 + end])));
                rest = &rest[end + 2..];
                continue;
            }
        } else if rest.starts_with("**") {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = &rest[2..];
            continue;
        } else if c == '[' {
            if let Some(mid) = rest.find("](") {
                if let Some(close) = rest[mid..].find(')') {
                    let label = &rest[1..mid];
                    let target = &rest[mid + 2..mid + close];
                    out.push_str(&format!(
                        "<a href=\"{}\">{}</a>",
                        escape(&link(target)),
                        inline(label, link)
                    ));
                    rest = &rest[mid + close + 1..];
                    continue;
                }
            }
        }
        out.push_str(&escape(&rest[..c.len_utf8()]));
        rest = &rest[c.len_utf8()..];
    }
    if bold {
        out.push_str("</strong>");
    }
    out
}

fn strip_xml_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(start) => svg[start..].trim_end(),
        None => svg.trim_end(),
    }
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; line-height: 1.5;
  margin: 0 auto; max-width: 1320px; padding: 1rem 1.5rem 4rem; color: #1d1d1f; background: #fff; }
h1 { margin-bottom: 0.5rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
nav#contents { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 6px;
  padding: 0.4rem 1.2rem; margin: 1rem 0; display: inline-block; }
nav#contents h2 { border: 0; margin: 0.3rem 0; font-size: 1.05rem; }
nav#contents ol { margin: 0.2rem 0 0.5rem; padding-left: 1.4rem; }
code { background: #f3f3f3; padding: 0 0.25em; border-radius: 3px; font-size: 0.92em; }
.table-wrap { overflow-x: auto; margin: 0.8rem 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.92rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; text-align: left; }
thead th { background: #f6f8fa; cursor: pointer; user-select: none; white-space: nowrap; }
thead th:hover { background: #eaeef2; }
thead th[aria-sort='ascending']::after { content: ' \\25B2'; font-size: 0.7em; }
thead th[aria-sort='descending']::after { content: ' \\25BC'; font-size: 0.7em; }
tbody tr:nth-child(even) { background: #fafbfc; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
figure.plot { margin: 0; border: 1px solid #e1e4e8; border-radius: 6px; padding: 0.5rem;
  flex: 1 1 560px; max-width: min(100%, 980px); box-sizing: border-box; }
figure.plot svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #555; margin-top: 0.3rem; }
";

/// Sorts a table by the clicked column: numerically when both cells start with a number
/// (`+1.23`, `−7.4`, `98.5%`), else as text; a second click reverses.
const SCRIPT: &str = "
(function () {
  function key(cell) {
    var text = cell.textContent.trim().replace(/\\u2212/g, '-');
    var m = /^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?/.exec(text);
    if (m) { return { n: parseFloat(m[0]), t: text }; }
    if (/^[+-]?inf/i.test(text)) { return { n: text[0] === '-' ? -Infinity : Infinity, t: text }; }
    return { n: NaN, t: text };
  }
  function compare(a, b) {
    if (!isNaN(a.n) && !isNaN(b.n)) { return a.n - b.n; }
    if (!isNaN(a.n)) { return -1; }
    if (!isNaN(b.n)) { return 1; }
    return a.t.localeCompare(b.t);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.querySelectorAll('thead th');
    heads.forEach(function (th, column) {
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          var c = compare(key(r.cells[column]), key(s.cells[column]));
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
  });
})();
";

#[cfg(test)]
mod tests {
    use super::super::document::Table;
    use super::*;

    #[test]
    fn inline_markup_is_converted_and_everything_else_escaped() {
        let same = |t: &str| t.to_string();
        assert_eq!(
            inline("**Start** with `a<b` & [x](plots/y.svg) **", &same),
            "<strong>Start</strong> with <code>a&lt;b</code> &amp; <a href=\"plots/y.svg\">x</a> <strong></strong>"
        );
        assert_eq!(inline("σ_w² ≤ ¼ [no link", &same), "σ_w² ≤ ¼ [no link");
    }

    #[test]
    fn page_has_contents_sortable_tables_and_inline_figures_in_their_section() {
        let mut table = Table::new(["rank", "activation"]);
        table.row(vec!["1".into(), "relu".into()]);
        let document = Document {
            title: "Study".into(),
            intro: vec![Block::Paragraph("intro".into())],
            sections: vec![
                Section::new("ranking", "Ranking").table(table),
                Section::new("plots", "Plots").list(vec!["[the plot](plots/a.svg)".into()]),
            ],
        };
        let plots = vec![Plot {
            file: "plots/a.svg".into(),
            caption: "a plot".into(),
            section: "ranking",
            svg: Ok("<?xml version=\"1.0\"?>\n<svg width=\"10\" height=\"10\"></svg>\n".into()),
        }];
        let page = to_html(&document, &plots);
        assert!(page.contains("<li><a href=\"#ranking\">Ranking</a></li>"));
        assert!(page.contains("<table class=\"sortable\">"));
        assert!(page.contains("<td>relu</td>"));
        let ranking = &page[page.find("<section id=\"ranking\">").unwrap()..];
        let ranking = &ranking[..ranking.find("</section>").unwrap()];
        assert!(ranking.contains("<figure id=\"plot-a\" class=\"plot\">\n<svg width"));
        assert!(!page.contains("<?xml"));
        assert!(page.contains("<a href=\"#plot-a\">the plot</a>"));
        for remote in ["http://", "https://", "src=", "@import", "url("] {
            let outside_svg_ns = page.replace("http://www.w3.org/2000/svg", "");
            assert!(!outside_svg_ns.contains(remote), "page refers to {remote}");
        }
    }
}
