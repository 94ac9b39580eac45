//! Who may use the review page, and proof that a form was sent by it.
//!
//! Access: when `web.ingress_proxy` is set, only that peer may connect (Home
//! Assistant's ingress proxy has logged the user in already, as add-ons
//! expect); otherwise, when `web.token` is set, every request must carry it
//! as HTTP Basic auth (the browser asks once; the user name is ignored) or
//! as a bearer token. With neither, the configuration allows loopback only.
//!
//! CSRF: a browser sends Basic credentials and Home Assistant's session along
//! with any request, even one another site makes it send, so every form
//! carries a random token made when the process starts, and a POST without
//! it is refused, as is one the browser marks `Sec-Fetch-Site: cross-site`.
//!
//! Every answer gets headers that keep the page to itself: a content
//! security policy allowing only its own script and style, framing only by
//! the same origin (Home Assistant's sidebar frames it from its own origin).

use std::io::Read;
use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;
use crate::config::{Secret, WebConfig};

pub struct Guard {
    token: Option<Secret>,
    ingress_proxy: Option<IpAddr>,
    csrf: String,
}

impl Guard {
    pub fn new(web: &WebConfig) -> anyhow::Result<Guard> {
        Ok(Guard {
            token: web.token.clone(),
            ingress_proxy: web.ingress_proxy,
            csrf: random_hex(16)?,
        })
    }

    /// The token every form of this process carries.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether a form's token is this process's.
    pub fn form_is_ours(&self, token: &str) -> bool {
        same(token.as_bytes(), self.csrf.as_bytes())
    }

    fn admits(&self, peer: IpAddr, headers: &HeaderMap) -> Result<(), Refusal> {
        if let Some(proxy) = self.ingress_proxy {
            return if peer == proxy {
                Ok(())
            } else {
                Err(Refusal::NotTheProxy)
            };
        }
        match &self.token {
            // Without a token the page listens on loopback only; a Host
            // that is not a loopback name is a page elsewhere whose name
            // was pointed at 127.0.0.1 (DNS rebinding), reading our forms.
            None if loopback_host(headers) => Ok(()),
            None => Err(Refusal::NotLoopback),
            Some(token)
                if presented(headers)
                    .is_some_and(|t| same(t.as_bytes(), token.expose().as_bytes())) =>
            {
                Ok(())
            }
            Some(_) => Err(Refusal::NoToken),
        }
    }
}

enum Refusal {
    NotTheProxy,
    NoToken,
    NotLoopback,
}

/// Whether the request's `Host` names this machine's loopback (with any
/// port): `localhost`, `127.0.0.1` (any 127/8 address) or `[::1]`.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Middleware: admits or refuses the request, checks where a POST comes
/// from, and adds the protective headers to every answer.
pub async fn check(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = match app.guard.admits(peer.ip(), request.headers()) {
        Err(Refusal::NotTheProxy) => {
            tracing::debug!(%peer, "review page: refused a peer that is not the ingress proxy");
            (
                StatusCode::FORBIDDEN,
                "Open habitd from Home Assistant's sidebar.",
            )
                .into_response()
        }
        Err(Refusal::NotLoopback) => (
            StatusCode::FORBIDDEN,
            "habitd's page answers only to localhost or 127.0.0.1 without a token (web.token).",
        )
            .into_response(),
        Err(Refusal::NoToken) => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"habitd\", charset=\"UTF-8\"",
            )],
            "habitd's page needs its token (web.token) as the password.",
        )
            .into_response(),
        Ok(()) if request.method() == Method::POST && cross_site(request.headers()) => (
            StatusCode::FORBIDDEN,
            "A form from another site was refused.",
        )
            .into_response(),
        Ok(()) => next.run(request).await,
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The token of `Authorization: Basic` (its password) or `Bearer`.
fn presented(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_owned());
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(rest.trim())?).ok()?;
    decoded
        .split_once(':')
        .map(|(_, password)| password.to_owned())
}

/// Whether the browser says the request was made by another site.
fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Standard base64 with padding, as browsers send Basic credentials.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.trim_end_matches('=').as_bytes();
    if !text.len().is_multiple_of(4) || bytes.len() > 1024 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let produced = chunk.len() * 6 / 8;
        out.extend_from_slice(&n.to_be_bytes()[1..=produced]);
    }
    Some(out)
}

/// `n` random bytes from the kernel, as hex.
fn random_hex(n: usize) -> anyhow::Result<String> {
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("while reading /dev/urandom for the page's form token")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(authorization).unwrap(),
        );
        h
    }

    fn guard(token: Option<&str>, proxy: Option<&str>) -> Guard {
        Guard {
            token: token.map(Secret::new),
            ingress_proxy: proxy.map(|p| p.parse().unwrap()),
            csrf: "abc".into(),
        }
    }

    #[test]
    fn basic_and_bearer_tokens() {
        // "anyone:s3cret" and "x:s3cre" in base64.
        assert_eq!(
            presented(&headers("Basic YW55b25lOnMzY3JldA==")).as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            presented(&headers("Basic eDpzM2NyZQ==")).as_deref(),
            Some("s3cre")
        );
        assert_eq!(
            presented(&headers("Bearer s3cret")).as_deref(),
            Some("s3cret")
        );
        assert_eq!(presented(&headers("Basic !!!!")), None);
        assert_eq!(presented(&headers("Digest x")), None);
    }

    #[test]
    fn who_is_admitted() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let proxy: IpAddr = "172.30.32.2".parse().unwrap();
        let host = |name: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_str(name).unwrap());
            h
        };
        let open = guard(None, None);
        for name in [
            "127.0.0.1:8099",
            "localhost:8099",
            "LOCALHOST",
            "[::1]:8099",
            "127.0.0.2",
        ] {
            assert!(open.admits(local, &host(name)).is_ok(), "{name}");
        }
        // DNS rebinding: another site's name pointed at 127.0.0.1.
        for name in [
            "attacker.example",
            "attacker.example:8099",
            "192.168.1.5:8099",
        ] {
            assert!(open.admits(local, &host(name)).is_err(), "{name}");
        }
        assert!(open.admits(local, &HeaderMap::new()).is_err(), "no Host");
        let protected = guard(Some("s3cret"), None);
        assert!(protected.admits(local, &HeaderMap::new()).is_err());
        assert!(protected.admits(local, &headers("Bearer wrong")).is_err());
        assert!(
            protected
                .admits(local, &headers("Basic YW55b25lOnMzY3JldA=="))
                .is_ok()
        );
        let ingress = guard(None, Some("172.30.32.2"));
        assert!(ingress.admits(proxy, &HeaderMap::new()).is_ok());
        assert!(ingress.admits(local, &HeaderMap::new()).is_err());
    }

    #[test]
    fn form_tokens() {
        let g = guard(None, None);
        assert!(g.form_is_ours("abc"));
        assert!(!g.form_is_ours("abd") && !g.form_is_ours("ab") && !g.form_is_ours(""));
        assert_eq!(random_hex(16).unwrap().len(), 32);
    }
}
