//! The figures of a [`Dashboard`] as tables: one model for the dashboard's
//! tables beside the charts, the CSV and XLSX exports and the monthly report.

use serde::Serialize;

use crate::analytics::{Dashboard, TimeLine, VolumeLine};
use crate::ratings::StatLine;

/// One cell: its text, and its number when it is one (for spreadsheets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub text: String,
    pub number: Option<f64>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            number: None,
        }
    }

    pub fn int(n: i64) -> Cell {
        Cell {
            text: n.to_string(),
            number: Some(n as f64),
        }
    }

    /// A per-cent or hours figure; `—` when there is none.
    pub fn rate(v: Option<f64>) -> Cell {
        match v {
            Some(v) => Cell {
                text: format!("{v:.1}"),
                number: Some(v),
            },
            None => Cell::text("—"),
        }
    }
}

/// A table of figures with its headers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Stable name, used in export addresses (`volumes_item` …).
    pub id: &'static str,
    pub title: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table's (label, value) pairs of column `col`, for a chart.
    pub fn series(&self, col: usize) -> Vec<(String, f64)> {
        self.rows
            .iter()
            .filter_map(|r| {
                let label = r.first()?.text.clone();
                let v = r.get(col)?.number?;
                Some((label, v))
            })
            .collect()
    }
}

/// The names of every table, in the dashboard's order.
pub const TABLES: [&str; 19] = [
    "volumes_item",
    "volumes_department",
    "volumes_channel",
    "volumes_day",
    "times_stage",
    "times_item",
    "overdue",
    "corrections_item",
    "corrections_material",
    "refusals",
    "ratings_item",
    "ratings_department",
    "ratings_staff",
    "ratings_channel",
    "themes",
    "themes_channel",
    "hall",
    "hall_source",
    "hall_bookings",
];

const VOLUME_HEADERS: [&str; 11] = [
    "名称",
    "办件量",
    "办结",
    "出证",
    "不予受理",
    "不予许可",
    "撤回",
    "即办件比例(%)",
    "秒批占比(%)",
    "承诺时限办结率(%)",
    "法定时限办结率(%)",
];

fn volume_rows(lines: &[VolumeLine]) -> Vec<Vec<Cell>> {
    lines
        .iter()
        .map(|l| {
            let c = &l.counters;
            vec![
                Cell::text(l.label.clone()),
                Cell::int(c.submitted),
                Cell::int(c.ended),
                Cell::int(c.issued),
                Cell::int(c.not_accepted),
                Cell::int(c.denied),
                Cell::int(c.withdrawn),
                Cell::rate(l.same_day_share),
                Cell::rate(l.instant_share),
                Cell::rate(l.on_time_committed_rate),
                Cell::rate(l.on_time_legal_rate),
            ]
        })
        .collect()
}

fn time_rows(lines: &[TimeLine]) -> Vec<Vec<Cell>> {
    lines
        .iter()
        .map(|l| {
            vec![
                Cell::text(l.label.clone()),
                Cell::int(l.cases),
                Cell::rate(l.median_hours),
                Cell::rate(l.p90_hours),
            ]
        })
        .collect()
}

const RATING_HEADERS: [&str; 9] = [
    "名称",
    "已办结",
    "已评价",
    "好评",
    "差评",
    "申诉成立",
    "好评率(%)",
    "差评率(%)",
    "未评价率(%)",
];

fn rating_rows(lines: &[StatLine]) -> Vec<Vec<Cell>> {
    let n = |v: u64| Cell::int(i64::try_from(v).unwrap_or(i64::MAX));
    lines
        .iter()
        .map(|l| {
            vec![
                Cell::text(l.label.clone()),
                n(l.counts.ended),
                n(l.counts.rated),
                n(l.counts.good),
                n(l.counts.bad),
                n(l.counts.voided),
                Cell::rate(l.good_rate),
                Cell::rate(l.bad_rate),
                Cell::rate(l.unrated_rate),
            ]
        })
        .collect()
}

