//! The `tucanlink` binary end to end: no default secrets, the development bootstrap, the
//! admin CLI and the config layers.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tucanlink");

fn tucanlink(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env("TUCAN__DATA_DIR", data)
        .env("TUCAN__LOG__LEVEL", "warn")
        .env_remove("TUCAN_CONFIG");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start `serve`, wait for the ready line, return the child and every stdout line so far.
fn serve(data: &Path, port: u16) -> (Child, Vec<String>) {
    let mut child = tucanlink(data)
        .arg("serve")
        .env("TUCAN__HTTP__BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let start = Instant::now();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || start.elapsed() > Duration::from_secs(60) {
            panic!("serve exited or hung before ready: {lines:?}");
        }
        let ready = line.contains("TucanLink ready");
        lines.push(line.trim_end().to_string());
        if ready {
            break;
        }
    }
    (child, lines)
}

fn stop(mut child: Child) {
    // SIGTERM, then wait for the graceful shutdown.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no graceful shutdown"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn login(port: u16, email: &str, password: &str) -> u16 {
    let body = format!(r#"{{"email":"{email}","password":"{password}"}}"#);
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "content-type: application/json",
            "-d",
            &body,
        ])
        .arg(format!("http://127.0.0.1:{port}/api/auth/login"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)
}

