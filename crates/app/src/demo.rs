//! The demo: a realistic catalogue of the bureau and one user of every role,
//! each with the password `demo`. Loading it twice changes nothing.

use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::ApplicantKind;
use onestamp_domain::role::Role;

use crate::catalogue::{Format, parse_catalogue};
use crate::store::ImportSummary;
use crate::users::UserForm;
use crate::{App, AppError};

/// The demo catalogue (事项清单), embedded in the binary.
pub const CATALOGUE_YAML: &str = include_str!("demo/catalogue.yaml");

/// The password of every demo user.
pub const PASSWORD: &str = "demo";

/// A demo user: user name, display name, roles, identity number.
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub roles: &'static [Role],
    pub identity: &'static str,
    /// Applicants: what they registered as.
    pub identity_kind: Option<ApplicantKind>,
}

pub const USERS: &[DemoUser] = &[
    DemoUser {
        username: "admin",
        display_name: "系统管理员",
        roles: &[Role::Admin],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "clerk",
        display_name: "受理员 王敏",
        roles: &[Role::Clerk],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "reviewer",
        display_name: "审查员 李强",
        roles: &[Role::Reviewer],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "inspector",
        display_name: "踏勘员 赵磊",
        roles: &[Role::Inspector],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "approver",
        display_name: "核准人 陈静",
        roles: &[Role::Approver],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "officer",
        display_name: "制证员 刘洋",
        roles: &[Role::Officer],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "supervisor",
        display_name: "监察 周涛",
        roles: &[Role::Supervisor],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "regulator",
        display_name: "区市场监管局 监管员 吴芳",
        roles: &[Role::Regulator],
        identity: "",
        identity_kind: None,
    },
    DemoUser {
        username: "zhangsan",
        display_name: "张三",
        roles: &[Role::Applicant],
        identity: "510107199003071236",
        identity_kind: Some(ApplicantKind::Person),
    },
    DemoUser {
        username: "lisi",
        display_name: "李四",
        roles: &[Role::Applicant],
        identity: "510107198511122242",
        identity_kind: Some(ApplicantKind::Person),
    },
    DemoUser {
        username: "jinjiang_books",
        display_name: "成都锦江书香文化有限公司",
        roles: &[Role::Applicant],
        identity: "91510107MA6C11110G",
        identity_kind: Some(ApplicantKind::Organisation),
    },
];

impl App {
    /// Loads the demo catalogue and users, each with the email address
    /// `<username>@example.com`; returns the import summary. Idempotent.
    pub async fn load_demo(&self) -> Result<ImportSummary, AppError> {
        let catalogue = parse_catalogue(CATALOGUE_YAML, Format::Yaml)?;
        let summary = self.import_catalogue(None, &catalogue).await?;
        // Demo staff handle every department and hold every qualification.
        let mut certificates: Vec<String> = catalogue
            .items
            .iter()
            .filter_map(|i| i.qualification.clone())
            .collect();
        certificates.sort();
        certificates.dedup();
        let profile = StaffProfile {
            available: true,
            departments: vec!["*".into()],
            items: Vec::new(),
            certificates,
        };
        for u in USERS {
            let user = self
                .save_user(
                    None,
                    UserForm {
                        username: u.username.into(),
                        display_name: u.display_name.into(),
                        roles: u.roles.to_vec(),
                        identity: u.identity.into(),
                        identity_kind: u.identity_kind,
                        mobile: String::new(),
                        password: PASSWORD.into(),
                    },
                )
                .await?;
            self.give_demo_email(&user).await?;
            if u.roles.iter().any(|r| r.is_staff() && *r != Role::Admin) {
                self.set_staff_profile(None, user.id, profile.clone())
                    .await?;
            }
        }
        self.load_demo_hall(&catalogue).await?;
        Ok(summary)
    }

    /// The demo hall: three groups by department and five windows, the last
    /// serving every group (综合窗口). Only into an empty hall.
    async fn load_demo_hall(
        &self,
        catalogue: &onestamp_domain::catalogue::Catalogue,
    ) -> Result<(), AppError> {
        if !self.store.hall_groups().await?.is_empty() {
            return Ok(());
        }
        let of = |prefixes: &[&str]| -> Vec<String> {
            catalogue
                .items
                .iter()
                .filter(|i| prefixes.iter().any(|p| i.code.starts_with(p)))
                .map(|i| i.code.clone())
                .collect()
        };
        let groups = [
            ("A", "市场准入", of(&["510107-SCJG-"])),
            ("B", "卫生文旅", of(&["510107-WJJ-", "510107-WGLT-"])),
            (
                "C",
                "商务建设人社",
                of(&["510107-SWJ-", "510107-ZHZF-", "510107-ZJJ-", "510107-RSJ-"]),
            ),
        ];
        for (code, name, items) in groups {
            self.store
                .save_hall_group(onestamp_domain::hall::Group {
                    code: code.into(),
                    name: name.into(),
                    items,
                    per_slot: 2,
                })
                .await?;
        }
        for (number, groups) in [
            ("1", vec!["A"]),
            ("2", vec!["A"]),
            ("3", vec!["B"]),
            ("4", vec!["C"]),
            ("5", vec!["A", "B", "C"]),
        ] {
            self.store
                .save_hall_window(crate::store::WindowChange {
                    id: None,
                    number: number.into(),
                    groups: groups.into_iter().map(String::from).collect(),
                    staff: None,
                    open: true,
                })
                .await?;
        }
        Ok(())
    }
}