/// Every table of the dashboard, in [`TABLES`] order.
pub fn tables(d: &Dashboard) -> Vec<Table> {
    let v = &d.volumes;
    let r = &d.ratings.statistics;
    let time_headers = vec!["名称", "办结件数", "中位数(工作小时)", "90%分位(工作小时)"];
    vec![
        Table {
            id: "volumes_item",
            title: "按事项统计办件量",
            headers: VOLUME_HEADERS.to_vec(),
            rows: volume_rows(&v.by_item),
        },
        Table {
            id: "volumes_department",
            title: "按部门统计办件量",
            headers: VOLUME_HEADERS.to_vec(),
            rows: volume_rows(&v.by_department),
        },
        Table {
            id: "volumes_channel",
            title: "按渠道统计办件量",
            headers: VOLUME_HEADERS.to_vec(),
            rows: volume_rows(&v.by_channel),
        },
        Table {
            id: "volumes_day",
            title: "每日办件量",
            headers: VOLUME_HEADERS.to_vec(),
            rows: volume_rows(&v.by_day),
        },
        Table {
            id: "times_stage",
            title: "各环节办理用时",
            headers: time_headers.clone(),
            rows: time_rows(&d.times.by_stage),
        },
        Table {
            id: "times_item",
            title: "各事项全程办理用时",
            headers: time_headers,
            rows: time_rows(&d.times.by_item),
        },
        Table {
            id: "overdue",
            title: "逾期任务（按人员、环节）",
            headers: vec!["人员", "环节", "逾期任务数"],
            rows: d
                .overdue
                .by_person
                .iter()
                .map(|l| {
                    vec![
                        Cell::text(l.name.clone()),
                        Cell::text(l.stage_label),
                        Cell::int(l.tasks),
                    ]
                })
                .collect(),
        },
        Table {
            id: "corrections_item",
            title: "各事项补正次数",
            headers: vec!["事项", "办件量", "补正次数"],
            rows: d
                .corrections
                .by_item
                .iter()
                .map(|l| {
                    vec![
                        Cell::text(l.label.clone()),
                        Cell::int(l.counters.submitted),
                        Cell::int(l.counters.corrections),
                    ]
                })
                .collect(),
        },
        Table {
            id: "corrections_material",
            title: "补正最多的材料",
            headers: vec!["事项", "材料", "问题", "次数"],
            rows: d
                .corrections
                .materials
                .iter()
                .map(|l| {
                    vec![
                        Cell::text(l.item_name.clone()),
                        Cell::text(l.material_name.clone()),
                        Cell::text(l.defect_label),
                        Cell::int(l.times),
                    ]
                })
                .collect(),
        },
        Table {
            id: "refusals",
            title: "不予受理、不予许可及理由",
            headers: vec!["事项", "类别", "理由", "件数"],
            rows: d
                .refusals
                .reasons
                .iter()
                .map(|l| {
                    vec![
                        Cell::text(l.item_name.clone()),
                        Cell::text(l.kind_label),
                        Cell::text(l.reason.clone()),
                        Cell::int(l.cases),
                    ]
                })
                .collect(),
        },
        Table {
            id: "ratings_item",
            title: "好差评（按事项）",
            headers: RATING_HEADERS.to_vec(),
            rows: rating_rows(&r.by_item),
        },
        Table {
            id: "ratings_department",
            title: "好差评（按部门）",
            headers: RATING_HEADERS.to_vec(),
            rows: rating_rows(&r.by_department),
        },
        Table {
            id: "ratings_staff",
            title: "好差评（按受理人员）",
            headers: RATING_HEADERS.to_vec(),
            rows: rating_rows(&r.by_staff),
        },
        Table {
            id: "ratings_channel",
            title: "好差评（按渠道）",
            headers: RATING_HEADERS.to_vec(),
            rows: rating_rows(&r.by_channel),
        },
        Table {
            id: "themes",
            title: "一件事一次办（按主题）",
            headers: THEME_HEADERS.to_vec(),
            rows: theme_rows(&d.themes.by_theme),
        },
        Table {
            id: "themes_channel",
            title: "一件事一次办（按渠道）",
            headers: THEME_HEADERS.to_vec(),
            rows: theme_rows(&d.themes.by_channel),
        },
        Table {
            id: "hall",
            title: "办事大厅排队（按分组）",
            headers: HALL_HEADERS.to_vec(),
            rows: hall_rows(&d.hall.by_group),
        },
        Table {
            id: "hall_source",
            title: "办事大厅排队（按取号方式）",
            headers: HALL_HEADERS.to_vec(),
            rows: hall_rows(&d.hall.by_source),
        },
        Table {
            id: "hall_bookings",
            title: "预约办事（按分组）",
            headers: BOOKING_HEADERS.to_vec(),
            rows: booking_rows(&d.hall.bookings_by_group),
        },
    ]
}

const HALL_HEADERS: [&str; 11] = [
    "名称",
    "取号",
    "叫号",
    "办结",
    "过号",
    "取消",
    "平均等候(分钟)",
    "等候中位数(分钟)",
    "等候90%分位(分钟)",
    "办理中位数(分钟)",
    "办理90%分位(分钟)",
];

