//! `takedown backup` while complaints (some with evidence files) keep arriving, then
//! `takedown restore` into an empty data directory: every complaint acknowledged
//! before the backup began is there, its evidence with it, and the chain is intact.
//! A damaged backup is refused.

use std::path::Path;
use std::sync::{Arc, Mutex};
use takedown::services::tracking_codes::lookup_hash;

use crate::common::filing::{complaint_form, complaint_json, run};
use crate::common::{TestApp, takedown_cmd};
use reqwest::multipart::Form;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use takedown::entities::{complaint, complaint_evidence};

fn form(n: usize) -> Form {
    complaint_form(
        "李伟",
        &format!("li{n}@citydaily.example"),
        "+86 10 1234 5678",
        format!("%PDF-1.4 licence scan {n}").into_bytes(),
    )
}

/// Files a complaint (every third one through the form, with a file); its code.
async fn file(app: &TestApp, n: usize) -> Option<String> {
    if n.is_multiple_of(3) {
        let resp = crate::common::filing::no_redirects()
            .post(app.url("/complaints"))
            .multipart(form(n))
            .send()
            .await
            .ok()?;
        if resp.status() != 303 {
            return None;
        }
        // Filed: redirected to its status page, /complaints/{code}?lang=….
        let location = resp.headers().get("location")?.to_str().ok()?;
        let code = location.strip_prefix("/complaints/")?.split('?').next()?;
        Some(code.to_string())
    } else {
        let resp = app
            .client
            .post(app.url("/api/v1/complaints"))
            .json(&complaint_json(1, &format!("wang{n}@citydaily.example")))
            .send()
            .await
            .ok()?;
        if resp.status() != 201 {
            return None;
        }
        let v: Value = resp.json().await.ok()?;
        Some(v["tracking_code"].as_str()?.to_string())
    }
}

fn restore_cmd(into: &Path, from: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"));
    cmd.arg("restore")
        .arg(from)
        .env("DATA_DIR", into)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/takedown.db?mode=rwc", into.display()),
        )
        .env("RUST_LOG", "warn");
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_every_acknowledged_complaint() {
    let app = TestApp::spawn().await;
    let backup_dir = tempfile::tempdir().unwrap().keep().join("backup");
    if app.test_db.is_postgres() {
        let (code, out) = run(takedown_cmd(&app.test_db).arg("backup").arg(&backup_dir));
        assert_ne!(code, 0);
        assert!(
            out.contains("for PostgreSQL use pg_dump and pg_restore"),
            "{out}"
        );
        return;
    }
    let app = Arc::new(app);
    let mut before = Vec::new();
    for n in 0..30 {
        before.push(file(&app, n).await.expect("filed before the backup"));
    }
    // Filing goes on while the backup runs.
    let during = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for w in 0..3 {
        let (app, during, stop) = (app.clone(), during.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut n = 1000 * (w + 1);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(code) = file(&app, n).await {
                    during.lock().unwrap().push(code);
                }
                n += 1;
            }
        }));
    }
    let cmd_db = app.test_db.clone();
    let dir = backup_dir.clone();
    let (code, out) =
        tokio::task::spawn_blocking(move || run(takedown_cmd(&cmd_db).arg("backup").arg(&dir)))
            .await
            .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in load {
        t.await.unwrap();
    }
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("audit chain intact") && out.contains("head "),
        "{out}"
    );
    eprintln!(
        "{out}({} filed before, {} during the backup)",
        before.len(),
        during.lock().unwrap().len()
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(backup_dir.join("MANIFEST.json")).unwrap())
            .unwrap();
    assert!(manifest["audit_head"].as_str().unwrap().contains(':'));

    // Into a directory that is not empty: refused.
    let (code, out) = run(takedown_cmd(&app.test_db).arg("backup").arg(&backup_dir));
    assert_ne!(code, 0);
    assert!(out.contains("is not empty"), "{out}");

    let target = tempfile::tempdir().unwrap();
    let (code, out) = run(&mut restore_cmd(target.path(), &backup_dir));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain intact"), "{out}");
    let (code, out) = run(&mut restore_cmd(target.path(), &backup_dir));
    assert_ne!(code, 0, "only into an empty DATA_DIR");
    assert!(out.contains("restore only into an empty DATA_DIR"), "{out}");

    let restored = takedown::db::connect(&format!(
        "sqlite://{}/takedown.db?mode=rwc",
        target.path().display()
    ))
    .await
    .unwrap();
    let found = complaint::Entity::find()
        .filter(complaint::Column::TrackingCodeSha256.is_in(before.iter().map(|c| lookup_hash(c))))
        .all(&restored)
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        before.len(),
        "every complaint acknowledged before the backup"
    );
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let evidence = complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::ComplaintId.is_in(ids))
        .filter(complaint_evidence::Column::Sha256.is_not_null())
        .all(&restored)
        .await
        .unwrap();
    assert_eq!(evidence.len(), 10, "every third one came with a file");
    for e in &evidence {
        let sha = e.sha256.as_deref().unwrap();
        let bytes = std::fs::read(target.path().join("evidence").join(sha)).unwrap();
        assert_eq!(
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
            sha
        );
    }
    assert!(matches!(
        takedown::audit::verify(&restored, None).await.unwrap(),
        takedown::audit::Verdict::Intact { .. }
    ));
    // The key the codes are sealed under came back with them.
    let key_file = target.path().join("tracking-code.key");
    assert_eq!(manifest["tracking_key"], true);
    assert_eq!(
        std::fs::read(&key_file).unwrap(),
        std::fs::read(&app.state.config.tracking_key_file).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    assert!(
        takedown::services::tracking_codes::check_key_file(&restored, &key_file)
            .await
            .unwrap()
    );
    restored.close().await.ok();

    // Without its key a backup is not restored: its codes would stay sealed for good.
    let kept = backup_dir.join("tracking-code.key");
    let key = std::fs::read(&kept).unwrap();
    std::fs::remove_file(&kept).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out) = run(&mut restore_cmd(elsewhere.path(), &backup_dir));
    assert_ne!(code, 0);
    assert!(out.contains("tracking-code key"), "{out}");
    assert!(!elsewhere.path().join("takedown.db").exists());
    std::fs::write(&kept, key).unwrap();

    // A backup whose evidence was altered is not restored.
    let sha = evidence[0].sha256.clone().unwrap();
    std::fs::write(backup_dir.join("evidence").join(&sha), b"altered").unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out) = run(&mut restore_cmd(elsewhere.path(), &backup_dir));
    assert_ne!(code, 0);
    assert!(
        out.contains(&format!("evidence file {sha} does not match")),
        "{out}"
    );
    assert!(
        !elsewhere.path().join("takedown.db").exists(),
        "nothing half-restored"
    );
    std::fs::remove_dir_all(backup_dir.parent().unwrap()).ok();
}
