//! The queries behind expressions written in the client: what the server is (its platform,
//! encoding, keywords and built-in operators), and the server's text of the expressions the
//! client cannot write.

/// What writing names and expressions as this server does takes, in one row: its platform
/// and encoding (whether its node trees can be read in the client), the words `quote_ident`
/// quotes (all but the unreserved keywords), and its built-in operators (id, name, kind,
/// left and right type), whose names node trees are written with.
pub(crate) const SERVER: &str = "SELECT pg_catalog.version(), \
            pg_catalog.current_setting('server_encoding'), \
            ARRAY(SELECT k.word::text FROM pg_catalog.pg_get_keywords() k WHERE k.catcode <> 'U'), \
            o.ids, o.names, o.kinds, o.lefts, o.rights \
     FROM (SELECT pg_catalog.array_agg(oid::int8 ORDER BY oid) AS ids, \
                  pg_catalog.array_agg(oprname::text ORDER BY oid) AS names, \
                  pg_catalog.array_agg(oprkind::text ORDER BY oid) AS kinds, \
                  pg_catalog.array_agg(oprleft::int8 ORDER BY oid) AS lefts, \
                  pg_catalog.array_agg(oprright::int8 ORDER BY oid) AS rights \
             FROM pg_catalog.pg_operator \
            WHERE oprnamespace = 'pg_catalog'::pg_catalog.regnamespace) o";

/// What the client could not write of the expressions read as node trees: check constraints
/// `$1`, index predicates `$2`, column defaults `$3` (by `pg_attrdef` id), each answer named
/// `c`, `i` or `d`.
pub(crate) const EXPRESSIONS_BY_SERVER: &str =
    "SELECT 'c'::text, con.oid::int8, pg_catalog.pg_get_expr(con.conbin, con.conrelid) \
     FROM pg_catalog.pg_constraint con WHERE con.oid = ANY($1::pg_catalog.int8[]::pg_catalog.oid[]) \
     UNION ALL \
     SELECT 'i'::text, i.indexrelid::int8, pg_catalog.pg_get_expr(i.indpred, i.indrelid) \
     FROM pg_catalog.pg_index i WHERE i.indexrelid = ANY($2::pg_catalog.int8[]::pg_catalog.oid[]) \
     UNION ALL \
     SELECT 'd'::text, ad.oid::int8, \
            pg_catalog.pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0::pg_catalog.oid \
                                                  ELSE ad.adrelid END) \
     FROM pg_catalog.pg_attrdef ad \
     JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
     WHERE ad.oid = ANY($3::pg_catalog.int8[]::pg_catalog.oid[])";
