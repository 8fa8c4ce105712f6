//! Self-service kiosks: devices found by their token hash, codes counted for
//! the sending limits, a wrong try counted only while the code lives, a code
//! used once however two nodes race, sessions touched until idle or ended,
//! and the simulated SMS outbox read back newest first.

use std::sync::Arc;

use chrono::Duration;

use onestamp_app::Store;
use onestamp_app::store::NewKioskCode;
use onestamp_domain::kiosk::{MAX_TRIES, code_hash};
use onestamp_domain::role::Role;

use crate::common::{at, fact, user};

const ID: &str = "510107199003071236";

fn code(kiosk_id: i64, user_id: i64, minute: i64, code: &str) -> NewKioskCode {
    NewKioskCode {
        kiosk_id,
        identity: ID.into(),
        user_id: Some(user_id),
        code_hash: code_hash(ID, code),
        at: at(minute),
        expires_at: at(minute + 5),
    }
}

pub async fn kiosk_codes_are_used_once_and_sessions_end_when_idle(store: Arc<dyn Store>) {
    let applicant = user(&store, "kiosk_user", &[Role::Applicant]).await;
    let kiosk = store
        .create_kiosk(
            "自助终端01",
            "政务服务中心一楼",
            "hash-1",
            at(0),
            fact("kiosk.register", ""),
        )
        .await
        .unwrap();
    assert!(kiosk.enabled);
    assert_eq!(store.kiosks().await.unwrap(), vec![kiosk.clone()]);
    assert_eq!(
        store.kiosk_by_token("hash-1").await.unwrap(),
        Some(kiosk.clone())
    );
    assert_eq!(store.kiosk_by_token("hash-2").await.unwrap(), None);
    assert!(
        store
            .create_kiosk("x", "y", "hash-1", at(0), fact("kiosk.register", ""))
            .await
            .is_err(),
        "a token hash names one kiosk"
    );

    // Codes: counted for the limits; a new one uses up the old.
    let first = store
        .store_kiosk_code(
            code(kiosk.id, applicant.id, 1, "111111"),
            fact("kiosk.code", ID),
        )
        .await
        .unwrap();
    let second = store
        .store_kiosk_code(
            code(kiosk.id, applicant.id, 2, "222222"),
            fact("kiosk.code", ID),
        )
        .await
        .unwrap();
    let sent = store.kiosk_codes_sent(kiosk.id, ID, at(0)).await.unwrap();
    assert_eq!(
        (sent.by_identity, sent.by_kiosk, sent.last_for_identity),
        (2, 2, Some(at(2)))
    );
    assert_eq!(
        store
            .kiosk_codes_sent(kiosk.id, ID, at(3))
            .await
            .unwrap()
            .by_identity,
        0
    );
    assert_eq!(
        store.fail_kiosk_code(first, MAX_TRIES).await.unwrap(),
        None,
        "the old code is used up"
    );
    let latest = store
        .latest_kiosk_code(kiosk.id, ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((latest.id, latest.tries, latest.used), (second, 0, false));

    // Wrong tries stop at the most.
    for n in 1..=MAX_TRIES {
        assert_eq!(
            store.fail_kiosk_code(second, MAX_TRIES).await.unwrap(),
            Some(n)
        );
    }
    assert_eq!(
        store.fail_kiosk_code(second, MAX_TRIES).await.unwrap(),
        None
    );
    assert!(
        !store
            .redeem_kiosk_code(
                second,
                MAX_TRIES,
                "s-0",
                applicant.id,
                at(3),
                fact("kiosk.signin", ID)
            )
            .await
            .unwrap(),
        "a used-up code signs nobody in"
    );

    // Two nodes redeeming the same code at once: one session.
    let third = store
        .store_kiosk_code(
            code(kiosk.id, applicant.id, 4, "333333"),
            fact("kiosk.code", ID),
        )
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        store.redeem_kiosk_code(
            third,
            MAX_TRIES,
            "s-a",
            applicant.id,
            at(5),
            fact("kiosk.signin", ID)
        ),
        store.redeem_kiosk_code(
            third,
            MAX_TRIES,
            "s-b",
            applicant.id,
            at(5),
            fact("kiosk.signin", ID)
        ),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a ^ b, "exactly one redemption wins: {a} {b}");
    let token = if a { "s-a" } else { "s-b" };
    let session = store.kiosk_session(token).await.unwrap().unwrap();
    assert_eq!(
        (session.kiosk_id, session.user_id, session.ended),
        (kiosk.id, applicant.id, false)
    );

    // Touched while in use; not after being idle; ended once.
    assert!(
        store
            .touch_kiosk_session(token, at(6), at(5) - Duration::minutes(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .touch_kiosk_session(token, at(20), at(18))
            .await
            .unwrap(),
        "idle since minute 6"
    );
    assert!(
        store
            .end_kiosk_session(token, at(20), fact("kiosk.signout", ID))
            .await
            .unwrap()
    );
    assert!(
        !store
            .end_kiosk_session(token, at(21), fact("kiosk.signout", ID))
            .await
            .unwrap()
    );
    assert!(store.kiosk_session(token).await.unwrap().unwrap().ended);

    // Disabling a kiosk ends its sessions.
    let fourth = store
        .store_kiosk_code(
            code(kiosk.id, applicant.id, 30, "444444"),
            fact("kiosk.code", ID),
        )
        .await
        .unwrap();
    assert!(
        store
            .redeem_kiosk_code(
                fourth,
                MAX_TRIES,
                "s-c",
                applicant.id,
                at(31),
                fact("kiosk.signin", ID)
            )
            .await
            .unwrap()
    );
    let off = store
        .set_kiosk_enabled(kiosk.id, false, at(32), fact("kiosk.disable", "kiosk:1"))
        .await
        .unwrap()
        .unwrap();
    assert!(!off.enabled);
    assert!(store.kiosk_session("s-c").await.unwrap().unwrap().ended);
    assert_eq!(
        store
            .set_kiosk_enabled(9999, true, at(32), fact("kiosk.enable", "kiosk:9999"))
            .await
            .unwrap(),
        None
    );
    store
        .record_kiosk_action(fact("kiosk.print", "L-1"))
        .await
        .unwrap();

    // The SMS outbox.
    store
        .send_sms("13800281234", "验证码 111111", at(1))
        .await
        .unwrap();
    store
        .send_sms("13800281234", "验证码 222222", at(2))
        .await
        .unwrap();
    store
        .send_sms("13900000000", "别人的", at(2))
        .await
        .unwrap();
    let texts: Vec<String> = store
        .sms_to("13800281234", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert_eq!(texts, ["验证码 222222", "验证码 111111"]);
    crate::suite::assert_unbroken(&crate::suite::audit_log(&store, 50).await);
}
