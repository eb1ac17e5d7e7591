//! The tables of `docs/activations.md` that are generated from the activation table.

/// The docs file, read at compile time.
const DOCS: &str = include_str!("../../../docs/activations.md");

#[test]
fn functions_table_matches_the_activation_table() {
    let generated = myelin_activations::table::functions_table_markdown();
    let header = generated.lines().next().unwrap();
    let start = DOCS
        .find(header)
        .expect("docs/activations.md has the functions table");
    let in_docs: String = DOCS[start..]
        .lines()
        .take_while(|line| line.starts_with('|'))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(
        in_docs, generated,
        "docs/activations.md is out of date; replace its functions table with:\n{generated}"
    );
}

#[test]
fn every_activation_has_a_single_plot_link() {
    for (name, _) in myelin_activations::spec::NAMES {
        let link = format!("[{name}](img/activations/{name}.svg)");
        assert!(DOCS.contains(&link), "docs/activations.md lacks {link}");
    }
}
