//! The `myelin act` commands, run as the real binary.

mod common;
use common::{myelin, scratch, stdout};

/// Parses the CSV body into rows of numbers.
fn rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

#[test]
fn eval_relu() {
    let out = stdout(&myelin(&["act", "eval", "relu", "--x=-1,0,2"]));
    assert_eq!(out, "x,y,dydx\n-1,0,0\n0,0,0\n2,2,1\n");
    let out = stdout(&myelin(&[
        "act",
        "eval",
        "relu",
        "--x=-1,0,2",
        "--dtype",
        "f32",
    ]));
    assert_eq!(out, "x,y,dydx\n-1,0,0\n0,0,0\n2,2,1\n");
}

#[test]
fn eval_prints_shortest_round_trip_numbers() {
    let out = stdout(&myelin(&["act", "eval", "sigmoid", "--x=1"]));
    let expected = 1.0 / (1.0 + (-1.0f64).exp());
    let row = &rows(&out)[0];
    assert_eq!(row[1], expected);
    assert!(out.contains(&format!(",{expected},")), "{out}");
    let out32 = stdout(&myelin(&["act", "eval", "sigmoid", "--x=1", "--dtype=f32"]));
    let y32: f32 = out32
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((y32 as f64 - expected).abs() < 1e-6);
}

#[test]
fn eval_prints_tiny_values_in_scientific_notation() {
    // gelu(−10) = −10·Φ(−10) ≈ −7.6e-23: printed in the shortest round-trip form, not as
    // `-0.0000000000000000000000761…`.
    let out = stdout(&myelin(&["act", "eval", "gelu", "--x=-10,1e-7,2e20"]));
    let lines: Vec<&str> = out.lines().collect();
    let y = lines[1].split(',').nth(1).unwrap();
    assert!(y.starts_with("-7.6") && y.contains("e-23"), "{out}");
    assert!(!out.contains("0.0000000"), "{out}");
    let value: f64 = y.parse().unwrap();
    assert!(
        (value + 7.619_853_024_160_593e-23).abs() < 1e-32,
        "{value:e}"
    );
    // x itself: small and huge inputs also round-trip in scientific form.
    assert!(lines[2].starts_with("1e-7,"), "{out}");
    assert!(lines[3].starts_with("2e20,"), "{out}");
    for line in &lines[1..] {
        for field in line.split(',') {
            let v: f64 = field.parse().unwrap();
            assert_eq!(v.to_string().parse::<f64>().unwrap(), v);
        }
    }
}

#[test]
fn eval_vector_function() {
    let out = stdout(&myelin(&["act", "eval", "softmax", "--x=1.8,0.9,0.68"]));
    let r = rows(&out);
    assert_eq!(r.len(), 3);
    let y: Vec<f64> = r.iter().map(|row| row[1]).collect();
    for (a, b) in y.iter().zip([0.58, 0.23, 0.19]) {
        assert!((a - b).abs() < 0.005);
    }
    // dy0/dx = y0(δ0i − yi).
    assert!((r[0][2] - y[0] * (1.0 - y[0])).abs() < 1e-15);
    assert!((r[1][2] + y[0] * y[1]).abs() < 1e-15);
}