fn hall_rows(lines: &[crate::analytics_hall::HallLine]) -> Vec<Vec<Cell>> {
    lines
        .iter()
        .map(|l| {
            vec![
                Cell::text(l.label.clone()),
                Cell::int(l.taken),
                Cell::int(l.called),
                Cell::int(l.served),
                Cell::int(l.no_show),
                Cell::int(l.cancelled),
                Cell::rate(l.mean_wait_minutes),
                Cell::rate(l.median_wait_minutes),
                Cell::rate(l.p90_wait_minutes),
                Cell::rate(l.median_handling_minutes),
                Cell::rate(l.p90_handling_minutes),
            ]
        })
        .collect()
}

const BOOKING_HEADERS: [&str; 7] = [
    "分组",
    "预约",
    "本人取消",
    "节假日调整取消",
    "已取号",
    "爽约",
    "预约履约率(%)",
];

fn booking_rows(lines: &[crate::analytics_hall::BookingLine]) -> Vec<Vec<Cell>> {
    lines
        .iter()
        .map(|l| {
            vec![
                Cell::text(l.label.clone()),
                Cell::int(l.made),
                Cell::int(l.cancelled),
                Cell::int(l.cancelled_by_bureau),
                Cell::int(l.kept),
                Cell::int(l.missed),
                Cell::rate(l.kept_rate),
            ]
        })
        .collect()
}

const THEME_HEADERS: [&str; 7] = [
    "名称",
    "申请",
    "办结",
    "全部出证",
    "部分获准",
    "终止或未获许可",
    "按时办结率(%)",
];

fn theme_rows(lines: &[crate::analytics_themes::ThemeLine]) -> Vec<Vec<Cell>> {
    lines
        .iter()
        .map(|l| {
            vec![
                Cell::text(l.label.clone()),
                Cell::int(l.submitted),
                Cell::int(l.finished),
                Cell::int(l.issued),
                Cell::int(l.partly),
                Cell::int(l.stopped),
                Cell::rate(l.on_time_rate),
            ]
        })
        .collect()
}

/// The headline figures of a dashboard, as (label, value) for cards and reports.
pub fn headline(d: &Dashboard) -> Vec<(&'static str, String)> {
    let t = &d.volumes.total;
    let c = &t.counters;
    let rate = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.1}%"));
    let minutes = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.1} 分钟"));
    let r = &d.ratings.statistics.total;
    vec![
        ("办件量", c.submitted.to_string()),
        ("办结", c.ended.to_string()),
        ("出证", c.issued.to_string()),
        ("即办件比例", rate(t.same_day_share)),
        ("秒批占比", rate(t.instant_share)),
        ("承诺时限办结率", rate(t.on_time_committed_rate)),
        ("法定时限办结率", rate(t.on_time_legal_rate)),
        ("补正次数", c.corrections.to_string()),
        ("不予受理", c.not_accepted.to_string()),
        ("不予许可", c.denied.to_string()),
        ("好评率", rate(r.good_rate)),
        ("差评率", rate(r.bad_rate)),
        ("未评价率", rate(r.unrated_rate)),
        ("逾期任务", d.overdue.total.to_string()),
        ("发证", d.licences.issued.to_string()),
        ("有效证照", d.licences.valid.to_string()),
        ("30日内到期", d.licences.expiring.to_string()),
        ("已吊销/撤销", d.licences.revoked.to_string()),
        ("主题申请", d.themes.total.submitted.to_string()),
        ("主题按时办结率", rate(d.themes.total.on_time_rate)),
        ("大厅取号", d.hall.total.taken.to_string()),
        ("平均等候", minutes(d.hall.total.mean_wait_minutes)),
        ("预约履约率", rate(d.hall.bookings.kept_rate)),
    ]
}

/// The table as CSV (RFC 4180, UTF-8 with a byte-order mark so that
/// spreadsheet programs read the Chinese), the period and filters first.
pub fn csv(table: &Table, scope_label: &str) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from('\u{feff}');
    out.push_str(&quote(table.title));
    out.push_str("\r\n");
    out.push_str(&quote(&format!("统计范围：{scope_label}")));
    out.push_str("\r\n");
    let headers: Vec<String> = table.headers.iter().map(|h| quote(h)).collect();
    out.push_str(&headers.join(","));
    out.push_str("\r\n");
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| quote(&c.text)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it_and_names_the_scope() {
        let t = Table {
            id: "refusals",
            title: "理由",
            headers: vec!["事项", "理由"],
            rows: vec![vec![Cell::text("A"), Cell::text("材料不全, 请\"补正\"")]],
        };
        let s = csv(&t, "2026-03-01 至 2026-03-31");
        assert!(s.starts_with('\u{feff}'));
        assert!(s.contains("统计范围：2026-03-01 至 2026-03-31\r\n"));
        assert!(s.ends_with("A,\"材料不全, 请\"\"补正\"\"\"\r\n"));
    }
}
