//! Demo items and valid application forms the tests share.

use serde_json::json;

/// 食品经营许可（新办）: intake, review, inspection (clock stops), approval, production, issuance.
pub const FOOD: &str = "510107-SCJG-004";
/// 出版物零售单位设立: intake, review, approval, production, issuance.
pub const BOOKS: &str = "510107-WGLT-001";
/// 个体工商户设立登记: intake, approval, production, issuance.
pub const SOLE_TRADER: &str = "510107-SCJG-002";
/// 个体工商户名称变更登记, an instant item (秒批).
pub const NAME_CHANGE: &str = "510107-SCJG-003";

pub fn food_form() -> serde_json::Value {
    json!({
        "entity_name": "成都锦江书香文化有限公司",
        "credit_code": "91510107MA6C11110G",
        "legal_rep_name": "王书香",
        "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号",
        "business_type": "餐饮服务经营者",
        "food_items": "自制饮品制售、预包装食品销售",
        "area": 85.0
    })
}

pub fn books_form() -> serde_json::Value {
    json!({
        "entity_name": "成都锦江书香文化有限公司", "credit_code": "91510107MA6C11110G",
        "legal_rep_name": "王书香", "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号", "publication_scope": "图书", "area": 120.0
    })
}

pub fn sole_trader_form() -> serde_json::Value {
    json!({
        "operator_name": "张三", "operator_id": "510107199003071236", "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号", "organisation_form": "个人经营",
        "staff_count": 2.0, "business_scope": "小吃服务"
    })
}

pub fn name_change_form() -> serde_json::Value {
    json!({
        "credit_code": "92510107MA6C8R5D17",
        "old_name": "武侯区玉林小面馆",
        "new_name": "武侯区玉林老街面馆",
        "operator_id": "510107199003071236",
        "mobile": "13800281234"
    })
}

/// A whole 1×1 PNG image, for uploads.
pub fn tiny_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}
