//! The one SQL path of both backends.
//!
//! Every query of the store is written once, in the SQL both PostgreSQL and
//! SQLite accept (`$n` parameters, `RETURNING`, `ON CONFLICT`, `NULLS LAST`,
//! `TRUE`/`FALSE`, `string_agg`), and runs through sqlx's `Any` driver. The few
//! real differences are [`Dialect`] methods. What each backend keeps of its own
//! — connection setup, how writes reach the disk, when the audit chain is linked
//! — lives in `sqlite.rs` and `postgres.rs` behind [`Writer`].

use std::future::Future;
use std::pin::Pin;

use sqlx::any::{AnyArguments, AnyRow, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::{Any, AnyConnection, AnyPool, Arguments, Decode, Encode, FromRow, Type};

use onestamp_app::store::StoreError;

/// The store's own error inside the crate: lets `?` lift both sqlx errors and
/// store errors, and becomes a [`StoreError`] at the trait boundary.
#[derive(Debug)]
pub(crate) struct Fault(pub StoreError);

impl From<sqlx::Error> for Fault {
    fn from(e: sqlx::Error) -> Fault {
        if let Some(db) = e.as_database_error()
            && db.is_unique_violation()
        {
            let what = db
                .constraint()
                .map_or_else(|| db.message().to_string(), str::to_string);
            return Fault(StoreError::Duplicate(what));
        }
        Fault(StoreError::Database(Box::new(e)))
    }
}

impl From<StoreError> for Fault {
    fn from(e: StoreError) -> Fault {
        Fault(e)
    }
}

impl From<Fault> for StoreError {
    fn from(f: Fault) -> StoreError {
        f.0
    }
}

pub(crate) type R<T> = Result<T, Fault>;

/// The stored data is not what the schema promises.
pub(crate) fn corrupt(what: impl Into<String>) -> Fault {
    Fault(StoreError::Corrupt(what.into()))
}

/// The few places where the two SQL dialects differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The dialect of a connection.
    pub fn of(conn: &AnyConnection) -> Dialect {
        match conn.backend_name() {
            "PostgreSQL" => Dialect::Postgres,
            _ => Dialect::Sqlite,
        }
    }

    /// Appended to a `SELECT` that claims rows: other processes skip them
    /// instead of waiting (SQLite has one writer, so nothing to skip).
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// An SQL expression for a fresh random key.
    pub fn random_key(self) -> &'static str {
        match self {
            Dialect::Sqlite => "lower(hex(randomblob(16)))",
            Dialect::Postgres => "gen_random_uuid()::text",
        }
    }

    /// An SQL expression: the position of `needle` in `haystack`, 0 when absent.
    pub fn position(self, haystack: &str, needle: &str) -> String {
        match self {
            Dialect::Sqlite => format!("instr({haystack}, {needle})"),
            Dialect::Postgres => format!("strpos({haystack}, {needle})"),
        }
    }

    /// The statement that makes a read transaction one consistent snapshot.
    /// (A SQLite read transaction is one from its first read on.)
    pub fn snapshot(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
        }
    }
}

