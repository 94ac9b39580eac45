//! The review page as a person uses it: the real daemon with a real SQLite
//! database holding the demo household's suggestions, a real Mosquitto, a
//! local stand-in for Home Assistant's REST API, and a real headless
//! Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`). It opens the pages, clicks Approve and Deploy, undoes
//! a rejection, asks for an analysis, and checks what the page shows, what
//! the database holds, what Home Assistant received and what MQTT says; then
//! it does the same through a path prefix, as Home Assistant's ingress proxy
//! serves the page. A screenshot of each page, wide and phone-sized, is
//! kept under `target/tmp/web-screenshots/` (not committed). A second test
//! checks the token that guards the page when it is open to the network.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use common::{Broker, PATIENCE, Watcher, base_env, habitd};
use fantoccini::{Client, ClientBuilder, Locator};
use rusqlite::Connection;
use serde_json::{Value, json};

const TOKEN: &str = "test-token";
const ROUTINE: &str = "Turn on the kitchen ceiling light at 06:4";
const SEQUENCE: &str =
    "When the hallway motion sensor detects motion in the evening, turn on the hallway light";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver on a free port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let mut child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "this test drives a real Chromium: install it with \
                     `apt-get install chromium chromium-driver` (chromedriver: {e})"
                )
            });
        // It says so on stdout once it listens; keep draining afterwards.
        if !common::says(child.stdout.take().unwrap(), "started successfully") {
            child.kill().ok();
            panic!("chromedriver did not start on port {port}");
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn browser(&self) -> Client {
        // Test builds link two rustls providers (fantoccini brings
        // aws-lc-rs, habitd ring): name the one habitd uses.
        habitd::config::install_tls_provider();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--window-size=1024,900"]}),
        );
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| {
                panic!("Chromium did not start (apt-get install chromium chromium-driver): {e}")
            })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Automations POSTed to the stand-in, in order: (id, config).
type Posted = Arc<Mutex<Vec<(String, Value)>>>;

