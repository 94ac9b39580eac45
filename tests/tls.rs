//! TLS to the broker, through the one crypto backend habitd is built with
//! (ring, installed by `config::install_tls_provider`): a real Mosquitto
//! with a TLS listener and a certificate authority made for the test with
//! the openssl command.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Broker, Watcher, base_env, run};

/// A CA in `dir` that signed a certificate for 127.0.0.1: (ca, cert, key).
fn certificates(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let file = |suffix: &str| dir.join(format!("{name}-{suffix}"));
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("the openssl command must be installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let (ca_key, ca, key, csr, cert, ext) = (
        file("ca.key"),
        file("ca.pem"),
        file("server.key"),
        file("server.csr"),
        file("server.pem"),
        file("server.ext"),
    );
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509", "-days", "2", "-subj", "/CN=habitd test CA"][..],
            &ec,
            &["-keyout", &path(&ca_key), "-out", &path(&ca)],
            &[
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req", "-subj", "/CN=127.0.0.1"][..],
            &ec,
            &["-keyout", &path(&key), "-out", &path(&csr)],
        ]
        .concat(),
    );
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-days",
        "2",
        "-in",
        &path(&csr),
        "-CA",
        &path(&ca),
        "-CAkey",
        &path(&ca_key),
        "-CAcreateserial",
        "-extfile",
        &path(&ext),
        "-out",
        &path(&cert),
    ]);
    // Mosquitto started as root reads them as the mosquitto user.
    use std::os::unix::fs::PermissionsExt;
    for path in [dir, key.as_path()] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (ca, cert, key)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn habitd_publishes_over_tls_and_refuses_a_broker_its_ca_did_not_sign() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path(), "broker");
    let (other_ca, _, _) = certificates(dir.path(), "other");
    // The test's port is TLS; a second, plain listener is for the watcher.
    let plain = free_port();
    let broker = Broker::start_with(&format!(
        "allow_anonymous true\ncafile {}\ncertfile {}\nkeyfile {}\nlistener {plain} 127.0.0.1\n",
        ca.display(),
        cert.display(),
        key.display()
    ));
    let mut watcher = Watcher::connect(plain, "habitd/job/status").await;

    let with_ca = |ca: &Path| {
        let mut env = base_env(broker.port, dir.path());
        env.push(("HABITD__MQTT__TLS__ENABLED".into(), "true".into()));
        env.push((
            "HABITD__MQTT__TLS__CA_FILE".into(),
            ca.display().to_string(),
        ));
        env
    };
    let (ok, out, err) = run(&with_ca(&ca), &["analyze"]);
    assert!(ok, "{err}");
    assert!(!out.contains("no MQTT broker reachable"), "{out}\n{err}");
    // Its statuses, to the last, arrived through the TLS listener.
    let statuses = watcher.job_statuses_until_final().await;
    assert!(statuses.len() >= 2, "{statuses:?}");

    // A broker whose certificate another CA signed is not spoken to.
    let (ok, out, err) = run(&with_ca(&other_ca), &["analyze"]);
    assert!(ok, "{err}");
    assert!(out.contains("no MQTT broker reachable"), "{out}\n{err}");
}
