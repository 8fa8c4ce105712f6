//! The store conformance suite: one set of tests, each a function of an
//! `Arc<dyn Store>`, run against every backend (see `common` for how each is
//! set up). A behaviour the app relies on belongs here, not in one backend's
//! tests, so that SQLite and PostgreSQL cannot drift apart.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test steps and setup live outside #[test] functions; a failed step stops the test"
)]

mod common;
mod suite;

/// Generates, for every test function, one `#[tokio::test]` per backend:
/// `sqlite::<name>` and `postgres::<name>`. Functions listed after `raw:` also
/// take direct SQL access to the database.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)? ; raw: $($raw:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::common::on_sqlite(|store, _| crate::suite::$name(store)).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $raw() {
                    crate::common::on_sqlite(crate::suite::$raw).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::common::on_postgres(|store, _| crate::suite::$name(store)).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $raw() {
                    crate::common::on_postgres(crate::suite::$raw).await;
                }
            )*
        }
    };
}

on_every_backend!(
    users_are_upserted_by_name_with_their_roles,
    applicants_are_found_by_identity_with_their_mobile,
    a_self_registration_refuses_a_taken_name_or_identity_and_writes_nothing,
    tokens_find_their_user_until_they_expire_or_are_revoked,
    staff_of_role_counts_the_open_tasks_of_active_staff_of_a_role,
    an_import_versions_only_the_items_that_changed,
    themes_keep_the_order_of_the_latest_import,
    case_numbers_count_up_per_day_prefix,
    concurrent_submissions_get_distinct_numbers,
    a_case_and_its_events_read_back_as_stored,
    a_commit_updates_the_case_and_appends_its_event_and_audit,
    a_stale_commit_conflicts_and_writes_nothing,
    case_lists_filter_and_page_newest_first,
    tasks_come_priority_first_then_earliest_deadline,
    the_audit_chain_verifies_after_many_writes,
    concurrent_commits_keep_one_unbroken_chain,
    concurrent_changes_that_fail_leave_no_trace_beside_those_that_succeed,
    overdue_alerts_are_raised_exactly_once_even_when_calls_race,
    late_tasks_come_priority_first_then_earliest_deadline,
    tasks_filter_by_item_stage_and_light,
    staff_profiles_are_stored_and_listed_with_load,
    login_failures_lock_within_the_window_and_reset_after_it,
    samples_hold_their_cases_and_findings,
    licence_serials_count_up_per_type_and_year,
    licences_are_stored_with_their_case_and_listed_by_filters,
    expiring_licences_are_reminded_once_and_reports_raise_alerts,
    materials_are_saved_once_per_owner_and_hash,
    instant_decisions_switch_off_and_on_per_item,
    imported_cases_get_ids_in_order_events_and_one_audit_entry,
    cases_are_found_by_identity_and_by_date_range_in_keyset_pages,
    ops_counts_follow_cases_tasks_alerts_and_reminders,
    documents_are_written_with_their_case_and_read_back_in_order,
    notification_prefs_switch_pairs_off_and_set_contacts,
    feed_records_are_written_with_their_change_and_claimed_once,
    unclaimed_records_past_their_deadline_are_alerted_exactly_once,
    tickets_are_numbered_per_group_and_day_and_step_once,
    a_slot_is_never_overbooked_however_bookings_race,
    bookings_write_their_messages_once_and_give_one_ticket,
    a_counter_case_and_its_tickets_end_commit_together,
    analytics_rows_follow_their_changes_and_sum_by_period_and_item,
    hall_steps_count_in_the_figures_once_with_the_step,
    licence_counts_read_valid_expiring_and_revoked,
    kiosk_codes_are_used_once_and_sessions_end_when_idle,
    ; raw:
    the_audit_log_and_case_events_refuse_update_and_delete,
    tasks_without_a_recorded_start_are_still_alerted,
    ratings_are_kept_once_and_rectifications_step_once,
    deliveries_are_fanned_out_once_claimed_by_one_worker_and_recorded_under_its_lease,
);

#[test]
fn both_backends_migrate_to_the_same_version() {
    let versions = |m: sqlx::migrate::Migrator| -> Vec<i64> {
        m.iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| m.version)
            .collect()
    };
    let sqlite = versions(sqlx::migrate!("./migrations/sqlite"));
    let postgres = versions(sqlx::migrate!("./migrations/postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "every migration needs its twin in the other backend's directory, with the same version"
    );
}
