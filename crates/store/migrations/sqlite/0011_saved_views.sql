-- A member of staff's saved workbench views (常用视图): a name and the task
-- filter it stands for (stage, item, light), as JSON.
CREATE TABLE saved_views (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    name       TEXT   NOT NULL,
    filter     TEXT   NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, name)
);