#[test]
fn bad_spec_fails_with_a_suggestion() {
    let out = myelin(&["act", "eval", "rleu", "--x=1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `relu`"), "{err}");
    let out = myelin(&[
        "act",
        "table",
        "leaky_relu(slop=0.1)",
        "--from",
        "0",
        "--to",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("slope"));
}

#[test]
fn table_second_derivative_of_tanh() {
    let out = stdout(&myelin(&[
        "act", "table", "tanh", "--from", "-1", "--to", "1", "--points", "3", "--second",
    ]));
    assert!(out.starts_with("x,y,dydx,d2ydx2\n"));
    let r = rows(&out);
    assert_eq!(r.len(), 3);
    assert_eq!(r[1][0], 0.0);
    assert_eq!(r[1][3], 0.0);
    assert!(out.lines().nth(2).unwrap().ends_with(",0"), "{out}");
    let t = 1f64.tanh();
    let expected = -2.0 * t * (1.0 - t * t);
    assert!(
        (r[2][3] - expected).abs() < 1e-14,
        "{} vs {expected}",
        r[2][3]
    );
    assert!((r[0][3] + expected).abs() < 1e-14);
}

#[test]
fn table_grid() {
    let out = stdout(&myelin(&[
        "act",
        "table",
        "relu",
        "--from=-2",
        "--to=2",
        "--points=5",
    ]));
    let xs: Vec<f64> = rows(&out).iter().map(|r| r[0]).collect();
    assert_eq!(xs, vec![-2.0, -1.0, 0.0, 1.0, 2.0]);
    assert!(
        !myelin(&["act", "table", "relu", "--from=0", "--to=1", "--points=0"])
            .status
            .success()
    );
}

#[test]
fn list_has_every_activation() {
    let out = stdout(&myelin(&["act", "list"]));
    for name in [
        "`relu`",
        "`gelu`",
        "`softmax(dim=-1)`",
        "`prelu(init=0.25,num_parameters=1)`",
    ] {
        assert!(out.contains(name), "{name}");
    }
    assert!(out.lines().count() >= 32);
    assert!(out.contains("1.4142"));
}

#[test]
fn plot_writes_svgs() {
    let dir = scratch("plot");
    let out = stdout(&myelin(&[
        "act",
        "plot",
        "relu",
        "leaky_relu(slope=0.2)",
        "softmax",
        "--out",
        dir.to_str().unwrap(),
    ]));
    assert_eq!(out.lines().count(), 4, "{out}");
    for file in [
        "relu.svg",
        "leaky_relu_slope_0.2.svg",
        "softmax.svg",
        "cheatsheet.svg",
    ] {
        let svg = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(svg.contains("<svg"), "{file}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn user_defined_activations_work_in_eval_table_plot_and_probe() {
    // mish as an expression: the same values and slopes as the built-in.
    let expr = stdout(&myelin(&[
        "act",
        "eval",
        "expr(x * tanh(softplus(x)))",
        "--x=-1,0.5,2",
    ]));
    let builtin = stdout(&myelin(&["act", "eval", "mish", "--x=-1,0.5,2"]));
    let numbers = |text: &str| -> Vec<f64> {
        text.lines()
            .skip(1)
            .flat_map(|l| {
                l.split(',')
                    .map(|v| v.parse::<f64>().unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    for (a, b) in numbers(&expr).iter().zip(numbers(&builtin)) {
        assert!((a - b).abs() < 1e-14, "{expr} vs {builtin}");
    }
    // The second derivative through double backward.
    let table = stdout(&myelin(&[
        "act",
        "table",
        "expr(x^3)",
        "--from",
        "1",
        "--to",
        "2",
        "--points",
        "2",
        "--second",
    ]));
    assert_eq!(
        table.lines().collect::<Vec<_>>(),
        ["x,y,dydx,d2ydx2", "1,1,3,6", "2,8,12,12"]
    );
    // A parse error names the column, with a caret under it.
    let failed = myelin(&["act", "eval", "expr(x * tanh(softplus(x)) +)", "--x=1"]);
    assert!(!failed.status.success());
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(message.contains("column 29"), "{message}");
    assert!(
        message.lines().last().unwrap().ends_with("  ^"),
        "{message}"
    );
    // The probe takes the spec too, with the critical initialiser solved for it.
    let probe = stdout(&myelin(&[
        "probe",
        "--act",
        "expr(tanh(x) + 0.1 * sin(x))",
        "--init",
        "xavier_normal(gain=critical)",
        "--bias-std",
        "0.1",
        "--depth",
        "8",
        "--width",
        "32",
        "--batch",
        "16",
    ]));
    assert!(
        probe.contains("edge of chaos at sigma_b^2 = 0.01000"),
        "{probe}"
    );
}
