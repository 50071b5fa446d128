//! The catalog queries of foreign data: wrappers, servers, user mappings and foreign tables
//! (rows as [`definition_queries`](super::definition_queries) describes them).

/// Foreign-data wrappers (those of extensions are left out); they belong to the database.
pub(crate) const FOREIGN_DATA_WRAPPERS: &str = "SELECT 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass::oid::int8, w.oid::int8, NULL::text, \
     pg_catalog.quote_ident(w.fdwname), \
     ARRAY['CREATE FOREIGN DATA WRAPPER ' || pg_catalog.quote_ident(w.fdwname) \
     || CASE WHEN w.fdwhandler <> 0 THEN ' HANDLER ' || w.fdwhandler::pg_catalog.regproc::text ELSE ' NO HANDLER' END \
     || CASE WHEN w.fdwvalidator <> 0 THEN ' VALIDATOR ' || w.fdwvalidator::pg_catalog.regproc::text ELSE ' NO VALIDATOR' END \
     || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value), ', ' ORDER BY o.option_name) FROM pg_catalog.pg_options_to_table(w.fdwoptions) o) || ')', '')], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_foreign_data_wrapper w WHERE $1::text[] IS NULL ";

/// Foreign servers, which belong to the database.
pub(crate) const SERVERS: &str = "SELECT 'pg_catalog.pg_foreign_server'::pg_catalog.regclass::oid::int8, s.oid::int8, NULL::text, \
     pg_catalog.quote_ident(s.srvname), \
     ARRAY['CREATE SERVER ' || pg_catalog.quote_ident(s.srvname) \
     || COALESCE(' TYPE ' || pg_catalog.quote_literal(s.srvtype), '') \
     || COALESCE(' VERSION ' || pg_catalog.quote_literal(s.srvversion), '') \
     || ' FOREIGN DATA WRAPPER ' || pg_catalog.quote_ident(w.fdwname) \
     || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value), ', ' ORDER BY o.option_name) FROM pg_catalog.pg_options_to_table(s.srvoptions) o) || ')', '')], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE $1::text[] IS NULL ";

/// User mappings, with every option whose name speaks of a secret (`password`, `token`, `key`)
/// written as [`SECRET_PLACEHOLDER`](crate::diff::model::SECRET_PLACEHOLDER): plans never print
/// a password, and one that creates such a mapping says so in a hazard.
pub(crate) const USER_MAPPINGS: &str = "SELECT 'pg_catalog.pg_user_mapping'::pg_catalog.regclass::oid::int8, m.umid::int8, NULL::text, \
     'FOR ' || CASE WHEN m.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(m.usename) END || ' SERVER ' || pg_catalog.quote_ident(m.srvname), \
     ARRAY['CREATE USER MAPPING FOR ' || CASE WHEN m.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(m.usename) END \
     || ' SERVER ' || pg_catalog.quote_ident(m.srvname) \
     || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' \
     || CASE WHEN o.option_name ~* '(password|secret|token|key)' THEN '''<secret>''' ELSE pg_catalog.quote_literal(o.option_value) END, \
     ', ' ORDER BY o.option_name) FROM pg_catalog.pg_options_to_table(m.umoptions) o) || ')', '')], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_user_mappings m WHERE $1::text[] IS NULL ";

/// Foreign tables, with their columns' types, options, collations, NOT NULL and defaults; a
/// foreign table that is a partition as `PARTITION OF` its parent (whose columns it has), its
/// column options set after it, and the parent as the table it belongs to (dropped with it).
pub(crate) const FOREIGN_TABLES: &str = concat!(
    "SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid::int8, c.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), \
     CASE WHEN c.relispartition THEN \
     ARRAY['CREATE FOREIGN TABLE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) \
     || ' PARTITION OF ' || pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.relname) \
     || ' ' || pg_catalog.pg_get_expr(c.relpartbound, c.oid) || ' SERVER ' || pg_catalog.quote_ident(s.srvname) \
     || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value), ', ' ORDER BY o.option_name) FROM pg_catalog.pg_options_to_table(ft.ftoptions) o) || ')', '')] \
     || ARRAY(SELECT 'ALTER FOREIGN TABLE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) \
     || ' ALTER COLUMN ' || pg_catalog.quote_ident(a.attname) || ' OPTIONS (' \
     || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value), ', ' ORDER BY o.option_name) FROM pg_catalog.pg_options_to_table(a.attfdwoptions) o) || ')' \
     FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attfdwoptions IS NOT NULL ORDER BY a.attnum) \
     ELSE \
     ARRAY['CREATE FOREIGN TABLE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) || ' (' \
     || COALESCE((SELECT pg_catalog.string_agg(E'\\n    ' || pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) \
     || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value), ', ' ORDER BY o.option_name) FROM pg_catalog.pg_options_to_table(a.attfdwoptions) o) || ')', '') \
     || CASE WHEN a.attcollation <> t.typcollation THEN ' COLLATE ' || (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) ELSE '' END \
     || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END \
     || COALESCE(' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), ''), \
     ',' ORDER BY a.attnum) \
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
     LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) || E'\\n', '') \
     || ') SERVER ' || pg_catalog.quote_ident(s.srvname) \
     || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value), ', ' ORDER BY o.option_name) FROM pg_catalog.pg_options_to_table(ft.ftoptions) o) || ')', '')] END, \
     pn.nspname::text, p.relname::text \
     FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver \
     LEFT JOIN pg_catalog.pg_inherits i ON c.relispartition AND i.inhrelid = c.oid \
     LEFT JOIN pg_catalog.pg_class p ON p.oid = i.inhparent \
     LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace \
     WHERE ",
    in_schemas!()
);