/// Home Assistant's automation config API: keeps what is POSTed, by id.
fn home_assistant() -> (common::http::Server, Posted) {
    let stored: Posted = Arc::default();
    let automations = stored.clone();
    let server = common::http::Server::start(move |request| {
        if request.bearer.as_deref() != Some(TOKEN) {
            return ("401 Unauthorized", b"{}".to_vec());
        }
        let Some(id) = request
            .path()
            .strip_prefix("/api/config/automation/config/")
        else {
            return ("404 Not Found", br#"{"message": "not found"}"#.to_vec());
        };
        let mut automations = automations.lock().unwrap();
        match request.method() {
            "POST" => {
                let config: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                automations.push((id.to_owned(), config));
                ("200 OK", br#"{"result": "ok"}"#.to_vec())
            }
            "GET" => match automations.iter().rev().find(|(i, _)| i == id) {
                Some((_, config)) => ("200 OK", serde_json::to_vec(config).unwrap()),
                None => ("404 Not Found", b"{}".to_vec()),
            },
            _ => ("405 Method Not Allowed", b"{}".to_vec()),
        }
    });
    (server, stored)
}

/// An ingress proxy as Home Assistant's: serves the page under a path
/// prefix, strips it, and says so in `X-Ingress-Path`. Anything requested
/// outside the prefix is recorded and answered 404.
struct Ingress {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

const PREFIX: &str = "/api/hassio_ingress/Zm9vYmFy";

impl Ingress {
    fn start(upstream: String) -> Ingress {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}{PREFIX}/", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (upstream, log) = (upstream.clone(), log.clone());
                std::thread::spawn(move || forward(stream, &upstream, &log));
            }
        });
        Ingress { url, seen }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn forward(mut client: TcpStream, upstream: &str, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = String::new();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        let name = header.split(':').next().unwrap_or("").to_ascii_lowercase();
        if name == "content-length" {
            length = header[15..].trim().parse().unwrap_or(0);
        }
        if !matches!(name.as_str(), "host" | "connection" | "keep-alive") {
            headers.push_str(&header);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok();
    let mut parts = line.split(' ');
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    log.lock().unwrap().push(format!("{method} {path}"));
    let Some(inner) = path.strip_prefix(PREFIX).filter(|p| p.starts_with('/')) else {
        client
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .ok();
        return;
    };
    let mut to = TcpStream::connect(upstream).unwrap();
    let head = format!(
        "{method} {inner} HTTP/1.1\r\nHost: {upstream}\r\nConnection: close\r\nX-Ingress-Path: {PREFIX}\r\n{headers}\r\n"
    );
    to.write_all(head.as_bytes()).unwrap();
    to.write_all(&body).unwrap();
    let mut answer = Vec::new();
    to.read_to_end(&mut answer).ok();
    client.write_all(&answer).ok();
}

/// The demo household's database, made by `habitd demo --keep` in `dir`.
fn demo_database(dir: &Path) -> PathBuf {
    let path = dir.join("demo.db");
    common::run_ok(
        &base_env(1, dir),
        &["demo", "--keep", &path.display().to_string()],
    );
    path
}

/// `habitd run` with `env`, logging to `log`.
fn run_daemon(env: &[(String, String)], log: &Path) -> tokio::process::Child {
    let mut command = habitd(env);
    command
        .arg("run")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Waits until the daemon's log names the page's address.
async fn page_address(log: &Path) -> String {
    let pattern = regex::Regex::new(r"review page at (http://127\.0\.0\.1:\d+/)").unwrap();
    let found = tokio::time::timeout(PATIENCE, async {
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(m) = pattern.captures(&text) {
                return m[1].to_owned();
            }
            // A log file has no change notification worth the code here.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| {
        panic!(
            "habitd never said where its page is:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        )
    })
}

fn status_in(db: &Path, id: &str) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT status FROM suggestions WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
}

fn id_of(href: &str) -> String {
    href.rsplit("id=").next().unwrap().to_owned()
}

async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

async fn click_button(c: &Client, text: &str) {
    let xpath = format!("//button[normalize-space(.)={text:?}]");
    c.find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no button {text:?}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn open_link(c: &Client, containing: &str) -> String {
    let xpath = format!("//a[contains(., {containing:?})]");
    let link = c
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no link with {containing:?}: {e}"));
    let href = link.attr("href").await.unwrap().unwrap();
    link.click().await.unwrap();
    href
}

/// A screenshot of the whole page at `width`, kept for a person to look at.
async fn screenshot(c: &Client, name: &str, width: u32) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    c.set_window_size(width, 900).await.unwrap();
    let height = c
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(900);
    c.set_window_size(
        width,
        u32::try_from(height).unwrap_or(900).clamp(600, 6000) + 90,
    )
    .await
    .unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    c.set_window_size(1024, 900).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_reviews_approves_and_deploys_from_the_page() {
    let driver = Driver::start();
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let database = demo_database(dir.path());
    let (ha, posted) = home_assistant();

    let mut env = base_env(broker.port, dir.path());
    env.retain(|(k, _)| k != "HABITD__DATABASE__PATH" && k != "HABITD__ANALYSIS__TIMEZONE");
    env.extend([
        (
            "HABITD__DATABASE__PATH".into(),
            database.display().to_string(),
        ),
        ("HABITD__ANALYSIS__TIMEZONE".into(), "Europe/Berlin".into()),
        ("HABITD__HOMEASSISTANT__URL".into(), ha.url.clone()),
        ("HABITD__HOMEASSISTANT__TOKEN".into(), TOKEN.into()),
    ]);
    let log = dir.path().join("habitd.log");
    let mut daemon = run_daemon(&env, &log);
    let mut mqtt = Watcher::connect(broker.port, "habitd/suggestions/#").await;
    let base = page_address(&log).await;
    let c = driver.browser().await;

    // The list: pending first, each with its confidence and times.
    c.goto(&base).await.unwrap();
    wait_for(&c, "ul.list li").await;
    let list = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(ROUTINE) && list.contains(SEQUENCE), "{list}");
    assert!(
        list.contains("confident") && list.contains("first seen"),
        "{list}"
    );
    screenshot(&c, "suggestions", 1024).await;
    screenshot(&c, "suggestions-phone", 390).await;

    // One routine: every day a row, each morning a dot, the time a line.
    let routine = id_of(&open_link(&c, ROUTINE).await);
    wait_for(&c, "svg.chart line.target").await;
    let dots = c
        .find_all(Locator::Css("svg.chart circle.weekday"))
        .await
        .unwrap();
    assert!(
        dots.len() >= 15,
        "a weekday routine of four weeks: {} dots",
        dots.len()
    );
    let yaml = c
        .find(Locator::Css("pre#automation-yaml"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(yaml.contains("light.turn_on"), "{yaml}");
    screenshot(&c, "suggestion-routine", 1024).await;
    screenshot(&c, "suggestion-routine-phone", 390).await;

    // Approve: the page, the database and Home Assistant's entities agree.
    click_button(&c, "Approve").await;
    wait_for(&c, "span.badge.approved").await;
    assert_eq!(status_in(&database, &routine), "approved");
    let topic = format!("habitd/suggestions/{routine}");
    mqtt.wait_for(&topic, |m| m.json()["status"] == "approved")
        .await;

    // Deploy: Home Assistant receives the automation.
    click_button(&c, "Deploy to Home Assistant").await;
    wait_for(&c, "span.badge.deployed").await;
    assert_eq!(status_in(&database, &routine), "deployed");
    {
        let posted = posted.lock().unwrap();
        let (id, config) = posted.first().expect("an automation was POSTed");
        assert_eq!(id, &routine);
        assert_eq!(config["id"], routine.as_str());
        assert!(config.to_string().contains("light.turn_on"), "{config}");
    }
    assert!(
        ha.requests().contains(&format!(
            "POST /api/config/automation/config/{routine} HTTP/1.1"
        )),
        "{:?}",
        ha.requests()
    );
    mqtt.wait_for(&topic, |m| m.json()["status"] == "deployed")
        .await;
    wait_for(&c, "form button").await;
    assert!(
        c.source()
            .await
            .unwrap()
            .contains("Remove from Home Assistant"),
        "a deployed suggestion offers to take it back"
    );

    // A sequence: the delays drawn; reject it, then undo the rejection.
    c.goto(&base).await.unwrap();
    let sequence = id_of(&open_link(&c, SEQUENCE).await);
    wait_for(&c, "svg.chart rect.bar").await;
    let source = c.source().await.unwrap();
    assert!(
        source.contains("median"),
        "the delay histogram marks its median"
    );
    screenshot(&c, "suggestion-sequence", 1024).await;
    click_button(&c, "Reject: never offer again").await;
    wait_for(&c, "span.badge.rejected").await;
    assert_eq!(status_in(&database, &sequence), "rejected");
    click_button(&c, "Undo: offer it again").await;
    wait_for(&c, "span.badge.new").await;
    assert_eq!(status_in(&database, &sequence), "new");

    // What habitd records: events per day.
    c.find(Locator::LinkText("Recorded"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "svg.chart rect.bar").await;
    let bars = c
        .find_all(Locator::Css("svg.chart rect.bar"))
        .await
        .unwrap();
    assert!(
        bars.len() >= 28,
        "a bar per day of the window: {}",
        bars.len()
    );
    screenshot(&c, "recorded", 1024).await;

    // The jobs, and "Analyze now" queuing a new one.
    c.find(Locator::LinkText("Jobs"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "section.card h2").await;
    let before = c
        .find_all(Locator::Css("section.card"))
        .await
        .unwrap()
        .len();
    click_button(&c, "Analyze now").await;
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(&format!(
            "(//section[contains(@class,'card')])[{}]",
            before + 1
        )))
        .await
        .expect("a new job appears");
    screenshot(&c, "jobs", 1024).await;

    // Forms need this process's token and must come from the page itself.
    let http = reqwest::Client::new();
    let forged = http
        .post(format!("{base}decide"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("id={sequence}&decision=reject&csrf=guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert_eq!(status_in(&database, &sequence), "new");
    let bad = http
        .get(format!("{base}suggestion?id=../../etc"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Behind an ingress proxy: every link and form stays under its prefix.
    let ingress = Ingress::start(
        base.trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned(),
    );
    c.goto(&ingress.url).await.unwrap();
    wait_for(&c, "ul.list li").await;
    let blind = id_of(&open_link(&c, "Open the bedroom blind").await);
    wait_for(&c, "section.card").await;
    click_button(&c, "Dismiss for now").await;
    wait_for(&c, "span.badge.dismissed").await;
    assert_eq!(status_in(&database, &blind), "dismissed");
    let url = c.current_url().await.unwrap();
    assert!(url.path().starts_with(PREFIX), "{url}");
    screenshot(&c, "ingress-suggestion", 1024).await;
    let requests = ingress.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.split(' ').nth(1).unwrap_or("").starts_with(PREFIX)),
        "requests outside the ingress prefix: {requests:?}"
    );
    assert!(
        requests.contains(&format!("GET {PREFIX}/style.css")),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with(&format!("POST {PREFIX}/decide"))),
        "{requests:?}"
    );

    c.close().await.unwrap();
    common::sigterm(daemon.id().unwrap());
    let status = tokio::time::timeout(PATIENCE, daemon.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// With `web.token` set, the page answers nobody without it, and a form
/// the browser marks as another site's is refused even with it. Without a
/// token, habitd refuses to listen beyond this machine.
#[tokio::test]
async fn a_token_guards_the_page_and_the_network_needs_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = base_env(1, dir.path());
    env.push(("HABITD__WEB__LISTEN".into(), "0.0.0.0:8099".into()));
    let (ok, _, stderr) = common::run(&env, &["check-config"]);
    assert!(
        !ok && stderr.contains("web.listen") && stderr.contains("web.token"),
        "{stderr}"
    );

    let broker = Broker::start();
    let mut env = base_env(broker.port, dir.path());
    env.push(("HABITD__WEB__TOKEN".into(), "s3cret-page".into()));
    let log = dir.path().join("habitd.log");
    let mut daemon = run_daemon(&env, &log);
    let base = page_address(&log).await;
    let http = reqwest::Client::new();

    let refused = http.get(&base).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Basic"), "{challenge}");
    let wrong = http
        .get(&base)
        .basic_auth("me", Some("guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let page = http
        .get(&base)
        .basic_auth("me", Some("s3cret-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let bearer = http
        .get(format!("{base}jobs"))
        .bearer_auth("s3cret-page")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);

    let cross_site = http
        .post(format!("{base}analyze"))
        .bearer_auth("s3cret-page")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=whatever")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !text.contains("s3cret-page"),
        "the token was logged:\n{text}"
    );

    common::sigterm(daemon.id().unwrap());
    let status = tokio::time::timeout(PATIENCE, daemon.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}
