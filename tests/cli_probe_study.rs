//! `myelin probe` and `myelin study --quick`, run as the real binary.

mod common;
use common::{myelin, scratch, stdout};

#[test]
fn probe_csv_has_the_spec_columns() {
    let out = stdout(&myelin(&[
        "probe",
        "--act",
        "relu",
        "--init",
        "kaiming_normal",
        "--depth",
        "5",
        "--width",
        "32",
        "--batch",
        "16",
        "--format",
        "csv",
    ]));
    let (header, body) = out.split_once('\n').unwrap();
    assert_eq!(header, myelin::lab::probe::CSV_HEADER);
    let rows: Vec<Vec<f64>> = body
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.len() == 7 && r[4] > 0.0));
}

#[test]
fn probe_table_and_json() {
    let table = stdout(&myelin(&[
        "probe",
        "--act",
        "tanh",
        "--init",
        "xavier_normal(gain=auto)",
        "--depth",
        "4",
        "--width",
        "16",
        "--batch",
        "8",
        "--dtype",
        "f32",
    ]));
    assert!(table.contains("mean-field prediction"), "{table}");
    let json = stdout(&myelin(&[
        "probe",
        "--act",
        "selu",
        "--init",
        "lecun_normal",
        "--depth",
        "3",
        "--width",
        "16",
        "--batch",
        "8",
        "--format",
        "json",
    ]));
    let json = json.trim();
    assert!(json.starts_with('{') && json.ends_with('}'), "{json}");
    assert_eq!(json.matches("\"weight_grad_norm\"").count(), 3, "{json}");
    for key in [
        "\"layers\"",
        "\"theory\"",
        "\"log10_grad_ratio\"",
        "\"regime\"",
    ] {
        assert!(json.contains(key), "missing {key}");
    }
}

#[test]
fn probe_rejects_bad_specs() {
    let out = myelin(&["probe", "--act", "relu", "--init", "glorot"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown initialiser"));
    let out = myelin(&["probe", "--act", "softmax", "--depth", "2", "--width", "4"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn quick_study_writes_a_report() {
    let dir = scratch("study");
    let out = stdout(&myelin(&[
        "study",
        "--quick",
        "--out",
        dir.to_str().unwrap(),
    ]));
    assert!(out.contains("Report:"), "{out}");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for activation in ["sigmoid", "tanh", "relu", "selu"] {
        assert!(report.contains(activation));
    }
    let header = std::fs::read_to_string(dir.join("signal_layers.csv")).unwrap();
    assert!(header.starts_with("activation,init,depth,width,batch,seed,layer,q,act_mean,act_var,grad_norm,weight_grad_norm,dead_fraction,"));
    assert!(dir.join("plots/grad_norm_all.svg").exists());
}

#[test]
fn study_shards_merge_from_the_command_line() {
    let base = scratch("shards");
    let dirs: Vec<String> = (1..=2)
        .map(|i| base.join(format!("shard-{i}")).display().to_string())
        .collect();
    for (i, dir) in dirs.iter().enumerate() {
        let shard = format!("{}/2", i + 1);
        let out = stdout(&myelin(&[
            "study",
            "--quick",
            "--no-progress",
            "--shard",
            &shard,
            "--out",
            dir,
        ]));
        assert!(out.contains(&format!("Shard {shard}")), "{out}");
    }
    let merged = base.join("merged").display().to_string();
    let mut args = vec!["study", "merge"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", &merged]);
    let out = stdout(&myelin(&args));
    assert!(out.contains("Merged 2 shards"), "{out}");
    assert!(base.join("merged/report.html").exists());
    // One shard alone is an error naming the missing one; a bad --shard is a usage error.
    let out = myelin(&["study", "merge", &dirs[0], "--out", &merged]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 2/2 missing"));
    let out = myelin(&["study", "--quick", "--shard", "3/2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("I/N"));
}
