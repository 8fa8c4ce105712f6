//! A page client for the HTTP tests of the pages: it keeps its own session
//! cookie, logs in through the login page and shows redirects as they are.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use reqwest::{Client, StatusCode, header, redirect};

use crate::TestApp;

/// A page client that keeps its own session cookie and shows redirects as they are.
pub struct Visitor {
    pub base: String,
    pub client: Client,
    pub cookie: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub html: String,
}

impl Visitor {
    pub fn new(t: &TestApp) -> Visitor {
        Visitor {
            base: t.base.clone(),
            client: Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header(header::COOKIE, c),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookies = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let html = resp.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            location,
            set_cookies,
            html,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(self.client.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    /// Logs in through the login page; returns the login answer.
    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        let page = self.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let nonce = cookie_value(&page.set_cookies, "onestamp_login").expect("login nonce");
        let csrf = hidden(&page.html, "csrf");
        let form = [
            ("username", username),
            ("password", password),
            ("csrf", csrf.as_str()),
            ("next", ""),
        ];
        let r = self
            .send(
                self.client
                    .post(format!("{}/login", self.base))
                    .header(header::COOKIE, format!("onestamp_login={nonce}"))
                    .form(&form),
            )
            .await;
        if let Some(token) = cookie_value(&r.set_cookies, "onestamp_session") {
            self.cookie = Some(format!("onestamp_session={token}"));
        }
        r
    }

    /// A visitor logged in as the demo user `username` (password `demo`).
    pub async fn logged_in(t: &TestApp, username: &str) -> Visitor {
        let mut v = Visitor::new(t);
        let r = v.login(username, "demo").await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            r.html
        );
        v
    }

    /// The CSRF token of this session, as the pages embed it.
    pub async fn csrf(&self) -> String {
        hidden(&self.get("/").await.html, "csrf")
    }
}

pub fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        let (k, rest) = c.split_once('=')?;
        let v = rest.split(';').next()?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

/// The value of the first hidden input named `name`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}