/// A query put together at run time: text with a placeholder per bound value
/// (see [`Sql::query`]), or hand-written `$n` ones given with [`Sql::arg`].
pub(crate) struct Sql {
    text: String,
    args: AnyArguments,
    bound: usize,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Sql {
        Sql {
            text: text.into(),
            args: AnyArguments::default(),
            bound: 0,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind<'q, T>(&mut self, value: T) -> &mut Sql
    where
        T: Encode<'q, Any> + Type<Any> + 'q,
    {
        self.bound += 1;
        self.text.push('?');
        // Encoding into Any only copies the value: it cannot fail.
        let _ = self.args.add(value);
        self
    }

    /// Adds the argument of a placeholder already in the text.
    pub fn arg<'q, T>(mut self, value: T) -> Sql
    where
        T: Encode<'q, Any> + Type<Any> + 'q,
    {
        self.bound += 1;
        let _ = self.args.add(value);
        self
    }

    /// Binds `value` and appends the expression `expr` makes of its placeholder.
    pub fn bind_with<'q, T>(&mut self, value: T, expr: impl FnOnce(&str) -> String) -> &mut Sql
    where
        T: Encode<'q, Any> + Type<Any> + 'q,
    {
        self.bound += 1;
        let text = expr("?");
        self.text.push_str(&text);
        let _ = self.args.add(value);
        self
    }

    /// Appends `($a, $b, …), (…)`: one group of placeholders per row.
    pub fn values<T>(&mut self, rows: &[T], mut row: impl FnMut(&mut Row<'_>, &T)) -> &mut Sql {
        for (i, r) in rows.iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            let mut cols = Row {
                sql: self,
                first: true,
            };
            row(&mut cols, r);
            self.push(")");
        }
        self
    }

    /// The query for `dialect`. Bound values are written as `?` and numbered
    /// `$1, $2, …` for PostgreSQL only: SQLite looks a named parameter up by a
    /// linear search on every bind, which makes a 30,000-row `VALUES` quadratic,
    /// while its anonymous `?` are bound in order at no cost.
    fn query(self, dialect: Dialect) -> sqlx::query::Query<'static, Any, AnyArguments> {
        let text = match dialect {
            Dialect::Sqlite => self.text,
            Dialect::Postgres => {
                let mut numbered = String::with_capacity(self.text.len() + self.bound * 4);
                let mut n = 0;
                for ch in self.text.chars() {
                    if ch == '?' {
                        n += 1;
                        numbered.push('$');
                        numbered.push_str(&n.to_string());
                    } else {
                        numbered.push(ch);
                    }
                }
                numbered
            }
        };
        sqlx::query_with(sqlx::AssertSqlSafe(text), self.args)
    }

    pub async fn execute(self, conn: &mut AnyConnection) -> R<u64> {
        let dialect = Dialect::of(conn);
        Ok(self.query(dialect).execute(conn).await?.rows_affected())
    }

    /// Runs the query on `conn` (inside a write transaction).
    pub async fn fetch_all_in<T>(self, conn: &mut AnyConnection) -> R<Vec<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let dialect = Dialect::of(conn);
        let rows = self.query(dialect).fetch_all(conn).await?;
        rows.iter().map(|r| Ok(T::from_row(r)?)).collect()
    }

    pub async fn fetch_all<T>(self, db: &Db) -> R<Vec<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let rows = self.query(db.dialect).fetch_all(&db.read).await?;
        rows.iter().map(|r| Ok(T::from_row(r)?)).collect()
    }
}

/// The placeholders of one row of a multi-row `VALUES`.
pub(crate) struct Row<'s> {
    sql: &'s mut Sql,
    first: bool,
}

impl Row<'_> {
    pub fn bind<'q, T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'q, Any> + Type<Any> + 'q,
    {
        if !self.first {
            self.sql.push(", ");
        }
        self.first = false;
        self.sql.bind(value);
        self
    }
}

/// A stored boolean: PostgreSQL's `BOOLEAN` or SQLite's 0/1 `INTEGER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        matches!(ty.kind(), AnyTypeInfoKind::Bool) || ty.kind().is_integer()
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Flag, sqlx::error::BoxDynError> {
        match <bool as Decode<Any>>::decode(value.clone()) {
            Ok(b) => Ok(Flag(b)),
            Err(_) => Ok(Flag(<i64 as Decode<Any>>::decode(value)? != 0)),
        }
    }
}

/// Work to run inside a write transaction, giving back `T`.
pub(crate) type Work<T> = Box<
    dyn for<'c> FnOnce(&'c mut AnyConnection) -> Pin<Box<dyn Future<Output = R<T>> + Send + 'c>>
        + Send,
>;

/// Wraps `f` as [`Work`]: `work(move |c| Box::pin(async move { … }))`.
pub(crate) fn work<T, F>(f: F) -> Work<T>
where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> Pin<Box<dyn Future<Output = R<T>> + Send + 'c>>
        + Send
        + 'static,
{
    Box::new(f)
}

/// How a backend runs write transactions: SQLite queues them at its one writer
/// and commits them in groups; PostgreSQL gives each its own transaction.
pub(crate) enum Writer {
    Sqlite(crate::sqlite::GroupCommit),
    Postgres(crate::postgres::Sequencer),
}

/// The connections of a store and its dialect.
pub(crate) struct Db {
    pub dialect: Dialect,
    /// Reads that need no write lock.
    pub read: AnyPool,
    pub writer: Writer,
    /// Tokens recently looked up (see `users.rs`).
    pub tokens: crate::users::TokenMemory,
}

impl Db {
    /// Runs one statement as a write transaction of its own.
    pub async fn execute(&self, sql: Sql) -> R<u64> {
        self.write(work(move |c| Box::pin(sql.execute(c)))).await
    }

    /// Runs `work` in a write transaction with its audit facts; answers once it
    /// is committed and on disk.
    pub async fn write<T: Send + 'static>(&self, work: Work<T>) -> R<T> {
        match &self.writer {
            Writer::Sqlite(group) => group.submit(work).await,
            Writer::Postgres(seq) => seq.write(work).await,
        }
    }
}