/// The body of a sign-in.
fn login_body(port: u16, email: &str, password: &str) -> String {
    let body = format!(r#"{{"email":"{email}","password":"{password}"}}"#);
    let out = Command::new("curl")
        .args(["-s", "-H", "content-type: application/json", "-d", &body])
        .arg(format!("http://127.0.0.1:{port}/api/auth/login"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn production_refuses_to_start_without_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = tucanlink(dir.path())
        .arg("serve")
        .env("TUCAN__MODE", "production")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("jwt_secret"), "{err}");
    assert!(
        !dir.path().join("secrets.toml").exists(),
        "no secret may be generated in production"
    );
}

#[test]
fn development_bootstraps_once_with_a_random_admin_password() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (child, lines) = serve(dir.path(), port);
    let password = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("password printed")
        .to_string();
    assert_eq!(password.len(), 20);
    assert_ne!(password, "admin");
    assert_eq!(login(port, "admin@tucanlink.local", &password), 200);
    assert_eq!(login(port, "admin@tucanlink.local", "admin"), 401);
    // The printed password signs in once, to choose a new one.
    let session = login_body(port, "admin@tucanlink.local", &password);
    assert!(
        session.contains(r#""password_must_change":true"#),
        "{session}"
    );
    stop(child);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("secrets.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "secrets file must be private");
    }

    // Second start: same data, same secret, no new admin and no password printed.
    let (child, lines) = serve(dir.path(), port);
    assert!(!lines.iter().any(|l| l.contains("password:")), "{lines:?}");
    assert_eq!(login(port, "admin@tucanlink.local", &password), 200);
    stop(child);
}

#[test]
fn admin_cli_creates_tenants_and_resets_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = tucanlink(dir.path()).args(args).output().unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    let (ok, text) = run(&["migrate"]);
    assert!(ok, "{text}");
    let (ok, text) = run(&["admin", "create-plan", "--name", "Pro", "--users", "3"]);
    assert!(ok, "{text}");
    let (ok, text) = run(&[
        "admin",
        "create-tenant",
        "--name",
        "Acme",
        "--plan",
        "pro",
        "--admin-email",
        "ana@acme.test",
    ]);
    assert!(ok, "{text}");
    let tenant_id = text
        .lines()
        .find_map(|l| l.strip_prefix("tenant Acme created: "))
        .unwrap()
        .trim()
        .to_string();
    let (ok, text) = run(&[
        "admin",
        "create-tenant",
        "--name",
        "Dup",
        "--plan",
        "pro",
        "--admin-email",
        "ANA@acme.test",
    ]);
    assert!(!ok && text.contains("EMAIL_TAKEN"), "{text}");
    let (ok, text) = run(&[
        "admin",
        "create-user",
        "--email",
        "sup@acme.test",
        "--name",
        "Sup",
        "--role",
        "supervisor",
        "--tenant",
        &tenant_id,
    ]);
    assert!(ok, "{text}");
    let (ok, text) = run(&[
        "admin",
        "create-user",
        "--email",
        "x@acme.test",
        "--name",
        "X",
        "--tenant",
        "0123",
    ]);
    assert!(!ok && text.contains("TENANT_NOT_FOUND"), "{text}");
    let (ok, text) = run(&["admin", "reset-password", "--email", "sup@acme.test"]);
    assert!(ok, "{text}");
    let new_password = text
        .lines()
        .find_map(|l| {
            l.split_once("sup@acme.test: ")
                .map(|(_, p)| p.trim().to_string())
        })
        .unwrap();

    let port = free_port();
    let (child, _) = serve(dir.path(), port);
    assert_eq!(login(port, "sup@acme.test", &new_password), 200);
    stop(child);
}

#[test]
fn config_layers_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "[http]\nbind = \"0.0.0.0:9999\"\n[auth]\njwt_secret = \"0123456789abcdef0123456789abcdef\"\n").unwrap();
    let out = tucanlink(dir.path())
        .args(["--config", file.to_str().unwrap(), "config", "show"])
        .env("TUCAN__HTTP__PUBLIC_URL", "https://chat.example.com")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("bind = \"0.0.0.0:9999\""), "{text}");
    assert!(
        text.contains("public_url = \"https://chat.example.com\""),
        "{text}"
    );
    assert!(
        text.contains("<redacted>") && !text.contains("0123456789abcdef"),
        "{text}"
    );

    let out = tucanlink(dir.path())
        .args(["config", "show"])
        .env("TUCAN__HTTP__BINDD", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bindd"));
    std::fs::write(&file, "[htp]\nbind = \"x\"\n").unwrap();
    let out = tucanlink(dir.path())
        .args(["--config", file.to_str().unwrap(), "config", "show"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = tucanlink(dir.path())
        .args(["--config", "/nonexistent.toml", "config", "show"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

mod crash;
mod runs;

/// `text` without its terminal colour codes.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_web_app_is_found_beside_the_config_and_the_start_log_is_the_platforms_own() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(conf.join("site")).unwrap();
    std::fs::write(
        conf.join("site/index.html"),
        "<!doctype html><title>hello-site</title>",
    )
    .unwrap();
    let file = conf.join("tucanlink.toml");
    std::fs::write(&file, "[ui]\ndir = \"site\"\n").unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let log = dir.path().join("stderr.log");
    let port = free_port();
    let mut child = tucanlink(&dir.path().join("data"))
        .current_dir(&elsewhere)
        .args(["--config", file.to_str().unwrap(), "serve"])
        .env("TUCAN__HTTP__BIND", format!("127.0.0.1:{port}"))
        .env("TUCAN__LOG__LEVEL", "info")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let ready = loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "serve exited");
        if line.contains("TucanLink ready") {
            break line;
        }
    };
    let site = conf.join("site").canonicalize().unwrap();
    assert!(
        ready.contains(&site.display().to_string()),
        "the ready line names the folder served: {ready}"
    );
    let page = Command::new("curl")
        .args(["-s", &format!("http://127.0.0.1:{port}/")])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&page.stdout).contains("hello-site"));
    stop(child);

    let text = plain(&std::fs::read_to_string(&log).unwrap());
    let info: Vec<&str> = text.lines().filter(|l| l.contains(" INFO ")).collect();
    assert!(!info.is_empty(), "the platform's own start lines: {text}");
    for line in info {
        let target = line.split(" INFO ").nth(1).unwrap_or_default().trim_start();
        assert!(
            target.starts_with("tucan"),
            "a dependency's line at INFO: {line}"
        );
    }
}
