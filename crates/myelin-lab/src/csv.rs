//! CSV output shared by every table the lab writes: one quoting rule, and the key columns
//! (`activation,init,<numbers>`) that per-run rows start with.

/// A field as written: quoted (with `"` doubled) when it holds a comma, a quote or a line
/// break — activation specs such as `expr(max(x, 0))` do.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `activation,init,n1,n2,…`: the key columns of a per-run row.
///
/// ```
/// assert_eq!(myelin_lab::csv::key("expr(max(x, 0))", "orthogonal", &[10, 256, 0]),
///            "\"expr(max(x, 0))\",orthogonal,10,256,0");
/// ```
pub fn key(activation: &str, init: &str, numbers: &[u64]) -> String {
    let mut out = format!("{},{}", field(activation), field(init));
    for n in numbers {
        out.push(',');
        out.push_str(&n.to_string());
    }
    out
}
