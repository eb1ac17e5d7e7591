//! The report as a document: sections of paragraphs, lists and tables, written once and
//! rendered to Markdown ([`Document::to_markdown`]) and HTML (`super::html`).
//!
//! Text uses a small inline subset of Markdown: `` `code` ``, `**bold**` and
//! `[text](target)`; both renderers understand exactly that.

/// One block of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of inline text.
    Paragraph(String),
    /// A bulleted list, one inline text per item.
    List(Vec<String>),
    /// A table.
    Table(Table),
}

/// A table: a header row and body rows of inline text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Body rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles and no rows.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Self {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A titled part of the report (a `##` heading, an entry of the HTML table of contents).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Anchor id, unique in the document (plots name their section by it).
    pub id: &'static str,
    /// Heading text.
    pub title: String,
    /// The content.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(id: &'static str, title: impl Into<String>) -> Self {
        Self {
            id,
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Adds a paragraph.
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Adds a list (nothing when `items` is empty).
    pub fn list(mut self, items: Vec<String>) -> Self {
        if !items.is_empty() {
            self.blocks.push(Block::List(items));
        }
        self
    }

    /// Adds a table.
    pub fn table(mut self, table: Table) -> Self {
        self.blocks.push(Block::Table(table));
        self
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The `#` title.
    pub title: String,
    /// Blocks before the first section.
    pub intro: Vec<Block>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

impl Document {
    /// Markdown: every heading and block ends with a newline, and one blank line separates
    /// consecutive ones.
    pub fn to_markdown(&self) -> String {
        let mut parts = vec![format!("# {}\n", self.title)];
        parts.extend(self.intro.iter().map(block_markdown));
        for section in &self.sections {
            parts.push(format!("## {}\n", section.title));
            parts.extend(section.blocks.iter().map(block_markdown));
        }
        parts.join("\n")
    }
}

fn block_markdown(block: &Block) -> String {
    match block {
        Block::Paragraph(text) => format!("{text}\n"),
        Block::List(items) => items.iter().map(|i| format!("- {i}\n")).collect(),
        Block::Table(table) => {
            let row = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
            let mut out = row(&table.header);
            out.push('|');
            out.push_str(&"---|".repeat(table.header.len()));
            out.push('\n');
            for r in &table.rows {
                out.push_str(&row(r));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_separates_blocks_by_one_blank_line() {
        let mut table = Table::new(["a", "b"]);
        table.row(vec!["1".into(), "2".into()]);
        let doc = Document {
            title: "T".into(),
            intro: vec![Block::Paragraph("intro".into())],
            sections: vec![
                Section::new("s", "S").table(table).paragraph("after"),
                Section::new("l", "L").list(vec!["x".into(), "y".into()]),
            ],
        };
        assert_eq!(
            doc.to_markdown(),
            "# T\n\nintro\n\n## S\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter\n\n## L\n\n- x\n- y\n"
        );
    }
}
