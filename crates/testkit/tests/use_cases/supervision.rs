//! The supervisor's commands: reassignment (with separation of duties) and
//! the green channel.

use super::*;

#[tokio::test]
async fn a_supervisor_reassigns_a_task_with_a_reason_to_someone_fit_for_it() {
    let t = TestApp::start().await;
    let id = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let supervisor = session(&t, "supervisor").await;
    let clerk = session(&t, "clerk").await;
    let (clerk_2, clerk_2_session) = staff(&t, "clerk2", vec![Role::Clerk]).await;
    assert!(matches!(
        t.app
            .reassign(&clerk, id, Some(clerk_2.id), "休假", 1)
            .await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(clerk_2.id), "  ", 1)
                .await
        ),
        DomainError::ReasonRequired("改派")
    );
    assert_eq!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(clerk_2.id), "休假", 0)
                .await
        ),
        DomainError::VersionConflict {
            given: 0,
            current: 1
        }
    );
    assert_eq!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(supervisor.user.id), "休假", 1)
                .await
        ),
        DomainError::SelfAssignment
    );
    let reviewer = session(&t, "reviewer").await;
    assert!(matches!(
        t.app
            .reassign(&supervisor, id, Some(reviewer.user.id), "休假", 1)
            .await,
        Err(AppError::AssigneeUnfit { .. })
    ));
    let v = t
        .app
        .reassign(&supervisor, id, Some(clerk_2.id), " 原承办人休假 ", 1)
        .await
        .unwrap();
    assert_eq!(v.case.version, 2);
    assert_eq!(v.case.status, CaseStatus::Intake);
    assert_eq!(v.task.as_ref().and_then(|t| t.assignee), Some(clerk_2.id));
    let last = v.events.last().unwrap();
    assert_eq!(last.action, "reassign");
    assert_eq!(last.opinion.as_deref(), Some("原承办人休假"));
    assert!(t.app.my_tasks(&clerk, None, 50).await.unwrap().is_empty());
    assert_eq!(
        domain(act(&t, &clerk, id, Action::Accept, None).await),
        DomainError::NotAssignee
    );
    act(&t, &clerk_2_session, id, Action::Accept, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn separation_of_duties_keeps_whoever_took_intake_off_the_review() {
    let t = TestApp::start().await;
    let (both, both_session) = staff(&t, "both", vec![Role::Clerk, Role::Reviewer]).await;
    let id = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let supervisor = session(&t, "supervisor").await;
    t.app
        .reassign(&supervisor, id, Some(both.id), "由综合窗口受理", 1)
        .await
        .unwrap();
    let v = act(&t, &both_session, id, Action::Accept, None)
        .await
        .unwrap();
    // Drawn among reviewers, the review never goes to whoever took intake.
    let reviewer = session(&t, "reviewer").await;
    assert_eq!(
        v.task.as_ref().and_then(|t| t.assignee),
        Some(reviewer.user.id)
    );
    assert!(matches!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(both.id), "人手不足", 3)
                .await
        ),
        DomainError::SeparationOfDuties(_)
    ));
    assert_eq!(
        domain(act(&t, &both_session, id, Action::Review, None).await),
        DomainError::NotAssignee
    );
}

#[tokio::test]
async fn the_green_channel_shortens_an_open_case_and_is_refused_on_a_closed_one() {
    let t = TestApp::start().await;
    let view = submit(&t, "jinjiang_books", FOOD, food_form()).await;
    let id = view.case.id;
    let committed = view.case.deadline.unwrap();
    let supervisor = session(&t, "supervisor").await;
    let clerk = session(&t, "clerk").await;
    assert!(matches!(
        t.app.set_priority(&clerk, id, true, "重点项目", 1).await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(
        domain(t.app.set_priority(&supervisor, id, true, "", 1).await),
        DomainError::ReasonRequired("设置绿色通道")
    );
    let v = t
        .app
        .set_priority(&supervisor, id, true, "区重点项目", 1)
        .await
        .unwrap();
    assert!(v.case.priority);
    assert!(v.case.deadline.unwrap() < committed, "three days, not five");
    assert_eq!(v.events.last().unwrap().action, "priority_on");
    let v = t
        .app
        .set_priority(&supervisor, id, false, "不再列为重点项目", 2)
        .await
        .unwrap();
    assert!(!v.case.priority);
    assert_eq!(v.case.deadline, Some(committed));
    act(&t, &clerk, id, Action::NotAccept, Some("材料不全"))
        .await
        .unwrap();
    assert_eq!(
        domain(
            t.app
                .set_priority(&supervisor, id, true, "重点项目", 4)
                .await
        ),
        DomainError::CaseClosed
    );
}

#[tokio::test]
async fn the_workload_board_counts_open_tasks_by_holder_and_stage() {
    let t = TestApp::start().await;
    let supervisor = session(&t, "supervisor").await;
    let clerk = session(&t, "clerk").await;
    let before = t.app.staff_board(&supervisor).await.unwrap();
    let of = |board: &[onestamp_app::supervision::StaffLoad], id: i64| {
        board.iter().find(|s| s.user.id == id).cloned().unwrap()
    };
    assert_eq!(of(&before, clerk.user.id).total(), 0);
    assert!(
        before
            .iter()
            .all(|s| s.user.roles.iter().any(|r| r.handles_cases())),
        "only handling staff are on the board"
    );
    submit(&t, "zhangsan", BOOKS, books_form()).await;
    submit(&t, "lisi", BOOKS, books_form()).await;
    let after = t.app.staff_board(&supervisor).await.unwrap();
    let clerk_load = of(&after, clerk.user.id);
    assert_eq!(clerk_load.at(Stage::Intake), 2);
    assert_eq!(clerk_load.at(Stage::Review), 0);
    assert_eq!(clerk_load.total(), 2);
    let admin = session(&t, "admin").await;
    assert!(t.app.staff_board(&admin).await.is_ok());
    assert!(matches!(
        t.app.staff_board(&clerk).await,
        Err(AppError::Forbidden(_))
    ));
}
