//! The PostgreSQL the sync tests write to (`CONVERSATIONS_TEST_PG`, else the local server's
//! `test` database), and one-shot queries against it.

/// The server's URL.
pub(crate) fn pg_url() -> String {
    std::env::var("CONVERSATIONS_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A client on a runtime of its own; a clear panic when the server is not there.
pub(crate) fn pg_client() -> (tokio::runtime::Runtime, tokio_postgres::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {} ({e}): start it (.ci/run does) or set \
                     CONVERSATIONS_TEST_PG",
                    pg_url()
                )
            });
        tokio::spawn(conn);
        client
    });
    (rt, client)
}

/// Runs `sql` (one or more statements).
pub(crate) fn pg(sql: &str) {
    let (rt, client) = pg_client();
    rt.block_on(client.batch_execute(sql)).unwrap();
}

/// The first column of every row `sql` returns, as text.
pub(crate) fn pg_rows(sql: &str) -> Vec<String> {
    let (rt, client) = pg_client();
    rt.block_on(client.query(sql, &[]))
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}
