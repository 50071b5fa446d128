//! The fetch suite: 1,000 rows with relations, next to one hand-written JOIN and to N+1
//! queries.

use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::*;
use crate::diff::quote::ident;
use crate::engine::data::catalog::Catalog;
use crate::engine::data::error::Result;
use crate::engine::data::fetch::{FetchPlan, FetchRequest};

pub(super) async fn fetch_suite(conn: &mut PgConnection, scratch: &str) -> Result<Vec<Figure>> {
    let s = ident(scratch);
    conn.execute(
        format!(
            "CREATE TABLE {s}.authors (id int PRIMARY KEY, name text NOT NULL, email text);
             CREATE TABLE {s}.posts (id int PRIMARY KEY, author_id int REFERENCES {s}.authors,
                 title text NOT NULL, body text, created_at timestamptz NOT NULL DEFAULT now());
             CREATE TABLE {s}.comments (id int PRIMARY KEY, post_id int NOT NULL REFERENCES {s}.posts,
                 body text);
             CREATE INDEX ON {s}.comments (post_id);
             INSERT INTO {s}.authors SELECT g, 'author ' || g, 'a' || g || '@example.com'
                 FROM generate_series(1, 100) g;
             INSERT INTO {s}.posts SELECT g, 1 + g % 100, 'post ' || g, repeat('text ', 20), now()
                 FROM generate_series(1, 1000) g;
             INSERT INTO {s}.comments SELECT g, 1 + g % 1000, 'comment ' || g
                 FROM generate_series(1, 3000) g;
             ANALYZE {s}.authors; ANALYZE {s}.posts; ANALYZE {s}.comments;"
        )
        .as_str(),
    )
    .await
    .map_err(q)?;
    let catalog = Catalog::load(conn).await?;
    let plan = |with: &[&str]| {
        FetchPlan::new(
            &catalog,
            &FetchRequest {
                table: format!("{scratch}.posts"),
                with: with.iter().map(|w| w.to_string()).collect(),
                limit: Some(1000),
                ..FetchRequest::default()
            },
        )
    };
    let many_to_one = plan(&["author"])?;
    let both = plan(&["author", "comments"])?;
    let (many_to_one_layout, both_layout) = (many_to_one.layout(), both.layout());
    const RUNS: usize = 21;

    let join_sql = format!(
        "SELECT p.id, p.author_id, p.title, p.body, p.created_at::text, a.id, a.name, a.email \
         FROM {s}.posts p LEFT JOIN {s}.authors a ON a.id = p.author_id ORDER BY p.id LIMIT 1000"
    );
    let (ours_join, hand_join) = paired(
        conn,
        RUNS,
        async |conn: &mut PgConnection| {
            let rows = many_to_one.run(conn).await?;
            let mut out = String::new();
            many_to_one_layout.write_json(&rows, false, &mut out);
            Ok(())
        },
        async |conn: &mut PgConnection| {
            let rows = sqlx::query(&join_sql)
                .fetch_all(&mut *conn)
                .await
                .map_err(q)?;
            for row in &rows {
                let _: (i32, Option<i32>, String, Option<String>, String) =
                    (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
                let _: (Option<i32>, Option<String>, Option<String>) =
                    (row.get(5), row.get(6), row.get(7));
            }
            Ok(())
        },
    )
    .await?;
    let posts_sql = format!(
        "SELECT id, author_id, title, body, created_at::text FROM {s}.posts ORDER BY id LIMIT 1000"
    );
    let author_sql = format!("SELECT id, name, email FROM {s}.authors WHERE id = $1");
    let comments_sql =
        format!("SELECT id, post_id, body FROM {s}.comments WHERE post_id = $1 ORDER BY id");
    let (ours_both, n_plus_one) = paired(
        conn,
        3,
        async |conn: &mut PgConnection| {
            let rows = both.run(conn).await?;
            let mut out = String::new();
            both_layout.write_json(&rows, false, &mut out);
            Ok(())
        },
        async |conn: &mut PgConnection| {
            let posts = sqlx::query(&posts_sql)
                .fetch_all(&mut *conn)
                .await
                .map_err(q)?;
            for post in &posts {
                let id: i32 = post.get(0);
                let author: Option<i32> = post.get(1);
                if let Some(author) = author {
                    sqlx::query(&author_sql)
                        .bind(author)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(q)?;
                }
                sqlx::query(&comments_sql)
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(q)?;
            }
            Ok(())
        },
    )
    .await?;
    Ok(vec![
        figure(
            Suite::Fetch,
            "1,000 posts with their author (JSON)",
            ours_join,
            "ms",
            "one hand-written JOIN",
            hand_join,
        ),
        figure(
            Suite::Fetch,
            "1,000 posts with author and comments (JSON)",
            ours_both,
            "ms",
            "N+1 queries (2,001 statements)",
            n_plus_one,
        ),
    ])
}
